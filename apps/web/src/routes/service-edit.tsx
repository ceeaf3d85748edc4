import type { ServiceUpdate } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Page, usePageSubject } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { serviceQueryOptions, useUpdateService } from '../features/services/queries';
import { ServiceForm } from '../features/services/service-form';
import { UsageChart } from '../features/usage/usage-chart';
import { formatTime, plural } from '../lib/format';

const BASE = '/admin/webservice/services';
const back = { to: BASE, label: 'External services' };

function EditService({ id }: { id: number }) {
  const q = useQuery(serviceQueryOptions(id));
  usePageSubject(q.data?.name);
  const update = useUpdateService(id);
  if (q.isPending) return <Loading label="Loading service…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the service" />;
  const s = q.data;
  return (
    <>
      <p className="mb-6 flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-600">
        <span>
          {s.builtin ? `Built-in service (${s.component})` : 'Custom service'} · created {formatTime(s.timecreated)}
        </span>
        <Link to={`${BASE}/${s.id}/functions`} className="text-blue-700 hover:underline">
          Functions ({s.functionCount})
        </Link>
        {s.restrictedUsers && (
          <Link to={`${BASE}/${s.id}/users`} className="text-blue-700 hover:underline">
            Authorised users ({s.authorisedCount})
          </Link>
        )}
        <span>{plural(s.tokenCount, 'token')}</span>
      </p>
      <ServiceForm key={s.id} service={s} onSave={(payload) => update.mutateAsync(payload as ServiceUpdate)} />
      <UsageChart subject={{ kind: 'service', id: s.id }} title="Calls through this service" />
    </>
  );
}

export default function EditServicePage() {
  const { id } = useParams();
  const serviceId = Number(id);
  const valid = Number.isInteger(serviceId) && serviceId > 0;
  return (
    <Page title="Edit service" cap="moodle/site:config" back={back}>
      {valid ? (
        <EditService id={serviceId} />
      ) : (
        <Alert tone="error" title="Not found">
          There is no service with this id.
        </Alert>
      )}
    </Page>
  );
}
