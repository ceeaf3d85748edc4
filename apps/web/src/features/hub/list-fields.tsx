import { useEffect, useState } from 'react';
import type { z } from 'zod';
import { TextField } from '../../components/ui/form-field';

/**
 * A short code filter (a language, a country) that applies as it is typed, once what is typed is
 * a valid code (or empty); until then the list keeps the last valid one, and leaving the field
 * with an invalid code says what is wrong. A new `value` from outside (Clear filters, Back)
 * replaces what is in the box.
 */
export function CodeField({
  label,
  name,
  value,
  schema,
  message,
  onApply,
  placeholder,
  maxLength,
  className,
}: {
  label: string;
  name: string;
  value: string;
  /** Parses (and normalises: case) a non-empty code. */
  schema: z.ZodType<string>;
  message: string;
  onApply: (v: string | undefined) => void;
  placeholder?: string;
  maxLength?: number;
  className?: string;
}) {
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setText((cur) => (schema.safeParse(cur.trim()).data === value ? cur : value));
  }, [value, schema]);
  const parse = (v: string) => {
    const t = v.trim();
    if (!t) return { ok: true as const, code: undefined };
    const r = schema.safeParse(t);
    return r.success ? { ok: true as const, code: r.data } : { ok: false as const };
  };
  return (
    <TextField
      label={label}
      name={name}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const r = parse(e.target.value);
        if (r.ok) {
          setError(undefined);
          if ((r.code ?? '') !== value) onApply(r.code);
        }
      }}
      onBlur={() => setError(parse(text).ok ? undefined : message)}
      error={error}
      placeholder={placeholder}
      maxLength={maxLength}
      className={className}
      autoComplete="off"
      spellCheck={false}
    />
  );
}
