#!/usr/bin/env node
// nginx for the tests: Debian's /usr/sbin/nginx (installed when missing) as a foreground child
// process with a private prefix folder under the temp folder (config, pid, logs and temp files all
// inside it), on a port of 127.0.0.1. The load-balancer config is deploy/nginx/gatehouse.conf.template,
// rendered by renderNginxConfig; startNginx runs whatever config text it is given.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armWatchdog } from './pg-cluster.mjs';

export const NGINX = '/usr/sbin/nginx';
export const TEMPLATE = join(import.meta.dirname, '..', 'deploy', 'nginx', 'gatehouse.conf.template');
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** /usr/sbin/nginx; installs Debian's nginx-light (or nginx, where there is no nginx-light) first when missing. */
export function ensureNginxInstalled() {
  if (existsSync(NGINX)) return NGINX;
  const sudo = isRoot() ? [] : ['sudo'];
  const apt = (...args) => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    return spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  console.error('Installing Debian package nginx-light (or nginx)');
  apt('update');
  for (const pkg of ['nginx-light', 'nginx']) {
    if (apt('install', '-y', '--no-install-recommends', pkg).status === 0 && existsSync(NGINX)) return NGINX;
  }
  throw new Error(`${NGINX} is missing and apt-get could not install nginx-light or nginx`);
}

/**
 * The load balancer's nginx.conf: deploy/nginx/gatehouse.conf.template with its placeholders filled.
 * @param {{ listenPort: number, upstreams: string[], prefixDir: string, listenHost?: string, user?: string | null }} o
 *   upstreams: 'host:port' of each Gatehouse node; user: the `user` directive's value, default
 *   'www-data' (or 'nobody') when running as root and none otherwise (nginx cannot switch users then).
 */
export function renderNginxConfig({ listenPort, upstreams, prefixDir, listenHost = '127.0.0.1', user }) {
  if (!upstreams.length) throw new Error('renderNginxConfig: no upstreams');
  const who = user === undefined ? defaultUser() : user;
  const values = {
    USER: who ? `user ${who};` : '# (no user directive: nginx runs as the user that starts it)',
    PREFIX: prefixDir,
    LISTEN: `${listenHost}:${listenPort}`,
    UPSTREAMS: upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=2s;`).join('\n'),
  };
  return readFileSync(TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (m, name) => {
    if (!(name in values)) throw new Error(`${TEMPLATE}: unknown placeholder ${m}`);
    return values[name];
  });
}

function defaultUser() {
  if (!isRoot()) return null;
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '';
  return /^www-data:/m.test(passwd) ? 'www-data' : 'nobody';
}

function accepts(port, host) {
  return new Promise((res) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/**
 * Starts nginx in the foreground (`daemon off`) on a private prefix folder and waits until the port accepts.
 * @param {{ port: number, configText?: string, upstreams?: string[], host?: string, timeoutMs?: number }} o
 *   configText: the whole nginx.conf; "{{PREFIX}}" in it is replaced by the prefix folder. Without it
 *   the template is rendered for `upstreams`.
 * @returns {Promise<{ port: number, dir: string, pid: number, log: () => string, stop: () => Promise<void> }>}
 */
export async function startNginx({ port, configText, upstreams, host = '127.0.0.1', timeoutMs = 15_000 }) {
  const nginx = ensureNginxInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
  // Workers (www-data when root) read nothing here, but the master makes temp/* theirs: they must reach it.
  chmodSync(dir, 0o755);
  for (const sub of ['logs', 'temp']) mkdirSync(join(dir, sub));
  const text = (
    configText ?? renderNginxConfig({ listenPort: port, upstreams: upstreams ?? [], prefixDir: dir, listenHost: host })
  ).replaceAll('{{PREFIX}}', dir);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, text);
  const errorLog = join(dir, 'logs', 'error.log');
  const log = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-4000) : '');
  const test = spawnSync(nginx, ['-t', '-q', '-p', dir, '-c', conf, '-e', errorLog], { encoding: 'utf8' });
  if (test.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx rejects the config: ${test.stderr}${test.error?.message ?? ''}`);
  }
  let output = '';
  const child = spawn(nginx, ['-p', dir, '-c', conf, '-e', errorLog, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  let exited = null;
  const exitedP = new Promise((res) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      res(exited);
    });
    child.on('error', (error) => {
      exited = { code: null, signal: null, error };
      res(exited);
    });
  });
  // A crash of this process must not leave nginx running: on exit it gets SIGTERM (fast shutdown),
  // and if this process is killed outright the watchdog sends it SIGINT and removes the folder.
  const watchdog = armWatchdog(dir);
  if (child.pid) watchdog.watch(child.pid);
  const onExit = () => {
    try {
      if (!exited) child.kill('SIGTERM');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  let stopping = null;
  const handle = {
    port,
    dir,
    pid: child.pid ?? 0,
    log,
    /** Fast shutdown (SIGTERM), wait for nginx to exit, remove the folder. Safe to call again. */
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        if (!exited) child.kill('SIGTERM');
        if ((await Promise.race([exitedP, sleep(5_000)])) === undefined) {
          child.kill('SIGKILL');
          await exitedP;
        }
        rmSync(dir, { recursive: true, force: true });
        watchdog.disarm();
      })();
      return stopping;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await handle.stop();
      throw new Error(`nginx exited (${exited.error?.message ?? exited.code ?? exited.signal}): ${output}${log()}`);
    }
    if (await accepts(port, host)) return handle;
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`nginx did not accept connections on ${host}:${port} within ${timeoutMs} ms: ${output}${log()}`);
    }
    await sleep(30);
  }
}
