import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import { pgMigrationsCurrent, type Store } from '../db/client';

// GET /metrics (Prometheus text format) and /readyz's state (issue 19: several nodes behind a
// load balancer). One registry per Deps (tests build many apps); the process's own metrics
// (memory, event loop lag, GC) once per process, in a registry of their own.
//
// The counters the hot path touches are plain numbers, grouped by label values made once:
// prom-client's bound children (`counter.labels(…).inc()`, `histogram.labels(…).observe()`)
// still build the label hash string, and a histogram an object, on every call. Ours are read
// into prom-client's shape only when /metrics is scraped.

/** The `protocol` label: the web-service protocols, then the site's other entry points. */
const PROTOCOL_LABELS = ['rest', 'xmlrpc', 'soap', 'amf', 'ajax', 'console', 'login', 'files', 'other'] as const;
type ProtocolLabel = (typeof PROTOCOL_LABELS)[number];
/** A protocol label by index (what the hot path passes). */
export type ProtocolIndex = number;
const PROTOCOL = {
  rest: 0,
  xmlrpc: 1,
  soap: 2,
  amf: 3,
  ajax: 4,
  console: 5,
  login: 6,
  files: 7,
  other: 8,
} as const satisfies Record<ProtocolLabel, number>;
/** Below this index the protocol's calls are counted by the call pipeline (with their function), not by status. */
const FIRST_COUNTED_BY_STATUS = PROTOCOL.ajax;

/**
 * The `outcome` label:
 * - ok: the call (request) went through;
 * - refused: the access-check chain refused it (or 401/403/429);
 * - invalid: not a call that can be read, or invalid parameters (other 4xx);
 * - error: the function answered a Moodle exception;
 * - internal: an unexpected error (5xx);
 * - notfound: no such route (404).
 */
const OUTCOME_LABELS = ['ok', 'refused', 'invalid', 'error', 'internal', 'notfound'] as const;
export const OUTCOME = { ok: 0, refused: 1, invalid: 2, error: 3, internal: 4, notfound: 5 } as const satisfies Record<
  (typeof OUTCOME_LABELS)[number],
  number
>;
export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];

/** The `function` label of a name that is not in the catalogue (the name is the client's: bounded). */
const UNKNOWN_FUNCTION = 'unknown';

/** Request durations, in seconds: from a tenth of a millisecond (a warm REST call) to seconds. */
const DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** From another node's commit to this node's hearing of it, in seconds. */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The protocol of a request, by its path (the routes app.ts mounts). */
export function protocolOfPath(path: string): ProtocolIndex {
  if (path.startsWith('/webservice/')) {
    if (path.startsWith('rest/', 12)) return PROTOCOL.rest;
    if (path.startsWith('xmlrpc/', 12)) return PROTOCOL.xmlrpc;
    if (path.startsWith('soap/', 12)) return PROTOCOL.soap;
    if (path.startsWith('amf/', 12)) return PROTOCOL.amf;
    return PROTOCOL.files; // upload.php, pluginfile.php, draftfile.php
  }
  if (path.startsWith('/api/')) return PROTOCOL.console;
  if (path.startsWith('/login/')) return PROTOCOL.login;
  if (path.startsWith('/lib/ajax/')) return PROTOCOL.ajax;
  if (path.startsWith('/tokenpluginfile.php')) return PROTOCOL.files;
  if (path.startsWith('/local/hub/webservice/')) {
    return path.startsWith('webservices.php', 22) ? PROTOCOL.xmlrpc : PROTOCOL.files;
  }
  return PROTOCOL.other;
}

/** A request's outcome by its HTTP status (the entry points whose calls are not counted by the pipeline). */
function outcomeOfStatus(status: number): Outcome {
  if (status < 400) return OUTCOME.ok;
  if (status === 404) return OUTCOME.notfound;
  if (status === 401 || status === 403 || status === 429) return OUTCOME.refused;
  return status >= 500 ? OUTCOME.internal : OUTCOME.invalid;
}

/** One value of a counter, bumped in place: `cell.n++` allocates nothing. */
interface Cell {
  n: number;
}

/** A cache's hit and miss counters, for the cache to bump on each lookup. */
export interface CacheCells {
  readonly hits: Cell;
  readonly misses: Cell;
}

/** The counts of one (protocol, function) by outcome. */
class CallRow {
  readonly n = new Float64Array(OUTCOME_LABELS.length);
  constructor(readonly fn: string) {}
}

class CallTable {
  readonly byFunction = new Map<string, CallRow>();
  readonly none = new CallRow('');
  readonly unknown = new CallRow(UNKNOWN_FUNCTION);
}

/** A histogram's buckets for one label value, in the unit observed (bounds given in it). */
class HistogramCells {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(n: number) {
    this.counts = new Float64Array(n);
  }
}

type Values = { value: number; labels: Record<string, string | number>; metricName?: string }[];

/** A metric read from our cells when scraped: what prom-client's registry asks of a metric. */
function scraped(name: string, help: string, type: 'counter' | 'histogram', values: () => Values): Metric {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
  } as unknown as Metric;
}

function histogramValues(
  name: string,
  bounds: readonly number[],
  /** The factor from the observed unit to the exported one (ms → s: 1/1000). */
  scale: number,
  cells: readonly (readonly [Record<string, string>, HistogramCells])[],
): Values {
  const out: Values = [];
  for (const [labels, h] of cells) {
    if (!h.count) continue;
    let acc = 0;
    for (let i = 0; i < bounds.length; i++) {
      acc += h.counts[i] ?? 0;
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bounds[i] ?? 0 }, value: acc });
    }
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
    out.push({ metricName: `${name}_sum`, labels, value: h.sum * scale });
    out.push({ metricName: `${name}_count`, labels, value: h.count });
  }
  return out;
}

/** The process's metrics (resident memory, event loop lag, GC, …): collected once per process. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsOptions {
  /** Whether a function name is in the catalogue (other names are counted as `unknown`). */
  knownFunction: (name: string) => boolean;
  /** The store: its pool's connections are gauges on PostgreSQL. */
  store: Store;
}

/** This app's metrics (deps.metrics), and whether the process is draining (/readyz). */
export class Metrics {
  readonly registry = new Registry();
  private readonly calls: CallTable[] = PROTOCOL_LABELS.map(() => new CallTable());
  /** Duration bounds in milliseconds (what the site middleware measures). */
  private readonly boundsMs = DURATION_BUCKETS.map((s) => s * 1000);
  private readonly durations: HistogramCells[] = PROTOCOL_LABELS.map(() => new HistogramCells(DURATION_BUCKETS.length));
  private readonly caches = new Map<string, CacheCells>();
  private readonly lag: Histogram;
  private readonly knownFunction: (name: string) => boolean;
  private drainingSince: number | undefined;

  constructor(opts: MetricsOptions) {
    this.knownFunction = opts.knownFunction;
    processMetrics();
    const r = this.registry;
    r.registerMetric(
      scraped(
        'gatehouse_requests_total',
        'Requests and web-service calls by protocol, function and outcome',
        'counter',
        () => this.callValues(),
      ),
    );
    r.registerMetric(
      scraped('gatehouse_request_duration_seconds', 'Time spent serving a request, by protocol', 'histogram', () =>
        histogramValues(
          'gatehouse_request_duration_seconds',
          DURATION_BUCKETS,
          1 / 1000,
          this.durations.map((h, i) => [{ protocol: PROTOCOL_LABELS[i] ?? 'other' }, h] as const),
        ),
      ),
    );
    r.registerMetric(
      scraped('gatehouse_cache_hits_total', 'Cache lookups that found the entry', 'counter', () =>
        [...this.caches].map(([cache, c]) => ({ labels: { cache }, value: c.hits.n })),
      ),
    );
    r.registerMetric(
      scraped('gatehouse_cache_misses_total', 'Cache lookups that did not find the entry', 'counter', () =>
        [...this.caches].map(([cache, c]) => ({ labels: { cache }, value: c.misses.n })),
      ),
    );
    this.lag = new Histogram({
      name: 'gatehouse_invalidation_lag_seconds',
      help: "From another node's commit to this node's hearing of its invalidations",
      buckets: LAG_BUCKETS,
      registers: [r],
    });
    const { store } = opts;
    if (store.dialect === 'pg') {
      const { pool } = store;
      new Gauge({
        name: 'gatehouse_db_pool_connections',
        help: "The database pool's connections: total, idle, and clients waiting for one",
        labelNames: ['state'],
        registers: [r],
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
  }

  /**
   * One web-service call (or, for the entry points counted by status, one request): `fn` is
   * the function's name as the client gave it ('' when there is none), `protocol` a PROTOCOL
   * index or a Protocol name.
   */
  call(protocol: ProtocolIndex | string, fn: string, outcome: Outcome): void {
    const table = this.calls[typeof protocol === 'number' ? protocol : protocolIndexOf(protocol)];
    if (table === undefined) return;
    let row = fn === '' ? table.none : table.byFunction.get(fn);
    if (row === undefined) {
      if (this.knownFunction(fn)) {
        row = new CallRow(fn);
        table.byFunction.set(fn, row);
      } else row = table.unknown;
    }
    // A typed array's cell (always there: an outcome indexes it).
    row.n[outcome] = (row.n[outcome] as number) + 1;
  }

  /**
   * One request's duration as the site middleware measured it (app.ts), in milliseconds. Its
   * count is the pipeline's (web-service protocols) or countStatus's (see countsByStatus).
   */
  served(protocol: ProtocolIndex, ms: number): void {
    const h = this.durations[protocol];
    if (h === undefined) return;
    const bounds = this.boundsMs;
    let i = 0;
    while (i < bounds.length && ms > (bounds[i] ?? 0)) i++;
    if (i < bounds.length) h.counts[i] = (h.counts[i] as number) + 1;
    h.sum += ms;
    h.count++;
  }

  /** Whether a protocol's requests are counted by their status (served + countStatus), not by the pipeline. */
  static countsByStatus(protocol: ProtocolIndex): boolean {
    return protocol >= FIRST_COUNTED_BY_STATUS;
  }

  /** A request of an entry point counted by status. */
  countStatus(protocol: ProtocolIndex, status: number): void {
    this.call(protocol, '', outcomeOfStatus(status));
  }

  /** A cache's counters, made on first use: take them once and bump `hits.n` / `misses.n`. */
  cache(name: string): CacheCells {
    let c = this.caches.get(name);
    if (c === undefined) {
      c = { hits: { n: 0 }, misses: { n: 0 } };
      this.caches.set(name, c);
    }
    return c;
  }

  /** Another node's invalidation heard `ms` after its commit (the PostgreSQL listener's onLag). */
  readonly observeInvalidationLag = (ms: number): void => {
    this.lag.observe(ms / 1000);
  };

  /** From now on /readyz answers 503: the process is shutting down (the SIGTERM handler calls it). */
  markDraining(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** The Prometheus text: the process's metrics, then this app's. */
  async text(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${proc}\n${own}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private callValues(): Values {
    const out: Values = [];
    this.calls.forEach((table, p) => {
      const protocol = PROTOCOL_LABELS[p] ?? 'other';
      for (const row of [table.none, ...table.byFunction.values(), table.unknown]) {
        row.n.forEach((value, o) => {
          if (value) out.push({ labels: { protocol, function: row.fn, outcome: OUTCOME_LABELS[o] ?? 'ok' }, value });
        });
      }
    });
    return out;
  }
}

/** A Protocol's index (the call pipeline passes the name). */
function protocolIndexOf(name: string): ProtocolIndex {
  switch (name) {
    case 'rest':
      return PROTOCOL.rest;
    case 'xmlrpc':
      return PROTOCOL.xmlrpc;
    case 'soap':
      return PROTOCOL.soap;
    case 'amf':
      return PROTOCOL.amf;
    default:
      return PROTOCOL.other;
  }
}

/** Marks the process as draining: /readyz answers 503 from now on (for the SIGTERM handler). */
export function markDraining(deps: { metrics: Metrics }): void {
  deps.metrics.markDraining();
}

// ---- who may read /metrics --------------------------------------------------------------------

/** Whether an address is a loopback one (127.0.0.0/8, ::1, and their IPv4-mapped forms). */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)) return true;
  return ip === '::1' || ip === '0:0:0:0:0:0:0:1';
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether a request may read /metrics: with GATEHOUSE_METRICS_TOKEN set, it must carry
 * `Authorization: Bearer <token>` (compared in constant time), from anywhere; unset, only a
 * loopback client (the address behind trusted proxies) may.
 */
export function metricsAllowed(token: string | undefined, authorization: string | undefined, ip: string): boolean {
  if (token) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), digest(token));
  }
  return isLoopback(ip);
}

// ---- /readyz ----------------------------------------------------------------------------------

const READY_TIMEOUT_MS = 2000;

/** `reason` is for anyone who asks (a load balancer): no detail of the database; `error` is for the log. */
export type Readiness = { ready: true } | { ready: false; reason: string; error?: Error };

/** Rejects after `ms` (the timer is cleared when `p` settles first). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether this node can serve: not draining, the database answers `SELECT 1` (within 2 s on
 * PostgreSQL) and, on PostgreSQL, every committed migration is applied.
 */
export async function readiness(store: Store, metrics: Metrics): Promise<Readiness> {
  if (metrics.draining) return { ready: false, reason: 'draining' };
  try {
    if (store.dialect === 'sqlite') {
      store.sqlite.prepare('SELECT 1').get();
      return { ready: true };
    }
    await within(store.pool.query('SELECT 1'), READY_TIMEOUT_MS, 'the database');
    if (!(await within(pgMigrationsCurrent(store.pool), READY_TIMEOUT_MS, 'the database'))) {
      return { ready: false, reason: 'migrations pending' };
    }
    return { ready: true };
  } catch (err) {
    return { ready: false, reason: 'database unavailable', error: err instanceof Error ? err : new Error(String(err)) };
  }
}
