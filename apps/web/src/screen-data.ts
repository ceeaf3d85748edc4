import type * as Shared from '@gatehouse/shared';
import type { MeDto } from '@gatehouse/shared';
import type { QueryClient } from '@tanstack/react-query';
import type { LoaderFunction, Params, ShouldRevalidateFunction } from 'react-router';
import type { z } from 'zod';
import { can } from './features/auth/capabilities';
import { meQueryOptions } from './features/auth/queries';

// Route loaders that start a screen's queries alongside its code chunk (TkDodo, "React Query meets
// React Router"): react-router runs a route's static loader in parallel with its `lazy`, so the
// requests leave while the chunk downloads instead of after it has mounted. The loader waits for
// nothing and answers null at once: navigation never waits on data and never fails on it; the
// screen keeps its own useQuery, which joins the request in flight (same query key) and shows
// its loading and error states as before.
//
// Each screen's entry mirrors what the screen asks for on its first render, with the same keys
// (the same query options, ids parsed as the screen parses them, list state read from the URL
// through the same shared schema), and only for a user the screen would query for (its Page
// `cap`): a prefetch the screen would not make is a wasted request. The query modules are
// imported lazily (zod and the screens' code stay out of the initial bundle); the screen's chunk
// imports the same modules, so nothing downloads twice.

/** Where the loader runs: the route's params, the URL (for list state) and who is signed in. */
interface At {
  params: Params;
  url: URL;
  /** null on a visitors' page. */
  me: MeDto | null;
}

export interface ScreenData {
  /** The screen's Page `cap`: any one of these is enough. Leave out for any signed-in user. */
  cap?: string | readonly string[];
  /** A visitors' page (no sign-in): prefetched for anyone. */
  public?: true;
  /** Starts the screen's queries with prefetchQuery (which never throws). */
  prefetch: (qc: QueryClient, at: At) => Promise<unknown>;
}

/** A route parameter as the screens read an id: Number(), a positive integer, or nothing. */
function idParam(value: string | null | undefined): number | undefined {
  const n = Number(value ?? undefined);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Starts a screen's queries for whoever is signed in (or, on a visitors' page, anyone); settles
 * once they have, and never rejects: a chunk that failed to load or a session that ended is the
 * screen's to show, not the loader's.
 */
export async function prefetchScreen(qc: QueryClient, data: ScreenData, params: Params, url: URL): Promise<void> {
  try {
    let me: MeDto | null = null;
    if (!data.public) {
      // On a first load the shell asks for the user too: one request (same key).
      me = await qc.ensureQueryData(meQueryOptions);
      const caps = data.cap === undefined ? [] : typeof data.cap === 'string' ? [data.cap] : data.cap;
      if (!me || (caps.length > 0 && !caps.some((c) => can(me, c)))) return;
    }
    await data.prefetch(qc, { params, url, me });
  } catch {
    // The screen's own queries show what went wrong.
  }
}

/** The loader of a screen with data: starts its queries and answers at once. */
export function screenLoader(qc: QueryClient, data: ScreenData): LoaderFunction {
  return ({ params, request }) => {
    void prefetchScreen(qc, data, params, new URL(request.url));
    return null;
  };
}

/**
 * Run again only when the path changes (another id): a list's filters and search live in the
 * URL's query and change as the user types; the screen's own queries follow those, debounced.
 */
export const onPathChange: ShouldRevalidateFunction = ({ currentUrl, nextUrl }) =>
  currentUrl.pathname !== nextUrl.pathname;

// ---- the screens ---------------------------------------------------------------------------

const SITE_CONFIG = 'moodle/site:config';
const ALL_TOKENS = 'moodle/webservice:managealltokens';
const HUB_MANAGE = 'local/hub:manage';
const ROLE_VIEW = ['moodle/role:manage', 'moodle/role:review'] as const;

/** A list's state as its screen reads it: the URL's query through the list's shared schema (the list kit). */
async function listState<S extends z.ZodObject<z.ZodRawShape>>(schemaOf: (shared: typeof Shared) => S, url: URL) {
  const [shared, list] = await Promise.all([import('@gatehouse/shared'), import('./components/list/use-list-query')]);
  const schema = schemaOf(shared);
  return list.parseListQuery(schema, list.pick(url.searchParams, Object.keys(schema.shape)));
}

const settings = async (qc: QueryClient) => {
  const m = await import('./features/settings/queries');
  return qc.prefetchQuery(m.settingsQueryOptions);
};

export const screens = {
  advancedFeatures: {
    cap: SITE_CONFIG,
    prefetch: async (qc) => {
      const m = await import('./features/mobile/queries');
      return Promise.all([settings(qc), qc.prefetchQuery(m.mobileQueryOptions)]);
    },
  },
  settingsPage: { cap: SITE_CONFIG, prefetch: settings },
  keyDocumentation: {
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      const m = await import('./features/webservice/queries');
      return qc.prefetchQuery(m.keyDocsQueryOptions(id));
    },
  },
  userEdit: {
    cap: 'moodle/user:viewdetails',
    prefetch: async (qc, { params, me }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      const m = await import('./features/users/queries');
      return Promise.all([
        qc.prefetchQuery(m.userQueryOptions(id)),
        // The roles summary shows to those who may review roles only.
        can(me, 'moodle/role:review') ? qc.prefetchQuery(m.userCapabilitiesQueryOptions(id)) : undefined,
      ]);
    },
  },
  rolesList: {
    cap: ROLE_VIEW,
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/roles/queries')).roleListQueryOptions),
  },
  roleNew: {
    cap: 'moodle/role:manage',
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/roles/queries')).capabilityDefsQueryOptions),
  },
  rolesAssign: {
    cap: 'moodle/role:assign',
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/roles/queries')).roleListQueryOptions),
  },
  rolesCheck: {
    cap: 'moodle/role:review',
    prefetch: async (qc, { url }) => {
      const [roles, users] = await Promise.all([
        import('./features/roles/queries'),
        import('./features/users/queries'),
      ]);
      const userId = idParam(url.searchParams.get('user'));
      return Promise.all([
        qc.prefetchQuery(roles.capabilityDefsQueryOptions),
        userId === undefined ? undefined : qc.prefetchQuery(users.userCapabilitiesQueryOptions(userId)),
      ]);
    },
  },
  roleEdit: {
    cap: ROLE_VIEW,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      const m = await import('./features/roles/queries');
      return Promise.all([qc.prefetchQuery(m.roleQueryOptions(id)), qc.prefetchQuery(m.capabilityDefsQueryOptions)]);
    },
  },
  webserviceOverview: {
    cap: SITE_CONFIG,
    prefetch: async (qc) => {
      const [overview, usage] = await Promise.all([
        import('./features/overview/queries'),
        import('./features/usage/queries'),
      ]);
      return Promise.all([
        qc.prefetchQuery(overview.overviewQueryOptions),
        qc.prefetchQuery(usage.usageQueryOptions({ kind: 'site' }, '48h')),
      ]);
    },
  },
  functionDocs: {
    cap: SITE_CONFIG,
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/webservice/queries')).functionDocsQueryOptions),
  },
  openApiDocuments: {
    cap: SITE_CONFIG,
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/docs/queries')).openApiDocumentsQueryOptions),
  },
  servicesList: {
    cap: SITE_CONFIG,
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/services/queries')).serviceListQueryOptions),
  },
  serviceEdit: {
    cap: SITE_CONFIG,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      const [services, usage] = await Promise.all([
        import('./features/services/queries'),
        import('./features/usage/queries'),
      ]);
      return Promise.all([
        qc.prefetchQuery(services.serviceQueryOptions(id)),
        qc.prefetchQuery(usage.usageQueryOptions({ kind: 'service', id }, '48h')),
      ]);
    },
  },
  serviceFunctions: {
    cap: SITE_CONFIG,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      const m = await import('./features/services/queries');
      return Promise.all([
        qc.prefetchQuery(m.serviceQueryOptions(id)),
        qc.prefetchQuery(m.serviceFunctionsQueryOptions(id)),
      ]);
    },
  },
  serviceUsers: {
    cap: SITE_CONFIG,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      const m = await import('./features/services/queries');
      return Promise.all([
        qc.prefetchQuery(m.serviceQueryOptions(id)),
        qc.prefetchQuery(m.authorisedUsersQueryOptions(id)),
      ]);
    },
  },
  serviceUserSettings: {
    cap: SITE_CONFIG,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined || idParam(params.userId) === undefined) return;
      const m = await import('./features/services/queries');
      return Promise.all([
        qc.prefetchQuery(m.serviceQueryOptions(id)),
        qc.prefetchQuery(m.authorisedUsersQueryOptions(id)),
      ]);
    },
  },
  tokensList: {
    cap: ALL_TOKENS,
    prefetch: async (qc, { url }) => {
      const [tokens, filters] = await Promise.all([
        import('./features/tokens/queries'),
        listState((shared) => shared.tokenListQuerySchema, url),
      ]);
      return Promise.all([
        qc.prefetchQuery(tokens.tokenListQueryOptions(filters)),
        qc.prefetchQuery(tokens.tokenServicesQueryOptions),
      ]);
    },
  },
  tokenNew: {
    cap: ALL_TOKENS,
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/tokens/queries')).tokenServicesQueryOptions),
  },
  tokenPage: {
    cap: ALL_TOKENS,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      const [tokens, usage] = await Promise.all([
        import('./features/tokens/queries'),
        import('./features/usage/queries'),
      ]);
      // The access report and the chart show under the token: all three at once, not one after another.
      return Promise.all([
        qc.prefetchQuery(tokens.tokenQueryOptions(id)),
        qc.prefetchQuery(tokens.tokenAccessQueryOptions(id)),
        qc.prefetchQuery(usage.usageQueryOptions({ kind: 'token', id }, '48h')),
      ]);
    },
  },
  mobile: {
    cap: SITE_CONFIG,
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/mobile/queries')).mobileQueryOptions),
  },
  hubSettings: {
    cap: HUB_MANAGE,
    prefetch: async (qc) => qc.prefetchQuery((await import('./features/hub/queries')).hubSettingsQueryOptions),
  },
  hubSiteEdit: {
    cap: HUB_MANAGE,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      return qc.prefetchQuery((await import('./features/hub/queries')).hubSiteQueryOptions(id));
    },
  },
  hubCourseEdit: {
    cap: HUB_MANAGE,
    prefetch: async (qc, { params }) => {
      const id = idParam(params.id);
      if (id === undefined) return;
      return qc.prefetchQuery((await import('./features/hub/queries')).hubCourseQueryOptions(id));
    },
  },
  hubSearch: {
    public: true,
    prefetch: async (qc, { url }) => {
      const q = url.searchParams.get('q') ?? '';
      const page = idParam(url.searchParams.get('page')) ?? 1;
      return qc.prefetchQuery((await import('./features/hub/queries')).hubSearchQueryOptions(q, page));
    },
  },
  auditLog: {
    cap: 'moodle/site:viewreports',
    prefetch: async (qc, { url }) => {
      const [audit, filters] = await Promise.all([
        import('./features/audit/queries'),
        listState((shared) => shared.auditQuerySchema, url),
      ]);
      return Promise.all([
        qc.prefetchQuery(audit.auditListQueryOptions(filters)),
        qc.prefetchQuery(audit.auditActionsQueryOptions),
      ]);
    },
  },
  usersList: {
    cap: 'moodle/user:viewdetails',
    prefetch: async (qc, { url }) => {
      const [users, filters] = await Promise.all([
        import('./features/users/list-queries'),
        listState((shared) => shared.userListQuerySchema, url),
      ]);
      return qc.prefetchQuery(users.userListPageQueryOptions(filters));
    },
  },
  hubSites: {
    cap: HUB_MANAGE,
    prefetch: async (qc, { url }) => {
      const [hub, filters] = await Promise.all([
        import('./features/hub/list-queries'),
        listState((shared) => shared.hubSiteListQuerySchema, url),
      ]);
      return qc.prefetchQuery(hub.hubSiteListQueryOptions(filters));
    },
  },
  hubCourses: {
    cap: HUB_MANAGE,
    prefetch: async (qc, { url }) => {
      const [lists, hub, filters] = await Promise.all([
        import('./features/hub/list-queries'),
        import('./features/hub/queries'),
        listState((shared) => shared.hubCourseListQuerySchema, url),
      ]);
      return Promise.all([
        qc.prefetchQuery(lists.hubCourseListQueryOptions(filters)),
        qc.prefetchQuery(hub.hubSiteOptionsQueryOptions),
      ]);
    },
  },
} satisfies Record<string, ScreenData>;
