import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { EmptyState } from '../components/ui/empty-state';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { AllFunctionsDocument, ServiceDocument, UsingOpenApi } from '../features/docs/openapi-documents';
import { openApiDocumentsQueryOptions } from '../features/docs/queries';

const BASE = '/admin/webservice/openapi';

function Documents({ serviceId }: { serviceId: number | null }) {
  const q = useQuery(openApiDocumentsQueryOptions);
  if (q.isPending) return <Loading label="Loading the OpenAPI documents…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the OpenAPI documents" />;
  const { all, services, baseUrl } = q.data;
  // A service's link (from the services list) shows that service's document first.
  const one = serviceId === null ? undefined : services.find((s) => s.id === serviceId);
  if (serviceId !== null && !one) {
    return (
      <Alert tone="error" title="Not found">
        There is no service with this id.{' '}
        <Link to={BASE} className="underline">
          All OpenAPI documents
        </Link>
      </Alert>
    );
  }
  const example = `npx @openapitools/openapi-generator-cli generate \\
  -i ${one?.filename ?? all.filename} \\
  -g typescript-fetch \\
  -o gatehouse-client`;
  return (
    <>
      {one ? (
        <Section title="This service's document">
          <ServiceDocument service={one} />
          <p className="mt-3 text-sm">
            <Link to={BASE} className="text-blue-700 underline">
              All OpenAPI documents
            </Link>
          </p>
        </Section>
      ) : (
        <>
          <Section title="Everything">
            <AllFunctionsDocument all={all} />
          </Section>
          <Section title="By service" description="Only the functions a service offers: what a client of it can call.">
            {services.length === 0 ? (
              <EmptyState title="No services yet" />
            ) : (
              <ul className="grid grid-cols-1 gap-3">
                {services.map((s) => (
                  <li key={s.id} className="min-w-0">
                    <ServiceDocument service={s} />
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </>
      )}
      <Section title="Using the documents">
        <UsingOpenApi baseUrl={baseUrl} example={example} />
      </Section>
    </>
  );
}

/**
 * Site administration › Plugins › Web services › API documentation › OpenAPI documents: the
 * OpenAPI 3.1 documents to download (all functions, or one service's) and how to use them. A
 * plain console page: names are React text, and the page needs nothing beyond the console's CSP.
 */
export default function OpenApiDocumentsPage() {
  const { serviceId: param } = useParams();
  const serviceId = param === undefined ? null : Number(param);
  const valid = serviceId === null || (Number.isInteger(serviceId) && serviceId > 0);
  return (
    <Page
      title="OpenAPI documents"
      cap="moodle/site:config"
      back={{ to: '/admin/webservice/documentation', label: 'API documentation' }}
      description="The REST endpoint of each function as an OpenAPI 3.1 document, for API tools such as Postman or Insomnia and for code generators."
    >
      {valid ? (
        <Documents serviceId={serviceId} />
      ) : (
        <Alert tone="error" title="Not found">
          There is no service with this id.
        </Alert>
      )}
    </Page>
  );
}
