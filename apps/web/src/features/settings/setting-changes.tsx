import { isSettingName, PROTOCOL_LABELS, parseProtocols, SETTING_DEFS } from '@gatehouse/shared';
import { isApiError } from '../../api/client';
import { Alert } from '../../components/ui/alert';

export interface SettingChange {
  name: string;
  from: string;
  to: string;
}

const BOOLEAN_SETTINGS = new Set([
  'enablewebservices',
  'enablewsdocumentation',
  'enablemobilewebservice',
  'maintenance_enabled',
]);

/** A setting's value as a person reads it. */
export function displayValue(name: string, value: string): string {
  if (BOOLEAN_SETTINGS.has(name)) return value === '1' ? 'Yes' : 'No';
  if (name === 'webserviceprotocols') {
    const list = parseProtocols(value).map((p) => PROTOCOL_LABELS[p]);
    return list.length ? list.join(', ') : 'none';
  }
  return value === '' ? '(empty)' : value;
}

function labelOf(name: string) {
  return isSettingName(name) ? SETTING_DEFS[name].label : name;
}

/** The outcome of a save: what changed, nothing, or why it failed. */
export function SaveOutcome({ changes, error }: { changes?: SettingChange[] | undefined; error?: unknown }) {
  if (error) {
    const fields = isApiError(error) ? Object.entries(error.fields) : [];
    return (
      <Alert tone="error" title="Changes not saved" className="mb-6">
        <p>{error instanceof Error ? error.message : 'Something went wrong'}</p>
        {fields.length > 1 && (
          <ul className="mt-1 list-disc pl-5">
            {fields.map(([k, v]) => (
              <li key={k}>
                {labelOf(k)}: {v}
              </li>
            ))}
          </ul>
        )}
      </Alert>
    );
  }
  if (!changes) return null;
  if (changes.length === 0) {
    return (
      <Alert tone="info" className="mb-6">
        No changes: every setting already had the value you saved.
      </Alert>
    );
  }
  return (
    <Alert tone="success" title="Changes saved" className="mb-6">
      <ul className="list-disc pl-5">
        {changes.map((c) => (
          <li key={c.name}>
            {labelOf(c.name)} (<code className="text-xs">{c.name}</code>): {displayValue(c.name, c.from)} →{' '}
            {displayValue(c.name, c.to)}
          </li>
        ))}
      </ul>
    </Alert>
  );
}
