import { PROTOCOL_LABELS } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { buttonClasses } from '../components/ui/button';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { DocsBrowser } from '../features/docs/docs-browser';
import { DownloadOpenApiButton } from '../features/docs/download-openapi';
import { EndpointGuide } from '../features/docs/endpoint-guide';
import { functionDocsQueryOptions, openApiQueryOptions } from '../features/webservice/queries';

const BASE = '/admin/webservice/documentation';

function Documentation({ selected }: { selected?: string }) {
  const q = useQuery(functionDocsQueryOptions);
  if (q.isPending) return <Loading label="Loading the documentation…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the documentation" />;
  const enabled = q.data.enabledProtocols ?? [];
  return (
    <>
      <Alert tone="info" live={false} className="mb-6 print:hidden">
        {enabled.length ? (
          <>
            Enabled protocols: {enabled.map((p) => PROTOCOL_LABELS[p]).join(', ')}. Examples are given for every
            protocol Gatehouse speaks; a client can only use the enabled ones (
            <Link to="/admin/webservice/protocols" className="font-medium underline">
              Manage protocols
            </Link>
            ).
          </>
        ) : (
          <>
            No protocol is enabled: no client can call these functions yet (
            <Link to="/admin/webservice/protocols" className="font-medium underline">
              Manage protocols
            </Link>
            ).
          </>
        )}{' '}
        Examples use <code>{q.data.baseUrl}</code> and a <code>YOUR_TOKEN</code> placeholder. After the functions:{' '}
        <a href="#endpoint-guide" className="font-medium underline">
          the file endpoints, the two SOAP styles and the differences from Moodle
        </a>
        .
      </Alert>
      <DocsBrowser docs={q.data} basePath={BASE} selected={selected} />
      <div id="endpoint-guide" className="mt-8 scroll-mt-4">
        <EndpointGuide baseUrl={q.data.baseUrl} />
      </div>
    </>
  );
}

/** Site administration › Plugins › Web services › API documentation. */
export default function ApiDocumentationPage() {
  const { functionName } = useParams();
  return (
    <Page
      title="API documentation"
      cap="moodle/site:config"
      description="Every web service function, generated from the catalogue: what it needs, its arguments and response, its errors, ready-to-run examples, and Try it with one of your keys."
      actions={
        <div className="flex flex-wrap gap-2 print:hidden">
          <Link reloadDocument to="/admin/webservice/openapi" className={buttonClasses('secondary')}>
            API reference (OpenAPI)
          </Link>
          <DownloadOpenApiButton
            label="Download OpenAPI (all functions)"
            filename="gatehouse-all-functions.openapi.json"
            query={openApiQueryOptions(null)}
          />
        </div>
      }
    >
      <Documentation selected={functionName} />
    </Page>
  );
}
