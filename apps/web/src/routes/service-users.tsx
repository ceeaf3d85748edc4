import type { AuthorisedUserDto, ServiceDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { EmptyState } from '../components/ui/empty-state';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { NotRestrictedNote } from '../features/services/not-restricted-note';
import {
  authorisedUsersQueryOptions,
  serviceQueryOptions,
  useAddAuthorisedUsers,
  useRemoveAuthorisedUser,
} from '../features/services/queries';
import { UserPicker } from '../features/users/user-picker';
import { formatTime, fullName, plural } from '../lib/format';

const BASE = '/admin/webservice/services';

function AuthorisedTable({
  service,
  users,
  onRemove,
}: {
  service: ServiceDto;
  users: AuthorisedUserDto[];
  onRemove: (a: AuthorisedUserDto) => void;
}) {
  const now = Date.now() / 1000;
  return (
    <Table caption={`Authorised users of ${service.name}`}>
      <THead>
        <Th>Full name</Th>
        <Th>Username</Th>
        <Th>IP restriction</Th>
        <Th>Valid until</Th>
        <Th>Missing capabilities</Th>
        <Th>
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {users.map((a) => {
          const name = fullName(a.user);
          return (
            <tr key={a.user.id} className="align-top hover:bg-slate-50">
              <RowTh className="align-top">
                <Link to={`${BASE}/${service.id}/users/${a.user.id}`} className="text-blue-700 hover:underline">
                  {name}
                </Link>
                <span className="mt-1 flex gap-1">
                  {a.user.deleted && <Badge tone="red">Deleted</Badge>}
                  {a.user.suspended && !a.user.deleted && <Badge tone="red">Suspended</Badge>}
                </span>
              </RowTh>
              <Td className="align-top">
                {a.user.username}
                <span className="block text-xs text-slate-500">{a.user.email}</span>
              </Td>
              <Td className="align-top">
                {a.ipRestriction ? (
                  <span className="font-mono text-xs break-all">{a.ipRestriction}</span>
                ) : (
                  <span className="text-slate-500">None</span>
                )}
              </Td>
              <Td className="align-top">
                {a.validUntil === null ? (
                  <span className="text-slate-500">No expiry</span>
                ) : (
                  <>
                    {formatTime(a.validUntil)}
                    {a.validUntil < now && (
                      <Badge tone="red" className="ml-2">
                        Expired
                      </Badge>
                    )}
                  </>
                )}
              </Td>
              <Td className="align-top">
                {a.missingCapabilities.length ? (
                  <ul className="space-y-0.5 font-mono text-xs text-red-800">
                    {a.missingCapabilities.map((c) => (
                      <li key={c}>{c}</li>
                    ))}
                  </ul>
                ) : (
                  'None'
                )}
              </Td>
              <Td className="text-right align-top">
                <Button size="sm" variant="ghost" className="text-red-700" onClick={() => onRemove(a)}>
                  Remove<span className="sr-only"> {name}</span>
                </Button>
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}

function AuthorisedUsers({ service }: { service: ServiceDto }) {
  const q = useQuery(authorisedUsersQueryOptions(service.id));
  const add = useAddAuthorisedUsers(service.id);
  const remove = useRemoveAuthorisedUser(service.id);
  const [toRemove, setToRemove] = useState<AuthorisedUserDto | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const authorised = new Set((q.data ?? []).map((a) => a.user.id));

  const closeRemove = () => {
    remove.reset();
    setToRemove(null);
  };

  return (
    <>
      {flash && (
        <Alert tone="success" className="mb-4">
          {flash}
        </Alert>
      )}
      <p className="mb-4 max-w-3xl text-sm text-slate-600">
        Only these users may use <strong>{service.name}</strong>. The Missing capabilities column lists what a user
        still needs to call every function of the service; click a user's full name to set an IP restriction and a date
        until which the authorisation is valid.
      </p>
      {q.isPending ? (
        <Loading label="Loading authorised users…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the authorised users" />
      ) : q.data.length === 0 ? (
        <EmptyState title="No authorised users yet">Nobody may use this service until you add users below.</EmptyState>
      ) : (
        <AuthorisedTable service={service} users={q.data} onRemove={setToRemove} />
      )}

      <Section
        title="Add users"
        description="Find a user and add them. Deleted, unconfirmed and guest users cannot be authorised."
      >
        {add.error && (
          <Alert tone="error" className="mb-4">
            {add.error.message}
          </Alert>
        )}
        <UserPicker
          webServiceUsers
          action={(u) =>
            authorised.has(u.id) ? (
              <span className="text-xs text-slate-500">Already authorised</span>
            ) : (
              <Button
                size="sm"
                variant="primary"
                busy={add.isPending && add.variables?.[0] === u.id}
                disabled={add.isPending}
                onClick={() =>
                  add.mutate([u.id], {
                    onSuccess: () => {
                      add.reset();
                      setFlash(`Authorised ${fullName(u)} (${u.username}) on ${service.name}.`);
                    },
                  })
                }
              >
                Add<span className="sr-only"> {fullName(u)}</span>
              </Button>
            )
          }
        />
      </Section>

      <ConfirmDialog
        open={toRemove !== null}
        title="Remove authorised user"
        confirmLabel="Remove"
        busy={remove.isPending}
        error={remove.error?.message}
        onCancel={closeRemove}
        onConfirm={() => {
          if (!toRemove) return;
          remove.mutate(toRemove.user.id, {
            onSuccess: (res) => {
              setFlash(
                `Removed ${fullName(toRemove.user)} from the authorised users; ${plural(res.tokensDeleted, 'token')} deleted.`,
              );
              closeRemove();
            },
          });
        }}
      >
        {toRemove && (
          <>
            <p>
              Remove <strong>{fullName(toRemove.user)}</strong> ({toRemove.user.username}) from the authorised users of{' '}
              <strong>{service.name}</strong>?
            </p>
            <p>Their tokens for this service are deleted too: any client using them stops working at once.</p>
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

export default function ServiceUsersPage() {
  const { id } = useParams();
  const serviceId = Number(id);
  const valid = Number.isInteger(serviceId) && serviceId > 0;
  const q = useQuery({ ...serviceQueryOptions(serviceId), enabled: valid });
  return (
    <Page
      title="Authorised users"
      subject={q.data?.name}
      cap="moodle/site:config"
      back={{ to: '/admin/webservice/services', label: 'External services' }}
      description={
        q.data && (
          <>
            Service <strong>{q.data.name}</strong> (<code>{q.data.shortname}</code>)
          </>
        )
      }
    >
      {!valid ? (
        <Alert tone="error" title="Not found">
          There is no service with this id.
        </Alert>
      ) : q.isPending ? (
        <Loading label="Loading service…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="the service" />
      ) : !q.data.restrictedUsers ? (
        <NotRestrictedNote service={q.data} />
      ) : (
        <AuthorisedUsers service={q.data} />
      )}
    </Page>
  );
}
