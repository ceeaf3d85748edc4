import type {
  HUB_COURSE_SORTS,
  HUB_SITE_SORTS,
  hubCourseListQuerySchema,
  hubSiteListQuerySchema,
} from '@gatehouse/shared';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { z } from 'zod';
import { api, unwrap } from '../../api/client';
import { hubKeys } from './keys';

// Manage sites' and Manage courses' lists, on the list kit (components/list): their state is the
// shared list-query schema's output, read from the URL by useListQuery, and a page is keyset
// paged (`cursor`) with a capped total.

export type HubSiteSort = (typeof HUB_SITE_SORTS)[number];
export type HubCourseSort = (typeof HUB_COURSE_SORTS)[number];

/** Manage sites' filters, sort and cursor, as the shared list-query schema reads them from the URL. */
export type HubSiteListFilters = z.output<typeof hubSiteListQuerySchema>;
/** Manage courses' filters, sort and cursor, as the shared list-query schema reads them from the URL. */
export type HubCourseListFilters = z.output<typeof hubCourseListQuerySchema>;

const str = (v: number | string | undefined) => (v === undefined || v === '' ? undefined : String(v));

export const hubSiteListQueryOptions = (f: HubSiteListFilters) =>
  queryOptions({
    queryKey: hubKeys.siteList(f),
    queryFn: () =>
      unwrap(
        api.hub.sites.$get({
          query: {
            search: str(f.search),
            trusted: f.trusted,
            language: str(f.language),
            country: str(f.country),
            status: f.status,
            sort: f.sort,
            dir: f.dir,
            cursor: f.cursor,
            page: f.cursor ? undefined : str(f.page),
            perPage: String(f.perPage),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const hubCourseListQueryOptions = (f: HubCourseListFilters) =>
  queryOptions({
    queryKey: hubKeys.courseList(f),
    queryFn: () =>
      unwrap(
        api.hub.courses.$get({
          query: {
            search: str(f.search),
            siteId: str(f.siteId),
            visibility: f.visibility,
            language: str(f.language),
            subject: str(f.subject),
            audience: f.audience,
            educationalLevel: f.educationalLevel,
            licence: f.licence,
            type: f.type,
            modifiedFrom: str(f.modifiedFrom),
            modifiedTo: str(f.modifiedTo),
            sort: f.sort,
            dir: f.dir,
            cursor: f.cursor,
            page: f.cursor ? undefined : str(f.page),
            perPage: String(f.perPage),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
