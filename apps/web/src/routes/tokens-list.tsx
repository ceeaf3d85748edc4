import { TOKEN_REVOKE_MAX_IDS, TOKEN_SORTS, type TokenDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { Fragment, useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { EmptyState } from '../components/ui/empty-state';
import { SelectField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { Pagination } from '../components/ui/pagination';
import { QueryError } from '../components/ui/query-error';
import { ariaSort, RowTh, SortButton, Table, TBody, Td, THead, Th } from '../components/ui/table';
import type { TokenListFilters, TokenSort } from '../features/tokens/keys';
import {
  tokenListQueryOptions,
  tokenServicesQueryOptions,
  useCountRevoke,
  useDeleteToken,
  useRevokeTokens,
} from '../features/tokens/queries';
import { TokenStatusBadges } from '../features/tokens/token-status';
import { formatTime, plural } from '../lib/format';
import { useDebouncedValue } from '../lib/use-debounced-value';

const PER_PAGE = 25;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const oneOf = <T extends string>(list: readonly T[], v: string | null, fallback: T): T =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : fallback;

/** The filters live in the URL, so Back, reload and shared links keep them. */
function useTokenFilters(): [TokenListFilters, (patch: Partial<TokenListFilters>, replace?: boolean) => void] {
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page'));
  const serviceId = Number(params.get('service'));
  const date = (k: string) => {
    const v = params.get(k) ?? '';
    return DATE.test(v) ? v : '';
  };
  const filters: TokenListFilters = {
    name: params.get('name') ?? '',
    user: params.get('user') ?? '',
    serviceId: Number.isInteger(serviceId) && serviceId > 0 ? serviceId : 0,
    validUntilBefore: date('before'),
    validUntilAfter: date('after'),
    sort: oneOf(TOKEN_SORTS, params.get('sort'), 'timecreated'),
    dir: params.get('dir') === 'asc' ? 'asc' : 'desc',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    perPage: PER_PAGE,
  };
  const update = (patch: Partial<TokenListFilters>, replace = false) => {
    const next = { ...filters, ...patch };
    const p = new URLSearchParams();
    if (next.name) p.set('name', next.name);
    if (next.user) p.set('user', next.user);
    if (next.serviceId) p.set('service', String(next.serviceId));
    if (next.validUntilAfter) p.set('after', next.validUntilAfter);
    if (next.validUntilBefore) p.set('before', next.validUntilBefore);
    if (next.sort !== 'timecreated') p.set('sort', next.sort);
    if (next.dir !== 'desc') p.set('dir', next.dir);
    if (next.page > 1) p.set('page', String(next.page));
    setParams(p, { replace });
  };
  return [filters, update];
}

function Sortable({
  label,
  sort,
  filters,
  onSort,
}: {
  label: string;
  sort: TokenSort;
  filters: TokenListFilters;
  onSort: (s: TokenSort) => void;
}) {
  return <SortButton label={label} active={filters.sort === sort} dir={filters.dir} onSort={() => onSort(sort)} />;
}

function Filters({
  filters,
  update,
  updating,
}: {
  filters: TokenListFilters;
  update: (patch: Partial<TokenListFilters>, replace?: boolean) => void;
  updating: boolean;
}) {
  const services = useQuery(tokenServicesQueryOptions);
  const [name, setName] = useState(filters.name);
  const [user, setUser] = useState(filters.user);
  const debouncedName = useDebouncedValue(name.trim(), 300);
  const debouncedUser = useDebouncedValue(user.trim(), 300);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only new search terms should trigger this
  useEffect(() => {
    if (debouncedName !== filters.name || debouncedUser !== filters.user) {
      update({ name: debouncedName, user: debouncedUser, page: 1 }, true);
    }
  }, [debouncedName, debouncedUser]);

  const filtered =
    filters.name || filters.user || filters.serviceId || filters.validUntilAfter || filters.validUntilBefore;

  return (
    <search aria-label="Filter tokens">
      <form onSubmit={(e) => e.preventDefault()} className="mb-4 flex flex-wrap items-end gap-4">
        <TextField
          label="Name"
          type="search"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          className="w-48"
          autoComplete="off"
        />
        <TextField
          label="User"
          type="search"
          name="user"
          value={user}
          onChange={(e) => setUser(e.target.value)}
          placeholder="Username or name"
          className="w-48"
          autoComplete="off"
        />
        <SelectField
          label="Service"
          name="service"
          value={String(filters.serviceId)}
          onChange={(e) => update({ serviceId: Number(e.target.value), page: 1 })}
          className="w-56"
        >
          <option value="0">All services</option>
          {(services.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Valid until after"
          type="date"
          name="after"
          value={filters.validUntilAfter}
          onChange={(e) => update({ validUntilAfter: e.target.value, page: 1 }, true)}
          className="w-44"
        />
        <TextField
          label="Valid until before"
          type="date"
          name="before"
          value={filters.validUntilBefore}
          onChange={(e) => update({ validUntilBefore: e.target.value, page: 1 }, true)}
          className="w-44"
        />
        {filtered && (
          <Button
            variant="ghost"
            onClick={() => {
              setName('');
              setUser('');
              update({ name: '', user: '', serviceId: 0, validUntilAfter: '', validUntilBefore: '', page: 1 });
            }}
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

function TokensTable({
  tokens,
  filters,
  onSort,
  onDelete,
  dim,
  selected,
  onSelect,
}: {
  tokens: TokenDto[];
  filters: TokenListFilters;
  onSort: (s: TokenSort) => void;
  onDelete: (t: TokenDto) => void;
  dim: boolean;
  selected: ReadonlySet<number>;
  onSelect: (ids: number[], on: boolean) => void;
}) {
  const all = tokens.length > 0 && tokens.every((t) => selected.has(t.id));
  return (
    <Table caption="Tokens" className={dim ? 'opacity-60' : undefined}>
      <THead>
        <Th className="w-8">
          <input
            type="checkbox"
            aria-label="Select every token on this page"
            checked={all}
            onChange={(e) =>
              onSelect(
                tokens.map((t) => t.id),
                e.target.checked,
              )
            }
          />
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'name', filters.dir)}>
          <Sortable label="Name" sort="name" filters={filters} onSort={onSort} />
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'user', filters.dir)}>
          <Sortable label="User" sort="user" filters={filters} onSort={onSort} />
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'service', filters.dir)}>
          <Sortable label="Service" sort="service" filters={filters} onSort={onSort} />
        </Th>
        <Th>IP restriction</Th>
        <Th aria-sort={ariaSort(filters.sort === 'validuntil', filters.dir)}>
          <Sortable label="Valid until" sort="validuntil" filters={filters} onSort={onSort} />
        </Th>
        <Th aria-sort={ariaSort(filters.sort === 'lastaccess', filters.dir)}>
          <Sortable label="Last access" sort="lastaccess" filters={filters} onSort={onSort} />
        </Th>
        <Th>Creator</Th>
        <Th className="text-right">Calls</Th>
        <Th>Status</Th>
        <Th>Last error</Th>
        <Th>
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {tokens.map((t) => (
          <tr key={t.id} className="align-top hover:bg-slate-50">
            <Td className="align-top">
              <input
                type="checkbox"
                aria-label={`Select token ${t.name}`}
                checked={selected.has(t.id)}
                onChange={(e) => onSelect([t.id], e.target.checked)}
              />
            </Td>
            <RowTh className="max-w-64 min-w-44 align-top">
              <Link to={`/admin/webservice/tokens/${t.id}`} className="break-words text-blue-700 hover:underline">
                {t.name}
              </Link>
              <span className="mt-0.5 block font-mono text-xs font-normal text-slate-500">{t.stub}</span>
              <span className="block text-xs font-normal text-slate-500">Created {formatTime(t.timecreated)}</span>
            </RowTh>
            <Td className="align-top">
              <Link to={`/admin/users/${t.user.id}`} className="text-blue-700 hover:underline">
                {t.user.fullname || t.user.username}
              </Link>
              <span className="block text-xs text-slate-500">{t.user.username}</span>
            </Td>
            <Td className="align-top">{t.service.name}</Td>
            <Td className="align-top">
              {t.ipRestriction ? (
                // As typed; lines break after a comma rather than inside an address (one too long still wraps).
                <span className="font-mono text-xs break-words">
                  {t.ipRestriction.split(',').map((part, i) => (
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
              ) : (
                <span className="text-slate-500">None</span>
              )}
            </Td>
            <Td className="align-top whitespace-nowrap">{formatTime(t.validUntil, 'No expiry')}</Td>
            <Td className="align-top whitespace-nowrap">{formatTime(t.lastAccess)}</Td>
            <Td className="align-top">
              {t.creator ? t.creator.username : <span className="text-slate-500">{t.origin}</span>}
            </Td>
            <Td className="text-right align-top tabular-nums">{t.calls}</Td>
            <Td className="max-w-60 align-top">
              <TokenStatusBadges token={t} />
            </Td>
            <Td className="max-w-60 align-top text-xs whitespace-normal">
              {t.lastError ? (
                <>
                  <span className="text-red-800">{t.lastError}</span>
                  {t.lastErrorAt && <span className="block text-slate-500">{formatTime(t.lastErrorAt)}</span>}
                </>
              ) : (
                <span className="text-slate-500">None</span>
              )}
            </Td>
            <Td className="text-right align-top">
              <Button size="sm" variant="ghost" className="text-red-700" onClick={() => onDelete(t)}>
                Delete<span className="sr-only"> token {t.name}</span>
              </Button>
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}

function TokensList() {
  const [filters, update] = useTokenFilters();
  const q = useQuery(tokenListQueryOptions(filters));
  const del = useDeleteToken();
  const [toDelete, setToDelete] = useState<TokenDto | null>(null);
  const location = useLocation();
  const [flash, setFlash] = useState<string | null>((location.state as { flash?: string } | null)?.flash ?? null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const countRevoke = useCountRevoke();
  const revoke = useRevokeTokens();
  const [toRevoke, setToRevoke] = useState<{
    what: string;
    sel: { ids?: number[]; serviceId?: number };
    count: number;
  } | null>(null);
  const onSelect = (ids: number[], on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  const serviceName = useQuery(tokenServicesQueryOptions).data?.find((s) => s.id === filters.serviceId)?.name;
  const closeRevoke = () => {
    revoke.reset();
    setToRevoke(null);
  };

  const onSort = (sort: TokenSort) =>
    update({ sort, dir: filters.sort === sort && filters.dir === 'asc' ? 'desc' : 'asc', page: 1 });
  const closeDelete = () => {
    del.reset();
    setToDelete(null);
  };
  const anyFilter =
    filters.name || filters.user || filters.serviceId || filters.validUntilAfter || filters.validUntilBefore;

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
      <div className="mb-3 flex flex-wrap items-center gap-2" role="toolbar" aria-label="Bulk actions">
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
        {selected.size > 0 && (
          <Button size="sm" variant="ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </Button>
        )}
        {filters.serviceId > 0 && serviceName && (
          <Button
            size="sm"
            busy={countRevoke.isPending}
            onClick={() =>
              countRevoke.mutate(
                { serviceId: filters.serviceId },
                {
                  onSuccess: (r) =>
                    setToRevoke({
                      what: `every token of the service ${serviceName}`,
                      sel: { serviceId: filters.serviceId },
                      count: r.count,
                    }),
                },
              )
            }
          >
            Revoke all tokens of {serviceName}…
          </Button>
        )}
        <span className="text-xs text-slate-500">All tokens of a user: open one of their tokens.</span>
      </div>
      {q.isPending ? (
        <Loading label="Loading tokens…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the tokens" />
      ) : q.data.items.length === 0 ? (
        <EmptyState title="No tokens found">
          {anyFilter
            ? 'No token matches these filters. Try other filters.'
            : 'No token has been created yet. Click Add to create one for a user.'}
        </EmptyState>
      ) : (
        <>
          <TokensTable
            tokens={q.data.items}
            filters={filters}
            onSort={onSort}
            onDelete={setToDelete}
            dim={q.isPlaceholderData}
            selected={selected}
            onSelect={onSelect}
          />
          <Pagination
            page={filters.page}
            perPage={filters.perPage}
            total={q.data.total}
            onPage={(page) => update({ page })}
            noun="tokens"
          />
        </>
      )}

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
              setSelected(new Set());
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
