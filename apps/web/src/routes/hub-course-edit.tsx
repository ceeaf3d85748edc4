import {
  HUB_AUDIENCE_LABELS,
  HUB_AUDIENCES,
  HUB_EDUCATIONAL_LEVEL_LABELS,
  HUB_EDUCATIONAL_LEVELS,
  HUB_LICENCE_LABELS,
  HUB_LICENCES,
  type HubCourseDto,
  hubCourseUpdateSchema,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useConsoleForm } from '../components/forms/use-console-form';
import { Page, usePageSubject } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button, buttonClasses } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { SelectField, TextareaField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { BackupLink, ScreenshotThumbnails } from '../features/hub/course-files';
import { formatBytes } from '../features/hub/file-size';
import { HUB_MANAGE_CAP, SubjectOptions } from '../features/hub/hub-parts';
import {
  consoleBackupUrl,
  consoleScreenshotUrl,
  type HubCourseFile,
  hubCourseQueryOptions,
  useDeleteHubCourseFile,
  useUpdateHubCourse,
} from '../features/hub/queries';
import { formatTime } from '../lib/format';

const BASE = '/admin/hub/courses';

const FIELDS = [
  'fullname',
  'description',
  'language',
  'publisherName',
  'publisherEmail',
  'creatorName',
  'licence',
  'subject',
  'audience',
  'educationalLevel',
  'courseUrl',
  'demoUrl',
  'creatorNotes',
] as const;

type Values = Record<(typeof FIELDS)[number], string>;

const valuesOf = (c: HubCourseDto): Values => ({
  fullname: c.fullname,
  description: c.description,
  language: c.language,
  publisherName: c.publisherName,
  publisherEmail: c.publisherEmail,
  creatorName: c.creatorName,
  licence: c.licence,
  subject: c.subject,
  audience: c.audience,
  educationalLevel: c.educationalLevel,
  courseUrl: c.courseUrl,
  demoUrl: c.demoUrl,
  creatorNotes: c.creatorNotes,
});

function CourseForm({ course }: { course: HubCourseDto }) {
  const update = useUpdateHubCourse(course.id);
  const { form, banner, errorOf, saving, submit } = useConsoleForm<Values>({
    mode: 'edit',
    defaultValues: valuesOf(course),
    schema: hubCourseUpdateSchema,
    draft: { id: 'hub-course' },
  });
  const values = form.watch();
  const text = (key: keyof Values) => ({ ...form.register(key), error: errorOf(key) });
  const onSubmit = submit((body) => update.mutateAsync(body), { valuesOf });

  // A value the lists do not know (an old publication) stays choosable as it is.
  const extra = (list: readonly string[], v: string) =>
    v && !list.includes(v) ? <option value={v}>{v} (not in the list)</option> : null;

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Course settings">
      {banner}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={saving}>
          <legend className="sr-only">Course</legend>
          <TextField label="Full name" required autoComplete="off" className="sm:col-span-2" {...text('fullname')} />
          <TextareaField
            label="Description"
            className="sm:col-span-2"
            hint="Plain text: no HTML tags (the hub returns it to sites as text)."
            {...text('description')}
          />
          <TextField
            label="Language"
            autoComplete="off"
            spellCheck={false}
            hint="A language code such as en, fr or pt_br."
            {...text('language')}
          />
          <SelectField
            label="Subject"
            hint="Moodle's subject list, as a publishing site offers it."
            {...text('subject')}
          >
            <SubjectOptions value={values.subject} none="None" />
          </SelectField>
          <SelectField label="Audience" {...text('audience')}>
            {HUB_AUDIENCES.map((a) => (
              <option key={a} value={a}>
                {HUB_AUDIENCE_LABELS[a]}
              </option>
            ))}
            {extra(HUB_AUDIENCES, values.audience)}
          </SelectField>
          <SelectField label="Educational level" {...text('educationalLevel')}>
            {HUB_EDUCATIONAL_LEVELS.map((l) => (
              <option key={l} value={l}>
                {HUB_EDUCATIONAL_LEVEL_LABELS[l]}
              </option>
            ))}
            {extra(HUB_EDUCATIONAL_LEVELS, values.educationalLevel)}
          </SelectField>
          <SelectField label="Licence" className="sm:col-span-2" {...text('licence')}>
            {HUB_LICENCES.map((l) => (
              <option key={l} value={l}>
                {HUB_LICENCE_LABELS[l]}
              </option>
            ))}
            {extra(HUB_LICENCES, values.licence)}
          </SelectField>
        </fieldset>
        <fieldset className="grid gap-5 border-t border-slate-200 p-5 sm:grid-cols-2" disabled={saving}>
          <legend className="sr-only">People</legend>
          <TextField label="Publisher name" autoComplete="off" {...text('publisherName')} />
          <TextField label="Publisher email" type="email" autoComplete="off" {...text('publisherEmail')} />
          <TextField label="Creator" autoComplete="off" {...text('creatorName')} />
        </fieldset>
        <fieldset className="grid gap-5 border-t border-slate-200 p-5 sm:grid-cols-2" disabled={saving}>
          <legend className="sr-only">Addresses and notes</legend>
          <TextField
            label="Course URL"
            type="url"
            autoComplete="off"
            spellCheck={false}
            required={course.enrollable}
            hint={
              course.enrollable
                ? 'Where visitors enrol: an enrollable course needs it.'
                : 'Optional for a downloadable course.'
            }
            {...text('courseUrl')}
          />
          <TextField
            label="Demo URL"
            type="url"
            autoComplete="off"
            spellCheck={false}
            hint="Where visitors can try the course, or empty."
            {...text('demoUrl')}
          />
          <TextareaField
            label="Notes"
            className="sm:col-span-2"
            hint="The creator's notes."
            {...text('creatorNotes')}
          />
        </fieldset>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={saving}>
            Save changes
          </Button>
          <Link to={BASE} className={buttonClasses('secondary')}>
            Cancel
          </Link>
        </div>
      </div>
    </form>
  );
}

const fileLabel = (what: HubCourseFile) =>
  'backup' in what
    ? 'the course backup'
    : what.screenshot === 'all'
      ? 'all the screenshots'
      : `screenshot ${what.screenshot}`;

/** The course's screenshots and backup as upload.php stored them; the administrator may delete them. */
function CourseFiles({ course }: { course: HubCourseDto }) {
  const del = useDeleteHubCourseFile(course.id);
  const [confirm, setConfirm] = useState<HubCourseFile | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const close = () => {
    del.reset();
    setConfirm(null);
  };
  const ask = (what: HubCourseFile) => {
    setFlash(null);
    setConfirm(what);
  };
  return (
    <section aria-labelledby="hub-course-files" className="mb-6 rounded-md border border-slate-200 bg-white p-5">
      <h2 id="hub-course-files" className="text-base font-semibold text-slate-900">
        Screenshots and backup
      </h2>
      {flash && (
        <Alert tone="success" className="mt-3">
          {flash}
        </Alert>
      )}
      {course.screenshots.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">The site has uploaded no screenshots for this course.</p>
      ) : (
        <>
          <p className="mt-1 text-sm text-slate-600">
            {course.screenshots.length === 1 ? '1 screenshot' : `${course.screenshots.length} screenshots`}. Choose one
            to see it larger.
          </p>
          <ScreenshotThumbnails
            className="mt-3"
            courseName={course.fullname}
            numbers={course.screenshots}
            url={(n, size) => consoleScreenshotUrl(course.id, n, size)}
            actions={(n) => (
              <Button size="sm" variant="ghost" className="text-red-700" onClick={() => ask({ screenshot: n })}>
                Delete<span className="sr-only"> screenshot {n}</span>
              </Button>
            )}
          />
          {course.screenshots.length > 1 && (
            <Button size="sm" className="mt-3" onClick={() => ask({ screenshot: 'all' })}>
              Delete all screenshots
            </Button>
          )}
        </>
      )}
      <div className="mt-4 border-t border-slate-200 pt-4 text-sm">
        {course.enrollable ? (
          <p className="text-slate-600">An enrollable course has no backup on the hub: visitors enrol on the site.</p>
        ) : course.backupSize === null ? (
          <p className="text-slate-600">
            No backup: the site has not uploaded one, so sites' searches leave this downloadable course out.
          </p>
        ) : (
          <div className="flex flex-wrap items-center gap-3">
            <BackupLink href={consoleBackupUrl(course.id)} size={course.backupSize} courseName={course.fullname} />
            <Button size="sm" variant="ghost" className="text-red-700" onClick={() => ask({ backup: true })}>
              Delete backup
            </Button>
          </div>
        )}
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm && 'backup' in confirm ? 'Delete backup' : 'Delete screenshots'}
        confirmLabel="Delete"
        busy={del.isPending}
        error={del.error?.message}
        onCancel={close}
        onConfirm={() => {
          if (!confirm) return;
          del.mutate(confirm, {
            onSuccess: () => {
              const label = fileLabel(confirm);
              setFlash(`Deleted ${label} of ${course.fullname}.`);
              close();
            },
          });
        }}
      >
        {confirm && (
          <>
            <p>
              Delete {fileLabel(confirm)} of <strong>{course.fullname}</strong>
              {'backup' in confirm && course.backupSize !== null ? ` (${formatBytes(course.backupSize)})` : ''}?
            </p>
            <p>
              {'backup' in confirm
                ? "Visitors and sites can no longer download the course, and sites' searches leave it out until the site uploads a backup again."
                : 'It disappears from the hub at once. This cannot be undone: only the site can upload screenshots again.'}
            </p>
          </>
        )}
      </ConfirmDialog>
    </section>
  );
}

function EditCourse({ id }: { id: number }) {
  const q = useQuery(hubCourseQueryOptions(id));
  usePageSubject(q.data?.fullname);
  if (q.isPending) return <Loading label="Loading course…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the course" />;
  const c = q.data;
  return (
    <>
      <p className="mb-6 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-slate-600">
        <span>
          Short name <span className="font-medium text-slate-800">{c.shortname}</span>
        </span>
        {c.site ? (
          <span>
            Published by{' '}
            <Link to={`/admin/hub/sites/${c.site.id}`} className="text-blue-700 underline hover:no-underline">
              {c.site.name}
            </Link>
          </span>
        ) : (
          <span>No site (the site was deleted)</span>
        )}
        <span>
          Published {formatTime(c.timePublished)} · modified {formatTime(c.timeModified)}
        </span>
        {c.enrollable ? <Badge tone="purple">Enrollable</Badge> : <Badge>Downloadable</Badge>}
        {c.visible ? <Badge tone="green">Visible</Badge> : <Badge>Hidden</Badge>}
      </p>
      <CourseFiles course={c} />
      <CourseForm key={c.id} course={c} />
    </>
  );
}

export default function HubCourseEditPage() {
  const { id } = useParams();
  const courseId = Number(id);
  const valid = Number.isInteger(courseId) && courseId > 0;
  return (
    <Page title="Course settings" cap={HUB_MANAGE_CAP} back={{ to: BASE, label: 'Manage courses' }}>
      {valid ? (
        <EditCourse id={courseId} />
      ) : (
        <Alert tone="error" title="Not found">
          There is no course with this id.
        </Alert>
      )}
    </Page>
  );
}
