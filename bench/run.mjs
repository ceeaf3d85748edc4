#!/usr/bin/env node
// pnpm bench: builds, starts the server on a fresh data folder with generated data, drives it
// with autocannon in a separate process, and writes bench/results/latest.{md,json}. Every figure
// is a ratio or a distribution measured side by side in this run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { localServerEnv, SERVER_NODE_FLAGS, waitForHealth } from '../scripts/server-flags.mjs';
import { rssMb, runLoad } from './load.mjs';
import { protocolTargets } from './targets.mjs';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`Usage: npm run bench   (node bench/run.mjs)

Builds, starts the server on a fresh data folder with generated data, drives it with autocannon
and writes bench/results/latest.{md,json} (see BENCHMARKS.md). Takes several minutes.

Environment:
  BENCH_PORT=3310             port of the server under test
  BENCH_SECONDS=5             length of each load run
  BENCH_ROUNDS=3              side-by-side rounds per comparison
  BENCH_USERS=100000          generated users
  BENCH_LARGE_TOKENS=1000000  tokens in the large data set
  BENCH_SKIP_BUILD=1          use the existing build
  BENCH_STORE=postgres        (or --store postgres) the PostgreSQL run instead (bench/pg.mjs):
                              REST against SQLite, console lists, REST beside the lists,
                              invalidation between two nodes; bench/results/latest-pg.{md,json}
  BENCH_AUDIT=100000          audit rows in the PostgreSQL run (both stores)
  BENCH_PG_DURABLE=1          PostgreSQL with fsync (0: off)`);
  process.exit(0);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const tsx = join(root, 'apps', 'bff', 'node_modules', '.bin', 'tsx');
const PORT = Number(process.env.BENCH_PORT ?? 3310);
const base = `http://127.0.0.1:${PORT}`;
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const SMALL_TOKENS = 1_000;
const LARGE_TOKENS = Number(process.env.BENCH_LARGE_TOKENS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);

const log = (m) => console.log(`[bench] ${m}`);
const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });

if (!process.env.BENCH_SKIP_BUILD) {
  log('building');
  sh(
    process.execPath,
    [process.env.npm_execpath ?? join(root, '.tools/node_modules/pnpm/bin/pnpm.cjs'), 'run', 'build'],
    { stdio: 'inherit' },
  );
}

const storeFlag = process.argv.indexOf('--store');
const STORE = (storeFlag !== -1 ? process.argv[storeFlag + 1] : process.env.BENCH_STORE) ?? 'sqlite';
if (STORE === 'postgres' || STORE === 'pg') {
  const { runPostgres } = await import('./pg.mjs');
  await runPostgres();
  process.exit(0);
} else if (STORE !== 'sqlite') {
  console.error(`BENCH_STORE / --store: sqlite or postgres, not "${STORE}"`);
  process.exit(2);
}

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const generate = (...args) =>
  JSON.parse(
    sh(tsx, [join(root, 'bench', 'generate.ts'), dataDir, ...args])
      .trim()
      .split('\n')
      .pop(),
  );
const chain = () =>
  JSON.parse(
    sh(tsx, [join(root, 'bench', 'chain.ts'), dataDir])
      .trim()
      .split('\n')
      .pop(),
  );

async function startServer() {
  // bench/eld-probe.mjs reports the server's own event-loop delay over the IPC channel.
  const probe = join(root, 'bench', 'eld-probe.mjs');
  const child = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, '--import', probe, join(root, 'apps', 'bff', 'dist', 'index.js')],
    {
      env: localServerEnv(dataDir, PORT),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  await waitForHealth(base);
  return child;
}

/** The server's event-loop delay (ms: p50, p99, max) since the last read (bench/eld-probe.mjs). */
function eventLoopDelay(child) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(null);
    }, 2000);
    const onMessage = (m) => {
      if (!m?.eld) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m.eld);
    };
    child.on('message', onMessage);
    child.send({ eld: 'read' });
  });
}

async function stopServer(child) {
  await new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGTERM');
  });
}

const token = () => readFileSync(join(dataDir, 'bench-token.txt'), 'utf8').trim();
const TARGETS = Object.fromEntries(
  ['bare', 'restJson', 'xmlrpc', 'soap'].map((k) => [k, () => protocolTargets(token())[k]]),
);

/** One run against the server (bench/load.mjs), with its event-loop delay when paced. */
function load(server, target, connections, rate) {
  const t = TARGETS[target]();
  return runLoad(
    { ...t, url: `${base}${t.path}` },
    { pid: server.pid, connections, seconds: DURATION, rate, eventLoopDelay: () => eventLoopDelay(server) },
  );
}

// Side by side, in rounds: the bare route and the given routes run back to back, ROUNDS times,
// with one more bare run at the end. Each run is compared with the mean of the bare runs just
// before and after it, and the median of those ratios is the figure: on a shared machine whose
// speed drifts by a third within minutes, a single pair of runs says more about the neighbours
// than about Gatehouse.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const exactMedian = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** A figure's median, to 0.01 (a median of two runs printed as 1.4249999999999998). */
const median = (xs) => {
  const m = exactMedian(xs);
  return m == null ? m : Math.round(m * 100) / 100;
};
async function sideBySide(server, c, targets) {
  const bare = [];
  const runs = Object.fromEntries(targets.map((t) => [t, []]));
  for (let round = 0; round < ROUNDS; round++) {
    log(`round ${round + 1}/${ROUNDS} at ${c} connection(s): bare, ${targets.join(', ')}`);
    bare.push(await load(server, 'bare', c));
    for (const t of targets) runs[t].push(await load(server, t, c));
  }
  log(`bare at ${c} connection(s), closing the last round`);
  bare.push(await load(server, 'bare', c));
  const ceiling = (round) => (bare[round].rps + bare[round + 1].rps) / 2;
  const summary = (list, shares) => ({
    rps: Math.round(median(list.map((r) => r.rps))),
    share: shares ? exactMedian(shares) : 1,
    p50: median(list.map((r) => r.p50)),
    p99: median(list.map((r) => r.p99)),
    errors: list.reduce((n, r) => n + r.errors, 0),
    peakRssMb: Math.max(...list.map((r) => r.peakRssMb)),
    runs: list.map((r) => r.rps),
    runsSteal: list.map((r) => r.steal),
    usPerRequest: median(list.map((r) => r.serverUsPerRequest)),
  });
  const out = { [`bare@${c}`]: summary(bare) };
  for (const [t, list] of Object.entries(runs)) {
    out[`${t}@${c}`] = summary(
      list,
      list.map((r, round) => r.rps / ceiling(round)),
    );
  }
  return out;
}

/** The console's call of `path`: the BFF's Server-Timing (ms) and the parsed body. */
async function timedGet(cookie, path) {
  const res = await fetch(`${base}${path}`, { headers: { cookie } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return {
    dur: Number(res.headers.get('server-timing')?.match(/dur=([\d.]+)/)?.[1] ?? Number.NaN),
    body: JSON.parse(text),
  };
}

let changes = 0;
/** A change (a new token) that drops the count caches, as any write does. */
async function change(cookie, ids) {
  const res = await fetch(`${base}/api/tokens`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'x-gatehouse-csrf': '1' },
    body: JSON.stringify({
      name: `bench change ${++changes}`,
      userId: ids.userId,
      serviceId: ids.serviceId,
      validUntil: null,
    }),
  });
  if (!res.ok) throw new Error(`a change (a new token): ${res.status} ${await res.text()}`);
}

/** p50 and max of n requests of a list page, the first of them right after a change. */
async function serverTimes(cookie, ids, path, n = 25) {
  await change(cookie, ids);
  const times = [];
  for (let i = 0; i < n; i++) times.push((await timedGet(cookie, path)).dur);
  const first = times[0];
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n / 2)], max: times[n - 1], first };
}

/** The bench user's and service's ids, for the changes. */
async function benchIds(cookie) {
  const users = (await timedGet(cookie, '/api/users?search=benchuser2&perPage=5')).body;
  const services = (await timedGet(cookie, '/api/services')).body;
  const userId = users.items.find((u) => u.username === 'benchuser2')?.id ?? users.items[0]?.id;
  const serviceId = [...(services.builtin ?? []), ...(services.custom ?? [])].find((x) => x.shortname === 'bench')?.id;
  if (!userId || !serviceId) throw new Error('no bench user or service');
  return { userId, serviceId };
}

async function adminCookie() {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gatehouse-csrf': '1' },
    body: JSON.stringify({ username: 'admin', password: 'Bench-pass-1' }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

function bundle() {
  const dist = join(root, 'apps', 'web', 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const gz = (f) => gzipSync(readFileSync(join(dist, f))).length;
  const kb = (b) => Math.round(b / 102.4) / 10;
  const chunks = readdirSync(join(dist, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ file: f, gzipKb: kb(gz(`assets/${f}`)), initial: initial.includes(`assets/${f}`) }))
    .sort((a, b) => b.gzipKb - a.gzipKb);
  return {
    initialJsGzipKb: kb(initial.filter((f) => f.endsWith('.js')).reduce((s, f) => s + gz(f), 0)),
    initialCssGzipKb: kb(initial.filter((f) => f.endsWith('.css')).reduce((s, f) => s + gz(f), 0)),
    chunks,
  };
}

const results = {
  when: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  durationSeconds: DURATION,
};

log(`generating ${USERS} users and ${SMALL_TOKENS} tokens in ${dataDir}`);
results.generateSmall = generate('--users', String(USERS), '--tokens', String(SMALL_TOKENS));
let server = await startServer();
results.rssIdleMb = rssMb(server.pid);
results.throughput = {};
for (const c of [1, 16, 64])
  Object.assign(results.throughput, await sideBySide(server, c, ['restJson', 'xmlrpc', 'soap']));
// Latency without the queue: REST and bare at 64 connections, paced at half REST's capacity.
const pace = Math.round(results.throughput['restJson@64'].rps / 2);
results.paced = { rate: pace };
// In rounds too (bare, REST, …, bare): a tail is what a neighbour's burst shows first. Each
// figure is the median of its runs, the server's event-loop delay with it.
{
  const runs = { bare: [], restJson: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of ['bare', 'restJson']) {
      log(`round ${round + 1}/${ROUNDS}: ${target} at 64 connections, paced at ${pace} req/s`);
      runs[target].push(await load(server, target, 64, pace));
    }
  }
  runs.bare.push(await load(server, 'bare', 64, pace));
  const med = (list, pick) => median(list.map(pick).filter((x) => x != null));
  for (const [target, list] of Object.entries(runs)) {
    results.paced[target] = {
      p50: med(list, (r) => r.p50),
      p99: med(list, (r) => r.p99),
      max: med(list, (r) => r.max),
      errors: list.reduce((n, r) => n + r.errors, 0),
      peakRssMb: Math.max(...list.map((r) => r.peakRssMb)),
      runsP99: list.map((r) => r.p99),
      eld: {
        p50: med(list, (r) => r.eld?.p50),
        p99: med(list, (r) => r.eld?.p99),
        max: med(list, (r) => r.eld?.max),
        runsP99: list.map((r) => r.eld?.p99),
        // The longest GC pause of each run (ms, its kind): a delay with no pause of that size is not the server's GC.
        runsGcMax: list.map((r) => (r.eld?.gc ? `${r.eld.gc.maxMs} (${r.eld.gc.maxKind ?? 'none'})` : null)),
        // GC time per second of the probe's window (the run, its warm-up second included).
        gcMsPerSecond: med(list, (r) =>
          r.eld?.gc && r.eld.windowMs ? (r.eld.gc.totalMs / r.eld.windowMs) * 1000 : null,
        ),
      },
      runsSteal: list.map((r) => r.steal),
      // The server's thread: how busy (% of a core) and its CPU per request, in an open loop (each
      // request its own event-loop turn and syscalls, so dearer than in autocannon's closed loop).
      busyPct: med(list, (r) => r.serverBusyPct),
      usPerRequest: med(list, (r) => r.serverUsPerRequest),
    };
  }
}
results.rssIdleAfterMb = rssMb(server.pid);
await stopServer(server);
log('access-check chain in process (1 000 tokens)');
results.chainSmall = chain();

log(`growing to ${LARGE_TOKENS} tokens`);
results.generateLarge = generate('--tokens', String(LARGE_TOKENS - SMALL_TOKENS), '--grow');
server = await startServer();
results.large = {};
for (const c of [16, 64]) Object.assign(results.large, await sideBySide(server, c, ['restJson']));
const cookie = await adminCookie();
const ids = await benchIds(cookie);
const deep = Math.floor(LARGE_TOKENS / 25 / 2);
const deepUsers = Math.floor(USERS / 25 / 2);
results.lists = {};
for (const [name, path] of [
  ['tokens: first page', '/api/tokens?page=1&perPage=25'],
  ['tokens: filtered by user', '/api/tokens?user=benchuser4242&perPage=25'],
  ['tokens: filtered by name', '/api/tokens?name=token%20777777&perPage=25'],
  [`tokens: deep page (${deep}; page=N, the API's)`, `/api/tokens?page=${deep}&perPage=25`],
  ['tokens: name, 2 characters', '/api/tokens?name=77&perPage=25'],
  ['tokens: name matching every token', '/api/tokens?name=bench&perPage=25'],
  ['tokens: sorted by user', '/api/tokens?sort=user&dir=asc&perPage=25'],
  [
    `tokens: sorted by user, deep page (${deep}; page=N, the API's)`,
    `/api/tokens?sort=user&dir=asc&page=${deep}&perPage=25`,
  ],
  [
    `tokens: sorted by service, deep page (${deep}; page=N, the API's)`,
    `/api/tokens?sort=service&dir=asc&page=${deep}&perPage=25`,
  ],
  ['users: first page', '/api/users?page=1&perPage=25'],
  ['users: search', '/api/users?search=Hopper4242&perPage=25'],
  [`users: deep page (${deepUsers}; page=N, the API's)`, `/api/users?page=${deepUsers}&perPage=25`],
]) {
  log(`list ${name}`);
  results.lists[name] = await serverTimes(cookie, ids, path);
}
// Previous / Next (keyset, issue 18): how the console walks the list; a deep page as cheap as the first.
for (const sort of ['user', 'service', 'timecreated']) {
  const { next } = (await timedGet(cookie, `/api/tokens?sort=${sort}&dir=asc&page=${deep}&perPage=25`)).body;
  const name = `tokens: sorted by ${sort}, Next from page ${deep} (keyset)`;
  log(`list ${name}`);
  results.lists[name] = await serverTimes(cookie, ids, `/api/tokens?sort=${sort}&dir=asc&perPage=25&cursor=${next}`);
}
await stopServer(server);
log(`access-check chain in process (${LARGE_TOKENS} tokens)`);
results.chainLarge = chain();
results.bundle = bundle();
rmSync(dataDir, { recursive: true, force: true });

// ---- targets and report ---------------------------------------------------------------------
const T = results.throughput;
const ratio64 = T['restJson@64'].share;
const largeLoss = 1 - results.large['restJson@64'].rps / T['restJson@64'].rps;
const largeRatio = results.large['restJson@64'].share;
const smallRatio = ratio64;
const peakRss = Math.max(
  ...Object.values(T).map((r) => r.peakRssMb),
  ...Object.values(results.large).map((r) => r.peakRssMb),
  results.paced.restJson.peakRssMb,
  results.paced.bare.peakRssMb,
);
const P = results.paced;
// The console pages by cursor (Previous / Next): a deep page=N is the API's alone, reported apart.
const consoleLists = Object.entries(results.lists).filter(([k]) => !k.includes('page=N'));
const listP50 = Math.max(...consoleLists.map(([, l]) => l.p50));
const listMax = Math.max(...consoleLists.map(([, l]) => Math.max(l.max, l.first)));
const share = (k) => T[k].share;
const pct = (x) => `${Math.round(x * 100)}%`;
const targets = [
  [
    'REST JSON at 64 connections, share of the bare route',
    pct(share('restJson@64')),
    '≥ 75%',
    share('restJson@64') >= 0.75,
  ],
  ['XML-RPC at 64 connections, share of the bare route', pct(share('xmlrpc@64')), '≥ 50%', share('xmlrpc@64') >= 0.5],
  ['SOAP at 64 connections, share of the bare route', pct(share('soap@64')), '≥ 50%', share('soap@64') >= 0.5],
  [
    `REST JSON p99 paced at ${P.rate} req/s over 64 connections (half its capacity), against the bare route's p99 at that pace (${P.bare.p99} ms)`,
    `${P.restJson.p99} ms (${Math.round((P.restJson.p99 / P.bare.p99) * 10) / 10} ×)`,
    '≤ 2 × bare',
    P.restJson.p99 <= 2 * P.bare.p99,
  ],
  [
    `The server's event-loop delay p99 beside the paced REST run (max ${P.restJson.eld?.max} ms; beside bare: p99 ${P.bare.eld?.p99} ms)`,
    `${P.restJson.eld?.p99} ms`,
    '≤ 5 ms',
    P.restJson.eld != null && P.restJson.eld.p99 <= 5,
  ],
  [`Slowest console list page at ${LARGE_TOKENS} tokens, p50 server time`, `${listP50} ms`, '≤ 20 ms', listP50 <= 20],
  [
    'Slowest console list page, max server time (the first request after a change included)',
    `${listMax} ms`,
    '≤ 50 ms',
    listMax <= 50,
  ],
  ['Server resident memory under load', `${peakRss} MB`, '≤ 150 MB', peakRss <= 150],
  // Issue 9's "p99 ≤ 10 ms at 64 connections", read as issue 9 was resolved: without the queue a
  // closed loop builds (64 in flight make its mean 64 / throughput by Little's law, and the bare
  // route's own closed-loop p99 is over 10 ms on this machine), i.e. paced, as above.
  [
    `REST JSON p99 at 64 connections, paced at half its capacity (closed loop, saturated: ${T['restJson@64'].p99} ms; the bare route's own there: ${T['bare@64'].p99} ms)`,
    `${P.restJson.p99} ms`,
    '≤ 10 ms',
    P.restJson.p99 <= 10,
  ],
  [
    'Access-check chain p99 (warm, 1M tokens)',
    `${results.chainLarge.warm.p99} µs`,
    '≤ 50 µs',
    results.chainLarge.warm.p99 <= 50,
  ],
  [
    'Throughput loss 1 000 → 1 000 000 tokens (REST JSON @64, relative to the bare route in the same server)',
    `${Math.round((1 - largeRatio / smallRatio) * 1000) / 10}% (raw ${Math.round(largeLoss * 1000) / 10}%)`,
    '≤ 10%',
    1 - largeRatio / smallRatio <= 0.1,
  ],
  [
    'SPA initial JavaScript, gzipped',
    `${results.bundle.initialJsGzipKb} KB`,
    '≤ 150 KB',
    results.bundle.initialJsGzipKb <= 150,
  ],
];
results.targets = targets.map(([what, figure, target, met]) => ({ what, figure, target, met }));

const row = (cells) => `| ${cells.join(' | ')} |`;
const md = [
  `# Gatehouse benchmark, ${results.when}`,
  '',
  `Machine: ${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memoryGb} GiB, Node ${results.machine.node}. Load from autocannon in a separate process, ${DURATION} s a run, loopback.`,
  '',
  '## Targets',
  '',
  row(['what', 'figure', 'target', '']),
  row(['---', '---', '---', '---']),
  ...results.targets.map((t) => row([t.what, t.figure, t.target, t.met ? 'met' : '**MISSED**'])),
  '',
  `## Throughput and latency (${SMALL_TOKENS} tokens, ${USERS} users)`,
  '',
  `Medians of ${ROUNDS} rounds; "share of bare" is the median of each run's ratio to the bare runs just before and after it.`,
  '',
  row([
    'route',
    'connections',
    'req/s',
    'share of bare',
    'p50 ms',
    'p99 ms',
    'errors',
    'runs (req/s)',
    'CPU stolen (%)',
    'server µs/request',
  ]),
  row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---', '---', '---:']),
  ...['bare', 'restJson', 'xmlrpc', 'soap'].flatMap((route) =>
    [1, 16, 64].map((c) => {
      const r = T[`${route}@${c}`];
      return row([
        route,
        c,
        r.rps,
        `${Math.round(r.share * 100)}%`,
        r.p50,
        r.p99,
        r.errors,
        r.runs.join(', '),
        r.runsSteal.join(', '),
        r.usPerRequest,
      ]);
    }),
  ),
  '',
  `Paced at ${P.rate} req/s over 64 connections (medians of ${ROUNDS} rounds, bare once more at the end): REST JSON p50 ${P.restJson.p50} ms, p99 ${P.restJson.p99} ms (runs ${P.restJson.runsP99.join(', ')}; ${P.restJson.errors} errors); bare p50 ${P.bare.p50} ms, p99 ${P.bare.p99} ms (runs ${P.bare.runsP99.join(', ')}). The server's event-loop delay (bench/eld-probe.mjs, 1 ms resolution, the tick subtracted) beside REST: p50 ${P.restJson.eld?.p50} ms, p99 ${P.restJson.eld?.p99} ms (runs ${P.restJson.eld?.runsP99.join(', ')}), max ${P.restJson.eld?.max} ms; beside bare: p99 ${P.bare.eld?.p99} ms, max ${P.bare.eld?.max} ms. The server's longest GC pause in each REST run: ${P.restJson.eld?.runsGcMax.join(', ')} ms (GC ${P.restJson.eld?.gcMsPerSecond} ms a second); bare: ${P.bare.eld?.runsGcMax.join(', ')} ms. CPU stolen by the hypervisor for other guests during the REST runs: ${P.restJson.runsSteal.join(', ')} %; bare: ${P.bare.runsSteal.join(', ')} %. The server's thread at this pace: REST ${P.restJson.busyPct} % busy, ${P.restJson.usPerRequest} µs of CPU a request (closed loop at 64 connections: ${T['restJson@64'].usPerRequest} µs); bare ${P.bare.busyPct} %, ${P.bare.usPerRequest} µs (closed loop ${T['bare@64'].usPerRequest} µs).`,
  '',
  `## The same call with ${LARGE_TOKENS} tokens`,
  '',
  'Medians of the same rounds; the share of the bare route is the figure that compares across stores.',
  '',
  row(['route', 'req/s', 'share of bare', 'p50 ms', 'p99 ms', `share with ${SMALL_TOKENS} tokens`]),
  row(['---', '---:', '---:', '---:', '---:', '---:']),
  ...Object.entries(results.large).map(([k, r]) =>
    row([k, r.rps, `${Math.round(r.share * 100)}%`, r.p50, r.p99, `${Math.round(T[k].share * 100)}%`]),
  ),
  '',
  '## Access-check chain in process (µs)',
  '',
  row(['store', 'warm p50', 'warm p99', 'cold p50', 'cold p99']),
  row(['---', '---:', '---:', '---:', '---:']),
  row([
    `${SMALL_TOKENS} tokens`,
    results.chainSmall.warm.p50,
    results.chainSmall.warm.p99,
    results.chainSmall.cold.p50,
    results.chainSmall.cold.p99,
  ]),
  row([
    `${LARGE_TOKENS} tokens`,
    results.chainLarge.warm.p50,
    results.chainLarge.warm.p99,
    results.chainLarge.cold.p50,
    results.chainLarge.cold.p99,
  ]),
  '',
  `## Console lists at ${LARGE_TOKENS} tokens and ${USERS} users (server time, ms, 25 requests, the first right after a change)`,
  '',
  row(['page', 'p50', 'max', 'first after a change']),
  row(['---', '---:', '---:', '---:']),
  ...Object.entries(results.lists).map(([k, v]) => row([k, v.p50, v.max, v.first])),
  '',
  '## Memory (resident)',
  '',
  `Idle: ${results.rssIdleMb} MB; after load: ${results.rssIdleAfterMb} MB; peak under load: ${peakRss} MB.`,
  '',
  '## SPA (gzipped)',
  '',
  `Initial JavaScript ${results.bundle.initialJsGzipKb} KB, CSS ${results.bundle.initialCssGzipKb} KB. Chunks:`,
  '',
  row(['chunk', 'KB', 'initial']),
  row(['---', '---:', '---']),
  ...results.bundle.chunks.map((c) => row([c.file, c.gzipKb, c.initial ? 'yes' : ''])),
  '',
].join('\n');

mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(resultsDir, 'latest.md'), md);
console.log(`\n${md}`);
const missed = results.targets.filter((t) => !t.met);
log(missed.length ? `${missed.length} target(s) missed` : 'every target met');
