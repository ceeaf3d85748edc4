import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { authKeys } from '../auth/keys';
import { roleKeys } from '../roles/keys';
import { serviceKeys } from '../services/keys';
import { settingsKeys } from '../settings/keys';
import { tokenKeys } from '../tokens/keys';
import { mobileKeys } from './keys';

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
    meta: {
      inlineErrors: true,
      invalidates: [settingsKeys.all, serviceKeys.all, tokenKeys.all, roleKeys.all, authKeys.me()],
    },
    onSuccess: (res) => qc.setQueryData(mobileKeys.all, res.state),
  });
}
