import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { signOutIntent, useLogout, useMe } from '../../features/auth/queries';
import { Alert } from '../ui/alert';
import { Button } from '../ui/button';
import { Loading } from '../ui/loading';
import { AdminNav, PreferencesNav } from './admin-nav';
import { visibleNav } from './admin-nav-tree';

function SkipLink() {
  return (
    <a
      href="#main"
      className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
    >
      Skip to main content
    </a>
  );
}

/** The signed-in frame: header, Site administration tree, the current screen. */
export function AppShell() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const logout = useLogout();

  if (me.isPending) {
    return (
      <div className="mx-auto max-w-md p-8">
        <Loading label="Loading Gatehouse…" />
      </div>
    );
  }
  if (me.isError) {
    return (
      <main className="mx-auto max-w-md p-8">
        <h1 className="mb-4 text-xl font-semibold">Gatehouse</h1>
        <Alert tone="error" title="Could not reach the server">
          <p>{me.error.message}</p>
          <Button size="sm" className="mt-2" onClick={() => me.refetch()}>
            Try again
          </Button>
        </Alert>
      </main>
    );
  }
  if (!me.data) {
    const from = `${location.pathname}${location.search}`;
    return <Navigate to="/login" replace state={signOutIntent.explicit ? undefined : { from }} />;
  }

  const nav = visibleNav(me.data);
  return (
    <div className="flex min-h-screen flex-col">
      <SkipLink />
      <header className="border-b border-slate-800 bg-slate-900 text-white print:hidden">
        <div className="flex h-14 items-center justify-between gap-4 px-4">
          <Link to="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
            <img src="/favicon.svg" alt="" className="size-7" />
            Gatehouse
          </Link>
          <div className="flex items-center gap-4 text-sm">
            <Link to="/preferences" className="rounded px-2 py-1 text-slate-200 hover:bg-slate-800 hover:text-white">
              Preferences
            </Link>
            <Link
              to="/preferences/keys"
              className="rounded px-2 py-1 text-slate-200 hover:bg-slate-800 hover:text-white"
            >
              Security keys
            </Link>
            <span className="hidden text-slate-300 sm:inline">
              Signed in as <span className="font-medium text-white">{me.data.fullname || me.data.username}</span>
            </span>
            <button
              type="button"
              onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}
              disabled={logout.isPending}
              className="rounded-md border border-slate-600 px-3 py-1 text-slate-100 hover:bg-slate-800 focus-visible:outline-white"
            >
              Log out
            </button>
          </div>
        </div>
      </header>
      <div className="flex flex-1">
        <aside className="w-60 shrink-0 border-r border-slate-200 bg-white print:hidden">
          {nav.length > 0 ? <AdminNav nodes={nav} /> : <div className="h-6" />}
          <PreferencesNav />
        </aside>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 focus:outline-none">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
