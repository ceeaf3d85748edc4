import type { DebugLevel, Settings } from '@gatehouse/shared';
import { type FormEvent, useState } from 'react';
import { useLeaveGuard } from '../components/forms/leave-guard';
import { Page } from '../components/layout/page';
import { Button } from '../components/ui/button';
import { SelectField } from '../components/ui/form-field';
import { useUpdateSettings } from '../features/settings/queries';
import { SaveOutcome } from '../features/settings/setting-changes';
import { SettingMeta, SettingsCard, SettingsLoader } from '../features/settings/settings-loader';

const LEVELS: { value: DebugLevel; label: string }[] = [
  { value: 'none', label: 'NONE: Do not show any errors or warnings' },
  { value: 'normal', label: 'NORMAL: Show errors, warnings and notices' },
  { value: 'developer', label: 'DEVELOPER: extra debug messages for developers' },
];

const isLevel = (v: string): v is DebugLevel => LEVELS.some((l) => l.value === v);

function DebuggingForm({ settings }: { settings: Settings }) {
  const [level, setLevel] = useState<DebugLevel>(isLevel(settings.debug) ? settings.debug : 'none');
  const save = useUpdateSettings();
  const saved = (save.data?.settings ?? settings).debug;
  const leave = useLeaveGuard(level !== (isLevel(saved) ? saved : 'none'));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ debug: level });
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      {leave.prompt}
      <SaveOutcome changes={save.data?.changes} error={save.error} />
      <SettingsCard
        footer={
          <Button type="submit" variant="primary" busy={save.isPending}>
            Save changes
          </Button>
        }
      >
        <SelectField
          label="Debug messages"
          name="debug"
          value={level}
          onChange={(e) => isLevel(e.target.value) && setLevel(e.target.value)}
          className="max-w-md"
          hint={
            <>
              With <strong>NORMAL</strong> or <strong>DEVELOPER</strong>, web-service errors include a{' '}
              <code>debuginfo</code> field that says which check failed (for example which capability is missing). This
              helps while setting up a client, but tells callers about the site&apos;s configuration: keep it at{' '}
              <strong>NONE</strong> on a production site.
              <SettingMeta name="debug" defaultLabel="NONE" />
            </>
          }
        >
          {LEVELS.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </SelectField>
      </SettingsCard>
    </form>
  );
}

export default function DebuggingPage() {
  return (
    <Page title="Debugging" cap="moodle/site:config">
      <SettingsLoader>{(settings) => <DebuggingForm settings={settings} />}</SettingsLoader>
    </Page>
  );
}
