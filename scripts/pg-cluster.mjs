#!/usr/bin/env node
// A throwaway PostgreSQL server for the tests: a private data folder under the temp folder, a free
// port on 127.0.0.1 only, a unix socket inside that folder, and settings that trade durability for
// speed (unless `durable`). Nothing is left behind: stop() shuts it down fast and removes the
// folder, and a watchdog process does the same if this process dies without stopping it (a crash,
// SIGKILL). No dependencies: plain Node and Debian's postgresql package, installed when missing.
//
//   node scripts/pg-cluster.mjs run -- <command> [args...]   runs the command with
//                                     GATEHOUSE_TEST_DATABASE_URL set, then stops the server
//   node scripts/pg-cluster.mjs start                        prints the URL, runs until Ctrl-C
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PG_ROOT = '/usr/lib/postgresql';
const NEEDED = ['initdb', 'postgres', 'pg_ctl', 'pg_isready'];
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The newest /usr/lib/postgresql/<v>/bin that has initdb, postgres, pg_ctl and pg_isready, or null. */
export function findPostgresBin() {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(PG_ROOT, v, 'bin');
    if (NEEDED.every((tool) => existsSync(join(bin, tool)))) return bin;
  }
  return null;
}

/** The PostgreSQL bin folder; installs Debian's postgresql package first when there is none. */
export function ensurePostgresInstalled() {
  const found = findPostgresBin();
  if (found) return found;
  aptInstall(['postgresql']);
  const bin = findPostgresBin();
  if (!bin) throw new Error(`apt-get installed postgresql, but no ${PG_ROOT}/<version>/bin has ${NEEDED.join(', ')}`);
  return bin;
}

function aptInstall(packages) {
  const sudo = isRoot() ? [] : ['sudo'];
  const apt = (...args) => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  console.error(`Installing Debian packages: ${packages.join(', ')}`);
  apt('update');
  apt('install', '-y', '--no-install-recommends', ...packages);
}

/** A port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

function idOf(flag, user) {
  return Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
}

/** C.UTF-8 where the C library has it (upper/lower of non-ASCII letters work), else C. */
function locale() {
  return ['C.utf8', 'C.UTF-8'].some((name) => existsSync(join('/usr/lib/locale', name))) ? 'C.UTF-8' : 'C';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A separate process that outlives us, armed from the moment the data folder exists: when our end
// of its stdin closes without "disarm" (this process died: a crash, SIGKILL, a killed test worker),
// it stops the process it was last told about ("pid N": initdb, then the server) and removes the folder.
const WATCHDOG = `
const dir = process.argv[1];
let pid = 0, disarmed = false, buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  for (const m of buf.matchAll(/pid (\\d+)\\n/g)) pid = Number(m[1]);
  if (buf.includes('disarm')) disarmed = true;
});
process.stdin.on('error', () => {});
process.stdin.on('close', async () => {
  if (disarmed) process.exit(0);
  const alive = () => { if (!pid) return false; try { process.kill(pid, 0); return true; } catch { return false; } };
  const sig = (s) => { try { if (pid) process.kill(pid, s); } catch {} };
  const wait = async (n) => { for (let i = 0; i < n && alive(); i++) await new Promise((r) => setTimeout(r, 50)); };
  sig('SIGINT'); await wait(200);
  if (alive()) { sig('SIGQUIT'); await wait(100); }
  if (alive()) { sig('SIGKILL'); await wait(40); }
  try { require('node:fs').rmSync(dir, { recursive: true, force: true, maxRetries: 10 }); } catch {}
  process.exit(0);
});`;

/**
 * Watches a folder from another process: when this process ends without disarm(), the watchdog
 * stops the process last given to watch(pid) (SIGINT, then SIGQUIT, then SIGKILL) and removes the folder.
 * @param {string} dir
 * @returns {{ watch: (pid: number) => void, disarm: () => void }}
 */
export function armWatchdog(dir) {
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG, dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  watchdog.stdin.on('error', () => {});
  /** @type {any} */ (watchdog.stdin).unref?.();
  const send = (line) => {
    try {
      watchdog.stdin.write(`${line}\n`);
    } catch {}
  };
  return {
    watch: (pid) => send(`pid ${pid}`),
    disarm: () => {
      try {
        watchdog.stdin.end('disarm\n');
      } catch {}
    },
  };
}

/** Servers (and servers being started) of this process that are not stopped yet. */
const live = new Set();
let handlersInstalled = false;

function onExit() {
  // Synchronous only: tell each server to shut down fast; its watchdog waits and removes the folder.
  for (const c of live) c.signal('SIGINT');
}

async function onSignal(sig) {
  // Nobody else listens for this signal: after stopping, end as it would have ended the process.
  const alone = process.listenerCount(sig) === 1;
  const own = [...live].filter((c) => c.handleSignals);
  await Promise.allSettled(own.map((c) => c.stop()));
  if (alone) process.exit(sig === 'SIGINT' ? 130 : 143);
}

function track(cluster) {
  live.add(cluster);
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function untrack(cluster) {
  live.delete(cluster);
  if (!handlersInstalled || live.size) return;
  handlersInstalled = false;
  process.removeListener('exit', onExit);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

/**
 * Starts a private PostgreSQL server.
 * @param {{ port?: number, durable?: boolean, handleSignals?: boolean, settings?: Record<string, string|number>, timeoutMs?: number }} [options]
 *   port: default a free one; durable: keep fsync, synchronous_commit and full_page_writes on (for
 *   tests that kill the server and check acknowledged writes); handleSignals (default true): on
 *   SIGINT/SIGTERM stop the server, and exit as the signal would when nobody else listens for it;
 *   settings: more `-c name=value` settings; timeoutMs: how long to wait for it to accept (30 s).
 * @returns {Promise<{ url: string, port: number, dir: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startCluster(options = {}) {
  const { durable = false, handleSignals = true, settings = {}, timeoutMs = 30_000 } = options;
  const bin = ensurePostgresInstalled();
  const root = isRoot();
  const user = root ? { uid: idOf('-u', 'postgres'), gid: idOf('-g', 'postgres') } : {};
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const watchdog = armWatchdog(dir);
  const data = join(dir, 'data');
  const childEnv = { ...process.env, HOME: dir, LC_ALL: 'C' };
  delete childEnv.PGDATA;
  delete childEnv.PGHOST;
  delete childEnv.PGPORT;

  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  let exited = null;
  let exitedP = Promise.resolve(null);
  let stopping = null;
  const cluster = {
    url: '',
    port: 0,
    dir,
    pid: 0,
    handleSignals,
    signal(sig) {
      if (!child || exited) return;
      try {
        process.kill(child.pid ?? 0, sig);
      } catch {}
    },
    /** Fast shutdown, wait for the server to exit, remove the folder. Safe to call again. */
    stop() {
      stopping ??= (async () => {
        // Fast shutdown (SIGINT): open transactions roll back, the server exits in well under a second.
        cluster.signal('SIGINT');
        const timeout = (ms) => sleep(ms).then(() => 'timeout');
        if ((await Promise.race([exitedP, timeout(15_000)])) === 'timeout') {
          cluster.signal('SIGQUIT');
          if ((await Promise.race([exitedP, timeout(5_000)])) === 'timeout') {
            cluster.signal('SIGKILL');
            await exitedP;
          }
        }
        rmSync(dir, { recursive: true, force: true });
        watchdog.disarm();
        untrack(cluster);
      })();
      return stopping;
    },
  };
  track(cluster);

  try {
    if (root) chownSync(dir, user.uid, user.gid);
    // initdb and postgres refuse root: as root they run as the postgres user (setuid/setgid in the
    // spawn, as `runuser -u postgres --` would, but with the server itself as our child process).
    const initdb = await spawnWait(
      join(bin, 'initdb'),
      ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', `--locale=${locale()}`],
      { ...user, cwd: dir, env: childEnv },
      watchdog.watch,
    );
    if (initdb.code !== 0) throw new Error(`initdb failed (${initdb.code ?? initdb.signal}): ${initdb.output}`);
    const all = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      max_connections: 300,
      shared_buffers: '128MB',
      ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
      ...settings,
    };
    for (let attempt = 0; ; attempt++) {
      const port = options.port ?? (await freePort());
      const logPath = join(dir, `postgres-${port}.log`);
      const logFd = openSync(logPath, 'a', 0o644);
      const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-4000) : '');
      // Its own process group: a Ctrl-C in the terminal reaches the test command, which finishes with
      // the database still up, and the server is stopped after it.
      const args = ['-D', data, '-p', String(port), ...Object.entries(all).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
      const proc = spawn(join(bin, 'postgres'), args, {
        ...user,
        cwd: dir,
        env: childEnv,
        detached: true,
        stdio: ['ignore', logFd, logFd],
      });
      closeSync(logFd);
      child = proc;
      exited = null;
      exitedP = new Promise((res) => {
        proc.on('exit', (code, signal) => {
          exited = { code, signal };
          res(exited);
        });
        proc.on('error', (error) => {
          exited = { code: null, signal: null, error };
          res(exited);
        });
      });
      proc.unref();
      if (proc.pid) watchdog.watch(proc.pid);
      const up = await waitReady({ bin, port, env: childEnv, timeoutMs, isExited: () => exited });
      if (up === true) {
        Object.assign(cluster, { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, pid: proc.pid });
        return cluster;
      }
      cluster.signal('SIGINT');
      if ((await Promise.race([exitedP, sleep(10_000)])) === undefined) cluster.signal('SIGKILL');
      await exitedP;
      const text = log();
      // Another process took the port between our probe and the server's bind: try another one.
      if (!options.port && attempt < 2 && /could not (bind|create listen)/i.test(text)) continue;
      throw new Error(`${up}:\n${text}`);
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** Runs a short command without blocking the event loop; its stdout and stderr together. */
function spawnWait(cmd, args, opts, onPid = (_pid) => {}) {
  return new Promise((res) => {
    const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    if (p.pid) onPid(p.pid);
    let output = '';
    p.stdout.on('data', (d) => {
      output += d;
    });
    p.stderr.on('data', (d) => {
      output += d;
    });
    p.on('error', (e) => res({ code: null, signal: null, output: `${output}${e.message}` }));
    p.on('close', (code, signal) => res({ code, signal, output }));
  });
}

/** true once the server answers `select 1` over TCP, else why not. */
async function waitReady({ bin, port, env, timeoutMs, isExited }) {
  const deadline = Date.now() + timeoutMs;
  const conn = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres'];
  for (;;) {
    const ex = isExited();
    if (ex) return `postgres exited (${ex.error?.message ?? ex.code ?? ex.signal}) before it accepted connections`;
    if ((await spawnWait(join(bin, 'pg_isready'), ['-q', ...conn], { env })).code === 0) break;
    if (Date.now() > deadline) return `postgres did not accept connections within ${timeoutMs} ms`;
    await sleep(40);
  }
  const psql = join(bin, 'psql');
  if (!existsSync(psql)) return true;
  const r = await spawnWait(psql, ['-X', '-q', '-tA', ...conn, '-c', 'select 1'], { env });
  return r.output.trim() === '1' ? true : `postgres accepts connections but "select 1" failed: ${r.output}`;
}

// ---- CLI ---------------------------------------------------------------------------------------

const USAGE = `Usage:
  node scripts/pg-cluster.mjs run -- <command> [args...]
      starts a private PostgreSQL server, runs the command with GATEHOUSE_TEST_DATABASE_URL set,
      stops the server and exits with the command's exit code
  node scripts/pg-cluster.mjs start [--durable]
      starts one, prints its URL and runs until Ctrl-C (SIGINT) or SIGTERM`;

async function main(argv) {
  const [command, ...rest] = argv;
  if (!command || ['-h', '--help', 'help'].includes(command)) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'start') {
    const cluster = await startCluster({ durable: rest.includes('--durable'), handleSignals: false });
    console.log(cluster.url);
    console.error(`PostgreSQL (pid ${cluster.pid}) in ${cluster.dir}; Ctrl-C stops it and removes the folder.`);
    await new Promise((res) => {
      process.once('SIGINT', res);
      process.once('SIGTERM', res);
    });
    await cluster.stop();
    return 0;
  }
  if (command === 'run') {
    const cmd = rest[0] === '--' ? rest.slice(1) : rest;
    if (!cmd.length) {
      console.error(USAGE);
      return 2;
    }
    const cluster = await startCluster({ handleSignals: false });
    const child = spawn(cmd[0], cmd.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, GATEHOUSE_TEST_DATABASE_URL: cluster.url },
    });
    // A Ctrl-C reaches the command by itself (same process group); a SIGTERM sent to us is passed on.
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', () => {});
    process.on('SIGTERM', forward);
    const { code, signal, error } = await new Promise((res) => {
      child.on('exit', (c, s) => res({ code: c, signal: s }));
      child.on('error', (e) => res({ code: 127, signal: null, error: e }));
    });
    await cluster.stop();
    if (error) console.error(`pg-cluster: could not run ${cmd[0]}: ${error.message}`);
    const signo = signal ? { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }[signal] : undefined;
    return code ?? 128 + (signo ?? 1);
  }
  console.error(`Unknown command "${command}".\n\n${USAGE}`);
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`pg-cluster: ${err.message ?? err}`);
      process.exit(1);
    },
  );
}
