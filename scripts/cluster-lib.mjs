// Helpers shared by the fault test (scripts/faults.mjs) and the cluster test (scripts/cluster.mjs):
// a Gatehouse node (apps/bff/dist/index.js) as a child process whose JSON log lines are kept,
// console sign-in and API calls with the session cookie and the CSRF header, REST calls, the
// PostgreSQL checks of what was acknowledged, and one place that cleans everything up on exit,
// on Ctrl-C and on a failure.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { armWatchdog } from './pg-cluster.mjs';
import { SERVER_ENV, SERVER_NODE_FLAGS } from './server-flags.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER = join(root, 'apps', 'bff', 'dist', 'index.js');
/** require() from apps/bff, where pg and better-sqlite3 are installed. */
export const requireBff = createRequire(join(root, 'apps', 'bff', 'package.json'));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A GATEHOUSE_TOKEN_SECRET: 32 random bytes, hex. */
export const tokenSecret = () => randomBytes(32).toString('hex');

// ---- cleanup -----------------------------------------------------------------------------------

const cleanups = [];
let cleaning = null;

/** Registers an async cleanup; they run last-registered first, once, on cleanup(), a signal or exit. */
export function onCleanup(fn) {
  cleanups.push(fn);
  installHandlers();
}

export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup: ${err?.message ?? err}`);
      }
    }
  })();
  return cleaning;
}

let installed = false;
/** Synchronous last resort on exit: SIGKILL every node still running. */
const liveNodes = new Set();
function installHandlers() {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      console.error(`\n${sig}: cleaning up`);
      cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
  process.on('exit', () => {
    for (const n of liveNodes) n.signal('SIGKILL');
  });
}

// ---- a node --------------------------------------------------------------------------------------

/**
 * A Gatehouse node: dist/index.js with `env` (PORT and HOST set from `port`). Its stdout's JSON
 * lines are parsed into `lines`; `leader` follows its job-leader messages. start() waits for /healthz.
 * `nodeArgs` go before the script (a bench's `--import bench/eld-probe.mjs`); with `ipc` the node
 * has an IPC channel, and `message(m, reply)` sends m and waits for the answer `reply` accepts.
 * @param {{ name: string, port: number, env: Record<string, string | undefined>, dataDir: string, stderr?: 'inherit' | 'ignore', nodeArgs?: string[], ipc?: boolean }} o
 */
export function createNode({ name, port, env, dataDir, stderr = 'inherit', nodeArgs = [], ipc = false }) {
  const base = `http://127.0.0.1:${port}`;
  // If this process dies outright, the watchdog stops the node (SIGINT) and removes its data folder.
  const watchdog = armWatchdog(dataDir);
  /** @type {import('node:child_process').ChildProcess | null} */
  let proc = null;
  let exitP = Promise.resolve();
  const node = {
    name,
    port,
    base,
    dataDir,
    /** Parsed JSON log lines: { at: Date.now() when read, ...line } */
    lines: [],
    leader: false,
    alive: false,
    pid: 0,
    /** The last exit: { code, signal, at: Date.now() }, or null while running (or never started). */
    exit: null,
    signal(sig) {
      try {
        if (proc && node.alive) proc.kill(sig);
      } catch {}
    },
    async start(timeoutMs = 30_000) {
      const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...nodeArgs, SERVER], {
        env: { ...process.env, ...SERVER_ENV, ...env, PORT: String(port), HOST: '127.0.0.1', GATEHOUSE_DATA: dataDir },
        stdio: ipc ? ['ignore', 'pipe', stderr, 'ipc'] : ['ignore', 'pipe', stderr],
      });
      proc = child;
      node.alive = true;
      node.pid = child.pid ?? 0;
      liveNodes.add(node);
      if (child.pid) watchdog.watch(child.pid);
      node.exit = null;
      exitP = new Promise((res) => child.once('exit', res));
      child.once('exit', (code, signal) => {
        node.exit = { code, signal, at: Date.now() };
        node.alive = false;
        node.leader = false;
        liveNodes.delete(node);
      });
      let buf = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d) => {
        buf += d;
        let nl = buf.indexOf('\n');
        while (nl !== -1) {
          const text = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
          if (!text.startsWith('{')) continue;
          try {
            const line = { at: Date.now(), ...JSON.parse(text) };
            node.lines.push(line);
            if (typeof line.leader === 'boolean' && /periodic jobs/.test(line.msg ?? '')) node.leader = line.leader;
          } catch {}
        }
      });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!node.alive) throw new Error(`node ${name} exited before it answered /healthz`);
        try {
          if ((await fetch(`${base}/healthz`)).ok) return node;
        } catch {}
        if (Date.now() > deadline) throw new Error(`node ${name} did not answer /healthz within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    /** Sends m over the IPC channel and resolves the first answer `reply` accepts (null after `ms`). */
    message(m, reply, ms = 2_000) {
      const child = proc;
      if (!child?.send || !node.alive) return Promise.resolve(null);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          resolve(null);
        }, ms);
        const onMessage = (answer) => {
          if (!reply(answer)) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(answer);
        };
        child.on('message', onMessage);
        child.send(m);
      });
    },
    /** SIGKILL (or `sig`) and wait for the exit. */
    async kill(sig = 'SIGKILL') {
      if (!node.alive) return;
      node.signal(sig);
      await exitP;
    },
    /** Waits up to `ms` for the process to exit: its node.exit, or null when it is still running. */
    async waitExit(ms) {
      if (node.alive) await Promise.race([exitP, sleep(ms)]);
      return node.alive ? null : node.exit;
    },
    /** SIGTERM, then SIGKILL after 5 s. */
    async stop() {
      if (node.alive) {
        node.signal('SIGTERM');
        if ((await Promise.race([exitP.then(() => 'exited'), sleep(5_000)])) !== 'exited') await node.kill();
      }
      watchdog.disarm();
    },
    /** The first log line after index `from` that `pred` accepts, waiting up to `ms`; null on timeout. */
    async waitForLine(pred, ms, from = 0) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = node.lines.slice(from).find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) return null;
        await sleep(20);
      }
    },
  };
  return node;
}

// ---- console and REST ----------------------------------------------------------------------------

/** Signs in at base and returns the cookie header value ('' when refused). */
export async function login(base, username, password) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gatehouse-csrf': '1' },
    body: JSON.stringify({ username, password }),
  });
  await res.text();
  if (res.status !== 200) return '';
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** A console API call: { status, body }. Throws on a connection error. */
export async function consoleApi(base, cookie, method, path, body) {
  const res = await fetch(`${base}/api${path}`, {
    method,
    headers: { cookie, 'content-type': 'application/json', 'x-gatehouse-csrf': '1' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, body: json };
}

/** A REST call (GET with the token as a bearer): { status, body } with the parsed JSON (or null). */
export async function rest(base, token, wsfunction, params) {
  const headers = { authorization: `Bearer ${token}` };
  const url = `${base}/webservice/rest/server.php`;
  const res = params
    ? await fetch(url, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ wsfunction, moodlewsrestformat: 'json', ...params }),
      })
    : await fetch(`${url}?wsfunction=${wsfunction}&moodlewsrestformat=json`, { headers });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json };
}

/** core_webservice_get_site_info with the token: 'ok', 'refused' (a Moodle exception, a 403) or 'error' (anything else). */
export async function siteInfo(base, token) {
  try {
    const r = await rest(base, token, 'core_webservice_get_site_info');
    if (r.status === 200 && r.body && typeof r.body.sitename === 'string') return 'ok';
    // A Moodle exception, or a 403 of a disabled protocol (or of web services turned off).
    if ((r.body && typeof r.body.exception === 'string') || r.status === 403) return 'refused';
    return 'error';
  } catch {
    return 'error';
  }
}

// ---- PostgreSQL checks -------------------------------------------------------------------------

/**
 * Opens a node-postgres client on url and returns the checks the fault and cluster tests share.
 * @param {string} url
 */
export async function pgChecks(url) {
  const pg = requireBff('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const col = async (sql, params = []) => (await client.query(sql, params)).rows.map((r) => Object.values(r)[0]);
  return {
    client,
    col,
    /** Every table of the public schema answers SELECT count(*): { tables, failed: [name: message] } */
    async readAllTables() {
      const tables = await col("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      const failed = [];
      for (const t of tables) {
        try {
          await client.query(`SELECT count(*) FROM "${t.replaceAll('"', '""')}"`);
        } catch (err) {
          failed.push(`${t}: ${err.message}`);
        }
      }
      return { tables: tables.length, failed };
    },
    /** amcheck's bt_index_check on every B-tree index: { available, indexes, failed } (optional). */
    async amcheck() {
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
      } catch {
        return { available: false, indexes: 0, failed: [] };
      }
      const idx = await col(
        `SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE am.amname = 'btree' AND n.nspname = 'public' AND c.relpersistence != 't'`,
      );
      const failed = [];
      for (const name of idx) {
        try {
          await client.query('SELECT bt_index_check($1::regclass, true)', [name]);
        } catch (err) {
          failed.push(`${name}: ${err.message}`);
        }
      }
      return { available: true, indexes: idx.length, failed };
    },
    /** Foreign keys not validated (PostgreSQL enforces the validated ones itself). */
    unvalidatedForeignKeys: () => col("SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"),
    tokenIds: async () => new Set((await col('SELECT id FROM external_tokens')).map(Number)),
    adminTokenIds: async () => (await col("SELECT id FROM external_tokens WHERE origin = 'admin'")).map(Number),
    auditedTokenIds: async () =>
      new Set((await col("SELECT target_id FROM audit_log WHERE action = 'token.create'")).map(Number)),
    groupIds: async () => new Set((await col('SELECT id FROM groups')).map(Number)),
    serviceName: async (id) => (await col('SELECT name FROM external_services WHERE id = $1', [id]))[0],
    setting: async (name) => (await col('SELECT value FROM config WHERE name = $1', [name]))[0],
    close: () => client.end(),
  };
}

/** p50, p99 and max of a list of numbers (ms), rounded to 0.1. */
export function percentiles(values) {
  if (!values.length) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  const r = (v) => Math.round(v * 10) / 10;
  return { n: s.length, p50: r(at(0.5)), p99: r(at(0.99)), max: r(s[s.length - 1]) };
}

// ---- files ---------------------------------------------------------------------------------------

/**
 * POST /webservice/upload.php to a draft area (a new one unless `itemid`), the token as a bearer:
 * { status, body } with Moodle's records (or its error) parsed.
 * @param {[string, Uint8Array][]} files name and bytes
 */
export async function uploadFiles(base, token, files, itemid = '0') {
  const form = new FormData();
  form.append('filearea', 'draft');
  form.append('itemid', itemid);
  form.append('filepath', '/');
  for (const [i, [name, bytes]] of files.entries()) form.append(`file_${i + 1}`, new Blob([bytes]), name);
  const res = await fetch(`${base}/webservice/upload.php`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

/** GET url: { status, bytes } (a Buffer), or { status: 0, error } on a connection error. */
export async function download(url) {
  try {
    const res = await fetch(url);
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  } catch (err) {
    return { status: 0, bytes: Buffer.alloc(0), error: err?.cause?.code ?? err?.message };
  }
}

/**
 * One request on a new connection of its own (no pool, no keep-alive), answered or not:
 * { status } or { status: 0, error: 'ECONNREFUSED' | … }.
 * @param {{ method?: string, headers?: Record<string, string>, timeoutMs?: number }} [o]
 */
export function probe(base, path, { method = 'GET', headers = {}, timeoutMs = 2000 } = {}) {
  return new Promise((resolve) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (err) => resolve({ status: 0, error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err) => resolve({ status: 0, error: err.code ?? err.message }));
    req.end();
  });
}

/**
 * An upload.php request whose file is written slowly (`chunk` bytes every `everyMs`), on a
 * keep-alive connection, the token as a bearer (checked, and counted, before the body is read).
 * `written()` is how many bytes of the file have gone out; `response` resolves to { status, body }
 * (status 0 and `error` when the connection failed) and `connection`, the answer's Connection
 * header; the client keeps the connection open after the answer (as a load balancer's pool does)
 * until close().
 */
export function slowUpload(base, token, name, bytes, { chunk = 64 * 1024, everyMs = 40 } = {}) {
  const boundary = `----cluster${randomBytes(8).toString('hex')}`;
  const field = (k, v) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  const head = Buffer.from(
    `${field('filearea', 'draft')}${field('itemid', '0')}${field('filepath', '/')}` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file_1"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let sent = 0;
  const response = new Promise((resolve) => {
    const req = http.request(`${base}/webservice/upload.php`, {
      method: 'POST',
      agent,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + bytes.length + tail.length),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => {
        let body = null;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection });
      });
    });
    req.on('error', (err) => {
      resolve({ status: 0, body: null, error: err.code ?? err.message });
    });
    req.write(head);
    const next = () => {
      if (sent >= bytes.length) {
        req.end(tail);
        return;
      }
      const piece = bytes.subarray(sent, sent + chunk);
      req.write(piece, () => {
        sent += piece.length;
        setTimeout(next, everyMs);
      });
    };
    next();
  });
  // The connection stays open after the answer (as a load balancer's would) until close().
  /** Another request on the same connection (a new one if the node closed it): { status, connection } or { status: 0, error }. */
  const again = (path) =>
    new Promise((resolve) => {
      const req = http.get(`${base}${path}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      });
      req.on('error', (err) => resolve({ status: 0, error: err.code ?? err.message }));
    });
  return { written: () => sent, response, again, close: () => agent.destroy() };
}
