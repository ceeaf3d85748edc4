#!/usr/bin/env node
// A short side-by-side run of the protocol endpoints, for profiling work on the hot path (not the
// whole `npm run bench`): bundles the BFF into node_modules/.cache (dist/ is left alone), starts
// it on a small generated data folder, drives bare / REST / XML-RPC / SOAP with autocannon in
// rounds, and prints each one's share of the bare route (against the mean of the bare runs just
// before and after it). With --prof the server runs under `node --cpu-prof` and the profile's
// self time is summarised by function and by file.
//
//   node bench/profile.mjs [--seconds 5] [--rounds 2] [--connections 64] [--prof]
//                          [--targets restJson,xmlrpc,soap,soapRpc,amf] [--reuse (the last bundle)]
//                          [--rate N (paced at N req/s: latency and CPU per request, open loop)]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { localServerEnv, SERVER_NODE_FLAGS, waitForHealth } from '../scripts/server-flags.mjs';
import { bodyFile, processCpuSeconds } from './load.mjs';
import { protocolTargets } from './targets.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    targets: { type: 'string', default: 'restJson,xmlrpc,soap,soapRpc' },
    prof: { type: 'boolean', default: false },
    port: { type: 'string', default: '3321' },
    reuse: { type: 'boolean', default: false },
    // Paced (bench/paced.mjs, an open loop) at this many requests a second instead of autocannon's
    // closed loop: requests then arrive one at a time, each its own event-loop turn and syscalls.
    rate: { type: 'string' },
    // Another copy of apps/bff (with node_modules linked) to measure instead: a baseline, say.
    bff: { type: 'string' },
  },
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bff = opts.bff ?? join(root, 'apps', 'bff');
const outdir = opts.bff ? join(bff, 'profile-dist') : join(bff, 'node_modules', '.cache', 'gatehouse-profile');
const tsx = join(root, 'apps', 'bff', 'node_modules', '.bin', 'tsx');
const autocannon = join(root, 'node_modules', 'autocannon', 'autocannon.js');
const PORT = Number(opts.port);
const base = `http://127.0.0.1:${PORT}`;
const log = (m) => console.log(`[profile] ${m}`);

// The bundle, as apps/bff/build.mjs makes it.
const { build } = await import(join(bff, 'node_modules', 'esbuild', 'lib', 'main.js'));
const pkg = JSON.parse(readFileSync(join(bff, 'package.json'), 'utf8'));
const thirdParty = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
  (n) => !n.startsWith('@gatehouse/'),
);
// Others may be half-way through an edit: a failed build is tried again a few times.
for (let attempt = 1; !opts.reuse; attempt++) {
  try {
    await build({
      absWorkingDir: bff,
      entryPoints: ['src/index.ts'],
      outdir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: [...thirdParty, ...thirdParty.map((n) => `${n}/*`)],
      sourcemap: true,
      logLevel: 'silent',
    });
    break;
  } catch (err) {
    if (attempt >= 8) throw err;
    log(`build failed (${String(err.message).split('\n')[1] ?? err}), again in 15 s`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}
// The bundle finds the migrations at ../src/db/migrations, as dist/index.js does.
const srcLink = join(outdir, '..', 'src');
if (!existsSync(srcLink)) symlinkSync(join(bff, 'src'), srcLink);

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
const profDir = join(dataDir, 'cpu');
log(`generating data in ${dataDir}`);
execFileSync(tsx, [join(root, 'bench', 'generate.ts'), dataDir, '--users', '1000', '--tokens', '100'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const token = readFileSync(join(dataDir, 'bench-token.txt'), 'utf8').trim();

const server = spawn(
  process.execPath,
  [
    ...SERVER_NODE_FLAGS,
    ...(opts.prof ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${profDir}`] : []),
    join(outdir, 'index.js'),
  ],
  {
    env: localServerEnv(dataDir, PORT),
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
await waitForHealth(base);

const soapEnvelope = (inner) =>
  `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" ${inner}</SOAP-ENV:Envelope>`;
const TARGETS = {
  // bench/run.mjs's.
  ...protocolTargets(token),
  // Moodle's default contract, RPC/encoded, as PHP's SoapClient sends it with Moodle's WSDL.
  soapRpc: {
    path: `/webservice/soap/server.php?wstoken=${token}`,
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'core_webservice_get_site_info' },
    body: soapEnvelope(
      `xmlns:ns1="${base}/webservice/soap/server.php?wstoken=${token}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body><ns1:core_webservice_get_site_info><serviceshortnames SOAP-ENC:arrayType="xsd:string[0]" xsi:type="SOAP-ENC:Array"/></ns1:core_webservice_get_site_info></SOAP-ENV:Body>`,
    ),
  },
};

// Under --prof, bare may be profiled too (for its own split); otherwise it is the yardstick.
const targets = opts.targets.split(',').filter((t) => opts.prof || t !== 'bare');
for (const t of targets) {
  if (!TARGETS[t]) throw new Error(`no target ${t} (${Object.keys(TARGETS).join(', ')})`);
  const { path, method, headers, body } = TARGETS[t];
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  if (!res.ok || /fault|exception/i.test(text)) throw new Error(`${t} answers ${res.status}: ${text.slice(0, 300)}`);
}

/** The server's CPU time so far (user + system), in microseconds, from /proc. */
const serverCpuUs = () => processCpuSeconds(server.pid) * 1e6;
const cpu = {};
/** Requests answered so far (the profile's split is per request of the profiled runs). */
let served = 0;

const paced = join(root, 'bench', 'paced.mjs');
/** One paced run (--rate): its p99 (ms) is kept beside the CPU per request. */
const p99s = {};
function pacedLoad(target) {
  const { path, method, headers, body } = TARGETS[target];
  if (Buffer.isBuffer(body)) throw new Error(`${target}: --rate sends text bodies only`);
  const args = [paced, `${base}${path}`, opts.rate, opts.seconds, opts.connections, method, body ?? ''];
  for (const [k, v] of Object.entries(headers)) args.push(`${k}=${v}`);
  const before = serverCpuUs();
  const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const used = serverCpuUs() - before;
  if (r.errors) throw new Error(`${target}: ${r.errors} errors`);
  cpu[target] = [...(cpu[target] ?? []), used / r.sent];
  p99s[target] = [...(p99s[target] ?? []), r.p99];
  served += r.sent;
  return Number(opts.rate);
}

async function load(target) {
  if (opts.rate) return pacedLoad(target);
  const { path, method, headers, body } = TARGETS[target];
  const args = [autocannon, '-j', '-c', opts.connections, '-d', opts.seconds, '-m', method];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  if (Buffer.isBuffer(body)) args.push('-i', bodyFile(body));
  else if (body) args.push('-b', body);
  args.push(`${base}${path}`);
  const before = serverCpuUs();
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const used = serverCpuUs() - before;
  const r = JSON.parse(out);
  if (r.errors + r.non2xx) throw new Error(`${target}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  cpu[target] = [...(cpu[target] ?? []), used / r.requests.total];
  served += r.requests.total;
  return Math.round(r.requests.average);
}

if (opts.prof) {
  // Only the targets, so that the profile holds nothing else.
  for (const t of targets) log(`${t}: ${await load(t)} req/s (under the profiler)`);
}
const bare = [];
const runs = Object.fromEntries(targets.map((t) => [t, []]));
const rounds = opts.prof ? 0 : Number(opts.rounds);
for (let round = 0; round < rounds; round++) {
  bare.push(await load('bare'));
  for (const t of targets) runs[t].push(await load(t));
  log(`round ${round + 1}/${rounds}: bare ${bare[round]}, ${targets.map((t) => `${t} ${runs[t][round]}`).join(', ')}`);
}
if (rounds) bare.push(await load('bare'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// Paced, every run does the rate asked for: its req/s say nothing, its p99 does (below).
const closed = rounds && !opts.rate;
if (closed) console.log(`\nAt ${opts.connections} connections, ${opts.seconds} s a run, ${rounds} round(s):`);
if (closed) console.log(`  bare      ${median(bare)} req/s (runs ${bare.join(', ')})`);
for (const t of closed ? targets : []) {
  const shares = runs[t].map((rps, i) => rps / ((bare[i] + bare[i + 1]) / 2));
  console.log(
    `  ${t.padEnd(9)} ${median(runs[t])} req/s, ${(median(shares) * 100).toFixed(1)} % of bare (runs ${shares.map((s) => `${(s * 100).toFixed(1)} %`).join(', ')})`,
  );
}
if (opts.rate) {
  console.log(`\nPaced at ${opts.rate} req/s, p99 (ms): median, against bare's median, and each run:`);
  const bareP99 = p99s.bare ? median(p99s.bare) : undefined;
  for (const t of Object.keys(p99s)) {
    const ratio = bareP99 && t !== 'bare' ? ` (${(median(p99s[t]) / bareP99).toFixed(2)} × bare)` : '';
    console.log(`  ${t.padEnd(9)} ${median(p99s[t])}${ratio}; runs ${p99s[t].join(', ')}`);
  }
}
// Less sensitive to the neighbours than req/s: the server's own CPU time per request (/proc).
const cpuPer = (t) => median(cpu[t]);
console.log("\nServer CPU per request (median of the runs), and bare's as a share of it:");
for (const t of Object.keys(cpu))
  console.log(
    `  ${t.padEnd(9)} ${cpuPer(t).toFixed(1)} µs${t === 'bare' || !cpu.bare ? '' : `, ${((cpuPer('bare') / cpuPer(t)) * 100).toFixed(1)} %`}`,
  );

await new Promise((r) => {
  server.once('exit', r);
  server.kill('SIGTERM');
});

if (opts.prof) {
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  const self = new Map();
  const byFile = new Map();
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++)
    dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  let total = 0;
  for (const node of prof.nodes) {
    const us = dt.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = !url ? '(native)' : url.startsWith('file:') ? relative(root, fileURLToPath(url)) : url;
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const group = where.includes('node_modules/')
      ? where.replace(/.*node_modules\/(?:\.pnpm\/)?((?:@[^/]+\/)?[^/@]+).*/, '$1')
      : where;
    byFile.set(group, (byFile.get(group) ?? 0) + us);
  }
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  console.log(
    `\nCPU profile ${join(profDir, file)}: self time by file (of ${(total / 1e6).toFixed(1)} s)\n${top(byFile, 25)}`,
  );
  console.log(`\nself time by function\n${top(self, 40)}`);
  // Inclusive time: a function's samples and its callees' (once per stack, however deep it recurses).
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const n of prof.nodes) {
    const us = dt.get(n.id) ?? 0;
    if (!us) continue;
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const { functionName, url, lineNumber } = byId.get(id).callFrame;
      if (!url?.includes(outdir)) continue;
      const key = `${functionName || '(anonymous)'}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  console.log(`\ninclusive time of Gatehouse's functions\n${top(inclusive, 45)}`);
  console.log(`\n${stageSplit(prof, byId, parent, dt, total)}`);
} else rmSync(dataDir, { recursive: true, force: true });

// ---- the per-stage split ----------------------------------------------------------------------
//
// Each sample goes to the stage of the innermost frame on its stack that names one (the
// pipeline's functions, by name; esbuild's numeric suffixes dropped). Generic helpers (the
// generated cleaners, `run`, small closures) name none, so a generated cleaner's time goes to
// validation or cleaning by who called it. Samples with no such frame are the HTTP server's
// (Node's http modules, Hono), the event loop's or the socket write's. The write (`writev`,
// native) is wall time: it includes the moments the client ran on this CPU meanwhile.

function stageTable() {
  return [
    [
      'encoding',
      [
        'phpJsonAnswer',
        'phpJsonEncode',
        'structure',
        'scalar',
        'restXmlResult',
        'xmlize',
        'xmlrpcResult',
        'xmlrpcValue',
        'faultXml',
        'rpcResponse',
        'documentResponse',
        'moodleFault',
        'moodleSendError',
        'encodeResult',
        'encodeError',
        'escapeXml',
      ],
    ],
    [
      'answer write (head, bytes)',
      ['text', 'send', 'textAnswer', 'writeHead', '_storeHeader', 'processHeader', 'end', 'setHeader'],
    ],
    [
      'cleaning and encoding in one pass (REST JSON)',
      ['cleanReturnValueAsJson', 'structureJson', 'jsonAnswer', 'phpJsonString', 'phpJsonScalar'],
    ],
    ['cleaning', ['cleanReturnValue']],
    ['validation', ['validateParameters']],
    ['execute (the function)', ['execute', 'makeCallContext']],
    [
      'access check',
      [
        'cachedToken',
        'tokenHash',
        'hashToken',
        'checkToken',
        'checkFunction',
        'checkService',
        'checkProtocol',
        'callAccess',
        'refusalBeforeBody',
        'protocolRefused',
        'tokenFrom',
        'checkRequiredCapabilities',
        'loadToken',
        'tokenRefusal',
      ],
    ],
    ['usage and metrics', ['record', 'entry', 'call', 'served', 'countStatus']],
    [
      'parameter parsing',
      [
        'readParams',
        'fromPairs',
        'formPairs',
        'plainPairs',
        'queryPairs',
        'mergeInto',
        'decodeUtf8',
        'decode',
        'parseXmlBody',
        'argumentsFor',
        'decodeRpcArgs',
        'decodeValue',
        'decodeStruct',
        'readRestParams',
        'checkPercentUtf8',
        'splitKey',
      ],
    ],
    [
      'body reading',
      [
        'readBodyLimited',
        'onData',
        'onEnd',
        'concat',
        'parserOnBody',
        'addChunk',
        'readableAddChunk',
        'readableAddChunkPushByteMode',
        'endReadableNT',
      ],
    ],
    [
      'site (caller, request id, readiness)',
      ['caller', 'requestIdFor', 'ready', 'checkInTurn', 'check', 'presetHeaders'],
    ],
    ['call pipeline (runCall, the route)', ['runCall', 'callWith', 'answered', 'failedCall', 'handle', 'serve']],
  ];
}

function stageSplit(prof, byId, parent, dt, total) {
  const STAGES = stageTable();
  const STAGE_OF = new Map(STAGES.flatMap(([stage, names]) => names.map((n) => [n, stage])));
  const NODE_STAGES = new Set(['answer write (head, bytes)', 'body reading']);
  const sums = new Map();
  let idle = 0;
  for (const n of prof.nodes) {
    const us = dt.get(n.id) ?? 0;
    if (!us) continue;
    const own = n.callFrame.functionName;
    let stage;
    if (own === '(idle)') {
      idle += us;
      continue;
    }
    if (own === '(garbage collector)') stage = 'garbage collection';
    else if (own === 'writev' || own === 'writevGeneric' || own === 'writeGeneric') stage = 'socket write (wall)';
    for (let id = n.id; stage === undefined && id !== undefined; id = parent.get(id)) {
      const { functionName, url } = byId.get(id).callFrame;
      const name = functionName.replace(/\d+$/, '');
      const named = STAGE_OF.get(name);
      // Gatehouse's frames (the bundle's, and the generated cleaners' with no URL) name their
      // stage; Node's stream and http frames only the two stages that are Node's work by name.
      const ours = !url || url.includes(outdir);
      const nodes = /^node:internal\/streams|_http_outgoing|_http_server/.test(url) && NODE_STAGES.has(named);
      if (named !== undefined && (ours || nodes)) stage = named;
    }
    if (stage === undefined) {
      const { url } = n.callFrame;
      stage = /hono/.test(url)
        ? 'routing (Hono)'
        : /_http_|llhttp|node:net|stream_base/.test(url) || n.callFrame.functionName.startsWith('parserOn')
          ? 'HTTP server (Node: parser, streams)'
          : 'event loop, promises, runtime';
    }
    sums.set(stage, (sums.get(stage) ?? 0) + us);
  }
  const busy = total - idle;
  const perRequest = (us) => (served ? (us / served).toFixed(1) : '?');
  const rows = [...sums.entries()].sort((a, b) => b[1] - a[1]);
  return [
    `per-stage split of the profiled runs (${served} requests; µs per request of profile time, idle left out: ${perRequest(busy)} µs)`,
    ...rows.map(
      ([k, us]) => `  ${perRequest(us).padStart(6)} µs  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${k}`,
    ),
  ].join('\n');
}
