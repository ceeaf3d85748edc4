import {
  functionDocsSchema,
  keyDocsSchema,
  type OpenApiDocumentDto,
  type TestClientTokenDto,
  type TryItResultDto,
} from '@gatehouse/shared';
import { queryOptions, useMutation } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { docsKeys } from '../docs/keys';
import { securityKeyKeys, tokenKeys } from '../tokens/keys';
import { usageKeys } from '../usage/keys';

// The documentation's answers are the shared DTOs (@gatehouse/shared docs.ts). The function
// documentation carries the recursive description model, which the typed client cannot follow
// through JSON: those answers are read through their schemas rather than asserted.

/** Site administration › Plugins › Web services › API documentation: every function with its descriptions. */
export const functionDocsQueryOptions = queryOptions({
  queryKey: docsKeys.functions(),
  // Read through its schema: the typed client cannot follow the recursive descriptions.
  queryFn: async () => functionDocsSchema.parse(await unwrap(api.docs.functions.$get())),
});

/** An OpenAPI document (admin only): every function (serviceId null), or one service's functions. */
export const openApiQueryOptions = (serviceId: number | null) =>
  queryOptions({
    queryKey: docsKeys.openapi(serviceId),
    queryFn: async (): Promise<OpenApiDocumentDto> =>
      serviceId === null
        ? await unwrap(api.docs['openapi.json'].$get({ query: {} }))
        : await unwrap(api.docs.openapi.services[':id'].$get({ param: { id: String(serviceId) } })),
  });

/** A user's documentation for one of their keys: only when documentation is enabled, only for the owner. */
export const keyDocsQueryOptions = (keyId: number) =>
  queryOptions({
    queryKey: docsKeys.key(keyId),
    queryFn: async () =>
      keyDocsSchema.parse(await unwrap(api.me.keys[':id'].docs.$get({ param: { id: String(keyId) } }))),
  });

/** The OpenAPI document of the functions one of the user's keys can call. */
export const keyOpenApiQueryOptions = (keyId: number) =>
  queryOptions({
    queryKey: docsKeys.keyOpenapi(keyId),
    queryFn: async (): Promise<OpenApiDocumentDto> =>
      await unwrap(api.me.keys[':id']['openapi.json'].$get({ param: { id: String(keyId) } })),
  });

/**
 * Try it: the BFF calls the function with one of the user's own keys, chosen by id, so the
 * browser never holds a secret. Nothing is cached: the answer stays in the calling screen.
 */
export function useTryIt() {
  return useMutation({
    mutationFn: async (input: {
      keyId: number;
      function: string;
      args: Record<string, unknown>;
    }): Promise<TryItResultDto> => await unwrap(api.docs.try.$post({ json: input })),
    // The key's last access, call count and usage change.
    meta: { inlineErrors: true, invalidates: [securityKeyKeys.all, tokenKeys.all, usageKeys.all] },
    gcTime: 0,
  });
}

/**
 * The test client's look-up of a pasted token: its service and that service's functions (to
 * narrow the function list). A mutation, so the secret never becomes a query key in the cache;
 * nothing is invalidated (no call is made). A token that matches none answers 404, shown inline.
 */
export function useTestClientToken() {
  return useMutation({
    mutationFn: async (token: string): Promise<TestClientTokenDto> =>
      await unwrap(api.docs['test-client'].token.$post({ json: { token } })),
    meta: { inlineErrors: true },
    gcTime: 0,
  });
}
