import {
  HUB_SITE_SORTS,
  type HubSiteAction,
  type HubSiteDto,
  type HubSiteStatus,
  hubCountrySchema,
  hubLanguageSchema,
  mailtoHref,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { EmptyState } from '../components/ui/empty-state';
import { SelectField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { Pagination } from '../components/ui/pagination';
import { QueryError } from '../components/ui/query-error';
import { ariaSort, RowTh, SortButton, Table, TBody, Td, THead, Th } from '../components/ui/table';
import {
  DeleteSiteDialog,
  DeleteSitesDialog,
  type SiteDeleted,
  type SitesDeleted,
} from '../features/hub/delete-site-dialog';
import { HUB_MANAGE_CAP, oneOf, ProtectedMark, statistic, YesNo } from '../features/hub/hub-parts';
import { Outbox, OutboxMessage } from '../features/hub/outbox';
import {
  type HubSiteFilters,
  type HubSiteSort,
  hubSiteListQueryOptions,
  useHubSiteAction,
} from '../features/hub/queries';
import type { FieldErrors } from '../lib/form-errors';
import { formatTime, plural } from '../lib/format';

const PER_PAGE = 20;
const TRUSTED = ['', 'yes', 'no'] as const;
const STATUSES = ['', 'pending', 'confirmed', 'unregistered', 'all'] as const;
const STATUS_OPTIONS: Record<(typeof STATUSES)[number], string> = {
  '': 'Registered (pending and confirmed)',
  pending: 'Pending',
  confirmed: 'Confirmed',
  unregistered: 'Unregistered',
  all: 'All, unregistered included',
};

/** The filters live in the URL, so Back, reload and shared links keep them. */
function useSiteFilters(): [HubSiteFilters, (patch: Partial<HubSiteFilters>, replace?: boolean) => void, string] {
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page'));
  const filters: HubSiteFilters = {
    search: params.get('search') ?? '',
    trusted: oneOf(TRUSTED, params.get('trusted'), ''),
    language: params.get('language') ?? '',
    country: params.get('country') ?? '',
    status: oneOf(STATUSES, params.get('status'), ''),
    sort: oneOf(HUB_SITE_SORTS, params.get('sort'), 'name'),
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    perPage: PER_PAGE,
  };
  const update = (patch: Partial<HubSiteFilters>, replace = false) => {
    const next = { ...filters, ...patch };
    const p = new URLSearchParams();
    if (next.search) p.set('search', next.search);
    if (next.trusted) p.set('trusted', next.trusted);
    if (next.language) p.set('language', next.language);
    if (next.country) p.set('country', next.country);
    if (next.status) p.set('status', next.status);
    if (next.sort !== 'name') p.set('sort', next.sort);
    if (next.dir !== 'asc') p.set('dir', next.dir);
    if (next.page > 1) p.set('page', String(next.page));
    setParams(p, { replace });
  };
  return [filters, update, params.toString()];
}

type Draft = Pick<HubSiteFilters, 'search' | 'trusted' | 'language' | 'country' | 'status'>;

function SiteSearch({
  filters,
  update,
  updating,
}: {
  filters: HubSiteFilters;
  update: (patch: Partial<HubSiteFilters>) => void;
  updating: boolean;
}) {
  const initial: Draft = {
    search: filters.search,
    trusted: filters.trusted,
    language: filters.language,
    country: filters.country,
    status: filters.status,
  };
  const [draft, setDraft] = useState<Draft>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const next: FieldErrors = {};
    const language = draft.language.trim().toLowerCase();
    const country = draft.country.trim().toUpperCase();
    if (language && !hubLanguageSchema.safeParse(language).success) next.language = 'A language code such as en or fr';
    if (country && !hubCountrySchema.safeParse(country).success) next.country = 'A two-letter code such as FR';
    setErrors(next);
    if (Object.keys(next).length) return;
    update({ search: draft.search.trim(), trusted: draft.trusted, language, country, status: draft.status, page: 1 });
  }

  const filtered = filters.search || filters.trusted || filters.language || filters.country || filters.status;
  return (
    <search aria-label="Search sites">
      <form onSubmit={onSubmit} noValidate className="mb-4 flex flex-wrap items-end gap-4">
        <TextField
          label="Keywords"
          type="search"
          name="search"
          value={draft.search}
          onChange={(e) => set('search', e.target.value)}
          placeholder="Name, URL, description or contact"
          className="w-72"
          autoComplete="off"
        />
        <SelectField
          label="Trusted"
          name="trusted"
          value={draft.trusted}
          onChange={(e) => set('trusted', oneOf(TRUSTED, e.target.value, ''))}
          className="w-36"
        >
          <option value="">Any</option>
          <option value="yes">Yes</option>
          <option value="no">No</option>
        </SelectField>
        <SelectField
          label="Registration"
          name="status"
          value={draft.status}
          onChange={(e) => set('status', oneOf(STATUSES, e.target.value, ''))}
          className="w-64"
        >
          {STATUSES.map((v) => (
            <option key={v} value={v}>
              {STATUS_OPTIONS[v]}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Language"
          name="language"
          value={draft.language}
          onChange={(e) => set('language', e.target.value)}
          error={errors.language}
          placeholder="en"
          className="w-32"
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          label="Country"
          name="country"
          value={draft.country}
          onChange={(e) => set('country', e.target.value)}
          error={errors.country}
          placeholder="FR"
          maxLength={2}
          className="w-28"
          autoComplete="off"
          spellCheck={false}
        />
        <Button type="submit" variant="primary">
          Search
        </Button>
        {filtered && (
          <Button
            variant="ghost"
            onClick={() => {
              setDraft({ search: '', trusted: '', language: '', country: '', status: '' });
              setErrors({});
              update({ search: '', trusted: '', language: '', country: '', status: '', page: 1 });
            }}
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

function SitesTable({
  sites,
  filters,
  onSort,
  onAction,
  busyId,
  onDelete,
  selected,
  onSelect,
  dim,
}: {
  sites: HubSiteDto[];
  filters: HubSiteFilters;
  onSort: (s: HubSiteSort) => void;
  onAction: (site: HubSiteDto, action: HubSiteAction) => void;
  busyId: number | null;
  onDelete: (site: HubSiteDto) => void;
  selected: Set<number>;
  onSelect: (id: number, on: boolean) => void;
  dim: boolean;
}) {
  const sortable = (label: string, sort: HubSiteSort) => (
    <SortButton label={label} active={filters.sort === sort} dir={filters.dir} onSort={() => onSort(sort)} />
  );
  return (
    <Table caption="Registered sites" className={dim ? 'opacity-60' : undefined}>
      <THead>
        <Th className="w-10">
          <span className="sr-only">Selected</span>
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'name', filters.dir)}>{sortable('Site', 'name')}</Th>
        <Th aria-sort={ariaSort(filters.sort === 'courses', filters.dir)}>
          Description / {sortable('Courses', 'courses')}
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'language', filters.dir)}>{sortable('Language', 'language')}</Th>
        <Th>Contact</Th>
        <Th aria-sort={ariaSort(filters.sort === 'trusted', filters.dir)}>{sortable('Trusted', 'trusted')}</Th>
        <Th aria-sort={ariaSort(filters.sort === 'prioritised', filters.dir)}>
          {sortable('Prioritised', 'prioritised')}
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'visible', filters.dir)}>{sortable('Visible', 'visible')}</Th>
        <Th>
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {sites.map((s) => {
          const busy = busyId === s.id;
          return (
            <tr key={s.id} className={selected.has(s.id) ? 'bg-blue-50/60 align-top' : 'align-top hover:bg-slate-50'}>
              <Td className="align-top">
                <input
                  type="checkbox"
                  aria-label={`Select ${s.name}`}
                  checked={selected.has(s.id)}
                  onChange={(e) => onSelect(s.id, e.target.checked)}
                  className="mt-0.5 size-4 rounded border-slate-400 accent-blue-700"
                />
              </Td>
              <RowTh className="max-w-64 min-w-48 align-top">
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
                <SiteStatus site={s} />
              </RowTh>
              <Td className="max-w-80 min-w-56 align-top whitespace-normal">
                {s.description ? (
                  <p className="line-clamp-3">{s.description}</p>
                ) : (
                  <p className="text-slate-500">No description</p>
                )}
                <p className="mt-1 text-xs text-slate-600">
                  Courses: {statistic(s.statistics.courses)} · Users: {statistic(s.statistics.users)} · Published here:{' '}
                  {s.statistics.published} ({s.statistics.publishedVisible} visible)
                </p>
              </Td>
              <Td className="align-top">
                {s.language}
                {s.country && <span className="block text-xs text-slate-500">{s.country}</span>}
              </Td>
              <Td className="max-w-56 align-top">
                {s.contactName || <span className="text-slate-500">No name</span>}
                {s.contactEmail && <ContactEmail email={s.contactEmail} />}
              </Td>
              <Td className="align-top">
                <div className="flex flex-col items-start gap-1.5">
                  <YesNo value={s.trusted} />
                  <Button
                    size="sm"
                    aria-disabled={busy || undefined}
                    onClick={() => onAction(s, s.trusted ? 'untrust' : 'trust')}
                  >
                    {s.trusted ? 'Untrust' : 'Trust'}
                    <span className="sr-only"> {s.name}</span>
                  </Button>
                </div>
              </Td>
              <Td className="align-top">
                <div className="flex flex-col items-start gap-1.5">
                  <YesNo value={s.prioritised} />
                  <Button
                    size="sm"
                    aria-disabled={busy || undefined}
                    onClick={() => onAction(s, s.prioritised ? 'unprioritise' : 'prioritise')}
                  >
                    {s.prioritised ? 'Unprioritise' : 'Prioritise'}
                    <span className="sr-only"> {s.name}</span>
                  </Button>
                </div>
              </Td>
              <Td className="align-top">
                <div className="flex flex-col items-start gap-1.5">
                  <YesNo value={s.visible} yes="Visible" no="Hidden" />
                  <Button
                    size="sm"
                    aria-disabled={busy || undefined}
                    onClick={() => onAction(s, s.visible ? 'hide' : 'show')}
                  >
                    {s.visible ? 'Hide' : 'Show'}
                    <span className="sr-only"> {s.name}</span>
                  </Button>
                </div>
              </Td>
              <Td className="text-right align-top whitespace-nowrap">
                <Link
                  to={`/admin/hub/sites/${s.id}`}
                  className="rounded px-2 py-1 text-sm text-blue-700 hover:underline"
                >
                  Settings<span className="sr-only"> of {s.name}</span>
                </Link>
                <Button
                  size="sm"
                  variant="ghost"
                  className="text-red-700"
                  aria-disabled={busy || undefined}
                  onClick={() => onDelete(s)}
                >
                  Delete<span className="sr-only"> {s.name}</span>
                </Button>
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
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

/** Select all on this page, how many are selected, and what to do with them. */
function SitesBulkBar({
  sites,
  selected,
  setSelected,
  onDelete,
}: {
  sites: HubSiteDto[];
  selected: Set<number>;
  setSelected: (s: Set<number>) => void;
  onDelete: () => void;
}) {
  const all = useRef<HTMLInputElement>(null);
  const count = sites.filter((s) => selected.has(s.id)).length;
  const allOn = count > 0 && count === sites.length;
  useEffect(() => {
    if (all.current) all.current.indeterminate = count > 0 && !allOn;
  }, [count, allOn]);
  return (
    <fieldset className="mb-3 flex flex-wrap items-center gap-x-4 gap-y-2 rounded-md border border-slate-200 bg-slate-50 px-4 py-2.5 text-sm">
      <legend className="sr-only">Bulk actions</legend>
      <label className="flex items-center gap-2 font-medium text-slate-800">
        <input
          ref={all}
          type="checkbox"
          checked={allOn}
          onChange={(e) => setSelected(e.target.checked ? new Set(sites.map((s) => s.id)) : new Set())}
          className="size-4 rounded border-slate-400 accent-blue-700"
        />
        Select all on this page
      </label>
      <span role="status" className="text-slate-600">
        {count > 0 ? `${plural(count, 'site')} selected` : 'No site selected'}
      </span>
      <Button size="sm" variant="ghost" className="text-red-700" disabled={count === 0} onClick={onDelete}>
        Delete selected sites
      </Button>
    </fieldset>
  );
}

function SitesList() {
  const [filters, update, paramsKey] = useSiteFilters();
  const q = useQuery(hubSiteListQueryOptions(filters));
  const action = useHubSiteAction();
  const [busyId, setBusyId] = useState<number | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<HubSiteDto | null>(null);
  const [deleted, setDeleted] = useState<SiteDeleted | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [bulkDelete, setBulkDelete] = useState<HubSiteDto[] | null>(null);
  const [bulkDeleted, setBulkDeleted] = useState<SitesDeleted | null>(null);

  // A new search, sort or page: the selection started on another list.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new list should clear it
  useEffect(() => setSelected(new Set()), [paramsKey]);
  const items = q.data?.items ?? [];

  const onSort = (sort: HubSiteSort) =>
    update({ sort, dir: filters.sort === sort && filters.dir === 'asc' ? 'desc' : 'asc', page: 1 });

  const onAction = (site: HubSiteDto, act: HubSiteAction) => {
    // The buttons stay enabled while busy (so keyboard focus stays on them): ignore repeats.
    if (busyId !== null) return;
    setBusyId(site.id);
    setFlash(null);
    setDeleted(null);
    setBulkDeleted(null);
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

  const anyFilter = filters.search || filters.trusted || filters.language || filters.country || filters.status;
  return (
    <>
      {deleted && <Deleted result={deleted} />}
      {bulkDeleted && <SitesDeletedAlert result={bulkDeleted} />}
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}
      <SiteSearch key={paramsKey} filters={filters} update={update} updating={q.isFetching && !q.isPending} />
      {q.isPending ? (
        <Loading label="Loading sites…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the sites" />
      ) : q.data.items.length === 0 ? (
        <EmptyState title="No sites found">
          {anyFilter
            ? 'No registered site matches this search. Try other keywords or filters.'
            : 'No site has registered with the hub yet. Sites register from their own administration (Server › Hubs).'}
        </EmptyState>
      ) : (
        <>
          <SitesBulkBar
            sites={q.data.items}
            selected={selected}
            setSelected={setSelected}
            onDelete={() => {
              setFlash(null);
              setDeleted(null);
              setBulkDeleted(null);
              setBulkDelete(items.filter((s) => selected.has(s.id)));
            }}
          />
          <SitesTable
            sites={q.data.items}
            filters={filters}
            onSort={onSort}
            onAction={onAction}
            busyId={busyId}
            onDelete={(s) => {
              if (busyId !== null) return;
              setFlash(null);
              setBulkDeleted(null);
              setToDelete(s);
            }}
            selected={selected}
            onSelect={(id, on) =>
              setSelected((cur) => {
                const next = new Set(cur);
                if (on) next.add(id);
                else next.delete(id);
                return next;
              })
            }
            dim={q.isPlaceholderData}
          />
          <Pagination
            page={filters.page}
            perPage={filters.perPage}
            total={q.data.total}
            onPage={(page) => update({ page })}
            noun="sites"
          />
        </>
      )}

      <DeleteSiteDialog
        site={toDelete}
        onClose={() => setToDelete(null)}
        onDeleted={(result) => {
          setToDelete(null);
          setDeleted(result);
          setSelected((cur) => {
            const next = new Set(cur);
            next.delete(result.site.id);
            return next;
          });
        }}
      />

      <DeleteSitesDialog
        sites={bulkDelete}
        onClose={() => setBulkDelete(null)}
        onDeleted={(result) => {
          setBulkDelete(null);
          setSelected(new Set());
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
