import { type Settings, type SettingsPatch, settingsPatchSchema } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { FieldValues } from 'react-hook-form';
import { Link } from 'react-router';
import { z } from 'zod';
import { useFormDraft } from '../components/forms/form-draft';
import { useLeaveGuard } from '../components/forms/leave-guard';
import { type ConsoleFormOptions, useConsoleForm } from '../components/forms/use-console-form';
import { Page } from '../components/layout/page';
import { Button } from '../components/ui/button';
import { CheckboxField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { MobileOutcome, partialMobile } from '../features/mobile/mobile-parts';
import { type MobileState, mobileQueryOptions, useSetMobile } from '../features/mobile/queries';
import { useUpdateSettings } from '../features/settings/queries';
import { SaveOutcome } from '../features/settings/setting-changes';
import { SettingMeta, SettingsCard, SettingsLoader } from '../features/settings/settings-loader';

/** What the two checkboxes send: only the ones that changed (the mobile toggle does a lot). */
const featuresSchema = z.strictObject({
  enablewebservices: z.boolean().optional(),
  enablemobilewebservice: z.boolean().optional(),
});

interface FeatureValues {
  enablewebservices: boolean;
  enablemobilewebservice: boolean;
}

const featureValuesOf = (settings: Settings, mobile: MobileState): FeatureValues => ({
  enablewebservices: settings.enablewebservices === '1',
  enablemobilewebservice: mobile.enabled,
});

const DRAFT_RESTORED = 'Your session had ended: what you typed before signing in again is back. Check it, then save.';

/**
 * One settings form of this page on the form hook. The page has two, and a page may have one
 * leave guard (one router blocker): the hook's own is off here and the page guards both
 * (useLeaveGuard in WithMobile); the draft through a sign-in is kept as the hook would.
 */
function usePageForm<V extends FieldValues>(
  options: Omit<ConsoleFormOptions<V>, 'unguarded' | 'draft'> & { draftId: string },
) {
  const { draftId, ...rest } = options;
  const f = useConsoleForm<V>({ ...rest, unguarded: true });
  useFormDraft(f.form, draftId, { onRestored: () => f.setMessage({ tone: 'info', text: DRAFT_RESTORED }) });
  return f;
}

function AdvancedFeaturesForm({
  settings,
  mobile,
  onDirty,
}: {
  settings: Settings;
  mobile: MobileState;
  onDirty: (dirty: boolean) => void;
}) {
  const save = useUpdateSettings();
  const setMobile = useSetMobile();
  const { form, banner, submit, saving } = usePageForm<FeatureValues>({
    mode: 'edit',
    defaultValues: featureValuesOf(settings, mobile),
    schema: featuresSchema,
    draftId: 'advanced-features',
  });
  const { isDirty } = form.formState;
  useEffect(() => onDirty(isDirty), [isDirty, onDirty]);

  // A mobile toggle can switch web services on or off, and either can change elsewhere: the
  // checkboxes follow what is stored, keeping what the admin has changed and not saved.
  const stored = featureValuesOf(settings, mobile);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the stored values are the dependencies
  useEffect(() => {
    form.reset(stored, { keepDirtyValues: true });
  }, [stored.enablewebservices, stored.enablemobilewebservice]);

  const onSubmit = submit(
    async (body) => {
      save.reset();
      setMobile.reset();
      const ws = body.enablewebservices as boolean | undefined;
      const mobileOn = body.enablemobilewebservice as boolean | undefined;
      // Web services first: turning mobile off may turn them off too, as Moodle's toggle does.
      const settingsSaved =
        ws === undefined ? undefined : await save.mutateAsync({ enablewebservices: ws ? '1' : '0' });
      const mobileSaved = mobileOn === undefined ? undefined : await setMobile.mutateAsync(mobileOn);
      return { settingsSaved, mobileSaved };
    },
    {
      // What is stored now (the mobile toggle may have changed web services too).
      valuesOf: ({ settingsSaved, mobileSaved }) => ({
        enablewebservices:
          mobileSaved?.state.parts.find((p) => p.key === 'webservices')?.ok ??
          (settingsSaved ? settingsSaved.settings.enablewebservices === '1' : form.getValues('enablewebservices')),
        enablemobilewebservice: mobileSaved ? mobileSaved.state.enabled : form.getValues('enablemobilewebservice'),
      }),
      successText: () => null,
    },
  );

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Advanced features">
      {banner}
      <SaveOutcome changes={save.data?.changes} />
      <MobileOutcome changes={setMobile.data?.changes} />
      <SettingsCard
        footer={
          <Button type="submit" variant="primary" busy={saving}>
            Save changes
          </Button>
        }
      >
        <CheckboxField
          label="Enable web services"
          {...form.register('enablewebservices')}
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
          {...form.register('enablemobilewebservice')}
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

/** A byte count as people read it: 104857600 is "100 MB" (Moodle's display_size, binary units). */
function displaySize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}

interface SizeValues {
  maxbytes: string;
  userquota: string;
}

const sizeValuesOf = (settings: Settings): SizeValues => ({
  maxbytes: settings.maxbytes,
  userquota: settings.userquota,
});

/** Moodle's file limits (Site security settings there): the largest upload and each user's quota. */
function FileLimitsForm({ settings, onDirty }: { settings: Settings; onDirty: (dirty: boolean) => void }) {
  const save = useUpdateSettings();
  const { form, banner, submit, saving, errorOf } = usePageForm<SizeValues>({
    mode: 'edit',
    defaultValues: sizeValuesOf(settings),
    // The server's own rules, so that a typo is shown at once and nothing is sent.
    schema: settingsPatchSchema,
    toPayload: (v) => ({ maxbytes: v.maxbytes.trim(), userquota: v.userquota.trim() }),
    draftId: 'file-limits',
  });
  const { isDirty } = form.formState;
  useEffect(() => onDirty(isDirty), [isDirty, onDirty]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the stored values are the dependencies
  useEffect(() => {
    form.reset(sizeValuesOf(settings), { keepDirtyValues: true });
  }, [settings.maxbytes, settings.userquota]);

  const onSubmit = submit(
    async (body) => {
      save.reset();
      return save.mutateAsync(body as SettingsPatch);
    },
    { valuesOf: (saved) => sizeValuesOf(saved.settings), successText: () => null },
  );

  const values = form.watch();
  const sizeHint = (name: keyof SizeValues) => {
    const v = values[name].trim();
    const n = Number(v);
    return /^\d+$/.test(v) && n > 0 ? ` (${displaySize(n)})` : '';
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-labelledby="file-limits-title">
      <h2 id="file-limits-title" className="mt-10 mb-3 text-lg font-semibold text-slate-900">
        File uploads
      </h2>
      {banner}
      <SaveOutcome changes={save.data?.changes} />
      <SettingsCard
        footer={
          <Button type="submit" variant="primary" busy={saving}>
            Save file limits
          </Button>
        }
      >
        <TextField
          label="Maximum uploaded file size (bytes)"
          inputMode="numeric"
          autoComplete="off"
          className="max-w-xs"
          {...form.register('maxbytes')}
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
          inputMode="numeric"
          autoComplete="off"
          className="max-w-xs"
          {...form.register('userquota')}
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
  return <GuardedForms settings={settings} mobile={q.data} />;
}

/** The page's two forms under its one leave guard: it asks while either has unsaved changes. */
function GuardedForms({ settings, mobile }: { settings: Settings; mobile: MobileState }) {
  const [featuresDirty, setFeaturesDirty] = useState(false);
  const [limitsDirty, setLimitsDirty] = useState(false);
  const guard = useLeaveGuard(featuresDirty || limitsDirty);
  return (
    <>
      {guard.prompt}
      <AdvancedFeaturesForm settings={settings} mobile={mobile} onDirty={setFeaturesDirty} />
      <FileLimitsForm settings={settings} onDirty={setLimitsDirty} />
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
