import type { RoleDto, UserDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { EmptyState } from '../components/ui/empty-state';
import { SelectField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import {
  roleAssignmentsQueryOptions,
  roleListQueryOptions,
  useAssignRole,
  useUnassignRole,
} from '../features/roles/queries';
import { UserPicker } from '../features/users/user-picker';
import { UserStatusBadges } from '../features/users/user-status-badges';
import { fullName } from '../lib/format';

function RoleAssignments({ role }: { role: RoleDto }) {
  const q = useQuery(roleAssignmentsQueryOptions(role.id));
  const assign = useAssignRole(role.id);
  const unassign = useUnassignRole(role.id);
  const [toRemove, setToRemove] = useState<UserDto | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const assigned = new Set((q.data ?? []).map((u) => u.id));

  return (
    <>
      {status && (
        <Alert tone="success" className="mb-4">
          {status}
        </Alert>
      )}
      <Section title={`Users with the role ${role.name}`}>
        {q.isPending ? (
          <Loading label="Loading role assignments…" />
        ) : q.isError ? (
          <QueryError error={q.error} onRetry={() => q.refetch()} what="the role assignments" />
        ) : q.data.length === 0 ? (
          <EmptyState title="Nobody has this role yet">Add a user below.</EmptyState>
        ) : (
          <Table caption={`Users with the role ${role.name}`}>
            <THead>
              <Th>Name</Th>
              <Th>Username</Th>
              <Th>Email</Th>
              <Th>Status</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </THead>
            <TBody>
              {q.data.map((u) => (
                <tr key={u.id}>
                  <RowTh>
                    <Link to={`/admin/users/${u.id}`} className="text-blue-700 hover:underline">
                      {fullName(u)}
                    </Link>
                  </RowTh>
                  <Td>{u.username}</Td>
                  <Td>{u.email}</Td>
                  <Td>
                    <UserStatusBadges user={u} />
                  </Td>
                  <Td className="text-right">
                    <Button size="sm" variant="ghost" className="text-red-700" onClick={() => setToRemove(u)}>
                      Remove<span className="sr-only"> {fullName(u)}</span>
                    </Button>
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </Section>

      <Section title="Add a user" description={`Find a user and give them the role ${role.name}.`}>
        <UserPicker
          action={(u) =>
            assigned.has(u.id) ? (
              <span className="text-xs text-slate-500">Already has this role</span>
            ) : (
              <Button
                size="sm"
                variant="primary"
                busy={assign.isPending && assign.variables === u.id}
                disabled={assign.isPending}
                onClick={() =>
                  assign.mutate(u.id, {
                    onSuccess: () => setStatus(`Assigned the role ${role.name} to ${fullName(u)}.`),
                  })
                }
              >
                Assign<span className="sr-only"> {fullName(u)}</span>
              </Button>
            )
          }
        />
      </Section>

      <ConfirmDialog
        open={toRemove !== null}
        title="Remove role assignment"
        confirmLabel="Remove"
        busy={unassign.isPending}
        error={unassign.error?.message}
        onCancel={() => {
          unassign.reset();
          setToRemove(null);
        }}
        onConfirm={() => {
          if (!toRemove) return;
          const u = toRemove;
          unassign.mutate(u.id, {
            onSuccess: () => {
              unassign.reset();
              setToRemove(null);
              setStatus(`Removed the role ${role.name} from ${fullName(u)}.`);
            },
          });
        }}
      >
        {toRemove && (
          <>
            <p>
              Remove the role <strong>{role.name}</strong> from <strong>{fullName(toRemove)}</strong> (
              {toRemove.username})?
            </p>
            <p>They lose the capabilities this role gives them at once.</p>
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

function AssignRoles() {
  const [params, setParams] = useSearchParams();
  const roles = useQuery(roleListQueryOptions);
  const roleId = Number(params.get('role'));
  const assignable = (roles.data ?? []).filter((r) => !r.automatic);
  const role = assignable.find((r) => r.id === roleId);

  return (
    <>
      {roles.isPending ? (
        <Loading label="Loading roles…" />
      ) : roles.isError ? (
        <QueryError error={roles.error} onRetry={() => roles.refetch()} what="the roles" />
      ) : (
        <>
          <SelectField
            label="Role to assign"
            value={role ? String(role.id) : ''}
            onChange={(e) => setParams(e.target.value ? { role: e.target.value } : {})}
            className="mb-6 max-w-sm"
          >
            <option value="">Choose a role…</option>
            {assignable.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.assignedCount})
              </option>
            ))}
          </SelectField>
          {role ? (
            <RoleAssignments key={role.id} role={role} />
          ) : (
            <Table caption="Roles that can be assigned">
              <THead>
                <Th>Role</Th>
                <Th>Description</Th>
                <Th className="text-right">Users with role</Th>
              </THead>
              <TBody>
                {assignable.map((r) => (
                  <tr key={r.id}>
                    <RowTh>
                      <Link to={`?role=${r.id}`} className="text-blue-700 hover:underline">
                        {r.name}
                      </Link>
                    </RowTh>
                    <Td className="text-slate-600">{r.description}</Td>
                    <Td className="text-right tabular-nums">{r.assignedCount}</Td>
                  </tr>
                ))}
              </TBody>
            </Table>
          )}
        </>
      )}
    </>
  );
}

export default function AssignRolesPage() {
  return (
    <Page
      title="Assign system roles"
      cap="moodle/role:assign"
      description="A system role applies everywhere on the site. Authenticated user and Guest are given automatically and cannot be assigned."
    >
      <AssignRoles />
    </Page>
  );
}
