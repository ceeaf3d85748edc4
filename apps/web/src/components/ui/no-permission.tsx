import { Link } from 'react-router';
import { Alert } from './alert';

/** What a screen shows instead of its content when the user lacks the capability for it. */
export function NoPermission({ message }: { message?: string }) {
  return (
    <Alert tone="error" title="You do not have permission to view this page">
      <p>{message ?? 'Your account does not hold the capability this page needs. Ask a site administrator.'}</p>
      <p className="mt-2">
        <Link to="/" className="font-medium underline">
          Go to the start page
        </Link>
      </p>
    </Alert>
  );
}
