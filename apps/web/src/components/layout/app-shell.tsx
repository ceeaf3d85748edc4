import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { signOutIntent, useLogout, useMe } from '../../features/auth/queries';
import { Alert } from '../ui/alert';
import { Button } from '../ui/button';
import { Loading } from '../ui/loading';
import { AdminNav, PreferencesNav } from './admin-nav';
import { visibleNav } from './admin-nav-tree';
import { AdminSearch } from './admin-search';
import { NavDrawer } from './nav-drawer';
import { StatusBanner } from './status-banner';
import { ThemeSelect } from './theme-select';

/** Below this width the navigation is a drawer behind the header's menu button (Tailwind's `lg`). */
const WIDE = '(min-width: 64rem)';

/** The drawer's state: open or closed, closed on a route change and when the window grows wide. */
function useMenu() {
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  // Where the focus goes once the drawer has closed: back to the menu button, or, after a
  // navigation from the drawer, to the new page's heading.
  const focusOnClose = useRef<'button' | 'page'>('button');

  // Every navigation (a new history entry, even to the same page) closes it.
  const lastKey = useRef(location.key);
  useEffect(() => {
    if (lastKey.current === location.key) return;
    lastKey.current = location.key;
    focusOnClose.current = 'page';
    setOpen(false);
  }, [location.key]);

  useEffect(() => {
    if (!open || typeof window.matchMedia !== 'function') return;
    const wide = window.matchMedia(WIDE);
    const onChange = () => {
      if (wide.matches) setOpen(false);
    };
    wide.addEventListener('change', onChange);
    return () => wide.removeEventListener('change', onChange);
  }, [open]);

  return {
    open,
    button,
    toggle: () => {
      focusOnClose.current = 'button';
      setOpen((o) => !o);
    },
    close: () => {
      focusOnClose.current = 'button';
      setOpen(false);
    },
    onClosed: () => {
      if (focusOnClose.current === 'page') {
        (document.querySelector<HTMLElement>('main h1') ?? document.getElementById('main'))?.focus();
      } else {
        button.current?.focus();
      }
      focusOnClose.current = 'button';
    },
  };
}

function MenuIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.8">
      <path d="M3 5h14M3 10h14M3 15h14" strokeLinecap="round" />
    </svg>
  );
}

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
  const menu = useMenu();

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
      {/* Dark in both themes: it keeps the original palette (index.css). */}
      <header className="original-palette border-b border-slate-800 bg-slate-900 text-white print:hidden">
        <div className="flex h-14 flex-nowrap items-center justify-between gap-2 px-2 whitespace-nowrap sm:gap-4 sm:px-4">
          <div className="flex min-w-0 items-center gap-1 sm:gap-2">
            <button
              ref={menu.button}
              type="button"
              aria-expanded={menu.open}
              aria-controls="nav-drawer"
              onClick={menu.toggle}
              className="inline-flex shrink-0 items-center gap-1.5 rounded-md px-2 py-1.5 text-sm text-slate-100 hover:bg-slate-800 focus-visible:outline-white lg:hidden"
            >
              <MenuIcon />
              Menu
            </button>
            <Link to="/" className="flex min-w-0 items-center gap-2 text-lg font-semibold tracking-tight">
              <img src="/favicon.svg" alt="" className="size-7 shrink-0" />
              <span className="truncate">Gatehouse</span>
            </Link>
          </div>
          <div className="flex shrink-0 items-center gap-2 text-sm sm:gap-4">
            <Link
              to="/preferences"
              className="hidden rounded px-2 py-1 text-slate-200 hover:bg-slate-800 hover:text-white sm:inline-block"
            >
              Preferences
            </Link>
            <Link
              to="/preferences/keys"
              className="hidden rounded px-2 py-1 text-slate-200 hover:bg-slate-800 hover:text-white sm:inline-block"
            >
              Security keys
            </Link>
            <ThemeSelect />
            <span className="hidden max-w-64 truncate text-slate-300 lg:inline">
              Signed in as <span className="font-medium text-white">{me.data.fullname || me.data.username}</span>
            </span>
            <button
              type="button"
              onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}
              disabled={logout.isPending}
              className="shrink-0 rounded-md border border-slate-600 px-3 py-1 text-slate-100 hover:bg-slate-800 focus-visible:outline-white"
            >
              Log out
            </button>
          </div>
        </div>
      </header>
      <StatusBanner />
      <NavDrawer id="nav-drawer" open={menu.open} onClose={menu.close} onClosed={menu.onClosed}>
        {nav.length > 0 && <AdminSearch />}
        {nav.length > 0 ? <AdminNav nodes={nav} /> : <div className="h-6" />}
        <PreferencesNav />
      </NavDrawer>
      <div className="flex flex-1">
        <aside className="hidden w-60 shrink-0 border-r border-slate-200 bg-white lg:block print:hidden">
          {nav.length > 0 && <AdminSearch />}
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
