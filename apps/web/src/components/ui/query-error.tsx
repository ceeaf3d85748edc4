import { isApiError } from '../../api/client';
import { Alert } from './alert';
import { Button } from './button';
import { NoPermission } from './no-permission';

/** The error state of a screen's data: no permission, not found, or a failure with Retry. */
export function QueryError({
  error,
  onRetry,
  what = 'this page',
}: {
  error: Error;
  onRetry?: () => void;
  what?: string;
}) {
  if (isApiError(error) && error.status === 403) return <NoPermission message={error.message} />;
  if (isApiError(error) && error.status === 404) {
    return (
      <Alert tone="error" title="Not found">
        {error.message}
      </Alert>
    );
  }
  return (
    <Alert tone="error" title={`Could not load ${what}`}>
      <p>{error.message}</p>
      {onRetry && (
        <Button size="sm" className="mt-2" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Alert>
  );
}
