// BENCH_STORE=postgres npm run bench (or node bench/run.mjs --store postgres): the PostgreSQL
// figures of issue 19, each beside the same figure on SQLite, in one run:
//  1. REST JSON at 64 connections on PostgreSQL against SQLite: both servers from the same dist,
//     on the same generated data, run alternately round by round;
//  2. every console list page's server time (Server-Timing) at BENCH_LARGE_TOKENS tokens and
//     BENCH_USERS users, the first request after a change included; and REST p99 at a paced rate
//     alone and while another client pages the lists;
//  3. invalidation propagation between two nodes on one database (revoke on A, poll B).
// Writes bench/results/latest-pg.{md,json}. Every server started here is stopped on exit.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  cleanup,
  consoleApi,
  createNode,
  login,
  onCleanup,
  percentiles,
  requireBff,
  root,
  siteInfo,
  sleep,
  tokenSecret,
} from '../scripts/cluster-lib.mjs';
import { armWatchdog, freePort, startCluster } from '../scripts/pg-cluster.mjs';
import { runLoad } from './load.mjs';
import { protocolTargets } from './targets.mjs';

const resultsDir = join(root, 'bench', 'results');
const tsx = join(root, 'apps', 'bff', 'node_modules', '.bin', 'tsx');
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TOKENS = Number(process.env.BENCH_LARGE_TOKENS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const AUDIT = Number(process.env.BENCH_AUDIT ?? 100_000);
const LIST_REQUESTS = Number(process.env.BENCH_LIST_REQUESTS ?? 15);
const PROPAGATION_ROUNDS = Number(process.env.BENCH_PROPAGATION_ROUNDS ?? 50);
/** Pages a second of the list client that the "lists never delay calls" target is judged by. */
const PAGER_RATE = Number(process.env.BENCH_PAGER_RATE ?? 10);
const DURABLE = process.env.BENCH_PG_DURABLE !== '0';
const PASS = 'Bench-pass-1';
const SLOW_MS = Number(process.env.BENCH_PG_SLOW_MS ?? 25);
const log = (m) => console.log(`[bench:pg] ${m}`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round1 = (v) => Math.round(v * 10) / 10;

// ---- load ----------------------------------------------------------------------------------------

const targetsOf = protocolTargets;
/** Loaded into every node: its event-loop delay at 1 ms resolution, over the IPC channel. */
const PROBE = join(import.meta.dirname, 'eld-probe.mjs');

/**
 * One run against srv (bench/load.mjs), with, when paced, the node's own event-loop delay over it
 * (bench/eld-probe.mjs, at 1 ms, read over the node's IPC channel): whether the node itself held
 * its calls, or the machine did.
 */
function load(srv, target, connections, rate, seconds = DURATION) {
  const t = targetsOf(srv.token)[target];
  return runLoad(
    { ...t, url: `${srv.node.base}${t.path}` },
    { pid: srv.node.pid, connections, seconds, rate, eventLoopDelay: () => eventLoopDelay(srv) },
  );
}

/** The node's event-loop delay (ms: p50, p99, max) since the last read (bench/eld-probe.mjs). */
async function eventLoopDelay(srv) {
  const answer = await srv.node.message({ eld: 'read' }, (m) => m?.eld);
  return answer?.eld ?? { p50: null, p99: null, max: null };
}

// ---- console helpers --------------------------------------------------------------------------------

async function must(what, p, status = [200, 201]) {
  const r = await p;
  if (!status.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const api = (srv, method, path, body) => consoleApi(srv.node.base, srv.cookie, method, path, body);

/** A GET of a console list: the BFF's Server-Timing (ms) and the parsed body. */
async function timedGet(srv, path) {
  const res = await fetch(`${srv.node.base}${path}`, { headers: { cookie: srv.cookie } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  const dur = Number(res.headers.get('server-timing')?.match(/dur=([\d.]+)/)?.[1] ?? Number.NaN);
  return { dur, body: JSON.parse(text) };
}

let changes = 0;
/** A change (a new token) that drops the count caches, as any write does. */
async function change(srv) {
  await must(
    'token (a change)',
    api(srv, 'POST', '/tokens', {
      name: `bench change ${++changes}`,
      userId: srv.benchUserId,
      serviceId: srv.serviceId,
      validUntil: null,
    }),
  );
}

/** The list pages measured; `cursor` ones: `page` with the `next` of the page `from` answers. */
function listPages() {
  const deep = Math.max(1, Math.floor(TOKENS / 25 / 2));
  const deepUsers = Math.max(1, Math.floor(USERS / 25 / 2));
  const someUser = `benchuser${Math.min(4242, USERS)}`;
  const someToken = `bench%20token%20${Math.max(1, Math.floor(TOKENS * 0.777))}`;
  return [
    ['tokens: first page', '/api/tokens?perPage=25'],
    ...['user', 'service', 'name', 'timecreated'].map((s) => [
      `tokens: sorted by ${s}, Next from page ${deep} (cursor)`,
      {
        from: `/api/tokens?sort=${s}&dir=asc&page=${deep}&perPage=25`,
        page: `/api/tokens?sort=${s}&dir=asc&perPage=25`,
      },
    ]),
    ['tokens: sorted by user', '/api/tokens?sort=user&dir=asc&perPage=25'],
    ['tokens: sorted by service', '/api/tokens?sort=service&dir=asc&perPage=25'],
    ['tokens: sorted by name', '/api/tokens?sort=name&dir=asc&perPage=25'],
    ['tokens: searched by name', `/api/tokens?name=${someToken}&perPage=25`],
    ['tokens: name, 2 characters', '/api/tokens?name=77&perPage=25'],
    ['tokens: name matching every token', '/api/tokens?name=bench&perPage=25'],
    ['tokens: searched by user', `/api/tokens?user=${someUser}&perPage=25`],
    ['users: first page', '/api/users?perPage=25'],
    ['users: search', `/api/users?search=Hopper${Math.min(4242, USERS)}&perPage=25`],
    [
      `users: Next from page ${deepUsers} (cursor)`,
      { from: `/api/users?page=${deepUsers}&perPage=25`, page: '/api/users?perPage=25' },
    ],
    ['audit log: first page', '/api/audit?perPage=25'],
    ['audit log: by actor', '/api/audit?actor=benchuser7&perPage=25'],
    [
      'audit log: Next from page 2000 (cursor)',
      {
        from: `/api/audit?page=${Math.max(1, Math.min(2000, Math.floor(AUDIT / 50)))}&perPage=25`,
        page: '/api/audit?perPage=25',
      },
    ],
    ['hub: sites, first page', '/api/hub/sites?perPage=25'],
    ['hub: courses, first page', '/api/hub/courses?perPage=25'],
  ];
}

/** Resolves a page spec to a path (a cursor page is found once, before the change). */
async function resolvePage(srv, spec) {
  if (typeof spec === 'string') return spec;
  const { body } = await timedGet(srv, spec.from);
  if (!body.next) return null;
  return `${spec.page}&cursor=${body.next}`;
}

/** p50 and max of LIST_REQUESTS requests, the first of them right after a change (count caches dropped). */
async function listTimes(srv, spec) {
  const path = await resolvePage(srv, spec);
  if (!path) return null;
  await change(srv);
  const times = [];
  // At most ~10 s a page (at least 3 requests): a page that takes seconds is reported, not waited on.
  const started = performance.now();
  for (let i = 0; i < LIST_REQUESTS && (i < 3 || performance.now() - started < 10_000); i++) {
    times.push((await timedGet(srv, path)).dur);
  }
  const first = times[0];
  times.sort((a, b) => a - b);
  return { first, p50: times[Math.floor(times.length / 2)], max: times[times.length - 1] };
}

// ---- data ---------------------------------------------------------------------------------------

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Edsger', 'Frances', 'Donald'];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Dijkstra',
  'Allen',
  'Knuth',
];
const sqlArray = (xs) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]`;
const AUDIT_ACTIONS = ['token.create', 'user.update', 'settings.update', 'service.update'];

/**
 * The rest of the SQLite data by INSERT … SELECT (bench/generate.ts makes a token's secret and HMAC
 * one by one: 1M of them take most of an hour on a busy machine): filler tokens shaped as on
 * PostgreSQL, and the same audit rows.
 */
function sqliteFill(dataDir, nTokens, nAudit) {
  const Database = requireBff('better-sqlite3');
  const db = new Database(join(dataDir, 'gatehouse.db'));
  const now = Math.floor(Date.now() / 1000);
  const one = (sql) => db.prepare(sql).get();
  const { lo, n: nUsers } = one(`SELECT min(id) AS lo, count(*) AS n FROM users WHERE username LIKE 'benchuser%'`);
  const serviceId = one(`SELECT id FROM external_services WHERE shortname = 'bench'`).id;
  const existing = one('SELECT count(*) AS n FROM external_tokens').n;
  const insert = db.prepare(
    `WITH RECURSIVE s(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM s WHERE n < ?)
     INSERT INTO external_tokens (token_hash, stub, name, user_id, service_id, valid_until, creator_id, origin, hidden, timecreated)
     SELECT 'bench-' || hex(randomblob(16)) || '-' || n, 'gwtBnch…' || substr('0000' || (n % 10000), -4), 'bench token ' || n,
            ? + (n % ?), ?, NULL, NULL, 'admin', 0, ? - (n % 100000) FROM s`,
  );
  const BATCH = 250_000;
  for (let done = 0; done < nTokens; done += BATCH) {
    insert.run(existing + done + 1, existing + Math.min(nTokens, done + BATCH), lo, nUsers, serviceId, now);
    log(`  SQLite: ${existing + Math.min(nTokens, done + BATCH)} tokens`);
  }
  db.prepare(
    `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
     INSERT INTO audit_log (time, actor_id, actor_username, action, target_type, target_id, summary, details, ip)
     SELECT ? - i, NULL, 'benchuser' || (i % 1000 + 1),
            CASE i % 4 ${AUDIT_ACTIONS.map((a, k) => `WHEN ${k} THEN '${a}'`).join(' ')} END,
            'token', CAST(i AS TEXT), 'bench entry ' || i, '{}', '127.0.0.1' FROM s`,
  ).run(nAudit, now);
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const tokens = one('SELECT count(*) AS n FROM external_tokens').n;
  db.close();
  return tokens;
}

/** Users, tokens and audit rows on PostgreSQL by INSERT … SELECT generate_series, then ANALYZE. */
async function pgGenerate(url, serviceId) {
  const pg = requireBff('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const q = (sql, params) => client.query(sql, params);
  const now = Math.floor(Date.now() / 1000);
  const t0 = performance.now();
  // Every authenticated user may use the protocols (as bench/generate.ts does on SQLite).
  await q(
    `INSERT INTO role_capabilities (role_id, capability, permission)
     SELECT r.id, 'webservice/' || p || ':use', 'allow' FROM roles r, unnest(ARRAY['rest','soap','xmlrpc']) p
      WHERE r.shortname = 'user'
     ON CONFLICT (role_id, capability) DO UPDATE SET permission = 'allow'`,
  );
  await q(
    `INSERT INTO users (username, firstname, lastname, email, password_hash, timecreated, timemodified)
     SELECT 'benchuser' || i, (${sqlArray(FIRST)})[i % 10 + 1], (${sqlArray(LAST)})[(i * 7) % 10 + 1] || i,
            'benchuser' || i || '@example.com', (SELECT password_hash FROM users WHERE username = 'admin'),
            $2::bigint - i, $2::bigint - i
       FROM generate_series(1, $1::int) i`,
    [USERS, now],
  );
  const usersS = round1((performance.now() - t0) / 1000);
  const { rows } = await q(`SELECT min(id) AS lo, count(*) AS n FROM users WHERE username LIKE 'benchuser%'`);
  const lo = Number(rows[0].lo);
  const nUsers = Number(rows[0].n);
  const existing = Number((await q('SELECT count(*) AS n FROM external_tokens')).rows[0].n);
  // As bench/generate.ts: token n belongs to the (n mod users)-th bench user, created n mod 100 000 s ago.
  // The hashes are unique filler: nobody calls with these tokens (the bench's own come from the API).
  const BATCH = 250_000;
  for (let done = 0; done < TOKENS; done += BATCH) {
    await q(
      `INSERT INTO external_tokens (token_hash, stub, name, user_id, service_id, valid_until, creator_id, origin, hidden, timecreated)
       SELECT 'bench-' || md5(n::text) || '-' || n, 'gwtBnch…' || lpad((n % 10000)::text, 4, '0'), 'bench token ' || n,
              $3::int + (n % $4::int), $5::int, NULL, NULL, 'admin', false, $6::bigint - (n % 100000)
         FROM generate_series($1::int, $2::int) n`,
      [existing + done + 1, existing + Math.min(TOKENS, done + BATCH), lo, nUsers, serviceId, now],
    );
    log(`  ${Math.min(TOKENS, done + BATCH)} tokens`);
  }
  const tokensS = round1((performance.now() - t0) / 1000);
  await q(
    `INSERT INTO audit_log (time, actor_id, actor_username, action, target_type, target_id, summary, details, ip)
     SELECT $2::bigint - i, NULL, 'benchuser' || (i % 1000 + 1), (${sqlArray(AUDIT_ACTIONS)})[i % 4 + 1],
            'token', i::text, 'bench entry ' || i, '{}', '127.0.0.1'
       FROM generate_series(1, $1::int) i`,
    [AUDIT, now],
  );
  await q('VACUUM ANALYZE');
  const seconds = round1((performance.now() - t0) / 1000);
  const size = (await q('SELECT pg_size_pretty(pg_database_size(current_database())) AS s')).rows[0].s;
  await client.end();
  return {
    finishedAt: Date.now(),
    users: nUsers,
    tokens: existing + TOKENS,
    audit: AUDIT,
    usersSeconds: usersS,
    tokensSeconds: tokensS,
    seconds,
    size,
  };
}

/** The slowest distinct statements the server logged after `since` (ms since the epoch), longest first. */
function slowStatements(db, since) {
  let text = '';
  try {
    text = readFileSync(join(db.dir, `postgres-${db.port}.log`), 'utf8');
  } catch {
    return [];
  }
  const found = new Map();
  for (const m of text.matchAll(
    /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (\S+) \[\d+\] LOG: {2}duration: ([\d.]+) ms {2}(?:execute [^:]*|statement): (.*)$/gm,
  )) {
    if (Date.parse(`${m[1].replace(' ', 'T')}Z`) < since - 1000) continue;
    const sql = m[4].replace(/\s+/g, ' ').trim();
    if (/generate_series|^VACUUM|^ANALYZE/i.test(sql)) continue;
    const key = sql.slice(0, 400);
    const ms = Number(m[3]);
    const seen = found.get(key);
    if (!seen) found.set(key, { ms, n: 1, sql: sql.slice(0, 600) });
    else {
      seen.n++;
      seen.ms = Math.max(seen.ms, ms);
    }
  }
  return [...found.values()].sort((a, b) => b.ms - a.ms).slice(0, 10);
}

// ---- the metrics histogram ------------------------------------------------------------------------

async function lagHistogram(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const buckets = new Map();
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    let m = line.match(/^gatehouse_invalidation_lag_seconds_bucket\{.*le="([^"]+)".*\}\s+(\S+)/);
    if (m) buckets.set(m[1], Number(m[2]));
    m = line.match(/^gatehouse_invalidation_lag_seconds_count(?:\{[^}]*\})?\s+(\S+)/);
    if (m) count += Number(m[1]);
    m = line.match(/^gatehouse_invalidation_lag_seconds_sum(?:\{[^}]*\})?\s+(\S+)/);
    if (m) sum += Number(m[1]);
  }
  return { buckets, count, sum, found: buckets.size > 0 };
}

/** p50 / p99 (as bucket upper bounds, ms) of the observations between two snapshots. */
function histogramDelta(a, b) {
  const n = b.count - a.count;
  if (!b.found || n <= 0) return { n, p50: null, p99: null, meanMs: null };
  const les = [...b.buckets.keys()].sort((x, y) => (x === '+Inf' ? 1 : y === '+Inf' ? -1 : Number(x) - Number(y)));
  const at = (q) => {
    for (const le of les) {
      if ((b.buckets.get(le) ?? 0) - (a.buckets.get(le) ?? 0) >= q * n)
        return le === '+Inf' ? '> last bucket' : `≤ ${round1(Number(le) * 1000)}`;
    }
    return null;
  };
  return { n, p50: at(0.5), p99: at(0.99), meanMs: round1(((b.sum - a.sum) / n) * 1000) };
}

// ---- the run --------------------------------------------------------------------------------------

export async function runPostgres() {
  try {
    return await main();
  } finally {
    await cleanup();
  }
}

async function main() {
  const results = {
    when: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadBefore: loadavg().map(round1),
    },
    durationSeconds: DURATION,
    rounds: ROUNDS,
    data: { tokens: TOKENS, users: USERS, audit: AUDIT },
    pgDurable: DURABLE,
  };
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-bench-pg-'));
  const tmpWatch = armWatchdog(tmp);
  onCleanup(() => {
    rmSync(tmp, { recursive: true, force: true });
    tmpWatch.disarm();
  });
  const sqliteDir = mkdtempSync(join(tmp, 'sqlite-'));

  // SQLite: bench/generate.ts, all tokens at once, plus the same audit rows.
  const SEEDED = Math.min(1000, TOKENS);
  log(`SQLite: generating ${USERS} users and ${SEEDED} tokens (bench/generate.ts), then ${TOKENS - SEEDED} more`);
  const genStarted = performance.now();
  const genOut = await new Promise((resolve, reject) => {
    const p = spawn(
      tsx,
      [join(root, 'bench', 'generate.ts'), sqliteDir, '--users', String(USERS), '--tokens', String(SEEDED)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let text = '';
    p.stdout.on('data', (d) => {
      text += d;
    });
    p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`generate.ts exited ${code}`))));
  });
  results.generateSqlite = JSON.parse(genOut.trim().split('\n').pop());
  results.generateSqlite.tokens = sqliteFill(sqliteDir, TOKENS - SEEDED, AUDIT);
  results.generateSqlite.seconds = round1((performance.now() - genStarted) / 1000);
  log(`SQLite: ${JSON.stringify(results.generateSqlite)}`);

  // PostgreSQL: a private server; a first node migrates and seeds, the console API makes the bench
  // service, INSERT … SELECT the rows; then the nodes under test start on the loaded database.
  log(`PostgreSQL: starting a private server (${DURABLE ? 'durable' : 'fsync off'})`);
  const db = await startCluster({
    durable: DURABLE,
    handleSignals: false,
    settings: {
      shared_buffers: '256MB',
      maintenance_work_mem: '256MB',
      max_wal_size: '2GB',
      // The statements slower than this land in the server's log; the report lists the slowest.
      log_min_duration_statement: SLOW_MS,
    },
  });
  onCleanup(() => db.stop());
  const pgEnv = {
    GATEHOUSE_DATABASE_URL: db.url,
    GATEHOUSE_TOKEN_SECRET: tokenSecret(),
    GATEHOUSE_ADMIN_PASSWORD: PASS,
    GATEHOUSE_DEMO_PASSWORD: PASS,
    GATEHOUSE_LOG: 'warn',
  };
  const ports = { sqlite: await freePort(), a: await freePort(), b: await freePort() };
  const mkNode = (name, port, env, dataDir) => {
    const node = createNode({ name, port, env, dataDir, stderr: 'inherit', nodeArgs: ['--import', PROBE], ipc: true });
    onCleanup(() => node.stop());
    return node;
  };
  const nodeDir = (n) => mkdtempSync(join(tmp, `node-${n}-`));
  const setup = mkNode('setup', ports.a, pgEnv, nodeDir('setup'));
  await setup.start(60_000);
  const setupSrv = { node: setup, cookie: await login(setup.base, 'admin', PASS) };
  if (!setupSrv.cookie) throw new Error('admin login on the PostgreSQL node failed');
  await must(
    'settings',
    api(setupSrv, 'PATCH', '/settings', {
      enablewebservices: '1',
      webserviceprotocols: 'rest,soap,xmlrpc',
      debug: 'none',
    }),
  );
  const service = await must(
    'service',
    api(setupSrv, 'POST', '/services', {
      name: 'Benchmark',
      shortname: 'bench',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    }),
  );
  await must(
    'functions',
    api(setupSrv, 'POST', `/services/${service.id}/functions`, { functions: ['core_webservice_get_site_info'] }),
  );
  await setup.stop();
  log(`PostgreSQL: generating ${USERS} users, ${TOKENS} tokens, ${AUDIT} audit rows`);
  results.generatePg = await pgGenerate(db.url, service.id);
  log(`PostgreSQL: ${JSON.stringify(results.generatePg)}`);

  // The servers under test: SQLite on its generated folder, PostgreSQL node A.
  const sqliteNode = mkNode(
    'sqlite',
    ports.sqlite,
    { GATEHOUSE_DATABASE_URL: undefined, GATEHOUSE_LOG: 'warn' },
    sqliteDir,
  );
  const nodeA = mkNode('A', ports.a, pgEnv, nodeDir('a'));
  await Promise.all([sqliteNode.start(60_000), nodeA.start(60_000)]);
  const sq = {
    name: 'SQLite',
    node: sqliteNode,
    token: readFileSync(join(sqliteDir, 'bench-token.txt'), 'utf8').trim(),
  };
  const pa = { name: 'PostgreSQL', node: nodeA };
  for (const srv of [sq, pa]) {
    srv.cookie = await login(srv.node.base, 'admin', PASS);
    if (!srv.cookie) throw new Error(`admin login on ${srv.name} failed`);
    const found = await must('users', api(srv, 'GET', '/users?search=benchuser2&perPage=5'));
    srv.benchUserId = found.items.find((u) => u.username === 'benchuser2')?.id ?? found.items[0]?.id;
    const services = await must('services', api(srv, 'GET', '/services'));
    srv.serviceId = [...(services.builtin ?? []), ...(services.custom ?? [])].find((s) => s.shortname === 'bench')?.id;
    if (!srv.benchUserId || !srv.serviceId) throw new Error(`${srv.name}: no bench user or service`);
  }
  // PostgreSQL's call token: made through the console API (the HMAC under GATEHOUSE_TOKEN_SECRET).
  pa.token = (
    await must(
      'bench token',
      api(pa, 'POST', '/tokens', {
        name: 'bench call token',
        userId: pa.benchUserId,
        serviceId: pa.serviceId,
        validUntil: null,
      }),
    )
  ).secret;
  for (const srv of [sq, pa]) {
    const s = await siteInfo(srv.node.base, srv.token);
    if (s !== 'ok') throw new Error(`${srv.name}: site info with the bench token: ${s}`);
  }

  // ---- 1. REST JSON @64, alternately ----------------------------------------------------------
  const C = 64;
  // A warm-up (not counted): the first run of a fresh server measures its JIT, not the store.
  log('warm-up: bare and REST on both servers');
  for (const srv of [sq, pa]) for (const t of ['bare', 'restJson']) await load(srv, t, C, undefined, 2);
  const runs = { sqliteBare: [], sqliteRest: [], pgBare: [], pgRest: [], pgXmlrpc: [], pgSoap: [] };
  for (let r = 0; r < ROUNDS; r++) {
    log(`round ${r + 1}/${ROUNDS} at ${C} connections: SQLite bare, REST; PostgreSQL bare, REST, XML-RPC, SOAP`);
    runs.sqliteBare.push(await load(sq, 'bare', C));
    runs.sqliteRest.push(await load(sq, 'restJson', C));
    runs.pgBare.push(await load(pa, 'bare', C));
    runs.pgRest.push(await load(pa, 'restJson', C));
    runs.pgXmlrpc.push(await load(pa, 'xmlrpc', C));
    runs.pgSoap.push(await load(pa, 'soap', C));
  }
  log('SQLite bare and REST, closing the last round');
  runs.sqliteBare.push(await load(sq, 'bare', C));
  runs.sqliteRest.push(await load(sq, 'restJson', C));
  const between = (list, r) => (list[r].rps + list[r + 1].rps) / 2;
  const summary = (list) => ({
    rps: Math.round(median(list.map((x) => x.rps))),
    p50: median(list.map((x) => x.p50)),
    p99: median(list.map((x) => x.p99)),
    errors: list.reduce((n, x) => n + x.errors, 0),
    peakRssMb: Math.max(...list.map((x) => x.peakRssMb)),
    runs: list.map((x) => x.rps),
  });
  results.rest = {
    sqliteBare: summary(runs.sqliteBare),
    sqliteRest: summary(runs.sqliteRest),
    pgBare: summary(runs.pgBare),
    pgRest: summary(runs.pgRest),
    // Each PostgreSQL run against the SQLite runs just before and after it; the median of those.
    ratio: median(runs.pgRest.map((x, r) => x.rps / between(runs.sqliteRest, r))),
    ratioOfShares: median(
      runs.pgRest.map((x, r) => x.rps / runs.pgBare[r].rps / (runs.sqliteRest[r].rps / runs.sqliteBare[r].rps)),
    ),
    pgXmlrpc: summary(runs.pgXmlrpc),
    pgSoap: summary(runs.pgSoap),
    // Issue 21's shares on PostgreSQL: each run against the bare run of its round.
    pgShares: Object.fromEntries(
      ['pgRest', 'pgXmlrpc', 'pgSoap'].map((k) => [k, median(runs[k].map((x, r) => x.rps / runs.pgBare[r].rps))]),
    ),
  };

  // Issue 21's tail on PostgreSQL: REST and bare paced at half REST's capacity, in rounds.
  {
    const half = Math.round(results.rest.pgRest.rps / 2);
    const paced = { bare: [], restJson: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of ['bare', 'restJson']) {
        log(`PostgreSQL: ${t} paced at ${half} req/s (round ${r + 1}/${ROUNDS})`);
        paced[t].push(await load(pa, t, C, half));
      }
    }
    results.pacedHalf = {
      rate: half,
      bare: { p99: round1(median(paced.bare.map((x) => x.p99))), runsP99: paced.bare.map((x) => x.p99) },
      restJson: {
        p99: round1(median(paced.restJson.map((x) => x.p99))),
        runsP99: paced.restJson.map((x) => x.p99),
        eldP99: round1(median(paced.restJson.map((x) => x.eld?.p99 ?? Number.NaN))),
        // What explains a tail (bench/load.mjs, bench/eld-probe.mjs): the node's thread busy (% of a
        // core), its longest GC pause, and the CPU the hypervisor stole, each run.
        runsBusyPct: paced.restJson.map((x) => x.serverBusyPct),
        runsGcMax: paced.restJson.map((x) => x.eld?.gc?.maxMs ?? null),
        runsSteal: paced.restJson.map((x) => x.steal),
      },
      peakRssMb: Math.max(...[...paced.bare, ...paced.restJson].map((x) => x.peakRssMb)),
    };
  }

  // ---- 2. console lists --------------------------------------------------------------------------
  results.lists = {};
  for (const [name, spec] of listPages()) {
    log(`list ${name}`);
    const row = {};
    for (const srv of [pa, sq]) {
      try {
        row[srv === pa ? 'pg' : 'sqlite'] = await listTimes(srv, spec);
      } catch (err) {
        row[srv === pa ? 'pg' : 'sqlite'] = { error: String(err.message ?? err).slice(0, 300) };
      }
    }
    results.lists[name] = row;
  }

  // REST p99 at a pace, alone and while another client pages the lists continuously.
  // A quarter of the slower server's REST capacity (BENCH_PACE to choose): on a shared machine,
  // half of it leaves no room for the list client and the neighbours' drift.
  const pace = Number(
    process.env.BENCH_PACE ??
      Math.max(100, Math.round(Math.min(results.rest.pgRest.rps, results.rest.sqliteRest.rps) / 4)),
  );
  results.interference = { rate: pace };
  for (const srv of [pa, sq]) {
    const key = srv === pa ? 'pg' : 'sqlite';
    const paths = [];
    const fastPaths = [];
    for (const [, spec] of listPages()) {
      const p = await resolvePage(srv, spec).catch(() => null);
      // Only pages that answer (a page that fails is reported in the list table).
      const dur = p
        ? await timedGet(srv, p).then(
            (r) => r.dur,
            () => null,
          )
        : null;
      if (dur === null) continue;
      paths.push(p);
      if (dur <= 50) fastPaths.push(p);
    }
    /**
     * REST paced while one client pages `list` continuously: as fast as it can (a client that
     * takes a whole core of a 2-core machine beside the load), or at `perSecond` pages a second
     * (a busy administrator's pace, or a few of them).
     */
    const besideLists = async (list, perSecond = 0) => {
      let paging = true;
      let pages = 0;
      const started = performance.now();
      const pager = (async () => {
        while (paging) {
          for (const p of list) {
            if (!paging) break;
            await timedGet(srv, p);
            pages++;
            if (perSecond) {
              const due = started + (pages / perSecond) * 1000;
              const wait = due - performance.now();
              if (wait > 0) await sleep(wait);
            }
          }
        }
      })();
      const r = await load(srv, 'restJson', C, pace);
      paging = false;
      await pager;
      return { ...r, pages, pagesPerSecond: round1(pages / (DURATION + 1)) };
    };
    log(`${srv.name}: REST at ${C} connections paced at ${pace} req/s, alone`);
    // alone, with the lists, alone again: the "alone" figure is the mean of the runs either side.
    const alone1 = await load(srv, 'restJson', C, pace);
    log(`${srv.name}: the same while a client pages the lists`);
    const busy = await besideLists(paths);
    log(`${srv.name}: the same while a client pages the lists at ${PAGER_RATE} pages a second`);
    const paced = await besideLists(paths, PAGER_RATE);
    // The same beside only the pages of ≤ 50 ms: whether the slow pages' database work (CPU) is the cause.
    log(`${srv.name}: the same beside the pages of ≤ 50 ms only (${fastPaths.length} of ${paths.length})`);
    const busyFast = await besideLists(fastPaths);
    log(`${srv.name}: alone again`);
    const alone2 = await load(srv, 'restJson', C, pace);
    const alone = {
      p50: round1((alone1.p50 + alone2.p50) / 2),
      p99: round1((alone1.p99 + alone2.p99) / 2),
      runsP99: [alone1.p99, alone2.p99],
      eldP99: round1(((alone1.eld.p99 ?? 0) + (alone2.eld.p99 ?? 0)) / 2),
    };
    results.interference[key] = {
      alone,
      withLists: busy,
      withPacedLists: paced,
      withFastLists: busyFast,
      fastPages: `${fastPaths.length} of ${paths.length}`,
      pagesPerSecond: busy.pagesPerSecond,
    };
  }
  await sqliteNode.stop();

  // ---- 3. invalidation between nodes --------------------------------------------------------------
  log(`PostgreSQL node B; ${PROPAGATION_ROUNDS} tokens revoked on A, polled on B`);
  const nodeB = mkNode('B', ports.b, pgEnv, nodeDir('b'));
  await nodeB.start(60_000);
  const tokens = [];
  for (let i = 0; i < PROPAGATION_ROUNDS; i++) {
    const t = await must(
      'token',
      api(pa, 'POST', '/tokens', {
        name: `bench revoke ${i}`,
        userId: pa.benchUserId,
        serviceId: pa.serviceId,
        validUntil: null,
      }),
    );
    tokens.push({ id: t.token.id, secret: t.secret });
  }
  for (const t of tokens) {
    for (const base of [nodeA.base, nodeB.base]) {
      const deadline = Date.now() + 5000;
      while ((await siteInfo(base, t.secret)) !== 'ok') {
        if (Date.now() > deadline) throw new Error(`token ${t.id} not accepted on ${base}`);
        await sleep(5);
      }
    }
  }
  await sleep(500);
  const before = await lagHistogram(nodeB.base);
  const fromAck = [];
  const fromRequest = [];
  let polls = 0;
  let lost = 0;
  // B is polled from just before the revoke is sent (a poll every ~1 ms, one at a time), so that a
  // refusal that comes before A's answer counts too (as 0 ms from the answer).
  const fromSend = [];
  for (const t of tokens) {
    let t1 = Number.NaN;
    let refused = null;
    const t0 = performance.now();
    const poller = (async () => {
      for (;;) {
        const sent = performance.now();
        const s = await siteInfo(nodeB.base, t.secret);
        polls++;
        const now = performance.now();
        if (s === 'refused') {
          refused = { sent, answered: now };
          return;
        }
        if (now - t0 > 5000) return;
        await sleep(1);
      }
    })();
    await must('revoke', api(pa, 'POST', '/tokens/revoke', { ids: [t.id] }));
    t1 = performance.now();
    await poller;
    if (!refused) {
      lost++;
      continue;
    }
    fromAck.push(Math.max(0, refused.answered - t1));
    fromSend.push(Math.max(0, refused.sent - t1));
    fromRequest.push(refused.answered - t0);
    await sleep(20);
  }
  await sleep(200);
  const after = await lagHistogram(nodeB.base);
  results.propagation = {
    rounds: tokens.length,
    polls,
    notRefusedWithin5s: lost,
    fromAck: percentiles(fromAck),
    fromAckToRefusingPollSent: percentiles(fromSend),
    fromRequest: percentiles(fromRequest),
    histogram: histogramDelta(before, after),
  };
  const warnings = [setup, nodeA, nodeB, sqliteNode].flatMap((n) =>
    n.lines
      .filter((l) => l.level === 'error' || l.level === 50 || l.level === 'warn' || l.level === 40)
      .map((l) => {
        const e = l.err ?? l.error;
        const detail = e
          ? ` (${String(e.message ?? e).slice(0, 200)}${e.stack ? ` at ${String(e.stack).split('\n').slice(1, 3).join(' ').trim().slice(0, 200)}` : ''})`
          : '';
        return `${n.name}: ${l.msg}${detail}`;
      }),
  );
  results.serverWarnings = [...new Set(warnings)].slice(0, 20);
  await nodeB.stop();
  await nodeA.stop();
  results.slowStatements = slowStatements(db, results.generatePg.finishedAt);
  results.machine.loadAfter = loadavg().map(round1);

  // ---- report ----------------------------------------------------------------------------------------
  const R = results.rest;
  const listRows = Object.entries(results.lists);
  const pgList = listRows.map(([, v]) => v.pg).filter((v) => v && !v.error);
  const listErrors = listRows.filter(([, v]) => v.pg?.error || !v.pg).map(([k]) => k);
  const slowestP50 = Math.max(...pgList.map((v) => v.p50));
  const slowestMax = Math.max(...pgList.map((v) => v.max));
  const I = results.interference;
  const P = results.propagation;
  const S = results.rest.pgShares;
  const H = results.pacedHalf;
  const pct = (x) => `${Math.round(x * 100)}%`;
  const pgPeakRss = Math.max(
    R.pgBare.peakRssMb,
    R.pgRest.peakRssMb,
    R.pgXmlrpc.peakRssMb,
    R.pgSoap.peakRssMb,
    H.peakRssMb,
  );
  const targets = [
    [
      'PostgreSQL: REST JSON at 64 connections, share of the bare route (issue 21)',
      pct(S.pgRest),
      '≥ 75%',
      S.pgRest >= 0.75,
    ],
    ['PostgreSQL: XML-RPC at 64 connections, share of the bare route', pct(S.pgXmlrpc), '≥ 50%', S.pgXmlrpc >= 0.5],
    ['PostgreSQL: SOAP at 64 connections, share of the bare route', pct(S.pgSoap), '≥ 50%', S.pgSoap >= 0.5],
    [
      `PostgreSQL: REST p99 paced at ${H.rate} req/s (half its capacity), against bare's p99 at that pace (${H.bare.p99} ms; runs ${H.bare.runsP99.join(', ')})`,
      `${H.restJson.p99} ms (runs ${H.restJson.runsP99.join(', ')})`,
      '≤ 2 × bare',
      H.restJson.p99 <= 2 * H.bare.p99,
    ],
    [
      `PostgreSQL: the node's event-loop delay p99 beside that paced REST run (bench/eld-probe.mjs, 1 ms resolution; the node's thread ${H.restJson.runsBusyPct.join(', ')} % busy, longest GC pause ${H.restJson.runsGcMax.join(', ')} ms, CPU stolen ${H.restJson.runsSteal.join(', ')} %)`,
      `${H.restJson.eldP99} ms`,
      '≤ 5 ms',
      H.restJson.eldP99 <= 5,
    ],
    ["PostgreSQL: the node's resident memory under load", `${pgPeakRss} MB`, '≤ 150 MB', pgPeakRss <= 150],
    [
      'REST JSON at 64 connections, PostgreSQL against SQLite (alternate rounds)',
      `${Math.round(R.ratio * 100)}% (${R.pgRest.rps} vs ${R.sqliteRest.rps} req/s)`,
      '≥ 90%',
      R.ratio >= 0.9,
    ],
    [
      `Slowest console list page on PostgreSQL, p50 server time (SQLite's slowest: ${Math.max(...listRows.map(([, v]) => v.sqlite?.p50 ?? 0))} ms)`,
      `${slowestP50} ms`,
      '≤ 20 ms',
      slowestP50 <= 20 && !listErrors.length,
    ],
    [
      'Slowest console list page on PostgreSQL, max server time (the first request after a change included)',
      `${slowestMax} ms`,
      '≤ 50 ms',
      slowestMax <= 50 && !listErrors.length,
    ],
    [
      `REST p99 paced at ${I.rate} req/s while a client pages the lists at ${PAGER_RATE} pages a second, PostgreSQL (alone: ${I.pg.alone.p99} ms, mean of the runs before and after; SQLite: ${I.sqlite.alone.p99} → ${I.sqlite.withPacedLists.p99} ms)`,
      `${I.pg.withPacedLists.p99} ms`,
      '≤ alone + 5 ms',
      I.pg.withPacedLists.p99 <= I.pg.alone.p99 + 5,
    ],
    [
      `The same beside a client paging as fast as it can (${I.pg.withLists.pagesPerSecond} pages a second; SQLite: ${I.sqlite.withLists.p99} ms at ${I.sqlite.withLists.pagesPerSecond}): CPU shared on this machine, reported`,
      `${I.pg.withLists.p99} ms`,
      '—',
      true,
    ],
    [
      `The node's event-loop delay p99 beside the same ${PAGER_RATE} pages a second, PostgreSQL (alone: ${I.pg.alone.eldP99} ms; SQLite: ${I.sqlite.alone.eldP99} → ${I.sqlite.withPacedLists.eld.p99} ms; as fast as it can: ${I.pg.withLists.eld.p99} ms, SQLite ${I.sqlite.withLists.eld.p99} ms): whether a list query holds the node's protocol calls`,
      `${I.pg.withPacedLists.eld.p99} ms`,
      '≤ alone + 5 ms',
      I.pg.withPacedLists.eld.p99 <= I.pg.alone.eldP99 + 5,
    ],
    [
      `Invalidation A → B, p99 from A's answer to B's refusal (p50 ${P.fromAck.p50} ms; metrics histogram p99 ${P.histogram.p99 ?? 'n/a'} ms)`,
      `${P.fromAck.p99} ms`,
      '≤ 100 ms',
      P.fromAck.p99 <= 100 && !P.notRefusedWithin5s,
    ],
  ];
  results.targets = targets.map(([what, figure, target, met]) => ({ what, figure, target, met }));
  if (listErrors.length) results.listErrors = listErrors;

  const row = (cells) => `| ${cells.join(' | ')} |`;
  const f = (v) => (v == null ? '—' : v.error ? 'error' : `${v.p50} / ${v.max} / ${v.first}`);
  const md = [
    `# Gatehouse benchmark on PostgreSQL, ${results.when}`,
    '',
    `Machine: ${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memoryGb} GiB, Node ${results.machine.node}; load average ${results.machine.loadBefore.join(' ')} before, ${results.machine.loadAfter.join(' ')} after. PostgreSQL ${DURABLE ? 'durable (fsync on)' : 'fsync off'}, private, loopback. ${DURATION} s a run, ${ROUNDS} rounds.`,
    '',
    `Data: ${TOKENS} tokens, ${USERS} users, ${AUDIT} audit rows on both stores. SQLite generation ${results.generateSqlite.seconds} s; PostgreSQL ${results.generatePg.seconds} s (users ${results.generatePg.usersSeconds} s, tokens by ${results.generatePg.tokensSeconds} s, database ${results.generatePg.size}).`,
    '',
    '## Targets',
    '',
    row(['what', 'figure', 'target', '']),
    row(['---', '---', '---', '---']),
    ...results.targets.map((t) => row([t.what, t.figure, t.target, t.met ? 'met' : '**NOT MET**'])),
    '',
    `## REST JSON at ${C} connections, alternately`,
    '',
    row(['server', 'route', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MB', 'runs (req/s)']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---']),
    ...[
      ['SQLite', 'bare', R.sqliteBare],
      ['SQLite', 'REST JSON', R.sqliteRest],
      ['PostgreSQL', 'bare', R.pgBare],
      ['PostgreSQL', 'REST JSON', R.pgRest],
      ['PostgreSQL', 'XML-RPC', R.pgXmlrpc],
      ['PostgreSQL', 'SOAP', R.pgSoap],
    ].map(([s, r, x]) => row([s, r, x.rps, x.p50, x.p99, x.errors, x.peakRssMb, x.runs.join(', ')])),
    '',
    `PostgreSQL / SQLite (each PostgreSQL run against the SQLite runs before and after it, median): ${Math.round(R.ratio * 100)}%; the same of the shares of each server's bare route: ${Math.round(R.ratioOfShares * 100)}%.`,
    '',
    `## Console lists (server time, ms: p50 / max / first request after a change; ${LIST_REQUESTS} requests)`,
    '',
    row(['page', 'PostgreSQL', 'SQLite']),
    row(['---', '---:', '---:']),
    ...listRows.map(([k, v]) => row([k, f(v.pg), f(v.sqlite)])),
    ...(listErrors.length ? ['', `Errors on PostgreSQL: ${listErrors.join('; ')}`] : []),
    '',
    `## REST JSON paced at ${I.rate} req/s (${C} connections), alone and while one client pages the lists`,
    '',
    row([
      'server',
      'alone p50',
      'alone p99 (before, after)',
      `with lists at ${PAGER_RATE}/s p50 / p99 / max`,
      'with lists p50',
      'with lists p99',
      'with lists max',
      'list pages/s',
      'beside the pages ≤ 50 ms: p99 (pages)',
      'event-loop delay p99 alone / with lists',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...[
      ['PostgreSQL', I.pg],
      ['SQLite', I.sqlite],
    ].map(([s, x]) =>
      row([
        s,
        x.alone.p50,
        `${x.alone.p99} (${x.alone.runsP99.join(', ')})`,
        `${x.withPacedLists.p50} / ${x.withPacedLists.p99} / ${x.withPacedLists.max}`,
        x.withLists.p50,
        x.withLists.p99,
        x.withLists.max,
        x.pagesPerSecond,
        `${x.withFastLists.p99} (${x.fastPages})`,
        `${x.alone.eldP99} / ${x.withLists.eld.p99}`,
      ]),
    ),
    '',
    '## Invalidation between two nodes on one database',
    '',
    `${P.rounds} tokens, each warm on A and B, revoked through A's console API; B polled (its own port) every ~1 ms until it refused (${P.polls} polls, ${P.notRefusedWithin5s} not refused within 5 s).`,
    '',
    row(['measured', 'p50 ms', 'p99 ms', 'max ms']),
    row(['---', '---:', '---:', '---:']),
    row(["from A's answer to B's refusal", P.fromAck.p50, P.fromAck.p99, P.fromAck.max]),
    row([
      "from A's answer to the sending of B's refusing poll",
      P.fromAckToRefusingPollSent.p50,
      P.fromAckToRefusingPollSent.p99,
      P.fromAckToRefusingPollSent.max,
    ]),
    row(["from the revoke request to B's refusal", P.fromRequest.p50, P.fromRequest.p99, P.fromRequest.max]),
    row([
      `B's gatehouse_invalidation_lag_seconds (${P.histogram.n} observations, bucket bounds; mean ${P.histogram.meanMs ?? '—'} ms)`,
      P.histogram.p50 ?? '—',
      P.histogram.p99 ?? '—',
      '',
    ]),
    '',
    ...(results.slowStatements.length
      ? [
          `## PostgreSQL statements slower than ${SLOW_MS} ms (slowest first; max ms, times logged)`,
          '',
          ...results.slowStatements.map((x) => `- ${x.ms} ms ×${x.n}: \`${x.sql.replaceAll('`', "'")}\``),
          '',
        ]
      : []),
    ...(results.serverWarnings.length
      ? ['## Server warnings and errors logged', '', ...results.serverWarnings.map((w) => `- ${w}`), '']
      : []),
  ].join('\n');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest-pg.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest-pg.md'), md);
  console.log(`\n${md}`);
  const missed = results.targets.filter((t) => !t.met);
  log(missed.length ? `${missed.length} target(s) not met` : 'every target met');
  return results;
}
