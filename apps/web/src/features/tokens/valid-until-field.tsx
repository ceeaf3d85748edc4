import { CheckboxField, TextField } from '../../components/ui/form-field';
import { cn } from '../../lib/cn';
import { dateTimeInputToUnix } from '../../lib/format';

export interface ValidUntilValue {
  /** A datetime-local input's value ("2024-05-01T13:30"), in local time. */
  date: string;
  noExpiry: boolean;
}

/**
 * The unix time the field holds: null for no expiry, undefined when the date is missing or not
 * a date (the caller reports it).
 */
export function validUntilOf(v: ValidUntilValue): number | null | undefined {
  if (v.noExpiry) return null;
  return dateTimeInputToUnix(v.date);
}

/** "Valid until": a local date and time, or no expiry. */
export function ValidUntilField({
  value,
  onChange,
  error,
  hint,
  disabled,
  className,
}: {
  value: ValidUntilValue;
  onChange: (v: ValidUntilValue) => void;
  error?: string | undefined;
  hint?: string;
  disabled?: boolean;
  className?: string;
}) {
  return (
    <div className={cn('flex flex-col gap-2', className)}>
      <TextField
        label="Valid until"
        name="validUntil"
        type="datetime-local"
        value={value.date}
        onChange={(e) => onChange({ ...value, date: e.target.value })}
        disabled={disabled || value.noExpiry}
        error={error}
        hint={hint ?? `Local time (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`}
        className="max-w-xs"
      />
      <CheckboxField
        label="No expiry"
        name="noExpiry"
        checked={value.noExpiry}
        disabled={disabled}
        onChange={(e) => onChange({ ...value, noExpiry: e.target.checked })}
      />
    </div>
  );
}
