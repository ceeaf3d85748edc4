/**
 * A file size as people read it, in the manner of Moodle's display_size (lib/moodlelib.php): bytes
 * below 1 KB, then KB, MB, GB with 1 KB = 1024 bytes, one decimal at most ("12.3 KB", "4 MB").
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.trunc(n) || 0)} ${n === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB', 'TB'] as const;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = v >= 100 ? String(Math.round(v)) : v.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[i]}`;
}
