import { type AuthorisedUserDto, authorisedUserUpdateSchema, type ServiceDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button, buttonClasses } from '../components/ui/button';
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
import { type FieldErrors, focusFirstError, serverErrors, zodFieldErrors } from '../lib/form-errors';
import { formatTime, fullName, unixToDateTimeInput } from '../lib/format';

const BASE = '/admin/webservice/services';
const FIELDS = ['ipRestriction', 'validUntil'] as const;

function validUntilValueOf(a: AuthorisedUserDto): ValidUntilValue {
  return a.validUntil === null
    ? { date: '', noExpiry: true }
    : { date: unixToDateTimeInput(a.validUntil), noExpiry: false };
}

function SettingsForm({ service, authorised }: { service: ServiceDto; authorised: AuthorisedUserDto }) {
  const update = useUpdateAuthorisedUser(service.id, authorised.user.id);
  const formRef = useRef<HTMLFormElement>(null);
  const [ip, setIp] = useState(authorised.ipRestriction ?? '');
  const [validUntil, setValidUntil] = useState<ValidUntilValue>(() => validUntilValueOf(authorised));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  function fail(fields: FieldErrors, text = 'Please fix the errors below.') {
    setErrors(fields);
    setMessage({ tone: 'error', text });
    requestAnimationFrame(() => focusFirstError(formRef.current));
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const until = validUntilOf(validUntil);
    if (until === undefined) {
      fail({ validUntil: 'Choose a date and time, or tick No expiry' });
      return;
    }
    const parsed = authorisedUserUpdateSchema.safeParse({ ipRestriction: ip.trim() ? ip : null, validUntil: until });
    if (!parsed.success) {
      fail(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    try {
      const saved = await update.mutateAsync(parsed.data);
      if (saved) {
        setIp(saved.ipRestriction ?? '');
        setValidUntil(validUntilValueOf(saved));
      }
      setMessage({ tone: 'success', text: 'Changes saved.' });
    } catch (err) {
      const { fields, message: text } = serverErrors(err, FIELDS);
      fail(fields, text);
    }
  }

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate aria-label="Authorised user settings">
      {message && (
        <Alert tone={message.tone} className="mb-4">
          {message.text}
        </Alert>
      )}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="space-y-5 p-5" disabled={update.isPending}>
          <legend className="sr-only">Settings</legend>
          <TextField
            label="IP restriction"
            name="ipRestriction"
            value={ip}
            onChange={(e) => {
              setIp(e.target.value);
              if (errors.ipRestriction) setErrors(({ ipRestriction: _gone, ...rest }) => rest);
            }}
            error={errors.ipRestriction}
            autoComplete="off"
            spellCheck={false}
            placeholder="192.168.1.10, 10.0.0.0/8, 2001:db8::/32"
            hint="Calls are accepted only from these addresses, separated by commas: IPv4 or IPv6 addresses, CIDR ranges (10.0.0.0/8), ranges in the last group (192.168.1.1-50) or partial addresses (10.0. for 10.0.*.*), as in Moodle. Leave empty for no restriction."
          />
          <ValidUntilField
            value={validUntil}
            onChange={(v) => {
              setValidUntil(v);
              if (errors.validUntil) setErrors(({ validUntil: _gone, ...rest }) => rest);
            }}
            error={errors.validUntil}
            hint="After this date and time the user is no longer authorised on this service (local time)."
          />
        </fieldset>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={update.isPending}>
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
