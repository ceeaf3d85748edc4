import { isUtf8 } from 'node:buffer';
import { phpJsonEncode } from '@gatehouse/shared';
import { type Context, Hono } from 'hono';
import type { UserRow } from '../db/rows';
import type { Deps } from '../deps';
import type { AppEnv } from '../types';
import { moodleCors } from './cors';
import { developerDebugging, exceptionInfo } from './exception-info';
import { MoodleException, missingRecord } from './exceptions';
import { invokeFunction } from './invoke';
import { ParamsError, rawRequest, readBodyLimited } from './params';
import type { CallContext, CallService } from './types';

// Moodle's AJAX entry points, lib/ajax/service.php and lib/ajax/service-nologin.php, which the
// Moodle app calls before it has a token (tool_mobile_get_public_config, its first request).
// The body is a JSON array of {index, methodname, args}; the answer is json_encode of the
// responses keyed by index: {"error":false,"data":…} or {"error":true,"exception":{message,
// errorcode, link, moreinfourl}}. Gatehouse keeps no Moodle web sessions, so these scripts run as
// Moodle runs them without a session cookie: only the functions declared `ajax` and needing no
// login run (loginRequired: false); any other ajax function answers servicerequireslogin and a
// function not declared `ajax` servicenotavailable, as external_api::call_external_function does.
// A request Moodle cannot even start (malformed JSON, an unknown function) is answered with the
// AJAX exception handler's single object (core_renderer_ajax::fatal_error).

/** The largest body read: Moodle's requests are a few small JSON objects. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Ninety days: service.php's lifetime for a cacheable answer. */
const CACHE_LIFETIME = 60 * 60 * 24 * 90;

/** Moodle's $USER when nobody is logged in (id 0): what a function that needs no login runs as. */
const NOT_LOGGED_IN = {
  id: 0,
  username: '',
  firstname: '',
  lastname: '',
  email: '',
  auth: 'nologin',
  suspended: false,
  confirmed: true,
  deleted: false,
  siteAdmin: false,
  isGuest: false,
} as UserRow;

/** No token, so no service: the functions that need no login are called outside any service. */
const NO_SERVICE: CallService = {
  id: 0,
  shortname: '',
  name: '',
  downloadFiles: false,
  uploadFiles: false,
  functions: [],
};

function anonymousContext(deps: Deps, ip: string): CallContext {
  return {
    deps,
    user: NOT_LOGGED_IN,
    service: NO_SERVICE,
    ip,
    now: deps.now(),
    hasCapability: () => false,
    requireCapability: () => {
      throw new MoodleException('moodle_exception', 'servicerequireslogin', SERVICE_REQUIRES_LOGIN);
    },
  };
}

// webservice's strings (lang/en/webservice.php).
const SERVICE_NOT_AVAILABLE = "Web service is not available. (It doesn't exist or might be disabled.)";
const SERVICE_REQUIRES_LOGIN = 'Web service is not available. (The session has been logged out or has expired.)';

/** Moodle's coding_exception, as get_exception_info words it (module debug, string codingerror). */
const codingError = (hint: string) =>
  new MoodleException(
    'coding_exception',
    'codingerror',
    `Coding error detected, it must be fixed by a programmer: ${hint}`,
  );

/** Thrown where Moodle's script ends in its exception handler instead of answering the requests. */
class FatalError extends Error {
  constructor(
    readonly exception: MoodleException,
    readonly status: 200 | 413 = 200,
  ) {
    super(exception.message);
  }
}

/**
 * core_renderer_ajax::fatal_error: {error, errorcode, stacktrace, debuginfo, reproductionlink},
 * the last three null unless debugging is at DEBUG_DEVELOPER (Gatehouse never sends a stack trace).
 */
function fatalBody(deps: Deps, e: MoodleException): string {
  const developer = developerDebugging(deps);
  return phpJsonEncode({
    error: e.message,
    errorcode: e.errorcode,
    stacktrace: null,
    debuginfo: developer && e.debuginfo ? e.debuginfo : null,
    reproductionlink: developer ? `${deps.env.wwwroot}/` : null,
  });
}

/** PHP's (int) cast of a scalar, as clean_param(…, PARAM_INT) does it. */
function phpInt(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const m = /^\s*([+-]?\d+)/.exec(v);
    return m ? Number.parseInt(m[1] as string, 10) || 0 : 0;
  }
  return 0;
}

/** PHP's (string) cast of a scalar (null is ''). */
function phpString(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v === true) return '1';
  return String(v);
}

/** clean_param refuses arrays: "clean_param() can not process arrays, please use clean_param_array() instead." */
function scalarParam(v: unknown): unknown {
  if (v !== null && typeof v === 'object') {
    throw new FatalError(codingError('clean_param() can not process arrays, please use clean_param_array() instead.'));
  }
  return v;
}

/** The value of the key `key` of a request, as PHP reads `$request['key']` (null when missing). */
function field(request: unknown, key: string): unknown {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return null;
  return Object.hasOwn(request, key) ? (request as Record<string, unknown>)[key] : null;
}

/** The values PHP's foreach visits: a list's items, an object's values; nothing for a scalar. */
function requestsOf(decoded: unknown): unknown[] {
  if (Array.isArray(decoded)) return decoded;
  if (decoded !== null && typeof decoded === 'object') return Object.values(decoded);
  return [];
}

type AjaxResponse = { error: false; data: unknown } | { error: true; exception: unknown };

/**
 * json_encode of the responses array: a JSON list when the indexes are 0…n-1 in the order they
 * were set, otherwise an object in insertion order (which JSON.stringify would not keep for
 * integer keys).
 */
function encodeResponses(responses: Map<number, AjaxResponse>): string {
  let i = 0;
  let isList = true;
  for (const k of responses.keys()) {
    if (k !== i++) {
      isList = false;
      break;
    }
  }
  if (isList) return phpJsonEncode([...responses.values()]);
  const parts: string[] = [];
  for (const [k, v] of responses) parts.push(`"${k}":${phpJsonEncode(v)}`);
  return `{${parts.join(',')}}`;
}

async function readArguments(c: Context<AppEnv>, nologin: boolean): Promise<string> {
  // service-nologin.php (ALLOW_GET_PARAMETERS): optional_param('args') from the query string.
  if (nologin) {
    const args = c.req.query('args');
    if (args) return args;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBodyLimited(rawRequest(c), MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof ParamsError && err.status === 413) {
      throw new FatalError(codingError(`Invalid json in request: ${err.message}`), 413);
    }
    throw new FatalError(codingError('Invalid json in request: Syntax error'));
  }
  if (!isUtf8(bytes)) {
    throw new FatalError(
      codingError('Invalid json in request: Malformed UTF-8 characters, possibly incorrectly encoded'),
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function decodeRequests(text: string): unknown {
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    throw new FatalError(codingError('Invalid json in request: Syntax error'));
  }
  // json_decode('null') is null too, with no error to report.
  if (decoded === null) throw new FatalError(codingError('Invalid json in request: No error'));
  return decoded;
}

/** external_api::call_external_function($methodname, $args, true) for a caller without a session. */
async function callAjax(deps: Deps, ctx: CallContext, methodname: string, args: unknown): Promise<AjaxResponse> {
  const fn = deps.catalogue.get(methodname);
  // external_function_info(MUST_EXIST) throws before the call's own try: the script fails.
  if (!fn) throw new FatalError(missingRecord('external_functions'));
  let outcome: { ok: true; value: unknown } | { ok: false; error: MoodleException };
  if (!fn.ajax) {
    outcome = {
      ok: false,
      error: new MoodleException('moodle_exception', 'servicenotavailable', SERVICE_NOT_AVAILABLE),
    };
  } else if (fn.loginRequired !== false) {
    outcome = {
      ok: false,
      error: new MoodleException('moodle_exception', 'servicerequireslogin', SERVICE_REQUIRES_LOGIN),
    };
  } else {
    outcome = await invokeFunction(ctx, fn, args);
  }
  return outcome.ok
    ? { error: false, data: outcome.value }
    : { error: true, exception: exceptionInfo(deps, outcome.error) };
}

async function serve(deps: Deps, c: Context<AppEnv>, nologin: boolean): Promise<Response> {
  const json = (body: string, status: 200 | 413 = 200) =>
    c.body(body, status, { 'Content-Type': 'application/json; charset=utf-8' });
  try {
    const decoded = decodeRequests(await readArguments(c, nologin));
    const ctx = anonymousContext(deps, c.get('actor').ip);
    const responses = new Map<number, AjaxResponse>();
    let hasError = false;
    for (const request of requestsOf(decoded)) {
      const methodname = phpString(scalarParam(field(request, 'methodname'))).replace(/[^a-zA-Z0-9_-]/g, '');
      const index = phpInt(scalarParam(field(request, 'index')));
      const response = await callAjax(deps, ctx, methodname, field(request, 'args'));
      responses.set(index, response);
      if (response.error) {
        hasError = true;
        // service.php (a request that may carry a login) stops at the first error; service-nologin.php goes on.
        if (!nologin) break;
      }
    }
    if (nologin && !hasError) {
      const cachekey = phpInt(c.req.query('cachekey') ?? '');
      const now = deps.now();
      if (cachekey > 0 && cachekey <= now) {
        c.header('Expires', `${new Date((now + CACHE_LIFETIME) * 1000).toUTCString()}`);
        c.header('Pragma', '');
        c.header('Cache-Control', `public, max-age=${CACHE_LIFETIME}, immutable`);
        c.header('Accept-Ranges', 'none');
      }
    }
    return json(encodeResponses(responses));
  } catch (err) {
    if (err instanceof FatalError) return json(fatalBody(deps, err.exception), err.status);
    throw err;
  }
}

/**
 * lib/ajax/service.php and lib/ajax/service-nologin.php, and local/mobile/check.php, which the
 * seed era's app probes for Moodle's local_mobile plugin: Gatehouse has no such plugin, and
 * answers 404 as a site without it does, so that the app signs in through moodle_mobile_app.
 */
export function ajaxRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  // A page on another origin (the app's browser build) may call them: none reads a cookie.
  app.use('/lib/ajax/*', moodleCors());
  app.all('/lib/ajax/service.php', (c) => serve(deps, c, false));
  app.all('/lib/ajax/service-nologin.php', (c) => serve(deps, c, true));
  app.all('/local/mobile/check.php', (c) => c.text('Not found', 404));
  return app;
}
