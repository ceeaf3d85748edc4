import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from './test/helpers';
import {
  type Bundles,
  buildBundles,
  type RunningServer,
  runNode,
  type SpawnOptions,
  startServer,
} from './test/processes';

// The data folder as the server and the CLI leave it, each run as its own process with the
// umask a careless service manager gives it: the folder 0700 and every file in it 0600
// (database, WAL, shared memory, token secret, lock), backups 0600; a restore refused while a
// server uses the folder, and allowed once a killed server has left it; CLI writes that wait
// for another process's write transaction instead of failing with "database is locked".

let bundles: Bundles;
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-data-folder-'));
const servers: RunningServer[] = [];

beforeAll(async () => {
  bundles = await buildBundles();
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL');
  bundles?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

let n = 0;
const newFolder = () => join(scratch, `data-${n++}`);
const envFor = (dir: string): Record<string, string> => ({
  GATEHOUSE_DATA: dir,
  GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
  GATEHOUSE_DEMO_PASSWORD: DEMO_PASSWORD,
});
const cli = (dir: string, args: string[], more: Partial<SpawnOptions> = {}) =>
  runNode(bundles.cli, args, { env: envFor(dir), ...more });
async function server(dir: string, more: Partial<SpawnOptions> = {}) {
  const s = await startServer(bundles, { env: envFor(dir), ...more });
  servers.push(s);
  return s;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
/** Every entry of the folder with its mode. */
function modes(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, mode(join(dir, f))]));
}
function count<T = number>(dir: string, sql: string): T {
  const db = new Database(join(dir, 'gatehouse.db'), { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as T;
  } finally {
    db.close();
  }
}

describe('file modes of the data folder', () => {
  it('the CLI creates a new folder 0700 and every file in it 0600, even with umask 000', async () => {
    const dir = newFolder();
    const r = await cli(dir, ['config', 'set', 'enablewebservices', '1'], { umask: '000' });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(dir)).toBe('0700');
    const files = modes(dir);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['gatehouse.db', 'token-secret.key']));
    for (const [f, m] of Object.entries(files)) expect(`${f} ${m}`).toBe(`${f} 0600`);
  });

  it('the server creates a new folder 0700 and every file in it 0600 (WAL and shared memory too), umask 000', async () => {
    const dir = newFolder();
    const s = await server(dir, { umask: '000' });
    // A write, so that the WAL holds something.
    const login = await fetch(
      `${s.base}/login/token.php?username=admin&password=${ADMIN_PASSWORD}&service=moodle_mobile_app`,
    );
    expect(login.status).toBe(200);
    expect(mode(dir)).toBe('0700');
    const files = modes(dir);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm', 'token-secret.key']),
    );
    for (const [f, m] of Object.entries(files)) expect(`${f} ${m}`).toBe(`${f} 0600`);
    await s.stop();
  });

  it('an existing folder left open (0755, files 0644) is tightened at start, and the start says so', async () => {
    const dir = newFolder();
    expect((await cli(dir, ['config', 'get', 'enablewebservices'])).code).toBe(0);
    chmodSync(dir, 0o755);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
    const s = await server(dir);
    expect(mode(dir)).toBe('0700');
    for (const [f, m] of Object.entries(modes(dir))) expect(`${f} ${m}`).toBe(`${f} 0600`);
    await s.stop();
    expect(s.output()).toMatch(/data folder .* was 0755: now 0700/);
    expect(s.output()).toMatch(/gatehouse\.db was 0644: now 0600/);
    expect(s.output()).toMatch(/token-secret\.key was 0644: now 0600/);

    // The CLI too (on stderr, so that `config get` still prints the value alone).
    chmodSync(dir, 0o750);
    const r = await cli(dir, ['config', 'get', 'enablewebservices']);
    expect(r).toMatchObject({ code: 0, stdout: '0\n' });
    expect(r.stderr).toMatch(/was 0750: now 0700/);
    expect(mode(dir)).toBe('0700');
  });

  it('a backup is written 0600 (umask 000), in one step, and the CLI says it is a secret', async () => {
    const dir = newFolder();
    expect((await cli(dir, ['config', 'get', 'enablewebservices'])).code).toBe(0);
    const out = mkdtempSync(join(scratch, 'backups-'));
    chmodSync(out, 0o755);
    const file = join(out, 'site.gatehouse-backup');
    const r = await cli(dir, ['backup', file], { umask: '000' });
    expect(r.code, r.stderr).toBe(0);
    expect(modes(out)).toEqual({ 'site.gatehouse-backup': '0600' });
    expect(r.stdout).toMatch(/secret/i);
    expect(r.stdout).toMatch(/token secret/);
    expect(r.stdout).toMatch(/like a password/);
    // A second backup to the same name is refused and leaves the first alone.
    const before = readFileSync(file);
    const again = await cli(dir, ['backup', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(out)).toEqual(['site.gatehouse-backup']);
  });
});

describe('restore and a running server', () => {
  it('is refused while a server uses the folder (nothing changed), other commands still work; after a SIGKILL it goes through', async () => {
    const dir = newFolder();
    const s = await server(dir);
    const backupFile = join(scratch, 'live.gatehouse-backup');
    // Online: backup and the ordinary commands work beside the server.
    const b = await cli(dir, ['backup', backupFile]);
    expect(b.code, b.stderr).toBe(0);
    const later = await cli(dir, [
      'user',
      'create',
      '--username',
      'later',
      '--email',
      'later@example.org',
      '--firstname',
      'La',
      '--lastname',
      'Ter',
      '--password',
      'Later-pass-1',
    ]);
    expect(later.code, later.stderr).toBe(0);
    const users = count(dir, 'SELECT COUNT(*) FROM users');
    const secret = readFileSync(join(dir, 'token-secret.key'));

    const refused = await cli(dir, ['restore', backupFile, '--force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/server/i);
    expect(refused.stderr).toContain(dir);
    expect(count(dir, 'SELECT COUNT(*) FROM users')).toBe(users);
    expect(readFileSync(join(dir, 'token-secret.key')).equals(secret)).toBe(true);
    expect((await fetch(`${s.base}/healthz`)).ok).toBe(true);

    // A killed server cannot release anything: its lock must not outlive it.
    const killed = await s.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const restored = await cli(dir, ['restore', backupFile, '--force']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`replaced ${users} users`);
    expect(restored.stdout).toContain(`with ${users - 1} users`);
    expect(restored.stdout).toMatch(/backup made \d{4}-\d\d-\d\dT/);
    expect(count(dir, "SELECT COUNT(*) FROM users WHERE username = 'later'")).toBe(0);
    for (const [f, m] of Object.entries(modes(dir))) expect(`${f} ${m}`).toBe(`${f} 0600`);

    // And the server starts again on the restored folder.
    const again = await server(dir);
    expect((await fetch(`${again.base}/healthz`)).ok).toBe(true);
    await again.stop();
  });
});

// A second process commits short write transactions back to back, as a console under write
// load makes the server do: SQLite's busy handler polls every 100 ms after its first second,
// and the gaps between those transactions are far shorter, so a CLI write used to starve and
// fail after its 5 s busy timeout with "database is locked".
const LOAD = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2], { timeout: 60000 });
const stop = Date.now() + 90000;
let n = 0;
(function burst() {
  if (Date.now() > stop) return db.close();
  db.exec('BEGIN IMMEDIATE');
  db.prepare("UPDATE config SET value = value WHERE name = 'enablewebservices'").run();
  const end = Date.now() + 10;
  while (Date.now() < end) {}
  db.exec('COMMIT');
  if (++n === 1) console.log('loading');
  setImmediate(burst);
})();
`;

describe('CLI writes under another process’s write load', () => {
  it('wait for the write lock and succeed, instead of failing with "database is locked"', async () => {
    const dir = newFolder();
    expect((await cli(dir, ['config', 'get', 'enablewebservices'])).code).toBe(0);
    const load = spawn(
      process.execPath,
      ['-e', LOAD, createRequire(import.meta.url).resolve('better-sqlite3'), join(dir, 'gatehouse.db')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise((r) => load.stdout.once('data', r));
      const commands: [string[], RegExp][] = [
        [['config', 'set', 'enablewebservices', '1'], /enablewebservices: "0" -> "1"/],
        [['service', 'enable', 'moodle_mobile_app'], /is enabled/],
        [['user', 'password', 'student', '--password', 'Other-pass-123'], /Password of student changed/],
        [['token', 'create', '--user', 'student', '--service', 'moodle_mobile_app'], /Created token/],
      ];
      for (const [args, expected] of commands) {
        const r = await cli(dir, args);
        expect(`${args.join(' ')}: ${r.stderr}`).toBe(`${args.join(' ')}: `);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(expected);
      }
      expect(load.exitCode, 'the load ran all along').toBeNull();
    } finally {
      load.kill('SIGKILL');
    }
    expect(count<string>(dir, "SELECT value FROM config WHERE name = 'enablewebservices'")).toBe('1');
    expect(count(dir, 'SELECT COUNT(*) FROM external_tokens')).toBe(1);
  }, 240_000);
});

it('no file is left behind by a refused restore into a folder that did not exist', async () => {
  const dir = newFolder();
  const junk = join(scratch, 'junk.txt');
  const r = await runNode(bundles.cli, ['restore', junk], { env: envFor(dir) });
  expect(r.code).toBe(1);
  expect(existsSync(dir)).toBe(false);
});
