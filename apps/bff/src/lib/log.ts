import { randomUUID } from 'node:crypto';
import { ipAllowed } from '@gatehouse/shared';
import pino, { type DestinationStream } from 'pino';
import type { Env } from '../env';

// The server's log: JSON lines on stdout (pino), at the level GATEHOUSE_LOG names.
//
// A line carries fields its caller chose, one by one: flat values (the types below refuse a
// request object, a body or a header map), an `err` for an error's stack, and a `path` or `url`
// that is cut at its query string. Secret-named fields are redacted as a second line of defence.
// A line written while serving a request carries its `reqId` (the X-Request-Id header): through
// `requestLog(c, deps.log)` in a route, or an explicit `reqId` field where only the id reached
// (the call pipeline). Passed explicitly, not through AsyncLocalStorage: on Node 20 one ALS in use
// makes every await of every request slower, the protocol calls' too.

export type LogLevel = Env['GATEHOUSE_LOG'];

/** A value a line may carry. Objects are refused on purpose: name the fields you log. */
type LogValue = string | number | boolean | null | undefined;

/** The fields of one line; `err` (an Error) is logged with its stack, server-side only. */
interface LogFields {
  readonly [field: string]: LogValue | Error;
}

type LogFn = (fields: LogFields, msg: string) => void;

/** The logger every module gets (deps.log): pino's, narrowed to fields-then-message. */
export interface Log {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  isLevelEnabled(level: 'error' | 'warn' | 'info' | 'debug'): boolean;
  child(bindings: LogFields): Log;
}

/** Field names whose values never reach a line, at the top level or one level down (an error's own fields). */
const SECRET_FIELDS = [
  'wstoken',
  'token',
  'password',
  'newPassword',
  'currentPassword',
  'privatetoken',
  'secret',
  'tokenSecret',
  'authorization',
  'cookie',
  'set-cookie',
];
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`;
  return [key, key.startsWith('[') ? `*${key}` : `*.${key}`];
});

/** A URL or path without its query string or fragment (where tokens travel). */
export function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

// "wstoken=…", "password: …" and the like, as they may appear in an error's message or stack.
const SECRET_TEXT = /\b(wstoken|token|password|newpassword|privatetoken|secret)(["']?\s*[=:]\s*["']?)[^\s&"',;)}]+/gi;
const scrub = (text: string) => text.replace(SECRET_TEXT, '$1$2[redacted]');

function serializeError(err: unknown) {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (typeof out.message === 'string') out.message = scrub(out.message);
  if (typeof out.stack === 'string') out.stack = scrub(out.stack);
  return out;
}

const pathOnly = (v: unknown) => (typeof v === 'string' ? withoutQuery(v) : v);

/**
 * The one logger factory. Lines go to `destination` (a test's capture) or, synchronously, to
 * stdout: a line is never lost when the process exits right after it.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Log {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, path: pathOnly, url: pathOnly },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** The request id header: accepted from a trusted proxy, always answered. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * This request's id: the proxy's X-Request-Id when the connection comes from a trusted proxy
 * (GATEHOUSE_TRUSTED_PROXIES) and the id is well formed, so that the proxy's log and ours
 * match; otherwise a new one. Anyone else's header is ignored: it could forge log lines' ids.
 */
export function requestIdFor(remote: string, incoming: string | undefined, trustedProxies: string): string {
  if (incoming !== undefined && trustedProxies && REQUEST_ID.test(incoming) && ipAllowed(trustedProxies, remote)) {
    return incoming;
  }
  return randomUUID();
}

// One child logger per request that logs, made on its first line: a request that logs nothing
// (every successful protocol call) costs no logger.
const children = new WeakMap<object, { parent: Log; child: Log }>();

/** The logger of the request being served (a Hono context): every line carries its reqId. */
export function requestLog(c: { readonly var: { readonly reqId: string } }, log: Log): Log {
  const made = children.get(c);
  if (made?.parent === log) return made.child;
  const child = log.child({ reqId: c.var.reqId });
  children.set(c, { parent: log, child });
  return child;
}
