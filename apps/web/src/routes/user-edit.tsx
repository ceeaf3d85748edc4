import type { UserUpdate } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Page, Section, usePageSubject } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { can } from '../features/auth/capabilities';
import { useCurrentUser } from '../features/auth/queries';
import { userCapabilitiesQueryOptions, userQueryOptions, useUpdateUser } from '../features/users/queries';
import { UserForm, valuesOf } from '../features/users/user-form';
import { UserStatusBadges } from '../features/users/user-status-badges';
import { formatTime, fullName } from '../lib/format';

function RolesSummary({ userId }: { userId: number }) {
  const q = useQuery(userCapabilitiesQueryOptions(userId));
  return (
    <Section title="Roles">
      {q.isPending ? (
        <Loading label="Loading roles…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the roles" />
      ) : (
        <div className="rounded-md border border-slate-200 bg-white p-5 text-sm">
          <p>System roles: {q.data.roles.length ? q.data.roles.map((r) => r.name).join(', ') : <em>none</em>}</p>
          <p className="mt-2">
            <Link to={`/admin/roles/check?user=${userId}`} className="font-medium text-blue-700 hover:underline">
              Check permissions
            </Link>
          </p>
        </div>
      )}
    </Section>
  );
}

function EditUser({ id }: { id: number }) {
  const me = useCurrentUser();
  const q = useQuery(userQueryOptions(id));
  usePageSubject(q.data && (`${q.data.firstname} ${q.data.lastname}`.trim() || q.data.username));
  const update = useUpdateUser(id);
  if (q.isPending) return <Loading label="Loading user…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the user" />;
  const u = q.data;
  const reason = u.deleted
    ? 'This user has been deleted. A deleted account cannot be edited.'
    : u.protected
      ? 'This user is protected (it belongs to the hub) and cannot be modified.'
      : !can(me, 'moodle/user:update')
        ? 'You can view this user but not change them: you need the capability moodle/user:update.'
        : undefined;
  return (
    <>
      <div className="mb-6 flex flex-wrap items-center gap-3 text-sm text-slate-600">
        <span className="font-medium text-slate-900">
          {fullName(u)} ({u.username})
        </span>
        <UserStatusBadges user={u} />
        <span>Created {formatTime(u.timecreated)}</span>
        <span>Last login: {formatTime(u.lastlogin)}</span>
      </div>
      <UserForm
        key={u.id}
        mode="edit"
        initial={valuesOf(u)}
        disabled={reason !== undefined}
        disabledReason={reason}
        canSetSiteAdmin={me.siteAdmin && u.id !== me.id}
        cancelTo="/admin/users"
        onSave={(payload) => update.mutateAsync(payload as UserUpdate)}
      />
      {can(me, 'moodle/role:review') && <RolesSummary userId={id} />}
    </>
  );
}

export default function EditUserPage() {
  const { id } = useParams();
  const userId = Number(id);
  const valid = Number.isInteger(userId) && userId > 0;
  return (
    <Page title="Edit user" cap="moodle/user:viewdetails" back={{ to: '/admin/users', label: 'Browse list of users' }}>
      {valid ? (
        <EditUser id={userId} />
      ) : (
        <Alert tone="error" title="Not found">
          There is no user with this id.
        </Alert>
      )}
    </Page>
  );
}
