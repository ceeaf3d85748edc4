import { type FunctionSummaryDto, functionSearchFields, type ServiceDto, wordSearch } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { EmptyState } from '../components/ui/empty-state';
import { TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { DownloadOpenApiButton } from '../features/docs/download-openapi';
import { AddFunctionsDialog } from '../features/services/add-functions-dialog';
import {
  serviceFunctionsQueryOptions,
  serviceQueryOptions,
  useRemoveServiceFunction,
} from '../features/services/queries';
import { openApiQueryOptions } from '../features/webservice/queries';
import { plural } from '../lib/format';

const BASE = '/admin/webservice/services';

type ServiceFunction = FunctionSummaryDto & { missing: boolean };

function FunctionsTable({
  service,
  functions,
  onRemove,
}: {
  service: ServiceDto;
  functions: ServiceFunction[];
  onRemove?: (f: ServiceFunction) => void;
}) {
  return (
    <Table caption={`Functions in service ${service.name}`}>
      <THead>
        <Th>Function</Th>
        <Th>Description</Th>
        <Th>Required capabilities</Th>
        {onRemove && (
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        )}
      </THead>
      <TBody>
        {functions.map((f) => (
          <tr key={f.name} className="align-top hover:bg-slate-50">
            <RowTh className="align-top">
              <span className="font-mono text-sm">{f.name}</span>
              <span className="mt-1 flex flex-wrap gap-1">
                <Badge tone={f.type === 'write' ? 'amber' : 'gray'}>{f.type}</Badge>
                {f.deprecated && <Badge tone="red">Deprecated{f.replacedBy ? `: use ${f.replacedBy}` : ''}</Badge>}
                {f.missing && <Badge tone="red">Missing</Badge>}
              </span>
            </RowTh>
            <Td className="align-top whitespace-normal">{f.description}</Td>
            <Td className="align-top">
              {f.capabilities.length ? (
                <ul className="space-y-0.5 font-mono text-xs">
                  {f.capabilities.map((c) => (
                    <li key={c}>{c}</li>
                  ))}
                </ul>
              ) : (
                <span className="text-slate-500">None</span>
              )}
            </Td>
            {onRemove && (
              <Td className="text-right align-top">
                <Button size="sm" variant="ghost" className="text-red-700" onClick={() => onRemove(f)}>
                  Remove<span className="sr-only"> {f.name}</span>
                </Button>
              </Td>
            )}
          </tr>
        ))}
      </TBody>
    </Table>
  );
}

/** The service's functions with a word search over them ("create group" finds core_group_create_groups). */
function SearchedFunctions({
  service,
  functions,
  onRemove,
}: {
  service: ServiceDto;
  functions: ServiceFunction[];
  onRemove?: (f: ServiceFunction) => void;
}) {
  const [search, setSearch] = useState('');
  const searchFunctions = useMemo(() => wordSearch(functions, functionSearchFields), [functions]);
  const shown = useMemo(() => searchFunctions(search), [searchFunctions, search]);
  const searching = search.trim() !== '';
  return (
    <>
      <TextField
        label="Search functions in this service"
        type="search"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        placeholder="Words of a name, component or description"
        autoComplete="off"
        spellCheck={false}
        className="mb-4 w-full max-w-md"
        hint={searching ? `${shown.length} of ${plural(functions.length, 'function')} match.` : undefined}
      />
      <p role="status" className="sr-only">
        {searching ? `${plural(shown.length, 'function')} match` : ''}
      </p>
      {shown.length === 0 ? (
        <EmptyState title="No function matches your search">
          Try words of its name or description in any order, for example “create group”.
        </EmptyState>
      ) : (
        <FunctionsTable service={service} functions={shown} onRemove={onRemove} />
      )}
    </>
  );
}

function ServiceFunctions({ service }: { service: ServiceDto }) {
  const location = useLocation();
  const q = useQuery(serviceFunctionsQueryOptions(service.id));
  const remove = useRemoveServiceFunction(service.id);
  const [picking, setPicking] = useState(false);
  const [toRemove, setToRemove] = useState<ServiceFunction | null>(null);
  const [flash, setFlash] = useState<string | null>((location.state as { flash?: string } | null)?.flash ?? null);
  const editable = !service.builtin && !service.protected;

  const closeRemove = () => {
    remove.reset();
    setToRemove(null);
  };

  return (
    <>
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}
      {!editable && (
        <Alert tone="info" className="mb-4" live={false}>
          {service.protected
            ? 'This service is protected: its functions are managed by the hub and cannot be changed here.'
            : 'This is a built-in service: its functions ship with it and cannot be added or removed.'}
        </Alert>
      )}
      {editable && (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
          <p className="max-w-3xl text-sm text-slate-600">
            Users need the required capabilities of a function to call it. Deprecated functions cannot be added, though
            those already in a service stay until they are removed.
          </p>
          <Button variant="primary" onClick={() => setPicking(true)}>
            Add functions
          </Button>
        </div>
      )}
      {q.isPending ? (
        <Loading label="Loading functions…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the functions" />
      ) : q.data.length === 0 ? (
        <EmptyState title="This service has no functions yet">
          {editable
            ? 'A service without functions does nothing. Click Add functions to choose what external systems may call.'
            : 'It offers nothing to call.'}
        </EmptyState>
      ) : (
        <SearchedFunctions service={service} functions={q.data} onRemove={editable ? setToRemove : undefined} />
      )}

      {editable && (
        <AddFunctionsDialog
          serviceId={service.id}
          open={picking}
          existing={(q.data ?? []).map((f) => f.name)}
          onClose={() => setPicking(false)}
          onAdded={(names) => {
            setPicking(false);
            setFlash(`Added ${plural(names.length, 'function')}: ${names.join(', ')}.`);
          }}
        />
      )}

      <ConfirmDialog
        open={toRemove !== null}
        title="Remove function"
        confirmLabel="Remove"
        busy={remove.isPending}
        error={remove.error?.message}
        onCancel={closeRemove}
        onConfirm={() => {
          if (!toRemove) return;
          remove.mutate(toRemove.name, {
            onSuccess: () => {
              setFlash(`Removed ${toRemove.name} from the service.`);
              closeRemove();
            },
          });
        }}
      >
        {toRemove && (
          <>
            <p>
              Remove <strong className="font-mono">{toRemove.name}</strong> from the service{' '}
              <strong>{service.name}</strong>?
            </p>
            <p>Clients using this service can no longer call it. Its tokens and authorised users stay.</p>
            {toRemove.deprecated && (
              <p>This function is deprecated: once removed, it cannot be added back to any service.</p>
            )}
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

export default function ServiceFunctionsPage() {
  const { id } = useParams();
  const serviceId = Number(id);
  const valid = Number.isInteger(serviceId) && serviceId > 0;
  const q = useQuery({ ...serviceQueryOptions(serviceId), enabled: valid });
  return (
    <Page
      title={q.data ? `Functions in service ${q.data.name}` : 'Functions in service'}
      cap="moodle/site:config"
      back={{ to: BASE, label: 'External services' }}
      description={
        q.data && (
          <>
            <code>{q.data.shortname}</code> ·{' '}
            <Link to={`${BASE}/${q.data.id}`} className="text-blue-700 underline">
              Edit service
            </Link>{' '}
            ·{' '}
            <Link reloadDocument to={`/admin/webservice/openapi/${q.data.id}`} className="text-blue-700 underline">
              OpenAPI
            </Link>
          </>
        )
      }
      actions={
        q.data && (
          <DownloadOpenApiButton
            label="Download OpenAPI"
            filename={`gatehouse-${q.data.shortname}.openapi.json`}
            query={openApiQueryOptions(q.data.id)}
          />
        )
      }
    >
      {!valid ? (
        <Alert tone="error" title="Not found">
          There is no service with this id.
        </Alert>
      ) : q.isPending ? (
        <Loading label="Loading service…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the service" />
      ) : (
        <ServiceFunctions service={q.data} />
      )}
    </Page>
  );
}
