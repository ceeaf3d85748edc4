import { useEffect, useRef } from 'react';
import type { FieldValues, Path, PathValue, UseFormReturn } from 'react-hook-form';
import { useLocation } from 'react-router';
import { isSessionExpired } from '../../api/client';

const PREFIX = 'gatehouse:draft:';

/** Never kept, whatever the form says: anything that looks like a password. */
const isSecret = (name: string) => /password|secret/i.test(name);

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Keeps what was typed in a form through a sign-in. When the form leaves the screen because the
 * session expired (the shell sends the browser to /login), the fields that differ from the form's
 * defaults are written to sessionStorage under the page's path and the form's id (never a password
 * field, nor those in `omit`). When the same form on the same page mounts again (after the
 * sign-in), the draft is put back as unsaved changes, once, and removed. `onRestored` is told so
 * that the form can say what happened.
 */
export function useFormDraft<V extends FieldValues>(
  form: UseFormReturn<V>,
  id: string | undefined,
  { omit = [], onRestored }: { omit?: readonly string[]; onRestored?: () => void } = {},
) {
  const { pathname } = useLocation();
  const key = id ? `${PREFIX}${pathname}#${id}` : null;
  const latest = useRef({ form, omit, onRestored });
  latest.current = { form, omit, onRestored };

  useEffect(() => {
    const store = storage();
    if (!key || !store) return;
    const raw = store.getItem(key);
    if (raw !== null) {
      store.removeItem(key);
      let draft: unknown;
      try {
        draft = JSON.parse(raw);
      } catch {
        draft = null;
      }
      if (draft && typeof draft === 'object') {
        const { form: f, omit: skip } = latest.current;
        const defaults = (f.formState.defaultValues ?? {}) as Record<string, unknown>;
        let restored = false;
        for (const [name, value] of Object.entries(draft)) {
          if (!(name in defaults) || isSecret(name) || skip.includes(name)) continue;
          f.setValue(name as Path<V>, value as PathValue<V, Path<V>>, { shouldDirty: true });
          restored = true;
        }
        if (restored) latest.current.onRestored?.();
      }
    }
    return () => {
      if (!isSessionExpired()) return;
      const { form: f, omit: skip } = latest.current;
      const values = f.getValues() as Record<string, unknown>;
      const defaults = (f.formState.defaultValues ?? {}) as Record<string, unknown>;
      const changed: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(values)) {
        if (isSecret(name) || skip.includes(name) || same(value, defaults[name])) continue;
        changed[name] = value;
      }
      if (Object.keys(changed).length === 0) return;
      try {
        store.setItem(key, JSON.stringify(changed));
      } catch {
        // Storage full or refused: the draft is lost, as it would be without this.
      }
    };
  }, [key]);
}
