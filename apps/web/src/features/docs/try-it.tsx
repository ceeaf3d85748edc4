import type { FunctionDocDto, TokenDto, TryItResultDto } from '@gatehouse/shared';
import { useQueries, useQuery } from '@tanstack/react-query';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { Alert } from '../../components/ui/alert';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { CodeBlock } from '../../components/ui/code-block';
import { SelectField } from '../../components/ui/form-field';
import { Loading } from '../../components/ui/loading';
import { can } from '../auth/capabilities';
import { useCurrentUser } from '../auth/queries';
import { serviceFunctionsQueryOptions } from '../services/queries';
import { securityKeysQueryOptions } from '../tokens/queries';
import { argsDraftFrom, argsOf, type Draft, initialArgsDraft } from '../webservice/params-draft';
import { ParamsForm } from '../webservice/params-form';
import { useTryIt } from '../webservice/queries';

/** The key Try it runs with, when the page is about one key. */
export interface FixedKey {
  id: number;
  name: string;
  stub: string;
  service: string;
}

function ResultView({ result }: { result: TryItResultDto }) {
  const titleId = useId();
  return (
    <section aria-labelledby={titleId} className="mt-4">
      <h5 id={titleId} className="mb-2 flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
        Result
        {result.ok ? <Badge tone="green">OK</Badge> : <Badge tone="red">Error: {result.response.errorcode}</Badge>}
      </h5>
      {!result.ok && (
        <dl className="mb-3 grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
          <dt className="font-medium text-slate-600">Exception</dt>
          <dd className="font-mono">{result.response.exception}</dd>
          <dt className="font-medium text-slate-600">Error code</dt>
          <dd className="font-mono">{result.response.errorcode}</dd>
          <dt className="font-medium text-slate-600">Message</dt>
          <dd>{result.response.message}</dd>
          {result.response.debuginfo && (
            <>
              <dt className="font-medium text-slate-600">Debug info</dt>
              <dd className="break-words">{result.response.debuginfo}</dd>
            </>
          )}
        </dl>
      )}
      <CodeBlock
        label={result.ok ? 'Response (JSON)' : 'Error (JSON)'}
        code={JSON.stringify(result.response, null, 2) ?? 'null'}
      />
    </section>
  );
}

function keyLabel(k: TokenDto, inService: boolean | undefined): string {
  const problems = [
    inService === false ? 'function not in this service' : '',
    k.statuses.includes('valid') ? '' : k.statuses.join(', '),
  ].filter(Boolean);
  return `${k.name} · ${k.service.name} (${k.stub})${problems.length ? ` — ${problems.join('; ')}` : ''}`;
}

/** The user's own keys, those whose service offers the function first. */
function useKeyChoices(fn: FunctionDocDto) {
  const me = useCurrentUser();
  const keys = useQuery(securityKeysQueryOptions);
  const list = keys.data?.keys ?? [];
  // Admins can read each service's functions: say which keys can call this one.
  const mayReadServices = can(me, 'moodle/site:config');
  const serviceIds = [...new Set(list.map((k) => k.service.id))];
  const functions = useQueries({
    queries: serviceIds.map((id) => ({ ...serviceFunctionsQueryOptions(id), enabled: mayReadServices })),
  });
  const inService = (k: TokenDto): boolean | undefined => {
    const q = functions[serviceIds.indexOf(k.service.id)];
    return q?.data ? q.data.some((f) => f.name === fn.name) : undefined;
  };
  const sorted = [...list].sort((a, b) => Number(inService(b) === true) - Number(inService(a) === true));
  return { query: keys, keys: sorted, inService };
}

function NoKeys() {
  const me = useCurrentUser();
  return (
    <Alert tone="info" live={false} title="You have no security key to try it with">
      {me.siteAdmin ? (
        <p>
          Site administrators get keys only from an administrator: create a token for yourself, on a service that offers
          this function, in{' '}
          <Link to="/admin/webservice/tokens/new" className="font-medium underline">
            Manage tokens
          </Link>
          . It then appears here and under{' '}
          <Link to="/preferences/keys" className="font-medium underline">
            Security keys
          </Link>
          .
        </p>
      ) : (
        <p>
          Open{' '}
          <Link to="/preferences/keys" className="font-medium underline">
            Security keys
          </Link>{' '}
          to get a key for each service you may use, or ask a site administrator to create one for you (Manage tokens).
        </p>
      )}
    </Alert>
  );
}

function KeySelect({
  fn,
  value,
  onChange,
}: {
  fn: FunctionDocDto;
  value: number | '';
  onChange: (id: number) => void;
}) {
  const { query, keys, inService } = useKeyChoices(fn);
  const best = keys[0];
  const bestFits = best !== undefined && inService(best) === true && best.statuses.includes('valid');
  // Start with a key that can make the call, once that is known.
  useEffect(() => {
    if (value === '' && best && bestFits) onChange(best.id);
  }, [value, best, bestFits, onChange]);
  if (query.isPending) return <Loading label="Loading your keys…" />;
  if (query.isError) {
    return (
      <Alert tone="error" title="Could not load your keys">
        {query.error.message}
      </Alert>
    );
  }
  if (keys.length === 0) return <NoKeys />;
  const chosen = value === '' ? undefined : keys.find((k) => k.id === value);
  return (
    <SelectField
      label="Key"
      value={value === '' ? '' : String(value)}
      onChange={(e) => onChange(Number(e.target.value))}
      className="max-w-xl"
      hint={
        chosen && inService(chosen) === false
          ? 'This key’s service does not offer the function: the call will be refused.'
          : 'One of your own keys: the server runs the call with it, so its secret never reaches this page.'
      }
    >
      {value === '' && <option value="">Choose one of your keys…</option>}
      {keys.map((k) => (
        <option key={k.id} value={k.id}>
          {keyLabel(k, inService(k))}
        </option>
      ))}
    </SelectField>
  );
}

/**
 * Try it: call the function with one of the user's own keys, through the BFF (which holds the
 * key: no token is typed, shown or stored here), with arguments from the generated form.
 */
export function TryIt({ fn, fixedKey }: { fn: FunctionDocDto; fixedKey?: FixedKey }) {
  const [draft, setDraft] = useState<Draft>(() => initialArgsDraft(fn.parameters));
  const [keyId, setKeyId] = useState<number | ''>(fixedKey?.id ?? '');
  const [keyError, setKeyError] = useState('');
  const [result, setResult] = useState<TryItResultDto | null>(null);
  const tryIt = useTryIt();
  const chooseKey = useCallback((id: number) => {
    setKeyId(id);
    setKeyError('');
  }, []);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (keyId === '') {
      setKeyError('Choose one of your keys');
      return;
    }
    setKeyError('');
    setResult(null);
    tryIt.mutate({ keyId, function: fn.name, args: argsOf(fn.parameters, draft) }, { onSuccess: (r) => setResult(r) });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={`Try ${fn.name}`} className="space-y-4">
      {fixedKey ? (
        <p className="text-sm text-slate-700">
          Runs with your key <strong>{fixedKey.name}</strong> (<code>{fixedKey.stub}</code>) for {fixedKey.service},
          through the REST protocol. The server uses the key: its secret never reaches this page.
        </p>
      ) : (
        <div>
          <KeySelect fn={fn} value={keyId} onChange={chooseKey} />
          {keyError && <p className="mt-1 text-sm text-red-700">{keyError}</p>}
        </div>
      )}
      <div className="rounded-md border border-slate-200 bg-white p-4">
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm font-medium text-slate-800">Arguments</p>
          <div className="flex gap-2">
            <Button size="sm" onClick={() => setDraft(argsDraftFrom(fn.parameters, fn.exampleArgs ?? {}))}>
              Fill with example
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setDraft(initialArgsDraft(fn.parameters))}>
              Clear
            </Button>
          </div>
        </div>
        <ParamsForm parameters={fn.parameters} value={draft} onChange={setDraft} disabled={tryIt.isPending} />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="primary" busy={tryIt.isPending}>
          Try it
        </Button>
        <span className="text-sm text-slate-600">
          {fn.type === 'write' ? 'A write function really changes data.' : 'A read function changes nothing.'}
        </span>
      </div>
      <p role="status" className="sr-only">
        {tryIt.isPending
          ? 'Calling the function…'
          : result
            ? result.ok
              ? 'The function answered.'
              : `The function answered with an error: ${result.response.message}`
            : ''}
      </p>
      {tryIt.isError && (
        <Alert tone="error" title="Could not call the function">
          {tryIt.error.message}
        </Alert>
      )}
      {result && <ResultView result={result} />}
    </form>
  );
}
