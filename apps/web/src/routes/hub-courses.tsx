import {
  HUB_AUDIENCE_LABELS,
  HUB_AUDIENCES,
  HUB_COURSE_SORTS,
  HUB_EDUCATIONAL_LEVEL_LABELS,
  HUB_EDUCATIONAL_LEVELS,
  HUB_LICENCE_LABELS,
  HUB_LICENCES,
  type HubCourseDto,
  hubLanguageSchema,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { EmptyState } from '../components/ui/empty-state';
import { SelectField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { Pagination } from '../components/ui/pagination';
import { QueryError } from '../components/ui/query-error';
import { ariaSort, RowTh, SortButton, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { BackupLink, ScreenshotThumbnails } from '../features/hub/course-files';
import { audienceLabel, HUB_MANAGE_CAP, levelLabel, licenceLabel, oneOf, YesNo } from '../features/hub/hub-parts';
import {
  consoleBackupUrl,
  consoleScreenshotUrl,
  type HubCourseFilters,
  type HubCourseSort,
  hubCourseListQueryOptions,
  hubSiteOptionsQueryOptions,
  useDeleteHubCourse,
  useHubCourseBulk,
  useHubCourseVisibility,
} from '../features/hub/queries';
import type { FieldErrors } from '../lib/form-errors';
import { formatTime, plural } from '../lib/format';

const PER_PAGE = 20;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const VISIBILITY = ['all', 'visible', 'hidden'] as const;
const TYPES = ['', 'enrollable', 'downloadable'] as const;
const AUDIENCES = ['', ...HUB_AUDIENCES] as const;
const LEVELS = ['', ...HUB_EDUCATIONAL_LEVELS] as const;
const LICENCES = ['', ...HUB_LICENCES] as const;

type Draft = Omit<HubCourseFilters, 'sort' | 'dir' | 'page' | 'perPage'>;

const EMPTY_DRAFT: Draft = {
  search: '',
  siteId: 0,
  visibility: 'all',
  language: '',
  subject: '',
  audience: '',
  educationalLevel: '',
  licence: '',
  type: '',
  modifiedFrom: '',
  modifiedTo: '',
};

/** The filters live in the URL, so Back, reload and shared links keep them. */
function useCourseFilters(): [HubCourseFilters, (patch: Partial<HubCourseFilters>) => void, string] {
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page'));
  const siteId = Number(params.get('site'));
  const date = (k: string) => {
    const v = params.get(k) ?? '';
    return DATE.test(v) ? v : '';
  };
  const filters: HubCourseFilters = {
    search: params.get('search') ?? '',
    siteId: Number.isInteger(siteId) && siteId > 0 ? siteId : 0,
    visibility: oneOf(VISIBILITY, params.get('visibility'), 'all'),
    language: params.get('language') ?? '',
    subject: params.get('subject') ?? '',
    audience: oneOf(AUDIENCES, params.get('audience'), ''),
    educationalLevel: oneOf(LEVELS, params.get('level'), ''),
    licence: oneOf(LICENCES, params.get('licence'), ''),
    type: oneOf(TYPES, params.get('type'), ''),
    modifiedFrom: date('from'),
    modifiedTo: date('to'),
    sort: oneOf(HUB_COURSE_SORTS, params.get('sort'), 'timemodified'),
    dir: params.get('dir') === 'asc' ? 'asc' : 'desc',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    perPage: PER_PAGE,
  };
  const update = (patch: Partial<HubCourseFilters>) => {
    const n = { ...filters, ...patch };
    const p = new URLSearchParams();
    if (n.search) p.set('search', n.search);
    if (n.siteId) p.set('site', String(n.siteId));
    if (n.visibility !== 'all') p.set('visibility', n.visibility);
    if (n.language) p.set('language', n.language);
    if (n.subject) p.set('subject', n.subject);
    if (n.audience) p.set('audience', n.audience);
    if (n.educationalLevel) p.set('level', n.educationalLevel);
    if (n.licence) p.set('licence', n.licence);
    if (n.type) p.set('type', n.type);
    if (n.modifiedFrom) p.set('from', n.modifiedFrom);
    if (n.modifiedTo) p.set('to', n.modifiedTo);
    if (n.sort !== 'timemodified') p.set('sort', n.sort);
    if (n.dir !== 'desc') p.set('dir', n.dir);
    if (n.page > 1) p.set('page', String(n.page));
    setParams(p);
  };
  return [filters, update, params.toString()];
}

const isFiltered = (f: Draft) => (Object.keys(EMPTY_DRAFT) as (keyof Draft)[]).some((k) => f[k] !== EMPTY_DRAFT[k]);

function CourseFilters({
  filters,
  update,
  updating,
}: {
  filters: HubCourseFilters;
  update: (patch: Partial<HubCourseFilters>) => void;
  updating: boolean;
}) {
  const sites = useQuery(hubSiteOptionsQueryOptions);
  const [draft, setDraft] = useState<Draft>(() => {
    const { sort: _s, dir: _d, page: _p, perPage: _pp, ...rest } = filters;
    return rest;
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const next: FieldErrors = {};
    const language = draft.language.trim().toLowerCase();
    const subject = draft.subject.trim();
    if (language && !hubLanguageSchema.safeParse(language).success) next.language = 'A language code such as en or fr';
    if (subject && !/^[a-zA-Z0-9]+$/.test(subject)) next.subject = 'Letters and digits only';
    if (draft.modifiedFrom && draft.modifiedTo && draft.modifiedFrom > draft.modifiedTo) {
      next.modifiedTo = 'On or after the “from” date';
    }
    setErrors(next);
    if (Object.keys(next).length) return;
    update({ ...draft, search: draft.search.trim(), language, subject, page: 1 });
  }

  return (
    <search aria-label="Filter courses">
      <form onSubmit={onSubmit} noValidate className="mb-4 rounded-md border border-slate-200 bg-white p-4">
        <div className="grid grid-cols-2 items-start gap-4 md:grid-cols-4 xl:grid-cols-6">
          <TextField
            label="Keywords"
            type="search"
            name="search"
            value={draft.search}
            onChange={(e) => set('search', e.target.value)}
            placeholder="Name, description, creator…"
            className="col-span-2"
            autoComplete="off"
          />
          <SelectField
            label="Site"
            name="site"
            value={String(draft.siteId)}
            onChange={(e) => set('siteId', Number(e.target.value))}
            className="col-span-2"
          >
            <option value="0">All sites</option>
            {(sites.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Visibility"
            name="visibility"
            value={draft.visibility}
            onChange={(e) => set('visibility', oneOf(VISIBILITY, e.target.value, 'all'))}
          >
            <option value="all">All</option>
            <option value="visible">Visible</option>
            <option value="hidden">Hidden</option>
          </SelectField>
          <SelectField
            label="Course type"
            name="type"
            value={draft.type}
            onChange={(e) => set('type', oneOf(TYPES, e.target.value, ''))}
          >
            <option value="">Any type</option>
            <option value="enrollable">Enrollable</option>
            <option value="downloadable">Downloadable</option>
          </SelectField>
          <TextField
            label="Language"
            name="language"
            value={draft.language}
            onChange={(e) => set('language', e.target.value)}
            error={errors.language}
            placeholder="en"
            autoComplete="off"
            spellCheck={false}
          />
          <TextField
            label="Subject"
            name="subject"
            value={draft.subject}
            onChange={(e) => set('subject', e.target.value)}
            error={errors.subject}
            placeholder="0111"
            autoComplete="off"
            spellCheck={false}
          />
          <SelectField
            label="Audience"
            name="audience"
            value={draft.audience}
            onChange={(e) => set('audience', oneOf(AUDIENCES, e.target.value, ''))}
          >
            <option value="">Any audience</option>
            {HUB_AUDIENCES.map((a) => (
              <option key={a} value={a}>
                {HUB_AUDIENCE_LABELS[a]}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Educational level"
            name="educationalLevel"
            value={draft.educationalLevel}
            onChange={(e) => set('educationalLevel', oneOf(LEVELS, e.target.value, ''))}
          >
            <option value="">Any level</option>
            {HUB_EDUCATIONAL_LEVELS.map((l) => (
              <option key={l} value={l}>
                {HUB_EDUCATIONAL_LEVEL_LABELS[l]}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Licence"
            name="licence"
            value={draft.licence}
            onChange={(e) => set('licence', oneOf(LICENCES, e.target.value, ''))}
            className="col-span-2"
          >
            <option value="">Any licence</option>
            {HUB_LICENCES.map((l) => (
              <option key={l} value={l}>
                {HUB_LICENCE_LABELS[l]}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Last modified from"
            type="date"
            name="modifiedFrom"
            value={draft.modifiedFrom}
            onChange={(e) => set('modifiedFrom', e.target.value)}
          />
          <TextField
            label="Last modified to"
            type="date"
            name="modifiedTo"
            value={draft.modifiedTo}
            onChange={(e) => set('modifiedTo', e.target.value)}
            error={errors.modifiedTo}
          />
        </div>
        <div className="mt-4 flex flex-wrap items-center gap-3">
          <Button type="submit" variant="primary">
            Search
          </Button>
          {isFiltered(filters) && (
            <Button
              variant="ghost"
              onClick={() => {
                setDraft(EMPTY_DRAFT);
                setErrors({});
                update({ ...EMPTY_DRAFT, page: 1 });
              }}
            >
              Clear filters
            </Button>
          )}
          {updating && (
            <span role="status" className="text-sm text-slate-500">
              Updating…
            </span>
          )}
        </div>
      </form>
    </search>
  );
}

type BulkAction = 'show' | 'hide' | 'delete';
const BULK_LABELS: Record<BulkAction, string> = { show: 'Make visible', hide: 'Hide', delete: 'Delete' };
const BULK_DONE: Record<BulkAction, string> = { show: 'Made visible', hide: 'Hid', delete: 'Deleted' };

function CoursesTable({
  courses,
  filters,
  onSort,
  selected,
  onSelect,
  busyId,
  onVisibility,
  onDelete,
  dim,
}: {
  courses: HubCourseDto[];
  filters: HubCourseFilters;
  onSort: (s: HubCourseSort) => void;
  selected: Set<number>;
  onSelect: (id: number, on: boolean) => void;
  busyId: number | null;
  onVisibility: (c: HubCourseDto) => void;
  onDelete: (c: HubCourseDto) => void;
  dim: boolean;
}) {
  const sortable = (label: string, sort: HubCourseSort) => (
    <SortButton label={label} active={filters.sort === sort} dir={filters.dir} onSort={() => onSort(sort)} />
  );
  return (
    <Table caption="Published courses" className={dim ? 'opacity-60' : undefined}>
      <THead>
        <Th className="w-10">
          <span className="sr-only">Selected</span>
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'fullname', filters.dir)}>{sortable('Course', 'fullname')}</Th>
        <Th aria-sort={ariaSort(filters.sort === 'site', filters.dir)}>{sortable('Site', 'site')}</Th>
        <Th aria-sort={ariaSort(filters.sort === 'language', filters.dir)}>
          {sortable('Language', 'language')}
          <span className="block font-normal normal-case">Subject, audience, level</span>
        </Th>
        <Th>Licence</Th>
        <Th aria-sort={ariaSort(filters.sort === 'visible', filters.dir)}>{sortable('Visible', 'visible')}</Th>
        <Th aria-sort={ariaSort(filters.sort === 'timemodified' || filters.sort === 'timepublished', filters.dir)}>
          {sortable('Modified', 'timemodified')}
          <span className="mx-1" aria-hidden="true">
            /
          </span>
          {sortable('Published', 'timepublished')}
        </Th>
        <Th>
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {courses.map((c) => {
          const busy = busyId === c.id;
          return (
            <tr key={c.id} className={selected.has(c.id) ? 'bg-blue-50/60 align-top' : 'align-top hover:bg-slate-50'}>
              <Td className="align-top">
                <input
                  type="checkbox"
                  aria-label={`Select ${c.fullname}`}
                  checked={selected.has(c.id)}
                  onChange={(e) => onSelect(c.id, e.target.checked)}
                  className="mt-0.5 size-4 rounded border-slate-400 accent-blue-700"
                />
              </Td>
              <RowTh className="max-w-72 min-w-52 align-top">
                <span className="break-words">{c.fullname}</span>
                <span className="block text-xs font-normal text-slate-500">{c.shortname}</span>
                <span className="mt-1 flex flex-wrap gap-1">
                  {c.enrollable ? <Badge tone="purple">Enrollable</Badge> : <Badge tone="gray">Downloadable</Badge>}
                  {!c.enrollable && c.backupSize === null && <Badge tone="amber">No backup</Badge>}
                </span>
                <ScreenshotThumbnails
                  small
                  limit={3}
                  className="mt-2"
                  courseName={c.fullname}
                  numbers={c.screenshots}
                  url={(n, size) => consoleScreenshotUrl(c.id, n, size)}
                />
                {c.backupSize !== null && (
                  <BackupLink
                    className="mt-1 text-xs font-normal"
                    href={consoleBackupUrl(c.id)}
                    size={c.backupSize}
                    courseName={c.fullname}
                  />
                )}
              </RowTh>
              <Td className="max-w-56 align-top">
                {c.site ? (
                  <>
                    <Link to={`/admin/hub/sites/${c.site.id}`} className="text-blue-700 hover:underline">
                      {c.site.name}
                    </Link>
                    <span className="mt-1 flex flex-wrap gap-1">
                      {c.site.prioritised && <Badge tone="amber">Prioritised</Badge>}
                      {c.site.trusted ? <Badge tone="green">Trusted</Badge> : <Badge>Not trusted</Badge>}
                      {!c.site.visible && <Badge tone="red">Site hidden</Badge>}
                    </span>
                  </>
                ) : (
                  <span className="text-slate-500">No site (the site was deleted)</span>
                )}
              </Td>
              <Td className="align-top text-xs">
                <span className="block text-sm">{c.language}</span>
                <span className="block">
                  {c.subject ? `Subject ${c.subject}` : <span className="text-slate-500">No subject</span>}
                </span>
                <span className="block">{audienceLabel(c.audience)}</span>
                <span className="block">{levelLabel(c.educationalLevel)}</span>
              </Td>
              <Td className="max-w-48 align-top text-xs whitespace-normal">{licenceLabel(c.licence)}</Td>
              <Td className="align-top">
                <YesNo value={c.visible} yes="Visible" no="Hidden" />
              </Td>
              <Td className="max-w-40 align-top text-xs">
                {formatTime(c.timeModified)}
                <span className="block text-slate-500">Published {formatTime(c.timePublished)}</span>
              </Td>
              <Td className="align-top whitespace-nowrap">
                <div className="flex flex-col items-end gap-1">
                  <Button size="sm" aria-disabled={busy || undefined} onClick={() => onVisibility(c)}>
                    {c.visible ? 'Hide' : 'Show'}
                    <span className="sr-only"> {c.fullname}</span>
                  </Button>
                  <Link
                    to={`/admin/hub/courses/${c.id}`}
                    className="rounded px-2 py-1 text-sm text-blue-700 hover:underline"
                  >
                    Settings<span className="sr-only"> of {c.fullname}</span>
                  </Link>
                  <Button
                    size="sm"
                    variant="ghost"
                    className="text-red-700"
                    aria-disabled={busy || undefined}
                    onClick={() => onDelete(c)}
                  >
                    Delete<span className="sr-only"> {c.fullname}</span>
                  </Button>
                </div>
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}

function BulkBar({
  courses,
  selected,
  setSelected,
  onApply,
  busy,
}: {
  courses: HubCourseDto[];
  selected: Set<number>;
  setSelected: (s: Set<number>) => void;
  onApply: (action: BulkAction) => void;
  busy: boolean;
}) {
  const [action, setAction] = useState<'' | BulkAction>('');
  const all = useRef<HTMLInputElement>(null);
  const count = courses.filter((c) => selected.has(c.id)).length;
  const allOn = count > 0 && count === courses.length;
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
          onChange={(e) => setSelected(e.target.checked ? new Set(courses.map((c) => c.id)) : new Set())}
          className="size-4 rounded border-slate-400 accent-blue-700"
        />
        Select all on this page
      </label>
      <span role="status" className="text-slate-600">
        {count > 0 ? `${plural(count, 'course')} selected` : 'No course selected'}
      </span>
      <span className="flex items-center gap-2">
        <label htmlFor="hub-bulk-action" className="font-medium text-slate-800">
          With selected courses
        </label>
        <select
          id="hub-bulk-action"
          value={action}
          onChange={(e) => setAction(oneOf(['', 'show', 'hide', 'delete'] as const, e.target.value, ''))}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-blue-600"
        >
          <option value="">Choose…</option>
          {(Object.keys(BULK_LABELS) as BulkAction[]).map((a) => (
            <option key={a} value={a}>
              {BULK_LABELS[a]}
            </option>
          ))}
        </select>
        <Button size="sm" disabled={!action || count === 0} busy={busy} onClick={() => action && onApply(action)}>
          Apply
        </Button>
      </span>
    </fieldset>
  );
}

function CoursesList() {
  const [filters, update, paramsKey] = useCourseFilters();
  const q = useQuery(hubCourseListQueryOptions(filters));
  const visibility = useHubCourseVisibility();
  const del = useDeleteHubCourse();
  const bulk = useHubCourseBulk();
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [busyId, setBusyId] = useState<number | null>(null);
  const [flash, setFlash] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [toDelete, setToDelete] = useState<HubCourseDto | null>(null);
  const [bulkDelete, setBulkDelete] = useState<HubCourseDto[] | null>(null);

  // A new search, sort or page: the selection started on another list.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new list should clear it
  useEffect(() => setSelected(new Set()), [paramsKey]);

  const items = q.data?.items ?? [];
  const chosen = items.filter((c) => selected.has(c.id));

  const onSort = (sort: HubCourseSort) =>
    update({ sort, dir: filters.sort === sort && filters.dir === 'asc' ? 'desc' : 'asc', page: 1 });

  const onVisibility = (c: HubCourseDto) => {
    // The buttons stay enabled while busy (so keyboard focus stays on them): ignore repeats.
    if (busyId !== null) return;
    setBusyId(c.id);
    setFlash(null);
    visibility.mutate(
      { id: c.id, action: c.visible ? 'hide' : 'show' },
      {
        onSuccess: (next) =>
          setFlash({
            tone: 'success',
            text: next.visible ? `${next.fullname} is visible in searches.` : `${next.fullname} is hidden.`,
          }),
        onSettled: () => setBusyId(null),
      },
    );
  };

  const runBulk = (action: BulkAction, list: HubCourseDto[]) => {
    setFlash(null);
    bulk.mutate(
      { ids: list.map((c) => c.id), action },
      {
        onSuccess: (res) => {
          setSelected(new Set());
          setBulkDelete(null);
          bulk.reset();
          const unchanged = list.length - res.changed;
          setFlash({
            tone: 'success',
            text: `${BULK_DONE[action]} ${plural(res.changed, 'course')}.${unchanged > 0 ? ` ${plural(unchanged, 'course')} already ${action === 'show' ? 'visible' : 'hidden'}.` : ''}`,
          });
        },
        onError: (err) => {
          if (action !== 'delete') setFlash({ tone: 'error', text: err.message });
        },
      },
    );
  };

  const closeDelete = () => {
    del.reset();
    setToDelete(null);
  };

  return (
    <>
      {flash && (
        <Alert tone={flash.tone} className="mb-4">
          {flash.text}
        </Alert>
      )}
      <CourseFilters key={paramsKey} filters={filters} update={update} updating={q.isFetching && !q.isPending} />
      {q.isPending ? (
        <Loading label="Loading courses…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the courses" />
      ) : q.data.items.length === 0 ? (
        <EmptyState title="No courses found">
          {isFiltered(filters)
            ? 'No course matches these filters. Try other filters.'
            : 'No course has been published on the hub yet. Registered sites publish their courses from their own administration.'}
        </EmptyState>
      ) : (
        <>
          <BulkBar
            courses={q.data.items}
            selected={selected}
            setSelected={setSelected}
            busy={bulk.isPending}
            onApply={(action) => (action === 'delete' ? setBulkDelete(chosen) : runBulk(action, chosen))}
          />
          <CoursesTable
            courses={q.data.items}
            filters={filters}
            onSort={onSort}
            selected={selected}
            onSelect={(id, on) =>
              setSelected((s) => {
                const next = new Set(s);
                if (on) next.add(id);
                else next.delete(id);
                return next;
              })
            }
            busyId={busyId}
            onVisibility={onVisibility}
            onDelete={(c) => {
              if (busyId !== null) return;
              setFlash(null);
              setToDelete(c);
            }}
            dim={q.isPlaceholderData}
          />
          <Pagination
            page={filters.page}
            perPage={filters.perPage}
            total={q.data.total}
            onPage={(page) => update({ page })}
            noun="courses"
          />
        </>
      )}

      <ConfirmDialog
        open={toDelete !== null}
        title="Delete course"
        confirmLabel="Delete"
        busy={del.isPending}
        error={del.error?.message}
        onCancel={closeDelete}
        onConfirm={() => {
          if (!toDelete) return;
          del.mutate(toDelete.id, {
            onSuccess: () => {
              setFlash({ tone: 'success', text: `Deleted the course ${toDelete.fullname}.` });
              setSelected((s) => {
                const next = new Set(s);
                next.delete(toDelete.id);
                return next;
              });
              closeDelete();
            },
          });
        }}
      >
        {toDelete && (
          <>
            <p>
              Delete <strong>{toDelete.fullname}</strong>
              {toDelete.site ? ` (published by ${toDelete.site.name})` : ''} from the hub?
            </p>
            <p>
              It disappears from the hub's searches at once. This cannot be undone: only the site can publish it again.
            </p>
          </>
        )}
      </ConfirmDialog>

      <ConfirmDialog
        open={bulkDelete !== null}
        title="Delete courses"
        confirmLabel="Delete"
        busy={bulk.isPending}
        error={bulk.error?.message}
        onCancel={() => {
          bulk.reset();
          setBulkDelete(null);
        }}
        onConfirm={() => bulkDelete && runBulk('delete', bulkDelete)}
      >
        {bulkDelete && (
          <>
            <p>Delete these {plural(bulkDelete.length, 'course')} from the hub?</p>
            <ul className="max-h-48 list-disc overflow-y-auto pl-5">
              {bulkDelete.map((c) => (
                <li key={c.id}>{c.fullname}</li>
              ))}
            </ul>
            <p>They disappear from the hub's searches at once. This cannot be undone.</p>
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

export default function HubCoursesPage() {
  return (
    <Page
      title="Manage courses"
      cap={HUB_MANAGE_CAP}
      description="Site administration › Hub › Manage courses. Only visible courses of visible sites appear in the hub's searches."
    >
      <CoursesList />
    </Page>
  );
}
