import type { Settings } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { CheckboxField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { MobileOutcome, partialMobile } from '../features/mobile/mobile-parts';
import { type MobileState, mobileQueryOptions, useSetMobile } from '../features/mobile/queries';
import { useUpdateSettings } from '../features/settings/queries';
import { SaveOutcome } from '../features/settings/setting-changes';
import { SettingMeta, SettingsCard, SettingsLoader } from '../features/settings/settings-loader';

function AdvancedFeaturesForm({ settings, mobile }: { settings: Settings; mobile: MobileState }) {
  const [enabled, setEnabled] = useState(settings.enablewebservices === '1');
  const [mobileOn, setMobileOn] = useState(mobile.enabled);
  const save = useUpdateSettings();
  const setMobile = useSetMobile();
  const [noChanges, setNoChanges] = useState(false);

  // A mobile toggle can switch web services on or off: the checkboxes follow what is stored.
  useEffect(() => setEnabled(settings.enablewebservices === '1'), [settings.enablewebservices]);
  useEffect(() => setMobileOn(mobile.enabled), [mobile.enabled]);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.reset();
    setMobile.reset();
    const wsChanged = enabled !== (settings.enablewebservices === '1');
    // Only a real change of the mobile checkbox toggles: "off" also disables the mobile service.
    const mobileChanged = mobileOn !== mobile.enabled;
    setNoChanges(!wsChanged && !mobileChanged);
    try {
      if (wsChanged) await save.mutateAsync({ enablewebservices: enabled ? '1' : '0' });
      if (mobileChanged) await setMobile.mutateAsync(mobileOn);
    } catch {
      // Each mutation's error is shown by its outcome below.
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      {noChanges && (
        <Alert tone="info" className="mb-6">
          No changes: every setting already had the value you saved.
        </Alert>
      )}
      <SaveOutcome changes={save.data?.changes} error={save.error} />
      <MobileOutcome changes={setMobile.data?.changes} error={setMobile.error} />
      <SettingsCard
        footer={
          <Button type="submit" variant="primary" busy={save.isPending || setMobile.isPending}>
            Save changes
          </Button>
        }
      >
        <CheckboxField
          label="Enable web services"
          name="enablewebservices"
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
          hint={
            <>
              Web services enable other systems to log in to this site and perform operations. For security reasons, web
              services should only be enabled if you intend to make use of it.
              <SettingMeta name="enablewebservices" defaultLabel="No" />
            </>
          }
        />
        <CheckboxField
          label="Enable web services for mobile devices"
          name="enablemobilewebservice"
          checked={mobileOn}
          onChange={(e) => setMobileOn(e.target.checked)}
          hint={
            <>
              Enable mobile service for the official app or other app requesting it. Turning it on also enables web
              services, the Mobile web services service, the XML-RPC and REST protocols and their capabilities for
              Authenticated user; turning it off undoes them if no other service is enabled. See{' '}
              <Link to="/admin/webservice/mobile" className="text-blue-700 underline">
                Mobile
              </Link>{' '}
              for every part.
              {partialMobile(mobile) && (
                <span className="mt-1 block font-medium text-amber-800">
                  The setting is on but some parts are missing ({mobile.missing.map((p) => p.label).join('; ')}), so
                  this reads as off. Tick it and save to repair.
                </span>
              )}
              <SettingMeta name="enablemobilewebservice" defaultLabel="No" />
            </>
          }
        />
      </SettingsCard>
    </form>
  );
}

function WithMobile({ settings }: { settings: Settings }) {
  const q = useQuery(mobileQueryOptions);
  if (q.isPending) return <Loading label="Loading settings…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the mobile settings" />;
  return <AdvancedFeaturesForm settings={settings} mobile={q.data} />;
}

export default function AdvancedFeaturesPage() {
  return (
    <Page
      title="Advanced features"
      cap="moodle/site:config"
      description="Features of the site that are off until an administrator turns them on."
    >
      <SettingsLoader>{(settings) => <WithMobile settings={settings} />}</SettingsLoader>
    </Page>
  );
}
