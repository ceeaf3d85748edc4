import { isSettingName, SETTING_DEFS } from '@gatehouse/shared';
import { Alert } from '../../components/ui/alert';
import { displayValue } from '../settings/setting-changes';
import type { MobileChange, MobileState } from './queries';

const KIND_LABELS: Record<MobileChange['kind'], string> = {
  setting: 'Setting',
  service: 'Service',
  protocol: 'Protocol',
  capability: 'Capability',
};

const PERMISSION_LABELS: Record<string, string> = { allow: 'Allow', prohibit: 'Prohibit', notset: 'Not set' };

function what(c: MobileChange): string {
  if ((c.kind === 'setting' || c.kind === 'protocol') && isSettingName(c.name)) {
    return `${SETTING_DEFS[c.name].label} (${c.name})`;
  }
  if (c.kind === 'service') return `The service ‘${c.name}’`;
  return c.name;
}

function value(c: MobileChange, v: string): string {
  if (c.kind === 'setting' || c.kind === 'protocol') return displayValue(c.name, v);
  if (c.kind === 'capability') return PERMISSION_LABELS[v] ?? v;
  return v === 'enabled' ? 'Enabled' : v === 'disabled' ? 'Disabled' : v;
}

/** Exactly what a mobile toggle changed: each setting, service, protocol and capability, from → to. */
function MobileChangesList({ changes }: { changes: MobileChange[] }) {
  if (changes.length === 0) {
    return <p>Nothing changed: every part already had the value the toggle sets.</p>;
  }
  return (
    <ul className="space-y-1">
      {changes.map((c) => (
        <li key={`${c.kind}:${c.name}`} className="flex flex-wrap gap-x-2">
          <span className="font-semibold">{KIND_LABELS[c.kind]}:</span>
          <span>{what(c)}:</span>
          <span>
            {value(c, c.from)} <span aria-hidden="true">→</span>
            <span className="sr-only">changed to</span> {value(c, c.to)}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The outcome of a mobile toggle, as a "What changed" panel. */
export function MobileOutcome({ changes, error }: { changes?: MobileChange[] | undefined; error?: Error | null }) {
  if (error) {
    return (
      <Alert tone="error" title="Mobile web services not changed" className="mb-6">
        {error.message}
      </Alert>
    );
  }
  if (!changes) return null;
  return (
    <Alert tone={changes.length ? 'success' : 'info'} title="What changed" className="mb-6">
      <MobileChangesList changes={changes} />
    </Alert>
  );
}

/** The parts of "mobile web services enabled", each ✓ or ✗. */
export function MobileParts({ state }: { state: MobileState }) {
  return (
    <ul aria-label="Parts of mobile web services" className="space-y-1.5 text-sm">
      {state.parts.map((p) => (
        <li key={p.key} className="flex items-start gap-2">
          <span
            aria-hidden="true"
            className={
              p.ok
                ? 'inline-flex size-5 shrink-0 items-center justify-center rounded-full bg-green-100 text-green-800'
                : 'inline-flex size-5 shrink-0 items-center justify-center rounded-full bg-red-100 text-red-800'
            }
          >
            {p.ok ? '✓' : '✗'}
          </span>
          <span>
            <span className="sr-only">{p.ok ? 'Done: ' : 'Missing: '}</span>
            {p.label}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The setting is on but a part was changed elsewhere: which ones are missing. */
export function partialMobile(state: MobileState): boolean {
  return state.setting && state.missing.length > 0;
}
