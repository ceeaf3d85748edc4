import { useId } from 'react';
import { Link, NavLink } from 'react-router';
import { cn } from '../../lib/cn';
import { isGroup, type NavNode, PREFERENCES_NAV } from './admin-nav-tree';

function Nodes({ nodes, depth }: { nodes: NavNode[]; depth: number }) {
  return (
    <ul className={cn('space-y-0.5', depth > 0 && 'mt-0.5 ml-3 border-l border-slate-200 pl-2')}>
      {nodes.map((n) =>
        isGroup(n) ? (
          <li key={n.label}>
            <span className="block px-2 pt-2 pb-0.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">
              {n.label}
            </span>
            <Nodes nodes={n.children} depth={depth + 1} />
          </li>
        ) : (
          <li key={n.to}>
            <NavLink
              to={n.to}
              end
              className={({ isActive }) =>
                cn(
                  'block rounded-md px-2 py-1.5 text-sm',
                  isActive ? 'bg-blue-50 font-medium text-blue-800' : 'text-slate-700 hover:bg-slate-100',
                )
              }
            >
              {n.label}
            </NavLink>
          </li>
        ),
      )}
    </ul>
  );
}

/** The left-hand "Site administration" tree. */
export function AdminNav({ nodes }: { nodes: NavNode[] }) {
  const headingId = useId();
  return (
    <nav aria-labelledby={headingId} className="px-3 py-6">
      <h2 id={headingId} className="mb-2 px-2">
        <Link to="/admin" className="text-sm font-semibold text-slate-900 hover:underline">
          Site administration
        </Link>
      </h2>
      <Nodes nodes={nodes} depth={0} />
    </nav>
  );
}

const PREFERENCES_LINKS: NavNode[] = [{ label: 'Preferences', to: '/preferences', cap: '' }, ...PREFERENCES_NAV];

/** Every user's own pages (Moodle's Preferences). */
export function PreferencesNav() {
  const headingId = useId();
  return (
    <nav aria-labelledby={headingId} className="px-3 pb-6">
      <h2 id={headingId} className="mb-2 px-2">
        <Link to="/preferences" className="text-sm font-semibold text-slate-900 hover:underline">
          Preferences
        </Link>
      </h2>
      <Nodes nodes={PREFERENCES_LINKS} depth={0} />
    </nav>
  );
}
