import {
  HUB_MAX_WS_COURSE_RESULT,
  HUB_PRIVACY,
  HUB_PRIVACY_LABELS,
  type HubPrivacy,
  type HubSettingsDto,
  type HubSettingsSaveDto,
  hubSettingsPatchSchema,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { useConsoleForm } from '../components/forms/use-console-form';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { CheckboxField, SelectField, TextareaField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { HUB_MANAGE_CAP, oneOf } from '../features/hub/hub-parts';
import { hubSettingsQueryOptions, useSaveHubSettings } from '../features/hub/queries';
import { plural } from '../lib/format';

const PRIVACY_OPTIONS: Record<HubPrivacy, string> = {
  private: 'Private',
  public: 'Public',
  search: 'Public with global search',
};

interface Values {
  name: string;
  description: string;
  enabled: boolean;
  privacy: HubPrivacy;
  /** A new password; '' keeps the current one. */
  password: string;
  removePassword: boolean;
  language: string;
  contactName: string;
  contactEmail: string;
  /** The number input's text. */
  maxCoursesPerDay: string;
  /** The number input's text. */
  maxWsCourseResult: string;
  allowLocalSites: boolean;
}

const valuesOf = (s: HubSettingsDto): Values => ({
  name: s.name,
  description: s.description,
  enabled: s.enabled,
  privacy: s.privacy,
  password: '',
  removePassword: false,
  language: s.language,
  contactName: s.contactName,
  contactEmail: s.contactEmail,
  maxCoursesPerDay: String(s.maxCoursesPerDay),
  maxWsCourseResult: String(s.maxWsCourseResult),
  allowLocalSites: s.allowLocalSites,
});

const wholeNumber = (text: string) => (/^-?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN);

const toPayload = (v: Values) => ({
  ...v,
  maxCoursesPerDay: wholeNumber(v.maxCoursesPerDay),
  maxWsCourseResult: wholeNumber(v.maxWsCourseResult),
});

const PLAIN_FIELDS = [
  'name',
  'description',
  'enabled',
  'privacy',
  'language',
  'contactName',
  'contactEmail',
  'allowLocalSites',
  'maxCoursesPerDay',
  'maxWsCourseResult',
] as const;

/** Only what changed; the password only when a new one is typed, or its removal asked. */
function patchOf(payload: Record<string, unknown>, dirty: readonly string[], values: Values) {
  const patch: Record<string, unknown> = {};
  for (const f of PLAIN_FIELDS) if (dirty.includes(f)) patch[f] = payload[f];
  if (values.removePassword) patch.password = null;
  else if (values.password) patch.password = values.password;
  return patch;
}

const madeAnything = (c: HubSettingsSaveDto['created']) => c.roles + c.users + c.services + c.tokens > 0;

function Checks({ checks }: { checks: HubSettingsDto['checks'] }) {
  if (checks.webservices && checks.xmlrpc) return null;
  return (
    <div className="mb-6 space-y-3">
      {!checks.webservices && (
        <Alert tone="warning" title="Enable web services for the hub" live={false}>
          Sites register with the hub and publish their courses through web services, which are disabled on this site.
          Turn on <em>Enable web services</em> in{' '}
          <Link to="/admin/advanced-features" className="font-medium underline">
            Advanced features
          </Link>
          .
        </Alert>
      )}
      {!checks.xmlrpc && (
        <Alert tone="warning" title="Enable the XML-RPC protocol" live={false}>
          Registering sites call the hub over XML-RPC, which is not enabled. Enable it in{' '}
          <Link to="/admin/webservice/protocols" className="font-medium underline">
            Manage protocols
          </Link>
          .
        </Alert>
      )}
    </div>
  );
}

function Created({ created }: { created: HubSettingsSaveDto['created'] }) {
  return (
    <Alert tone="success" title="The hub is enabled" className="mb-6">
      <p>
        To work, the hub created {plural(created.roles, 'role')}, {plural(created.users, 'user')},{' '}
        {plural(created.services, 'service')} and {plural(created.tokens, 'token')}: one each for the hub directory,
        registered sites and public sites.
      </p>
      <p className="mt-2">
        They are <strong>protected</strong>: never delete or modify them. They show with a lock in{' '}
        <Link to="/admin/roles" className="font-medium underline">
          Define roles
        </Link>
        ,{' '}
        <Link to="/admin/users" className="font-medium underline">
          Browse list of users
        </Link>{' '}
        and{' '}
        <Link to="/admin/webservice/services" className="font-medium underline">
          External services
        </Link>
        , and Gatehouse refuses to change them. The hub's tokens are not listed in Manage tokens, so they cannot be
        deleted by accident.
      </p>
    </Alert>
  );
}

function HubSettingsForm({ settings }: { settings: HubSettingsDto }) {
  const save = useSaveHubSettings();
  const [created, setCreated] = useState<HubSettingsSaveDto['created'] | null>(null);
  const { form, banner, errorOf, saving, submit } = useConsoleForm<Values>({
    mode: 'edit',
    defaultValues: valuesOf(settings),
    schema: hubSettingsPatchSchema,
    toPayload,
    patchOf,
    draft: { id: 'hub-settings' },
  });
  const values = form.watch();
  const { register } = form;
  const onSubmit = submit(
    (body) => {
      setCreated(null);
      return save.mutateAsync(body);
    },
    {
      valuesOf: (res) => valuesOf(res.settings),
      onSaved: (res) => {
        if (madeAnything(res.created)) setCreated(res.created);
      },
      successText: (res) => (madeAnything(res.created) ? null : 'Changes saved.'),
    },
  );

  const passwordNeeded =
    values.enabled && values.privacy === 'private' && (!settings.passwordSet || values.removePassword);

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Hub settings">
      {created && <Created created={created} />}
      {banner}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={saving}>
          <legend className="sr-only">The hub</legend>
          <TextField label="Hub name" {...register('name')} error={errorOf('name')} required autoComplete="off" />
          <TextField
            label="Language"
            {...register('language')}
            error={errorOf('language')}
            autoComplete="off"
            spellCheck={false}
            hint="The hub's main language: a code such as en, fr or pt_br."
          />
          <TextareaField
            label="Description"
            {...register('description')}
            error={errorOf('description')}
            className="sm:col-span-2"
            hint="Shown to visitors on the hub's search page and to sites that register. Plain text: no HTML tags."
          />
        </fieldset>
        <fieldset className="space-y-5 border-t border-slate-200 p-5" disabled={saving}>
          <legend className="sr-only">Availability</legend>
          <CheckboxField
            label="Enabled"
            {...register('enabled')}
            error={errorOf('enabled')}
            hint="Enabling the hub creates the roles, users, services and tokens it runs on, all protected. Disabling it turns its services off."
          />
          <SelectField
            label="Privacy"
            {...register('privacy', { setValueAs: (v: string) => oneOf(HUB_PRIVACY, v, 'private') })}
            error={errorOf('privacy')}
            className="max-w-md"
            hint={HUB_PRIVACY_LABELS[values.privacy]}
          >
            {HUB_PRIVACY.map((p) => (
              <option key={p} value={p}>
                {PRIVACY_OPTIONS[p]}
              </option>
            ))}
          </SelectField>
          <div className="max-w-md">
            <TextField
              label="Hub password"
              type="password"
              {...register('password')}
              error={values.removePassword ? undefined : errorOf('password')}
              required={passwordNeeded}
              disabled={values.removePassword}
              autoComplete="new-password"
              hint={
                settings.passwordSet
                  ? 'A password is set (it is never shown). Leave this empty to keep it, or type a new one to replace it.'
                  : 'No password is set. A private hub needs one: sites must give it to register.'
              }
            />
            {settings.passwordSet && (
              <CheckboxField
                label="Remove password"
                className="mt-3"
                {...register('removePassword')}
                error={values.removePassword ? errorOf('password') : undefined}
                hint="Only a public hub can do without one."
              />
            )}
          </div>
        </fieldset>
        <fieldset className="grid gap-5 border-t border-slate-200 p-5 sm:grid-cols-2" disabled={saving}>
          <legend className="sr-only">Contact and limits</legend>
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
          />
          <TextField
            label="Maximum courses published per day"
            type="number"
            inputMode="numeric"
            min={0}
            max={10000}
            {...register('maxCoursesPerDay')}
            error={errorOf('maxCoursesPerDay')}
            hint="How many courses a site may publish in 24 hours, unless the site has its own maximum."
          />
          <TextField
            label="Maximum courses returned per search"
            type="number"
            inputMode="numeric"
            min={1}
            max={HUB_MAX_WS_COURSE_RESULT}
            {...register('maxWsCourseResult')}
            error={errorOf('maxWsCourseResult')}
            hint="How many courses one search from a site's community block returns (maxwscourseresult); the site asks for more in pages of this size."
          />
          <CheckboxField
            label="Sites on local addresses may register"
            className="sm:col-span-2"
            {...register('allowLocalSites')}
            error={errorOf('allowLocalSites')}
            hint="Before it registers a site, the hub checks that the site answers at its address. Sites on loopback, private and link-local addresses (localhost, 10.x, 192.168.x, fe80::…) are refused unless this is on: registering must not make the hub probe its own network. Turn it on only for a hub inside a private network."
          />
        </fieldset>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={saving}>
            Save changes
          </Button>
        </div>
      </div>
    </form>
  );
}

function About({ settings }: { settings: HubSettingsDto }) {
  const publicSearch = settings.enabled && settings.privacy !== 'private';
  return (
    <Section title="The hub at a glance">
      <dl className="grid gap-x-6 gap-y-3 rounded-md border border-slate-200 bg-white p-5 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="font-medium text-slate-800">Status</dt>
        <dd>
          {settings.enabled ? 'Enabled' : 'Disabled'}, {PRIVACY_OPTIONS[settings.privacy].toLowerCase()}
          {settings.passwordSet ? ', with a password' : ''}
        </dd>
        <dt className="font-medium text-slate-800">Hub address</dt>
        <dd className="font-mono text-xs break-all">{settings.url}</dd>
        <dt className="font-medium text-slate-800">Public token</dt>
        <dd>
          <span className="font-mono text-xs break-all">{settings.publicTokenUrl}</span>
          <span className="block text-slate-600">
            {settings.privacy === 'private'
              ? "A private hub publishes no public token: a registering site sends the hub password here (POST password=…) to get it, then calls hub_register_site with it and the password. The token reads nothing else: the hub's information and courses stay private."
              : "Registering sites fetch the hub's public token here, then call hub_register_site with it; anyone can search the hub's courses with it."}{' '}
            (A Gatehouse extension: Moodle sites register as below.)
          </span>
        </dd>
        <dt className="font-medium text-slate-800">Moodle sites register</dt>
        <dd>
          <span className="font-mono text-xs break-all">{settings.url}</span>
          <span className="block text-slate-600">
            In the Moodle site (2.x to 3.3): Site administration › Server › Hubs, enter this address as a private hub
            {settings.privacy === 'private' ? ' with the hub password' : ''}. The site's browser comes to{' '}
            <span className="font-mono text-xs">/local/hub/siteregistration.php</span> and goes back with its token; the
            site shows as pending in Manage sites until it first calls the hub.
          </span>
        </dd>
        <dt className="font-medium text-slate-800">Content</dt>
        <dd>
          <Link to="/admin/hub/sites" className="text-blue-700 hover:underline">
            {plural(settings.counts.sites, 'registered site')}
          </Link>
          ,{' '}
          <Link to="/admin/hub/courses" className="text-blue-700 hover:underline">
            {plural(settings.counts.courses, 'course')}
          </Link>
        </dd>
        <dt className="font-medium text-slate-800">Visitors' search</dt>
        <dd>
          {publicSearch ? (
            <Link to="/hub" className="text-blue-700 hover:underline">
              Open the hub's search page
            </Link>
          ) : (
            'None: a private or disabled hub offers no public search.'
          )}
        </dd>
      </dl>
    </Section>
  );
}

function HubSettings() {
  const q = useQuery(hubSettingsQueryOptions);
  if (q.isPending) return <Loading label="Loading hub settings…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the hub settings" />;
  return (
    <>
      <Checks checks={q.data.checks} />
      <HubSettingsForm settings={q.data} />
      <div className="mt-8">
        <About settings={q.data} />
      </div>
    </>
  );
}

export default function HubSettingsPage() {
  return (
    <Page
      title="Hub settings"
      cap={HUB_MANAGE_CAP}
      description="Site administration › Hub › Settings. Describe your hub, enable it and choose who may register: a private hub needs a password."
    >
      <HubSettings />
    </Page>
  );
}
