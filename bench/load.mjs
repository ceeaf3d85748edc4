// One load run in a process of its own, shared by bench/run.mjs and bench/pg.mjs: autocannon (a
// closed loop of `connections`), or with a rate bench/paced.mjs (an open loop at evenly spaced
// times, so that the latency is the server's, not the queue a saturating closed loop builds).
// The server's resident memory is sampled meanwhile; `eventLoopDelay`, when given, is read once
// before a paced run (a new window) and once after it. Each run reports the share of the machine's CPU
// the hypervisor gave to other guests meanwhile (`steal`, from /proc/stat): on a shared VM that is
// the neighbours' part of a slow run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const autocannon = join(root, 'node_modules', 'autocannon', 'autocannon.js');

/** The resident memory of a process, in MB (NaN once it is gone). */
export function rssMb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The machine's CPU time so far (jiffies, all CPUs): total, and stolen by the hypervisor for other guests. */
function cpuTimes() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is counted in user already).
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

/** The share of the machine's CPU time stolen between two cpuTimes() (%, one decimal; null without /proc). */
function stealPct(a, b) {
  if (!a || !b || b.total <= a.total) return null;
  return Math.round(((b.steal - a.steal) / (b.total - a.total)) * 1000) / 10;
}

/** A process's CPU time so far (user + system, seconds; NaN once it is gone). */
export function processCpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** A body of bytes in a temporary file, one per distinct body, removed when this process exits. */
const bodyFiles = new Map();
export function bodyFile(bytes) {
  const key = bytes.toString('base64');
  let file = bodyFiles.get(key);
  if (!file) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-body-'));
    file = join(dir, 'body');
    writeFileSync(file, bytes);
    bodyFiles.set(key, file);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return file;
}

/**
 * @param {{ url: string, method: string, headers: Record<string, string>, body?: string | Buffer }} t
 * @param {{ pid: number, connections: number, seconds: number, rate?: number, eventLoopDelay?: () => Promise<unknown> }} o
 */
export async function runLoad(t, o) {
  const args = o.rate
    ? [
        join(root, 'bench', 'paced.mjs'),
        t.url,
        String(o.rate),
        String(o.seconds),
        String(o.connections),
        t.method,
        t.body ?? '',
        ...Object.entries(t.headers).map(([k, v]) => `${k}=${v}`),
      ]
    : [autocannon, '-j', '-c', String(o.connections), '-d', String(o.seconds), '-m', t.method];
  if (!o.rate) {
    for (const [k, v] of Object.entries(t.headers)) args.push('-H', `${k}=${v}`);
    // Bytes (AMF) cannot go on a command line: autocannon reads them from a file.
    if (Buffer.isBuffer(t.body)) args.push('-i', bodyFile(t.body));
    else if (t.body) args.push('-b', t.body);
    args.push(t.url);
  }
  const eld = o.rate ? o.eventLoopDelay : undefined;
  if (eld) await eld();
  let peak = 0;
  const cpu0 = cpuTimes();
  const server0 = processCpuSeconds(o.pid);
  const wall0 = performance.now();
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(o.pid));
  }, 200);
  const out = await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => {
      text += d;
    });
    p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`load generator exited ${code}`))));
  }).finally(() => clearInterval(sampler));
  const r = JSON.parse(out);
  const steal = stealPct(cpu0, cpuTimes());
  // How busy the server's thread was (% of one core) and its CPU time per request (µs).
  const serverCpu = processCpuSeconds(o.pid) - server0;
  const serverBusyPct = Math.round((serverCpu / ((performance.now() - wall0) / 1000)) * 100);
  const requests = o.rate ? r.sent : r.requests.total;
  const serverUsPerRequest = requests ? Math.round((serverCpu / requests) * 1e7) / 10 : null;
  if (o.rate) {
    return {
      rps: o.rate,
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      errors: r.errors,
      peakRssMb: peak,
      steal,
      serverBusyPct,
      serverUsPerRequest,
      clientDelay: r.client,
      ...(eld ? { eld: await eld() } : {}),
    };
  }
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    peakRssMb: peak,
    steal,
    serverBusyPct,
    serverUsPerRequest,
  };
}
