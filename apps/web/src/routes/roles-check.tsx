import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { capabilityDefsQueryOptions } from '../features/roles/queries';
import { userCapabilitiesQueryOptions } from '../features/users/queries';
import { UserPicker } from '../features/users/user-picker';
import { UserStatusBadges } from '../features/users/user-status-badges';
import { fullName } from '../lib/format';

function UserPermissions({ userId, onChangeUser }: { userId: number; onChangeUser: () => void }) {
  const q = useQuery(userCapabilitiesQueryOptions(userId));
  const defs = useQuery(capabilityDefsQueryOptions);
  const [filter, setFilter] = useState('');
  if (q.isPending) return <Loading label="Checking permissions…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the permissions" />;

  const describe = new Map((defs.data ?? []).map((d) => [d.name, d.description]));
  const term = filter.trim().toLowerCase();
  const rows = q.data.checks.filter(
    (c) =>
      !term ||
      c.capability.toLowerCase().includes(term) ||
      (describe.get(c.capability) ?? '').toLowerCase().includes(term),
  );
  const allowed = q.data.checks.filter((c) => c.allowed).length;
  const u = q.data.user;

  return (
    <>
      <div className="flex flex-wrap items-center gap-3 rounded-md border border-slate-200 bg-white p-4 text-sm">
        <span>
          Permissions of{' '}
          <Link to={`/admin/users/${u.id}`} className="font-medium text-blue-700 hover:underline">
            {fullName(u)}
          </Link>{' '}
          ({u.username})
        </span>
        <UserStatusBadges user={u} />
        <Button size="sm" className="ml-auto" onClick={onChangeUser}>
          Choose another user
        </Button>
      </div>

      <Section title="Roles">
        <p className="text-sm text-slate-700">
          {q.data.roles.length ? q.data.roles.map((r) => r.name).join(', ') : 'No roles'}
          {u.siteAdmin && ' — and site administrator, which passes every capability check'}
        </p>
      </Section>

      <Section title="Capabilities" description={`${allowed} of ${q.data.checks.length} capabilities allowed.`}>
        <TextField
          label="Filter capabilities"
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="Name or description"
          className="mb-4 w-80"
          autoComplete="off"
        />
        {rows.length === 0 ? (
          <p role="status" className="text-sm text-slate-600">
            No capability matches “{filter}”.
          </p>
        ) : (
          <Table caption={`Capabilities of ${fullName(u)}`}>
            <THead>
              <Th>Capability</Th>
              <Th>Permission</Th>
              <Th>Reason</Th>
            </THead>
            <TBody>
              {rows.map((c) => (
                <tr key={c.capability}>
                  <RowTh className="font-normal">
                    <span className="block font-medium text-slate-900">
                      {describe.get(c.capability) ?? c.capability}
                    </span>
                    <code className="text-xs text-slate-500">{c.capability}</code>
                  </RowTh>
                  <Td>{c.allowed ? <Badge tone="green">Allowed</Badge> : <Badge tone="red">Not allowed</Badge>}</Td>
                  <Td className="text-slate-600">{c.reason}</Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </Section>
    </>
  );
}

export default function CheckPermissionsPage() {
  const [params, setParams] = useSearchParams();
  const userId = Number(params.get('user'));
  const chosen = Number.isInteger(userId) && userId > 0;
  return (
    <Page
      title="Check system permissions"
      cap="moodle/role:review"
      description="What a user may and may not do on this site, and why."
    >
      {chosen ? (
        <UserPermissions key={userId} userId={userId} onChangeUser={() => setParams({})} />
      ) : (
        <Section title="Choose a user">
          <UserPicker
            status="all"
            action={(u) => (
              <Button size="sm" variant="primary" onClick={() => setParams({ user: String(u.id) })}>
                Check<span className="sr-only"> {fullName(u)}</span>
              </Button>
            )}
          />
        </Section>
      )}
    </Page>
  );
}
