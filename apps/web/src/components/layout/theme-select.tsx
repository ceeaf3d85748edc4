import { type ThemeChoice, useTheme } from '../../features/shell/theme';

const OPTIONS: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

function ThemeIcon() {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 20 20"
      className="size-4 shrink-0"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
    >
      <circle cx="10" cy="10" r="6.5" />
      <path d="M10 3.5a6.5 6.5 0 0 1 0 13z" fill="currentColor" />
    </svg>
  );
}

/** The header's colour theme control: the system's setting, light or dark, remembered in this browser. */
export function ThemeSelect() {
  const [choice, choose] = useTheme();
  return (
    <label className="flex shrink-0 items-center gap-1 rounded-md text-slate-200">
      <ThemeIcon />
      <span className="sr-only">Theme</span>
      <select
        value={choice}
        onChange={(e) => choose(e.target.value as ThemeChoice)}
        className="rounded-md border border-slate-600 bg-slate-900 py-1 pr-1 pl-1 text-sm text-slate-100 hover:bg-slate-800 focus-visible:outline-white"
      >
        {OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
