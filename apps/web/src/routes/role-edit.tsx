import type { RoleUpdate } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { Page, usePageSubject } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { can } from '../features/auth/capabilities';
import { useCurrentUser } from '../features/auth/queries';
import { capabilityDefsQueryOptions, roleQueryOptions, useUpdateRole } from '../features/roles/queries';
import { RoleForm } from '../features/roles/role-form';

function EditRole({ id }: { id: number }) {
  const me = useCurrentUser();
  const role = useQuery(roleQueryOptions(id));
  usePageSubject(role.data?.name || role.data?.shortname);
  const defs = useQuery(capabilityDefsQueryOptions);
  const update = useUpdateRole(id);
  if (role.isPending || defs.isPending) return <Loading label="Loading role…" />;
  if (role.isError) return <QueryError error={role.error} onRetry={() => role.refetch()} what="the role" />;
  if (defs.isError) return <QueryError error={defs.error} onRetry={() => defs.refetch()} what="the capabilities" />;
  const r = role.data;
  const reason = r.protected
    ? 'This role is protected (it belongs to the hub) and cannot be modified.'
    : !can(me, 'moodle/role:manage')
      ? 'You can review this role but not change it: you need the capability moodle/role:manage.'
      : undefined;
  return (
    <>
      <div className="mb-4 flex flex-wrap items-center gap-2 text-sm text-slate-600">
        <span className="font-medium text-slate-900">{r.name}</span>
        {r.automatic && <Badge tone="blue">Automatic</Badge>}
        {r.protected && <Badge tone="purple">Protected</Badge>}
        <span>{r.automatic ? 'Given automatically' : `${r.assignedCount} user(s) assigned`}</span>
      </div>
      <RoleForm
        key={r.id}
        role={r}
        defs={defs.data}
        disabled={reason !== undefined}
        disabledReason={reason}
        onSave={(payload) => update.mutateAsync(payload as RoleUpdate)}
      />
    </>
  );
}

export default function EditRolePage() {
  const { id } = useParams();
  const roleId = Number(id);
  const valid = Number.isInteger(roleId) && roleId > 0;
  return (
    <Page
      title="Edit role"
      cap={['moodle/role:manage', 'moodle/role:review']}
      back={{ to: '/admin/roles', label: 'Define roles' }}
    >
      {valid ? (
        <EditRole id={roleId} />
      ) : (
        <Alert tone="error" title="Not found">
          There is no role with this id.
        </Alert>
      )}
    </Page>
  );
}
