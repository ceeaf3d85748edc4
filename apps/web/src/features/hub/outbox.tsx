import type { HubOutboxMessageDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { EmptyState } from '../../components/ui/empty-state';
import { Loading } from '../../components/ui/loading';
import { QueryError } from '../../components/ui/query-error';
import { formatTime } from '../../lib/format';
import { hubOutboxQueryOptions } from './queries';

const PER_PAGE = 5;

/** One message as the hub wrote it: to, subject, body. */
export function OutboxMessage({ message, open }: { message: HubOutboxMessageDto; open?: boolean }) {
  const to = message.toEmail
    ? `${message.toName || 'Site administrator'} <${message.toEmail}>`
    : `${message.toName || 'Site administrator'} (no email address)`;
  return (
    <details open={open} className="group rounded-md border border-slate-200 bg-white text-slate-800">
      <summary className="cursor-pointer list-none px-4 py-3 text-sm marker:hidden focus-visible:outline-2 focus-visible:outline-blue-600">
        <span aria-hidden="true" className="mr-2 inline-block text-slate-400 transition-transform group-open:rotate-90">
          ▸
        </span>
        <span className="font-medium text-slate-900">{message.subject}</span>
        <span className="block pl-5 text-xs text-slate-600">
          To {to} · {formatTime(message.time)}
        </span>
      </summary>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 border-t border-slate-200 px-4 py-3 text-sm">
        <dt className="font-medium text-slate-700">To</dt>
        <dd className="break-all">{to}</dd>
        <dt className="font-medium text-slate-700">Subject</dt>
        <dd>{message.subject}</dd>
        <dt className="font-medium text-slate-700">Site</dt>
        <dd className="break-all">
          {message.siteName} ({message.siteUrl})
        </dd>
      </dl>
      <pre className="border-t border-slate-200 bg-slate-50 px-4 py-3 font-sans text-sm whitespace-pre-wrap text-slate-800">
        {message.body}
      </pre>
    </details>
  );
}

/** The messages the hub sent to sites' contacts (site removed), newest first. */
export function Outbox() {
  const [page, setPage] = useState(1);
  const q = useQuery(hubOutboxQueryOptions(page, PER_PAGE));
  if (q.isPending) return <Loading label="Loading the outbox…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the outbox" />;
  if (q.data.total === 0) {
    return <EmptyState title="The outbox is empty">No message has been sent to a site's contact yet.</EmptyState>;
  }
  return (
    <>
      <ul className={q.isPlaceholderData ? 'space-y-2 opacity-60' : 'space-y-2'}>
        {q.data.items.map((m) => (
          <li key={m.id}>
            <OutboxMessage message={m} />
          </li>
        ))}
      </ul>
      {/* Not the shared Pagination: its landmark would repeat the page's own "Pagination". */}
      <div className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
        <p>
          Messages {(page - 1) * PER_PAGE + 1}–{Math.min(q.data.total, page * PER_PAGE)} of {q.data.total}
        </p>
        <div className="flex gap-2">
          <Button size="sm" onClick={() => setPage(page - 1)} disabled={page <= 1}>
            Newer messages
          </Button>
          <Button size="sm" onClick={() => setPage(page + 1)} disabled={page * PER_PAGE >= q.data.total}>
            Older messages
          </Button>
        </div>
      </div>
    </>
  );
}
