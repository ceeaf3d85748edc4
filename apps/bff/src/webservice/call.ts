import { cleanReturnValue, ExternalValidationError, type Protocol, validateParameters } from '@gatehouse/shared';
import type { Deps } from '../deps';
import { DomainError } from '../lib/errors';
import { AccessDenied, checkFunction, checkProtocol, checkToken, findToken, type TokenRef } from './access';
import { makeCallContext } from './call-context';
import {
  invalidParameter,
  invalidResponse,
  MoodleException,
  moodleExceptionOf,
  requiredCapability,
} from './exceptions';
import type { ExternalFunction } from './types';

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
  // A token-level refusal (expired, suspended user, …) found the token first: read it again (from
  // the cache) to name it. A token that was not found has nothing to name.
  const who = found ?? (err.reason === 'invalidtoken' ? undefined : findToken(deps, req.token));
  deps.log.info(
    {
      reqId: req.reqId,
      protocol: req.protocol,
      function: req.functionName?.slice(0, MAX_LOGGED_NAME),
      reason: err.reason,
      tokenId: who?.t.id,
      userId: who?.u.id,
      ip: req.ip,
    },
    'Web-service call refused',
  );
}

/**
 * The links of the access-check chain that need no body, for a protocol server to run before
 * it reads one: web services and the protocol enabled, then, when the request carries a token
 * (query string or Authorization header), the token's part of the chain. Returns the refusal
 * (the chain's own, in its order), or undefined to go on; ProtocolDisabled propagates. runCall
 * runs the whole chain again afterwards, from the caches.
 */
export function refusalBeforeBody(
  deps: Deps,
  protocol: Protocol,
  token: string | undefined,
  ip: string,
  reqId?: string,
): MoodleException | undefined {
  try {
    checkProtocol(deps, protocol);
    if (token !== undefined) checkToken(deps, protocol, token, ip);
    return undefined;
  } catch (err) {
    if (!(err instanceof AccessDenied)) throw err;
    logRefusal(deps, { protocol, token, ip, reqId }, err);
    return err;
  }
}

/**
 * One web-service call, whatever the protocol: the access-check chain, parameter validation,
 * the capabilities the function requires for any call, the function, and the return value
 * cleaned against its description. ProtocolDisabled propagates (the protocol answers 403 with
 * an empty body); every other refusal is an outcome.
 */
export async function runCall(deps: Deps, req: CallRequest): Promise<CallOutcome> {
  try {
    checkProtocol(deps, req.protocol);
  } catch (err) {
    if (!(err instanceof AccessDenied)) throw err;
    logRefusal(deps, req, err);
    return { ok: false, error: err };
  }
  let found: ReturnType<typeof checkToken> | undefined;
  let tokenId: number | undefined;
  let fn: ExternalFunction | undefined;
  try {
    found = checkToken(deps, req.protocol, req.token, req.ip);
    tokenId = found.t.id;
    const access = checkFunction(deps, found, req.functionName, req.ip);
    fn = access.fn;
    let params: unknown;
    try {
      params = validateParameters(fn.parameters, req.args ?? {});
    } catch (e) {
      if (e instanceof ExternalValidationError) throw invalidParameter(e.message);
      throw e;
    }
    // The capabilities the function's description requires for any call, where the function's
    // own first check used to be (Moodle: after the parameters, in the system context). Those
    // that depend on the records a call names stay in the function.
    for (const r of fn.requiredCapabilities) {
      if (!deps.authz.has(found.u, r.capability)) throw requiredCapability(r.capability, r.what);
    }
    const ctx = makeCallContext(deps, found.u, access.service, req.ip);
    const raw = await fn.execute(ctx, params);
    let value: unknown;
    try {
      value = cleanReturnValue(fn.returns, raw);
    } catch (e) {
      if (e instanceof ExternalValidationError) throw invalidResponse(e.message);
      throw e;
    }
    deps.usage.record(tokenId, deps.now());
    return { ok: true, fn, value };
  } catch (err) {
    const error =
      err instanceof MoodleException
        ? err
        : err instanceof DomainError
          ? moodleExceptionOf(err)
          : new MoodleException(
              'moodle_exception',
              'unexpectederror',
              'An unexpected error occurred. It has been logged.',
            );
    if (err instanceof AccessDenied) logRefusal(deps, req, err, found);
    else if (!(err instanceof MoodleException) && !(err instanceof DomainError)) {
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
    if (tokenId !== undefined) {
      const reason = err instanceof AccessDenied ? err.reason : error.errorcode;
      deps.usage.record(tokenId, deps.now(), `${reason}: ${error.debuginfo ?? error.message}`);
    }
    return { ok: false, fn, error };
  }
}
