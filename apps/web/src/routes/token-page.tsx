import {
  type TokenAccessDto,
  type TokenCreatedDto,
  type TokenDto,
  type TokenRevoke,
  tokenUpdateSchema,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useLeaveGuard } from '../components/forms/leave-guard';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { OneTimeSecret } from '../features/tokens/one-time-secret';
import {
  tokenAccessQueryOptions,
  tokenQueryOptions,
  useCountRevoke,
  useRegenerateToken,
  useRevokeTokens,
  useUpdateToken,
} from '../features/tokens/queries';
import { TokenStatusBadges } from '../features/tokens/token-status';
import { ValidUntilField, type ValidUntilValue, validUntilOf } from '../features/tokens/valid-until-field';
import { UsageChart } from '../features/usage/usage-chart';
import { type FieldErrors, focusFirstError, serverErrors, zodFieldErrors } from '../lib/form-errors';
import { formatTime, plural, unixToDateTimeInput } from '../lib/format';

const FIELDS = ['name', 'ipRestriction', 'validUntil'] as const;

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd className="mt-0.5 text-sm break-words text-slate-900">{children}</dd>
    </div>
  );
}

const none = (text = 'None') => <span className="text-slate-500">{text}</span>;

function Facts({ token: t }: { token: TokenDto }) {
  return (
    <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      <Fact label="Owner">
        <Link to={`/admin/users/${t.user.id}`} className="text-blue-700 hover:underline">
          {t.user.fullname || t.user.username}
        </Link>{' '}
        <span className="text-slate-500">({t.user.username})</span>
      </Fact>
      <Fact label="Service">
        <Link to={`/admin/webservice/services/${t.service.id}`} className="text-blue-700 hover:underline">
          {t.service.name}
        </Link>{' '}
        <span className="font-mono text-xs text-slate-500">{t.service.shortname}</span>
      </Fact>
      <Fact label="Creator">{t.creator ? t.creator.username : none(`None (${t.origin})`)}</Fact>
      <Fact label="Created">{formatTime(t.timecreated)}</Fact>
      <Fact label="Valid until">{formatTime(t.validUntil, 'No expiry')}</Fact>
      <Fact label="IP restriction">
        {t.ipRestriction ? <span className="font-mono text-xs break-all">{t.ipRestriction}</span> : none()}
      </Fact>
      <Fact label="Last access">{formatTime(t.lastAccess)}</Fact>
      <Fact label="Last address">
        {t.lastIp ? <span className="font-mono text-xs break-all">{t.lastIp}</span> : none('Never')}
      </Fact>
      <Fact label="Calls">
        <span className="tabular-nums">{t.calls}</span>
      </Fact>
      <Fact label="Last error">
        {t.lastError ? (
          <>
            <span className="text-red-800">{t.lastError}</span>
            {t.lastErrorAt && <span className="block text-xs text-slate-500">{formatTime(t.lastErrorAt)}</span>}
          </>
        ) : (
          none()
        )}
      </Fact>
      <Fact label="Secret">
        <span className="font-mono text-xs">{t.stub}</span>
      </Fact>
      <Fact label="Status">
        <TokenStatusBadges token={t} />
      </Fact>
    </dl>
  );
}

function Refusal({ refusal }: { refusal: TokenAccessDto['functions'][number]['refusal'] }) {
  if (!refusal) return <Badge tone="green">Allowed</Badge>;
  return (
    <span className="flex flex-col items-start gap-1">
      <Badge tone="red">Refused</Badge>
      <span className="text-xs text-slate-700">
        {refusal.message} <span className="font-mono text-slate-500">[{refusal.reason}]</span>
      </span>
    </span>
  );
}

function AccessReport({ id }: { id: number }) {
  const q = useQuery(tokenAccessQueryOptions(id));
  if (q.isPending) return <Loading label="Checking what the token may call…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="what the token may call" />;
  const a = q.data;
  const allowed = a.functions.filter((f) => !f.refusal).length;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        As the access-check chain decides it now, for a caller whose address the IP restrictions allow
        {a.ipRestriction ? ` (this token: only from ${a.ipRestriction}` : ' (this token: any address'}
        {a.authorisationIpRestriction ? `; the owner's authorisation: only from ${a.authorisationIpRestriction})` : ')'}
        . {allowed} of {plural(a.functions.length, 'function')} may be called.
      </p>
      <Table caption="Protocols">
        <THead>
          <Th>Protocol</Th>
          <Th>Enabled</Th>
          <Th>This token</Th>
        </THead>
        <TBody>
          {a.protocols.map((p) => (
            <tr key={p.protocol}>
              <RowTh>{p.protocol.toUpperCase()}</RowTh>
              <Td>{p.enabled ? 'Yes' : 'No'}</Td>
              <Td>{p.enabled ? <Refusal refusal={p.refusal} /> : none('Protocol disabled')}</Td>
            </tr>
          ))}
        </TBody>
      </Table>
      <Table caption="Functions of the service">
        <THead>
          <Th>Function</Th>
          <Th>May call</Th>
          <Th>Capabilities the owner lacks</Th>
        </THead>
        <TBody>
          {a.functions.map((f) => (
            <tr key={f.name} className="align-top">
              <RowTh className="font-mono text-xs">{f.name}</RowTh>
              <Td className="whitespace-normal">
                <Refusal refusal={f.refusal} />
              </Td>
              <Td className="font-mono text-xs whitespace-normal">
                {f.missingCapabilities.length ? f.missingCapabilities.join(', ') : none()}
              </Td>
            </tr>
          ))}
        </TBody>
      </Table>
      {a.functions.length === 0 && <p className="text-sm text-slate-600">The service has no functions.</p>}
    </div>
  );
}

function EditForm({ token }: { token: TokenDto }) {
  const update = useUpdateToken(token.id);
  const formRef = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(token.name);
  const [ip, setIp] = useState(token.ipRestriction ?? '');
  const [validUntil, setValidUntil] = useState<ValidUntilValue>({
    date: token.validUntil ? unixToDateTimeInput(token.validUntil) : '',
    noExpiry: token.validUntil === null,
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const savedUntil = token.validUntil ? unixToDateTimeInput(token.validUntil) : '';
  const leave = useLeaveGuard(
    name !== token.name ||
      ip !== (token.ipRestriction ?? '') ||
      validUntil.noExpiry !== (token.validUntil === null) ||
      (!validUntil.noExpiry && validUntil.date !== savedUntil),
  );

  // The first field in error takes the focus once it is rendered as such and its fieldset is
  // enabled again: after the commit, not in a frame callback that may run before it.
  const focusFor = useRef<FieldErrors | null>(null);
  useEffect(() => {
    if (focusFor.current !== errors || update.isPending) return;
    focusFor.current = null;
    focusFirstError(formRef.current);
  }, [errors, update.isPending]);

  function fail(fields: FieldErrors, text = 'Please fix the errors below.') {
    focusFor.current = fields;
    setErrors(fields);
    setMessage({ tone: 'error', text });
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const until = validUntilOf(validUntil);
    if (until === undefined) return fail({ validUntil: 'Choose a date and time, or tick No expiry' });
    // Only what changed is sent; an unchanged past expiry is left alone.
    const body: Record<string, unknown> = {};
    if (name.trim() !== token.name) body.name = name;
    if ((ip.trim() || null) !== token.ipRestriction) body.ipRestriction = ip.trim() ? ip : null;
    if (until !== token.validUntil) {
      if (until !== null && until <= Date.now() / 1000) return fail({ validUntil: 'Must be in the future' });
      body.validUntil = until;
    }
    if (!Object.keys(body).length) {
      setErrors({});
      setMessage({ tone: 'success', text: 'Nothing to save: no field changed.' });
      return;
    }
    const parsed = tokenUpdateSchema.safeParse(body);
    if (!parsed.success) return fail(zodFieldErrors(parsed.error));
    setErrors({});
    try {
      await update.mutateAsync(parsed.data);
      setMessage({ tone: 'success', text: 'Saved. The next call with this token uses the new settings.' });
    } catch (err) {
      const { fields, message: text } = serverErrors(err, FIELDS);
      fail(fields, text);
    }
  }

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate aria-label="Edit token" className="space-y-4">
      {leave.prompt}
      {message && (
        <Alert tone={message.tone} className="mb-2">
          {message.text}
        </Alert>
      )}
      <fieldset className="grid gap-5 sm:grid-cols-2" disabled={update.isPending}>
        <legend className="sr-only">Token settings</legend>
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          autoComplete="off"
        />
        <TextField
          label="IP restriction"
          name="ipRestriction"
          value={ip}
          onChange={(e) => setIp(e.target.value)}
          error={errors.ipRestriction}
          autoComplete="off"
          spellCheck={false}
          placeholder="192.168.1.10, 10.0.0.0/8"
          hint="Addresses, CIDR ranges, last-group ranges or partial addresses, separated by commas, as in Moodle. Empty: no restriction."
        />
        <ValidUntilField value={validUntil} onChange={setValidUntil} error={errors.validUntil} />
      </fieldset>
      <Button type="submit" variant="primary" busy={update.isPending}>
        Save changes
      </Button>
    </form>
  );
}

function Regenerate({ token }: { token: TokenDto }) {
  const regen = useRegenerateToken(token.id);
  const [asking, setAsking] = useState(false);
  // Only here, in this component's state: gone when the page is left or reloaded.
  const [created, setCreated] = useState<TokenCreatedDto | null>(null);
  return (
    <div className="space-y-4">
      {created ? (
        <OneTimeSecret title="New secret" label="Token" secret={created.secret}>
          <p>
            <strong>{created.token.name}</strong> keeps its settings; the old secret stopped working.
          </p>
        </OneTimeSecret>
      ) : (
        <p className="text-sm text-slate-700">
          Makes a new secret for this token, with the same name, owner, service, expiry and IP restriction. Clients
          using the old secret stop working at once.
        </p>
      )}
      <Button onClick={() => setAsking(true)}>Regenerate secret</Button>
      <ConfirmDialog
        open={asking}
        title="Regenerate secret"
        confirmLabel="Regenerate"
        busy={regen.isPending}
        error={regen.error?.message}
        onCancel={() => {
          regen.reset();
          setAsking(false);
        }}
        onConfirm={() =>
          regen.mutate(undefined, {
            onSuccess: (res) => {
              setCreated(res);
              regen.reset();
              setAsking(false);
            },
          })
        }
      >
        <p>
          Regenerate the secret of <strong>{token.name}</strong> (<code>{token.stub}</code>)?
        </p>
        <p>Any client using the current secret stops working at once. The new secret is shown once.</p>
      </ConfirmDialog>
    </div>
  );
}

/** Revoke this token, or all of its owner's, or all of its service's: counted first, then confirmed. */
function Revoke({ token }: { token: TokenDto }) {
  const navigate = useNavigate();
  const countRevoke = useCountRevoke();
  const revoke = useRevokeTokens();
  const [pending, setPending] = useState<{ what: string; sel: Omit<TokenRevoke, 'dryRun'>; count: number } | null>(
    null,
  );
  const ask = (what: string, sel: Omit<TokenRevoke, 'dryRun'>) =>
    countRevoke.mutate(sel, { onSuccess: (r) => setPending({ what, sel, count: r.count }) });
  const owner = token.user.fullname || token.user.username;
  return (
    <div className="space-y-3">
      {countRevoke.error && <Alert tone="error">{countRevoke.error.message}</Alert>}
      <div className="flex flex-wrap gap-2">
        <Button variant="danger" onClick={() => setPending({ what: 'this token', sel: { ids: [token.id] }, count: 1 })}>
          Revoke this token
        </Button>
        <Button
          busy={countRevoke.isPending && countRevoke.variables?.userId !== undefined}
          onClick={() => ask(`every token of ${owner}`, { userId: token.user.id })}
        >
          Revoke all tokens of {owner}…
        </Button>
        <Button
          busy={countRevoke.isPending && countRevoke.variables?.serviceId !== undefined}
          onClick={() => ask(`every token of the service ${token.service.name}`, { serviceId: token.service.id })}
        >
          Revoke all tokens of {token.service.name}…
        </Button>
      </div>
      <ConfirmDialog
        open={pending !== null}
        title="Revoke tokens"
        confirmLabel={pending ? `Revoke ${plural(pending.count, 'token')}` : 'Revoke'}
        busy={revoke.isPending}
        error={revoke.error?.message}
        onCancel={() => {
          revoke.reset();
          setPending(null);
        }}
        onConfirm={() => {
          if (!pending) return;
          revoke.mutate(pending.sel, {
            onSuccess: (r) =>
              navigate('/admin/webservice/tokens', { state: { flash: `Revoked ${plural(r.count, 'token')}.` } }),
          });
        }}
      >
        {pending && (
          <>
            <p>
              Revoke {pending.what}: <strong>{plural(pending.count, 'token')}</strong>?
            </p>
            <p>Every client using them stops working at once. This cannot be undone.</p>
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}

function TokenScreen({ id }: { id: number }) {
  const q = useQuery(tokenQueryOptions(id));
  if (q.isPending) return <Loading label="Loading the token…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the token" />;
  const t = q.data;
  return (
    <div className="space-y-8">
      <Facts token={t} />
      <UsageChart subject={{ kind: 'token', id }} title="Calls" />
      <Section title="What it may call">
        <AccessReport id={id} />
      </Section>
      <Section title="Edit">
        <EditForm token={t} />
      </Section>
      <Section title="Regenerate">
        <Regenerate token={t} />
      </Section>
      <Section title="Revoke">
        <Revoke token={t} />
      </Section>
    </div>
  );
}

export default function TokenPage() {
  const { id } = useParams();
  const n = Number(id);
  const q = useQuery({ ...tokenQueryOptions(n), enabled: Number.isInteger(n) && n > 0 });
  return (
    <Page
      title={q.data ? `Token: ${q.data.name}` : 'Token'}
      cap="moodle/webservice:managealltokens"
      back={{ to: '/admin/webservice/tokens', label: 'Manage tokens' }}
    >
      {Number.isInteger(n) && n > 0 ? <TokenScreen id={n} /> : <Alert tone="error">No such token.</Alert>}
    </Page>
  );
}
