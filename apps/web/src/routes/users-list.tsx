import { AUTH_LABELS, USER_SORTS, USER_STATUSES, type UserDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button, buttonClasses } from '../components/ui/button';
import { EmptyState } from '../components/ui/empty-state';
import { SelectField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { Pagination } from '../components/ui/pagination';
import { QueryError } from '../components/ui/query-error';
import { ariaSort, RowTh, SortButton, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { can } from '../features/auth/capabilities';
import { useCurrentUser } from '../features/auth/queries';
import { DeleteUserDialog } from '../features/users/delete-user-dialog';
import type { UserListFilters, UserSort, UserStatus } from '../features/users/keys';
import { userListQueryOptions } from '../features/users/queries';
import { UserStatusBadges } from '../features/users/user-status-badges';
import { formatTime, fullName } from '../lib/format';
import { useDebouncedValue } from '../lib/use-debounced-value';

const PER_PAGE = 25;
const STATUS_LABELS: Record<UserStatus, string> = {
  active: 'Active (not deleted)',
  suspended: 'Suspended',
  unconfirmed: 'Unconfirmed',
  deleted: 'Deleted',
  all: 'All users',
};

const oneOf = <T extends string>(list: readonly T[], v: string | null, fallback: T): T =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : fallback;

/** The list's filters live in the URL, so Back, reload and shared links keep them. */
function useUserFilters(): [UserListFilters, (patch: Partial<UserListFilters>, replace?: boolean) => void] {
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page'));
  const filters: UserListFilters = {
    search: params.get('search') ?? '',
    status: oneOf(USER_STATUSES, params.get('status'), 'active'),
    sort: oneOf(USER_SORTS, params.get('sort'), 'lastname'),
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    perPage: PER_PAGE,
  };
  const update = (patch: Partial<UserListFilters>, replace = false) => {
    const next = { ...filters, ...patch };
    const p = new URLSearchParams();
    if (next.search) p.set('search', next.search);
    if (next.status !== 'active') p.set('status', next.status);
    if (next.sort !== 'lastname') p.set('sort', next.sort);
    if (next.dir !== 'asc') p.set('dir', next.dir);
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
  sort: UserSort;
  filters: UserListFilters;
  onSort: (s: UserSort) => void;
}) {
  return <SortButton label={label} active={filters.sort === sort} dir={filters.dir} onSort={() => onSort(sort)} />;
}

function UsersList() {
  const me = useCurrentUser();
  const location = useLocation();
  const navigate = useNavigate();
  const [filters, update] = useUserFilters();
  const [searchText, setSearchText] = useState(filters.search);
  const debouncedSearch = useDebouncedValue(searchText.trim(), 300);
  const [toDelete, setToDelete] = useState<UserDto | null>(null);
  const flash = (location.state as { flash?: string } | null)?.flash;
  const q = useQuery(userListQueryOptions(filters));

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new search term should trigger this
  useEffect(() => {
    if (debouncedSearch !== filters.search) update({ search: debouncedSearch, page: 1 }, true);
  }, [debouncedSearch]);

  const onSort = (sort: UserSort) =>
    update({ sort, dir: filters.sort === sort && filters.dir === 'asc' ? 'desc' : 'asc', page: 1 });

  const mayDelete = can(me, 'moodle/user:delete');

  return (
    <>
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}

      <search aria-label="Filter users">
        <form onSubmit={(e) => e.preventDefault()} className="mb-4 flex flex-wrap items-end gap-4">
          <TextField
            label="Search users"
            type="search"
            name="search"
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
            placeholder="Username, name or email"
            className="w-72"
            autoComplete="off"
          />
          <SelectField
            label="Status"
            name="status"
            value={filters.status}
            onChange={(e) => update({ status: oneOf(USER_STATUSES, e.target.value, 'active'), page: 1 })}
            className="w-52"
          >
            {USER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </SelectField>
          {q.isFetching && !q.isPending && (
            <span role="status" className="pb-2 text-sm text-slate-500">
              Updating…
            </span>
          )}
        </form>
      </search>

      {q.isPending ? (
        <Loading label="Loading users…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the users" />
      ) : q.data.items.length === 0 ? (
        <EmptyState title="No users found">
          {filters.search || filters.status !== 'active'
            ? 'No user matches this search and status. Try another search or status.'
            : 'There are no users yet.'}
        </EmptyState>
      ) : (
        <>
          <Table caption="Users" className={q.isPlaceholderData ? 'opacity-60' : undefined}>
            <THead>
              <Th aria-sort={ariaSort(filters.sort === 'username', filters.dir)}>
                <Sortable label="Username" sort="username" filters={filters} onSort={onSort} />
              </Th>
              <Th
                className="whitespace-normal"
                aria-sort={ariaSort(filters.sort === 'firstname' || filters.sort === 'lastname', filters.dir)}
              >
                <Sortable label="First name" sort="firstname" filters={filters} onSort={onSort} />
                <span className="mx-1" aria-hidden="true">
                  /
                </span>
                <Sortable label="Last name" sort="lastname" filters={filters} onSort={onSort} />
              </Th>
              <Th aria-sort={ariaSort(filters.sort === 'email', filters.dir)}>
                <Sortable label="Email" sort="email" filters={filters} onSort={onSort} />
              </Th>
              <Th>Auth</Th>
              <Th>Status</Th>
              <Th aria-sort={ariaSort(filters.sort === 'lastlogin', filters.dir)}>
                <Sortable label="Last login" sort="lastlogin" filters={filters} onSort={onSort} />
              </Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </THead>
            <TBody>
              {q.data.items.map((u) => (
                <tr key={u.id} className="hover:bg-slate-50">
                  <RowTh>
                    <Link to={`/admin/users/${u.id}`} className="text-blue-700 hover:underline">
                      {u.username}
                    </Link>
                  </RowTh>
                  <Td>{fullName(u)}</Td>
                  <Td>{u.email}</Td>
                  <Td>{AUTH_LABELS[u.auth]}</Td>
                  <Td>
                    <UserStatusBadges user={u} />
                  </Td>
                  <Td>{formatTime(u.lastlogin)}</Td>
                  <Td className="text-right">
                    {/* Not offered where the BFF refuses it: the guest, protected (hub) users, site admins, oneself. */}
                    {mayDelete && !u.deleted && !u.isGuest && !u.protected && !u.siteAdmin && u.id !== me.id && (
                      <Button size="sm" variant="ghost" className="text-red-700" onClick={() => setToDelete(u)}>
                        Delete<span className="sr-only"> {fullName(u)}</span>
                      </Button>
                    )}
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
          <Pagination
            page={filters.page}
            perPage={filters.perPage}
            total={q.data.total}
            onPage={(page) => update({ page })}
            noun="users"
          />
        </>
      )}

      <DeleteUserDialog
        user={toDelete}
        onClose={() => setToDelete(null)}
        onDeleted={(u) => {
          setToDelete(null);
          navigate(`${location.pathname}${location.search}`, {
            replace: true,
            state: { flash: `Deleted user ${u.username}.` },
          });
        }}
      />
    </>
  );
}

export default function UsersListPage() {
  const me = useCurrentUser();
  return (
    <Page
      title="Browse list of users"
      cap="moodle/user:viewdetails"
      actions={
        can(me, 'moodle/user:create') && (
          <Link to="/admin/users/new" className={buttonClasses('primary')}>
            Add a new user
          </Link>
        )
      }
    >
      <UsersList />
    </Page>
  );
}
