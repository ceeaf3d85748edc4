import type { ApiType } from '@gatehouse/bff/app';
import type * as Shared from '@gatehouse/shared';
import { type ClientResponse, hc } from 'hono/client';

/**
 * The header every state-changing console API request must carry. Declared here rather than
 * imported from @gatehouse/shared (whose zod schemas would then land in the initial bundle);
 * the `satisfies` keeps it equal to the shared constant.
 */
const CSRF_HEADER = 'x-gatehouse-csrf' satisfies typeof Shared.CSRF_HEADER;

/** The console API's one error shape, as a thrown Error. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Dotted field path → message, for forms. */
    readonly fields: Record<string, string> = {},
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
export const isUnauthenticated = (e: unknown) => isApiError(e) && e.status === 401 && e.code === 'unauthenticated';

/**
 * Whether the last console API answer said the session is gone (401 unauthenticated), until an
 * answer succeeds again (after the sign-in). Forms read it when they are taken off the screen: a
 * form removed because the session expired keeps its draft for after the sign-in (lib/forms).
 */
let sessionExpired = false;
export const isSessionExpired = () => sessionExpired;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Adds the CSRF header to state-changing requests and sends the session cookie. */
const consoleFetch: typeof fetch = (input, init = {}) => {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (!SAFE_METHODS.has(method)) headers.set(CSRF_HEADER, '1');
  return fetch(input, { ...init, method, headers, credentials: 'same-origin' });
};

/** Hono's typed client for the BFF's console API. Use it through `unwrap`. */
export const api = hc<ApiType>('/api', { fetch: consoleFetch });

function isErrorBody(body: unknown): body is Shared.ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body as { error: unknown };
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

async function toApiError(res: Response | ClientResponse<unknown>): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const retry = Number(res.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  if (isErrorBody(body)) {
    const { code, message, fields } = body.error;
    return new ApiError(res.status, code, message, fields ?? {}, retryAfter);
  }
  return new ApiError(res.status, 'http', `The server answered ${res.status} ${res.statusText}`.trim(), {}, retryAfter);
}

/**
 * The one client helper: awaits a typed-client call, returns its JSON body when the response is
 * OK, and otherwise throws an ApiError built from the API's error shape.
 */
export async function unwrap<T>(request: Promise<ClientResponse<T, number, 'json'>>): Promise<T> {
  let res: ClientResponse<T, number, 'json'>;
  try {
    res = await request;
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const error = await toApiError(res);
    if (isUnauthenticated(error)) sessionExpired = true;
    throw error;
  }
  sessionExpired = false;
  return (await res.json()) as T;
}
