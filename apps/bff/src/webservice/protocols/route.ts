import type { Protocol } from '@gatehouse/shared';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { OUTCOME } from '../../lib/metrics';
import type { AppEnv } from '../../types';
import { AccessDenied, cachedToken, ProtocolDisabled, protocolRefused, type TokenRef, tokenFrom } from '../access';
import { type CallRequest, publicError, refusalBeforeBody, runCall } from '../call';
import { MoodleException } from '../exceptions';
import { ParamsError, type RawRequest } from '../params';
import type { ExternalFunction } from '../types';
import { contextExchange, type Exchange } from './exchange';

/** An error as a client may see it (publicError): what an adapter encodes. */
export type PublicError = ReturnType<typeof publicError>;

/** The HTTP statuses a protocol answers an error with (404: no endpoint at that path). */
export type ErrorStatus = 200 | 400 | 404 | 413 | 500;

/**
 * A request the protocol cannot read as a call (an XML-RPC document that is not a methodCall, a
 * SOAP body without an operation, malformed XML, …): answered as invalidparameter in the
 * protocol's own shape, with the adapter's `status.invalid`.
 */
export class ProtocolRequestError extends Error {}

/**
 * One protocol as a codec: how a request becomes a call and how the outcome is written. The
 * route (protocolRoute) does the rest, the same way for every protocol. Adapters are plain
 * objects built once; their methods get what they need as arguments, so a call allocates
 * nothing for them.
 */
interface ProtocolAdapterBase<Input, State> {
  readonly protocol: Protocol;
  /** Also mounted at `/<function>` below the endpoint (REST): the call's function is the path's. */
  readonly functionInPath?: boolean;
  /** The largest body `read` takes. */
  readonly maxBytes: number;
  /**
   * Set when the protocol takes its token from outside the body only (the query string's
   * wstoken, or an Authorization: Bearer header): the route reads the token and runs the
   * token's part of the access-check chain before it reads the body, and reads the body of a
   * request without a token only up to this many bytes (a larger one is refused as having no
   * token: no token is no token found).
   */
  readonly maxAnonymousBytes?: number;
  /** Set when only POST requests are calls: any other method is refused with this message, before the body. */
  readonly postOnly?: string;
  /** The HTTP status of an error answer: a refused or failed call, and a request that cannot be read. */
  readonly status: { readonly refused: 200 | 500; readonly invalid: 200 | 400 | 500 };
  /**
   * Answers a request that is not a call, before the body is read (SOAP's WSDL), or returns
   * undefined to go on. `query` is the query string when the token comes first. May throw an
   * AccessDenied (answered as a refusal) or ProtocolDisabled (403).
   */
  answer?(
    deps: Deps,
    x: Exchange,
    call: CallRequest,
    query: URLSearchParams | undefined,
  ): Response | Promise<Response> | undefined;
  /** Reads the request within `maxBytes`; a ParamsError refuses it (413 when it is too large). */
  read(request: RawRequest, maxBytes: number): Promise<Input>;
  /**
   * Fills in the call from what `read` returned: its arguments and function (already set when
   * it came in the path), and its token when the protocol takes it from the body. Returns what
   * the encoders need to know of the request (REST's format). Throws a ProtocolRequestError or a
   * ParamsError for a request that is not a call.
   */
  decode(deps: Deps, x: Exchange, request: RawRequest, input: Input, call: CallRequest): State;
  /** The answer to an error; `state` is undefined when the request was not decoded. */
  encodeError(x: Exchange, state: State | undefined, error: PublicError, status: ErrorStatus): Response;
}

/**
 * A protocol: its common part, and either `encodeResult`, the answer to the one call that decode
 * filled in (run through runCall; encodeError answers a refusal), or `respond`, which answers a
 * decoded request itself where it is not one call: AMF's envelope of several bodies (each run
 * through runCall with `call` as its base) and Flex's command messages.
 */
export type ProtocolAdapter<Input, State = undefined> = ProtocolAdapterBase<Input, State> &
  (
    | {
        /** The answer to a call that went through: the function's cleaned return value. */
        encodeResult(x: Exchange, state: State, fn: ExternalFunction, value: unknown): Response;
        respond?: undefined;
      }
    | {
        respond(deps: Deps, x: Exchange, state: State, call: CallRequest): Promise<Response>;
        encodeResult?: undefined;
      }
  );

/** The longest part of a client's path a not-found answer's debug information repeats. */
const MAX_ECHOED_PATH = 200;

/**
 * Moodle's answer for a file or script that is not there (lang/en/error.php, filenotfound), with
 * the path in the debug information (shown only when debugging is on).
 */
const fileNotFound = (path: string) =>
  new MoodleException(
    'moodle_exception',
    'filenotfound',
    'Sorry, the requested file could not be found',
    `No web-service endpoint at ${path.slice(0, MAX_ECHOED_PATH)}`,
  );

/**
 * The answer to a path in a protocol's folder that is no endpoint (/webservice/rest/nosuch.php,
 * /webservice/xmlrpc/x): a 404 in the protocol's own shape (REST's exception in XML or JSON as
 * moodlewsrestformat asks, an XML-RPC fault, a SOAP Fault), never the console's page.
 */
export function protocolNotFound<Input, State>(deps: Deps, adapter: ProtocolAdapter<Input, State>) {
  return (c: Context<AppEnv>) =>
    adapter.encodeError(contextExchange(c), undefined, publicError(deps, fileNotFound(c.req.path)), 404);
}

/** Any other Moodle script path that does not exist: Moodle's exception as JSON, 404. */
export function webserviceNotFound(deps: Deps, c: Context<AppEnv>): Response {
  return c.body(JSON.stringify(publicError(deps, fileNotFound(c.req.path))), 404, {
    'Content-Type': 'application/json; charset=utf-8',
  });
}

function invalidParameter(message: string): MoodleException {
  return new MoodleException('invalid_parameter_exception', 'invalidparameter', message);
}

/**
 * The answer to a body over maxAnonymousBytes that came without a token: the chain's own
 * refusal (no token is no token found), given without reading the body.
 */
function missingTokenRefusal(maxAnonymousBytes: number): AccessDenied {
  return new AccessDenied(
    'invalidtoken',
    `no token in the query string (wstoken) or an Authorization: Bearer header; without one a body over ${maxAnonymousBytes} bytes is not read`,
  );
}

/** The reason a disabled protocol's 403 is counted under (Moodle's server scripts answer it without one). */
const PROTOCOL_DISABLED = 'protocoldisabled';

/**
 * Counts a disabled protocol's 403 (it is a refused call like any other): on the token when the
 * request named one outside the body and the access cache holds it (no lookup is made for it),
 * else on the site's figures only.
 */
function countDisabled(
  deps: Deps,
  protocol: Protocol,
  token: TokenRef | undefined,
  ip: string,
  functionName: string,
): void {
  const found = typeof token === 'string' ? cachedToken(deps, token) : undefined;
  const now = deps.now();
  if (found === undefined) deps.usage.recordUnknown(now, PROTOCOL_DISABLED);
  else {
    deps.usage.recordRefusal(
      found,
      now,
      ip,
      PROTOCOL_DISABLED,
      `${PROTOCOL_DISABLED}: the ${protocol} protocol is disabled`,
      functionName,
      protocol,
    );
  }
}

/** One request to a protocol endpoint, as protocolHandler answers it. */
export type ProtocolHandler = (x: Exchange) => Promise<Response>;

/**
 * A web-service protocol endpoint: the refusal of a disabled protocol (403, empty body, as
 * Moodle answers), the token before the body where the protocol allows it, the body read within
 * the limits, the call through the pipeline (runCall), and every error in the protocol's own
 * shape. The adapter only decodes and encodes. Carried by Hono (protocolRoute) or by the direct
 * lane (lane.ts), through the same Exchange.
 */
export function protocolHandler<Input, State>(deps: Deps, adapter: ProtocolAdapter<Input, State>): ProtocolHandler {
  const { protocol, maxBytes, maxAnonymousBytes, postOnly, status } = adapter;
  const tokenFirst = maxAnonymousBytes !== undefined;

  /** The answer to an error thrown before the call: a refusal, or a request that cannot be read. */
  const failed = (x: Exchange, err: unknown, call: CallRequest): Response => {
    const { token } = call;
    if (err instanceof ProtocolDisabled) return disabled(x, call);
    if (err instanceof AccessDenied) {
      deps.metrics.call(protocol, call.functionName, OUTCOME.refused);
      return adapter.encodeError(x, undefined, publicError(deps, err), status.refused);
    }
    if (err instanceof ParamsError) {
      if (err.status !== 413) {
        deps.metrics.call(protocol, call.functionName, OUTCOME.invalid);
        return adapter.encodeError(x, undefined, publicError(deps, invalidParameter(err.message)), status.invalid);
      }
      if (tokenFirst && token === undefined) {
        // Counted as the chain counts a call without a token: on the site's figures.
        deps.usage.recordUnknown(deps.now(), 'invalidtoken');
        deps.metrics.call(protocol, call.functionName, OUTCOME.refused);
        return adapter.encodeError(
          x,
          undefined,
          publicError(deps, missingTokenRefusal(maxAnonymousBytes)),
          status.refused,
        );
      }
      deps.metrics.call(protocol, call.functionName, OUTCOME.invalid);
      return adapter.encodeError(x, undefined, publicError(deps, invalidParameter(err.message)), 413);
    }
    if (err instanceof ProtocolRequestError) {
      deps.metrics.call(protocol, call.functionName, OUTCOME.invalid);
      return adapter.encodeError(x, undefined, publicError(deps, invalidParameter(err.message)), status.invalid);
    }
    throw err;
  };

  /** A disabled protocol's answer (403, empty body), counted. */
  const disabled = (x: Exchange, call: Pick<CallRequest, 'token' | 'ip' | 'functionName'>): Response => {
    countDisabled(deps, protocol, call.token, call.ip, call.functionName);
    deps.metrics.call(protocol, call.functionName, OUTCOME.refused);
    return x.send(null, 403);
  };

  return async (x: Exchange): Promise<Response> => {
    const { request, pathFunction } = x;
    if (protocolRefused(deps, protocol)) {
      // The token a refused request named outside its body (the Authorization header or the query string's wstoken).
      const token = tokenFrom(request.header('authorization'), request.query.get('wstoken') ?? undefined);
      return disabled(x, { token, ip: x.ip, functionName: pathFunction });
    }
    let query: URLSearchParams | undefined;
    let token: string | undefined;
    if (tokenFirst) {
      query = request.query;
      token = tokenFrom(request.header('authorization'), query.get('wstoken') ?? undefined);
    }
    const call: CallRequest = {
      protocol,
      token,
      functionName: pathFunction,
      args: undefined,
      ip: x.ip,
      reqId: x.reqId,
      connection: x.connection,
      held: undefined,
      heldStamp: undefined,
    };
    let state: State;
    try {
      if (adapter.answer) {
        const answer = adapter.answer(deps, x, call, query);
        if (answer) return answer instanceof Promise ? await answer : answer;
      }
      if (postOnly !== undefined && request.method !== 'POST') throw new ProtocolRequestError(postOnly);
      if (tokenFirst) {
        // A promise only when the token is not cached yet.
        let refusal = refusalBeforeBody(deps, call);
        if (refusal instanceof Promise) refusal = await refusal;
        if (refusal) return adapter.encodeError(x, undefined, publicError(deps, refusal), status.refused);
      }
      const input = await adapter.read(request, tokenFirst && token === undefined ? maxAnonymousBytes : maxBytes);
      state = adapter.decode(deps, x, request, input, call);
    } catch (err) {
      return failed(x, err, call);
    }
    try {
      if (adapter.respond) return await adapter.respond(deps, x, state, call);
      let outcome = runCall(deps, call);
      if (outcome instanceof Promise) outcome = await outcome;
      if (outcome.ok) return adapter.encodeResult(x, state, outcome.fn, outcome.value);
      return adapter.encodeError(x, state, publicError(deps, outcome.error), status.refused);
    } catch (err) {
      // Only when the protocol was switched off during the call: answered as it would be before.
      if (err instanceof ProtocolDisabled) return disabled(x, call);
      throw err;
    }
  };
}

/** A protocol endpoint as a Hono route (protocolHandler's pipeline), also at `/<function>` for REST. */
export function protocolRoute<Input, State>(deps: Deps, adapter: ProtocolAdapter<Input, State>) {
  const handle = protocolHandler(deps, adapter);
  const app = new Hono<AppEnv>().all('/', (c) => handle(contextExchange(c)));
  return adapter.functionInPath
    ? app.all('/:wsfunction', (c) => handle(contextExchange(c, c.req.param('wsfunction') ?? '')))
    : app;
}
