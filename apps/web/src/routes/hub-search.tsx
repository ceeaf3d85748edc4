import type { HubSearchCourseDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { isApiError } from '../api/client';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { EmptyState } from '../components/ui/empty-state';
import { Loading } from '../components/ui/loading';
import { Pagination } from '../components/ui/pagination';
import { BackupLink, ScreenshotThumbnails } from '../features/hub/course-files';
import { audienceLabel, levelLabel, licenceLabel, subjectLabel } from '../features/hub/hub-parts';
import { hubBackupUrl, hubScreenshotUrl, hubSearchQueryOptions } from '../features/hub/queries';
import { formatTime, plural } from '../lib/format';
import { useDocumentTitle } from '../lib/use-document-title';

function CourseResult({ course }: { course: HubSearchCourseDto }) {
  const link = course.enrollable ? course.courseUrl : course.demoUrl || course.courseUrl;
  return (
    <article className="rounded-md border border-slate-200 bg-white p-5">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2 className="text-lg font-semibold text-slate-900">
          {link ? (
            <a href={link} target="_blank" rel="noopener noreferrer" className="text-blue-800 hover:underline">
              {course.fullname}
            </a>
          ) : (
            course.fullname
          )}
        </h2>
        <span className="flex flex-wrap gap-1">
          {course.site.prioritised && <Badge tone="amber">Prioritised</Badge>}
          {course.enrollable ? <Badge tone="purple">Enrollable</Badge> : <Badge>Downloadable</Badge>}
        </span>
      </div>
      {course.description ? (
        <p className="mt-2 text-sm whitespace-pre-line text-slate-700">{course.description}</p>
      ) : (
        <p className="mt-2 text-sm text-slate-500">No description.</p>
      )}
      <ScreenshotThumbnails
        className="mt-3"
        courseName={course.fullname}
        numbers={course.screenshots}
        url={(n, size) => hubScreenshotUrl(course.id, n, size)}
      />
      <dl className="mt-3 grid gap-x-6 gap-y-1 text-sm text-slate-600 sm:grid-cols-[max-content_1fr]">
        <dt className="font-medium text-slate-700">Site</dt>
        <dd>
          {course.site.name} ·{' '}
          <a
            href={course.site.url}
            target="_blank"
            rel="noopener noreferrer"
            className="break-all text-blue-700 hover:underline"
          >
            {course.site.url}
          </a>
        </dd>
        <dt className="font-medium text-slate-700">For</dt>
        <dd>
          {audienceLabel(course.audience)} · {levelLabel(course.educationalLevel)}
          {course.subject && ` · ${subjectLabel(course.subject)}`} · language {course.language}
        </dd>
        <dt className="font-medium text-slate-700">Licence</dt>
        <dd>{licenceLabel(course.licence)}</dd>
        {(course.creatorName || course.publisherName) && (
          <>
            <dt className="font-medium text-slate-700">By</dt>
            <dd>
              {[
                course.creatorName && `created by ${course.creatorName}`,
                course.publisherName && `published by ${course.publisherName}`,
              ]
                .filter(Boolean)
                .join(', ')}
            </dd>
          </>
        )}
        <dt className="font-medium text-slate-700">Last modified</dt>
        <dd>{formatTime(course.timeModified)}</dd>
      </dl>
      {!course.enrollable && course.backupSize !== null && (
        <p className="mt-3 text-sm">
          <BackupLink href={hubBackupUrl(course.id)} size={course.backupSize} courseName={course.fullname} />
        </p>
      )}
      {course.demoUrl && course.enrollable && (
        <p className="mt-3 text-sm">
          <a href={course.demoUrl} target="_blank" rel="noopener noreferrer" className="text-blue-700 hover:underline">
            Try the demo<span className="sr-only"> of {course.fullname}</span>
          </a>
        </p>
      )}
    </article>
  );
}

/**
 * The hub's front page for visitors (no sign-in): a search box over the visible courses of
 * visible sites, prioritised sites' courses first. A private or disabled hub offers none.
 */
export default function HubSearchPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const pageParam = Number(params.get('page'));
  const page = Number.isInteger(pageParam) && pageParam > 0 ? pageParam : 1;
  const [text, setText] = useState(q);
  // Back and Forward change the URL: the box follows.
  useEffect(() => setText(q), [q]);
  const search = useQuery(hubSearchQueryOptions(q, page));
  const notPublic = search.isError && isApiError(search.error) && search.error.code === 'hubnotpublic';
  const hubName = search.data?.hub.name;
  useDocumentTitle(hubName ? `${hubName}: course search` : 'Course search');

  const go = (next: { q: string; page: number }) => {
    const p = new URLSearchParams();
    if (next.q) p.set('q', next.q);
    if (next.page > 1) p.set('page', String(next.page));
    setParams(p);
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    go({ q: text.trim(), page: 1 });
  }

  return (
    <div className="flex min-h-screen flex-col bg-slate-50">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to main content
      </a>
      <header className="border-b border-slate-800 bg-slate-900 text-white">
        <div className="mx-auto flex h-14 max-w-5xl items-center justify-between gap-4 px-4">
          <span className="flex items-center gap-2 text-lg font-semibold tracking-tight">
            <img src="/favicon.svg" alt="" className="size-7" />
            Gatehouse hub
          </span>
          <Link to="/login" className="rounded px-2 py-1 text-sm text-slate-200 hover:bg-slate-800 hover:text-white">
            Log in
          </Link>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 focus:outline-none">
        <h1 className="text-2xl font-semibold text-slate-900">{hubName ?? 'Course search'}</h1>
        {search.data?.hub.description && (
          <p className="mt-1 max-w-3xl text-sm whitespace-pre-line text-slate-600">{search.data.hub.description}</p>
        )}

        {notPublic ? (
          <Alert tone="info" title="This hub does not offer a public search" className="mt-6">
            {search.error?.message}
          </Alert>
        ) : (
          <>
            <search aria-label="Search the hub's courses" className="mt-6 block">
              <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3">
                <div className="min-w-64 flex-1">
                  <label htmlFor="hub-q" className="mb-1 block text-sm font-medium text-slate-800">
                    Search courses
                  </label>
                  <input
                    id="hub-q"
                    type="search"
                    name="q"
                    value={text}
                    onChange={(e) => setText(e.target.value)}
                    placeholder="Keywords: a subject, a course name, a creator…"
                    autoComplete="off"
                    className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus-visible:border-blue-600 focus-visible:outline-2 focus-visible:outline-blue-600"
                  />
                </div>
                <Button type="submit" variant="primary">
                  Search
                </Button>
              </form>
            </search>

            <div className="mt-6">
              {search.isPending ? (
                <Loading label="Searching…" />
              ) : search.isError ? (
                <Alert tone="error" title="Could not search the hub">
                  <p>{search.error.message}</p>
                  <Button size="sm" className="mt-2" onClick={() => search.refetch()}>
                    Try again
                  </Button>
                </Alert>
              ) : search.data.items.length === 0 ? (
                <EmptyState title="No courses found">
                  {q ? 'No course matches these keywords. Try other words.' : 'No course is published on this hub yet.'}
                </EmptyState>
              ) : (
                <>
                  <p role="status" className="mb-3 text-sm text-slate-600">
                    {plural(search.data.total, 'course')}
                    {q ? ` ${search.data.total === 1 ? 'matches' : 'match'} “${q}”` : ' on this hub'}
                    {search.isFetching && ' (updating…)'}
                  </p>
                  <ol className={search.isPlaceholderData ? 'space-y-3 opacity-60' : 'space-y-3'}>
                    {search.data.items.map((c) => (
                      <li key={c.id}>
                        <CourseResult course={c} />
                      </li>
                    ))}
                  </ol>
                  <Pagination
                    page={page}
                    perPage={search.data.perPage}
                    total={search.data.total}
                    onPage={(p) => go({ q, page: p })}
                    noun="courses"
                  />
                </>
              )}
            </div>
          </>
        )}
      </main>
    </div>
  );
}
