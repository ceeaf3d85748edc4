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
