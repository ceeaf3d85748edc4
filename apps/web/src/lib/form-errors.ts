import { isApiError } from '../api/client';

export type FieldErrors = Record<string, string>;

/** zod issues → dotted path → first message, the same shape as the API's `fields`. */
/** The part of a ZodError this needs (zod itself is a dependency of @gatehouse/shared). */
interface SchemaError {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

export function zodFieldErrors(error: SchemaError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '_';
    out[key] ??= issue.message;
  }
  return out;
}

/** Splits a failed save into per-field messages and one message for the form as a whole. */
export function serverErrors(error: unknown, knownFields: readonly string[]): { fields: FieldErrors; message: string } {
  if (!isApiError(error)) return { fields: {}, message: 'Something went wrong. Please try again.' };
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const [path, msg] of Object.entries(error.fields)) {
    const root = path.split('.')[0] ?? path;
    if (knownFields.includes(root)) fields[root] ??= msg;
    else other.push(`${path}: ${msg}`);
  }
  const hasFieldErrors = Object.keys(fields).length > 0;
  const message = hasFieldErrors && !other.length ? 'Please fix the errors below.' : error.message;
  return { fields, message };
}

/** Moves focus to the first field with an error, so keyboard and screen-reader users land on it. */
export function focusFirstError(form: HTMLFormElement | null) {
  const el = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  el?.focus();
}
