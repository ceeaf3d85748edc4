import type { OpenApiDocumentsDto } from '@gatehouse/shared';
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { serviceKeys } from '../services/keys';

/**
 * The OpenAPI documents page: every document the administrator may download (all functions, and
 * one per service) with its download link and the functions it holds. Kept under the services'
 * keys: it is made of services, so a change to a service (a rename, a function added) refreshes it.
 */
const openApiDocumentKeys = {
  list: () => [...serviceKeys.all, 'openapi-documents'] as const,
};

/** What the page lists (the shared DTO). Names are data: render them as text (React children), never as markup. */
const fetchOpenApiDocuments = async (): Promise<OpenApiDocumentsDto> => unwrap(api.docs.openapi.$get());

export const openApiDocumentsQueryOptions = queryOptions({
  queryKey: openApiDocumentKeys.list(),
  queryFn: fetchOpenApiDocuments,
});
