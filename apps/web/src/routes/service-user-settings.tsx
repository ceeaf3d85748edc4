import { type AuthorisedUserDto, authorisedUserUpdateSchema, type ServiceDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { z } from 'zod';
import { useConsoleForm } from '../components/forms/use-console-form';
import { Page, usePageSubject } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button, buttonClasses } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { NotRestrictedNote } from '../features/services/not-restricted-note';
import {
  authorisedUsersQueryOptions,
  serviceQueryOptions,
  useUpdateAuthorisedUser,
} from '../features/services/queries';
import { ValidUntilField, type ValidUntilValue, validUntilOf } from '../features/tokens/valid-until-field';
import { formatTime, fullName, unixToDateTimeInput } from '../lib/format';

const BASE = '/admin/webservice/services';

interface SettingsValues {
  ipRestriction: string;
  validUntil: ValidUntilValue;
}

function valuesOf(a: AuthorisedUserDto): SettingsValues {
  return {
    ipRestriction: a.ipRestriction ?? '',
    validUntil:
      a.validUntil === null
        ? { date: '', noExpiry: true }
        : { date: unixToDateTimeInput(a.validUntil), noExpiry: false },
  };
}

const MISSING_DATE = 'Choose a date and time, or tick No expiry';
/** The shared schema, with the form's message for a date left empty (no date and no "No expiry"). */
const settingsSchema = authorisedUserUpdateSchema.extend({
  validUntil: z.number({ error: MISSING_DATE }).int().positive(MISSING_DATE).nullable().optional(),
});

const isPast = (unix: unknown): unix is number => typeof unix === 'number' && unix * 1000 < Date.now();

/** A promise-shaped confirm dialog: ask() resolves true when the admin confirms. */
function useAsk() {
  const [pending, setPending] = useState<((ok: boolean) => void) | null>(null);
  const ask = () => new Promise<boolean>((resolve) => setPending(() => resolve));
  const answer = (ok: boolean) => {
    pending?.(ok);
    setPending(null);
  };
  return { open: pending !== null, ask, answer };
}

function SettingsForm({ service, authorised }: { service: ServiceDto; authorised: AuthorisedUserDto }) {
  const update = useUpdateAuthorisedUser(service.id, authorised.user.id);
  const { form, banner, errorOf, saving, submit } = useConsoleForm<SettingsValues>({
    mode: 'edit',
    defaultValues: valuesOf(authorised),
    schema: settingsSchema,
    toPayload: (v) => ({
      ipRestriction: v.ipRestriction.trim() ? v.ipRestriction : null,
      // A missing date is NaN, which the schema refuses with MISSING_DATE.
      validUntil: validUntilOf(v.validUntil) ?? Number.NaN,
    }),
    draft: { id: 'authorised-user' },
  });
  const pastWarning = useAsk();
  const validUntil = form.watch('validUntil');
  const chosen = validUntilOf(validUntil);

  const onSubmit = submit((body) => update.mutateAsync(body), {
    valuesOf: (saved) => (saved ? valuesOf(saved) : form.getValues()),
    confirm: (body) => (isPast(body.validUntil) ? pastWarning.ask() : true),
  });

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Authorised user settings">
      {banner}
      <ConfirmDialog
        open={pastWarning.open}
        title="Valid until is in the past"
        confirmLabel="Save anyway"
        onConfirm={() => pastWarning.answer(true)}
        onCancel={() => pastWarning.answer(false)}
      >
        <p>
          {isPast(chosen) ? formatTime(chosen) : 'The date you chose'} has already passed: once saved,{' '}
          {fullName(authorised.user)} is no longer authorised on {service.name} and every call with their tokens for it
          is refused.
        </p>
      </ConfirmDialog>
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="space-y-5 p-5" disabled={saving}>
          <legend className="sr-only">Settings</legend>
          <TextField
            label="IP restriction"
            {...form.register('ipRestriction')}
            error={errorOf('ipRestriction')}
            autoComplete="off"
            spellCheck={false}
            placeholder="192.168.1.10, 10.0.0.0/8, 2001:db8::/32"
            hint="Calls are accepted only from these addresses, separated by commas: IPv4 or IPv6 addresses, CIDR ranges (10.0.0.0/8), ranges in the last group (192.168.1.1-50) or partial addresses (10.0. for 10.0.*.*), as in Moodle. Leave empty for no restriction."
          />
          <ValidUntilField
            value={validUntil}
            onChange={(v) =>
              form.setValue('validUntil', v, { shouldDirty: true, shouldValidate: form.formState.isSubmitted })
            }
            error={errorOf('validUntil')}
            hint="After this date and time the user is no longer authorised on this service (local time)."
          />
          {isPast(chosen) && (
            <Alert tone="warning" live={false}>
              This date and time has already passed: the user would no longer be authorised on this service.
            </Alert>
          )}
        </fieldset>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={saving}>
            Save changes
          </Button>
          <Link to={`${BASE}/${service.id}/users`} className={buttonClasses('secondary')}>
            Back to authorised users
          </Link>
        </div>
      </div>
    </form>
  );
}

function Settings({ service, userId }: { service: ServiceDto; userId: number }) {
  const q = useQuery(authorisedUsersQueryOptions(service.id));
  const named = q.data?.find((x) => x.user.id === userId)?.user;
  usePageSubject(named && (`${named.firstname} ${named.lastname}`.trim() || named.username));
  if (q.isPending) return <Loading label="Loading the authorised user…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the authorised user" />;
  const a = q.data.find((x) => x.user.id === userId);
  if (!a) {
    return (
      <Alert tone="error" title="Not an authorised user">
        This user is not an authorised user of {service.name}.{' '}
        <Link to={`${BASE}/${service.id}/users`} className="font-medium underline">
          Back to the authorised users
        </Link>
      </Alert>
    );
  }
  return (
    <>
      <dl className="mb-6 grid max-w-xl grid-cols-[12rem_1fr] gap-y-2 text-sm">
        <dt className="font-medium text-slate-600">User</dt>
        <dd>
          {fullName(a.user)} ({a.user.username})
        </dd>
        <dt className="font-medium text-slate-600">Service</dt>
        <dd>{service.name}</dd>
        <dt className="font-medium text-slate-600">Authorised since</dt>
        <dd>{formatTime(a.timecreated)}</dd>
        <dt className="font-medium text-slate-600">Missing capabilities</dt>
        <dd>
          {a.missingCapabilities.length ? (
            <span className="font-mono text-xs text-red-800">{a.missingCapabilities.join(', ')}</span>
          ) : (
            'None'
          )}
        </dd>
      </dl>
      <SettingsForm key={`${a.user.id}`} service={service} authorised={a} />
    </>
  );
}

export default function ServiceUserSettingsPage() {
  const { id, userId } = useParams();
  const serviceId = Number(id);
  const uid = Number(userId);
  const valid = Number.isInteger(serviceId) && serviceId > 0 && Number.isInteger(uid) && uid > 0;
  const q = useQuery({ ...serviceQueryOptions(serviceId), enabled: valid });
  return (
    <Page
      title="Authorised user settings"
      cap="moodle/site:config"
      back={{ to: `${BASE}/${serviceId}/users`, label: 'Authorised users' }}
    >
      {!valid ? (
        <Alert tone="error" title="Not found">
          There is no such authorised user.
        </Alert>
      ) : q.isPending ? (
        <Loading label="Loading service…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the service" />
      ) : !q.data.restrictedUsers ? (
        <NotRestrictedNote service={q.data} />
      ) : (
        <Settings service={q.data} userId={uid} />
      )}
    </Page>
  );
}
