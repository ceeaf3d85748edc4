const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** Unix seconds → a local date and time; `fallback` when there is none. */
export function formatTime(seconds: number | null | undefined, fallback = 'Never'): string {
  if (seconds === null || seconds === undefined || seconds <= 0) return fallback;
  return dateTime.format(new Date(seconds * 1000));
}

export function fullName(u: { firstname: string; lastname: string }): string {
  return `${u.firstname} ${u.lastname}`.trim();
}

/** "2024-05-01" (a date input's value) → unix seconds at the start (or end) of that local day. */
export function dateInputToUnix(value: string, endOfDay = false): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  const d = endOfDay
    ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59)
    : new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Math.floor(d.getTime() / 1000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Unix seconds → a datetime-local input's value ("2024-05-01T13:30"), in local time. */
export function unixToDateTimeInput(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value (local time) → unix seconds; undefined when it is not one. */
export function dateTimeInputToUnix(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const t = d.getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
}

/** "3 tokens", "1 token". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * Unix seconds relative to `now` (unix seconds): "in 2 days", "3 days ago", "in 5 hours": the
 * largest unit that fits once, rounded to the nearest (a token made to last 2 days "expires in 2
 * days" a minute later, not "in 1 day"); weeks only from two of them and months from two of
 * those, so near dates stay in days.
 */
export function relativeTime(seconds: number, now: number): string {
  const diff = seconds - now;
  const abs = Math.abs(diff);
  for (const [unit, size] of UNITS) {
    const min = unit === 'week' || unit === 'month' ? 2 * size : size;
    if (abs >= min) return relative.format(Math.sign(diff) * Math.round(abs / size), unit);
  }
  return diff > 0 ? 'in less than a minute' : 'less than a minute ago';
}

/** "expires in 2 days" / "expired 3 days ago" / "no expiry". */
export function expiryText(validUntil: number | null, now: number): string {
  if (validUntil === null) return 'no expiry';
  return validUntil > now ? `expires ${relativeTime(validUntil, now)}` : `expired ${relativeTime(validUntil, now)}`;
}

/** Unix seconds → ISO 8601 in UTC ("2024-05-01T13:30:00Z"), for the exact time on hover. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
