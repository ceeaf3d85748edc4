import { Navigate } from 'react-router';
import { hasAnyAdminPage } from '../components/layout/admin-nav-tree';
import { useCurrentUser } from '../features/auth/queries';

/** `/`: administrators to Site administration, everybody else to their Preferences. */
export function HomeRedirect() {
  const me = useCurrentUser();
  return <Navigate to={hasAnyAdminPage(me) ? '/admin' : '/preferences'} replace />;
}
