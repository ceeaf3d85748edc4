import type { ComponentType } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { AppShell } from './components/layout/app-shell';
import { RootLayout } from './components/layout/root-layout';
import { RouteError } from './components/layout/route-error';
import { Loading } from './components/ui/loading';
import { HomeRedirect } from './routes/home';

/** A route whose screen is loaded on first visit, so the initial bundle stays small. */
function lazyScreen(path: string, load: () => Promise<{ default: ComponentType }>): RouteObject {
  return { path, lazy: async () => ({ Component: (await load()).default }) };
}

const routes: RouteObject[] = [
  {
    Component: RootLayout,
    ErrorBoundary: RouteError,
    HydrateFallback: () => <Loading label="Loading Gatehouse…" />,
    children: [
      lazyScreen('/login', () => import('./routes/login')),
      lazyScreen('/hub', () => import('./routes/hub-search')),
      {
        path: '/',
        Component: AppShell,
        ErrorBoundary: RouteError,
        children: [
          { index: true, Component: HomeRedirect },
          lazyScreen('preferences', () => import('./routes/preferences')),
          lazyScreen('preferences/keys', () => import('./routes/security-keys')),
          lazyScreen('preferences/keys/:id/docs/:functionName?', () => import('./routes/key-documentation')),
          lazyScreen('admin', () => import('./routes/admin-index')),
          lazyScreen('admin/search', () => import('./routes/admin-search')),
          lazyScreen('admin/advanced-features', () => import('./routes/advanced-features')),
          lazyScreen('admin/users', () => import('./routes/users-list')),
          lazyScreen('admin/users/new', () => import('./routes/user-new')),
          lazyScreen('admin/users/:id', () => import('./routes/user-edit')),
          lazyScreen('admin/roles', () => import('./routes/roles-list')),
          lazyScreen('admin/roles/new', () => import('./routes/role-new')),
          lazyScreen('admin/roles/assign', () => import('./routes/roles-assign')),
          lazyScreen('admin/roles/check', () => import('./routes/roles-check')),
          lazyScreen('admin/roles/:id', () => import('./routes/role-edit')),
          lazyScreen('admin/webservice/overview', () => import('./routes/webservice-overview')),
          lazyScreen('admin/webservice/documentation/:functionName?', () => import('./routes/api-documentation')),
          lazyScreen('admin/webservice/openapi/:serviceId?', () => import('./routes/openapi-reference')),
          lazyScreen('admin/webservice/protocols', () => import('./routes/webservice-protocols')),
          lazyScreen('admin/webservice/services', () => import('./routes/services-list')),
          lazyScreen('admin/webservice/services/new', () => import('./routes/service-new')),
          lazyScreen('admin/webservice/services/:id', () => import('./routes/service-edit')),
          lazyScreen('admin/webservice/services/:id/functions', () => import('./routes/service-functions')),
          lazyScreen('admin/webservice/services/:id/users', () => import('./routes/service-users')),
          lazyScreen('admin/webservice/services/:id/users/:userId', () => import('./routes/service-user-settings')),
          lazyScreen('admin/webservice/tokens', () => import('./routes/tokens-list')),
          lazyScreen('admin/webservice/tokens/new', () => import('./routes/token-new')),
          lazyScreen('admin/webservice/tokens/:id', () => import('./routes/token-page')),
          lazyScreen('admin/webservice/mobile', () => import('./routes/mobile')),
          lazyScreen('admin/webservice/testclient', () => import('./routes/test-client')),
          lazyScreen('admin/maintenance', () => import('./routes/maintenance')),
          lazyScreen('admin/debugging', () => import('./routes/debugging')),
          lazyScreen('admin/hub/settings', () => import('./routes/hub-settings')),
          lazyScreen('admin/hub/sites', () => import('./routes/hub-sites')),
          lazyScreen('admin/hub/sites/:id', () => import('./routes/hub-site-edit')),
          lazyScreen('admin/hub/courses', () => import('./routes/hub-courses')),
          lazyScreen('admin/hub/courses/:id', () => import('./routes/hub-course-edit')),
          lazyScreen('admin/audit', () => import('./routes/audit-log')),
          lazyScreen('*', () => import('./routes/not-found')),
        ],
      },
    ],
  },
];

export const router = createBrowserRouter(routes);
