import { PROTOCOL_LABELS } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { isApiError } from '../api/client';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { DocsBrowser } from '../features/docs/docs-browser';
import { DownloadOpenApiButton } from '../features/docs/download-openapi';
import { EndpointGuide } from '../features/docs/endpoint-guide';
import { keyDocsQueryOptions, keyOpenApiQueryOptions } from '../features/webservice/queries';

function KeyDocsError({ error, onRetry }: { error: Error; onRetry: () => void }) {
  if (isApiError(error) && error.code === 'docsdisabled') {
    return (
      <Alert tone="warning" title="Web services documentation is not enabled on this site">
        <p>
          An administrator can enable it in Site administration › Plugins › Web services › Manage protocols (
          <em>Web services documentation</em>).
        </p>
      </Alert>
    );
  }
  if (isApiError(error) && error.status === 404) {
    return (
      <Alert tone="error" title="Security key not found">
        <p>
          You have no security key with this id: it may have been deleted, or it belongs to someone else.{' '}
          <Link to="/preferences/keys" className="font-medium underline">
            Back to your security keys
          </Link>
        </p>
      </Alert>
    );
  }
  return <QueryError error={error} onRetry={onRetry} what="the documentation" />;
}

function KeyDocumentation({ keyId, selected }: { keyId: number; selected?: string }) {
  const q = useQuery(keyDocsQueryOptions(keyId));
  if (q.isPending) return <Loading label="Loading the documentation…" />;
  if (q.isError) return <KeyDocsError error={q.error} onRetry={() => q.refetch()} />;
  const { key, service, protocols } = q.data;
  return (
    <>
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <dl className="grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
          <dt className="font-medium text-slate-600">Key</dt>
          <dd>
            {key.name} (<code>{key.stub}</code>)
          </dd>
          <dt className="font-medium text-slate-600">Service</dt>
          <dd>
            {service.name} (<code>{service.shortname}</code>)
          </dd>
          <dt className="font-medium text-slate-600">Protocols</dt>
          <dd>{protocols.length ? protocols.map((p) => PROTOCOL_LABELS[p]).join(', ') : 'None enabled'}</dd>
        </dl>
        <div className="print:hidden">
          <DownloadOpenApiButton
            label="Download OpenAPI"
            filename={`gatehouse-${service.shortname}.openapi.json`}
            query={keyOpenApiQueryOptions(keyId)}
          />
        </div>
      </div>
      {q.data.functions.length === 0 ? (
        <Alert tone="info" live={false}>
          The service of this key offers no functions yet.
        </Alert>
      ) : (
        <DocsBrowser
          docs={q.data}
          basePath={`/preferences/keys/${keyId}/docs`}
          selected={selected}
          fixedKey={{ id: key.id, name: key.name, stub: key.stub, service: service.name }}
        />
      )}
      <div className="mt-8">
        <EndpointGuide baseUrl={q.data.baseUrl} />
      </div>
    </>
  );
}

/** Preferences › Security keys › Documentation: the functions one of the user's keys can call. */
export default function KeyDocumentationPage() {
  const { id, functionName } = useParams();
  const keyId = Number(id);
  const valid = Number.isInteger(keyId) && keyId > 0;
  return (
    <Page
      title="Web service documentation"
      back={{ to: '/preferences/keys', label: 'Security keys' }}
      description="The functions your key can call, with their arguments, response, errors and examples for the enabled protocols. Replace YOUR_TOKEN in the examples with the key itself."
    >
      {valid ? (
        <KeyDocumentation keyId={keyId} selected={functionName} />
      ) : (
        <Alert tone="error" title="Security key not found">
          There is no security key with this id.
        </Alert>
      )}
    </Page>
  );
}
