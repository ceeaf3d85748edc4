import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { authKeys } from '../auth/queries';
import { roleKeys } from '../roles/queries';
import { serviceKeys } from '../services/queries';
import { settingsKeys } from '../settings/queries';
import { tokenKeys } from '../tokens/queries';

export const mobileKeys = {
  all: ['mobile'] as const,
};

export const mobileQueryOptions = queryOptions({
  queryKey: mobileKeys.all,
  queryFn: () => unwrap(api.mobile.$get()),
});

export type MobileState = Awaited<ReturnType<NonNullable<typeof mobileQueryOptions.queryFn>>>;
export type MobileChange = {
  kind: 'setting' | 'service' | 'protocol' | 'capability';
  name: string;
  from: string;
  to: string;
};

/**
 * The mobile toggle. Its cascade touches settings, the mobile service, protocols and the
 * Authenticated user role: everything that shows one of them reloads.
 */
export function useSetMobile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (enabled: boolean) => unwrap(api.mobile.$post({ json: { enabled } })),
    meta: { inlineErrors: true },
    onSuccess: (res) => {
      qc.setQueryData(mobileKeys.all, res.state);
      void qc.invalidateQueries({ queryKey: settingsKeys.all });
      void qc.invalidateQueries({ queryKey: serviceKeys.all });
      void qc.invalidateQueries({ queryKey: tokenKeys.all });
      void qc.invalidateQueries({ queryKey: roleKeys.all });
      void qc.invalidateQueries({ queryKey: authKeys.me() });
    },
  });
}
