import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

/** Last resort when a screen fails to load or throws while rendering. */
export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'Unknown error';
  // A new deployment removes the old chunks: reloading fetches the new ones.
  const chunkGone = /dynamically imported module|Importing a module script failed/i.test(message);
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <div role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
        {chunkGone ? 'Gatehouse has been updated since this page was opened. Reload the page to continue.' : message}
      </div>
      <p className="mt-4 flex gap-4 text-sm">
        <button type="button" className="text-blue-700 underline" onClick={() => window.location.reload()}>
          Reload the page
        </button>
        <Link to="/" className="text-blue-700 underline">
          Go to the start page
        </Link>
      </p>
    </main>
  );
}
