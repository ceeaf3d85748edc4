import type { RoleCreate, RoleUpdate } from '@gatehouse/shared';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { authKeys } from '../auth/keys';
import { mobileKeys } from '../mobile/keys';
import { serviceKeys } from '../services/keys';
import { tokenKeys } from '../tokens/keys';
import { userKeys } from '../users/keys';
import { roleKeys } from './keys';

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
const afterRoleChange = [roleKeys.all, userKeys.all, authKeys.me(), serviceKeys.all, tokenKeys.all, mobileKeys.all];

export function useCreateRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: RoleCreate) => unwrap(api.roles.$post({ json: input })),
    meta: { inlineErrors: true, invalidates: afterRoleChange },
    onSuccess: (role) => qc.setQueryData(roleKeys.detail(role.id), role),
  });
}

export function useUpdateRole(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: RoleUpdate) => unwrap(api.roles[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: { inlineErrors: true, invalidates: afterRoleChange },
    onSuccess: (role) => qc.setQueryData(roleKeys.detail(id), role),
  });
}

export function useDeleteRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.roles[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: afterRoleChange },
    onSuccess: (_res, id) => qc.removeQueries({ queryKey: roleKeys.detail(id) }),
  });
}

export function useAssignRole(roleId: number) {
  return useMutation({
    mutationFn: (userId: number) =>
      unwrap(api.roles[':id'].assignments.$post({ param: { id: String(roleId) }, json: { userId } })),
    meta: { invalidates: afterRoleChange },
  });
}

export function useUnassignRole(roleId: number) {
  return useMutation({
    mutationFn: (userId: number) =>
      unwrap(
        api.roles[':id'].assignments[':userId'].$delete({ param: { id: String(roleId), userId: String(userId) } }),
      ),
    meta: { inlineErrors: true, invalidates: afterRoleChange },
  });
}
