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
