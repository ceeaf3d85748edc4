import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { overviewQueryOptions } from '../features/overview/queries';
import { UsageChart } from '../features/usage/usage-chart';

interface Step {
  title: string;
  description: string;
  done: boolean;
  status: string;
  link: string;
}

interface Checklist {
  id: string;
  title: string;
  description: string;
  steps: Step[];
}

function ChecklistTable({ list }: { list: Checklist }) {
  const titleId = useId();
  const done = list.steps.filter((s) => s.done).length;
  return (
    <section aria-labelledby={titleId} className="mt-8 first:mt-0">
      <h2 id={titleId} className="text-lg font-semibold text-slate-900">
        {list.title}
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        {list.description}{' '}
        <span className="font-medium text-slate-800">
          {done} of {list.steps.length} steps done.
        </span>
      </p>
      <Table caption={list.title} className="mt-3" fixed>
        <THead>
          <Th className="w-12 text-right">#</Th>
          <Th className="w-[22%]">Step</Th>
          <Th className="w-[24%]">Status</Th>
          <Th>Description</Th>
          <Th className="w-16">
            <span className="sr-only">Link</span>
          </Th>
        </THead>
        <TBody>
          {list.steps.map((s, i) => (
            <tr key={s.title} className="align-top hover:bg-slate-50">
              <Td className="text-right align-top tabular-nums">{i + 1}.</Td>
              <RowTh className="align-top break-words">{s.title}</RowTh>
              <Td className="align-top">
                <span className="flex flex-col items-start gap-1">
                  <Badge tone={s.done ? 'green' : 'amber'}>{s.done ? 'Done' : 'To do'}</Badge>
                  <span className="text-xs text-slate-600">{s.status}</span>
                </span>
              </Td>
              <Td className="align-top whitespace-normal">{s.description}</Td>
              <Td className="text-right align-top whitespace-nowrap">
                <Link to={s.link} className="font-medium text-blue-700 hover:underline">
                  Go<span className="sr-only"> to {s.title}</span>
                </Link>
              </Td>
            </tr>
          ))}
        </TBody>
      </Table>
    </section>
  );
}

interface Warning {
  id: string;
  text: string;
  link: string;
  linkLabel: string;
  items: { text: string; link: string }[];
}

/** What refuses calls today or soon will (expired tokens, past Valid until, AMF), each with the page that fixes it. */
function Warnings({ warnings }: { warnings: Warning[] }) {
  const titleId = useId();
  if (!warnings.length) return null;
  return (
    <section aria-labelledby={titleId} className="mb-8">
      <h2 id={titleId} className="sr-only">
        Warnings
      </h2>
      <ul className="space-y-3">
        {warnings.map((w) => (
          <li key={w.id}>
            <Alert tone="warning" live={false}>
              <p>
                {w.text}{' '}
                <Link to={w.link} className="font-medium underline">
                  {w.linkLabel}
                </Link>
              </p>
              {w.items.length > 0 && (
                <ul className="mt-2 list-disc space-y-0.5 pl-5">
                  {w.items.map((item) => (
                    <li key={item.link}>
                      <Link to={item.link} className="underline">
                        {item.text}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </Alert>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Overview() {
  const q = useQuery(overviewQueryOptions);
  if (q.isPending) return <Loading label="Loading the checklists…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the overview" />;
  return (
    <>
      <Warnings warnings={q.data.warnings} />
      {q.data.checklists.map((list) => (
        <ChecklistTable key={list.id} list={list} />
      ))}
      <UsageChart subject={{ kind: 'site' }} title="Web-service calls on this site" />
    </>
  );
}

/** Site administration › Plugins › Web services › Overview. */
export default function WebserviceOverviewPage() {
  return (
    <Page
      title="Web services overview"
      cap="moodle/site:config"
      description="Plugins › Web services › Overview: the steps to set up web services, each with its live status and a link to the page that does it. The status refreshes when you come back to this window."
    >
      <Overview />
    </Page>
  );
}
