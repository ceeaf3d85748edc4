import type { RoleCreate, RoleUpdate } from '@gatehouse/shared';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { authKeys } from '../auth/queries';
import { mobileKeys } from '../mobile/queries';
import { serviceKeys } from '../services/queries';
import { tokenKeys } from '../tokens/queries';
import { userKeys } from '../users/queries';

export const roleKeys = {
  all: ['roles'] as const,
  lists: () => [...roleKeys.all, 'list'] as const,
  details: () => [...roleKeys.all, 'detail'] as const,
  detail: (id: number) => [...roleKeys.details(), id] as const,
  assignments: (id: number) => [...roleKeys.detail(id), 'assignments'] as const,
  /** The capability definitions: code, not data, so they never go stale. */
  capabilityDefs: () => ['capability-defs'] as const,
};

export const roleListQueryOptions = queryOptions({
  queryKey: roleKeys.lists(),
  queryFn: () => unwrap(api.roles.$get()),
});

export const roleQueryOptions = (id: number) =>
  queryOptions({
    queryKey: roleKeys.detail(id),
    queryFn: () => unwrap(api.roles[':id'].$get({ param: { id: String(id) } })),
  });

export const roleAssignmentsQueryOptions = (id: number) =>
  queryOptions({
    queryKey: roleKeys.assignments(id),
    queryFn: () => unwrap(api.roles[':id'].assignments.$get({ param: { id: String(id) } })),
  });

export const capabilityDefsQueryOptions = queryOptions({
  queryKey: roleKeys.capabilityDefs(),
  queryFn: () => unwrap(api.roles.capabilities.$get()),
  staleTime: Number.POSITIVE_INFINITY,
});

/**
 * Permissions and assignments change what users may do: checks, the signed-in user's menu, token
 * statuses, authorised users' missing capabilities and the mobile checklist follow.
 */
function afterRoleChange(qc: ReturnType<typeof useQueryClient>) {
  void qc.invalidateQueries({ queryKey: roleKeys.all });
  void qc.invalidateQueries({ queryKey: userKeys.all });
  void qc.invalidateQueries({ queryKey: authKeys.me() });
  void qc.invalidateQueries({ queryKey: serviceKeys.all });
  void qc.invalidateQueries({ queryKey: tokenKeys.all });
  void qc.invalidateQueries({ queryKey: mobileKeys.all });
}

export function useCreateRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: RoleCreate) => unwrap(api.roles.$post({ json: input })),
    meta: { inlineErrors: true },
    onSuccess: (role) => {
      qc.setQueryData(roleKeys.detail(role.id), role);
      afterRoleChange(qc);
    },
  });
}

export function useUpdateRole(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: RoleUpdate) => unwrap(api.roles[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: { inlineErrors: true },
    onSuccess: (role) => {
      qc.setQueryData(roleKeys.detail(id), role);
      afterRoleChange(qc);
    },
  });
}

export function useDeleteRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.roles[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true },
    onSuccess: (_res, id) => {
      qc.removeQueries({ queryKey: roleKeys.detail(id) });
      afterRoleChange(qc);
    },
  });
}

export function useAssignRole(roleId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: number) =>
      unwrap(api.roles[':id'].assignments.$post({ param: { id: String(roleId) }, json: { userId } })),
    onSuccess: () => afterRoleChange(qc),
  });
}

export function useUnassignRole(roleId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: number) =>
      unwrap(
        api.roles[':id'].assignments[':userId'].$delete({ param: { id: String(roleId), userId: String(userId) } }),
      ),
    meta: { inlineErrors: true },
    onSuccess: () => afterRoleChange(qc),
  });
}
