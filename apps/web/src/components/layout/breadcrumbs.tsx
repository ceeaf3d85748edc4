import { Link, useLocation } from 'react-router';
import { breadcrumbTrail } from './admin-nav-tree';

/**
 * The trail from Site administration (or Preferences) to the current page, every step that is a
 * page a link, the current page last (not a link, aria-current). Nothing on a page at the top.
 */
export function Breadcrumbs({ current, parent }: { current: string; parent?: { to: string; label: string } }) {
  const { pathname } = useLocation();
  const trail = breadcrumbTrail(pathname, parent);
  if (trail.length === 0) return null;
  return (
    <nav aria-label="Breadcrumb" className="mb-3 text-sm print:hidden">
      <ol className="flex flex-wrap items-center gap-x-1.5 gap-y-0.5 text-slate-600">
        {trail.map((c) => (
          <li key={`${c.label}|${c.to ?? ''}`} className="flex items-center gap-1.5">
            {c.to ? (
              <Link to={c.to} className="text-blue-700 hover:underline">
                {c.label}
              </Link>
            ) : (
              <span>{c.label}</span>
            )}
            <span aria-hidden="true">›</span>
          </li>
        ))}
        <li className="min-w-0">
          <span aria-current="page" className="font-medium break-words text-slate-800">
            {current}
          </span>
        </li>
      </ol>
    </nav>
  );
}
