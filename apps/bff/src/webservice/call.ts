import { cleanReturnValue, ExternalValidationError, type Protocol, validateParameters } from '@gatehouse/shared';
import type { Deps } from '../context';
import { AccessDenied, checkFunction, checkProtocol, checkToken, type TokenRef } from './access';
import { makeCallContext } from './call-context';
import { invalidParameter, invalidResponse, MoodleException } from './exceptions';
import type { ExternalFunction } from './types';

export interface CallRequest {
  protocol: Protocol;
  /** The secret as the client sent it, or (for the console's Try it) a key by id and owner. */
  token: TokenRef | undefined;
  functionName: string;
  /** Raw arguments, before validation. */
  args: unknown;
  ip: string;
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
): MoodleException | undefined {
  try {
    checkProtocol(deps, protocol);
    if (token !== undefined) checkToken(deps, protocol, token, ip);
    return undefined;
  } catch (err) {
    if (err instanceof AccessDenied) return err;
    throw err;
  }
}

/**
 * One web-service call, whatever the protocol: the access-check chain, parameter validation,
 * the function, and the return value cleaned against its description. ProtocolDisabled
 * propagates (the protocol answers 403 with an empty body); every other refusal is an outcome.
 */
export async function runCall(deps: Deps, req: CallRequest): Promise<CallOutcome> {
  try {
    checkProtocol(deps, req.protocol);
  } catch (err) {
    if (err instanceof AccessDenied) return { ok: false, error: err };
    throw err;
  }
  let tokenId: number | undefined;
  let fn: ExternalFunction | undefined;
  try {
    const found = checkToken(deps, req.protocol, req.token, req.ip);
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
        : new MoodleException(
            'moodle_exception',
            'unexpectederror',
            'An unexpected error occurred. It has been logged.',
          );
    if (!(err instanceof MoodleException)) {
      deps.log(
        `Unexpected error in ${req.functionName}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    if (tokenId !== undefined) {
      const reason = err instanceof AccessDenied ? err.reason : error.errorcode;
      deps.usage.record(tokenId, deps.now(), `${reason}: ${error.debuginfo ?? error.message}`);
    }
    return { ok: false, fn, error };
  }
}
