import { TOKEN_EXPIRING_MAX_DAYS, TOKEN_REVOKE_MAX_IDS, type TokenDto, tokenListQuerySchema } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { Page } from '../components/layout/page';
import { BulkActions } from '../components/list/bulk-actions';
import { type Column, DataTable, nextSort } from '../components/list/data-table';
import { ListBody } from '../components/list/list-body';
import { Pager } from '../components/list/pager';
import { SearchField } from '../components/list/search-field';
import { Time } from '../components/list/time';
import { type ListPatch, useListQuery } from '../components/list/use-list-query';
import { useSelection } from '../components/list/use-selection';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { SelectField, TextField } from '../components/ui/form-field';
import type { TokenListFilters, TokenSort } from '../features/tokens/keys';
import {
  tokenListQueryOptions,
  tokenServicesQueryOptions,
  useCountRevoke,
  useDeleteToken,
  useRevokeTokens,
} from '../features/tokens/queries';
import { TokenExpiry, TokenStatusBadges } from '../features/tokens/token-status';
import { dateInputToUnix, plural } from '../lib/format';

type Update = (patch: ListPatch<TokenListFilters>, replace?: boolean) => void;

const pad = (n: number) => String(n).padStart(2, '0');
/** Unix seconds → a date input's value (local day), or ''. */
const toDateInput = (seconds: number | undefined) => {
  if (seconds === undefined) return '';
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

const PRESET_DAYS = [7, 30];

/** Expiry: any, expired, expiring within 7 / 30 days, or within a number of days typed in. */
function ExpiryFilter({ filters, update }: { filters: TokenListFilters; update: Update }) {
  const days = filters.expiringWithin;
  const [custom, setCustom] = useState(days !== undefined && !PRESET_DAYS.includes(days));
  const choice = filters.expired
    ? 'expired'
    : days === undefined
      ? custom
        ? 'custom'
        : ''
      : custom || !PRESET_DAYS.includes(days)
        ? 'custom'
        : String(days);
  return (
    <>
      <SelectField
        label="Expiry"
        name="expiry"
        value={choice}
        onChange={(e) => {
          const v = e.target.value;
          setCustom(v === 'custom');
          if (v === '') update({ expired: undefined, expiringWithin: undefined });
          else if (v === 'expired') update({ expired: true, expiringWithin: undefined });
          else if (v === 'custom') update({ expired: undefined, expiringWithin: days ?? 14 });
          else update({ expired: undefined, expiringWithin: Number(v) });
        }}
        className="w-52"
      >
        <option value="">Any expiry</option>
        <option value="7">Expiring within 7 days</option>
        <option value="30">Expiring within 30 days</option>
        <option value="custom">Expiring within… (days)</option>
        <option value="expired">Expired</option>
      </SelectField>
      {choice === 'custom' && (
        <TextField
          label="Days"
          type="number"
          name="expiringWithin"
          min={1}
          max={TOKEN_EXPIRING_MAX_DAYS}
          defaultValue={days ?? 14}
          onChange={(e) => {
            const n = Number(e.target.value);
            if (Number.isInteger(n) && n >= 1 && n <= TOKEN_EXPIRING_MAX_DAYS) update({ expiringWithin: n }, true);
          }}
          className="w-24"
        />
      )}
    </>
  );
}

function Filters({ filters, update, updating }: { filters: TokenListFilters; update: Update; updating: boolean }) {
  const services = useQuery(tokenServicesQueryOptions);
  const onName = (name: string) => update({ name }, true);
  const onUser = (user: string) => update({ user }, true);
  const filtered =
    filters.name ||
    filters.user ||
    filters.serviceId ||
    filters.validUntilAfter !== undefined ||
    filters.validUntilBefore !== undefined ||
    filters.expired ||
    filters.expiringWithin !== undefined;

  return (
    <search aria-label="Filter tokens">
      <form onSubmit={(e) => e.preventDefault()} className="mb-4 flex flex-wrap items-end gap-4">
        <SearchField
          label="Name"
          name="name"
          value={filters.name ?? ''}
          onSearch={onName}
          hint="1–2 characters: names that start with them."
          className="w-48"
        />
        <SearchField
          label="User"
          name="user"
          value={filters.user ?? ''}
          onSearch={onUser}
          placeholder="Username or name"
          hint="1–2 characters: names that start with them."
          className="w-48"
        />
        <SelectField
          label="Service"
          name="service"
          value={String(filters.serviceId ?? 0)}
          onChange={(e) => update({ serviceId: Number(e.target.value) || undefined })}
          className="w-56"
        >
          <option value="0">All services</option>
          {(services.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectField>
        <ExpiryFilter filters={filters} update={update} />
        <TextField
          label="Valid until after"
          type="date"
          name="after"
          value={toDateInput(filters.validUntilAfter)}
          onChange={(e) => update({ validUntilAfter: dateInputToUnix(e.target.value) }, true)}
          className="w-44"
        />
        <TextField
          label="Valid until before"
          type="date"
          name="before"
          value={toDateInput(filters.validUntilBefore)}
          onChange={(e) => update({ validUntilBefore: dateInputToUnix(e.target.value, true) }, true)}
          className="w-44"
        />
        {filtered && (
          <Button
            variant="ghost"
            onClick={() =>
              update({
                name: undefined,
                user: undefined,
                serviceId: undefined,
                validUntilAfter: undefined,
                validUntilBefore: undefined,
                expired: undefined,
                expiringWithin: undefined,
              })
            }
          >
            Clear filters
          </Button>
        )}
        {updating && (
          <span role="status" className="pb-2 text-sm text-slate-500">
            Updating…
          </span>
        )}
        <p className="basis-full text-xs text-slate-500">
          Valid until after keeps tokens without expiry; valid until before includes the whole day chosen.
        </p>
      </form>
    </search>
  );
}

/** The IP restriction as typed; lines break after a comma rather than inside an address. */
function IpRestriction({ value }: { value: string | null }) {
  if (!value) return <span className="text-slate-500">None</span>;
  return (
    <span className="font-mono text-xs break-words">
      {value.split(',').map((part, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one string, in order
        <Fragment key={i}>
          {i > 0 && (
            <>
              ,<wbr />
            </>
          )}
          {part}
        </Fragment>
      ))}
    </span>
  );
}

function tokenColumns(onDelete: (t: TokenDto) => void, now: number): Column<TokenDto, TokenSort>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      sort: 'name',
      rowHeader: true,
      className: 'max-w-64 min-w-44',
      cell: (t) => (
        <>
          <Link to={`/admin/webservice/tokens/${t.id}`} className="break-words text-blue-700 hover:underline">
            {t.name}
          </Link>
          <span className="mt-0.5 block font-mono text-xs font-normal text-slate-500">{t.stub}</span>
          <span className="block text-xs font-normal text-slate-500">
            Created <Time seconds={t.timecreated} />
          </span>
        </>
      ),
    },
    {
      id: 'user',
      header: 'User',
      sort: 'user',
      cell: (t) => (
        <>
          <Link to={`/admin/users/${t.user.id}`} className="text-blue-700 hover:underline">
            {t.user.fullname || t.user.username}
          </Link>
          <span className="block text-xs text-slate-500">{t.user.username}</span>
        </>
      ),
    },
    { id: 'service', header: 'Service', sort: 'service', cell: (t) => t.service.name },
    { id: 'ip', header: 'IP restriction', cell: (t) => <IpRestriction value={t.ipRestriction} /> },
    {
      id: 'validuntil',
      header: 'Valid until',
      sort: 'validuntil',
      className: 'whitespace-nowrap',
      cell: (t) => <TokenExpiry validUntil={t.validUntil} now={now} />,
    },
    {
      id: 'lastaccess',
      header: 'Last access',
      sort: 'lastaccess',
      className: 'whitespace-nowrap',
      cell: (t) => <Time seconds={t.lastAccess} />,
    },
    {
      id: 'creator',
      header: 'Creator',
      cell: (t) => (t.creator ? t.creator.username : <span className="text-slate-500">{t.origin}</span>),
    },
    {
      id: 'calls',
      header: 'Calls',
      className: 'text-right tabular-nums',
      headerClassName: 'text-right',
      cell: (t) => t.calls,
    },
    { id: 'status', header: 'Status', className: 'max-w-60', cell: (t) => <TokenStatusBadges token={t} /> },
    {
      id: 'lasterror',
      header: 'Last error',
      className: 'max-w-60 text-xs whitespace-normal',
      cell: (t) =>
        t.lastError ? (
          <>
            <span className="text-red-800">{t.lastError}</span>
            {t.lastErrorAt && (
              <span className="block text-slate-500">
                <Time seconds={t.lastErrorAt} />
              </span>
            )}
          </>
        ) : (
          <span className="text-slate-500">None</span>
        ),
    },
    {
      id: 'actions',
      header: 'Actions',
      headerContent: <span className="sr-only">Actions</span>,
      className: 'text-right',
      cell: (t) => (
        <Button size="sm" variant="ghost" className="text-red-700" onClick={() => onDelete(t)}>
          Delete<span className="sr-only"> token {t.name}</span>
        </Button>
      ),
    },
  ];
}

function TokensList() {
  const [filters, update] = useListQuery(tokenListQuerySchema);
  const q = useQuery(tokenListQueryOptions(filters));
  const del = useDeleteToken();
  const [toDelete, setToDelete] = useState<TokenDto | null>(null);
  const location = useLocation();
  const [flash, setFlash] = useState<string | null>((location.state as { flash?: string } | null)?.flash ?? null);
  const { selected, toggle, clear } = useSelection();
  const countRevoke = useCountRevoke();
  const revoke = useRevokeTokens();
  const [toRevoke, setToRevoke] = useState<{
    what: string;
    sel: { ids?: number[]; serviceId?: number };
    count: number;
  } | null>(null);
  const serviceName = useQuery(tokenServicesQueryOptions).data?.find((s) => s.id === filters.serviceId)?.name;
  const closeRevoke = () => {
    revoke.reset();
    setToRevoke(null);
  };

  const onSort = (sort: TokenSort) => update(nextSort(filters, sort));
  const closeDelete = () => {
    del.reset();
    setToDelete(null);
  };
  const anyFilter = Object.entries(filters).some(
    ([k, v]) => !['sort', 'dir', 'page', 'perPage', 'cursor'].includes(k) && v !== undefined && v !== '',
  );
  const names = new Map((q.data?.items ?? []).map((t) => [t.id, t.name]));
  const now = Math.floor(Date.now() / 1000);

  return (
    <>
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}
      <Filters filters={filters} update={update} updating={q.isFetching && !q.isPending} />
      {countRevoke.error && (
        <Alert tone="error" className="mb-4">
          {countRevoke.error.message}
        </Alert>
      )}
      <BulkActions count={selected.size} onClear={clear}>
        <Button
          size="sm"
          variant="danger"
          disabled={selected.size === 0 || selected.size > TOKEN_REVOKE_MAX_IDS}
          onClick={() =>
            setToRevoke({ what: 'the selected tokens', sel: { ids: [...selected] }, count: selected.size })
          }
        >
          Revoke selected ({selected.size})
        </Button>
        {selected.size > TOKEN_REVOKE_MAX_IDS && (
          <span className="text-xs text-red-700">At most {TOKEN_REVOKE_MAX_IDS} tokens at once.</span>
        )}
        {filters.serviceId !== undefined && serviceName && (
          <Button
            size="sm"
            busy={countRevoke.isPending}
            onClick={() => {
              const serviceId = filters.serviceId;
              if (serviceId === undefined) return;
              countRevoke.mutate(
                { serviceId },
                {
                  onSuccess: (r) =>
                    setToRevoke({
                      what: `every token of the service ${serviceName}`,
                      sel: { serviceId },
                      count: r.count,
                    }),
                },
              );
            }}
          >
            Revoke all tokens of {serviceName}…
          </Button>
        )}
        <span className="text-xs text-slate-500">All tokens of a user: open one of their tokens.</span>
      </BulkActions>
      <ListBody
        query={q}
        what="the tokens"
        empty={{
          title: 'No tokens found',
          body: anyFilter
            ? 'No token matches these filters. Try other filters.'
            : 'No token has been created yet. Click Add to create one for a user.',
        }}
      >
        {(data, stale) => (
          <>
            <DataTable
              caption="Tokens"
              rows={data.items}
              rowId={(t) => t.id}
              columns={tokenColumns(setToDelete, now)}
              sort={filters.sort}
              dir={filters.dir}
              onSort={onSort}
              dim={stale}
              selection={{
                selected,
                toggle,
                rowLabel: (id) => `Select token ${names.get(id) ?? id}`,
                allLabel: 'Select every token on this page',
              }}
            />
            <Pager page={data} onCursor={(cursor) => update({ cursor })} noun="tokens" />
          </>
        )}
      </ListBody>

      <ConfirmDialog
        open={toRevoke !== null}
        title="Revoke tokens"
        confirmLabel={toRevoke ? `Revoke ${plural(toRevoke.count, 'token')}` : 'Revoke'}
        busy={revoke.isPending}
        error={revoke.error?.message}
        onCancel={closeRevoke}
        onConfirm={() => {
          if (!toRevoke) return;
          revoke.mutate(toRevoke.sel, {
            onSuccess: (r) => {
              setFlash(`Revoked ${plural(r.count, 'token')}.`);
              clear();
              closeRevoke();
            },
          });
        }}
      >
        {toRevoke && (
          <>
            <p>
              Revoke {toRevoke.what}: <strong>{plural(toRevoke.count, 'token')}</strong>?
            </p>
            <p>Every client using them stops working at once. This cannot be undone.</p>
          </>
        )}
      </ConfirmDialog>

      <ConfirmDialog
        open={toDelete !== null}
        title="Delete token"
        confirmLabel="Delete"
        busy={del.isPending}
        error={del.error?.message}
        onCancel={closeDelete}
        onConfirm={() => {
          if (!toDelete) return;
          del.mutate(toDelete.id, {
            onSuccess: () => {
              setFlash(`Deleted the token ${toDelete.name}.`);
              closeDelete();
            },
          });
        }}
      >
        {toDelete && (
          <>
            <p>
              Delete the token <strong>{toDelete.name}</strong> (<code>{toDelete.stub}</code>) of{' '}
              <strong>{toDelete.user.fullname || toDelete.user.username}</strong> for the service{' '}
              <strong>{toDelete.service.name}</strong>?
            </p>
            <p>Any client using it stops working at once. This cannot be undone.</p>
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

export default function TokensListPage() {
  const navigate = useNavigate();
  return (
    <Page
      title="Manage tokens"
      cap="moodle/webservice:managealltokens"
      description="Plugins › Web services › Manage tokens. Creating a token here is the only way to give a site administrator a token, and lets a user use web services without moodle/webservice:createtoken."
      actions={
        <Button variant="primary" onClick={() => navigate('/admin/webservice/tokens/new')}>
          Add
        </Button>
      }
    >
      <TokensList />
    </Page>
  );
}
