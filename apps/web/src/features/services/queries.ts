import type { AuthorisedUserUpdate, ServiceCreate, ServiceUpdate } from '@gatehouse/shared';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { mobileKeys } from '../mobile/queries';
import { tokenKeys } from '../tokens/queries';

export const serviceKeys = {
  all: ['services'] as const,
  lists: () => [...serviceKeys.all, 'list'] as const,
  details: () => [...serviceKeys.all, 'detail'] as const,
  detail: (id: number) => [...serviceKeys.details(), id] as const,
  functions: (id: number) => [...serviceKeys.detail(id), 'functions'] as const,
  users: (id: number) => [...serviceKeys.detail(id), 'users'] as const,
  /** The whole function catalogue: code, not data, so it never goes stale. */
  catalogue: () => [...serviceKeys.all, 'catalogue'] as const,
};

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

type QC = ReturnType<typeof useQueryClient>;

/** A service's name, state, functions and users decide token statuses and the mobile checklist. */
function afterServiceChange(qc: QC) {
  void qc.invalidateQueries({ queryKey: serviceKeys.all, predicate: (q) => q.queryKey[1] !== 'catalogue' });
  void qc.invalidateQueries({ queryKey: tokenKeys.all });
  void qc.invalidateQueries({ queryKey: mobileKeys.all });
}

export function useCreateService() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ServiceCreate) => unwrap(api.services.$post({ json: input })),
    meta: { inlineErrors: true },
    onSuccess: (s) => {
      qc.setQueryData(serviceKeys.detail(s.id), s);
      afterServiceChange(qc);
    },
  });
}

export function useUpdateService(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: ServiceUpdate) =>
      unwrap(api.services[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: { inlineErrors: true },
    onSuccess: (s) => {
      qc.setQueryData(serviceKeys.detail(id), s);
      afterServiceChange(qc);
    },
  });
}

export function useDeleteService() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.services[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true },
    onSuccess: (_res, id) => {
      qc.removeQueries({ queryKey: serviceKeys.detail(id) });
      afterServiceChange(qc);
    },
  });
}

export function useAddServiceFunctions(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (functions: string[]) =>
      unwrap(api.services[':id'].functions.$post({ param: { id: String(id) }, json: { functions } })),
    meta: { inlineErrors: true },
    onSuccess: () => afterServiceChange(qc),
  });
}

export function useRemoveServiceFunction(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      unwrap(api.services[':id'].functions[':name'].$delete({ param: { id: String(id), name } })),
    meta: { inlineErrors: true },
    onSuccess: () => afterServiceChange(qc),
  });
}

export function useAddAuthorisedUsers(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userIds: number[]) =>
      unwrap(api.services[':id'].users.$post({ param: { id: String(id) }, json: { userIds } })),
    meta: { inlineErrors: true },
    onSuccess: () => afterServiceChange(qc),
  });
}

export function useUpdateAuthorisedUser(id: number, userId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: AuthorisedUserUpdate) =>
      unwrap(
        api.services[':id'].users[':userId'].$patch({
          param: { id: String(id), userId: String(userId) },
          json: patch,
        }),
      ),
    meta: { inlineErrors: true },
    onSuccess: () => afterServiceChange(qc),
  });
}

export function useRemoveAuthorisedUser(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: number) =>
      unwrap(api.services[':id'].users[':userId'].$delete({ param: { id: String(id), userId: String(userId) } })),
    meta: { inlineErrors: true },
    onSuccess: () => afterServiceChange(qc),
  });
}
