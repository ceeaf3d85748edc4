import type { ServiceDto } from '@gatehouse/shared';
import { Link } from 'react-router';
import { Alert } from '../../components/ui/alert';

const BASE = '/admin/webservice/services';

/** What the authorised-user screens show for a service open to all users. */
export function NotRestrictedNote({ service }: { service: ServiceDto }) {
  return (
    <Alert tone="info" title="This service is open to all users" live={false}>
      <p>
        <strong>{service.name}</strong> is not set to “Authorised users only”: every user with the appropriate
        permissions may use it, so there is no list of authorised users. To choose the users yourself,{' '}
        <Link to={`${BASE}/${service.id}`} className="font-medium underline">
          edit the service
        </Link>{' '}
        and tick Authorised users only.
      </p>
    </Alert>
  );
}
