import {
  HUB_AUDIENCE_LABELS,
  HUB_AUDIENCES,
  HUB_EDUCATIONAL_LEVEL_LABELS,
  HUB_EDUCATIONAL_LEVELS,
  HUB_LICENCE_LABELS,
  HUB_LICENCES,
  type HubCourseDto,
  hubCourseListQuerySchema,
  hubLanguageSchema,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { Page } from '../components/layout/page';
import { BulkActions } from '../components/list/bulk-actions';
import { type Column, DataTable, nextSort } from '../components/list/data-table';
import { ListBody } from '../components/list/list-body';
import { Pager } from '../components/list/pager';
import { SearchField } from '../components/list/search-field';
import { Time } from '../components/list/time';
import { type ListPatch, useListQuery } from '../components/list/use-list-query';
import { useSelection } from '../components/list/use-selection';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { SelectField, TextField } from '../components/ui/form-field';
import { BackupLink, ScreenshotThumbnails } from '../features/hub/course-files';
import {
  audienceLabel,
  HUB_MANAGE_CAP,
  levelLabel,
  licenceLabel,
  SubjectOptions,
  subjectLabel,
  YesNo,
} from '../features/hub/hub-parts';
import { CodeField } from '../features/hub/list-fields';
import { type HubCourseListFilters, type HubCourseSort, hubCourseListQueryOptions } from '../features/hub/list-queries';
import {
  consoleBackupUrl,
  consoleScreenshotUrl,
  hubSiteOptionsQueryOptions,
  useDeleteHubCourse,
  useHubCourseBulk,
  useHubCourseVisibility,
} from '../features/hub/queries';
import { dateInputToUnix, plural } from '../lib/format';

type Update = (patch: ListPatch<HubCourseListFilters>, replace?: boolean) => void;

/** The most courses one bulk action names (the BFF's hubCourseBulkSchema). */
const BULK_MAX = 500;

const FILTER_KEYS = [
  'search',
  'siteId',
  'language',
  'subject',
  'audience',
  'educationalLevel',
  'licence',
  'type',
  'modifiedFrom',
  'modifiedTo',
] as const;
const NO_FILTERS = Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])) as ListPatch<HubCourseListFilters>;
const anyFilter = (f: HubCourseListFilters) => f.visibility !== 'all' || FILTER_KEYS.some((k) => f[k] !== undefined);

const pad = (n: number) => String(n).padStart(2, '0');
/** Unix seconds → a date input's value (local day), or ''. */
const toDateInput = (seconds: number | undefined) => {
  if (seconds === undefined) return '';
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** One of the values of a list, or undefined (for "any"). */
const pickOne = <T extends string>(list: readonly T[], v: string): T | undefined =>
  (list as readonly string[]).includes(v) ? (v as T) : undefined;

/** The filters apply as they change (the keywords once typing pauses), into the URL. */
function CourseFilters({
  filters,
  update,
  updating,
}: {
  filters: HubCourseListFilters;
  update: Update;
  updating: boolean;
}) {
  const sites = useQuery(hubSiteOptionsQueryOptions);
  const backwards =
    filters.modifiedFrom !== undefined && filters.modifiedTo !== undefined && filters.modifiedFrom > filters.modifiedTo;
  return (
    <search aria-label="Filter courses">
      <form
        onSubmit={(e) => e.preventDefault()}
        noValidate
        className="mb-4 rounded-md border border-slate-200 bg-white p-4"
      >
        <div className="grid grid-cols-2 items-start gap-4 md:grid-cols-4 xl:grid-cols-6">
          <SearchField
            label="Keywords"
            name="search"
            value={filters.search ?? ''}
            onSearch={(search) => update({ search }, true)}
            placeholder="Name, description, creator…"
            className="col-span-2"
          />
          <SelectField
            label="Site"
            name="site"
            value={String(filters.siteId ?? 0)}
            onChange={(e) => update({ siteId: Number(e.target.value) || undefined })}
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
            value={filters.visibility}
            onChange={(e) => update({ visibility: pickOne(['visible', 'hidden'] as const, e.target.value) ?? 'all' })}
          >
            <option value="all">All</option>
            <option value="visible">Visible</option>
            <option value="hidden">Hidden</option>
          </SelectField>
          <SelectField
            label="Course type"
            name="type"
            value={filters.type ?? ''}
            onChange={(e) => update({ type: pickOne(['enrollable', 'downloadable'] as const, e.target.value) })}
          >
            <option value="">Any type</option>
            <option value="enrollable">Enrollable</option>
            <option value="downloadable">Downloadable</option>
          </SelectField>
          <CodeField
            label="Language"
            name="language"
            value={filters.language ?? ''}
            schema={hubLanguageSchema}
            message="A language code such as en or fr"
            onApply={(language) => update({ language }, true)}
            placeholder="en"
          />
          <SelectField
            label="Subject"
            name="subject"
            value={filters.subject ?? ''}
            onChange={(e) => update({ subject: e.target.value || undefined })}
            className="col-span-2"
          >
            <SubjectOptions value={filters.subject ?? ''} none="Any subject" />
          </SelectField>
          <SelectField
            label="Audience"
            name="audience"
            value={filters.audience ?? ''}
            onChange={(e) => update({ audience: pickOne(HUB_AUDIENCES, e.target.value) })}
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
            value={filters.educationalLevel ?? ''}
            onChange={(e) => update({ educationalLevel: pickOne(HUB_EDUCATIONAL_LEVELS, e.target.value) })}
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
            value={filters.licence ?? ''}
            onChange={(e) => update({ licence: pickOne(HUB_LICENCES, e.target.value) })}
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
            value={toDateInput(filters.modifiedFrom)}
            onChange={(e) => update({ modifiedFrom: dateInputToUnix(e.target.value) }, true)}
          />
          <TextField
            label="Last modified to"
            type="date"
            name="modifiedTo"
            value={toDateInput(filters.modifiedTo)}
            onChange={(e) => update({ modifiedTo: dateInputToUnix(e.target.value, true) }, true)}
            error={backwards ? 'On or after the “from” date' : undefined}
          />
        </div>
        <div className="mt-4 flex flex-wrap items-center gap-3">
          {anyFilter(filters) && (
            <Button variant="ghost" onClick={() => update({ ...NO_FILTERS, visibility: 'all' })}>
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
const BULK_DONE: Record<BulkAction, string> = { show: 'Made visible', hide: 'Hid', delete: 'Deleted' };

function courseColumns(
  busyId: number | null,
  onVisibility: (c: HubCourseDto) => void,
  onDelete: (c: HubCourseDto) => void,
): Column<HubCourseDto, HubCourseSort>[] {
  return [
    {
      id: 'fullname',
      header: 'Course',
      sort: 'fullname',
      rowHeader: true,
      className: 'max-w-72 min-w-52',
      cell: (c) => (
        <>
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
        </>
      ),
    },
    {
      id: 'site',
      header: 'Site',
      sort: 'site',
      className: 'max-w-56',
      cell: (c) =>
        c.site ? (
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
        ),
    },
    { id: 'language', header: 'Language', sort: 'language', cell: (c) => c.language },
    {
      id: 'classification',
      header: 'Subject, audience, level',
      className: 'max-w-56 text-xs whitespace-normal',
      cell: (c) => (
        <>
          <span className="block">
            {c.subject ? subjectLabel(c.subject) : <span className="text-slate-500">No subject</span>}
          </span>
          <span className="block">{audienceLabel(c.audience)}</span>
          <span className="block">{levelLabel(c.educationalLevel)}</span>
        </>
      ),
    },
    {
      id: 'licence',
      header: 'Licence',
      className: 'max-w-48 text-xs whitespace-normal',
      cell: (c) => licenceLabel(c.licence),
    },
    {
      id: 'visible',
      header: 'Visible',
      sort: 'visible',
      cell: (c) => <YesNo value={c.visible} yes="Visible" no="Hidden" />,
    },
    {
      id: 'timemodified',
      header: 'Modified',
      sort: 'timemodified',
      className: 'text-xs whitespace-nowrap',
      cell: (c) => <Time seconds={c.timeModified} />,
    },
    {
      id: 'timepublished',
      header: 'Published',
      sort: 'timepublished',
      className: 'text-xs whitespace-nowrap',
      cell: (c) => <Time seconds={c.timePublished} />,
    },
    {
      id: 'actions',
      header: 'Actions',
      headerContent: <span className="sr-only">Actions</span>,
      className: 'whitespace-nowrap',
      cell: (c) => (
        <div className="flex flex-col items-end gap-1">
          <Button size="sm" aria-disabled={busyId === c.id || undefined} onClick={() => onVisibility(c)}>
            {c.visible ? 'Hide' : 'Show'}
            <span className="sr-only"> {c.fullname}</span>
          </Button>
          <Link to={`/admin/hub/courses/${c.id}`} className="rounded px-2 py-1 text-sm text-blue-700 hover:underline">
            Settings<span className="sr-only"> of {c.fullname}</span>
          </Link>
          <Button
            size="sm"
            variant="ghost"
            className="text-red-700"
            aria-disabled={busyId === c.id || undefined}
            onClick={() => onDelete(c)}
          >
            Delete<span className="sr-only"> {c.fullname}</span>
          </Button>
        </div>
      ),
    },
  ];
}

function CoursesList() {
  const [filters, update] = useListQuery(hubCourseListQuerySchema);
  const q = useQuery(hubCourseListQueryOptions(filters));
  const visibility = useHubCourseVisibility();
  const del = useDeleteHubCourse();
  const bulk = useHubCourseBulk();
  const { selected, toggle, clear } = useSelection();
  const [busyId, setBusyId] = useState<number | null>(null);
  const [flash, setFlash] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [toDelete, setToDelete] = useState<HubCourseDto | null>(null);
  const [bulkDelete, setBulkDelete] = useState<HubCourseDto[] | null>(null);
  // The selection is kept across pages: the courses seen, for the confirmation that names them.
  const seen = useRef(new Map<number, HubCourseDto>());
  for (const c of q.data?.items ?? []) seen.current.set(c.id, c);
  const chosen = () => [...selected].flatMap((id) => seen.current.get(id) ?? []);

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

  const runBulk = (action: BulkAction, ids: number[]) => {
    setFlash(null);
    bulk.mutate(
      { ids, action },
      {
        onSuccess: (res) => {
          clear();
          setBulkDelete(null);
          bulk.reset();
          const unchanged = ids.length - res.changed;
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
  const none = selected.size === 0 || selected.size > BULK_MAX || bulk.isPending;
  const names = new Map((q.data?.items ?? []).map((c) => [c.id, c.fullname]));

  return (
    <>
      {flash && (
        <Alert tone={flash.tone} className="mb-4">
          {flash.text}
        </Alert>
      )}
      <CourseFilters filters={filters} update={update} updating={q.isFetching && !q.isPending} />
      <BulkActions count={selected.size} onClear={clear} label="With selected courses">
        <Button size="sm" disabled={none} onClick={() => runBulk('show', [...selected])}>
          Make visible ({selected.size})
        </Button>
        <Button size="sm" disabled={none} onClick={() => runBulk('hide', [...selected])}>
          Hide selected ({selected.size})
        </Button>
        <Button
          size="sm"
          variant="danger"
          disabled={none}
          onClick={() => {
            setFlash(null);
            setBulkDelete(chosen());
          }}
        >
          Delete selected ({selected.size})
        </Button>
        {selected.size > BULK_MAX && <span className="text-xs text-red-700">At most {BULK_MAX} courses at once.</span>}
      </BulkActions>
      <ListBody
        query={q}
        what="the courses"
        empty={{
          title: 'No courses found',
          body: anyFilter(filters)
            ? 'No course matches these filters. Try other filters.'
            : 'No course has been published on the hub yet. Registered sites publish their courses from their own administration.',
        }}
      >
        {(data, stale) => (
          <>
            <DataTable
              caption="Published courses"
              rows={data.items}
              rowId={(c) => c.id}
              columns={courseColumns(busyId, onVisibility, (c) => {
                if (busyId !== null) return;
                setFlash(null);
                setToDelete(c);
              })}
              sort={filters.sort}
              dir={filters.dir}
              onSort={(sort) => update(nextSort(filters, sort))}
              dim={stale}
              selection={{
                selected,
                toggle,
                rowLabel: (id) => `Select ${names.get(id) ?? `course ${id}`}`,
                allLabel: 'Select every course on this page',
              }}
            />
            <Pager page={data} onCursor={(cursor) => update({ cursor })} noun="courses" />
          </>
        )}
      </ListBody>

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
              toggle([toDelete.id], false);
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
        onConfirm={() =>
          bulkDelete &&
          runBulk(
            'delete',
            bulkDelete.map((c) => c.id),
          )
        }
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
