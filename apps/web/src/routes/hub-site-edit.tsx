import {
  HUB_SITE_PRIVACY,
  HUB_SITE_PRIVACY_LABELS,
  type HubSiteDto,
  type HubSitePrivacy,
  hubSiteUpdateSchema,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useConsoleForm } from '../components/forms/use-console-form';
import { Page, usePageSubject } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button, buttonClasses } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { TextareaField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { HUB_MANAGE_CAP, ProtectedMark, statistic } from '../features/hub/hub-parts';
import { hubSiteQueryOptions, useMarkHubSiteSecretStolen, useUpdateHubSite } from '../features/hub/queries';
import { formatTime } from '../lib/format';

const BASE = '/admin/hub/sites';

interface Values {
  name: string;
  url: string;
  description: string;
  contactName: string;
  contactEmail: string;
  language: string;
  country: string;
  /** '' for the hub's default. */
  maxCoursesPerDay: string;
}

const valuesOf = (s: HubSiteDto): Values => ({
  name: s.name,
  url: s.url,
  description: s.description,
  contactName: s.contactName,
  contactEmail: s.contactEmail,
  language: s.language,
  country: s.country,
  maxCoursesPerDay: s.maxCoursesPerDay === null ? '' : String(s.maxCoursesPerDay),
});

/** '' → null (the hub's default); a whole number → that number; anything else → NaN, which the schema refuses. */
const toPayload = (v: Values) => {
  const max = v.maxCoursesPerDay.trim();
  return { ...v, maxCoursesPerDay: max === '' ? null : /^-?\d+$/.test(max) ? Number(max) : Number.NaN };
};

function SiteForm({ site }: { site: HubSiteDto }) {
  const update = useUpdateHubSite(site.id);
  const { form, banner, errorOf, saving, submit } = useConsoleForm<Values>({
    mode: 'edit',
    defaultValues: valuesOf(site),
    schema: hubSiteUpdateSchema,
    toPayload,
    draft: { id: 'hub-site' },
  });
  const { register } = form;
  const onSubmit = submit((body) => update.mutateAsync(body), { valuesOf });

  const defaultMax = site.maxCoursesPerDay === null ? site.effectiveMaxCoursesPerDay : null;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Site settings">
      {banner}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={saving}>
          <legend className="sr-only">Site</legend>
          <TextField label="Name" {...register('name')} error={errorOf('name')} required autoComplete="off" />
          <TextField
            label="URL"
            type="url"
            {...register('url')}
            error={errorOf('url')}
            required
            autoComplete="off"
            spellCheck={false}
            hint="The site's address; no other registered site may have it."
          />
          <TextareaField
            label="Description"
            {...register('description')}
            error={errorOf('description')}
            className="sm:col-span-2"
            hint="Plain text: no HTML tags (the hub returns it to sites as text)."
          />
          <TextField
            label="Contact name"
            {...register('contactName')}
            error={errorOf('contactName')}
            autoComplete="off"
          />
          <TextField
            label="Contact email"
            type="email"
            {...register('contactEmail')}
            error={errorOf('contactEmail')}
            autoComplete="off"
            hint="Messages about the site (such as its removal) go here."
          />
          <TextField
            label="Language"
            {...register('language')}
            error={errorOf('language')}
            autoComplete="off"
            spellCheck={false}
            hint="A language code such as en, fr or pt_br."
          />
          <TextField
            label="Country"
            {...register('country')}
            error={errorOf('country')}
            maxLength={2}
            autoComplete="off"
            spellCheck={false}
            hint="A two-letter code such as FR, or empty."
          />
          <TextField
            label="Maximum courses published per day"
            type="number"
            inputMode="numeric"
            min={0}
            max={10000}
            {...register('maxCoursesPerDay')}
            error={errorOf('maxCoursesPerDay')}
            hint={
              defaultMax === null
                ? 'Leave empty to use the hub default (Hub › Settings).'
                : `Empty: the hub default applies (now ${defaultMax}).`
            }
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

const STATUS_TEXT: Record<HubSiteDto['status'], string> = {
  pending: 'Pending: the site has not called the hub with its token yet',
  confirmed: 'Confirmed',
  unregistered: 'Unregistered: the site left the hub (its courses are kept)',
};

const yesNo = (v: boolean) => (v ? 'Yes' : 'No');

/** What the site told the hub when it registered or last updated its information. */
function Registration({ site: s }: { site: HubSiteDto }) {
  const stolen = useMarkHubSiteSecretStolen();
  const [asking, setAsking] = useState(false);
  const [done, setDone] = useState(false);
  const privacy = (HUB_SITE_PRIVACY as readonly string[]).includes(s.privacy)
    ? HUB_SITE_PRIVACY_LABELS[s.privacy as HubSitePrivacy]
    : s.privacy;
  const st = s.statistics;
  const rows: [string, string][] = [
    ['Registration', STATUS_TEXT[s.status]],
    ['Registered', formatTime(s.timeRegistered)],
    ['Confirmed', s.timeConfirmed === null ? 'Not yet' : formatTime(s.timeConfirmed)],
    ['Moodle', [s.moodleRelease, s.moodleVersion && `(version ${s.moodleVersion})`].filter(Boolean).join(' ') || '—'],
    ['Site privacy', privacy],
    ['Contact phone', s.contactPhone || '—'],
    ['Address', [s.street, s.regionCode, s.country].filter(Boolean).join(', ') || '—'],
    ['Geolocation', s.geolocation || '—'],
    ['May be contacted', yesNo(s.contactable)],
    ['Email alerts', yesNo(s.emailAlert)],
    ['Last address', s.ip || '—'],
    [
      'Statistics',
      `enrolments ${statistic(st.enrolments)} · posts ${statistic(st.posts)} · questions ${statistic(st.questions)} · resources ${statistic(st.resources)} · badges ${statistic(st.badges)} (issued ${statistic(st.issuedBadges)}) · participants per course ${statistic(st.participantNumberAverage)} · modules per course ${statistic(st.moduleNumberAverage)}`,
    ],
  ];
  return (
    <section aria-labelledby="registration-title" className="mt-8">
      <h2 id="registration-title" className="mb-3 text-lg font-semibold text-slate-900">
        Registration
      </h2>
      <dl className="grid gap-x-6 gap-y-2 rounded-md border border-slate-200 bg-white p-5 text-sm sm:grid-cols-[max-content_1fr]">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="font-medium text-slate-800">{k}</dt>
            <dd className="break-words text-slate-700">{v}</dd>
          </div>
        ))}
      </dl>
      {s.hasSecret && (
        <div className="mt-4">
          {done && (
            <Alert tone="success" className="mb-3">
              The site's secret is marked stolen: registrations with it are refused.
            </Alert>
          )}
          <Button variant="danger" onClick={() => setAsking(true)}>
            Mark the secret stolen
          </Button>
          <ConfirmDialog
            open={asking}
            title={`Mark the secret of ${s.name} stolen?`}
            confirmLabel="Mark stolen"
            busy={stolen.isPending}
            error={stolen.error ? stolen.error.message : null}
            onCancel={() => {
              setAsking(false);
              stolen.reset();
            }}
            onConfirm={() =>
              stolen.mutate(s.id, {
                onSuccess: () => {
                  setAsking(false);
                  setDone(true);
                },
              })
            }
          >
            <p>
              Every registration that brings this site's secret will be refused from now on, from this site or any copy
              of it: the site must reset its registration (a new secret) and register again.
            </p>
            <p>The site's current registration and token are not changed.</p>
          </ConfirmDialog>
        </div>
      )}
    </section>
  );
}

function EditSite({ id }: { id: number }) {
  const q = useQuery(hubSiteQueryOptions(id));
  usePageSubject(q.data?.name);
  if (q.isPending) return <Loading label="Loading site…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the site" />;
  const s = q.data;
  return (
    <>
      <p className="mb-6 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-slate-600">
        <a
          href={s.url}
          target="_blank"
          rel="noopener noreferrer"
          className="text-blue-700 underline hover:no-underline"
        >
          {s.url}
        </a>
        <span>Registered {formatTime(s.timeRegistered)}</span>
        {s.moodleRelease && <span>Moodle {s.moodleRelease}</span>}
        <span>
          Courses {statistic(s.statistics.courses)} · users {statistic(s.statistics.users)} ·{' '}
          <Link to={`/admin/hub/courses?siteId=${s.id}`} className="text-blue-700 underline hover:no-underline">
            {s.statistics.published} published here
          </Link>
        </span>
        {s.protected && (
          <ProtectedMark title="The site's hub user and token belong to the hub: they cannot be modified or deleted on their own." />
        )}
      </p>
      <SiteForm key={s.id} site={s} />
      <Registration site={s} />
    </>
  );
}

export default function HubSiteEditPage() {
  const { id } = useParams();
  const siteId = Number(id);
  const valid = Number.isInteger(siteId) && siteId > 0;
  return (
    <Page title="Site settings" cap={HUB_MANAGE_CAP} back={{ to: BASE, label: 'Manage sites' }}>
      {valid ? (
        <EditSite id={siteId} />
      ) : (
        <Alert tone="error" title="Not found">
          There is no site with this id.
        </Alert>
      )}
    </Page>
  );
}
