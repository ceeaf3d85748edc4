import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { overviewKeys } from './keys';

/**
 * Plugins › Web services › Overview: Moodle's two set-up checklists with each step's live status.
 * Always refetched when the window regains focus: the admin fixes a step in another tab and comes back.
 */
export const overviewQueryOptions = queryOptions({
  queryKey: overviewKeys.all,
  queryFn: () => unwrap(api.overview.$get()),
  staleTime: 0,
  refetchOnWindowFocus: 'always',
});
