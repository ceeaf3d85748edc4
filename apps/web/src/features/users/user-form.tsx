import { AUTH_LABELS, AUTH_METHODS, type UserDto, userCreateSchema, userUpdateSchema } from '@gatehouse/shared';
import { type FormEvent, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Alert } from '../../components/ui/alert';
import { Button, buttonClasses } from '../../components/ui/button';
import { CheckboxField, SelectField, TextField } from '../../components/ui/form-field';
import { type FieldErrors, focusFirstError, serverErrors, zodFieldErrors } from '../../lib/form-errors';

type AuthMethod = (typeof AUTH_METHODS)[number];

export interface UserFormValues {
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  password: string;
  auth: AuthMethod;
  suspended: boolean;
  confirmed: boolean;
  passwordExpired: boolean;
  siteAdmin: boolean;
}

const FIELDS = [
  'username',
  'firstname',
  'lastname',
  'email',
  'password',
  'auth',
  'suspended',
  'confirmed',
  'passwordExpired',
  'siteAdmin',
] as const;

export const EMPTY_USER: UserFormValues = {
  username: '',
  firstname: '',
  lastname: '',
  email: '',
  password: '',
  auth: 'manual',
  suspended: false,
  confirmed: true,
  passwordExpired: false,
  siteAdmin: false,
};

export function valuesOf(u: UserDto): UserFormValues {
  return {
    username: u.username,
    firstname: u.firstname,
    lastname: u.lastname,
    email: u.email,
    password: '',
    auth: u.auth,
    suspended: u.suspended,
    confirmed: u.confirmed,
    passwordExpired: u.passwordExpired,
    siteAdmin: u.siteAdmin,
  };
}

/** What the form sends: every field for a new user; only what changed for an existing one. */
function payloadOf(mode: 'create' | 'edit', values: UserFormValues, baseline: UserFormValues) {
  if (mode === 'create') return userCreateSchema.safeParse(values);
  const patch: Record<string, unknown> = {};
  for (const f of FIELDS) {
    if (f === 'password') continue;
    if (values[f] !== baseline[f]) patch[f] = values[f];
  }
  if (values.password !== '') patch.password = values.password;
  return userUpdateSchema.safeParse(patch);
}

/**
 * Add or edit a user. Validates with the shared zod schema before sending, shows server field
 * errors next to their fields, and never clears what was typed when a save fails.
 */
export function UserForm({
  mode,
  initial,
  disabled,
  disabledReason,
  canSetSiteAdmin,
  onSave,
  onSaved,
  cancelTo,
}: {
  mode: 'create' | 'edit';
  initial: UserFormValues;
  disabled?: boolean;
  disabledReason?: string;
  canSetSiteAdmin: boolean;
  onSave: (payload: Record<string, unknown>) => Promise<UserDto>;
  onSaved?: (user: UserDto) => void;
  cancelTo: string;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<UserFormValues>(initial);
  const [baseline, setBaseline] = useState<UserFormValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success' | 'info'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  const set = <K extends keyof UserFormValues>(key: K, value: UserFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (errors[key]) setErrors(({ [key]: _gone, ...rest }) => rest);
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const parsed = payloadOf(mode, values, baseline);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      setMessage({ tone: 'error', text: 'Please fix the errors below.' });
      requestAnimationFrame(() => focusFirstError(formRef.current));
      return;
    }
    setErrors({});
    if (mode === 'edit' && Object.keys(parsed.data).length === 0) {
      setMessage({ tone: 'info', text: 'No changes to save.' });
      return;
    }
    setSaving(true);
    try {
      const user = await onSave(parsed.data);
      const next = valuesOf(user);
      setBaseline(next);
      setValues(next);
      setMessage(mode === 'edit' ? { tone: 'success', text: 'Changes saved.' } : null);
      onSaved?.(user);
    } catch (err) {
      const { fields, message: text } = serverErrors(err, FIELDS);
      setErrors(fields);
      setMessage({ tone: 'error', text });
      requestAnimationFrame(() => focusFirstError(formRef.current));
    } finally {
      setSaving(false);
    }
  }

  const off = disabled || saving;
  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate aria-label={mode === 'create' ? 'New user' : 'Edit user'}>
      {disabledReason && (
        <Alert tone="warning" className="mb-4" live={false}>
          {disabledReason}
        </Alert>
      )}
      {message && (
        <Alert tone={message.tone} className="mb-4">
          {message.text}
        </Alert>
      )}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={off}>
          <legend className="sr-only">Account</legend>
          <TextField
            label="Username"
            name="username"
            value={values.username}
            onChange={(e) => set('username', e.target.value)}
            error={errors.username}
            required
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            hint="Lowercase letters, digits and _ . @ - only."
          />
          <SelectField
            label="Authentication method"
            name="auth"
            value={values.auth}
            onChange={(e) => set('auth', e.target.value as AuthMethod)}
            error={errors.auth}
            hint="No login blocks every sign-in; Web services authentication is for accounts used only by external systems."
          >
            {AUTH_METHODS.map((m) => (
              <option key={m} value={m}>
                {AUTH_LABELS[m]}
              </option>
            ))}
          </SelectField>
          <TextField
            label="First name"
            name="firstname"
            value={values.firstname}
            onChange={(e) => set('firstname', e.target.value)}
            error={errors.firstname}
            required
            autoComplete="off"
          />
          <TextField
            label="Last name"
            name="lastname"
            value={values.lastname}
            onChange={(e) => set('lastname', e.target.value)}
            error={errors.lastname}
            required
            autoComplete="off"
          />
          <TextField
            label="Email address"
            name="email"
            type="email"
            value={values.email}
            onChange={(e) => set('email', e.target.value)}
            error={errors.email}
            required
            autoComplete="off"
          />
          <TextField
            label={mode === 'create' ? 'Password' : 'New password'}
            name="password"
            type="password"
            value={values.password}
            onChange={(e) => set('password', e.target.value)}
            error={errors.password}
            required={mode === 'create'}
            autoComplete="new-password"
            hint={
              mode === 'create'
                ? 'At least 8 characters, with letters and at least one digit or symbol.'
                : 'Leave empty to keep the current password. A new password signs the user out everywhere.'
            }
          />
        </fieldset>
        <fieldset className="space-y-4 border-t border-slate-200 p-5" disabled={off}>
          <legend className="sr-only">Account status</legend>
          <CheckboxField
            label="Suspended"
            name="suspended"
            checked={values.suspended}
            onChange={(e) => set('suspended', e.target.checked)}
            error={errors.suspended}
            hint="A suspended user cannot sign in or use web services; their sessions end at once."
          />
          <CheckboxField
            label="Confirmed"
            name="confirmed"
            checked={values.confirmed}
            onChange={(e) => set('confirmed', e.target.checked)}
            error={errors.confirmed}
            hint="Unconfirmed accounts cannot sign in or use web services."
          />
          <CheckboxField
            label="Password expired"
            name="passwordExpired"
            checked={values.passwordExpired}
            onChange={(e) => set('passwordExpired', e.target.checked)}
            error={errors.passwordExpired}
            hint="Force password change: the user must get a new password before they can sign in or use web services."
          />
          <CheckboxField
            label="Site administrator"
            name="siteAdmin"
            checked={values.siteAdmin}
            onChange={(e) => set('siteAdmin', e.target.checked)}
            error={errors.siteAdmin}
            disabled={!canSetSiteAdmin}
            hint={
              canSetSiteAdmin
                ? 'Site administrators pass every capability check.'
                : 'Site administrators pass every capability check. Only a site administrator can change this.'
            }
          />
        </fieldset>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={saving} disabled={disabled}>
            {mode === 'create' ? 'Create user' : 'Save changes'}
          </Button>
          <Link to={cancelTo} className={buttonClasses('secondary')}>
            Cancel
          </Link>
        </div>
      </div>
    </form>
  );
}
