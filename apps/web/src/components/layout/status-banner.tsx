import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { can } from '../../features/auth/capabilities';
import { useCurrentUser } from '../../features/auth/queries';
import { siteStatusQueryOptions } from '../../features/shell/site-status';

/**
 * A banner on every console page while the site is in maintenance mode or shows developer debug
 * messages, with a link to the setting for those who may change it. It refreshes when the
 * settings are saved in this window (the save invalidates it) and when the window regains focus
 * (another administrator's change).
 */
export function StatusBanner() {
  const me = useCurrentUser();
  const status = useQuery(siteStatusQueryOptions);

  const s = status.data;
  if (!s || (!s.maintenance && !s.developerDebugging)) return null;
  const mayChange = can(me, 'moodle/site:config');
  return (
    <section
      aria-label="Site status"
      className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 sm:px-6 print:hidden"
    >
      <ul className="mx-auto max-w-7xl space-y-1">
        {s.maintenance && (
          <li>
            <span className="font-semibold">Maintenance mode is on:</span> only users who may access the site in
            maintenance mode can sign in or call web services.{' '}
            {mayChange && (
              <Link to="/admin/maintenance" className="font-medium underline underline-offset-2">
                Maintenance mode settings
              </Link>
            )}
          </li>
        )}
        {s.developerDebugging && (
          <li>
            <span className="font-semibold">Developer debugging is on:</span> error answers carry debugging details for
            developers. Turn it off on a production site.{' '}
            {mayChange && (
              <Link to="/admin/debugging" className="font-medium underline underline-offset-2">
                Debugging settings
              </Link>
            )}
          </li>
        )}
      </ul>
    </section>
  );
}
