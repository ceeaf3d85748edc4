import { cleanReturnValue, ExternalValidationError, validateParameters } from '@gatehouse/shared';
import { isUnstorableValue } from '../db/sql';
import { DomainError } from '../lib/errors';
import {
  invalidParameter,
  invalidResponse,
  MoodleException,
  moodleExceptionOf,
  requiredCapability,
  UNSTORABLE_VALUE,
} from './exceptions';
import type { CallContext, ExternalFunction } from './types';

// One function called with arguments, as Moodle's external_api::call_external_function does once
// the caller is known: the parameters validated, the capabilities the function requires for any
// call, the function, the return value cleaned. For the callers that have no token of their own
// to run through the access-check chain: lib/ajax/service.php (functions that need no login) and
// tool_mobile_call_external_functions (the batch's token was checked for the batch). The
// protocols use runCall (call.ts), which does the same after the chain.

export type Invoked = { ok: true; value: unknown } | { ok: false; error: MoodleException };

/** Any error a function threw, as the Moodle exception a client sees; an unexpected one is logged. */
function asMoodleException(ctx: CallContext, fn: ExternalFunction, err: unknown): MoodleException {
  if (err instanceof MoodleException) return err;
  if (err instanceof DomainError) return moodleExceptionOf(err);
  if (isUnstorableValue(err)) return invalidParameter(UNSTORABLE_VALUE);
  ctx.deps.log.error(
    { function: fn.name, err: err instanceof Error ? err : new Error(String(err)) },
    'Unexpected error in a web-service function',
  );
  return new MoodleException(
    'moodle_exception',
    'unexpectederror',
    'An unexpected error occurred. It has been logged.',
  );
}

export async function invokeFunction(ctx: CallContext, fn: ExternalFunction, args: unknown): Promise<Invoked> {
  try {
    let params: unknown;
    try {
      // As the caller read them: lib/ajax's `args` may be missing (null), which Moodle refuses too.
      params = validateParameters(fn.parameters, args);
    } catch (e) {
      if (e instanceof ExternalValidationError) throw invalidParameter(e.message);
      throw e;
    }
    for (const r of fn.requiredCapabilities) {
      if (!ctx.hasCapability(r.capability)) throw requiredCapability(r.capability, r.what);
    }
    const raw = await fn.execute(ctx, params);
    try {
      return { ok: true, value: cleanReturnValue(fn.returns, raw) };
    } catch (e) {
      if (e instanceof ExternalValidationError) throw invalidResponse(e.message);
      throw e;
    }
  } catch (err) {
    return { ok: false, error: asMoodleException(ctx, fn, err) };
  }
}
