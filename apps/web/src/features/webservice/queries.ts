import type { ExternalDescription, ExternalSingle, FunctionSummaryDto, Protocol } from '@gatehouse/shared';
import { queryOptions, useMutation } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { securityKeyKeys } from '../tokens/keys';

/** Moodle's error shape, as a protocol server answers a failed call. */
interface WsError {
  exception: string;
  errorcode: string;
  message: string;
  debuginfo?: string;
}

/** Ready-to-run curl commands (with a YOUR_TOKEN placeholder), one per protocol the documentation covers. */
export interface FunctionExamples {
  restForm?: string;
  restJson?: string;
  xmlrpc?: string;
  soap?: string;
}

/** One function as the API documentation describes it. */
export interface FunctionDoc extends FunctionSummaryDto {
  parameters: ExternalSingle;
  returns: ExternalDescription | null;
  /** Arguments that make a plausible call, when the documentation has them. */
  exampleArgs?: Record<string, unknown>;
  examples?: FunctionExamples;
  /** What the function answers to bad input. */
  errorExample?: WsError;
}

export interface FunctionDocs {
  baseUrl: string;
  protocols: Protocol[];
  enabledProtocols?: Protocol[];
  functions: FunctionDoc[];
}

/** Preferences › Security keys › Documentation: the functions one key can call. */
export interface KeyDocs extends FunctionDocs {
  key: { id: number; name: string; stub: string };
  service: { id: number; name: string; shortname: string };
}

/** What Try it answers: the function's response, or Moodle's error shape. */
export type TryItResult = { ok: true; response: unknown } | { ok: false; response: WsError };

/** An OpenAPI 3.1 document, as JSON. */
export type OpenApiDocument = Record<string, unknown>;

const docsKeys = {
  all: ['docs'] as const,
  functions: () => [...docsKeys.all, 'functions'] as const,
  /** A service's OpenAPI document, or every function's (null). */
  openapi: (serviceId: number | null) => [...docsKeys.all, 'openapi', serviceId ?? 'all'] as const,
  key: (keyId: number) => [...docsKeys.all, 'key', keyId] as const,
  keyOpenapi: (keyId: number) => [...docsKeys.key(keyId), 'openapi'] as const,
};

/** Site administration › Plugins › Web services › API documentation: every function with its descriptions. */
export const functionDocsQueryOptions = queryOptions({
  queryKey: docsKeys.functions(),
  // The JSON of the description model, typed as the model itself.
  queryFn: async () => (await unwrap(api.docs.functions.$get())) as unknown as FunctionDocs,
});

/** An OpenAPI document (admin only): every function (serviceId null), or one service's functions. */
export const openApiQueryOptions = (serviceId: number | null) =>
  queryOptions({
    queryKey: docsKeys.openapi(serviceId),
    queryFn: async () =>
      (serviceId === null
        ? await unwrap(api.docs['openapi.json'].$get({ query: {} }))
        : await unwrap(api.docs.openapi.services[':id'].$get({ param: { id: String(serviceId) } }))) as OpenApiDocument,
  });

/** A user's documentation for one of their keys: only when documentation is enabled, only for the owner. */
export const keyDocsQueryOptions = (keyId: number) =>
  queryOptions({
    queryKey: docsKeys.key(keyId),
    queryFn: async () =>
      (await unwrap(api.me.keys[':id'].docs.$get({ param: { id: String(keyId) } }))) as unknown as KeyDocs,
  });

/** The OpenAPI document of the functions one of the user's keys can call. */
export const keyOpenApiQueryOptions = (keyId: number) =>
  queryOptions({
    queryKey: docsKeys.keyOpenapi(keyId),
    queryFn: async () =>
      (await unwrap(api.me.keys[':id']['openapi.json'].$get({ param: { id: String(keyId) } }))) as OpenApiDocument,
  });

/**
 * Try it: the BFF calls the function with one of the user's own keys, chosen by id, so the
 * browser never holds a secret. Nothing is cached: the answer stays in the calling screen.
 */
export function useTryIt() {
  return useMutation({
    mutationFn: async (input: { keyId: number; function: string; args: Record<string, unknown> }) =>
      (await unwrap(api.docs.try.$post({ json: input }))) as TryItResult,
    // The key's last access and call count change.
    meta: { inlineErrors: true, invalidates: [securityKeyKeys.all] },
    gcTime: 0,
  });
}
