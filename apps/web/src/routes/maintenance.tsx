import type { Settings } from '@gatehouse/shared';
import { type FormEvent, useState } from 'react';
import { isApiError } from '../api/client';
import { useLeaveGuard } from '../components/forms/leave-guard';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { SelectField, TextareaField } from '../components/ui/form-field';
import { useUpdateSettings } from '../features/settings/queries';
import { SaveOutcome } from '../features/settings/setting-changes';
import { SettingMeta, SettingsCard, SettingsLoader } from '../features/settings/settings-loader';

function MaintenanceForm({ settings }: { settings: Settings }) {
  const [enabled, setEnabled] = useState(settings.maintenance_enabled === '1');
  const [message, setMessage] = useState(settings.maintenance_message);
  const save = useUpdateSettings();
  const fieldErrors = isApiError(save.error) ? save.error.fields : {};
  const live = save.data?.settings ?? settings;
  const leave = useLeaveGuard(enabled !== (live.maintenance_enabled === '1') || message !== live.maintenance_message);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ maintenance_enabled: enabled ? '1' : '0', maintenance_message: message });
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      {leave.prompt}
      <SaveOutcome changes={save.data?.changes} error={save.error} />
      {live.maintenance_enabled === '1' && (
        <Alert tone="warning" className="mb-6" live={false}>
          The site is in maintenance mode: only users with the capability <code>moodle/site:maintenanceaccess</code>{' '}
          (and site administrators) can use it.
        </Alert>
      )}
      <SettingsCard
        footer={
          <Button type="submit" variant="primary" busy={save.isPending}>
            Save changes
          </Button>
        }
      >
        <SelectField
          label="Maintenance mode"
          name="maintenance_enabled"
          value={enabled ? '1' : '0'}
          onChange={(e) => setEnabled(e.target.value === '1')}
          error={fieldErrors.maintenance_enabled}
          className="max-w-xs"
          hint={
            <>
              Allows you to prevent users from using the site while it is being maintained. Web-service calls from users
              without maintenance access are refused with the maintenance message.
              <SettingMeta name="maintenance_enabled" defaultLabel="Disable" />
            </>
          }
        >
          <option value="0">Disable</option>
          <option value="1">Enable</option>
        </SelectField>
        <TextareaField
          label="Optional maintenance message"
          name="maintenance_message"
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          maxLength={2000}
          rows={4}
          error={fieldErrors.maintenance_message}
          hint={<SettingMeta name="maintenance_message" defaultLabel="the standard message" />}
        />
      </SettingsCard>
    </form>
  );
}

export default function MaintenancePage() {
  return (
    <Page title="Maintenance mode" cap="moodle/site:config">
      <SettingsLoader>{(settings) => <MaintenanceForm settings={settings} />}</SettingsLoader>
    </Page>
  );
}
