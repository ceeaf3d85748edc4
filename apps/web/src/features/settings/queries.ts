import type { SettingsPatch } from '@gatehouse/shared';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { mobileKeys } from '../mobile/keys';
import { shellKeys } from '../shell/keys';
import { settingsKeys } from './keys';

export const settingsQueryOptions = queryOptions({
  queryKey: settingsKeys.all,
  queryFn: () => unwrap(api.settings.$get()),
});

/** Saves some settings; the screen shows the errors and the list of changes itself. */
export function useUpdateSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: SettingsPatch) => unwrap(api.settings.$patch({ json: patch })),
    // The mobile checklist reads web services and the protocols; the banner, maintenance and debugging.
    meta: { inlineErrors: true, invalidates: [mobileKeys.all, shellKeys.siteStatus()] },
    onSuccess: (res) => qc.setQueryData(settingsKeys.all, res.settings),
  });
}
