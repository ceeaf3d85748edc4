import { AUTH_LABELS, USER_BULK_MAX_IDS, USER_STATUSES, type UserDto, userListQuerySchema } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { Page } from '../components/layout/page';
import { BulkActions } from '../components/list/bulk-actions';
import { type Column, DataTable, nextSort } from '../components/list/data-table';
import { ListBody } from '../components/list/list-body';
import { Pager } from '../components/list/pager';
import { SearchField } from '../components/list/search-field';
import { Time } from '../components/list/time';
import { useListQuery } from '../components/list/use-list-query';
import { useSelection } from '../components/list/use-selection';
import { Alert } from '../components/ui/alert';
import { Button, buttonClasses } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { SelectField } from '../components/ui/form-field';
import { can } from '../features/auth/capabilities';
import { useCurrentUser } from '../features/auth/queries';
import { DeleteUserDialog } from '../features/users/delete-user-dialog';
import type { UserSort, UserStatus } from '../features/users/keys';
import { useBulkSuspendUsers, userListPageQueryOptions } from '../features/users/list-queries';
import { UserStatusBadges } from '../features/users/user-status-badges';
import { fullName, plural } from '../lib/format';

const STATUS_LABELS: Record<UserStatus, string> = {
  active: 'Active (not deleted)',
  suspended: 'Suspended',
  unconfirmed: 'Unconfirmed',
  deleted: 'Deleted',
  all: 'All users',
};

function userColumns(
  me: { id: number },
  mayDelete: boolean,
  onDelete: (u: UserDto) => void,
): Column<UserDto, UserSort>[] {
  return [
    {
      id: 'username',
      header: 'Username',
      sort: 'username',
      rowHeader: true,
      cell: (u) => (
        <Link to={`/admin/users/${u.id}`} className="text-blue-700 hover:underline">
          {u.username}
        </Link>
      ),
    },
    { id: 'firstname', header: 'First name', sort: 'firstname', cell: (u) => u.firstname },
    { id: 'lastname', header: 'Last name', sort: 'lastname', cell: (u) => u.lastname },
    { id: 'email', header: 'Email', sort: 'email', className: 'break-all', cell: (u) => u.email },
    { id: 'auth', header: 'Auth', cell: (u) => AUTH_LABELS[u.auth] },
    { id: 'status', header: 'Status', cell: (u) => <UserStatusBadges user={u} /> },
    {
      id: 'lastlogin',
      header: 'Last login',
      sort: 'lastlogin',
      className: 'whitespace-nowrap',
      cell: (u) => <Time seconds={u.lastlogin} />,
    },
    {
      id: 'actions',
      header: 'Actions',
      headerContent: <span className="sr-only">Actions</span>,
      className: 'text-right',
      // Not offered where the BFF refuses it: the guest, protected (hub) users, site admins, oneself.
      cell: (u) =>
        mayDelete &&
        !u.deleted &&
        !u.isGuest &&
        !u.protected &&
        !u.siteAdmin &&
        u.id !== me.id && (
          <Button size="sm" variant="ghost" className="text-red-700" onClick={() => onDelete(u)}>
            Delete<span className="sr-only"> {fullName(u)}</span>
          </Button>
        ),
    },
  ];
}

/** Why the list's bulk suspend (or unsuspend) would refuse this user (the BFF's rules), or undefined. */
function cannotSuspend(u: UserDto, me: { id: number }, suspended: boolean): string | undefined {
  if (u.deleted) return 'deleted';
  if (u.protected) return 'protected';
  if (u.isGuest) return 'the guest account';
  if (u.id === me.id) return suspended ? 'yourself' : undefined;
  if (u.siteAdmin) return 'a site administrator';
  return undefined;
}

function UsersList() {
  const me = useCurrentUser();
  const location = useLocation();
  const [filters, update] = useListQuery(userListQuerySchema);
  const q = useQuery(userListPageQueryOptions(filters));
  const [toDelete, setToDelete] = useState<UserDto | null>(null);
  const [flash, setFlash] = useState<string | null>((location.state as { flash?: string } | null)?.flash ?? null);
  const { selected, toggle, clear } = useSelection();
  // The selected rows as last seen on any page (the selection is kept across pages).
  const [known, setKnown] = useState<ReadonlyMap<number, UserDto>>(new Map());
  const bulk = useBulkSuspendUsers();
  const [toSuspend, setToSuspend] = useState<boolean | null>(null);

  const mayDelete = can(me, 'moodle/user:delete');
  const mayUpdate = can(me, 'moodle/user:update');
  const onSort = (sort: UserSort) => update(nextSort(filters, sort));
  const filtered = !!filters.search || filters.status !== 'active';
  const rows = q.data?.items ?? [];
  const byId = new Map(rows.map((u) => [u.id, u]));
  const selectedUsers = [...selected].flatMap((id) => {
    const u = byId.get(id) ?? known.get(id);
    return u ? [u] : [];
  });
  const refused =
    toSuspend !== null
      ? selectedUsers.flatMap((u) => {
          const why = cannotSuspend(u, me, toSuspend);
          return why ? [`${u.username} (${why})`] : [];
        })
      : [];
  const closeBulk = () => {
    bulk.reset();
    setToSuspend(null);
  };
  const onToggle = (ids: readonly number[], on: boolean) => {
    toggle(ids, on);
    if (on) {
      setKnown((prev) => {
        const next = new Map(prev);
        for (const id of ids) {
          const u = byId.get(id);
          if (u) next.set(id, u);
        }
        return next;
      });
    }
  };

  return (
    <>
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}

      <search aria-label="Filter users">
        <form onSubmit={(e) => e.preventDefault()} className="mb-4 flex flex-wrap items-end gap-4">
          <SearchField
            label="Search users"
            name="search"
            value={filters.search ?? ''}
            onSearch={(search) => update({ search }, true)}
            placeholder="Username, name or email"
            hint="1–2 characters: names or emails that start with them."
            className="w-72 max-w-full"
          />
          <SelectField
            label="Status"
            name="status"
            value={filters.status}
            onChange={(e) => update({ status: e.target.value as UserStatus })}
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

      {mayUpdate && (
        <BulkActions count={selected.size} onClear={clear} label="Bulk actions on users">
          <Button
            size="sm"
            disabled={selected.size === 0 || selected.size > USER_BULK_MAX_IDS}
            onClick={() => setToSuspend(true)}
          >
            Suspend selected ({selected.size})
          </Button>
          <Button
            size="sm"
            disabled={selected.size === 0 || selected.size > USER_BULK_MAX_IDS}
            onClick={() => setToSuspend(false)}
          >
            Unsuspend selected ({selected.size})
          </Button>
          {selected.size > USER_BULK_MAX_IDS && (
            <span className="text-xs text-red-700">At most {USER_BULK_MAX_IDS} users at once.</span>
          )}
        </BulkActions>
      )}

      <ListBody
        query={q}
        what="the users"
        empty={{
          title: 'No users found',
          body: filtered
            ? 'No user matches this search and status. Try another search or status.'
            : 'There are no users yet.',
        }}
      >
        {(data, stale) => (
          <>
            <DataTable
              caption="Users"
              rows={data.items}
              rowId={(u) => u.id}
              columns={userColumns(me, mayDelete, setToDelete)}
              sort={filters.sort}
              dir={filters.dir}
              onSort={onSort}
              dim={stale}
              rowClassName="hover:bg-slate-50"
              selection={
                mayUpdate
                  ? {
                      selected,
                      toggle: onToggle,
                      rowLabel: (id) => `Select ${byId.get(id)?.username ?? `user ${id}`}`,
                      allLabel: 'Select every user on this page',
                    }
                  : undefined
              }
            />
            <Pager page={data} onCursor={(cursor) => update({ cursor })} noun="users" />
          </>
        )}
      </ListBody>

      <ConfirmDialog
        open={toSuspend !== null}
        title={toSuspend ? 'Suspend users' : 'Unsuspend users'}
        confirmLabel={`${toSuspend ? 'Suspend' : 'Unsuspend'} ${plural(selected.size, 'user')}`}
        busy={bulk.isPending}
        error={
          bulk.error?.message ??
          (refused.length
            ? `These users cannot be ${toSuspend ? 'suspended' : 'unsuspended'}: ${refused.join(', ')}. Clear them from the selection first.`
            : null)
        }
        onCancel={closeBulk}
        onConfirm={() => {
          if (toSuspend === null || refused.length) return;
          bulk.mutate(
            { ids: [...selected], suspended: toSuspend },
            {
              onSuccess: (r) => {
                setFlash(`${toSuspend ? 'Suspended' : 'Unsuspended'} ${plural(r.count, 'user')}.`);
                clear();
                setKnown(new Map());
                closeBulk();
              },
            },
          );
        }}
      >
        <p>
          {toSuspend ? 'Suspend' : 'Unsuspend'} <strong>{plural(selected.size, 'selected user')}</strong>?
        </p>
        {toSuspend ? (
          <p>
            Suspended users cannot sign in, their console sessions end, and their tokens stop working at once. Users
            already suspended stay as they are.
          </p>
        ) : (
          <p>They can sign in and use their tokens again. Users not suspended stay as they are.</p>
        )}
      </ConfirmDialog>

      <DeleteUserDialog
        user={toDelete}
        onClose={() => setToDelete(null)}
        onDeleted={(u) => {
          setToDelete(null);
          setFlash(`Deleted user ${u.username}.`);
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
