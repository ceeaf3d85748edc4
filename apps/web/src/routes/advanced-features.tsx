import { SETTING_DEFS, type Settings } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../api/client';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { CheckboxField, TextField } from '../components/ui/form-field';
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

type SizeSetting = 'maxbytes' | 'userquota';

/** A byte count as people read it: 104857600 is "100 MB" (Moodle's display_size, binary units). */
function displaySize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}

/** Moodle's file limits (Site security settings there): the largest upload and each user's quota. */
function FileLimitsForm({ settings }: { settings: Settings }) {
  const [values, setValues] = useState<Record<SizeSetting, string>>({
    maxbytes: settings.maxbytes,
    userquota: settings.userquota,
  });
  const [local, setLocal] = useState<Partial<Record<SizeSetting, string>>>({});
  const save = useUpdateSettings();
  const serverErrors = isApiError(save.error) ? save.error.fields : {};
  const errorOf = (name: SizeSetting) => local[name] ?? serverErrors[name];

  useEffect(() => setValues({ maxbytes: settings.maxbytes, userquota: settings.userquota }), [settings]);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.reset();
    // The same rules as the server's, so that a typo is shown at once and nothing is sent.
    const errors: Partial<Record<SizeSetting, string>> = {};
    for (const name of ['maxbytes', 'userquota'] as const) {
      const r = SETTING_DEFS[name].schema.safeParse(values[name]);
      if (!r.success) errors[name] = r.error.issues[0]?.message ?? 'Invalid value';
    }
    setLocal(errors);
    if (Object.keys(errors).length) return;
    save.mutate({ maxbytes: values.maxbytes, userquota: values.userquota });
  }

  const sizeHint = (name: SizeSetting) => {
    const n = Number(values[name]);
    return /^\d+$/.test(values[name]) && n > 0 ? ` (${displaySize(n)})` : '';
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-labelledby="file-limits-title">
      <h2 id="file-limits-title" className="mt-10 mb-3 text-lg font-semibold text-slate-900">
        File uploads
      </h2>
      <SaveOutcome changes={save.data?.changes} error={save.error} />
      <SettingsCard
        footer={
          <Button type="submit" variant="primary" busy={save.isPending}>
            Save file limits
          </Button>
        }
      >
        <TextField
          label="Maximum uploaded file size (bytes)"
          name="maxbytes"
          inputMode="numeric"
          autoComplete="off"
          className="max-w-xs"
          value={values.maxbytes}
          onChange={(e) => setValues((v) => ({ ...v, maxbytes: e.target.value.trim() }))}
          error={errorOf('maxbytes')}
          hint={
            <>
              The largest file a user may upload{sizeHint('maxbytes')}. 0 means the server&apos;s own limit (about 3 MB,
              what fits in one web-service request). Users with <code>moodle/course:ignorefilesizelimits</code> may
              upload up to the server&apos;s limit.
              <SettingMeta name="maxbytes" defaultLabel="0 (the server's limit)" />
            </>
          }
        />
        <TextField
          label="User quota (bytes)"
          name="userquota"
          inputMode="numeric"
          autoComplete="off"
          className="max-w-xs"
          value={values.userquota}
          onChange={(e) => setValues((v) => ({ ...v, userquota: e.target.value.trim() }))}
          error={errorOf('userquota')}
          hint={
            <>
              The most that one user&apos;s files (private and draft) may take together{sizeHint('userquota')}. Users
              with <code>moodle/user:ignoreuserquota</code> have no quota. Whatever these say, uploads stop while the
              server&apos;s disk has less than 64 MB (or 1 %) free, so that signing in keeps working.
              <SettingMeta name="userquota" defaultLabel="104857600 (100 MB)" />
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
  return (
    <>
      <AdvancedFeaturesForm settings={settings} mobile={q.data} />
      <FileLimitsForm settings={settings} />
    </>
  );
}

export default function AdvancedFeaturesPage() {
  return (
    <Page
      title="Advanced features"
      cap="moodle/site:config"
      description="Features of the site that are off until an administrator turns them on, and the limits on uploaded files."
    >
      <SettingsLoader>{(settings) => <WithMobile settings={settings} />}</SettingsLoader>
    </Page>
  );
}
