import { type UsageBucketDto, type UsageDto, usageReasonLabel } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Loading } from '../../components/ui/loading';
import { QueryError } from '../../components/ui/query-error';
import { cn } from '../../lib/cn';
import type { UsageRangeKey, UsageSubject } from './keys';
import { usageQueryOptions } from './queries';

// A stacked-bar chart of web-service calls, drawn as SVG here (no chart library: the bundle
// budget). Successes at the bottom, then each refusal reason, most frequent first. The bars are
// an image to assistive technology (role="img", its figures summed up in the label), and the
// figures themselves are one click away in a table.

const RANGES: { value: UsageRangeKey; label: string }[] = [
  { value: '48h', label: '48 hours' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
];

/** Fill and swatch classes: successes, then the reasons in order (the last repeats). */
const OK_CLASS = 'fill-emerald-600 bg-emerald-600';
const REASON_CLASSES = [
  'fill-red-600 bg-red-600',
  'fill-amber-500 bg-amber-500',
  'fill-violet-600 bg-violet-600',
  'fill-sky-600 bg-sky-600',
  'fill-pink-600 bg-pink-600',
  'fill-orange-700 bg-orange-700',
  'fill-slate-500 bg-slate-500',
];
const reasonClass = (i: number) => REASON_CLASSES[Math.min(i, REASON_CLASSES.length - 1)] ?? '';

const nf = new Intl.NumberFormat();
const calls = (n: number) => `${nf.format(n)} ${n === 1 ? 'call' : 'calls'}`;

function bucketLabel(start: number, period: UsageDto['period']): string {
  const d = new Date(start * 1000);
  // Days are UTC days (as the BFF buckets them); hours are shown in the browser's time.
  return period === 'day'
    ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

const totalOf = (b: UsageBucketDto) => b.ok + Object.values(b.refused).reduce((a, n) => a + n, 0);

function summary(u: UsageDto, rangeLabel: string): string {
  const refused = Object.values(u.totals.refused).reduce((a, n) => a + n, 0);
  const per = u.period === 'hour' ? 'per hour' : 'per day';
  if (!u.totals.ok && !refused) return `Calls ${per}, last ${rangeLabel}: none.`;
  const reasons = u.reasons.map((r) => `${nf.format(u.totals.refused[r] ?? 0)} ${usageReasonLabel(r)}`).join(', ');
  return `Calls ${per}, last ${rangeLabel}: ${calls(u.totals.ok + refused)}, ${nf.format(u.totals.ok)} successful, ${nf.format(refused)} refused${reasons ? ` (${reasons})` : ''}.`;
}

const WIDTH = 720;
const HEIGHT = 160;

function Bars({ usage: u, label }: { usage: UsageDto; label: string }) {
  const max = Math.max(1, ...u.buckets.map(totalOf));
  const slot = WIDTH / u.buckets.length;
  const bar = Math.max(1, slot * 0.8);
  return (
    <div>
      <div className="flex items-stretch gap-2">
        <span
          className="flex w-10 shrink-0 flex-col justify-between text-right text-xs text-slate-500 tabular-nums"
          aria-hidden="true"
        >
          <span>{nf.format(max)}</span>
          <span>0</span>
        </span>
        <svg
          role="img"
          aria-label={label}
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          className="h-40 w-full min-w-0 rounded border border-slate-200 text-slate-300"
        >
          <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} stroke="currentColor" />
          {u.buckets.map((b, i) => {
            const x = i * slot + (slot - bar) / 2;
            let y = HEIGHT;
            const parts = [
              { key: 'ok', n: b.ok, cls: OK_CLASS },
              ...u.reasons.map((r, j) => ({ key: r, n: b.refused[r] ?? 0, cls: reasonClass(j) })),
            ];
            const total = totalOf(b);
            return (
              <g key={b.start}>
                {total > 0 && (
                  <title>
                    {`${bucketLabel(b.start, u.period)}: ${calls(total)}`}
                    {parts
                      .filter((p) => p.n)
                      .map((p) => `\n${usageReasonLabel(p.key)}: ${nf.format(p.n)}`)
                      .join('')}
                  </title>
                )}
                {parts.map((p) => {
                  if (!p.n) return null;
                  const h = (p.n / max) * (HEIGHT - 4);
                  y -= h;
                  return <rect key={p.key} x={x} y={y} width={bar} height={h} className={p.cls} />;
                })}
              </g>
            );
          })}
        </svg>
      </div>
      <div className="mt-1 flex justify-between pl-12 text-xs text-slate-500" aria-hidden="true">
        <span>{bucketLabel(u.from, u.period)}</span>
        <span>{bucketLabel(u.buckets[u.buckets.length - 1]?.start ?? u.to, u.period)}</span>
      </div>
    </div>
  );
}

function Legend({ usage: u }: { usage: UsageDto }) {
  const items = [
    { key: 'ok', n: u.totals.ok, cls: OK_CLASS },
    ...u.reasons.map((r, i) => ({ key: r, n: u.totals.refused[r] ?? 0, cls: reasonClass(i) })),
  ];
  return (
    <ul className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-700" aria-label="Legend">
      {items.map((it) => (
        <li key={it.key} className="flex items-center gap-1.5">
          <span className={cn('inline-block size-3 rounded-sm', it.cls)} aria-hidden="true" />
          <span>{usageReasonLabel(it.key)}</span>
          <span className="text-slate-500 tabular-nums">{nf.format(it.n)}</span>
        </li>
      ))}
    </ul>
  );
}

function Figures({ usage: u }: { usage: UsageDto }) {
  const rows = u.buckets.filter((b) => totalOf(b) > 0);
  const period = u.period === 'hour' ? 'Hour' : 'Day (UTC)';
  return (
    <details className="mt-3 text-sm">
      <summary className="cursor-pointer text-blue-700 hover:underline">Show the figures</summary>
      {rows.length ? (
        <div className="mt-2 max-w-full overflow-x-auto">
          <table className="min-w-full text-left text-sm">
            <caption className="sr-only">Calls by {period.toLowerCase()}</caption>
            <thead>
              <tr className="border-b border-slate-200 text-xs text-slate-600">
                <th scope="col" className="py-1 pr-4 font-medium">
                  {period}
                </th>
                <th scope="col" className="py-1 pr-4 font-medium">
                  {usageReasonLabel('ok')}
                </th>
                {u.reasons.map((r) => (
                  <th key={r} scope="col" className="py-1 pr-4 font-medium">
                    {usageReasonLabel(r)}
                  </th>
                ))}
                <th scope="col" className="py-1 pr-4 font-medium">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((b) => (
                <tr key={b.start} className="border-b border-slate-100">
                  <th scope="row" className="py-1 pr-4 font-normal whitespace-nowrap">
                    {bucketLabel(b.start, u.period)}
                  </th>
                  <td className="py-1 pr-4 tabular-nums">{nf.format(b.ok)}</td>
                  {u.reasons.map((r) => (
                    <td key={r} className="py-1 pr-4 tabular-nums">
                      {nf.format(b.refused[r] ?? 0)}
                    </td>
                  ))}
                  <td className="py-1 pr-4 tabular-nums">{nf.format(totalOf(b))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="mt-2 text-slate-500">No calls in this period.</p>
      )}
    </details>
  );
}

/** Web-service calls of a token, a service or the whole site, with a choice of range. */
export function UsageChart({ subject, title = 'Usage' }: { subject: UsageSubject; title?: string }) {
  const [range, setRange] = useState<UsageRangeKey>('48h');
  const q = useQuery(usageQueryOptions(subject, range));
  const headingId = useId();
  const rangeLabel = RANGES.find((r) => r.value === range)?.label ?? range;
  return (
    <section className="mt-8 first:mt-0" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={headingId} className="text-lg font-semibold text-slate-900">
          {title}
        </h2>
        <fieldset className="flex gap-1">
          <legend className="sr-only">Period shown</legend>
          {RANGES.map((r) => (
            <button
              key={r.value}
              type="button"
              aria-pressed={range === r.value}
              onClick={() => setRange(r.value)}
              className={cn(
                'rounded border px-2 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600',
                range === r.value
                  ? 'border-blue-700 bg-blue-700 text-white'
                  : 'border-slate-300 bg-white text-slate-700 hover:bg-slate-50',
              )}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
      </div>
      <div className="mt-3">
        {q.isPending ? (
          <Loading label="Loading usage…" />
        ) : q.isError ? (
          <QueryError error={q.error} onRetry={() => q.refetch()} what="usage" />
        ) : (
          <>
            <Bars usage={q.data} label={summary(q.data, rangeLabel)} />
            <Legend usage={q.data} />
            <Figures usage={q.data} />
          </>
        )}
      </div>
    </section>
  );
}
