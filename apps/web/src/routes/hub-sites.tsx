import {
  type HubSiteAction,
  type HubSiteDto,
  type HubSiteStatus,
  hubCountrySchema,
  hubLanguageSchema,
  hubSiteListQuerySchema,
  mailtoHref,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { BulkActions } from '../components/list/bulk-actions';
import { type Column, DataTable, nextSort } from '../components/list/data-table';
import { ListBody } from '../components/list/list-body';
import { Pager } from '../components/list/pager';
import { SearchField } from '../components/list/search-field';
import { type ListPatch, useListQuery } from '../components/list/use-list-query';
import { useSelection } from '../components/list/use-selection';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { SelectField } from '../components/ui/form-field';
import {
  DeleteSiteDialog,
  DeleteSitesDialog,
  type SiteDeleted,
  type SitesDeleted,
} from '../features/hub/delete-site-dialog';
import { HUB_MANAGE_CAP, ProtectedMark, statistic, YesNo } from '../features/hub/hub-parts';
import { CodeField } from '../features/hub/list-fields';
import { type HubSiteListFilters, type HubSiteSort, hubSiteListQueryOptions } from '../features/hub/list-queries';
import { Outbox, OutboxMessage } from '../features/hub/outbox';
import { useHubSiteAction } from '../features/hub/queries';
import { formatTime, plural } from '../lib/format';

type Update = (patch: ListPatch<HubSiteListFilters>, replace?: boolean) => void;

const STATUS_OPTIONS: Record<HubSiteListFilters['status'], string> = {
  registered: 'Registered (pending and confirmed)',
  pending: 'Pending',
  confirmed: 'Confirmed',
  unregistered: 'Unregistered',
  all: 'All, unregistered included',
};

const anyFilter = (f: HubSiteListFilters) =>
  !!(f.search || f.trusted || f.language || f.country || f.status !== 'registered');

/** The filters apply as they change (the keywords once typing pauses), into the URL. */
function SiteFilters({
  filters,
  update,
  updating,
}: {
  filters: HubSiteListFilters;
  update: Update;
  updating: boolean;
}) {
  return (
    <search aria-label="Search sites">
      <form onSubmit={(e) => e.preventDefault()} noValidate className="mb-4 flex flex-wrap items-end gap-4">
        <SearchField
          label="Keywords"
          name="search"
          value={filters.search ?? ''}
          onSearch={(search) => update({ search }, true)}
          placeholder="Name, URL, description or contact"
          className="w-72"
        />
        <SelectField
          label="Trusted"
          name="trusted"
          value={filters.trusted ?? ''}
          onChange={(e) =>
            update({ trusted: e.target.value === 'yes' || e.target.value === 'no' ? e.target.value : undefined })
          }
          className="w-36"
        >
          <option value="">Any</option>
          <option value="yes">Yes</option>
          <option value="no">No</option>
        </SelectField>
        <SelectField
          label="Registration"
          name="status"
          value={filters.status}
          onChange={(e) => {
            const status = e.target.value as HubSiteListFilters['status'];
            if (status in STATUS_OPTIONS) update({ status });
          }}
          className="w-64"
        >
          {(Object.keys(STATUS_OPTIONS) as HubSiteListFilters['status'][]).map((v) => (
            <option key={v} value={v}>
              {STATUS_OPTIONS[v]}
            </option>
          ))}
        </SelectField>
        <CodeField
          label="Language"
          name="language"
          value={filters.language ?? ''}
          schema={hubLanguageSchema}
          message="A language code such as en or fr"
          onApply={(language) => update({ language }, true)}
          placeholder="en"
          className="w-32"
        />
        <CodeField
          label="Country"
          name="country"
          value={filters.country ?? ''}
          schema={hubCountrySchema}
          message="A two-letter code such as FR"
          onApply={(country) => update({ country }, true)}
          placeholder="FR"
          maxLength={2}
          className="w-28"
        />
        {anyFilter(filters) && (
          <Button
            variant="ghost"
            onClick={() =>
              update({
                search: undefined,
                trusted: undefined,
                language: undefined,
                country: undefined,
                status: 'registered',
              })
            }
          >
            Clear filters
          </Button>
        )}
        {updating && (
          <span role="status" className="pb-2 text-sm text-slate-500">
            Updating…
          </span>
        )}
      </form>
    </search>
  );
}

const SUCCESS: Record<HubSiteAction, (name: string) => string> = {
  prioritise: (n) => `${n} is prioritised (and trusted): its courses come first in searches.`,
  unprioritise: (n) => `${n} is no longer prioritised.`,
  trust: (n) => `${n} is trusted: the courses it publishes are visible at once.`,
  untrust: (n) => `${n} is no longer trusted: the courses it publishes wait for you to make them visible.`,
  show: (n) => `${n} is visible.`,
  hide: (n) => `${n} is hidden.`,
};

/** The contact's address as a mailto: link, only when it is one valid address (mailtoHref). */
function ContactEmail({ email }: { email: string }) {
  const href = mailtoHref(email);
  if (!href) return <span className="block text-xs break-all text-slate-600">{email}</span>;
  return (
    <a href={href} className="block text-xs break-all text-blue-700 hover:underline">
      {email}
    </a>
  );
}

function siteColumns(
  onAction: (site: HubSiteDto, action: HubSiteAction) => void,
  onDelete: (site: HubSiteDto) => void,
  busyId: number | null,
): Column<HubSiteDto, HubSiteSort>[] {
  const toggle = (s: HubSiteDto, on: boolean, act: HubSiteAction, label: string, yes?: string, no?: string) => (
    <div className="flex flex-col items-start gap-1.5">
      <YesNo value={on} yes={yes} no={no} />
      <Button size="sm" aria-disabled={busyId === s.id || undefined} onClick={() => onAction(s, act)}>
        {label}
        <span className="sr-only"> {s.name}</span>
      </Button>
    </div>
  );
  return [
    {
      id: 'name',
      header: 'Site',
      sort: 'name',
      rowHeader: true,
      className: 'max-w-64 min-w-48',
      cell: (s) => (
        <>
          <span className="break-words">{s.name}</span>
          {s.protected && (
            <ProtectedMark
              className="ml-2 align-middle"
              title="The site's hub user and token belong to the hub: they cannot be modified or deleted on their own."
            />
          )}
          <a
            href={s.url}
            target="_blank"
            rel="noopener noreferrer"
            className="mt-0.5 block text-xs font-normal break-all text-blue-700 hover:underline"
          >
            {s.url}
          </a>
        </>
      ),
    },
    {
      id: 'description',
      header: 'Description',
      className: 'max-w-80 min-w-56 whitespace-normal',
      cell: (s) => (
        <>
          {s.description ? (
            <p className="line-clamp-3">{s.description}</p>
          ) : (
            <p className="text-slate-500">No description</p>
          )}
          <p className="mt-1 text-xs text-slate-600">
            Courses: {statistic(s.statistics.courses)} · Users: {statistic(s.statistics.users)}
          </p>
        </>
      ),
    },
    {
      id: 'courses',
      header: 'Published',
      sort: 'courses',
      className: 'text-xs',
      cell: (s) => (
        <>
          Published here: {s.statistics.published} ({s.statistics.publishedVisible} visible)
        </>
      ),
    },
    { id: 'language', header: 'Language', sort: 'language', cell: (s) => s.language },
    {
      id: 'country',
      header: 'Country',
      sort: 'country',
      cell: (s) => s.country || <span className="text-slate-500">None</span>,
    },
    {
      id: 'contact',
      header: 'Contact',
      className: 'max-w-56',
      cell: (s) => (
        <>
          {s.contactName || <span className="text-slate-500">No name</span>}
          {s.contactEmail && <ContactEmail email={s.contactEmail} />}
        </>
      ),
    },
    {
      id: 'trusted',
      header: 'Trusted',
      sort: 'trusted',
      cell: (s) => toggle(s, s.trusted, s.trusted ? 'untrust' : 'trust', s.trusted ? 'Untrust' : 'Trust'),
    },
    {
      id: 'prioritised',
      header: 'Prioritised',
      sort: 'prioritised',
      cell: (s) =>
        toggle(
          s,
          s.prioritised,
          s.prioritised ? 'unprioritise' : 'prioritise',
          s.prioritised ? 'Unprioritise' : 'Prioritise',
        ),
    },
    {
      id: 'visible',
      header: 'Visible',
      sort: 'visible',
      cell: (s) => toggle(s, s.visible, s.visible ? 'hide' : 'show', s.visible ? 'Hide' : 'Show', 'Visible', 'Hidden'),
    },
    {
      id: 'timeregistered',
      header: 'Registered',
      sort: 'timeregistered',
      className: 'min-w-48',
      cell: (s) => <SiteStatus site={s} />,
    },
    {
      id: 'actions',
      header: 'Actions',
      headerContent: <span className="sr-only">Actions</span>,
      className: 'text-right whitespace-nowrap',
      cell: (s) => (
        <>
          <Link to={`/admin/hub/sites/${s.id}`} className="rounded px-2 py-1 text-sm text-blue-700 hover:underline">
            Settings<span className="sr-only"> of {s.name}</span>
          </Link>
          <Button
            size="sm"
            variant="ghost"
            className="text-red-700"
            aria-disabled={busyId === s.id || undefined}
            onClick={() => onDelete(s)}
          >
            Delete<span className="sr-only"> {s.name}</span>
          </Button>
        </>
      ),
    },
  ];
}

function Deleted({ result }: { result: SiteDeleted }) {
  const courses =
    result.coursesDeleted > 0
      ? ` and its ${plural(result.coursesDeleted, 'course')}`
      : result.coursesKept > 0
        ? `; its ${plural(result.coursesKept, 'course')} stay on the hub without a site`
        : '';
  return (
    <Alert tone="success" title={`Deleted the site ${result.site.name}${courses}.`} className="mb-4">
      <p className="mb-2">This message to the site's contact was written to the outbox:</p>
      <OutboxMessage message={result.message} open />
    </Alert>
  );
}

function SitesDeletedAlert({ result }: { result: SitesDeleted }) {
  const courses =
    result.coursesDeleted > 0
      ? ` and their ${plural(result.coursesDeleted, 'course')}`
      : result.coursesKept > 0
        ? `; their ${plural(result.coursesKept, 'course')} stay on the hub without a site`
        : '';
  return (
    <Alert tone="success" title={`Deleted ${plural(result.deleted, 'site')}${courses}.`} className="mb-4">
      <p>
        {plural(result.messages.length, 'message')} to the sites' contacts{' '}
        {result.messages.length === 1 ? 'was' : 'were'} written to the outbox below.
      </p>
    </Alert>
  );
}

const STATUS_STYLE: Record<HubSiteStatus, string> = {
  pending: 'bg-amber-100 text-amber-900',
  confirmed: 'bg-green-100 text-green-900',
  unregistered: 'bg-slate-200 text-slate-800',
};
const STATUS_WORD: Record<HubSiteStatus, string> = {
  pending: 'Pending',
  confirmed: 'Confirmed',
  unregistered: 'Unregistered',
};

/** Where the registration stands: pending until the site's first call with its token. */
function SiteStatus({ site: s }: { site: HubSiteDto }) {
  return (
    <span className="mt-1 block text-xs font-normal text-slate-600">
      <span className={`mr-1.5 inline-block rounded px-1.5 py-0.5 font-medium ${STATUS_STYLE[s.status]}`}>
        {STATUS_WORD[s.status]}
      </span>
      Registered {formatTime(s.timeRegistered)}
      {s.status === 'confirmed' && s.timeConfirmed !== null && <>, confirmed {formatTime(s.timeConfirmed)}</>}
      {s.status === 'pending' && <span className="block">Waiting for the site's first call with its token</span>}
      {s.status === 'unregistered' && <span className="block">The site left the hub; its courses are kept</span>}
    </span>
  );
}

function SitesList() {
  const [filters, update] = useListQuery(hubSiteListQuerySchema);
  const q = useQuery(hubSiteListQueryOptions(filters));
  const action = useHubSiteAction();
  const [busyId, setBusyId] = useState<number | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<HubSiteDto | null>(null);
  const [deleted, setDeleted] = useState<SiteDeleted | null>(null);
  const { selected, toggle, clear } = useSelection();
  const [bulkDelete, setBulkDelete] = useState<HubSiteDto[] | null>(null);
  const [bulkDeleted, setBulkDeleted] = useState<SitesDeleted | null>(null);
  // The selection is kept across pages: the sites seen, for the confirmation that names them.
  const seen = useRef(new Map<number, HubSiteDto>());
  for (const s of q.data?.items ?? []) seen.current.set(s.id, s);

  const clearMessages = () => {
    setFlash(null);
    setDeleted(null);
    setBulkDeleted(null);
  };

  const onAction = (site: HubSiteDto, act: HubSiteAction) => {
    // The buttons stay enabled while busy (so keyboard focus stays on them): ignore repeats.
    if (busyId !== null) return;
    setBusyId(site.id);
    clearMessages();
    action.mutate(
      { id: site.id, action: act },
      {
        // A prioritised site is always trusted: untrusting it ends its priority too, which the message says.
        onSuccess: (s) =>
          setFlash(
            act === 'untrust' && site.prioritised
              ? `${s.name} is no longer trusted, nor prioritised: the courses it publishes wait for you to make them visible.`
              : SUCCESS[act](s.name),
          ),
        onSettled: () => setBusyId(null),
      },
    );
  };

  const onDelete = (s: HubSiteDto) => {
    if (busyId !== null) return;
    clearMessages();
    setToDelete(s);
  };

  const names = new Map((q.data?.items ?? []).map((s) => [s.id, s.name]));
  return (
    <>
      {deleted && <Deleted result={deleted} />}
      {bulkDeleted && <SitesDeletedAlert result={bulkDeleted} />}
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}
      <SiteFilters filters={filters} update={update} updating={q.isFetching && !q.isPending} />
      <BulkActions count={selected.size} onClear={clear}>
        <Button
          size="sm"
          variant="danger"
          disabled={selected.size === 0}
          onClick={() => {
            clearMessages();
            setBulkDelete([...selected].flatMap((id) => seen.current.get(id) ?? []));
          }}
        >
          Delete selected sites ({selected.size})
        </Button>
      </BulkActions>
      <ListBody
        query={q}
        what="the sites"
        empty={{
          title: 'No sites found',
          body: anyFilter(filters)
            ? 'No registered site matches this search. Try other keywords or filters.'
            : 'No site has registered with the hub yet. Sites register from their own administration (Server › Hubs).',
        }}
      >
        {(data, stale) => (
          <>
            <DataTable
              caption="Registered sites"
              rows={data.items}
              rowId={(s) => s.id}
              columns={siteColumns(onAction, onDelete, busyId)}
              sort={filters.sort}
              dir={filters.dir}
              onSort={(sort) => update(nextSort(filters, sort))}
              dim={stale}
              selection={{
                selected,
                toggle,
                rowLabel: (id) => `Select ${names.get(id) ?? `site ${id}`}`,
                allLabel: 'Select every site on this page',
              }}
            />
            <Pager page={data} onCursor={(cursor) => update({ cursor })} noun="sites" />
          </>
        )}
      </ListBody>

      <DeleteSiteDialog
        site={toDelete}
        onClose={() => setToDelete(null)}
        onDeleted={(result) => {
          setToDelete(null);
          setDeleted(result);
          toggle([result.site.id], false);
        }}
      />

      <DeleteSitesDialog
        sites={bulkDelete}
        onClose={() => setBulkDelete(null)}
        onDeleted={(result) => {
          setBulkDelete(null);
          clear();
          setBulkDeleted(result);
        }}
      />

      <div className="mt-10">
        <Section
          title="Outbox"
          description="Messages the hub sent to sites' contacts, such as the notice that a site was deleted, newest first."
        >
          <Outbox />
        </Section>
      </div>
    </>
  );
}

export default function HubSitesPage() {
  return (
    <Page
      title="Manage sites"
      cap={HUB_MANAGE_CAP}
      description="Site administration › Hub › Manage sites. A trusted site's courses are visible as soon as it publishes them; a prioritised site is always trusted and its courses come first in searches."
    >
      <SitesList />
    </Page>
  );
}
