import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  isSettingName,
  PROTOCOLS,
  parseProtocols,
  SETTING_NAMES,
  settingsPatchSchema,
  tokenCreateSchema,
  userCreateSchema,
  userUpdateSchema,
} from '@gatehouse/shared';
import { dbFile } from './boot';
import { createDeps, type Deps } from './context';
import { openPgStore, openStore, pgMigrationsCurrent, type Store } from './db/client';
import { DataFolderError, lockDataFolder, secureDataFolder } from './db/data-folder';
import { seedIfEmpty } from './db/seed';
import { EnvError, loadEnv } from './env';
import { CLI_ACTOR } from './features/audit/audit.service';
import { BackupError, backup, restore } from './features/backup/backup';
import { copySite } from './features/backup/copy';
import { pgBackup, pgRestore } from './features/backup/pg-backup';
import { mobileState, setMobile } from './features/mobile/mobile.service';
import { syncBuiltinServices } from './features/services/builtin';
import { serviceByShortname, updateService } from './features/services/services.service';
import { loadServerSecret } from './features/tokens/server-secret';
import { createAdminToken, deleteToken, listTokens } from './features/tokens/tokens.service';
import { createUser, findUserByUsername, updateUser } from './features/users/users.service';
import { DomainError } from './lib/errors';
import { generatePassword } from './lib/password';
import { fieldErrors } from './lib/validate';

const HELP = `Usage: npm run gatehouse -- <command>

Works on the database in GATEHOUSE_DATA (default ./data), or on PostgreSQL when GATEHOUSE_DATABASE_URL
is set; every running server (every node) sees changes at once.

  config get [name]                 print one setting, or all of them
  config set <name> <value>         change a setting (validated as in the console)
  user create --username U --email E --firstname F --lastname L [--password P] [--admin] [--auth manual|nologin|webservice]
                                    create a user (a password is generated and printed when omitted)
  user password <username> [--password P]
                                    set a user's password (generated and printed when omitted); ends their sessions
  token create --user U --service S [--name N] [--valid-until ISO|never] [--ip LIST]
                                    create a token (default validity 30 days); the secret is printed once
  token list [--user U] [--service S]
                                    list tokens (never their secrets)
  token delete <id>                 delete a token
  service enable|disable <shortname>
  protocol enable|disable <rest|soap|xmlrpc|amf>
  mobile enable|disable             Enable web services for mobile devices (the whole cascade), or undo it
  mobile status                     which parts of "mobile enabled" hold
  migrate                           apply the committed schema migrations and stop (nodes also migrate at
                                    start, under an advisory lock; run this to migrate before a roll-out)
  backup <file>                     online, consistent backup of the database, the token secret and the
                                    stored files, written 0600: a backup is a secret, store it like a
                                    password (on PostgreSQL: a tar of pg_dump's dump, the secret, the files)
  restore <file> [--force]          check a backup and restore it into GATEHOUSE_DATA, or into the
                                    PostgreSQL database (--force replaces a database; on PostgreSQL also
                                    restores a backup whose token secret is not GATEHOUSE_TOKEN_SECRET);
                                    refused while a server uses the data folder (the database)
  copy --from <data folder> [--to <postgres url>] [--force] [--filedir <dir>] [--print-secret]
                                    move a SQLite site to PostgreSQL (--to defaults to GATEHOUSE_DATABASE_URL):
                                    migrates the target, copies every row (--force empties a target that
                                    holds rows), verifies every table, and says how to carry the token
                                    secret and the files over (--filedir copies the files into <dir>)
`;

class CliError extends Error {}

function fail(message: string): never {
  throw new CliError(message);
}

function describeZod(err: Parameters<typeof fieldErrors>[0]): string {
  return Object.entries(fieldErrors(err))
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

async function configCommand(deps: Deps, args: string[]) {
  const [sub, name, ...rest] = args;
  if (sub === 'get') {
    if (!name) {
      for (const [k, v] of Object.entries(deps.settings.all())) console.log(`${k}=${v}`);
      return;
    }
    if (!isSettingName(name)) fail(`Unknown setting "${name}". Known settings: ${SETTING_NAMES.join(', ')}`);
    console.log(deps.settings.get(name));
    return;
  }
  if (sub === 'set') {
    if (!name || rest.length !== 1) fail('Usage: config set <name> <value>');
    if (!isSettingName(name)) fail(`Unknown setting "${name}". Known settings: ${SETTING_NAMES.join(', ')}`);
    const parsed = settingsPatchSchema.safeParse({ [name]: rest[0] });
    if (!parsed.success) fail(`Invalid value for ${name}: ${describeZod(parsed.error)}`);
    const changes = await deps.settings.apply(parsed.data, CLI_ACTOR);
    console.log(
      changes.length ? `${name}: "${changes[0]?.from}" -> "${changes[0]?.to}"` : `${name} is already "${rest[0]}"`,
    );
    return;
  }
  fail('Usage: config get [name] | config set <name> <value>');
}

async function userCommand(deps: Deps, args: string[]) {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      firstname: { type: 'string' },
      lastname: { type: 'string' },
      password: { type: 'string' },
      auth: { type: 'string' },
      admin: { type: 'boolean', default: false },
    },
  });
  if (sub === 'create') {
    const password = values.password ?? generatePassword();
    const parsed = userCreateSchema.safeParse({
      username: values.username,
      email: values.email,
      firstname: values.firstname,
      lastname: values.lastname,
      password,
      auth: values.auth ?? 'manual',
      suspended: false,
      confirmed: true,
      passwordExpired: false,
      siteAdmin: values.admin,
    });
    if (!parsed.success) fail(describeZod(parsed.error));
    const user = await createUser(deps, parsed.data, CLI_ACTOR, true);
    console.log(`Created user ${user.username} (id ${user.id})${values.password ? '' : ` with password: ${password}`}`);
    return;
  }
  if (sub === 'password') {
    const username = positionals[0] ?? values.username;
    if (!username) fail('Usage: user password <username> [--password P]');
    const user = await lookupUser(deps, username);
    const password = values.password ?? generatePassword();
    const parsed = userUpdateSchema.safeParse({ password });
    if (!parsed.success) fail(describeZod(parsed.error));
    await updateUser(deps, user.id, parsed.data, CLI_ACTOR, { actorIsAdmin: true });
    console.log(
      `Password of ${user.username} changed${values.password ? '' : ` to: ${password}`}; their sessions have ended.`,
    );
    return;
  }
  fail('Usage: user create ... | user password <username> [--password P]');
}

async function lookupUser(deps: Deps, username: string) {
  const user = await findUserByUsername(deps, username.toLowerCase());
  if (!user || user.deleted) fail(`No user "${username}"`);
  return user;
}

async function lookupService(deps: Deps, shortname: string) {
  const s = await serviceByShortname(deps, shortname);
  if (!s) fail(`No service "${shortname}"`);
  return s;
}

function parseDate(value: string): number | null {
  if (value === 'never') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    fail(`Not a date: "${value}" (use ISO 8601, e.g. 2027-01-31 or 2027-01-31T12:00:00Z, or "never")`);
  return Math.floor(ms / 1000);
}

async function tokenCommand(deps: Deps, args: string[]) {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      service: { type: 'string' },
      name: { type: 'string' },
      'valid-until': { type: 'string' },
      ip: { type: 'string' },
    },
  });
  if (sub === 'create') {
    if (!values.user || !values.service)
      fail('Usage: token create --user U --service S [--name N] [--valid-until ISO|never] [--ip LIST]');
    const user = await lookupUser(deps, values.user);
    const service = await lookupService(deps, values.service);
    const parsed = tokenCreateSchema.safeParse({
      userId: user.id,
      serviceId: service.id,
      ...(values.name ? { name: values.name } : {}),
      ...(values.ip ? { ipRestriction: values.ip } : {}),
      ...(values['valid-until'] !== undefined ? { validUntil: parseDate(values['valid-until']) } : {}),
    });
    if (!parsed.success) fail(describeZod(parsed.error));
    const created = await createAdminToken(deps, parsed.data, CLI_ACTOR, true);
    const until = created.token.validUntil ? new Date(created.token.validUntil * 1000).toISOString() : 'never expires';
    console.log(
      `Created token ${created.token.id} "${created.token.name}" for ${user.username} on ${service.shortname} (valid until ${until}).`,
    );
    console.log('The secret is shown once; store it now:');
    console.log(created.secret);
    return;
  }
  if (sub === 'list') {
    const serviceId = values.service ? (await lookupService(deps, values.service)).id : undefined;
    let cursor: string | undefined;
    for (;;) {
      const res = await listTokens(deps, {
        cursor,
        perPage: 200,
        ...(values.user ? { user: values.user } : {}),
        ...(serviceId ? { serviceId } : {}),
      });
      for (const tk of res.items) {
        const until = tk.validUntil ? new Date(tk.validUntil * 1000).toISOString() : 'never';
        console.log(
          [
            tk.id,
            tk.stub,
            tk.name,
            tk.user.username,
            tk.service.shortname,
            `valid until ${until}`,
            tk.statuses.join(','),
          ].join('\t'),
        );
      }
      if (!res.next) break;
      cursor = res.next;
    }
    return;
  }
  if (sub === 'delete') {
    const id = Number(positionals[0]);
    if (!Number.isInteger(id) || id <= 0) fail('Usage: token delete <id>');
    await deleteToken(deps, id, CLI_ACTOR);
    console.log(`Deleted token ${id}.`);
    return;
  }
  fail('Usage: token create ... | token list | token delete <id>');
}

async function serviceCommand(deps: Deps, args: string[]) {
  const [sub, shortname] = args;
  if ((sub !== 'enable' && sub !== 'disable') || !shortname) fail('Usage: service enable|disable <shortname>');
  const s = await lookupService(deps, shortname);
  await updateService(deps, s.id, { enabled: sub === 'enable' }, CLI_ACTOR);
  console.log(`Service ${s.shortname} is ${sub}d.`);
}

async function protocolCommand(deps: Deps, args: string[]) {
  const [sub, name] = args;
  if ((sub !== 'enable' && sub !== 'disable') || !name) fail('Usage: protocol enable|disable <rest|soap|xmlrpc|amf>');
  if (!(PROTOCOLS as readonly string[]).includes(name))
    fail(`Unknown protocol "${name}". Known: ${PROTOCOLS.join(', ')}`);
  const current = parseProtocols(deps.settings.get('webserviceprotocols'));
  const next = sub === 'enable' ? [...new Set([...current, name])] : current.filter((p) => p !== name);
  const ordered = PROTOCOLS.filter((p) => next.includes(p));
  await deps.settings.apply({ webserviceprotocols: ordered.join(',') }, CLI_ACTOR);
  console.log(`Protocol ${name} is ${sub}d. Active protocols: ${ordered.join(', ') || 'none'}`);
  if (!deps.settings.flag('enablewebservices'))
    console.log('Note: web services are disabled (config set enablewebservices 1).');
}

async function mobileCommand(deps: Deps, args: string[]) {
  const [sub] = args;
  if (sub === 'status') {
    const s = await mobileState(deps);
    console.log(`Mobile web services: ${s.enabled ? 'enabled' : 'not enabled'}`);
    for (const p of s.parts) console.log(`  [${p.ok ? 'x' : ' '}] ${p.label}`);
    return;
  }
  if (sub !== 'enable' && sub !== 'disable') fail('Usage: mobile enable|disable|status');
  const { changes, state } = await setMobile(deps, sub === 'enable', CLI_ACTOR);
  if (!changes.length) console.log('Nothing to change.');
  for (const c of changes) console.log(`  ${c.kind} ${c.name}: ${c.from || '(empty)'} -> ${c.to || '(empty)'}`);
  console.log(`Mobile web services: ${state.enabled ? 'enabled' : 'not enabled'}`);
}

async function main(argv: string[]) {
  const [cmd, ...args] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(HELP);
    return;
  }
  const env = loadEnv();
  if (cmd === 'copy') {
    await copyCommand(env, args);
    return;
  }
  if ((cmd === 'backup' || cmd === 'restore') && env.GATEHOUSE_DATABASE_URL) {
    await pgBackupCommand(env, cmd, args);
    return;
  }
  if (cmd === 'backup' || cmd === 'restore') {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { force: { type: 'boolean', default: false } },
    });
    const file = positionals[0];
    if (!file) fail(`Usage: ${cmd} <file>`);
    if (cmd === 'backup') {
      if (existsSync(env.dataDir)) for (const note of secureDataFolder(env.dataDir)) console.error(note);
      const res = await backup(env.dataDir, file, env.GATEHOUSE_TOKEN_SECRET);
      console.log(`Backed up ${res.pages} pages to ${res.file} (mode 0600, readable by you only).`);
      console.log(BACKUP_SECRET_NOTE);
    } else {
      const res = await restore(env.dataDir, file, {
        force: values.force,
        ...(env.GATEHOUSE_TOKEN_SECRET ? { tokenSecretFromEnv: env.GATEHOUSE_TOKEN_SECRET } : {}),
      });
      describeRestore(file, env.dataDir, res);
    }
    return;
  }
  if (cmd === 'migrate') {
    await migrateCommand(env);
    return;
  }
  // The data folder as a server would find it, and its shared lock (a restore waits for the
  // command to finish; the command waits, a while, for a restore to finish).
  for (const note of secureDataFolder(env.dataDir)) console.error(note);
  const lock = lockDataFolder(env.dataDir, 'shared', { waitMs: 30_000 });
  // SQLite: waits for the server's write transactions instead of failing with "database is
  // locked": a busy timeout on every statement, and transactions that keep trying to begin for
  // a minute. PostgreSQL: the write lock queues the command's writes behind the nodes' ones, and
  // its changes reach every node through the invalidation feed.
  let store: Store;
  try {
    store = env.GATEHOUSE_DATABASE_URL
      ? await openPgStore(env.GATEHOUSE_DATABASE_URL, { max: 2, applicationName: 'gatehouse-cli' })
      : openStore(dbFile(env), { busyTimeoutMs: 10_000, retryBusyForMs: 60_000, optimize: false });
  } catch (err) {
    lock.release();
    throw err;
  }
  try {
    await seedIfEmpty(store, {
      adminPassword: env.GATEHOUSE_ADMIN_PASSWORD,
      demo: env.GATEHOUSE_SEED_DEMO === '1',
      demoPassword: env.GATEHOUSE_DEMO_PASSWORD,
    });
    const deps = createDeps({ ...env, GATEHOUSE_LOG: 'silent' }, store);
    await syncBuiltinServices(deps);
    await deps.settings.ready();
    await deps.authz.ready();
    if (cmd === 'config') await configCommand(deps, args);
    else if (cmd === 'user') await userCommand(deps, args);
    else if (cmd === 'token') await tokenCommand(deps, args);
    else if (cmd === 'service') await serviceCommand(deps, args);
    else if (cmd === 'protocol') await protocolCommand(deps, args);
    else if (cmd === 'mobile') await mobileCommand(deps, args);
    else fail(`Unknown command "${cmd}".\n\n${HELP}`);
  } finally {
    await store.close();
    lock.release();
  }
}

const BACKUP_SECRET_NOTE =
  'This backup is a secret: it holds the token secret (the key every token is checked with) and every account. Store it like a password, where no one else can read it.';

function describeRestore(file: string, into: string, res: Awaited<ReturnType<typeof restore>>, pgSecret = false) {
  const what = (c: { users: number; tokens: number }) => `${c.users} users and ${c.tokens} tokens`;
  console.log(
    `Restored ${file} (backup made ${res.backupCreated}) into ${into}: ${
      res.before ? `replaced ${what(res.before)}` : 'there was no readable database before'
    }, with ${what(res.after)}.`,
  );
  console.log(
    `${pgSecret ? "The tokens are the backup's (checked with GATEHOUSE_TOKEN_SECRET)" : "The token secret is the backup's"}: tokens created since the backup are gone, tokens deleted since are back. No console session was restored (${res.sessionsEnded} in the backup): everyone signs in again.`,
  );
  for (const w of res.warnings) console.log(`Warning: ${w}`);
}

/** backup / restore on PostgreSQL (GATEHOUSE_DATABASE_URL): features/backup/pg-backup.ts. */
async function pgBackupCommand(env: ReturnType<typeof loadEnv>, cmd: 'backup' | 'restore', args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { force: { type: 'boolean', default: false } },
  });
  const file = positionals[0];
  if (!file) fail(`Usage: ${cmd} <file>`);
  const url = env.GATEHOUSE_DATABASE_URL as string;
  const where = {
    url,
    tokenSecret: env.GATEHOUSE_TOKEN_SECRET,
    dataDir: env.dataDir,
    ...(env.GATEHOUSE_FILEDIR ? { fileDir: env.fileDir } : {}),
  };
  if (cmd === 'backup') {
    const res = await pgBackup({ ...where, file });
    console.log(
      `Backed up the PostgreSQL database (migration ${res.migrations}) and ${res.files} stored files to ${res.file}: ${res.bytes} bytes (mode 0600, readable by you only).`,
    );
    console.log(BACKUP_SECRET_NOTE);
    return;
  }
  const res = await pgRestore({ ...where, file, force: values.force });
  const u = new URL(url);
  describeRestore(file, `the PostgreSQL database ${u.pathname.slice(1)} on ${u.host}`, res, true);
}

/** copy --from <SQLite data folder> --to <PostgreSQL URL>: features/backup/copy.ts. */
async function copyCommand(env: ReturnType<typeof loadEnv>, args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      force: { type: 'boolean', default: false },
      filedir: { type: 'string' },
      'print-secret': { type: 'boolean', default: false },
    },
  });
  const to = values.to ?? env.GATEHOUSE_DATABASE_URL;
  if (!values.from || !to)
    fail('Usage: copy --from <SQLite data folder> --to <postgres url> [--force] [--filedir <dir>] [--print-secret]');
  const from = resolve(values.from);
  console.log(`Copying the SQLite site in ${from} to PostgreSQL…`);
  const res = await copySite({
    from,
    to,
    force: values.force,
    ...(values.filedir ? { fileDir: resolve(values.filedir) } : {}),
    log: (line) => console.log(line),
  });
  const rows = res.tables.reduce((n, t) => n + t.rows, 0);
  console.log(
    `Copied and verified ${res.tables.length} tables, ${rows} rows (per table: count and digest equal on both sides).`,
  );
  if (res.filesMissing.length) {
    console.log(`Warning: ${res.filesMissing.length} file content(s) the rows use are not in ${res.sourceFileDir}.`);
  }
  if (res.filesCopied !== undefined) {
    console.log(
      `Copied ${res.filesCopied} stored file content(s) into ${values.filedir}: set GATEHOUSE_FILEDIR=${resolve(values.filedir as string)} on every node.`,
    );
  } else {
    console.log(
      `The stored files stay where they are: set GATEHOUSE_FILEDIR=${res.sourceFileDir} on every node (a folder they all share), or copy it again with --filedir <dir>.`,
    );
  }
  if (res.secret === null) {
    console.log(
      `The old site has no token secret file (${join(from, 'token-secret.key')}): it ran with GATEHOUSE_TOKEN_SECRET; set the same value on every node, or no token will work.`,
    );
  } else if (values['print-secret']) {
    console.log(`Set GATEHOUSE_TOKEN_SECRET on every node to the old site's token secret, or no token will work:`);
    console.log(`GATEHOUSE_TOKEN_SECRET=${res.secret}`);
  } else {
    console.log(
      `Set GATEHOUSE_TOKEN_SECRET on every node to the old site's token secret, or no token will work: it is in ${res.secretFile} (GATEHOUSE_TOKEN_SECRET="$(cat ${res.secretFile})"; or add --print-secret). It is a secret: keep it out of shell histories and logs.`,
    );
  }
  if (env.GATEHOUSE_TOKEN_SECRET && res.secret !== null) {
    let same = false;
    try {
      same = Buffer.from(res.secret, 'base64').equals(loadServerSecret(from, env.GATEHOUSE_TOKEN_SECRET));
    } catch {}
    if (!same) console.log("Warning: GATEHOUSE_TOKEN_SECRET is set here and is not the old site's secret.");
  }
}

/** Applies the committed migrations (PostgreSQL: under the advisory lock the nodes take too), then says where the schema stands. */
async function migrateCommand(env: ReturnType<typeof loadEnv>) {
  if (env.GATEHOUSE_DATABASE_URL) {
    const store = await openPgStore(env.GATEHOUSE_DATABASE_URL, { max: 2, applicationName: 'gatehouse-cli' });
    try {
      if (!(await pgMigrationsCurrent(store.pool))) fail('The migrations did not all apply.');
      console.log('PostgreSQL schema is current.');
    } finally {
      await store.close();
    }
    return;
  }
  for (const note of secureDataFolder(env.dataDir)) console.error(note);
  const lock = lockDataFolder(env.dataDir, 'shared', { waitMs: 30_000 });
  try {
    const store = openStore(dbFile(env), { busyTimeoutMs: 10_000, retryBusyForMs: 60_000, optimize: false });
    await store.close();
    console.log(`SQLite schema is current (${dbFile(env)}).`);
  } finally {
    lock.release();
  }
}

main(process.argv.slice(2)).catch((err) => {
  if (
    err instanceof CliError ||
    err instanceof EnvError ||
    err instanceof BackupError ||
    err instanceof DataFolderError
  )
    console.error(err.message);
  else if (String((err as { code?: unknown })?.code ?? '').startsWith('SQLITE_BUSY'))
    console.error('The database stayed locked by other writers for too long: the command did not complete. Try again.');
  else if (err instanceof DomainError) console.error(err.message);
  else if (
    err instanceof Error &&
    err.name === 'TypeError' &&
    'code' in err &&
    String(err.code).startsWith('ERR_PARSE_ARGS')
  )
    console.error(err.message);
  else console.error(`Unexpected error: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
