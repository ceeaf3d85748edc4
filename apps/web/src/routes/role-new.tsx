import type { RoleCreate } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { Page } from '../components/layout/page';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { capabilityDefsQueryOptions, useCreateRole } from '../features/roles/queries';
import { RoleForm } from '../features/roles/role-form';

function NewRole() {
  const navigate = useNavigate();
  const defs = useQuery(capabilityDefsQueryOptions);
  const create = useCreateRole();
  return (
    <>
      {defs.isPending ? (
        <Loading label="Loading capabilities…" />
      ) : defs.isError ? (
        <QueryError error={defs.error} onRetry={() => defs.refetch()} what="the capabilities" />
      ) : (
        <RoleForm
          defs={defs.data}
          onSave={(payload) => create.mutateAsync(payload as RoleCreate)}
          onSaved={(role) => navigate('/admin/roles', { state: { flash: `Created role ${role.name}.` } })}
        />
      )}
    </>
  );
}

export default function NewRolePage() {
  return (
    <Page title="Add a new role" cap="moodle/role:manage" back={{ to: '/admin/roles', label: 'Define roles' }}>
      <NewRole />
    </Page>
  );
}
