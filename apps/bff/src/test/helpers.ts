import { CSRF_HEADER } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import { createApp } from '../app';
import { createDeps, type Deps } from '../context';
import type { Store } from '../db/client';
import { users } from '../db/schema';
import { seedIfEmpty } from '../db/seed';
import { loadEnv } from '../env';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { syncBuiltinServices } from '../features/services/builtin';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { openTestStore } from './test-store';

export const ADMIN_PASSWORD = 'Admin-pass-1';
export const DEMO_PASSWORD = 'Demo-pass-1';

/** A clock the tests move by hand (seconds since the epoch), for session timeouts and rate limits. */
export interface Clock {
  t: number;
  now: () => number;
  advance: (seconds: number) => void;
}

export function makeClock(start = Math.floor(Date.now() / 1000)): Clock {
  const clock: Clock = {
    t: start,
    now: () => clock.t,
    advance: (seconds) => {
      clock.t += seconds;
    },
  };
  return clock;
}

export type TestApp = {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  store: Store;
  dir: string;
  dbFile: string;
  /** Closes the store and removes its folder (await it on PostgreSQL, where it drops the database). */
  close: () => Promise<void>;
  /** A client that keeps cookies, from the given IP address (default 10.1.2.3). */
  client: (opts?: ClientOptions) => Client;
  /** The id of a seeded (or created) user, by username. */
  userId: (username: string) => Promise<number>;
};

export interface MakeTestAppOptions {
  env?: Record<string, string>;
  now?: () => number;
  seed?: boolean;
  demo?: boolean;
}

/** A fresh, migrated and seeded store (SQLite, or PostgreSQL in its run: test-store.ts) in its own temporary folder, and the app over it. */
export async function makeTestApp(opts: MakeTestAppOptions = {}): Promise<TestApp> {
  const test = await openTestStore();
  const { store, dir, dbFile } = test;
  const env = loadEnv({ GATEHOUSE_DATA: dir, GATEHOUSE_LOG: 'silent', ...opts.env });
  if (opts.seed !== false) {
    await seedIfEmpty(store, { adminPassword: ADMIN_PASSWORD, demo: opts.demo ?? true, demoPassword: DEMO_PASSWORD });
  }
  const deps = createDeps(env, store, opts.now ? { now: opts.now } : {});
  await syncBuiltinServices(deps);
  await deps.settings.ready();
  await deps.authz.ready();
  const app = createApp(deps);
  let closed = false;
  return {
    app,
    deps,
    store,
    dir,
    dbFile,
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      return test.close();
    },
    client: (copts) => new Client(app, copts),
    userId: async (username) => {
      const row = (await store.db.select({ id: users.id }).from(users).where(eq(users.username, username)).limit(1)).at(
        0,
      );
      if (!row) throw new Error(`No user ${username}`);
      return row.id;
    },
  };
}

export interface ClientOptions {
  ip?: string;
  /** Host header sent with every request (what a browser would send). */
  host?: string;
}

export interface RequestOptions {
  /** A JSON body (sent with Content-Type: application/json). */
  json?: unknown;
  /** A raw body, sent as is. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Send the CSRF header on a state-changing request (default true). */
  csrf?: boolean;
  origin?: string;
  secFetchSite?: string;
  ip?: string;
  /** Leave the stored cookies out of this request. */
  noCookies?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON, asserted field by field in the tests
export type Json = any;

export interface TestResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  setCookies: string[];
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A tiny browser: keeps cookies, adds the CSRF header to state-changing requests, parses JSON. */
export class Client {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: {
      request: (input: string, init?: RequestInit, env?: unknown) => Response | Promise<Response>;
    },
    private readonly opts: ClientOptions = {},
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request<T = Json>(method: string, path: string, o: RequestOptions = {}): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { host: this.opts.host ?? 'localhost', ...o.headers };
    let body: string | Uint8Array | undefined = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] ??= 'application/json';
    }
    if (!SAFE.has(method) && o.csrf !== false) headers[CSRF_HEADER] = '1';
    if (o.origin) headers.origin = o.origin;
    if (o.secFetchSite) headers['sec-fetch-site'] = o.secFetchSite;
    if (!o.noCookies && this.cookies.size) headers.cookie = this.cookieHeader();
    const ip = o.ip ?? this.opts.ip ?? '10.1.2.3';
    const res = await this.app.request(
      path,
      { method, headers, ...(body !== undefined ? { body } : {}) },
      { incoming: { socket: { remoteAddress: ip } } },
    );
    const setCookies = res.headers.getSetCookie();
    for (const sc of setCookies) this.storeCookie(sc);
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text, setCookies };
  }

  private storeCookie(sc: string) {
    const [pair = '', ...attrs] = sc.split(';').map((s) => s.trim());
    const eqAt = pair.indexOf('=');
    const name = pair.slice(0, eqAt);
    const value = pair.slice(eqAt + 1);
    const expired = attrs.some((a) => {
      const [k = '', v = ''] = a.split('=');
      if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (k.toLowerCase() === 'expires') return new Date(v).getTime() <= Date.now();
      return false;
    });
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  get<T = Json>(path: string, o?: RequestOptions) {
    return this.request<T>('GET', path, o);
  }
  post<T = Json>(path: string, json?: unknown, o: RequestOptions = {}) {
    return this.request<T>('POST', path, json === undefined ? o : { ...o, json });
  }
  patch<T = Json>(path: string, json?: unknown, o: RequestOptions = {}) {
    return this.request<T>('PATCH', path, json === undefined ? o : { ...o, json });
  }
  delete<T = Json>(path: string, o?: RequestOptions) {
    return this.request<T>('DELETE', path, o);
  }

  /** Signs in; throws unless the login succeeded, so a test's set-up cannot silently fail. */
  async login(username: string, password: string): Promise<TestResponse> {
    const res = await this.post('/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.text}`);
    return res;
  }

  /** Tries to sign in and returns the response whatever it is. */
  tryLogin(username: string, password: string, o?: RequestOptions) {
    return this.post('/api/auth/login', { username, password }, o);
  }
}

/** Asserts the console API's one error shape and returns the error part. */
export function errorOf(res: TestResponse): { code: string; message: string; fields?: Record<string, string> } {
  const b = res.body as { error?: { code?: unknown; message?: unknown } };
  if (
    !b ||
    typeof b !== 'object' ||
    !b.error ||
    typeof b.error.code !== 'string' ||
    typeof b.error.message !== 'string'
  ) {
    throw new Error(`Not the API error shape (status ${res.status}): ${res.text}`);
  }
  return b.error as { code: string; message: string; fields?: Record<string, string> };
}

/** Signed-in clients for the usual cast, made once per file (each login costs one argon2 verify). */
export async function signIn(t: TestApp, username: string, password?: string, opts?: ClientOptions): Promise<Client> {
  const c = t.client(opts);
  await c.login(username, password ?? (username === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD));
  return c;
}

/** A service as the console API creates it, every field given (the create schema requires them all). */
export function serviceBody(name: string, shortname: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    shortname,
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
    ...extra,
  };
}

/** A confirmed manual user as the console API creates one, every field given; `extra` overrides. */
export function userBody<E extends Record<string, unknown> = Record<never, never>>(username: string, extra?: E) {
  return {
    username,
    firstname: 'New',
    lastname: 'Person',
    email: `${username}@example.org`,
    auth: 'manual' as const,
    suspended: false,
    confirmed: true,
    passwordExpired: false,
    siteAdmin: false,
    password: 'Fresh-pass-1',
    ...(extra as E),
  };
}

/**
 * Calls a web-service function over REST as an external client does: form body with wstoken,
 * JSON response format, from the given client address (default 10.1.2.3).
 */
export async function restCall(
  t: Pick<TestApp, 'app'>,
  token: string,
  wsfunction: string,
  args: Record<string, string> = {},
  ip = '10.1.2.3',
): Promise<{ status: number; body: Json; text: string }> {
  const res = await t.app.request(
    `/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=${encodeURIComponent(wsfunction)}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'localhost' },
      body: new URLSearchParams({ wstoken: token, ...args }).toString(),
    },
    { incoming: { socket: { remoteAddress: ip } } },
  );
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: left as text
  }
  return { status: res.status, body, text };
}

/**
 * Web services on with `protocols`, and an enabled, unrestricted service without file access
 * holding `functions`; its id.
 */
export async function makeWsService(
  t: TestApp,
  o: { name: string; shortname: string; protocols: string; functions: readonly string[] },
): Promise<number> {
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: o.protocols }, SYSTEM_ACTOR);
  const svc = await createService(
    t.deps,
    {
      name: o.name,
      shortname: o.shortname,
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    },
    SYSTEM_ACTOR,
  );
  await addServiceFunctions(t.deps, svc.id, [...o.functions], SYSTEM_ACTOR);
  return svc.id;
}
