import { useCallback, useEffect, useState } from 'react';

/** The console's colour theme: the system's (`prefers-color-scheme`), or always light or dark. */
export type ThemeChoice = 'system' | 'light' | 'dark';

/** The key public/theme.js reads before the first paint: keep the two in step. */
const KEY = 'gatehouse.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

function savedChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

const systemDark = () => typeof window.matchMedia === 'function' && window.matchMedia(DARK_QUERY).matches;

/** Sets or clears `.dark` on the root element (index.css mirrors the palette under it). */
function apply(choice: ThemeChoice) {
  const dark = choice === 'dark' || (choice === 'system' && systemDark());
  document.documentElement.classList.toggle('dark', dark);
}

/**
 * The saved theme and a setter that saves and applies it. While the choice is "system", the page
 * follows the system's setting as it changes; a choice made in another tab applies here too.
 */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(savedChoice);

  useEffect(() => {
    apply(choice);
    if (choice !== 'system' || typeof window.matchMedia !== 'function') return;
    const media = window.matchMedia(DARK_QUERY);
    const onChange = () => apply('system');
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, [choice]);

  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === KEY || e.key === null) setChoice(savedChoice());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const choose = useCallback((next: ThemeChoice) => {
    try {
      if (next === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      // No storage: the choice holds for this page only.
    }
    setChoice(next);
  }, []);

  return [choice, choose];
}
