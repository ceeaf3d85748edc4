import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { z } from 'zod';
import { useConsoleForm } from '../components/forms/use-console-form';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { CheckboxField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { MobileOutcome, MobileParts, partialMobile } from '../features/mobile/mobile-parts';
import { type MobileState, mobileQueryOptions, useSetMobile } from '../features/mobile/queries';
import { SettingMeta, SettingsCard } from '../features/settings/settings-loader';

function Cascade() {
  return (
    <div className="grid gap-4 text-sm text-slate-700 md:grid-cols-2">
      <div>
        <h3 className="font-semibold text-slate-900">What happens when the service is enabled</h3>
        <p className="mt-1">Enabling the mobile web services will automatically:</p>
        <ul className="mt-1 list-disc space-y-0.5 pl-5">
          <li>enable the web services system (Site administration › Advanced features)</li>
          <li>enable the built-in external service called ‘Mobile web services’</li>
          <li>enable the XML-RPC protocol (for backward compatibility with older apps)</li>
          <li>enable the REST protocol</li>
          <li>
            allow the <code>webservice/xmlrpc:use</code> capability for the Authenticated user role
          </li>
          <li>
            allow the <code>webservice/rest:use</code> capability for the Authenticated user role
          </li>
        </ul>
      </div>
      <div>
        <h3 className="font-semibold text-slate-900">Disabling mobile web services</h3>
        <p className="mt-1">When you uncheck ‘Enable web services for mobile devices’, it will automatically:</p>
        <ul className="mt-1 list-disc space-y-0.5 pl-5">
          <li>disable the external service called ‘Mobile web services’;</li>
          <li>
            if ‘Mobile web services’ was the only external service enabled:
            <ul className="mt-0.5 list-[circle] space-y-0.5 pl-5">
              <li>disable the web services system</li>
              <li>disable the XML-RPC protocol</li>
              <li>disable the REST protocol</li>
              <li>
                remove the <code>webservice/xmlrpc:use</code> capability from the Authenticated user role
              </li>
              <li>
                remove the <code>webservice/rest:use</code> capability from the Authenticated user role
              </li>
            </ul>
          </li>
        </ul>
      </div>
    </div>
  );
}

/** What the form sends: the checkbox, only when it changed (the toggle does a lot either way). */
const mobileFormSchema = z.strictObject({ enablemobilewebservice: z.boolean().optional() });

interface MobileValues {
  enablemobilewebservice: boolean;
}

function MobileForm({ state }: { state: MobileState }) {
  const setMobile = useSetMobile();
  // Repair's outcome shows below; a save's error shows in the form's banner.
  const [repairing, setRepairing] = useState(false);
  const { form, banner, submit, saving, setMessage } = useConsoleForm<MobileValues>({
    mode: 'edit',
    defaultValues: { enablemobilewebservice: state.enabled },
    schema: mobileFormSchema,
    draft: { id: 'mobile' },
  });

  // The state can change elsewhere (Advanced features, Manage protocols, roles): follow it,
  // keeping a change the admin has not saved yet.
  useEffect(() => {
    form.reset({ enablemobilewebservice: state.enabled }, { keepDirtyValues: true });
  }, [state.enabled, form]);

  const onSubmit = submit(
    (body) => {
      setMobile.reset();
      setRepairing(false);
      return setMobile.mutateAsync(body.enablemobilewebservice as boolean);
    },
    { valuesOf: (res) => ({ enablemobilewebservice: res.state.enabled }), successText: () => null },
  );

  function repair() {
    setMessage(null);
    setRepairing(true);
    setMobile.mutate(true, { onSuccess: (res) => form.reset({ enablemobilewebservice: res.state.enabled }) });
  }

  const partial = partialMobile(state);
  const busy = saving || setMobile.isPending;
  return (
    <>
      <MobileOutcome changes={setMobile.data?.changes} error={repairing ? setMobile.error : null} />
      {partial && (
        <Alert tone="warning" title="Mobile web services are only partly enabled" className="mb-6">
          <p>
            The setting is on, but {state.missing.length === 1 ? 'this part is' : 'these parts are'} missing, so the
            mobile app cannot work:
          </p>
          <ul className="mt-1 list-disc pl-5">
            {state.missing.map((p) => (
              <li key={p.key}>{p.label}</li>
            ))}
          </ul>
          <p className="mt-2">
            Something was changed elsewhere (a protocol, the service or a role). Repair puts it back.
          </p>
          <Button
            variant="primary"
            size="sm"
            className="mt-2"
            busy={repairing && setMobile.isPending}
            disabled={busy}
            onClick={repair}
          >
            Repair
          </Button>
        </Alert>
      )}
      <form onSubmit={onSubmit} noValidate aria-label="Mobile web services">
        {banner}
        <SettingsCard
          footer={
            <Button type="submit" variant="primary" busy={saving}>
              Save changes
            </Button>
          }
        >
          <CheckboxField
            label="Enable web services for mobile devices"
            {...form.register('enablemobilewebservice')}
            hint={
              <>
                Enable mobile service for the official app or other app requesting it. It reads as on only when every
                part below holds.
                <SettingMeta name="enablemobilewebservice" defaultLabel="No" />
              </>
            }
          />
          <div>
            <h2 className="mb-2 text-sm font-semibold text-slate-900">Parts of mobile web services</h2>
            <MobileParts state={state} />
          </div>
          {state.otherEnabledServices.length > 0 && (
            <p className="text-sm text-slate-600">
              Other enabled services: {state.otherEnabledServices.join(', ')}. While one of them is enabled, disabling
              mobile web services leaves web services, the protocols and the capabilities on.
            </p>
          )}
        </SettingsCard>
      </form>
    </>
  );
}

function Mobile() {
  const q = useQuery(mobileQueryOptions);
  if (q.isPending) return <Loading label="Loading mobile web services…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="mobile web services" />;
  return (
    <>
      <MobileForm state={q.data} />
      <Section title="Behind the scenes">
        <Cascade />
        <p className="mt-4 text-sm text-slate-600">
          The same setting is on{' '}
          <Link to="/admin/advanced-features" className="text-blue-700 hover:underline">
            Advanced features
          </Link>
          . Every change it makes is written to the audit log.
        </p>
      </Section>
    </>
  );
}

export default function MobilePage() {
  return (
    <Page
      title="Mobile web services"
      cap="moodle/site:config"
      description="Gatehouse comes with a built-in web service designed for mobile applications. It is required to run the official mobile app. Enable it only if you want people to use the official app or if a third party app explicitly requires it."
    >
      <Mobile />
    </Page>
  );
}
