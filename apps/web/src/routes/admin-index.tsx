import { Link } from 'react-router';
import { isGroup, type NavNode, visibleNav } from '../components/layout/admin-nav-tree';
import { Page } from '../components/layout/page';
import { EmptyState } from '../components/ui/empty-state';
import { useCurrentUser } from '../features/auth/queries';

function Links({ nodes }: { nodes: NavNode[] }) {
  return (
    <ul className="space-y-1">
      {nodes.map((n) =>
        isGroup(n) ? (
          <li key={n.label}>
            <span className="text-sm text-slate-600">{n.label}</span>
            <div className="mt-1 ml-4">
              <Links nodes={n.children} />
            </div>
          </li>
        ) : (
          <li key={n.to}>
            <Link to={n.to} className="text-sm text-blue-700 hover:underline">
              {n.label}
            </Link>
          </li>
        ),
      )}
    </ul>
  );
}

/** Site administration: every admin page the user may open, grouped as in Moodle. */
export default function AdminIndexPage() {
  const me = useCurrentUser();
  const nav = visibleNav(me);
  const leaves = nav.filter((n) => !isGroup(n));
  const groups = nav.filter(isGroup);
  return (
    <Page title="Site administration">
      {nav.length === 0 ? (
        <EmptyState title="No administration pages">Your account has no administration capabilities.</EmptyState>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {leaves.length > 0 && (
            <section className="rounded-md border border-slate-200 bg-white p-4">
              <h2 className="mb-2 font-semibold">General</h2>
              <Links nodes={leaves} />
            </section>
          )}
          {groups.map((g) => (
            <section key={g.label} className="rounded-md border border-slate-200 bg-white p-4">
              <h2 className="mb-2 font-semibold">{g.label}</h2>
              <Links nodes={g.children} />
            </section>
          ))}
        </div>
      )}
    </Page>
  );
}
