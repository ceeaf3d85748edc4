import {
  HUB_SITE_PRIVACY,
  HUB_SITE_PRIVACY_LABELS,
  type HubSiteDto,
  type HubSitePrivacy,
  hubSiteUpdateSchema,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button, buttonClasses } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { TextareaField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { HUB_MANAGE_CAP, ProtectedMark, statistic } from '../features/hub/hub-parts';
import { hubSiteQueryOptions, useMarkHubSiteSecretStolen, useUpdateHubSite } from '../features/hub/queries';
import { type FieldErrors, focusFirstError, serverErrors, zodFieldErrors } from '../lib/form-errors';
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

const TEXT_FIELDS = ['name', 'url', 'description', 'contactName', 'contactEmail', 'language', 'country'] as const;
const FIELDS = [...TEXT_FIELDS, 'maxCoursesPerDay'] as const;

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

function patchOf(values: Values, baseline: Values) {
  const patch: Record<string, unknown> = {};
  for (const f of TEXT_FIELDS) if (values[f] !== baseline[f]) patch[f] = values[f];
  const max = values.maxCoursesPerDay.trim();
  if (max !== baseline.maxCoursesPerDay) {
    patch.maxCoursesPerDay = max === '' ? null : /^-?\d+$/.test(max) ? Number(max) : Number.NaN;
  }
  return hubSiteUpdateSchema.safeParse(patch);
}

function SiteForm({ site }: { site: HubSiteDto }) {
  const update = useUpdateHubSite(site.id);
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Values>(() => valuesOf(site));
  const [baseline, setBaseline] = useState<Values>(() => valuesOf(site));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success' | 'info'; text: string } | null>(null);

  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (errors[key]) setErrors(({ [key]: _gone, ...rest }) => rest);
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const parsed = patchOf(values, baseline);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      setMessage({ tone: 'error', text: 'Please fix the errors below.' });
      requestAnimationFrame(() => focusFirstError(formRef.current));
      return;
    }
    setErrors({});
    if (Object.keys(parsed.data).length === 0) {
      setMessage({ tone: 'info', text: 'No changes to save.' });
      return;
    }
    try {
      const saved = await update.mutateAsync(parsed.data);
      const next = valuesOf(saved);
      setBaseline(next);
      setValues(next);
      setMessage({ tone: 'success', text: 'Changes saved.' });
    } catch (err) {
      const { fields, message: text } = serverErrors(err, FIELDS);
      setErrors(fields);
      setMessage({ tone: 'error', text });
      requestAnimationFrame(() => focusFirstError(formRef.current));
    }
  }

  const defaultMax = site.maxCoursesPerDay === null ? site.effectiveMaxCoursesPerDay : null;
  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate aria-label="Site settings">
      {message && (
        <Alert tone={message.tone} className="mb-4">
          {message.text}
        </Alert>
      )}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={update.isPending}>
          <legend className="sr-only">Site</legend>
          <TextField
            label="Name"
            name="name"
            value={values.name}
            onChange={(e) => set('name', e.target.value)}
            error={errors.name}
            required
            autoComplete="off"
          />
          <TextField
            label="URL"
            name="url"
            type="url"
            value={values.url}
            onChange={(e) => set('url', e.target.value)}
            error={errors.url}
            required
            autoComplete="off"
            spellCheck={false}
            hint="The site's address; no other registered site may have it."
          />
          <TextareaField
            label="Description"
            name="description"
            value={values.description}
            onChange={(e) => set('description', e.target.value)}
            error={errors.description}
            className="sm:col-span-2"
            hint="Plain text: no HTML tags (the hub returns it to sites as text)."
          />
          <TextField
            label="Contact name"
            name="contactName"
            value={values.contactName}
            onChange={(e) => set('contactName', e.target.value)}
            error={errors.contactName}
            autoComplete="off"
          />
          <TextField
            label="Contact email"
            name="contactEmail"
            type="email"
            value={values.contactEmail}
            onChange={(e) => set('contactEmail', e.target.value)}
            error={errors.contactEmail}
            autoComplete="off"
            hint="Messages about the site (such as its removal) go here."
          />
          <TextField
            label="Language"
            name="language"
            value={values.language}
            onChange={(e) => set('language', e.target.value)}
            error={errors.language}
            autoComplete="off"
            spellCheck={false}
            hint="A language code such as en, fr or pt_br."
          />
          <TextField
            label="Country"
            name="country"
            value={values.country}
            onChange={(e) => set('country', e.target.value)}
            error={errors.country}
            maxLength={2}
            autoComplete="off"
            spellCheck={false}
            hint="A two-letter code such as FR, or empty."
          />
          <TextField
            label="Maximum courses published per day"
            name="maxCoursesPerDay"
            type="number"
            inputMode="numeric"
            min={0}
            max={10000}
            value={values.maxCoursesPerDay}
            onChange={(e) => set('maxCoursesPerDay', e.target.value)}
            error={errors.maxCoursesPerDay}
            hint={
              defaultMax === null
                ? 'Leave empty to use the hub default (Hub › Settings).'
                : `Empty: the hub default applies (now ${defaultMax}).`
            }
          />
        </fieldset>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={update.isPending}>
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
      <h2 id="registration-title" className="mb-3 text-lg font-semibold text-slate-900 dark:text-slate-100">
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
          <Link to={`/admin/hub/courses?site=${s.id}`} className="text-blue-700 underline hover:no-underline">
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
