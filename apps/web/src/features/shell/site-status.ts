import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { shellKeys } from './keys';

/** Whether maintenance mode or developer debugging is on, for the banner on every console page. */
export const siteStatusQueryOptions = queryOptions({
  queryKey: shellKeys.siteStatus(),
  queryFn: () => unwrap(api.settings.status.$get()),
});
