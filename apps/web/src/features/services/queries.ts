import type { AuthorisedUserUpdate, ServiceCreate, ServiceUpdate } from '@gatehouse/shared';
import { type Query, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { mobileKeys } from '../mobile/keys';
import { tokenKeys } from '../tokens/keys';
import { serviceKeys } from './keys';

export const serviceListQueryOptions = queryOptions({
  queryKey: serviceKeys.lists(),
  queryFn: () => unwrap(api.services.$get()),
});

export const serviceQueryOptions = (id: number) =>
  queryOptions({
    queryKey: serviceKeys.detail(id),
    queryFn: () => unwrap(api.services[':id'].$get({ param: { id: String(id) } })),
  });

export const serviceFunctionsQueryOptions = (id: number) =>
  queryOptions({
    queryKey: serviceKeys.functions(id),
    queryFn: () => unwrap(api.services[':id'].functions.$get({ param: { id: String(id) } })),
  });

export const authorisedUsersQueryOptions = (id: number) =>
  queryOptions({
    queryKey: serviceKeys.users(id),
    queryFn: () => unwrap(api.services[':id'].users.$get({ param: { id: String(id) } })),
  });

export const functionCatalogueQueryOptions = queryOptions({
  queryKey: serviceKeys.catalogue(),
  queryFn: () => unwrap(api.services.functions.$get()),
  staleTime: Number.POSITIVE_INFINITY,
});

/** A service's name, state, functions and users decide token statuses and the mobile checklist. */
const afterServiceChange = [
  // Every service query but the function catalogue, which is code.
  { queryKey: serviceKeys.all, predicate: (q: Query) => q.queryKey[1] !== 'catalogue' },
  tokenKeys.all,
  mobileKeys.all,
];

export function useCreateService() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ServiceCreate) => unwrap(api.services.$post({ json: input })),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
    onSuccess: (s) => qc.setQueryData(serviceKeys.detail(s.id), s),
  });
}

export function useUpdateService(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: ServiceUpdate) =>
      unwrap(api.services[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
    onSuccess: (s) => qc.setQueryData(serviceKeys.detail(id), s),
  });
}

export function useDeleteService() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.services[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
    onSuccess: (_res, id) => qc.removeQueries({ queryKey: serviceKeys.detail(id) }),
  });
}

export function useAddServiceFunctions(id: number) {
  return useMutation({
    mutationFn: (functions: string[]) =>
      unwrap(api.services[':id'].functions.$post({ param: { id: String(id) }, json: { functions } })),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
  });
}

export function useRemoveServiceFunction(id: number) {
  return useMutation({
    mutationFn: (name: string) =>
      unwrap(api.services[':id'].functions[':name'].$delete({ param: { id: String(id), name } })),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
  });
}

export function useAddAuthorisedUsers(id: number) {
  return useMutation({
    mutationFn: (userIds: number[]) =>
      unwrap(api.services[':id'].users.$post({ param: { id: String(id) }, json: { userIds } })),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
  });
}

export function useUpdateAuthorisedUser(id: number, userId: number) {
  return useMutation({
    mutationFn: (patch: AuthorisedUserUpdate) =>
      unwrap(
        api.services[':id'].users[':userId'].$patch({
          param: { id: String(id), userId: String(userId) },
          json: patch,
        }),
      ),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
  });
}

export function useRemoveAuthorisedUser(id: number) {
  return useMutation({
    mutationFn: (userId: number) =>
      unwrap(api.services[':id'].users[':userId'].$delete({ param: { id: String(id), userId: String(userId) } })),
    meta: { inlineErrors: true, invalidates: afterServiceChange },
  });
}
