import { type AuditEntryDto, auditQuerySchema } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Page } from '../components/layout/page';
import { type Column, DataTable } from '../components/list/data-table';
import { ListBody } from '../components/list/list-body';
import { Pager } from '../components/list/pager';
import { SearchField } from '../components/list/search-field';
import { Time } from '../components/list/time';
import { useListQuery } from '../components/list/use-list-query';
import { Button, buttonClasses } from '../components/ui/button';
import { SelectField, TextField } from '../components/ui/form-field';
import { auditActionsQueryOptions, auditExportUrl, auditListQueryOptions } from '../features/audit/queries';
import { dateInputToUnix } from '../lib/format';

const pad = (n: number) => String(n).padStart(2, '0');
/** Unix seconds → a date input's value (local day), or ''. */
const toDateInput = (seconds: number | undefined) => {
  if (seconds === undefined) return '';
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** Where the console shows a target, when it has a page. */
function targetHref(e: AuditEntryDto): string | undefined {
  if (!e.targetId || !/^\d+$/.test(e.targetId) || !e.targetName) return undefined;
  switch (e.targetType) {
    case 'user':
      return `/admin/users/${e.targetId}`;
    case 'service':
      return `/admin/webservice/services/${e.targetId}`;
    case 'token':
      return `/admin/webservice/tokens/${e.targetId}`;
    case 'role':
      return `/admin/roles/${e.targetId}`;
    default:
      return undefined;
  }
}

const TARGET_TYPES: Record<string, string> = {
  user: 'User',
  service: 'Service',
  token: 'Token',
  role: 'Role',
  hubsite: 'Hub site',
  hubcourse: 'Hub course',
  config: 'Setting',
};

const columns: Column<AuditEntryDto>[] = [
  {
    id: 'time',
    header: 'Time',
    rowHeader: true,
    className: 'font-normal whitespace-nowrap text-slate-700',
    cell: (e) => <Time seconds={e.time} />,
  },
  {
    id: 'user',
    header: 'User',
    cell: (e) =>
      e.actorName ? (
        <>
          {e.actorId ? (
            <Link to={`/admin/users/${e.actorId}`} className="text-blue-700 hover:underline">
              {e.actorName}
            </Link>
          ) : (
            e.actorName
          )}
          <span className="block text-xs text-slate-500">{e.actorUsername}</span>
        </>
      ) : (
        e.actorUsername
      ),
  },
  { id: 'action', header: 'Action', cell: (e) => <code className="text-xs">{e.action}</code> },
  {
    id: 'target',
    header: 'Target',
    cell: (e) => {
      if (!e.targetId) return <span className="text-slate-500">—</span>;
      const href = targetHref(e);
      const type = TARGET_TYPES[e.targetType] ?? e.targetType;
      return (
        <>
          <span className="block text-xs text-slate-500">{type}</span>
          {href ? (
            <Link to={href} className="text-blue-700 hover:underline">
              {e.targetName}
            </Link>
          ) : (
            (e.targetName ?? <span className="font-mono text-xs">{e.targetId}</span>)
          )}
        </>
      );
    },
  },
  {
    id: 'summary',
    header: 'Summary',
    className: 'max-w-xl',
    cell: (e) => (
      <>
        {e.summary}
        {Object.keys(e.details).length > 0 && (
          <details className="mt-1 text-xs text-slate-600">
            <summary className="cursor-pointer">Details</summary>
            <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 whitespace-pre-wrap">
              {JSON.stringify(e.details, null, 2)}
            </pre>
          </details>
        )}
      </>
    ),
  },
  { id: 'ip', header: 'IP address', className: 'whitespace-nowrap', cell: (e) => e.ip || '—' },
];

function AuditLog() {
  const [filters, update] = useListQuery(auditQuerySchema);
  const q = useQuery(auditListQueryOptions(filters));
  const actions = useQuery(auditActionsQueryOptions);
  const anyFilter = !!(filters.actor || filters.action || filters.search || filters.from || filters.to);
  const dateError =
    filters.from !== undefined && filters.to !== undefined && filters.from > filters.to
      ? 'The end date is before the start date'
      : undefined;

  return (
    <>
      <search aria-label="Filter the audit log">
        <form
          onSubmit={(e) => e.preventDefault()}
          noValidate
          className="mb-6 rounded-md border border-slate-200 bg-white p-4"
        >
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
            <SearchField
              label="User"
              name="actor"
              value={filters.actor ?? ''}
              onSearch={(actor) => update({ actor }, true)}
              placeholder="Username"
            />
            <SelectField
              label="Action"
              name="action"
              value={filters.action ?? ''}
              onChange={(e) => update({ action: e.target.value || undefined })}
            >
              <option value="">All actions</option>
              {(actions.data ?? []).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </SelectField>
            <SearchField
              label="Search"
              name="search"
              value={filters.search ?? ''}
              onSearch={(search) => update({ search }, true)}
              placeholder="Text in the summary"
            />
            <TextField
              label="From"
              name="from"
              type="date"
              value={toDateInput(filters.from)}
              onChange={(e) => update({ from: dateInputToUnix(e.target.value) }, true)}
            />
            <TextField
              label="To"
              name="to"
              type="date"
              value={toDateInput(filters.to)}
              onChange={(e) => update({ to: dateInputToUnix(e.target.value, true) }, true)}
              error={dateError}
            />
          </div>
          <div className="mt-4 flex flex-wrap gap-2">
            <a href={auditExportUrl(filters)} download className={buttonClasses('secondary', 'md')}>
              Export CSV<span className="sr-only"> (the entries these filters select)</span>
            </a>
            {anyFilter && (
              <Button
                onClick={() =>
                  update({ actor: undefined, action: undefined, search: undefined, from: undefined, to: undefined })
                }
              >
                Clear filters
              </Button>
            )}
          </div>
        </form>
      </search>

      <ListBody
        query={q}
        what="the audit log"
        empty={{
          title: 'No entries',
          body: anyFilter ? 'Nothing in the audit log matches these filters.' : 'Nothing has been logged yet.',
        }}
      >
        {(data, stale) => (
          <>
            <DataTable
              caption={`Audit log entries, ${filters.dir === 'asc' ? 'oldest' : 'newest'} first`}
              rows={data.items}
              rowId={(e) => e.id}
              columns={columns}
              dim={stale}
            />
            <Pager page={data} onCursor={(cursor) => update({ cursor })} noun="entries" />
          </>
        )}
      </ListBody>
    </>
  );
}

export default function AuditLogPage() {
  return (
    <Page title="Audit log" cap="moodle/site:viewreports" description="Who changed what, and when. Newest first.">
      <AuditLog />
    </Page>
  );
}
