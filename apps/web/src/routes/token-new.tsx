import { type TokenCreate, type TokenCreatedDto, tokenCreateSchema, type UserDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { z } from 'zod';
import { ApiError, isApiError } from '../api/client';
import { useConsoleForm } from '../components/forms/use-console-form';
import { Page } from '../components/layout/page';
import { Button, buttonClasses } from '../components/ui/button';
import { FieldError, SelectField, TextField } from '../components/ui/form-field';
import { OneTimeSecret } from '../features/tokens/one-time-secret';
import { tokenServicesQueryOptions, useCreateToken } from '../features/tokens/queries';
import { ValidUntilField, type ValidUntilValue, validUntilOf } from '../features/tokens/valid-until-field';
import { UserPicker } from '../features/users/user-picker';
import { UserStatusBadges } from '../features/users/user-status-badges';
import { formatTime, fullName, unixToDateTimeInput } from '../lib/format';

interface TokenFormValues {
  name: string;
  user: UserDto | null;
  /** The select's value: '0' until a service is chosen. */
  serviceId: string;
  ipRestriction: string;
  validUntil: ValidUntilValue;
}

const MISSING_DATE = 'Choose a date and time, or tick No expiry';
/** The shared schema, with the form's own rules for Valid until: a date (or No expiry), in the future. */
const createSchema = tokenCreateSchema.extend({
  validUntil: z
    .number({ error: MISSING_DATE })
    .int()
    .refine((t) => t > Date.now() / 1000, 'Must be in the future')
    .nullable(),
});
const DEFAULT_DAYS = 30;

const defaultValidUntil = (): ValidUntilValue => ({
  date: unixToDateTimeInput(Math.floor(Date.now() / 1000) + DEFAULT_DAYS * 86400),
  noExpiry: false,
});

function UserChooser({
  user,
  onChange,
  error,
  disabled,
}: {
  user: UserDto | null;
  onChange: (u: UserDto | null) => void;
  error?: string | undefined;
  disabled?: boolean;
}) {
  return (
    <fieldset
      className="rounded-md border border-slate-200 p-4"
      aria-describedby={error ? 'token-user-error' : undefined}
      disabled={disabled}
    >
      <legend className="px-1 text-sm font-medium text-slate-800">
        User
        <span className="text-red-700" aria-hidden="true">
          {' '}
          *
        </span>
      </legend>
      {user ? (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <span role="status">
            Selected: <strong>{fullName(user)}</strong> ({user.username})
          </span>
          <UserStatusBadges user={user} />
          <Button size="sm" onClick={() => onChange(null)}>
            Change user
          </Button>
        </div>
      ) : (
        <UserPicker
          label="Search users"
          webServiceUsers
          action={(u) => (
            <Button size="sm" variant="primary" onClick={() => onChange(u)}>
              Choose<span className="sr-only"> {fullName(u)}</span>
            </Button>
          )}
        />
      )}
      <FieldError id="token-user-error" error={error} />
    </fieldset>
  );
}

function CreatedPanel({ created, onAnother }: { created: TokenCreatedDto; onAnother: () => void }) {
  const t = created.token;
  return (
    <div className="space-y-4">
      <OneTimeSecret title="Token created" label="Token" secret={created.secret}>
        <p>
          <strong>{t.name}</strong> for <strong>{t.user.fullname || t.user.username}</strong> on the service{' '}
          <strong>{t.service.name}</strong>
          {t.validUntil ? `, valid until ${formatTime(t.validUntil)}` : ', no expiry'}
          {t.ipRestriction ? `, only from ${t.ipRestriction}` : ''}.
        </p>
        <p>The token list shows only its first characters ({t.stub}); Gatehouse keeps only a hash of it.</p>
      </OneTimeSecret>
      <div className="flex gap-3">
        <Link to="/admin/webservice/tokens" className={buttonClasses('primary')}>
          Back to Manage tokens
        </Link>
        <Button onClick={onAnother}>Create another token</Button>
      </div>
    </div>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (c: TokenCreatedDto) => void }) {
  const services = useQuery(tokenServicesQueryOptions);
  const create = useCreateToken();
  const [authoriseAt, setAuthoriseAt] = useState<number | null>(null);
  const { form, banner, errorOf, saving, submit } = useConsoleForm<TokenFormValues>({
    mode: 'create',
    defaultValues: { name: '', user: null, serviceId: '0', ipRestriction: '', validUntil: defaultValidUntil() },
    schema: createSchema,
    toPayload: (v) => ({
      name: v.name.trim() || undefined,
      userId: v.user?.id ?? 0,
      serviceId: Number(v.serviceId),
      ipRestriction: v.ipRestriction.trim() ? v.ipRestriction : undefined,
      // A missing date is NaN, which the schema refuses with MISSING_DATE.
      validUntil: validUntilOf(v.validUntil) ?? Number.NaN,
    }),
    draft: { id: 'token' },
  });
  const { register } = form;
  const serviceId = Number(form.watch('serviceId'));
  const user = form.watch('user');
  const validUntil = form.watch('validUntil');
  const service = services.data?.find((s) => s.id === serviceId);
  const revalidate = { shouldDirty: true, shouldValidate: form.formState.isSubmitted };

  const onSubmit = submit(
    async (body) => {
      setAuthoriseAt(null);
      try {
        return await create.mutateAsync(body as TokenCreate);
      } catch (err) {
        // The full message (saying where to authorise) is shown above the form, with a link.
        if (isApiError(err) && err.code === 'usernotauthorised') {
          setAuthoriseAt(Number(body.serviceId));
          throw new ApiError(err.status, err.code, err.message, { userId: 'Not an authorised user of this service' });
        }
        throw err;
      }
    },
    {
      onSaved: (created) => {
        // The secret now lives only in the page's state; the mutation forgets it.
        create.reset();
        onCreated(created);
      },
    },
  );

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Create token">
      {banner}
      {authoriseAt !== null && (
        <p className="-mt-2 mb-4 text-sm">
          <Link to={`/admin/webservice/services/${authoriseAt}/users`} className="font-medium text-blue-700 underline">
            Authorise users of this service
          </Link>
        </p>
      )}
      <div className="rounded-md border border-slate-200 bg-white">
        <div className="grid gap-5 p-5">
          <fieldset className="grid gap-5 sm:grid-cols-2" disabled={saving}>
            <legend className="sr-only">Token</legend>
            <TextField
              label="Name"
              {...register('name')}
              error={errorOf('name')}
              autoComplete="off"
              placeholder="Leave empty and a name is generated"
              hint="Helps you recognise the token later, e.g. the system that uses it. Empty: “service for user (date)”."
            />
            <SelectField
              label="Service"
              required
              {...register('serviceId')}
              error={errorOf('serviceId') ?? (services.isError ? services.error.message : undefined)}
              hint={
                service
                  ? [
                      service.enabled ? null : 'This service is disabled: the token will not work until it is enabled.',
                      service.restrictedUsers
                        ? 'Authorised users only: the user must be one of its authorised users.'
                        : null,
                    ]
                      .filter(Boolean)
                      .join(' ') || undefined
                  : undefined
              }
            >
              <option value="0">{services.isPending ? 'Loading services…' : 'Choose a service…'}</option>
              {(services.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </SelectField>
          </fieldset>
          <UserChooser
            user={user}
            onChange={(u) => form.setValue('user', u, revalidate)}
            error={errorOf('userId')}
            disabled={saving}
          />
          <fieldset className="grid gap-5 sm:grid-cols-2" disabled={saving}>
            <legend className="sr-only">Restrictions</legend>
            <TextField
              label="IP restriction"
              {...register('ipRestriction')}
              error={errorOf('ipRestriction')}
              autoComplete="off"
              spellCheck={false}
              placeholder="192.168.1.10, 10.0.0.0/8"
              hint="IPv4 or IPv6 addresses, CIDR ranges (10.0.0.0/8), ranges in the last group (192.168.1.1-50) or partial addresses (10.0. for 10.0.*.*), separated by commas, as in Moodle. Leave empty for no restriction."
            />
            <ValidUntilField
              value={validUntil}
              onChange={(v) => form.setValue('validUntil', v, revalidate)}
              error={errorOf('validUntil')}
              hint={`Defaults to ${DEFAULT_DAYS} days from now (local time).`}
            />
          </fieldset>
        </div>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={saving}>
            Create token
          </Button>
          <Link to="/admin/webservice/tokens" className={buttonClasses('secondary')}>
            Cancel
          </Link>
        </div>
      </div>
    </form>
  );
}

export default function NewTokenPage() {
  // Only here, in this page's state: gone when the page is left or reloaded.
  const [created, setCreated] = useState<TokenCreatedDto | null>(null);
  const [round, setRound] = useState(0);
  return (
    <Page
      title="Create token"
      cap="moodle/webservice:managealltokens"
      back={{ to: '/admin/webservice/tokens', label: 'Manage tokens' }}
      description="Create a token for a user. The user needs no moodle/webservice:createtoken capability for it, and this is the only way to give a site administrator a token."
    >
      {created ? (
        <CreatedPanel
          created={created}
          onAnother={() => {
            setCreated(null);
            setRound((r) => r + 1);
          }}
        />
      ) : (
        <CreateTokenForm key={round} onCreated={setCreated} />
      )}
    </Page>
  );
}
