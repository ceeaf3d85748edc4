import { parseArgs } from 'node:util';
import { isSettingName, SETTING_NAMES, settingsPatchSchema, userCreateSchema, userUpdateSchema } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import { type Deps, createDeps } from './context';
import { openStore } from './db/client';
import { generatePassword, seedIfEmpty } from './db/seed';
import { users } from './db/schema';
import { dbFile } from './boot';
import { EnvError, loadEnv } from './env';
import { CLI_ACTOR } from './features/audit/audit.service';
import { createUser, updateUser } from './features/users/users.service';
import { HttpError } from './lib/http-error';
import { fieldErrors } from './lib/validate';

const HELP = `Usage: pnpm gatehouse <command>   (or: npm run gatehouse -- <command>)

Works on the database in GATEHOUSE_DATA (default ./data); a running server sees changes at once.

  config get [name]                 print one setting, or all of them
  config set <name> <value>         change a setting (validated as in the console)
  user create --username U --email E --firstname F --lastname L [--password P] [--admin] [--auth manual|nologin|webservice]
                                    create a user (a password is generated and printed when omitted)
  user password <username> [--password P]
                                    set a user's password (generated and printed when omitted); ends their sessions
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

function configCommand(deps: Deps, args: string[]) {
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
    const changes = deps.settings.apply(parsed.data, CLI_ACTOR);
    console.log(changes.length ? `${name}: "${changes[0]?.from}" -> "${changes[0]?.to}"` : `${name} is already "${rest[0]}"`);
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
    const user = deps.store.db.select().from(users).where(eq(users.username, username.toLowerCase())).get();
    if (!user || user.deleted) fail(`No user "${username}"`);
    const password = values.password ?? generatePassword();
    const parsed = userUpdateSchema.safeParse({ password });
    if (!parsed.success) fail(describeZod(parsed.error));
    await updateUser(deps, user.id, parsed.data, CLI_ACTOR, { actorIsAdmin: true });
    console.log(`Password of ${user.username} changed${values.password ? '' : ` to: ${password}`}; their sessions have ended.`);
    return;
  }
  fail('Usage: user create ... | user password <username> [--password P]');
}

async function main(argv: string[]) {
  const [cmd, ...args] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(HELP);
    return;
  }
  const env = loadEnv();
  const store = openStore(dbFile(env));
  try {
    await seedIfEmpty(store, { adminPassword: env.GATEHOUSE_ADMIN_PASSWORD, demo: env.GATEHOUSE_SEED_DEMO === '1', demoPassword: env.GATEHOUSE_DEMO_PASSWORD });
    const deps = createDeps({ ...env, GATEHOUSE_LOG: 'silent' }, store);
    if (cmd === 'config') configCommand(deps, args);
    else if (cmd === 'user') await userCommand(deps, args);
    else fail(`Unknown command "${cmd}".\n\n${HELP}`);
  } finally {
    store.sqlite.close();
  }
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof CliError || err instanceof EnvError) console.error(err.message);
  else if (err instanceof HttpError) console.error(err.message);
  else if (err instanceof Error && err.name === 'TypeError' && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) console.error(err.message);
  else console.error(`Unexpected error: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
