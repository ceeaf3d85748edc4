import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** The query key of the site's status (no imports from other features: settings invalidate it by prefix). */
export const siteStatusKey = ['site-status'] as const;

/** Whether maintenance mode or developer debugging is on, for the banner on every console page. */
export const siteStatusQueryOptions = queryOptions({
  queryKey: siteStatusKey,
  queryFn: () => unwrap(api.settings.status.$get()),
});
