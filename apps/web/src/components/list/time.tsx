import { formatTime, isoTime } from '../../lib/format';

/** A date in the browser's locale, with its exact ISO 8601 time on hover (and for machines). */
export function Time({ seconds, fallback = 'Never' }: { seconds: number | null | undefined; fallback?: string }) {
  if (seconds === null || seconds === undefined || seconds <= 0) return <>{fallback}</>;
  const iso = isoTime(seconds);
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(seconds)}
    </time>
  );
}
