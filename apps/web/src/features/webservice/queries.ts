import type { ExternalDescription, ExternalSingle, FunctionSummaryDto, Protocol } from '@gatehouse/shared';
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** One function as the API documentation describes it. */
export interface FunctionDoc extends FunctionSummaryDto {
  parameters: ExternalSingle;
  returns: ExternalDescription | null;
  /** Arguments that make a plausible call, when the documentation has them. */
  exampleArgs?: Record<string, unknown>;
}

export interface FunctionDocs {
  baseUrl: string;
  protocols: Protocol[];
  enabledProtocols?: Protocol[];
  functions: FunctionDoc[];
}

export const docsKeys = {
  all: ['docs'] as const,
  functions: () => [...docsKeys.all, 'functions'] as const,
};

/** Site administration › Plugins › Web services › API documentation: every function with its descriptions. */
export const functionDocsQueryOptions = queryOptions({
  queryKey: docsKeys.functions(),
  // The JSON of the description model, typed as the model itself.
  queryFn: async () => (await unwrap(api.docs.functions.$get())) as unknown as FunctionDocs,
});
