import type {
  HubCourseBulk,
  HubCourseUpdate,
  HubSettingsPatch,
  HubSiteAction,
  HubSiteBulk,
  HubSiteUpdate,
} from '@gatehouse/shared';
import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { roleKeys } from '../roles/keys';
import { serviceKeys } from '../services/keys';
import { tokenKeys } from '../tokens/keys';
import { userKeys } from '../users/keys';
import { hubKeys } from './keys';

// ---- settings --------------------------------------------------------------------------------

export const hubSettingsQueryOptions = queryOptions({
  queryKey: hubKeys.settings(),
  queryFn: () => unwrap(api.hub.settings.$get()),
  // The checks follow settings changed on other pages (web services, protocols).
  staleTime: 0,
});

/** Saves hub settings; enabling the hub creates protected roles, users, services and tokens. */
export function useSaveHubSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: HubSettingsPatch) => unwrap(api.hub.settings.$patch({ json: patch })),
    meta: {
      inlineErrors: true,
      invalidates: [hubKeys.all, roleKeys.all, userKeys.all, serviceKeys.all, tokenKeys.all],
    },
    onSuccess: (res) => qc.setQueryData(hubKeys.settings(), res.settings),
  });
}

// ---- sites -----------------------------------------------------------------------------------

/** Every site, by name, for the course filter's site list. */
export const hubSiteOptionsQueryOptions = queryOptions({
  queryKey: hubKeys.siteOptions(),
  queryFn: () =>
    unwrap(api.hub.sites.$get({ query: { sort: 'name', dir: 'asc', page: '1', perPage: '200' } })).then((r) =>
      r.items.map((s) => ({ id: s.id, name: s.name, url: s.url })),
    ),
});

export const hubSiteQueryOptions = (id: number) =>
  queryOptions({
    queryKey: hubKeys.site(id),
    queryFn: () => unwrap(api.hub.sites[':id'].$get({ param: { id: String(id) } })),
  });

export const hubOutboxQueryOptions = (page: number, perPage = 5) =>
  queryOptions({
    queryKey: hubKeys.outbox(page),
    queryFn: () =>
      unwrap(api.hub.outbox.$get({ query: { page: String(page), perPage: String(perPage), dir: 'desc' } })),
    placeholderData: keepPreviousData,
  });

export function useHubSiteAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: number; action: HubSiteAction }) =>
      unwrap(api.hub.sites[':id'][':action'].$post({ param: { id: String(id), action } })),
    // A site's trust and visibility show on its courses too.
    meta: { invalidates: [hubKeys.sites(), hubKeys.courses()] },
    onSuccess: (site) => qc.setQueryData(hubKeys.site(site.id), site),
  });
}

/** Manage sites > Mark the secret stolen: registrations with the site's secret are refused from now on. */
export function useMarkHubSiteSecretStolen() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.hub.sites[':id']['secret-stolen'].$post({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: [hubKeys.sites()] },
    onSuccess: (site) => qc.setQueryData(hubKeys.site(site.id), site),
  });
}

export function useUpdateHubSite(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: HubSiteUpdate) =>
      unwrap(api.hub.sites[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: { inlineErrors: true, invalidates: [hubKeys.sites(), hubKeys.courses()] },
    onSuccess: (site) => qc.setQueryData(hubKeys.site(id), site),
  });
}

export function useDeleteHubSite() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, withCourses }: { id: number; withCourses: boolean }) =>
      unwrap(
        api.hub.sites[':id'].$delete({ param: { id: String(id) }, query: { withCourses: withCourses ? '1' : '0' } }),
      ),
    // The site's own hub user and token went with it.
    meta: { inlineErrors: true, invalidates: [hubKeys.all, userKeys.all] },
    onSuccess: (_res, { id }) => qc.removeQueries({ queryKey: hubKeys.site(id) }),
  });
}

/** Deletes the selected sites (all or none), as Delete does one: see DeleteSitesDialog. */
export function useDeleteHubSites() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: HubSiteBulk) => unwrap(api.hub.sites.bulk.$post({ json: input })),
    // The sites' own hub users and tokens went with them.
    meta: { inlineErrors: true, invalidates: [hubKeys.all, userKeys.all] },
    onSuccess: (_res, input) => {
      for (const id of input.ids) qc.removeQueries({ queryKey: hubKeys.site(id) });
    },
  });
}

// ---- courses ---------------------------------------------------------------------------------

export const hubCourseQueryOptions = (id: number) =>
  queryOptions({
    queryKey: hubKeys.course(id),
    queryFn: () => unwrap(api.hub.courses[':id'].$get({ param: { id: String(id) } })),
  });

const afterCourseChange = [
  hubKeys.courses(),
  // The sites' "published" statistics count the courses.
  hubKeys.sites(),
  hubKeys.settings(),
];

export function useHubCourseVisibility() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: number; action: 'show' | 'hide' }) =>
      unwrap(api.hub.courses[':id'][':action'].$post({ param: { id: String(id), action } })),
    meta: { invalidates: afterCourseChange },
    onSuccess: (course) => qc.setQueryData(hubKeys.course(course.id), course),
  });
}

export function useUpdateHubCourse(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: HubCourseUpdate) =>
      unwrap(api.hub.courses[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: { inlineErrors: true, invalidates: afterCourseChange },
    onSuccess: (course) => qc.setQueryData(hubKeys.course(id), course),
  });
}

export function useDeleteHubCourse() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.hub.courses[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: afterCourseChange },
    onSuccess: (_res, id) => qc.removeQueries({ queryKey: hubKeys.course(id) }),
  });
}

export function useHubCourseBulk() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: HubCourseBulk) => unwrap(api.hub.courses.bulk.$post({ json: input })),
    meta: { inlineErrors: true, invalidates: afterCourseChange },
    onSuccess: (_res, input) => {
      if (input.action === 'delete') for (const id of input.ids) qc.removeQueries({ queryKey: hubKeys.course(id) });
    },
  });
}

// ---- a course's screenshots and backup -------------------------------------------------------

/** A screenshot as Manage courses shows it (hidden courses too): fitted inside 150 × 150, or as stored. */
export const consoleScreenshotUrl = (courseId: number, n: number, size: 'thumbnail' | 'original') =>
  `/api/hub/courses/${courseId}/screenshots/${n}${size === 'original' ? '?size=original' : ''}`;

export const consoleBackupUrl = (courseId: number) => `/api/hub/courses/${courseId}/backup`;

/**
 * download.php as the community block links to it (blocks/community/renderer.php): the screenshot
 * at 150 × 150 at most, or imagewidth=original; a downloadable course's backup.
 */
export const hubScreenshotUrl = (courseId: number, n: number, size: 'thumbnail' | 'original') =>
  `/local/hub/webservice/download.php?courseid=${courseId}&filetype=screenshot&screenshotnumber=${n}${
    size === 'original' ? '&imagewidth=original' : ''
  }`;

export const hubBackupUrl = (courseId: number) =>
  `/local/hub/webservice/download.php?courseid=${courseId}&filetype=backup`;

export type HubCourseFile = { screenshot: number } | { screenshot: 'all' } | { backup: true };

/** Deletes a course's screenshot (one, or all) or its backup; answers the course as it is now. */
export function useDeleteHubCourseFile(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (what: HubCourseFile) => {
      const param = { id: String(id) };
      if ('backup' in what) return unwrap(api.hub.courses[':id'].backup.$delete({ param }));
      if (what.screenshot === 'all') return unwrap(api.hub.courses[':id'].screenshots.$delete({ param }));
      return unwrap(
        api.hub.courses[':id'].screenshots[':number'].$delete({ param: { ...param, number: String(what.screenshot) } }),
      );
    },
    // The visitors' search shows the screenshots and offers the backup too.
    meta: { inlineErrors: true, invalidates: [hubKeys.courses(), hubKeys.searches()] },
    onSuccess: (course) => qc.setQueryData(hubKeys.course(id), course),
  });
}

// ---- the visitors' search --------------------------------------------------------------------

export const hubSearchQueryOptions = (q: string, page: number) =>
  queryOptions({
    queryKey: hubKeys.search(q, page),
    queryFn: () => unwrap(api.hub.search.$get({ query: { q: q || undefined, page: String(page) } })),
    placeholderData: keepPreviousData,
  });
