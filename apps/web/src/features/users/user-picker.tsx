import type { UserDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { TextField } from '../../components/ui/form-field';
import { Loading } from '../../components/ui/loading';
import { QueryError } from '../../components/ui/query-error';
import { fullName, plural } from '../../lib/format';
import { useDebouncedValue } from '../../lib/use-debounced-value';
import type { UserStatus } from './keys';
import { userListQueryOptions } from './queries';
import { UserStatusBadges } from './user-status-badges';

/**
 * Why a user cannot be chosen for web services (an authorised user, a token's owner), or null:
 * the BFF refuses suspended, unconfirmed, deleted and guest users, so the picker does not offer them.
 */
function ineligibleReason(u: Pick<UserDto, 'deleted' | 'isGuest' | 'suspended' | 'confirmed'>): string | null {
  if (u.deleted) return 'Deleted';
  if (u.isGuest) return 'The guest account cannot use web services';
  if (u.suspended) return 'Suspended: cannot use web services';
  if (!u.confirmed) return 'Unconfirmed: cannot use web services';
  return null;
}

/**
 * Finds users with the server-side search and offers an action on each result. With
 * `webServiceUsers`, a user who may not use web services is shown with the reason instead.
 */
export function UserPicker({
  label = 'Search users',
  status = 'active',
  webServiceUsers = false,
  action,
}: {
  label?: string;
  status?: UserStatus;
  webServiceUsers?: boolean;
  /** The button (or note) shown next to each result. */
  action: (user: UserDto) => ReactNode;
}) {
  const [text, setText] = useState('');
  const search = useDebouncedValue(text.trim(), 250);
  const q = useQuery(userListQueryOptions({ search, status, sort: 'lastname', dir: 'asc', page: 1, perPage: 10 }));

  return (
    <div>
      <TextField
        label={label}
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Username, name or email"
        className="max-w-sm"
        autoComplete="off"
      />
      <div className="mt-3">
        {q.isPending ? (
          <Loading label="Searching users…" />
        ) : q.isError ? (
          <QueryError error={q.error} onRetry={() => q.refetch()} what="the users" />
        ) : q.data.items.length === 0 ? (
          <p role="status" className="text-sm text-slate-600">
            No users match “{search}”.
          </p>
        ) : (
          <>
            <p role="status" className="sr-only">
              {plural(q.data.total, 'user')} found
            </p>
            <ul
              aria-label="Matching users"
              className="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white"
            >
              {q.data.items.map((u) => (
                <li key={u.id} className="flex flex-wrap items-center gap-3 px-4 py-2 text-sm">
                  <span className="font-medium text-slate-900">{fullName(u)}</span>
                  <span className="text-slate-600">
                    {u.username} · {u.email}
                  </span>
                  <UserStatusBadges user={u} />
                  <span className="ml-auto">{webServiceUsers ? <Offer user={u} action={action} /> : action(u)}</span>
                </li>
              ))}
            </ul>
            {q.data.total > q.data.items.length && (
              <p className="mt-1 text-xs text-slate-500">
                Showing the first {q.data.items.length} of {q.data.total}: type more to narrow the search.
              </p>
            )}
          </>
        )}
      </div>
    </div>
  );
}

/** The action for a user who may use web services; for anyone else, why not. */
function Offer({ user, action }: { user: UserDto; action: (user: UserDto) => ReactNode }) {
  const reason = ineligibleReason(user);
  if (!reason) return action(user);
  return <span className="text-xs text-slate-600">Cannot be chosen. {reason}</span>;
}
