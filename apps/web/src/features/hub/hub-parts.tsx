import {
  HUB_AUDIENCE_LABELS,
  HUB_EDUCATIONAL_LEVEL_LABELS,
  HUB_LICENCE_LABELS,
  HUB_SUBJECTS,
  type HubAudience,
  type HubEducationalLevel,
  type HubLicence,
} from '@gatehouse/shared';
import { Badge } from '../../components/ui/badge';
import { cn } from '../../lib/cn';

export const HUB_MANAGE_CAP = 'local/hub:manage';

export const oneOf = <T extends string>(list: readonly T[], v: string | null, fallback: T): T =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : fallback;

export const audienceLabel = (v: string) => HUB_AUDIENCE_LABELS[v as HubAudience] ?? v;
export const levelLabel = (v: string) => HUB_EDUCATIONAL_LEVEL_LABELS[v as HubEducationalLevel] ?? v;
export const licenceLabel = (v: string) => HUB_LICENCE_LABELS[v as HubLicence] ?? v;
export { hubSubjectLabel as subjectLabel } from '@gatehouse/shared';

const SUBJECT_CODES = new Set(HUB_SUBJECTS.map(([code]) => code));

/**
 * The options of a subject menu: Moodle's subjects (edufields), a narrow field indented under its
 * broad field and a detailed one under its narrow field, as a publishing site's menu shows them;
 * first `none` (the value "") when given, and a value not in the list kept choosable as it is.
 */
export function SubjectOptions({ value, none }: { value: string; none?: string }) {
  return (
    <>
      {none !== undefined && <option value="">{none}</option>}
      {value && !SUBJECT_CODES.has(value) && <option value={value}>{value} (not in the list)</option>}
      {HUB_SUBJECTS.map(([code, name]) => (
        <option key={code} value={code}>
          {'\u00a0\u00a0'.repeat(code.length / 2 - 1)}
          {name}
        </option>
      ))}
    </>
  );
}

/** A site statistic as the site reported it: -1 means the site keeps it private. */
export const statistic = (n: number) => (n < 0 ? 'private' : String(n));

function LockIcon({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 16 16" fill="currentColor" aria-hidden="true" className={cn('size-3.5', className)}>
      <path d="M8 1a3.5 3.5 0 0 0-3.5 3.5V6H4a1.5 1.5 0 0 0-1.5 1.5v6A1.5 1.5 0 0 0 4 15h8a1.5 1.5 0 0 0 1.5-1.5v-6A1.5 1.5 0 0 0 12 6h-.5V4.5A3.5 3.5 0 0 0 8 1Zm2 5H6V4.5a2 2 0 1 1 4 0V6Z" />
    </svg>
  );
}

/** The lock every list shows on what the hub made for itself (never delete or modify it). */
export function ProtectedMark({ title, className }: { title: string; className?: string }) {
  return (
    <span title={title} className={cn('inline-flex', className)}>
      <Badge tone="blue" className="gap-1">
        <LockIcon />
        Protected
      </Badge>
    </span>
  );
}

/** Yes / No as a badge: green for yes. */
export function YesNo({ value, yes = 'Yes', no = 'No' }: { value: boolean; yes?: string; no?: string }) {
  return value ? <Badge tone="green">{yes}</Badge> : <Badge>{no}</Badge>;
}
