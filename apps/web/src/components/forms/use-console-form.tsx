import { zodResolver } from '@hookform/resolvers/zod';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import {
  type DefaultValues,
  type FieldErrors,
  type FieldValues,
  get,
  type Path,
  type Resolver,
  type UseFormReturn,
  useForm,
} from 'react-hook-form';
import type { ZodType } from 'zod';
import { isUnauthenticated } from '../../api/client';
import { serverErrors } from '../../lib/form-errors';
import { Alert, type AlertTone } from '../ui/alert';
import { useFormDraft } from './form-draft';
import { useLeaveGuard } from './leave-guard';

type Payload = Record<string, unknown>;

interface FormMessage {
  tone: AlertTone;
  text: string;
}

export interface ConsoleFormOptions<V extends FieldValues> {
  /** 'create' sends every field; 'edit' sends only the fields that changed (a PATCH). */
  mode: 'create' | 'edit';
  defaultValues: V;
  /** The shared zod schema (packages/shared) the payload must pass, client side as on the server. */
  schema: ZodType;
  /** Form values → the API's shape (e.g. '' → null), before validation. Default: the values. */
  toPayload?: (values: V) => Payload;
  /**
   * An edit's body from the validated payload and the names of the fields that changed.
   * Default: the payload's changed top-level fields.
   */
  patchOf?: (payload: Payload, dirty: readonly string[], values: V) => Payload;
  /** Kept through a sign-in when the session expires (see useFormDraft); omit: fields never kept. */
  draft?: { id: string; omit?: readonly string[] };
  /** Says nothing, nor asks before leaving (a form whose state is not the admin's typing). */
  unguarded?: boolean;
}

export interface ConsoleForm<V extends FieldValues> {
  form: UseFormReturn<V>;
  /** The message above the form (errors, "Changes saved.", a restored draft). */
  message: FormMessage | null;
  setMessage: (m: FormMessage | null) => void;
  /** The message box and the leave prompt: render once at the top of the form. */
  banner: ReactNode;
  /**
   * The error message for a field (client or server), for the field components' `error`: a form
   * field's name, or a payload field's where toPayload renames one (a user picker's `userId`).
   */
  errorOf: (name: Path<V> | (string & {})) => string | undefined;
  /** Whether a save is running. */
  saving: boolean;
  /**
   * The form's onSubmit: validates with the schema, saves, then resets the form to what the save
   * answered (`valuesOf`), so it is clean and leaving no longer asks; server field errors land next
   * to their fields, the first one focused.
   */
  submit: <T>(
    save: (body: Payload) => Promise<T>,
    after?: {
      valuesOf?: (saved: T) => V;
      onSaved?: (saved: T, body: Payload) => void;
      successText?: (saved: T, body: Payload) => string | null;
      /** Last look before saving (e.g. a confirm dialog); false stops. */
      confirm?: (body: Payload) => boolean | Promise<boolean>;
    },
  ) => (e?: React.BaseSyntheticEvent) => Promise<void>;
}

function firstMessage(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { message } = error as { message?: unknown };
  if (typeof message === 'string' && message) return message;
  for (const child of Object.values(error)) {
    const m = firstMessage(child);
    if (m) return m;
  }
  return undefined;
}

/**
 * The one form hook: react-hook-form with the shared zod schema as its resolver, PATCH bodies of
 * only the changed fields, server field errors placed on their fields, a prompt before leaving
 * with unsaved changes, and a draft kept through a sign-in.
 */
export function useConsoleForm<V extends FieldValues>(options: ConsoleFormOptions<V>): ConsoleForm<V> {
  const { mode, defaultValues, schema, toPayload = (v: V) => v as Payload, patchOf, draft, unguarded } = options;
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [saving, setSaving] = useState(false);
  const focusAfterSave = useRef<Path<V> | null>(null);

  const schemaResolver = zodResolver(schema as never) as unknown as Resolver<Payload>;
  const formRef = useRef<UseFormReturn<V> | null>(null);
  /** The top-level fields whose value differs from the defaults (the last reset). */
  const dirtyNames = (values: V): string[] => {
    const defaults = (formRef.current?.formState.defaultValues ?? defaultValues) as Payload;
    return Object.keys(values).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(defaults[k]));
  };
  /** What a save sends: every field for a new thing; only the changed ones for an edit. */
  const bodyOf = (values: V): Payload => {
    const payload = toPayload(values);
    if (mode === 'create') return payload;
    const dirty = dirtyNames(values);
    return patchOf
      ? patchOf(payload, dirty, values)
      : Object.fromEntries(Object.entries(payload).filter(([k]) => dirty.includes(k)));
  };
  // Validates what is sent (an edit's unchanged fields are not checked again, as on the server).
  const resolver: Resolver<V> = async (values, context, opts) => {
    const result = await schemaResolver(bodyOf(values), context, opts as never);
    return Object.keys(result.errors).length
      ? { values: {}, errors: result.errors as FieldErrors<V> }
      : { values: result.values as unknown as V, errors: {} };
  };

  const form = useForm<V>({ defaultValues: defaultValues as DefaultValues<V>, resolver, mode: 'onSubmit' });
  formRef.current = form;
  const { isDirty } = form.formState;
  const guard = useLeaveGuard(!unguarded && isDirty);
  useFormDraft(form, unguarded ? undefined : draft?.id, {
    omit: draft?.omit ?? [],
    onRestored: () =>
      setMessage({
        tone: 'info',
        text: 'Your session had ended: what you typed before signing in again is back. Check it, then save.',
      }),
  });

  // Server errors name the payload's fields; those the form renames (user → userId) count too.
  useEffect(() => {
    if (saving || !focusAfterSave.current) return;
    form.setFocus(focusAfterSave.current);
    focusAfterSave.current = null;
  }, [saving, form]);

  const fieldNames = [...new Set([...Object.keys(defaultValues), ...Object.keys(toPayload(defaultValues))])];

  const errorOf = (name: string) => firstMessage(get(form.formState.errors, name));

  const submit: ConsoleForm<V>['submit'] = (save, after = {}) =>
    form.handleSubmit(
      async (parsed) => {
        setMessage(null);
        // The resolver's answer: the validated body (see bodyOf).
        const body = parsed as Payload;
        if (mode === 'edit' && Object.keys(body).length === 0) {
          setMessage({ tone: 'info', text: 'No changes to save.' });
          return;
        }
        if (after.confirm && !(await after.confirm(body))) return;
        setSaving(true);
        try {
          const saved = await save(body);
          guard.release();
          if (after.valuesOf) form.reset(after.valuesOf(saved));
          else form.reset(form.getValues());
          const text = after.successText ? after.successText(saved, body) : mode === 'edit' ? 'Changes saved.' : null;
          setMessage(text ? { tone: 'success', text } : null);
          after.onSaved?.(saved, body);
        } catch (err) {
          // The shell sends the browser to the sign-in page; the draft keeps what was typed.
          if (isUnauthenticated(err)) return;
          const { fields, message: text } = serverErrors(err, fieldNames);
          const names = Object.keys(fields);
          for (const name of names) form.setError(name as Path<V>, { type: 'server', message: fields[name] });
          // Focused once the fieldset is enabled again (it is disabled while saving).
          focusAfterSave.current = (names[0] as Path<V> | undefined) ?? null;
          setMessage({ tone: 'error', text });
        } finally {
          setSaving(false);
        }
      },
      () => setMessage({ tone: 'error', text: 'Please fix the errors below.' }),
    );

  const banner = (
    <>
      {!unguarded && guard.prompt}
      {message && (
        <Alert tone={message.tone} className="mb-4">
          {message.text}
        </Alert>
      )}
    </>
  );

  return { form, message, setMessage, banner, errorOf, saving, submit };
}
