import { Link } from 'react-router';
import { Page } from '../components/layout/page';

export default function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p className="text-sm text-slate-700">
        There is no page at this address. It may have moved, or the link may be mistyped.
      </p>
      <p className="mt-4 text-sm">
        <Link to="/" className="font-medium text-blue-700 hover:underline">
          Go to the start page
        </Link>
      </p>
    </Page>
  );
}
