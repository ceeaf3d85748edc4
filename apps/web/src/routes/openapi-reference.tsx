import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { SelectField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { DownloadOpenApiButton } from '../features/docs/download-openapi';
import { serviceListQueryOptions } from '../features/services/queries';
import { openApiQueryOptions } from '../features/webservice/queries';

// Scalar is large: it is fetched only when a reference is shown, never with the console itself.
const ScalarReference = lazy(() => import('../features/docs/scalar-reference'));

const BASE = '/admin/webservice/openapi';

function DocumentPicker({ serviceId }: { serviceId: number | null }) {
  const navigate = useNavigate();
  const services = useQuery(serviceListQueryOptions);
  const all = services.data ? [...services.data.builtin, ...services.data.custom] : [];
  return (
    <SelectField
      label="Document"
      value={serviceId === null ? '' : String(serviceId)}
      onChange={(e) => navigate(e.target.value ? `${BASE}/${e.target.value}` : BASE)}
      className="w-full max-w-sm"
      disabled={services.isPending}
    >
      <option value="">All functions</option>
      {all.map((s) => (
        <option key={s.id} value={s.id}>
          Service: {s.name}
        </option>
      ))}
    </SelectField>
  );
}

function Reference({ serviceId }: { serviceId: number | null }) {
  const q = useQuery(openApiQueryOptions(serviceId));
  const services = useQuery(serviceListQueryOptions);
  const service =
    serviceId === null
      ? undefined
      : [...(services.data?.builtin ?? []), ...(services.data?.custom ?? [])].find((s) => s.id === serviceId);
  return (
    <>
      <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <DocumentPicker serviceId={serviceId} />
        {serviceId === null ? (
          <DownloadOpenApiButton
            label="Download OpenAPI (all functions)"
            filename="gatehouse-all-functions.openapi.json"
            query={openApiQueryOptions(null)}
          />
        ) : (
          <DownloadOpenApiButton
            label="Download OpenAPI"
            filename={`gatehouse-${service?.shortname ?? `service-${serviceId}`}.openapi.json`}
            query={openApiQueryOptions(serviceId)}
          />
        )}
      </div>
      {q.isPending ? (
        <Loading label="Loading the OpenAPI document…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the OpenAPI document" />
      ) : (
        <div className="overflow-hidden rounded-md border border-slate-200 bg-white">
          <Suspense fallback={<Loading label="Loading the API reference…" />}>
            <ScalarReference key={serviceId ?? 'all'} document={q.data} />
          </Suspense>
        </div>
      )}
    </>
  );
}

/** The OpenAPI 3.1 documents (all functions, or one service's), rendered as an API reference. */
export default function OpenApiReferencePage() {
  const { serviceId: param } = useParams();
  const serviceId = param === undefined ? null : Number(param);
  const valid = serviceId === null || (Number.isInteger(serviceId) && serviceId > 0);
  return (
    <Page
      title="API reference (OpenAPI)"
      cap="moodle/site:config"
      back={{ to: '/admin/webservice/documentation', label: 'API documentation' }}
      description="The REST endpoint of each function as an OpenAPI 3.1 document, for code generators and API tools. Calls need a token: Authorization: Bearer YOUR_TOKEN."
    >
      {valid ? (
        <Reference serviceId={serviceId} />
      ) : (
        <Alert tone="error" title="Not found">
          There is no service with this id.
        </Alert>
      )}
    </Page>
  );
}
