import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Button } from '../components/ui/button';
import { EmptyState } from '../components/ui/empty-state';
import { SelectField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { Pagination } from '../components/ui/pagination';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import type { AuditFilters } from '../features/audit/keys';
import { auditActionsQueryOptions, auditListQueryOptions } from '../features/audit/queries';
import { dateInputToUnix, formatTime } from '../lib/format';

const PER_PAGE = 50;

interface FormState {
  actor: string;
  action: string;
  search: string;
  from: string;
  to: string;
}

const FORM_KEYS = ['actor', 'action', 'search', 'from', 'to'] as const;

function formFromParams(params: URLSearchParams): FormState {
  return {
    actor: params.get('actor') ?? '',
    action: params.get('action') ?? '',
    search: params.get('search') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
}

function AuditLog() {
  const [params, setParams] = useSearchParams();
  const applied = formFromParams(params);
  const [form, setForm] = useState<FormState>(applied);
  const [dateError, setDateError] = useState<string | undefined>();
  const page = Math.max(1, Number(params.get('page')) || 1);

  const filters: AuditFilters = {
    actor: applied.actor || undefined,
    action: applied.action || undefined,
    search: applied.search || undefined,
    from: dateInputToUnix(applied.from),
    to: dateInputToUnix(applied.to, true),
    page,
    perPage: PER_PAGE,
  };
  const q = useQuery(auditListQueryOptions(filters));
  const actions = useQuery(auditActionsQueryOptions);

  function apply(next: FormState, nextPage = 1) {
    const p = new URLSearchParams();
    for (const k of FORM_KEYS) if (next[k].trim()) p.set(k, next[k].trim());
    if (nextPage > 1) p.set('page', String(nextPage));
    setParams(p);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (form.from && form.to && form.from > form.to) {
      setDateError('The end date is before the start date');
      return;
    }
    setDateError(undefined);
    apply(form);
  }

  const set = (k: keyof FormState, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const anyFilter = FORM_KEYS.some((k) => applied[k]);

  return (
    <>
      <search aria-label="Filter the audit log">
        <form onSubmit={onSubmit} noValidate className="mb-6 rounded-md border border-slate-200 bg-white p-4">
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
            <TextField
              label="User"
              name="actor"
              value={form.actor}
              onChange={(e) => set('actor', e.target.value)}
              placeholder="Username"
              autoComplete="off"
            />
            <SelectField
              label="Action"
              name="action"
              value={form.action}
              onChange={(e) => set('action', e.target.value)}
            >
              <option value="">All actions</option>
              {(actions.data ?? []).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Search"
              name="search"
              type="search"
              value={form.search}
              onChange={(e) => set('search', e.target.value)}
              placeholder="Text in the summary"
              autoComplete="off"
            />
            <TextField
              label="From"
              name="from"
              type="date"
              value={form.from}
              onChange={(e) => set('from', e.target.value)}
            />
            <TextField
              label="To"
              name="to"
              type="date"
              value={form.to}
              onChange={(e) => set('to', e.target.value)}
              error={dateError}
            />
          </div>
          <div className="mt-4 flex gap-2">
            <Button type="submit" variant="primary">
              Apply filters
            </Button>
            {anyFilter && (
              <Button
                onClick={() => {
                  const empty = { actor: '', action: '', search: '', from: '', to: '' };
                  setForm(empty);
                  setDateError(undefined);
                  apply(empty);
                }}
              >
                Clear filters
              </Button>
            )}
          </div>
        </form>
      </search>

      {q.isPending ? (
        <Loading label="Loading the audit log…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the audit log" />
      ) : q.data.items.length === 0 ? (
        <EmptyState title="No entries">
          {anyFilter ? 'Nothing in the audit log matches these filters.' : 'Nothing has been logged yet.'}
        </EmptyState>
      ) : (
        <>
          <Table caption="Audit log entries, newest first" className={q.isPlaceholderData ? 'opacity-60' : undefined}>
            <THead>
              <Th>Time</Th>
              <Th>User</Th>
              <Th>Action</Th>
              <Th>Summary</Th>
              <Th>IP address</Th>
            </THead>
            <TBody>
              {q.data.items.map((e) => (
                <tr key={e.id} className="align-top">
                  <RowTh className="font-normal whitespace-nowrap text-slate-700">{formatTime(e.time)}</RowTh>
                  <Td>{e.actorUsername}</Td>
                  <Td>
                    <code className="text-xs">{e.action}</code>
                  </Td>
                  <Td className="max-w-xl">
                    {e.summary}
                    {Object.keys(e.details).length > 0 && (
                      <details className="mt-1 text-xs text-slate-600">
                        <summary className="cursor-pointer">Details</summary>
                        <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 whitespace-pre-wrap">
                          {JSON.stringify(e.details, null, 2)}
                        </pre>
                      </details>
                    )}
                  </Td>
                  <Td className="whitespace-nowrap">{e.ip || '—'}</Td>
                </tr>
              ))}
            </TBody>
          </Table>
          <Pagination
            page={page}
            perPage={PER_PAGE}
            total={q.data.total}
            onPage={(p) => apply(applied, p)}
            noun="entries"
          />
        </>
      )}
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
