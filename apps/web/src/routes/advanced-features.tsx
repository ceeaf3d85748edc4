import type { Settings } from '@gatehouse/shared';
import { type FormEvent, useState } from 'react';
import { Page } from '../components/layout/page';
import { Button } from '../components/ui/button';
import { CheckboxField } from '../components/ui/form-field';
import { useUpdateSettings } from '../features/settings/queries';
import { SaveOutcome } from '../features/settings/setting-changes';
import { SettingMeta, SettingsCard, SettingsLoader } from '../features/settings/settings-loader';

function AdvancedFeaturesForm({ settings }: { settings: Settings }) {
  const [enabled, setEnabled] = useState(settings.enablewebservices === '1');
  const save = useUpdateSettings();

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ enablewebservices: enabled ? '1' : '0' });
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <SaveOutcome changes={save.data?.changes} error={save.error} />
      <SettingsCard
        footer={
          <Button type="submit" variant="primary" busy={save.isPending}>
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
      </SettingsCard>
    </form>
  );
}

export default function AdvancedFeaturesPage() {
  return (
    <Page
      title="Advanced features"
      cap="moodle/site:config"
      description="Features of the site that are off until an administrator turns them on."
    >
      <SettingsLoader>{(settings) => <AdvancedFeaturesForm settings={settings} />}</SettingsLoader>
    </Page>
  );
}
