import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { createDeps, type Deps } from './context';
import { openStore, type SqliteStore } from './db/client';
import { auditLog, externalServices, externalTokens, users } from './db/schema';
import { seedIfEmpty } from './db/seed';
import { loadEnv } from './env';
import { type Actor, SYSTEM_ACTOR } from './features/audit/audit.service';
import { assignRole, createRole } from './features/roles/roles.service';
import { syncBuiltinServices } from './features/services/builtin';
import { addServiceFunctions, createService } from './features/services/services.service';
import { hashToken } from './features/tokens/token-secret';
import { verifyPassword } from './lib/password';
import { ADMIN_PASSWORD, DEMO_PASSWORD, restCall, serviceBody } from './test/helpers';

// The command-line tool, run as a separate process on a data folder, as an operator runs it.
// Most runs use the CLI bundled once with esbuild exactly as build.mjs bundles it (a tsx start
// costs ~3 s of CPU per run on a small machine; the bundle starts in well under one); one run
// goes through `node --import tsx src/cli.ts` to cover the source entry point as well.

const BFF = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = /^gwt[0-9A-Za-z]{49}$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let bundleDir: string;
let bundle: string;
let store: SqliteStore;
let deps: Deps;
let app: ReturnType<typeof createApp>;
const actor: Actor = { id: null, username: 'test', ip: '' };

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GATEHOUSE_') && k !== 'NODE_OPTIONS') env[k] = v;
  return {
    ...env,
    GATEHOUSE_DATA: dir,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    GATEHOUSE_DEMO_PASSWORD: DEMO_PASSWORD,
    GATEHOUSE_LOG: 'silent',
  };
}

function runNode(argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: BFF, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const cli = (...args: string[]) => runNode([bundle, ...args]);
const cliTsx = (...args: string[]) => runNode(['--import', 'tsx', 'src/cli.ts', ...args]);

/** Runs the commands at most `width` at a time (they share one SQLite database, as CLI and server do). */
async function runAll<K extends string>(commands: Record<K, string[]>, width = 3): Promise<Record<K, Run>> {
  const entries = Object.entries(commands) as [K, string[]][];
  const out = {} as Record<K, Run>;
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < entries.length) {
        const [name, args] = entries[next++]!;
        out[name] = await cli(...args);
      }
    }),
  );
  return out;
}

/** Sees what the CLI processes committed. */
/** The test's own view of the data folder, after the CLI processes' commits. */
async function fresh() {
  deps.gen.check();
  await deps.settings.ready();
  await deps.authz.ready();
  return deps;
}

const userRow = async (username: string) =>
  (await store.db.select().from(users).where(eq(users.username, username)).limit(1)).at(0);
const serviceRow = async (shortname: string) =>
  (await store.db.select().from(externalServices).where(eq(externalServices.shortname, shortname)).limit(1)).at(0);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  // The bundle, beside a copy of the migrations and a link to the BFF's node_modules (its
  // third-party dependencies stay external, as in build.mjs).
  bundleDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-bundle-'));
  const pkg = JSON.parse(readFileSync(join(BFF, 'package.json'), 'utf8'));
  const thirdParty = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
    (n) => !n.startsWith('@gatehouse/'),
  );
  await build({
    entryPoints: [join(BFF, 'src/cli.ts')],
    outfile: join(bundleDir, 'dist/cli.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...thirdParty, ...thirdParty.map((n) => `${n}/*`)],
    logLevel: 'error',
  });
  bundle = join(bundleDir, 'dist/cli.mjs');
  cpSync(join(BFF, 'src/db/migrations'), join(bundleDir, 'dist/migrations'), { recursive: true });
  symlinkSync(join(BFF, 'node_modules'), join(bundleDir, 'node_modules'), 'dir');

  // The data folder, seeded and with its server secret, before any CLI process opens it.
  store = openStore(join(dir, 'gatehouse.db'));
  await seedIfEmpty(store, { adminPassword: ADMIN_PASSWORD, demo: true, demoPassword: DEMO_PASSWORD });
  deps = createDeps(loadEnv({ GATEHOUSE_DATA: dir, GATEHOUSE_LOG: 'silent' }), store);
  await syncBuiltinServices(deps);
  await deps.settings.ready();
  await deps.authz.ready();
  app = createApp(deps);
  const svc = await createService(
    deps,
    serviceBody('CLI service', 'clisvc') as Parameters<typeof createService>[1],
    actor,
  );
  await addServiceFunctions(deps, svc.id, ['core_webservice_get_site_info'], actor);
  const role = await createRole(
    deps,
    { shortname: 'restuser', name: 'REST user', capabilities: { 'webservice/rest:use': 'allow' } },
    actor,
  );
  await assignRole(deps, role.id, (await userRow('student'))!.id, actor);
  await deps.settings.apply({ webserviceprotocols: 'xmlrpc' }, SYSTEM_ACTOR);
}, 60_000);

afterAll(() => {
  store?.sqlite.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe('the gatehouse CLI', () => {
  let r: Record<
    | 'setValid'
    | 'setInvalid'
    | 'setUnknown'
    | 'userCreate'
    | 'tokenCreate'
    | 'protoEnable'
    | 'protoUnknown'
    | 'svcEnable'
    | 'tokenPast',
    Run
  >;
  let secret: string;
  let tokenId: number;

  beforeAll(async () => {
    r = await runAll({
      setValid: ['config', 'set', 'enablewebservices', '1'],
      setInvalid: ['config', 'set', 'tokenduration', '12'],
      setUnknown: ['config', 'set', 'nosuchsetting', '1'],
      userCreate: [
        'user',
        'create',
        '--username',
        'cliuser',
        '--email',
        'cli@example.org',
        '--firstname',
        'Cli',
        '--lastname',
        'User',
        '--password',
        'Cli-pass-123',
      ],
      tokenCreate: [
        'token',
        'create',
        '--user',
        'student',
        '--service',
        'clisvc',
        '--name',
        'CLI key',
        '--valid-until',
        'never',
      ],
      protoEnable: ['protocol', 'enable', 'rest'],
      protoUnknown: ['protocol', 'enable', 'carrierpigeon'],
      svcEnable: ['service', 'enable', 'moodle_mobile_app'],
      tokenPast: ['token', 'create', '--user', 'student', '--service', 'clisvc', '--valid-until', '2000-01-01'],
    });
  }, 90_000);

  it('config set: a valid value is saved (and audited as the CLI)', async () => {
    expect(r.setValid).toMatchObject({ code: 0, stderr: '' });
    expect(r.setValid.stdout.trim()).toBe('enablewebservices: "0" -> "1"');
    expect((await fresh()).settings.get('enablewebservices')).toBe('1');
    const audit = await store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'config.set'), eq(auditLog.targetId, 'enablewebservices')));
    expect(audit.map((a) => a.actorUsername)).toEqual(['cli']);
  });

  it('config set: an invalid value exits 1 with the rule, and changes nothing', async () => {
    expect(r.setInvalid.code).toBe(1);
    expect(r.setInvalid.stderr).toContain('Invalid value for tokenduration');
    expect(r.setInvalid.stderr).toContain('Between one minute and ten years');
    expect(r.setInvalid.stdout).toBe('');
    expect((await fresh()).settings.get('tokenduration')).toBe(String(12 * 7 * 86400));
  });

  it('config set: an unknown setting exits 1 and lists the known ones', () => {
    expect(r.setUnknown.code).toBe(1);
    expect(r.setUnknown.stderr).toContain('Unknown setting "nosuchsetting"');
    expect(r.setUnknown.stderr).toContain('enablewebservices');
  });

  it('user create: the user can then be verified with the given password, which is not printed', async () => {
    expect(r.userCreate.code, r.userCreate.stderr).toBe(0);
    expect(r.userCreate.stdout).toMatch(/^Created user cliuser \(id \d+\)\n$/);
    expect(r.userCreate.stdout).not.toContain('Cli-pass-123');
    const u = (await userRow('cliuser'))!;
    expect(u).toMatchObject({
      firstname: 'Cli',
      lastname: 'User',
      email: 'cli@example.org',
      auth: 'manual',
      siteAdmin: false,
      deleted: false,
    });
    expect(await verifyPassword(u.passwordHash, 'Cli-pass-123')).toBe(true);
  });

  it('token create: prints the secret once; only its hash is stored; it works over REST', async () => {
    expect(r.tokenCreate.code, r.tokenCreate.stderr).toBe(0);
    const lines = r.tokenCreate.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Created token \d+ "CLI key" for student on clisvc \(valid until never expires\)\.$/);
    expect(lines[1]).toBe('The secret is shown once; store it now:');
    secret = lines[2]!;
    expect(secret).toMatch(TOKEN);
    expect(r.tokenCreate.stdout.split(secret).length - 1).toBe(1);
    tokenId = Number(lines[0]!.match(/token (\d+)/)![1]);
    const row = (await store.db.select().from(externalTokens).where(eq(externalTokens.id, tokenId)).limit(1)).at(0)!;
    expect(row).toMatchObject({
      name: 'CLI key',
      validUntil: null,
      origin: 'admin',
      creatorId: null,
      userId: (await userRow('student'))!.id,
    });
    expect(row.tokenHash).toBe(hashToken(deps.tokenSecret, secret));
    // Web services and REST were switched on by the other commands of this batch.
    const res = await restCall({ app }, secret, 'core_webservice_get_site_info');
    expect(res.body).toMatchObject({ username: 'student' });
  });

  it('token create: a refusal of the token service (a past valid-until) exits 1 with its message, nothing made', async () => {
    expect(r.tokenPast.code).toBe(1);
    expect(r.tokenPast.stderr).toContain('Valid until must be in the future');
    expect(r.tokenPast.stdout).not.toMatch(/gwt[0-9A-Za-z]{49}/);
    expect(await store.db.select().from(externalTokens)).toHaveLength(1);
  });

  it('protocol enable: adds to webserviceprotocols in the usual order; an unknown protocol exits 1', async () => {
    expect(r.protoEnable.code, r.protoEnable.stderr).toBe(0);
    expect(r.protoEnable.stdout).toContain('Protocol rest is enabled. Active protocols: rest, xmlrpc');
    expect((await fresh()).settings.get('webserviceprotocols')).toBe('rest,xmlrpc');
    expect(r.protoUnknown.code).toBe(1);
    expect(r.protoUnknown.stderr).toContain('Unknown protocol "carrierpigeon"');
  });

  it('service enable', async () => {
    expect(r.svcEnable).toMatchObject({ code: 0, stdout: 'Service moodle_mobile_app is enabled.\n' });
    expect((await serviceRow('moodle_mobile_app'))?.enabled).toBe(true);
  });

  describe('then', () => {
    let r2: Record<'userPassword' | 'tokenList' | 'protoDisable' | 'svcDisable', Run>;
    let getTsx: Run;
    beforeAll(async () => {
      [r2, getTsx] = await Promise.all([
        runAll({
          userPassword: ['user', 'password', 'cliuser', '--password', 'Newer-pass-456'],
          tokenList: ['token', 'list'],
          protoDisable: ['protocol', 'disable', 'xmlrpc'],
          svcDisable: ['service', 'disable', 'moodle_mobile_app'],
        }),
        cliTsx('config', 'get', 'enablewebservices'),
      ]);
    }, 90_000);

    it('config get (through tsx from the source entry point) prints the value alone', () => {
      expect(getTsx, getTsx.stderr).toMatchObject({ code: 0, stdout: '1\n' });
    });

    it('user password: the new password works and the old one no longer does', async () => {
      expect(r2.userPassword.code, r2.userPassword.stderr).toBe(0);
      expect(r2.userPassword.stdout).toContain('Password of cliuser changed');
      expect(r2.userPassword.stdout).not.toContain('Newer-pass-456');
      const u = (await userRow('cliuser'))!;
      expect(await verifyPassword(u.passwordHash, 'Newer-pass-456')).toBe(true);
      expect(await verifyPassword(u.passwordHash, 'Cli-pass-123')).toBe(false);
    });

    it('token list: id, stub, name, user, service and validity, never the secret', () => {
      expect(r2.tokenList.code).toBe(0);
      const line = r2.tokenList.stdout.split('\n').find((l) => l.startsWith(`${tokenId}\t`));
      expect(line).toBe(
        [
          tokenId,
          `${secret.slice(0, 7)}…${secret.slice(-4)}`,
          'CLI key',
          'student',
          'clisvc',
          'valid until never',
          'valid',
        ].join('\t'),
      );
      expect(r2.tokenList.stdout).not.toContain(secret);
      expect(r2.tokenList.stdout).not.toContain(secret.slice(7, -4));
    });

    it('protocol disable; service disable', async () => {
      expect(r2.protoDisable.stdout).toContain('Protocol xmlrpc is disabled. Active protocols: rest');
      expect((await fresh()).settings.get('webserviceprotocols')).toBe('rest');
      expect(r2.svcDisable).toMatchObject({ code: 0, stdout: 'Service moodle_mobile_app is disabled.\n' });
      expect((await serviceRow('moodle_mobile_app'))?.enabled).toBe(false);
    });

    describe('and finally', () => {
      let del: Run;
      beforeAll(async () => {
        del = await cli('token', 'delete', String(tokenId));
      }, 60_000);

      it('token delete: the token is gone and no longer works', async () => {
        expect(del).toMatchObject({ code: 0, stdout: `Deleted token ${tokenId}.\n` });
        expect(
          (await store.db.select().from(externalTokens).where(eq(externalTokens.id, tokenId)).limit(1)).at(0),
        ).toBeUndefined();
        const res = await restCall({ app }, secret, 'core_webservice_get_site_info');
        expect(res.body).toMatchObject({ errorcode: 'invalidtoken' });
      });
    });
  });
});
