import { createHash } from 'node:crypto';
import type { ExternalDescription } from '@gatehouse/shared';
import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import type { PgStore, Store } from '../db/client';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { filesReady } from '../features/files/files.service';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { createLogger } from '../lib/log';
import { makeClock, makeTestApp, type TestApp } from '../test/helpers';
import { sqliteOf } from '../test/test-store';

// Shared pieces of the "bad input, generated" tests: a fingerprint of the whole database, a
// tripwire on Object.prototype, a site set up for web-service calls (with the baseline every
// suite compares against: fuzzSite), raw requests, and the fast-check arbitraries for hostile input.

// ---- runs ----------------------------------------------------------------------------------

/**
 * fast-check parameters: a fixed number of runs per property (FUZZ_RUNS_SCALE multiplies it,
 * for a longer soak), and FUZZ_SEED to replay a failure fast-check reported.
 */
export function runs(numRuns: number): fc.Parameters<unknown> {
  const scale = Number(process.env.FUZZ_RUNS_SCALE ?? '1') || 1;
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  return {
    numRuns: Math.max(1, Math.round(numRuns * scale)),
    ...(seed !== undefined ? { seed } : {}),
    // A bound on one property's run, shrinking included (a failing hostile input can be huge).
    // Reaching it is reported as a failure, so a slow machine cannot quietly run fewer inputs.
    interruptAfterTimeLimit: 60_000 * scale,
    markInterruptAsFailure: true,
  };
}

// ---- the database fingerprint ---------------------------------------------------------------

/**
 * What a refused request may legitimately change, left out of the fingerprint. Everything else,
 * every row of every table (hub tables, sqlite_sequence or PostgreSQL's sequences, and the
 * migrations table included), is hashed.
 */
const EXCLUDED_COLUMNS: Record<string, readonly string[]> = {
  // Per-token usage statistics. A refused call still counts towards the token's usage and
  // records its last error, by design (SPEC §4). They are gathered in memory and only written by
  // deps.usage.flush(), which these tests never call; left out so that a flush (by a future
  // timer, say) cannot make a refused call look like a write.
  external_tokens: ['calls', 'last_access', 'last_error', 'last_error_at', 'last_ip'],
  // A session's last-seen time: written (at most once a minute) whenever a signed-in request
  // arrives, whatever the request then turns out to be (sessions.ts resolveSession).
  sessions: ['last_seen_at'],
};

/**
 * Rows a refused request may legitimately add: a failed console sign-in is audited
 * (auth.routes.ts, 'auth.login_failed'), which also moves audit_log's AUTOINCREMENT counter
 * (sqlite_sequence's row, PostgreSQL's audit_log_id_seq). Only those rows, and that one counter,
 * are left out.
 */
const EXCLUDED_ROWS: Record<string, string> = {
  // The usage flush's audit row for a token's first refusal of a reason (features/usage) too.
  audit_log: "action NOT IN ('auth.login_failed', 'webservice.refused')",
  // The calls per hour and per day (refused ones included), written by the same usage flush.
  usage_buckets: '1 = 0',
  sqlite_sequence: "name <> 'audit_log'",
};

/**
 * PostgreSQL only: the failed-login counters, which every node shares in the rate_limits table
 * (lib/rate-limit.ts); on SQLite they are in memory, out of any fingerprint. A refused sign-in
 * counts there by design. Left out of the fingerprint and of the write count.
 */
const PG_EXCLUDED_TABLES = ['public.rate_limits'];
/** The write count's own sequence (see writeCount), and audit_log's counter (see EXCLUDED_ROWS). */
const WRITE_COUNTER = 'fuzz_write_count';
const PG_EXCLUDED_SEQUENCES = [WRITE_COUNTER, 'audit_log_id_seq'];

export interface Fingerprint {
  digest: string;
  tables: Record<string, { rows: number; hash: string }>;
}

const quoteId = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One SELECT per table, every column but the excluded ones, prepared once per store. */
const sqliteStatements = new WeakMap<Store, { name: string; stmt: Database.Statement }[]>();

function sqliteTableStatements(store: Store) {
  let list = sqliteStatements.get(store);
  if (list) return list;
  const sqlite = sqliteOf(store);
  // The search indexes (FTS5 tables and their shadow tables) are derived from the base tables
  // by triggers: a change shows in the base table already.
  const searchIndexes = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
    .pluck()
    .all() as string[];
  const names = (
    sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]
  ).filter((n) => !searchIndexes.some((v) => n === v || n.startsWith(`${v}_`)));
  list = names.map((name) => {
    const cols = (sqlite.prepare(`PRAGMA table_info(${quoteId(name)})`).all() as { name: string }[])
      .map((c) => c.name)
      .filter((c) => !(EXCLUDED_COLUMNS[name] ?? []).includes(c));
    const where = EXCLUDED_ROWS[name] ? ` WHERE ${EXCLUDED_ROWS[name]}` : '';
    const cs = cols.map(quoteId).join(', ');
    // Ordered by every column, so the fingerprint does not depend on the physical row order.
    return { name, stmt: sqlite.prepare(`SELECT ${cs} FROM ${quoteId(name)}${where} ORDER BY ${cs}`).raw() };
  });
  sqliteStatements.set(store, list);
  return list;
}

function sqliteFingerprint(store: Store): Fingerprint['tables'] {
  const tables: Fingerprint['tables'] = {};
  for (const { name, stmt } of sqliteTableStatements(store)) {
    const rows = stmt.all() as unknown[][];
    const h = createHash('sha256');
    h.update(
      JSON.stringify(rows, (_k, v) =>
        Buffer.isBuffer(v) ? `blob:${v.toString('base64')}` : typeof v === 'bigint' ? `big:${v}` : v,
      ),
    );
    tables[name] = { rows: rows.length, hash: h.digest('hex') };
  }
  return tables;
}

/**
 * PostgreSQL: one statement for the whole database (a round trip, not one a table), built once
 * per store from the catalogue: per table (every schema but the system's: public, and drizzle's
 * migrations table) its row count and the MD5 of its rows as text (ROW(…)::text, every column but
 * the excluded ones), sorted bytewise (COLLATE "C") so the physical order does not matter; then per
 * sequence (the identity columns' counters, PostgreSQL's sqlite_sequence) its last value. A
 * sequence is not rolled back, so an insert that was undone still shows here: on PostgreSQL the
 * fingerprint alone also catches a write that was tried (a little stricter than SQLite's, whose
 * counter moves only on a committed insert). The search indexes (pg_trgm GIN) are indexes, not
 * tables: nothing to leave out.
 */
const pgStatements = new WeakMap<Store, Promise<string>>();

function pgFingerprintSql(pool: pg.Pool): Promise<string> {
  return (async () => {
    const { rows } = await pool.query<{ schema: string; name: string; cols: string[] }>(
      `SELECT c.table_schema::text AS schema, c.table_name::text AS name,
              array_agg(c.column_name::text ORDER BY c.ordinal_position) AS cols
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const parts = rows
      .filter((t) => !PG_EXCLUDED_TABLES.includes(`${t.schema}.${t.name}`))
      .map((t) => {
        // The application's tables under their own names (as on SQLite); others schema-qualified.
        const label = t.schema === 'public' ? t.name : `${t.schema}.${t.name}`;
        const excluded = t.schema === 'public' ? (EXCLUDED_COLUMNS[t.name] ?? []) : [];
        const cs = t.cols.filter((c) => !excluded.includes(c)).map(quoteId);
        const where = t.schema === 'public' && EXCLUDED_ROWS[t.name] ? ` WHERE ${EXCLUDED_ROWS[t.name]}` : '';
        return `SELECT ${quoteLit(label)} AS name, count(*)::int AS n,
                  md5(coalesce(string_agg(r, E'\\n' ORDER BY r COLLATE "C"), '')) AS hash
             FROM (SELECT ROW(${cs.join(', ')})::text AS r FROM ${quoteId(t.schema)}.${quoteId(t.name)}${where}) s`;
      });
    // A sequence's own row: pg_sequences says null for one that setval(…, false) left (a seed's
    // explicit ids, schema-pg/sequences.ts) and would hide its value.
    const sequences = await pool.query<{ schema: string; name: string }>(
      `SELECT schemaname::text AS schema, sequencename::text AS name FROM pg_sequences ORDER BY 1, 2`,
    );
    for (const q of sequences.rows) {
      if (PG_EXCLUDED_SEQUENCES.includes(q.name)) continue;
      parts.push(
        `SELECT ${quoteLit(`${q.schema}.${q.name} (sequence)`)}, 1, last_value::text || CASE WHEN is_called THEN '' ELSE ' next' END
           FROM ${quoteId(q.schema)}.${quoteId(q.name)}`,
      );
    }
    return parts.join('\nUNION ALL\n');
  })();
}

async function pgFingerprint(store: PgStore): Promise<Fingerprint['tables']> {
  let text = pgStatements.get(store);
  if (!text) {
    text = pgFingerprintSql(store.pool);
    pgStatements.set(store, text);
  }
  // Named, so that each connection plans the long statement once (a third of its time).
  const { rows } = await store.pool.query<{ name: string; n: number; hash: string }>({
    name: 'fuzz_fingerprint',
    text: await text,
  });
  const tables: Fingerprint['tables'] = {};
  for (const r of [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    tables[r.name] = { rows: r.n, hash: r.hash };
  return tables;
}

/** Row counts and a hash of the content of every table, minus the documented exclusions (either store). */
export async function fingerprint(store: Store): Promise<Fingerprint> {
  const tables = store.dialect === 'pg' ? await pgFingerprint(store) : sqliteFingerprint(store);
  const all = createHash('sha256');
  for (const [name, { rows, hash }] of Object.entries(tables)) all.update(`${name}:${rows}:${hash}\n`);
  return { digest: all.digest('hex'), tables };
}

/** The tables whose content differs between two fingerprints (for a readable failure). */
export function changedTables(a: Fingerprint, b: Fingerprint): string[] {
  const names = new Set([...Object.keys(a.tables), ...Object.keys(b.tables)]);
  return [...names].filter((n) => a.tables[n]?.hash !== b.tables[n]?.hash).sort();
}

export async function expectSameDb(before: Fingerprint, store: Store, what = ''): Promise<void> {
  const after = await fingerprint(store);
  if (after.digest !== before.digest) {
    throw new Error(
      `The database changed${what ? ` after ${what}` : ''}: tables ${changedTables(before, after).join(', ')}`,
    );
  }
}

// ---- the write count ------------------------------------------------------------------------

/** PostgreSQL: the tripwire, installed once per store (see writeCount). */
const pgCounters = new WeakMap<Store, Promise<void>>();

/**
 * PostgreSQL's twin of total_changes(): a row trigger on every table (rate_limits aside, see
 * PG_EXCLUDED_TABLES) that takes a number from a sequence after each row inserted, updated or
 * deleted. A sequence is not transactional, so a write that was rolled back still counts (as in
 * total_changes()), and unlike the statistics views (pg_stat_xact_*: this connection's only;
 * pg_stat_user_tables: sent at the end of a transaction, and late) it is seen at once from every
 * connection of the pool. AFTER ROW, as total_changes(): a row an upsert left alone or a failed
 * statement's rows do not count. Installed in the test's own database, at the first count.
 */
function installPgCounter(pool: pg.Pool): Promise<void> {
  return (async () => {
    const { rows } = await pool.query<{ schema: string; name: string }>(
      `SELECT table_schema::text AS schema, table_name::text AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema = 'public' ORDER BY 2`,
    );
    const statements = [
      `CREATE SEQUENCE IF NOT EXISTS ${WRITE_COUNTER}`,
      `CREATE OR REPLACE FUNCTION ${WRITE_COUNTER}() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN PERFORM nextval('${WRITE_COUNTER}'); RETURN NULL; END $$`,
      ...rows
        .filter((t) => !PG_EXCLUDED_TABLES.includes(`${t.schema}.${t.name}`))
        .map(
          (t) =>
            `CREATE OR REPLACE TRIGGER ${WRITE_COUNTER} AFTER INSERT OR UPDATE OR DELETE ON ${quoteId(t.schema)}.${quoteId(t.name)}
               FOR EACH ROW EXECUTE FUNCTION ${WRITE_COUNTER}()`,
        ),
    ];
    await pool.query(statements.join(';\n'));
  })();
}

/**
 * Rows inserted, updated or deleted since a point (SQLite: through this connection since it
 * opened, total_changes(); PostgreSQL: through any connection since the first count, see
 * installPgCounter): a stricter tripwire than the fingerprint, which also catches a write that
 * was undone or rewrote the same value. Only for requests that must not even try to write;
 * compare two counts, not a count with 0.
 */
export async function writeCount(store: Store): Promise<number> {
  if (store.dialect === 'sqlite') return sqliteOf(store).prepare('SELECT total_changes()').pluck().get() as number;
  let ready = pgCounters.get(store);
  if (!ready) {
    ready = installPgCounter(store.pool);
    pgCounters.set(store, ready);
  }
  await ready;
  const { rows } = await store.pool.query<{ n: number }>(
    `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${WRITE_COUNTER}`,
  );
  return Number(rows[0]?.n);
}

/**
 * A test's own raw SQL on either store, `?` for each parameter: the rows it returns (none for a
 * statement that returns none). For a test's set-up and for the detectors' own checks.
 */
export async function sqlRows<T = Record<string, unknown>>(
  store: Store,
  text: string,
  ...params: unknown[]
): Promise<T[]> {
  if (store.dialect === 'sqlite') {
    const stmt = sqliteOf(store).prepare(text);
    if (stmt.reader) return stmt.all(...params) as T[];
    stmt.run(...params);
    return [];
  }
  let i = 0;
  const { rows } = await store.pool.query(
    text.replace(/\?/g, () => `$${++i}`),
    params,
  );
  return (rows ?? []) as T[];
}

// ---- Object.prototype tripwire --------------------------------------------------------------

const PROTOS: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

/** The own property names and values of the built-in prototypes a pollution would reach. */
export function protoSnapshot(): string {
  return PROTOS.map(([label, p]) => {
    const keys = Reflect.ownKeys(p)
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(p, k);
        const v = d && 'value' in d ? d.value : d?.get;
        return `${String(k)}=${typeof v === 'function' ? `fn:${v.name}` : typeof v}`;
      })
      .sort();
    return `${label}:${keys.join(',')}`;
  }).join('\n');
}

export function expectNoPollution(snapshot: string): void {
  // The usual payload names, read through a fresh object, then the full comparison.
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'isAdmin', 'x', 'a', 'siteAdmin', 'courseid'])
    expect(probe[k], `Object.prototype.${k}`).toBeUndefined();
  expect(protoSnapshot()).toBe(snapshot);
}

// ---- a web-services site --------------------------------------------------------------------

export const WRITE_FUNCTIONS = [
  'core_group_create_groups',
  'core_group_delete_groups',
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
  'core_course_create_courses',
  'core_notes_create_notes',
  'core_message_send_instant_messages',
  'core_user_add_user_device',
  'core_user_remove_user_device',
  // The hub's, which a hub-site token calls (hub_unregister_site is left out: it takes no
  // arguments, so there is no invalid call of it to make).
  'hub_register_site',
  'hub_update_site_info',
  'hub_register_courses',
  'hub_unregister_courses',
] as const;

export const READ_FUNCTIONS = [
  'core_webservice_get_site_info',
  'core_group_get_course_groups',
  // The Moodle app's (issue 16 §6).
  'core_enrol_get_enrolled_users',
  'core_user_get_course_user_profiles',
  'core_user_get_user_preferences',
  'core_course_get_enrolled_courses_by_timeline_classification',
  'core_block_get_dashboard_blocks',
  'core_course_get_user_navigation_options',
  'core_course_get_user_administration_options',
  'mod_page_get_pages_by_courses',
  'mod_resource_get_resources_by_courses',
  'tool_mobile_get_config',
  'hub_get_info',
  'hub_get_courses',
] as const;

export interface WsSite {
  t: TestApp;
  /** A valid token of the admin on a service holding the write functions. */
  secret: string;
  tokenId: number;
  serviceId: number;
  /** Every message the server logged: an unexpected error is logged before it is answered. */
  logged: string[];
}

/**
 * A seeded site with web services on, REST, XML-RPC and SOAP enabled, debugging at developer
 * (so errors carry the most detail there is to leak) and the admin's token on a service of write
 * functions. The clock stands still, so nothing depends on the time a run takes.
 */
export async function makeWsSite(): Promise<WsSite> {
  const t = await makeTestApp({ now: makeClock().now });
  const logged: string[] = [];
  // Warnings and errors (an unexpected error, a disk-full write), not the refusals logged at info.
  t.deps.log = createLogger('warn', { write: (line: string) => logged.push(line) });
  await t.deps.settings.apply(
    { enablewebservices: '1', webserviceprotocols: 'rest,soap,xmlrpc,amf', debug: 'developer' },
    SYSTEM_ACTOR,
  );
  const svc = await createService(
    t.deps,
    {
      name: 'Fuzz service',
      shortname: 'fuzzsvc',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    },
    SYSTEM_ACTOR,
  );
  await addServiceFunctions(t.deps, svc.id, [...WRITE_FUNCTIONS, ...READ_FUNCTIONS], SYSTEM_ACTOR);
  const created = await createAdminToken(
    t.deps,
    { userId: await t.userId('admin'), serviceId: svc.id, validUntil: null },
    SYSTEM_ACTOR,
    true,
  );
  // The seeded resource's file moves into the file store on first use (as on an upgraded site):
  // done here, so that the baseline is taken after that one-time write.
  await filesReady(t.deps);
  return { t, secret: created.secret, tokenId: created.token.id, serviceId: svc.id, logged };
}

// ---- a suite's site and its baseline --------------------------------------------------------

export interface FuzzSite {
  /** The suite's site, made before its first test. */
  readonly site: WsSite;
  /**
   * After a request that must change nothing: the database as the baseline was (and no row
   * written at all, unless the suite opted out), the prototypes untouched, no unexpected error logged.
   */
  expectNothingChanged(what: string): Promise<void>;
  /** After requests that may write: the prototypes untouched and no unexpected error logged. */
  expectNoPollutionOrErrors(): void;
}

/**
 * The set-up every fuzz suite shares: before its tests, a site of makeWsSite, then the suite's own
 * `setup` (more services, tokens, settings), then the baseline (the database fingerprint, the write
 * count, the prototypes); after them, the site closed. `countWrites: false` for a suite whose
 * requests legitimately write (a signed-in console request touches its session): the fingerprint
 * still has to match.
 */
export function fuzzSite(
  opts: { setup?: (site: WsSite) => Promise<void> | void; countWrites?: boolean } = {},
): FuzzSite {
  const countWrites = opts.countWrites ?? true;
  let made: WsSite | undefined;
  let before: Fingerprint;
  let writes = 0;
  let proto = '';
  beforeAll(async () => {
    made = await makeWsSite();
    await opts.setup?.(made);
    // The write count first: on PostgreSQL it installs its triggers (DDL, not rows).
    writes = await writeCount(made.t.store);
    before = await fingerprint(made.t.store);
    proto = protoSnapshot();
  });
  afterAll(() => made?.t.close());
  const site = (): WsSite => {
    if (!made) throw new Error('The fuzz site is made before the first test: use it inside a test or a hook');
    return made;
  };
  return {
    get site() {
      return site();
    },
    async expectNothingChanged(what: string) {
      const s = site();
      await expectSameDb(before, s.t.store, what);
      if (countWrites) expect(await writeCount(s.t.store), `rows written by ${what}`).toBe(writes);
      expectNoPollution(proto);
      expect(s.logged, 'unexpected errors logged').toEqual([]);
    },
    expectNoPollutionOrErrors() {
      expectNoPollution(proto);
      expect(site().logged, 'unexpected errors logged').toEqual([]);
    },
  };
}

// ---- raw requests ---------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  type: string;
  text: string;
  headers: Headers;
}

/** One request straight through app.request(), from 127.0.0.1 (or `ip`), the body sent as given. */
export async function rawRequest(
  app: TestApp['app'],
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Uint8Array; ip?: string } = {},
): Promise<RawResponse> {
  const res = await app.request(
    path,
    {
      method,
      headers: { host: 'localhost', ...opts.headers },
      ...(opts.body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: opts.body } : {}),
    },
    { incoming: { socket: { remoteAddress: opts.ip ?? '127.0.0.1' } } },
  );
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text: await res.text(),
    headers: res.headers,
  };
}

// ---- time on the event loop -----------------------------------------------------------------

/**
 * Runs `work` and measures the longest stretch the event loop was held while it ran (a 1 ms
 * timer notes the gap between its ticks): what every other request on the server waits for,
 * unlike the wall time, which also counts waiting.
 */
export async function eventLoopHeld<T>(work: () => Promise<T>): Promise<{ value: T; heldMs: number; wallMs: number }> {
  const started = performance.now();
  let last = started;
  let held = 0;
  const tick = () => {
    const now = performance.now();
    held = Math.max(held, now - last);
    last = now;
  };
  const timer = setInterval(tick, 1);
  try {
    const value = await work();
    tick();
    return { value, heldMs: held, wallMs: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

// ---- response shapes --------------------------------------------------------------------------

const STACK = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+/;

/** No stack trace or source path in what a client sees (SPEC §9). */
export function expectNoStack(text: string): void {
  expect(STACK.test(text), `a stack trace in the response: ${text.slice(0, 300)}`).toBe(false);
}

/** Moodle's JSON error: exactly exception, errorcode, message and optionally debuginfo, all strings. */
export function isMoodleJsonError(v: unknown): v is { exception: string; errorcode: string; message: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'errorcode,exception,message' && keys !== 'debuginfo,errorcode,exception,message') return false;
  return Object.values(o).every((x) => typeof x === 'string');
}

const xmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

/** Parses an XML response after checking it is well formed; fails the test otherwise. */
export function parseXmlResponse(text: string): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`Not well-formed XML (${valid.err.msg}): ${text.slice(0, 300)}`);
  return xmlParser.parse(text) as Record<string, unknown>;
}

// ---- arbitraries ----------------------------------------------------------------------------

/** Names that have broken parsers and merges before. */
export const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  'polluted',
  '0',
  '-1',
  '1e3',
  '',
  ' ',
  'length',
  'then',
] as const;

/** Strings with the characters that break encoders: quotes, tags, controls, lone surrogates, RTL marks. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '\uDFFF\uD800',
    '\uFFFE',
    '\u202E',
    '<script>alert(1)</script>',
    ']]>',
    '&amp;',
    '&#0;',
    '"\'`',
    '%00',
    '%ff',
    '%',
    '\\u0000',
    'null',
    'undefined',
    'NaN',
    '1e309',
    '-0',
    '9007199254740993',
    '0x10',
    'true',
    '[]',
    '{}',
    '../../etc/passwd',
    "' OR 1=1 --",
  ),
);

const dangerousKey = fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 12 }));

/** Any JSON value, deep and wide enough to matter, with dangerous keys in the mix. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1, 1.5, -0, 2 ** 53, 1e308, -1e308),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    nastyString,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(dangerousKey, tie('v'), { maxKeys: 4 }),
  ),
})).v;

/** JSON nested `depth` levels, as text, without recursion anywhere. */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Bytes that are not UTF-8: stray continuation bytes, overlongs, surrogates, truncated sequences. */
export const invalidUtf8 = fc
  .tuple(
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(
      [0x80],
      [0xbf],
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xfe],
      [0xff],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
    ),
    fc.uint8Array({ maxLength: 40 }),
  )
  .map(([a, bad, b]) => new Uint8Array([...a, ...bad, ...b]))
  .filter((bytes) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return false;
    } catch {
      return true;
    }
  });

/** `prefix` + bytes that are not UTF-8 + `suffix`: a plausible request with a poisoned middle. */
export function withInvalidUtf8(prefix: string, suffix: string): fc.Arbitrary<Uint8Array> {
  const enc = new TextEncoder();
  return invalidUtf8.map((bad) => new Uint8Array([...enc.encode(prefix), ...bad, ...enc.encode(suffix)]));
}

// ---- inputs that are wrong for a real function ---------------------------------------------

/** A value of a JSON type other than what the description expects. */
function wrongFor(d: ExternalDescription): fc.Arbitrary<unknown> {
  if (d.kind === 'value') {
    const structural = fc.constantFrom<unknown>([], {}, [1, 2], { a: 1 }, null);
    const scalars: Partial<Record<string, unknown[]>> = {
      int: ['12abc', 'one', '', '1.5e', 'NaN', 'Infinity', '0x10', '1e400', ' 1', '9007199254740993', 1.5, true],
      float: ['12abc', 'one', '', 'NaN', 'Infinity', '1e400', '0x10', true],
      bool: ['yes', 'no', 2, -1, 'TRUE', 'on'],
      text: ['<b>x</b>', '<script>', '<a href=x>y</a>'],
      notags: ['<b>x</b>', '<script>'],
      username: ['UPPER', 'a b', 'ä', 'x<y'],
      alpha: ['123', 'a b', 'x_y', 'é'],
      alphanumext: ['a b', 'x.y', 'é', '<'],
      plugin: ['Manual', '1abc', 'a-b', ''],
      email: ['nope', 'a@b', 'a b@c.d'],
    };
    const wrong = scalars[d.type];
    return wrong ? fc.oneof(structural, fc.constantFrom(...wrong)) : structural;
  }
  if (d.kind === 'multiple') return fc.constantFrom('x', 1, true, { a: 1 }, { 1: 'x' }, null);
  return fc.constantFrom('x', 1, true, [1, 2], null);
}

/** A value that fits the description (roughly: enough to get past the outer layers). */
function fitting(d: ExternalDescription, depth = 0): fc.Arbitrary<unknown> {
  if (d.kind === 'value') {
    switch (d.type) {
      case 'int':
        return fc.integer({ min: 1, max: 5 });
      case 'float':
        return fc.double({ min: 0, max: 10, noNaN: true });
      case 'bool':
        return fc.boolean();
      case 'email':
        return fc.constant('fuzz@example.com');
      case 'username':
      case 'plugin':
      case 'alphanumext':
        return fc.constantFrom('fuzzuser', 'manual');
      default:
        return fc.constantFrom('Fuzz', 'x');
    }
  }
  if (d.kind === 'multiple')
    return depth > 4 ? fc.constant([]) : fc.array(fitting(d.content, depth + 1), { minLength: 1, maxLength: 2 });
  const entries = Object.entries(d.keys).filter(([, sub]) => sub.presence === 'required');
  return fc
    .tuple(...entries.map(([k, sub]) => fitting(sub, depth + 1).map((v) => [k, v] as const)))
    .map((pairs) => Object.fromEntries(pairs));
}

type Path = (string | number)[];

/** Every place in a fitting value where a mutation can go. */
function placesIn(d: ExternalDescription, v: unknown, path: Path = []): { path: Path; desc: ExternalDescription }[] {
  const here = [{ path, desc: d }];
  if (d.kind === 'value' || v === null || typeof v !== 'object') return here;
  if (d.kind === 'multiple')
    return [...here, ...(v as unknown[]).flatMap((x, i) => placesIn(d.content, x, [...path, i]))];
  return [
    ...here,
    ...Object.entries(d.keys).flatMap(([k, sub]) =>
      (v as Record<string, unknown>)[k] === undefined
        ? []
        : placesIn(sub, (v as Record<string, unknown>)[k], [...path, k]),
    ),
  ];
}

function setAt(root: unknown, path: Path, fn: (old: unknown) => unknown): unknown {
  if (!path.length) return fn(root);
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((x, i) => (i === head ? setAt(x, rest, fn) : x));
  const obj = { ...(root as Record<string, unknown>) };
  obj[head as string] = setAt(obj[head as string], rest, fn);
  return obj;
}

export type Mutation = 'wrongtype' | 'unknownkey' | 'missingkey' | 'hugestring' | 'deep';

/**
 * Arguments for a real function that must be refused: a fitting value with one mutation at a
 * random place (a wrong type, an unknown key, a missing required key, a 100k string where a
 * restricted type belongs, or a deep structure instead of a scalar).
 */
export function invalidArgsFor(d: ExternalDescription): fc.Arbitrary<{ args: unknown; mutation: Mutation }> {
  return fitting(d).chain((base) => {
    const places = placesIn(d, base);
    return fc
      .tuple(
        fc.constantFrom(...places),
        fc.constantFrom<Mutation>('wrongtype', 'unknownkey', 'missingkey', 'hugestring', 'deep'),
      )
      .chain(([place, mutation]): fc.Arbitrary<{ args: unknown; mutation: Mutation }> => {
        const { path, desc } = place;
        switch (mutation) {
          case 'wrongtype':
            return wrongFor(desc).map((w) => ({ args: setAt(base, path, () => w), mutation }));
          case 'unknownkey':
            return fc
              .tuple(
                fc.constantFrom('zz_unknown', 'constructor', 'prototype', 'polluted', 'toString', 'hasOwnProperty'),
                hostileJson,
              )
              .map(([k, v]) => ({
                args: setAt(base, path, (old) =>
                  typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, [k]: v } : { [k]: v },
                ),
                mutation,
              }));
          case 'missingkey': {
            const required =
              desc.kind === 'single' ? Object.entries(desc.keys).filter(([, s]) => s.presence === 'required') : [];
            if (!required.length) return wrongFor(desc).map((w) => ({ args: setAt(base, path, () => w), mutation }));
            return fc.constantFrom(...required.map(([k]) => k)).map((k) => ({
              args: setAt(base, path, (old) => {
                const o = { ...(old as Record<string, unknown>) };
                delete o[k];
                return o;
              }),
              mutation,
            }));
          }
          case 'hugestring':
            // Illegal in every type but raw: tags for text, spaces for usernames, letters for numbers.
            return fc.constant({ args: setAt(base, path, () => `<b> ${'x'.repeat(100_000)}`), mutation });
          case 'deep': {
            let deep: unknown = 'x';
            for (let i = 0; i < 40; i++) deep = { a: deep };
            return fc.constant({ args: setAt(base, path, () => deep), mutation });
          }
        }
      });
  });
}

/** Flattens a value into PHP bracket pairs (`groups[0][courseid]=2`), as a form would send it. */
export function toBracketPairs(v: unknown, prefix = ''): [string, string][] {
  if (v === null || v === undefined) return prefix ? [[prefix, '']] : [];
  if (typeof v !== 'object') return [[prefix, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]];
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  if (!entries.length) return prefix ? [[prefix, '']] : [];
  return entries.flatMap(([k, x]) => toBracketPairs(x, prefix ? `${prefix}[${k}]` : k));
}

/** Lone surrogates replaced by U+FFFD (String.prototype.toWellFormed, which ES2023 typings lack). */
export const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

export const formBody = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();

/**
 * A string as the server receives it: request bodies go out as UTF-8, where a lone surrogate
 * becomes U+FFFD. Oracles that predict the server's answer judge this text, not the original
 * (the validator refuses a lone surrogate but takes U+FFFD).
 */
export const asSent = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');
