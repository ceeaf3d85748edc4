import type { RoleDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { Page } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button, buttonClasses } from '../components/ui/button';
import { EmptyState } from '../components/ui/empty-state';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { can } from '../features/auth/capabilities';
import { useCurrentUser } from '../features/auth/queries';
import { DeleteRoleDialog } from '../features/roles/delete-role-dialog';
import { roleListQueryOptions } from '../features/roles/queries';

function RolesList() {
  const me = useCurrentUser();
  const location = useLocation();
  const navigate = useNavigate();
  const q = useQuery(roleListQueryOptions);
  const [toDelete, setToDelete] = useState<RoleDto | null>(null);
  const flash = (location.state as { flash?: string } | null)?.flash;
  const mayManage = can(me, 'moodle/role:manage');

  return (
    <>
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}
      {q.isPending ? (
        <Loading label="Loading roles…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the roles" />
      ) : q.data.length === 0 ? (
        <EmptyState title="No roles yet" />
      ) : (
        <Table caption="Roles">
          <THead>
            <Th>Role</Th>
            <Th>Short name</Th>
            <Th>Description</Th>
            <Th className="text-right">Users assigned</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </THead>
          <TBody>
            {q.data.map((r) => (
              <tr key={r.id} className="hover:bg-slate-50">
                <RowTh>
                  <span className="flex flex-wrap items-center gap-2">
                    <Link to={`/admin/roles/${r.id}`} className="text-blue-700 hover:underline">
                      {r.name}
                    </Link>
                    {r.automatic && <Badge tone="blue">Automatic</Badge>}
                    {r.protected && <Badge tone="purple">Protected</Badge>}
                  </span>
                </RowTh>
                <Td>
                  <code className="text-xs">{r.shortname}</code>
                </Td>
                <Td className="max-w-md text-slate-600">{r.description}</Td>
                <Td className="text-right tabular-nums">{r.automatic ? '—' : r.assignedCount}</Td>
                <Td className="text-right whitespace-nowrap">
                  {mayManage && (
                    <>
                      <Link to={`/admin/roles/${r.id}`} className={buttonClasses('ghost', 'sm')}>
                        Edit<span className="sr-only"> {r.name}</span>
                      </Link>
                      {/* Automatic (Authenticated user, Guest) and protected roles cannot be deleted. */}
                      {!r.automatic && !r.protected && (
                        <Button size="sm" variant="ghost" className="text-red-700" onClick={() => setToDelete(r)}>
                          Delete<span className="sr-only"> {r.name}</span>
                        </Button>
                      )}
                    </>
                  )}
                </Td>
              </tr>
            ))}
          </TBody>
        </Table>
      )}
      <DeleteRoleDialog
        role={toDelete}
        onClose={() => setToDelete(null)}
        onDeleted={(r) => {
          setToDelete(null);
          navigate(location.pathname, { replace: true, state: { flash: `Deleted role ${r.name}.` } });
        }}
      />
    </>
  );
}

export default function DefineRolesPage() {
  const mayManage = can(useCurrentUser(), 'moodle/role:manage');
  return (
    <Page
      title="Define roles"
      cap={['moodle/role:manage', 'moodle/role:review']}
      description="Roles hold capabilities; users get them by system role assignment. Every signed-in user has Authenticated user."
      actions={
        mayManage && (
          <Link to="/admin/roles/new" className={buttonClasses('primary')}>
            Add a new role
          </Link>
        )
      }
    >
      <RolesList />
    </Page>
  );
}
