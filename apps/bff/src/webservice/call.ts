import { cleanReturnValue, ExternalValidationError, type Protocol, validateParameters } from '@gatehouse/shared';
import { isUnstorableValue } from '../db/sql';
import type { Deps } from '../deps';
import { DomainError } from '../lib/errors';
import { OUTCOME, type Outcome } from '../lib/metrics';
import {
  AccessDenied,
  cachedToken,
  checkFunction,
  checkProtocol,
  checkToken,
  loadToken,
  type TokenRef,
} from './access';
import type { TokenAccess } from './access-cache';
import { makeCallContext } from './call-context';
import { invalidParameter, invalidResponse, MoodleException, moodleExceptionOf, UNSTORABLE_VALUE } from './exceptions';
import { checkRequiredCapabilities } from './token-access';
import type { ExternalFunction } from './types';

/** A token page's "what may it call, and why not" (console routes reach the chain through this module only). */
export { explainTokenAccess } from './token-access';

export interface CallRequest {
  protocol: Protocol;
  /** The secret as the client sent it, or (for the console's Try it) a key by id and owner. */
  token: TokenRef | undefined;
  functionName: string;
  /** Raw arguments, before validation. */
  args: unknown;
  ip: string;
  /** The request's id (X-Request-Id), for the line a refused or failed call logs. */
  reqId?: string;
  /** The connection it came on (its socket), where there is one: see cachedToken. */
  connection?: object;
  /**
   * The protocol's cleaning and encoding of the return value in one pass, in place of
   * cleanReturnValue (REST's JSON: cleanReturnValueAsJson); the outcome's value is what it returns.
   * It refuses what cleanReturnValue refuses, with the same ExternalValidationError.
   */
  answer?: (fn: ExternalFunction, raw: unknown) => unknown;
  /**
   * The token's access as refusalBeforeBody found it (before the body was read), and the access
   * cache's stamp then. While the stamp has not moved nothing was dropped from the cache, so
   * this is the entry a second lookup would find: the chain uses it instead of hashing the
   * secret again (callAccess).
   */
  held?: TokenAccess;
  heldStamp?: number;
}

export type CallOutcome =
  | { ok: true; fn: ExternalFunction; value: unknown }
  | { ok: false; fn?: ExternalFunction; error: MoodleException };

/** The error as a client may see it: debug info only when the debugging level allows. */
export function publicError(deps: Deps, e: MoodleException) {
  const showDebug = deps.settings.get('debug') !== 'none';
  return {
    exception: e.exception,
    errorcode: e.errorcode,
    message: e.message,
    ...(showDebug && e.debuginfo ? { debuginfo: e.debuginfo } : {}),
  };
}

/** The longest function name a refusal's log line repeats (the name is the client's). */
const MAX_LOGGED_NAME = 200;

/**
 * One line at info for a call the access-check chain refused: its reason code, and whose token
 * it was by id (never the secret). Only refusals log; a call that goes through writes nothing.
 */
function logRefusal(
  deps: Deps,
  req: Pick<CallRequest, 'protocol' | 'token' | 'ip' | 'reqId'> & { functionName?: string },
  err: AccessDenied,
  found?: { t: { id: number }; u: { id: number } },
): void {
  if (!deps.log.isLevelEnabled('info')) return;
  // A token-level refusal (expired, suspended user, …) found the token first: it is named.
  deps.log.info(
    {
      reqId: req.reqId,
      protocol: req.protocol,
      function: req.functionName?.slice(0, MAX_LOGGED_NAME),
      reason: err.reason,
      tokenId: found?.t.id,
      userId: found?.u.id,
      ip: req.ip,
    },
    'Web-service call refused',
  );
}

/** A refused or failed call's outcome in the request metrics (lib/metrics.ts). */
function outcomeOf(err: MoodleException): Outcome {
  if (err instanceof AccessDenied) return OUTCOME.refused;
  if (err.errorcode === 'invalidparameter') return OUTCOME.invalid;
  return err.errorcode === 'unexpectederror' ? OUTCOME.internal : OUTCOME.error;
}

/**
 * Counts a refused call in the token's usage (and the site's), or in the site's only when the
 * request's token matches none; and in the request metrics.
 */
function countRefusal(
  deps: Deps,
  req: Pick<CallRequest, 'protocol' | 'ip'> & { functionName?: string },
  err: MoodleException,
  reason: string,
  found: TokenAccess | undefined,
): void {
  deps.metrics.call(req.protocol, req.functionName ?? '', outcomeOf(err));
  if (found === undefined) deps.usage.recordUnknown(deps.now(), reason);
  else {
    deps.usage.recordRefusal(
      found,
      deps.now(),
      req.ip,
      reason,
      `${reason}: ${err.debuginfo ?? err.message}`,
      req.functionName ?? '',
      req.protocol,
    );
  }
}

/**
 * A refusal made before the token was looked at (web services off), counted and logged: the
 * token is looked up to name it, from the cache or else the database (a promise then).
 */
function noteEarlyRefusal(
  deps: Deps,
  req: Pick<CallRequest, 'protocol' | 'token' | 'ip' | 'reqId' | 'connection'> & { functionName?: string },
  err: AccessDenied,
): void | Promise<void> {
  const note = (found: TokenAccess | undefined) => {
    countRefusal(deps, req, err, err.reason, found);
    logRefusal(deps, req, err, found);
  };
  if (req.token === undefined) return note(undefined);
  const hit = cachedToken(deps, req.token, req.connection);
  if (hit) return note(hit);
  return loadToken(deps, req.token, req.connection).then(note);
}

/**
 * The links of the access-check chain that need no body, for a protocol server to run before
 * it reads one: web services and the protocol enabled, then, when the request carries a token
 * (query string or Authorization header), the token's part of the chain. Returns the refusal
 * (the chain's own, in its order), or undefined to go on; ProtocolDisabled propagates. A
 * promise only when the token is not in the cache (so a warm call awaits nothing). runCall
 * runs the whole chain again afterwards, with the token's access found here (`call.held`).
 */
export function refusalBeforeBody(
  deps: Deps,
  call: CallRequest,
): MoodleException | undefined | Promise<MoodleException | undefined> {
  const { protocol, token, ip, reqId, connection } = call;
  try {
    checkProtocol(deps, protocol);
  } catch (err) {
    if (!(err instanceof AccessDenied)) throw err;
    const noted = noteEarlyRefusal(
      deps,
      { protocol, token, ip, reqId, connection, functionName: call.functionName },
      err,
    );
    return noted instanceof Promise ? noted.then(() => err) : err;
  }
  if (typeof token !== 'string') return undefined;
  const stamp = deps.access.stamp();
  const hit = cachedToken(deps, token, call.connection);
  if (hit) {
    call.held = hit;
    call.heldStamp = stamp;
    return tokenRefusal(deps, call, hit);
  }
  return loadToken(deps, token, call.connection).then((found) => {
    if (found) {
      call.held = found;
      call.heldStamp = stamp;
    }
    return tokenRefusal(deps, call, found);
  });
}

/**
 * The token's access for a call, from the cache: what refusalBeforeBody found, while the
 * cache's stamp has not moved since (nothing dropped: the same entry), else looked up again.
 */
export function callAccess(deps: Deps, call: CallRequest): TokenAccess | undefined {
  const { held } = call;
  if (held !== undefined && call.heldStamp === deps.access.stamp()) return held;
  return cachedToken(deps, call.token, call.connection);
}

function tokenRefusal(deps: Deps, call: CallRequest, found: TokenAccess | undefined): MoodleException | undefined {
  try {
    checkToken(deps, call.protocol, found, call.ip);
    return undefined;
  } catch (err) {
    if (!(err instanceof AccessDenied)) throw err;
    countRefusal(deps, call, err, err.reason, found);
    logRefusal(deps, call, err, found);
    return err;
  }
}

/**
 * One web-service call, whatever the protocol: the access-check chain, parameter validation,
 * the capabilities the function requires for any call, the function, and the return value
 * cleaned against its description. ProtocolDisabled propagates (the protocol answers 403 with
 * an empty body); every other refusal is an outcome.
 */
export function runCall(deps: Deps, req: CallRequest): CallOutcome | Promise<CallOutcome> {
  try {
    checkProtocol(deps, req.protocol);
  } catch (err) {
    if (!(err instanceof AccessDenied)) throw err;
    return refusedEarly(deps, req, err);
  }
  // From the cache (nothing awaited) on a warm call; a promise only when the function's is.
  const found = callAccess(deps, req);
  if (found !== undefined) return callWith(deps, req, found);
  return loadToken(deps, req.token, req.connection).then(
    (loaded) => callWith(deps, req, loaded),
    (err: unknown) => failedCall(deps, req, err, undefined, undefined),
  );
}

async function refusedEarly(deps: Deps, req: CallRequest, err: AccessDenied): Promise<CallOutcome> {
  await noteEarlyRefusal(deps, req, err);
  return { ok: false, error: err };
}

/** The chain from the token found on, the parameters, the function, its answer. */
function callWith(deps: Deps, req: CallRequest, found: TokenAccess | undefined): CallOutcome | Promise<CallOutcome> {
  let fn: ExternalFunction | undefined;
  try {
    const held = checkToken(deps, req.protocol, found, req.ip);
    const access = checkFunction(deps, held, req.functionName, req.ip);
    const called = access.fn;
    fn = called;
    let params: unknown;
    try {
      params = validateParameters(called.parameters, req.args ?? {});
    } catch (e) {
      if (e instanceof ExternalValidationError) throw invalidParameter(e.message);
      throw e;
    }
    // The capabilities the function's description requires for any call, where the function's
    // own first check used to be (Moodle: after the parameters, in the system context). Those
    // that depend on the records a call names stay in the function.
    checkRequiredCapabilities(deps, held.u, called);
    const ctx = makeCallContext(deps, held.u, access.service, req.ip);
    const raw = called.execute(ctx, params);
    if (raw instanceof Promise) {
      return raw.then(
        (r: unknown) => answered(deps, req, held, called, r),
        (err: unknown) => failedCall(deps, req, err, found, called),
      );
    }
    return answered(deps, req, held, called, raw);
  } catch (err) {
    return failedCall(deps, req, err, found, fn);
  }
}

/** A call that went through: its return value cleaned (or the protocol's answer made), counted. */
function answered(deps: Deps, req: CallRequest, held: TokenAccess, fn: ExternalFunction, raw: unknown): CallOutcome {
  let value: unknown;
  try {
    value = req.answer ? req.answer(fn, raw) : cleanReturnValue(fn.returns, raw);
  } catch (e) {
    return failedCall(deps, req, e instanceof ExternalValidationError ? invalidResponse(e.message) : e, held, fn);
  }
  deps.usage.record(held.t.id, held.t.serviceId, deps.now(), req.ip);
  deps.metrics.call(req.protocol, fn.name, OUTCOME.ok);
  return { ok: true, fn, value };
}

/** A call refused or failed anywhere after the protocol check: the client's error, counted and (when unexpected) logged. */
function failedCall(
  deps: Deps,
  req: CallRequest,
  err: unknown,
  found: TokenAccess | undefined,
  fn: ExternalFunction | undefined,
): CallOutcome {
  const error =
    err instanceof MoodleException
      ? err
      : err instanceof DomainError
        ? moodleExceptionOf(err)
        : isUnstorableValue(err)
          ? invalidParameter(UNSTORABLE_VALUE)
          : new MoodleException(
              'moodle_exception',
              'unexpectederror',
              'An unexpected error occurred. It has been logged.',
            );
  if (err instanceof AccessDenied) logRefusal(deps, req, err, found);
  else if (!(err instanceof MoodleException) && !(err instanceof DomainError) && !isUnstorableValue(err)) {
    deps.log.error(
      {
        reqId: req.reqId,
        protocol: req.protocol,
        function: fn?.name,
        err: err instanceof Error ? err : new Error(String(err)),
      },
      'Unexpected error in a web-service function',
    );
  }
  // Every refusal counts: before the function (the chain, the parameters) as in it.
  countRefusal(deps, req, error, err instanceof AccessDenied ? err.reason : error.errorcode, found);
  return { ok: false, fn, error };
}
