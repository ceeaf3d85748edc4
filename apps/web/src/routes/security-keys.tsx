import type { TokenDto } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Page } from '../components/layout/page';
import { Time } from '../components/list/time';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { ConfirmDialog } from '../components/ui/dialog';
import { EmptyState } from '../components/ui/empty-state';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { can } from '../features/auth/capabilities';
import { useCurrentUser } from '../features/auth/queries';
import { OneTimeSecret } from '../features/tokens/one-time-secret';
import { securityKeysQueryOptions, useEnsureKeys, useResetKey } from '../features/tokens/queries';
import { TokenExpiry, TokenStatusBadges } from '../features/tokens/token-status';

interface ShownSecret {
  id: number;
  title: string;
  secret: string;
}

/** Only keys the user created themselves can be reset; one an administrator made keeps its settings. */
const isOwnKey = (k: TokenDto, meId: number) => k.creator?.id === meId;

function KeysTable({
  keys,
  meId,
  documentation,
  onReset,
}: {
  keys: TokenDto[];
  meId: number;
  documentation: boolean;
  onReset: (k: TokenDto) => void;
}) {
  return (
    <Table caption="Security keys">
      <THead>
        <Th>Name</Th>
        <Th>Service</Th>
        <Th>Key</Th>
        <Th>Valid until</Th>
        <Th>Last access</Th>
        <Th>Creator</Th>
        <Th className="text-right">Calls</Th>
        <Th>Status</Th>
        <Th>
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {keys.map((k) => (
          <tr key={k.id} className="align-top hover:bg-slate-50">
            <RowTh className="max-w-64 align-top break-words">{k.name}</RowTh>
            <Td className="align-top">{k.service.name}</Td>
            <Td className="align-top whitespace-nowrap">
              <code className="text-xs">{k.stub}</code>
            </Td>
            <Td className="align-top whitespace-nowrap">
              <TokenExpiry validUntil={k.validUntil} />
            </Td>
            <Td className="align-top whitespace-nowrap">
              <Time seconds={k.lastAccess} />
            </Td>
            <Td className="align-top">{k.creator ? k.creator.username : k.origin}</Td>
            <Td className="text-right align-top tabular-nums">{k.calls}</Td>
            <Td className="align-top">
              <TokenStatusBadges token={k} />
            </Td>
            <Td className="text-right align-top whitespace-nowrap">
              {documentation && (
                <Link to={`/preferences/keys/${k.id}/docs`} className="mr-2 text-blue-700 hover:underline">
                  Documentation<span className="sr-only"> for {k.name}</span>
                </Link>
              )}
              {isOwnKey(k, meId) ? (
                <Button size="sm" onClick={() => onReset(k)}>
                  Reset<span className="sr-only"> {k.name}</span>
                </Button>
              ) : (
                <span
                  className="text-sm text-slate-600"
                  title="Only keys you created yourself can be reset here: ask the administrator who made it for a new one."
                >
                  Created by {k.creator?.username ?? 'the site'}
                </span>
              )}
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}

function SecurityKeys() {
  const me = useCurrentUser();
  const ensure = useEnsureKeys();
  const reset = useResetKey();
  const started = useRef(false);
  const [ensured, setEnsured] = useState(false);
  // New secrets, shown once: only in this page's state.
  const [secrets, setSecrets] = useState<ShownSecret[]>([]);
  const [toReset, setToReset] = useState<TokenDto | null>(null);
  const q = useQuery({ ...securityKeysQueryOptions, enabled: ensured });

  // Opening the page creates the keys the user is owed (once, even under StrictMode).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once when the page opens
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    ensure.mutate(undefined, {
      onSuccess: (res) => {
        setSecrets(
          res.created.map((c) => ({ id: c.id, title: `New security key for ${c.service}`, secret: c.secret })),
        );
        setEnsured(true);
        // The answer held the secrets: the mutation forgets it.
        ensure.reset();
      },
      // The list still loads; the error shows above it.
      onError: () => setEnsured(true),
    });
  }, []);

  const closeReset = () => {
    reset.reset();
    setToReset(null);
  };

  const mayCreate = can(me, 'moodle/webservice:createtoken') && !me.siteAdmin;

  return (
    <>
      {ensure.isError && (
        <Alert tone="error" className="mb-4">
          Could not create your missing keys: {ensure.error.message}
        </Alert>
      )}
      {secrets.length > 0 && (
        <div className="mb-6 space-y-4">
          {secrets.map((s) => (
            <OneTimeSecret key={`${s.id}-${s.secret.slice(-6)}`} title={s.title} label="Security key" secret={s.secret}>
              <p>Give it to the application that calls web services for you.</p>
            </OneTimeSecret>
          ))}
        </div>
      )}
      {!ensured || q.isPending ? (
        <Loading label="Loading your security keys…" />
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} what="your security keys" />
      ) : q.data.keys.length === 0 ? (
        <EmptyState title="You have no security keys">
          {me.siteAdmin ? (
            <p>
              For security reasons, keys are never created automatically for site administrators. An administrator can
              create one for you in Site administration › Plugins › Web services › Manage tokens.
            </p>
          ) : mayCreate ? (
            <p>
              A key is created here for every enabled service you may use. None is available to you yet: a service must
              be enabled, and you must meet its required capability and, for a restricted service, be one of its
              authorised users.
            </p>
          ) : (
            <p>
              Keys are created for you here when you hold the capability to create web service tokens. Otherwise ask a
              site administrator to create one for you. The mobile app gets its own key when you log in to it.
            </p>
          )}
        </EmptyState>
      ) : (
        <>
          <KeysTable keys={q.data.keys} meId={me.id} documentation={q.data.documentationEnabled} onReset={setToReset} />
          <p className="mt-3 max-w-3xl text-sm text-slate-600">
            A key is a password to your account for the functions of its service: never share it. Only its first
            characters are shown; if a key you created is lost or leaked, reset it. A key an administrator created for
            you cannot be reset here: ask them for a new one.
          </p>
        </>
      )}

      <ConfirmDialog
        open={toReset !== null}
        title="Reset security key"
        confirmLabel="Reset"
        busy={reset.isPending}
        error={reset.error?.message}
        onCancel={closeReset}
        onConfirm={() => {
          if (!toReset) return;
          const k = toReset;
          reset.mutate(k.id, {
            onSuccess: (res) => {
              setSecrets((list) => [
                { id: res.id, title: `New key for ${k.name}`, secret: res.secret },
                ...list.filter((x) => x.id !== res.id),
              ]);
              closeReset();
            },
          });
        }}
      >
        {toReset && (
          <>
            <p>
              Reset the key <strong>{toReset.name}</strong> (<code>{toReset.stub}</code>) for{' '}
              <strong>{toReset.service.name}</strong>?
            </p>
            <p>
              The current key stops working at once: every application using it fails until it is given the new key. The
              new key is shown once, right after the reset.
            </p>
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

export default function SecurityKeysPage() {
  return (
    <Page
      title="Security keys"
      back={{ to: '/preferences', label: 'Preferences' }}
      description="Your keys (tokens) for web services: each lets an application call the functions of one service as you."
    >
      <SecurityKeys />
    </Page>
  );
}
