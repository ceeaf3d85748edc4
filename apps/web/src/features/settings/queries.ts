import type { SettingsPatch } from '@gatehouse/shared';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { mobileKeys } from '../mobile/queries';

export const settingsKeys = {
  all: ['settings'] as const,
};

export const settingsQueryOptions = queryOptions({
  queryKey: settingsKeys.all,
  queryFn: () => unwrap(api.settings.$get()),
});

/** Saves some settings; the screen shows the errors and the list of changes itself. */
export function useUpdateSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: SettingsPatch) => unwrap(api.settings.$patch({ json: patch })),
    meta: { inlineErrors: true },
    onSuccess: (res) => {
      qc.setQueryData(settingsKeys.all, res.settings);
      // The mobile checklist reads web services and the protocols.
      void qc.invalidateQueries({ queryKey: mobileKeys.all });
    },
  });
}
