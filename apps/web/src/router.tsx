import type { QueryClient } from '@tanstack/react-query';
import type { ComponentType } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { AppShell } from './components/layout/app-shell';
import { RootLayout } from './components/layout/root-layout';
import { RouteError } from './components/layout/route-error';
import { Loading } from './components/ui/loading';
import { HomeRedirect } from './routes/home';
import { onPathChange, type ScreenData, screenLoader, screens } from './screen-data';

function HydrateFallback() {
  return <Loading label="Loading Gatehouse…" />;
}

type Load = () => Promise<{ default: ComponentType }>;

/**
 * The routes, their screens loaded on first visit (so the initial bundle stays small), each
 * screen's queries started by its loader alongside its chunk (screen-data.ts).
 */
function routes(qc: QueryClient): RouteObject[] {
  function lazyScreen(path: string, load: Load, data?: ScreenData): RouteObject {
    const lazy = async () => ({ Component: (await load()).default });
    return data ? { path, lazy, loader: screenLoader(qc, data), shouldRevalidate: onPathChange } : { path, lazy };
  }
  const s = screens;

  return [
    {
      Component: RootLayout,
      ErrorBoundary: RouteError,
      HydrateFallback,
      children: [
        lazyScreen('/login', () => import('./routes/login')),
        lazyScreen('/hub', () => import('./routes/hub-search'), s.hubSearch),
        {
          path: '/',
          Component: AppShell,
          ErrorBoundary: RouteError,
          children: [
            { index: true, Component: HomeRedirect },
            lazyScreen('preferences', () => import('./routes/preferences')),
            lazyScreen('preferences/keys', () => import('./routes/security-keys')),
            lazyScreen(
              'preferences/keys/:id/docs/:functionName?',
              () => import('./routes/key-documentation'),
              s.keyDocumentation,
            ),
            lazyScreen('admin', () => import('./routes/admin-index')),
            lazyScreen('admin/search', () => import('./routes/admin-search')),
            lazyScreen('admin/advanced-features', () => import('./routes/advanced-features'), s.advancedFeatures),
            lazyScreen('admin/users', () => import('./routes/users-list'), s.usersList),
            lazyScreen('admin/users/new', () => import('./routes/user-new')),
            lazyScreen('admin/users/:id', () => import('./routes/user-edit'), s.userEdit),
            lazyScreen('admin/roles', () => import('./routes/roles-list'), s.rolesList),
            lazyScreen('admin/roles/new', () => import('./routes/role-new'), s.roleNew),
            lazyScreen('admin/roles/assign', () => import('./routes/roles-assign'), s.rolesAssign),
            lazyScreen('admin/roles/check', () => import('./routes/roles-check'), s.rolesCheck),
            lazyScreen('admin/roles/:id', () => import('./routes/role-edit'), s.roleEdit),
            lazyScreen('admin/webservice/overview', () => import('./routes/webservice-overview'), s.webserviceOverview),
            lazyScreen(
              'admin/webservice/documentation/:functionName?',
              () => import('./routes/api-documentation'),
              s.functionDocs,
            ),
            lazyScreen(
              'admin/webservice/openapi/:serviceId?',
              () => import('./routes/openapi-reference'),
              s.openApiDocuments,
            ),
            lazyScreen('admin/webservice/protocols', () => import('./routes/webservice-protocols'), s.settingsPage),
            lazyScreen('admin/webservice/services', () => import('./routes/services-list'), s.servicesList),
            lazyScreen('admin/webservice/services/new', () => import('./routes/service-new')),
            lazyScreen('admin/webservice/services/:id', () => import('./routes/service-edit'), s.serviceEdit),
            lazyScreen(
              'admin/webservice/services/:id/functions',
              () => import('./routes/service-functions'),
              s.serviceFunctions,
            ),
            lazyScreen('admin/webservice/services/:id/users', () => import('./routes/service-users'), s.serviceUsers),
            lazyScreen(
              'admin/webservice/services/:id/users/:userId',
              () => import('./routes/service-user-settings'),
              s.serviceUserSettings,
            ),
            lazyScreen('admin/webservice/tokens', () => import('./routes/tokens-list'), s.tokensList),
            lazyScreen('admin/webservice/tokens/new', () => import('./routes/token-new'), s.tokenNew),
            lazyScreen('admin/webservice/tokens/:id', () => import('./routes/token-page'), s.tokenPage),
            lazyScreen('admin/webservice/mobile', () => import('./routes/mobile'), s.mobile),
            lazyScreen('admin/webservice/testclient', () => import('./routes/test-client'), s.functionDocs),
            lazyScreen('admin/maintenance', () => import('./routes/maintenance'), s.settingsPage),
            lazyScreen('admin/debugging', () => import('./routes/debugging'), s.settingsPage),
            lazyScreen('admin/hub/settings', () => import('./routes/hub-settings'), s.hubSettings),
            lazyScreen('admin/hub/sites', () => import('./routes/hub-sites'), s.hubSites),
            lazyScreen('admin/hub/sites/:id', () => import('./routes/hub-site-edit'), s.hubSiteEdit),
            lazyScreen('admin/hub/courses', () => import('./routes/hub-courses'), s.hubCourses),
            lazyScreen('admin/hub/courses/:id', () => import('./routes/hub-course-edit'), s.hubCourseEdit),
            lazyScreen('admin/audit', () => import('./routes/audit-log'), s.auditLog),
            lazyScreen('*', () => import('./routes/not-found')),
          ],
        },
      ],
    },
  ];
}

export const createRouter = (qc: QueryClient) => createBrowserRouter(routes(qc));
