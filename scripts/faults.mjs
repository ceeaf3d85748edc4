#!/usr/bin/env node
// pnpm test:faults: a mixed load (web-service calls, token creation, service edits, group
// creation over REST) while the server is killed with SIGKILL several times and restarted on the
// same data folder. Afterwards every acknowledged write must be there, nothing half-written
// (every token has its audit row and the other way round), and PRAGMA integrity_check ok.
// With --store postgres (or FAULTS_STORE=postgres) the server runs on a durable private
// PostgreSQL server instead and the same is checked with node-postgres.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localServerEnv, SERVER_NODE_FLAGS, waitForHealth } from './server-flags.mjs';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`Usage: npm run test:faults   (node scripts/faults.mjs)

Starts the built server (apps/bff/dist) on a fresh data folder, puts it under a mixed load while
killing it with SIGKILL several times, then checks that every acknowledged write is there, that
nothing is half-written and that PRAGMA integrity_check is ok. Needs a build (npm start or npm test).

  --store postgres   the server on a durable private PostgreSQL server (scripts/pg-cluster.mjs)
                     instead of SQLite; the checks read it with node-postgres (every table
                     readable, amcheck on the B-tree indexes where available)

Environment:
  FAULTS_PORT=3320          port of the server under test
  FAULTS_KILLS=5            how many times the server is killed
  FAULTS_STORE=postgres     as --store postgres (default sqlite)`);
  process.exit(0);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'apps', 'bff', 'package.json'));

const storeArg = process.argv.indexOf('--store');
const STORE = (storeArg === -1 ? process.env.FAULTS_STORE : process.argv[storeArg + 1]) ?? 'sqlite';
if (!['sqlite', 'postgres'].includes(STORE)) {
  console.error(`Unknown store "${STORE}": sqlite or postgres`);
  process.exit(2);
}
const PG = STORE === 'postgres';
// A durable server: fsync and synchronous_commit on, as acknowledged writes must survive.
const { startCluster } = PG ? await import('./pg-cluster.mjs') : {};
const cluster = PG ? await startCluster({ durable: true }) : null;

const PORT = Number(process.env.FAULTS_PORT ?? 3320);
const KILLS = Number(process.env.FAULTS_KILLS ?? 5);
const base = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-faults-'));
const env = localServerEnv(dataDir, PORT, {
  GATEHOUSE_ADMIN_PASSWORD: 'Faults-pass-1',
  GATEHOUSE_DEMO_PASSWORD: 'Faults-pass-1',
  ...(PG ? { GATEHOUSE_DATABASE_URL: cluster.url, GATEHOUSE_TOKEN_SECRET: 'f'.repeat(64) } : {}),
});
const log = (m) => console.log(`[faults] ${m}`);
if (PG) log(`store: PostgreSQL (durable, port ${cluster.port})`);
// The server is stopped, and the temp folder (and PostgreSQL) removed, however this ends.
process.on('exit', () => {
  try {
    server?.kill('SIGKILL');
  } catch {}
  rmSync(dataDir, { recursive: true, force: true });
});

let server;
async function start() {
  server = spawn(process.execPath, [...SERVER_NODE_FLAGS, join(root, 'apps', 'bff', 'dist', 'index.js')], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHealth(base, { tries: 300, intervalMs: 50 });
}
function kill() {
  return new Promise((r) => {
    server.once('exit', r);
    server.kill('SIGKILL');
  });
}

let cookie = '';
async function api(method, path, body) {
  const res = await fetch(`${base}/api${path}`, {
    method,
    headers: { cookie, 'content-type': 'application/json', 'x-gatehouse-csrf': '1' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, res };
}

await start();
{
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gatehouse-csrf': '1' },
    body: JSON.stringify({ username: 'admin', password: 'Faults-pass-1' }),
  });
  cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}
await api('PATCH', '/settings', { enablewebservices: '1', webserviceprotocols: 'rest' });
const services = [];
for (let i = 0; i < 4; i++) {
  const s = await api('POST', '/services', {
    name: `Faults ${i}`,
    shortname: `faults${i}`,
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  services.push(s.body.id);
}
await api('POST', `/services/${services[0]}/functions`, {
  functions: ['core_webservice_get_site_info', 'core_group_create_groups'],
});
const { body: created } = await api('POST', '/tokens', { userId: 2, serviceId: services[0], validUntil: null });
const wstoken = created.secret;
const teacherId = (await api('GET', '/users?search=teacher')).body.items[0].id;

const acked = { tokens: new Set(), groups: new Set(), serviceNames: new Map() };
const attempted = new Map(services.map((id) => [id, []]));
let requests = 0;
let failures = 0;
let running = true;

async function attempt(fn) {
  requests++;
  try {
    await fn();
  } catch {
    failures++; // connection refused or reset while the server is down: not acknowledged
    await new Promise((r) => setTimeout(r, 20));
  }
}

const workers = [
  // web-service reads
  async () => {
    while (running)
      await attempt(async () => {
        const r = await fetch(
          `${base}/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`,
          { headers: { authorization: `Bearer ${wstoken}` } },
        );
        await r.text();
      });
  },
  // token creation
  async () => {
    let n = 0;
    while (running)
      await attempt(async () => {
        const r = await api('POST', '/tokens', {
          name: `fault token ${n++}`,
          userId: teacherId,
          serviceId: services[0],
        });
        if (r.status === 201) acked.tokens.add(r.body.token.id);
      });
  },
  // service edits: each service edited by one worker, in order, so the last acknowledged name is known
  ...services.map((id) => async () => {
    let n = 0;
    while (running)
      await attempt(async () => {
        const name = `Faults ${id} v${n++}`;
        attempted.get(id).push(name);
        const r = await api('PATCH', `/services/${id}`, { name });
        if (r.status === 200) acked.serviceNames.set(id, name);
      });
  }),
  // group creation over REST (a write through the protocol server)
  async () => {
    let n = 0;
    while (running)
      await attempt(async () => {
        const body = new URLSearchParams({
          wsfunction: 'core_group_create_groups',
          moodlewsrestformat: 'json',
          'groups[0][courseid]': '2',
          'groups[0][name]': `fault group ${n++}`,
          'groups[0][description]': '',
        });
        const r = await fetch(`${base}/webservice/rest/server.php`, {
          method: 'POST',
          headers: { authorization: `Bearer ${wstoken}` },
          body,
        });
        const json = JSON.parse(await r.text());
        if (Array.isArray(json) && json[0]?.id) acked.groups.add(json[0].id);
      });
  },
];

const running$ = workers.map((w) => w());
for (let k = 1; k <= KILLS; k++) {
  await new Promise((r) => setTimeout(r, 700 + Math.random() * 800));
  await kill();
  log(`kill ${k}/${KILLS} (SIGKILL) after ${requests} requests; restarting`);
  await start();
}
await new Promise((r) => setTimeout(r, 500));
running = false;
await Promise.all(running$);
await kill();
await start();
await new Promise((r) => setTimeout(r, 200));

// ---- verification ---------------------------------------------------------------------------
const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok });
  console.log(`${ok ? '✓' : '✗'} ${name}${detail ? ` (${detail})` : ''}`);
};
const db = PG ? await postgresReader(cluster.url) : sqliteReader(join(dataDir, 'gatehouse.db'));
await db.integrity(check);
const tokenIds = await db.tokenIds();
const lostTokens = [...acked.tokens].filter((id) => !tokenIds.has(id));
check(
  'every acknowledged token is present',
  lostTokens.length === 0,
  `${acked.tokens.size} acknowledged, ${lostTokens.length} lost`,
);
const audited = await db.auditedTokenIds();
const adminTokens = await db.adminTokenIds();
check(
  'no half-written token: each has its audit row and each audit row its token',
  adminTokens.every((id) => audited.has(id)) && [...audited].every((id) => tokenIds.has(id)),
);
const groupIds = await db.groupIds();
const lostGroups = [...acked.groups].filter((id) => !groupIds.has(id));
check(
  'every acknowledged group is present',
  lostGroups.length === 0,
  `${acked.groups.size} acknowledged, ${lostGroups.length} lost`,
);
let lostNames = 0;
for (const id of services) {
  const name = await db.serviceName(id);
  const last = acked.serviceNames.get(id);
  const tried = attempted.get(id);
  // The stored name is the last acknowledged one, or one attempted after it (committed, answer lost in the kill).
  const ok = last === undefined || name === last || tried.indexOf(name) > tried.indexOf(last);
  if (!ok) lostNames++;
}
check(
  'every acknowledged service edit is present (or a later one)',
  lostNames === 0,
  `${acked.serviceNames.size} services edited`,
);
const login = await fetch(`${base}/api/auth/me`, { headers: { cookie } });
check('the server restarted cleanly on the crashed database and the session survived', login.status === 200);
await db.close();
await kill();
rmSync(dataDir, { recursive: true, force: true });
await cluster?.stop();
const failed = results.filter((r) => !r.ok).length;
console.log(
  `\nFaults: ${KILLS} kills survived, ${requests} requests (${failures} refused while down), writes acknowledged: ${acked.tokens.size} tokens, ${acked.groups.size} groups, ${[...acked.serviceNames.keys()].length} services edited; writes lost: ${lostTokens.length + lostGroups.length + lostNames}`,
);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// ---- the two stores' readers ------------------------------------------------------------------
// Function declarations: hoisted, so the verification above can call them.

/** The SQLite file, read-only through better-sqlite3. */
function sqliteReader(file) {
  const Database = require('better-sqlite3');
  const db = new Database(file, { readonly: true });
  return {
    async integrity(check) {
      check('PRAGMA integrity_check is ok', db.pragma('integrity_check', { simple: true }) === 'ok');
      check('PRAGMA foreign_key_check is empty', db.pragma('foreign_key_check').length === 0);
    },
    tokenIds: async () => new Set(db.prepare('SELECT id FROM external_tokens').pluck().all()),
    auditedTokenIds: async () =>
      new Set(
        db.prepare("SELECT CAST(target_id AS INTEGER) FROM audit_log WHERE action = 'token.create'").pluck().all(),
      ),
    adminTokenIds: async () => db.prepare("SELECT id FROM external_tokens WHERE origin = 'admin'").pluck().all(),
    groupIds: async () => new Set(db.prepare('SELECT id FROM groups').pluck().all()),
    serviceName: async (id) => db.prepare('SELECT name FROM external_services WHERE id = ?').pluck().get(id),
    close: async () => db.close(),
  };
}

/** The PostgreSQL database, through node-postgres (scripts/cluster-lib.mjs). */
async function postgresReader(url) {
  const { pgChecks } = await import('./cluster-lib.mjs');
  const pg = await pgChecks(url);
  return {
    async integrity(check) {
      const read = await pg.readAllTables();
      check(
        'every table answers SELECT count(*)',
        read.tables > 0 && read.failed.length === 0,
        `${read.tables} tables${read.failed.length ? `; ${read.failed.join('; ')}` : ''}`,
      );
      const unvalidated = await pg.unvalidatedForeignKeys();
      check('every foreign key is validated', unvalidated.length === 0, unvalidated.join(', '));
      const am = await pg.amcheck();
      if (am.available) {
        check(
          'amcheck: every B-tree index is consistent',
          am.failed.length === 0,
          `${am.indexes} indexes${am.failed.length ? `; ${am.failed.join('; ')}` : ''}`,
        );
      }
    },
    tokenIds: pg.tokenIds,
    auditedTokenIds: pg.auditedTokenIds,
    adminTokenIds: pg.adminTokenIds,
    groupIds: pg.groupIds,
    serviceName: pg.serviceName,
    close: pg.close,
  };
}
