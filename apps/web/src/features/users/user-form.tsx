import { AUTH_LABELS, AUTH_METHODS, type UserDto, userCreateSchema, userUpdateSchema } from '@gatehouse/shared';
import { Link } from 'react-router';
import { useConsoleForm } from '../../components/forms/use-console-form';
import { Alert } from '../../components/ui/alert';
import { Button, buttonClasses } from '../../components/ui/button';
import { CheckboxField, SelectField, TextField } from '../../components/ui/form-field';

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

/** An empty password on an existing user means "keep the current one": it is not sent. */
function payloadOf(mode: 'create' | 'edit', values: UserFormValues): Record<string, unknown> {
  if (mode === 'create' || values.password !== '') return { ...values };
  const { password: _keep, ...rest } = values;
  return rest;
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
  const { form, banner, errorOf, saving, submit } = useConsoleForm<UserFormValues>({
    mode,
    defaultValues: initial,
    schema: mode === 'create' ? userCreateSchema : userUpdateSchema,
    toPayload: (v) => payloadOf(mode, v),
    // The password is never kept in a draft (useFormDraft leaves out every password field).
    draft: { id: 'user' },
  });
  const { register } = form;
  const onSubmit = submit(onSave, { valuesOf, onSaved: (user) => onSaved?.(user) });

  const off = disabled || saving;
  return (
    <form onSubmit={onSubmit} noValidate aria-label={mode === 'create' ? 'New user' : 'Edit user'}>
      {disabledReason && (
        <Alert tone="warning" className="mb-4" live={false}>
          {disabledReason}
        </Alert>
      )}
      {banner}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={off}>
          <legend className="sr-only">Account</legend>
          <TextField
            label="Username"
            {...register('username')}
            error={errorOf('username')}
            required
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            hint="Lowercase letters, digits and _ . @ - only."
          />
          <SelectField
            label="Authentication method"
            {...register('auth')}
            error={errorOf('auth')}
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
            {...register('firstname')}
            error={errorOf('firstname')}
            required
            autoComplete="off"
          />
          <TextField
            label="Last name"
            {...register('lastname')}
            error={errorOf('lastname')}
            required
            autoComplete="off"
          />
          <TextField
            label="Email address"
            type="email"
            {...register('email')}
            error={errorOf('email')}
            required
            autoComplete="off"
          />
          <TextField
            label={mode === 'create' ? 'Password' : 'New password'}
            type="password"
            {...register('password')}
            error={errorOf('password')}
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
            {...register('suspended')}
            error={errorOf('suspended')}
            hint="A suspended user cannot sign in or use web services; their sessions end at once."
          />
          <CheckboxField
            label="Confirmed"
            {...register('confirmed')}
            error={errorOf('confirmed')}
            hint="Unconfirmed accounts cannot sign in or use web services."
          />
          <CheckboxField
            label="Password expired"
            {...register('passwordExpired')}
            error={errorOf('passwordExpired')}
            hint="Force password change: the user must get a new password before they can sign in or use web services."
          />
          <CheckboxField
            label="Site administrator"
            {...register('siteAdmin')}
            error={errorOf('siteAdmin')}
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
