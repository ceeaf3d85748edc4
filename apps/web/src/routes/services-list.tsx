import type { ServiceDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { EmptyState } from '../components/ui/empty-state';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { DeleteServiceDialog } from '../features/services/delete-service-dialog';
import { serviceListQueryOptions } from '../features/services/queries';
import { plural } from '../lib/format';

const BASE = '/admin/webservice/services';

function ServicesTable({
  caption,
  services,
  onDelete,
}: {
  caption: string;
  services: ServiceDto[];
  onDelete?: (s: ServiceDto) => void;
}) {
  return (
    <Table caption={caption} fixed>
      <THead>
        <Th className="w-[22%]">Name</Th>
        <Th className="w-[18%]">Short name</Th>
        <Th className="w-[14%]">Functions</Th>
        <Th className="w-[18%]">Users</Th>
        <Th className="w-[12%]">Enabled</Th>
        <Th className="w-[16%]">
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {services.map((s) => (
          <tr key={s.id} className="hover:bg-slate-50">
            <RowTh className="break-words">
              {s.name}
              {s.protected && (
                <Badge tone="blue" className="ml-2">
                  Protected
                </Badge>
              )}
            </RowTh>
            <Td>
              <code className="text-xs break-all">{s.shortname}</code>
            </Td>
            <Td>
              <span className="mr-2 tabular-nums">{s.functionCount}</span>
              <Link to={`${BASE}/${s.id}/functions`} className="text-blue-700 hover:underline">
                Functions<span className="sr-only"> of {s.name}</span>
              </Link>
            </Td>
            <Td>
              {s.restrictedUsers ? (
                <>
                  <Link to={`${BASE}/${s.id}/users`} className="text-blue-700 hover:underline">
                    Authorised users<span className="sr-only"> of {s.name}</span>
                  </Link>{' '}
                  <span className="text-slate-500">({s.authorisedCount})</span>
                </>
              ) : (
                'All users'
              )}
            </Td>
            <Td>{s.enabled ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}</Td>
            <Td className="text-right whitespace-nowrap">
              <Link to={`${BASE}/${s.id}`} className="rounded px-2 py-1 text-blue-700 hover:underline">
                Edit<span className="sr-only"> {s.name}</span>
              </Link>
              <Link
                reloadDocument
                to={`/admin/webservice/openapi/${s.id}`}
                className="rounded px-2 py-1 text-blue-700 hover:underline"
              >
                OpenAPI<span className="sr-only"> of {s.name}</span>
              </Link>
              {onDelete && !s.protected && (
                <Button size="sm" variant="ghost" className="text-red-700" onClick={() => onDelete(s)}>
                  Delete<span className="sr-only"> {s.name}</span>
                </Button>
              )}
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}

function ServicesLists() {
  const q = useQuery(serviceListQueryOptions);
  const [toDelete, setToDelete] = useState<ServiceDto | null>(null);
  const [flash, setFlash] = useState<string | null>(null);

  if (q.isPending) return <Loading label="Loading services…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the services" />;
  return (
    <>
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}
      <Section
        title="Built-in services"
        description="Services that ship with Gatehouse. Their functions are fixed and they cannot be deleted; you can enable or disable them."
      >
        {q.data.builtin.length === 0 ? (
          <EmptyState title="No built-in services" />
        ) : (
          <ServicesTable caption="Built-in services" services={q.data.builtin} />
        )}
      </Section>
      <Section
        title="Custom services"
        description="Services you build: choose which functions they offer and, optionally, which users may use them."
      >
        {q.data.custom.length === 0 ? (
          <EmptyState title="No custom services yet">
            If none of the built-in services match your needs, click Add to create a custom service, then add functions
            to it.
          </EmptyState>
        ) : (
          <ServicesTable caption="Custom services" services={q.data.custom} onDelete={setToDelete} />
        )}
      </Section>
      <DeleteServiceDialog
        service={toDelete}
        onClose={() => setToDelete(null)}
        onDeleted={(s, n) => {
          setToDelete(null);
          setFlash(`Deleted the service ${s.name} and ${plural(n, 'token')}.`);
        }}
      />
    </>
  );
}

export default function ServicesListPage() {
  const navigate = useNavigate();
  return (
    <Page
      title="External services"
      cap="moodle/site:config"
      description="Plugins › Web services › External services: a service is a named bundle of functions that external systems call with a token."
      actions={
        <Button variant="primary" onClick={() => navigate(`${BASE}/new`)}>
          Add
        </Button>
      }
    >
      <ServicesLists />
    </Page>
  );
}
