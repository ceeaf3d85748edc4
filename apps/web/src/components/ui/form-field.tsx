import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react';
import { cn } from '../../lib/cn';

const control =
  'block w-full rounded-md border bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 ' +
  'focus-visible:border-blue-600 focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-blue-600 ' +
  'disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-500 read-only:bg-slate-50';

function controlClass(error?: string, extra?: string) {
  return cn(control, error ? 'border-red-500' : 'border-slate-300', extra);
}

interface FieldProps {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  /** Marks the label as required (the schema enforces it). */
  required?: boolean;
}

function useFieldIds(id?: string) {
  const generated = useId();
  const base = id ?? generated;
  return { id: base, hintId: `${base}-hint`, errorId: `${base}-error` };
}

function describedBy(hintId: string, errorId: string, hint: unknown, error: unknown) {
  return [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
}

export function FieldError({ id, error }: { id: string; error?: string | undefined }) {
  if (!error) return null;
  return (
    <p id={id} className="mt-1 text-sm text-red-700">
      {error}
    </p>
  );
}

function Label({ htmlFor, children, required }: { htmlFor: string; children: ReactNode; required?: boolean }) {
  return (
    <div className="mb-1 flex gap-0.5 text-sm font-medium text-slate-800">
      <label htmlFor={htmlFor}>{children}</label>
      {/* Outside the label, so the accessible name stays exactly the label text. */}
      {required && (
        <span className="text-red-700" aria-hidden="true">
          *
        </span>
      )}
    </div>
  );
}

function Hint({ id, children }: { id: string; children?: ReactNode }) {
  if (!children) return null;
  return (
    <p id={id} className="mt-1 text-sm text-slate-600">
      {children}
    </p>
  );
}

export function TextField({
  label,
  error,
  hint,
  required,
  id: idProp,
  className,
  ...input
}: FieldProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'required'>) {
  const { id, hintId, errorId } = useFieldIds(idProp);
  return (
    <div className={className}>
      <Label htmlFor={id} required={required}>
        {label}
      </Label>
      <input
        id={id}
        className={controlClass(error)}
        aria-invalid={error ? true : undefined}
        aria-required={required || undefined}
        aria-describedby={describedBy(hintId, errorId, hint, error)}
        {...input}
      />
      <Hint id={hintId}>{hint}</Hint>
      <FieldError id={errorId} error={error} />
    </div>
  );
}

export function TextareaField({
  label,
  error,
  hint,
  required,
  id: idProp,
  className,
  ...textarea
}: FieldProps & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'required'>) {
  const { id, hintId, errorId } = useFieldIds(idProp);
  return (
    <div className={className}>
      <Label htmlFor={id} required={required}>
        {label}
      </Label>
      <textarea
        id={id}
        className={controlClass(error, 'min-h-24')}
        aria-invalid={error ? true : undefined}
        aria-required={required || undefined}
        aria-describedby={describedBy(hintId, errorId, hint, error)}
        {...textarea}
      />
      <Hint id={hintId}>{hint}</Hint>
      <FieldError id={errorId} error={error} />
    </div>
  );
}

export function SelectField({
  label,
  error,
  hint,
  required,
  id: idProp,
  className,
  children,
  ...select
}: FieldProps & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'required'>) {
  const { id, hintId, errorId } = useFieldIds(idProp);
  return (
    <div className={className}>
      <Label htmlFor={id} required={required}>
        {label}
      </Label>
      <select
        id={id}
        className={controlClass(error, 'pr-8')}
        aria-invalid={error ? true : undefined}
        aria-required={required || undefined}
        aria-describedby={describedBy(hintId, errorId, hint, error)}
        {...select}
      >
        {children}
      </select>
      <Hint id={hintId}>{hint}</Hint>
      <FieldError id={errorId} error={error} />
    </div>
  );
}

export function CheckboxField({
  label,
  error,
  hint,
  id: idProp,
  className,
  ...input
}: Omit<FieldProps, 'required'> & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const { id, hintId, errorId } = useFieldIds(idProp);
  return (
    <div className={cn('flex items-start gap-3', className)}>
      <input
        id={id}
        type="checkbox"
        className="mt-0.5 size-4 shrink-0 rounded border-slate-400 accent-blue-700 disabled:cursor-not-allowed"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hintId, errorId, hint, error)}
        {...input}
      />
      <div>
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
        </label>
        <Hint id={hintId}>{hint}</Hint>
        <FieldError id={errorId} error={error} />
      </div>
    </div>
  );
}
