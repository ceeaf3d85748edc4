import { type InputHTMLAttributes, type ReactNode, useEffect, useRef, useState } from 'react';
import { TextField } from '../ui/form-field';

/**
 * A search box that applies what is typed once typing pauses (`delay` ms), not on every key; a
 * new `value` from outside (Clear filters, Back) replaces what is in the box.
 */
export function SearchField({
  label,
  value,
  onSearch,
  delay = 300,
  ...rest
}: {
  label: string;
  value: string;
  onSearch: (v: string) => void;
  delay?: number;
  /** Help under the field (TextField's hint, named by the input's aria-describedby). */
  hint?: ReactNode;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'type'>) {
  const [text, setText] = useState(value);
  const applied = useRef(value);
  // The latest callback, so that a parent's re-render (a new function) does not restart the wait.
  const search = useRef(onSearch);
  search.current = onSearch;
  useEffect(() => {
    if (value !== applied.current) {
      applied.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    const v = text.trim();
    if (v === applied.current) return;
    const t = setTimeout(() => {
      applied.current = v;
      search.current(v);
    }, delay);
    return () => clearTimeout(t);
  }, [text, delay]);
  return (
    <TextField
      label={label}
      type="search"
      value={text}
      onChange={(e) => setText(e.target.value)}
      autoComplete="off"
      {...rest}
    />
  );
}
