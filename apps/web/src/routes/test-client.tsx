import {
  type FunctionDocDto,
  functionSearchFields,
  parseProtocols,
  type Settings,
  type TestClientTokenDto,
  wordSearch,
} from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { SelectField, TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { QueryError } from '../components/ui/query-error';
import { SettingsLoader } from '../features/settings/settings-loader';
import {
  argsDraftFrom,
  argsOf,
  type Draft,
  initialArgsDraft,
  missingRequired,
} from '../features/webservice/params-draft';
import { ParamsForm } from '../features/webservice/params-form';
import { functionDocsQueryOptions, useTestClientToken } from '../features/webservice/queries';
import {
  type BuiltRequest,
  buildRequest,
  maskToken,
  moodleErrorOf,
  PROTOCOL_OF,
  prettyBody,
  sendRequest,
  TEST_PROTOCOL_LABELS,
  TEST_PROTOCOLS,
  type TestProtocol,
  type TestResponse,
} from '../features/webservice/test-request';

function Pre({ children, label }: { children: string; label: string }) {
  return (
    <section
      aria-label={label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus so that keyboard users can scroll it (axe: scrollable-region-focusable)
      tabIndex={0}
      className="max-h-[28rem] overflow-auto rounded-md border border-slate-200 bg-slate-950 p-4 focus-visible:outline-2 focus-visible:outline-blue-600"
    >
      <pre className="font-mono text-xs leading-relaxed whitespace-pre-wrap text-slate-100">{children}</pre>
    </section>
  );
}

function RequestView({ request, token }: { request: BuiltRequest; token: string }) {
  const url = `${window.location.origin}${maskToken(request.url, token)}`;
  const headers = Object.entries(request.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return (
    <Section title="Request" description="The token is masked here; the request sent it in full.">
      <dl className="mb-3 grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
        <dt className="font-medium text-slate-600">Method</dt>
        <dd className="font-mono">{request.method}</dd>
        <dt className="font-medium text-slate-600">URL</dt>
        <dd className="font-mono break-all">{url}</dd>
        <dt className="font-medium text-slate-600">Headers</dt>
        <dd className="font-mono whitespace-pre-wrap">{headers}</dd>
      </dl>
      <Pre label="Request body">{maskToken(request.shown, token) || '(empty body)'}</Pre>
    </Section>
  );
}

function ResponseView({ response, protocol }: { response: TestResponse; protocol: TestProtocol }) {
  const pretty = prettyBody(response);
  const ok = response.status >= 200 && response.status < 300;
  // Moodle answers most errors with HTTP 200: the body says it failed.
  const error = moodleErrorOf(protocol, response);
  return (
    <Section title="Response">
      <dl className="mb-3 grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
        <dt className="font-medium text-slate-600">HTTP status</dt>
        <dd className="flex flex-wrap items-center gap-2">
          <Badge tone={ok ? (error ? 'amber' : 'green') : 'red'}>
            {response.status} {response.statusText}
          </Badge>
          {error && (
            <Badge tone="red">
              {error.kind === 'fault' ? 'Fault' : 'Error'}: {error.errorcode ?? error.faultcode ?? 'no error code'}
            </Badge>
          )}
          <span className="text-slate-500">{response.ms} ms</span>
        </dd>
        {error && (
          <>
            <dt className="font-medium text-slate-600">Error</dt>
            <dd>
              {error.errorcode ? (
                <>
                  Moodle error <code className="font-mono">{error.errorcode}</code>
                  {ok ? ' (with HTTP 200, as Moodle answers errors)' : ''}:{' '}
                </>
              ) : (
                <>The function was not run{ok ? ' (with HTTP 200, as Moodle answers errors)' : ''}: </>
              )}
              {error.message}
            </dd>
          </>
        )}
        <dt className="font-medium text-slate-600">Content type</dt>
        <dd className="font-mono">{response.contentType || '(none)'}</dd>
      </dl>
      {response.status === 403 && response.body === '' && (
        <Alert tone="warning" className="mb-3" live={false}>
          403 with an empty body: this protocol is disabled (Manage protocols) or web services are off.
        </Alert>
      )}
      <Pre label={pretty.json ? 'Response body (JSON, pretty-printed)' : 'Response body'}>
        {pretty.text || '(empty body)'}
      </Pre>
    </Section>
  );
}

function FunctionPicker({
  functions,
  value,
  onChange,
  error,
}: {
  functions: FunctionDocDto[];
  value: string;
  onChange: (name: string) => void;
  error?: string;
}) {
  const [search, setSearch] = useState('');
  const term = search.trim();
  // Every word of the search, in any order ("create group" finds core_group_create_groups).
  const searchFunctions = useMemo(() => wordSearch(functions, functionSearchFields), [functions]);
  const shown = useMemo(() => {
    if (!term) return functions;
    const found = searchFunctions(term);
    const chosen = functions.find((f) => f.name === value);
    return chosen && !found.includes(chosen) ? [chosen, ...found] : found;
  }, [functions, searchFunctions, term, value]);
  const groups = useMemo(() => {
    const m = new Map<string, FunctionDocDto[]>();
    for (const f of shown) m.set(f.component, [...(m.get(f.component) ?? []), f]);
    return [...m.entries()];
  }, [shown]);
  return (
    <div className="grid gap-4 sm:grid-cols-[16rem_1fr]">
      <TextField
        label="Search functions"
        type="search"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        placeholder="Words of a name or description"
        autoComplete="off"
        hint={term ? `${shown.length} of ${functions.length} functions match.` : undefined}
      />
      <SelectField
        label="Function"
        name="function"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required
        error={error}
      >
        <option value="">Choose a function…</option>
        {groups.map(([component, fns]) => (
          <optgroup key={component} label={component}>
            {fns.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
                {f.deprecated ? ' (deprecated)' : ''}
              </option>
            ))}
          </optgroup>
        ))}
      </SelectField>
    </div>
  );
}

/** A token is looked up once it is at least this long (Gatehouse's tokens are 52 characters, Moodle's 32). */
const TOKEN_MIN_LENGTH = 32;

/** Which functions the picker lists: the token's service's, or all of them when the token matches none. */
function TokenServiceNote({
  pending,
  checked,
  found,
  showAll,
  onShowAll,
}: {
  pending: boolean;
  checked: boolean;
  found: TestClientTokenDto | null;
  showAll: boolean;
  onShowAll: (all: boolean) => void;
}) {
  let text: string;
  if (pending && !checked) text = 'Looking up the token’s service…';
  else if (!checked) text = 'Paste a token to list only the functions of its service.';
  else if (!found)
    text = 'No token matches what was pasted: every function is listed (the call will say why it fails).';
  else if (showAll) text = `Listing every function; the token’s service is ${found.service.name}.`;
  else {
    text = `Listing the ${found.functions.length === 1 ? 'function' : `${found.functions.length} functions`} of the token’s service, ${found.service.name}.`;
  }
  return (
    <div className="mb-4 flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-700">
      <p role="status">{text}</p>
      {checked && found && (
        <Button size="sm" variant="ghost" onClick={() => onShowAll(!showAll)}>
          {showAll ? 'List only the service’s functions' : 'List every function'}
        </Button>
      )}
    </div>
  );
}

function TestClient({ settings, functions }: { settings: Settings; functions: FunctionDocDto[] }) {
  const enabledProtocols = parseProtocols(settings.webserviceprotocols);
  const webservicesOn = settings.enablewebservices === '1';
  const available = TEST_PROTOCOLS.filter((p) => enabledProtocols.includes(PROTOCOL_OF[p]));
  const [protocol, setProtocol] = useState<TestProtocol | ''>(available[0] ?? '');
  // Only in this component's state: never stored, never in a URL of the console.
  const [token, setToken] = useState('');
  const [fnName, setFnName] = useState('');
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{
    request: BuiltRequest;
    protocol: TestProtocol;
    token: string;
    response?: TestResponse;
    error?: string;
  } | null>(null);
  const [sending, setSending] = useState(false);
  const [missing, setMissing] = useState<ReadonlySet<string>>(new Set());
  const resultRef = useRef<HTMLDivElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  // The token's service narrows the function list (looked up once the token is pasted whole).
  const lookup = useTestClientToken();
  const [narrowed, setNarrowed] = useState<{ token: string; found: TestClientTokenDto | null } | null>(null);
  const [showAll, setShowAll] = useState(false);
  const lookUp = lookup.mutate;
  const secret = token.trim();
  useEffect(() => {
    if (secret.length < TOKEN_MIN_LENGTH || narrowed?.token === secret) return;
    const timer = setTimeout(
      () =>
        lookUp(secret, {
          onSuccess: (found) => setNarrowed({ token: secret, found }),
          onError: () => setNarrowed({ token: secret, found: null }),
        }),
      300,
    );
    return () => clearTimeout(timer);
  }, [secret, narrowed?.token, lookUp]);
  const tokenService = narrowed?.token === secret ? narrowed.found : undefined;
  const listed = useMemo(() => {
    if (!tokenService || showAll) return functions;
    const offered = new Set(tokenService.functions);
    return functions.filter((f) => offered.has(f.name));
  }, [functions, tokenService, showAll]);

  const fn = functions.find((f) => f.name === fnName);

  function chooseFunction(name: string) {
    setFnName(name);
    const next = functions.find((f) => f.name === name);
    setDraft(next ? initialArgsDraft(next.parameters) : null);
    setMissing(new Set());
    setErrors(({ function: _gone, params: _params, ...rest }) => rest);
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!protocol) problems.protocol = 'Choose a protocol (only enabled protocols can be chosen)';
    if (!secret) problems.token = 'Paste a token';
    if (!fn) problems.function = 'Choose a function';
    const empty = fn ? missingRequired(fn.parameters, draft ?? initialArgsDraft(fn.parameters)) : [];
    if (empty.length) {
      problems.params = `Fill in the required ${empty.length === 1 ? 'parameter' : 'parameters'} first: ${empty.join(', ')}`;
    }
    setErrors(problems);
    setMissing(new Set(empty));
    if (!protocol || !fn || !secret || empty.length) {
      // The first field to fix takes the focus.
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const args = argsOf(fn.parameters, draft ?? initialArgsDraft(fn.parameters));
    const request = buildRequest(protocol, secret, fn, args);
    setSending(true);
    setResult({ request, protocol, token: secret });
    try {
      const response = await sendRequest(request);
      setResult({ request, protocol, token: secret, response });
    } catch (err) {
      setResult({
        request,
        protocol,
        token: secret,
        error: err instanceof Error ? `The request failed: ${err.message}` : 'The request failed',
      });
    } finally {
      setSending(false);
      requestAnimationFrame(() => resultRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
    }
  }

  return (
    <>
      {!webservicesOn && (
        <Alert tone="warning" className="mb-6">
          Web services are disabled: every call will fail until you enable them in{' '}
          <Link to="/admin/advanced-features" className="font-medium underline">
            Advanced features
          </Link>
          .
        </Alert>
      )}
      {available.length === 0 && (
        <Alert tone="warning" className="mb-6">
          No protocol that the test client speaks (REST, XML-RPC, SOAP, AMF) is enabled. Enable one in{' '}
          <Link to="/admin/webservice/protocols" className="font-medium underline">
            Manage protocols
          </Link>
          .
        </Alert>
      )}
      <form ref={formRef} onSubmit={onSubmit} noValidate aria-label="Test a function">
        <div className="rounded-md border border-slate-200 bg-white">
          <div className="grid gap-5 p-5 sm:grid-cols-2">
            <SelectField
              label="Protocol"
              name="protocol"
              value={protocol}
              onChange={(e) => setProtocol(e.target.value as TestProtocol)}
              error={errors.protocol}
              hint="Protocols that are not enabled cannot be chosen."
            >
              {available.length === 0 && <option value="">No protocol enabled</option>}
              {TEST_PROTOCOLS.map((p) => (
                <option key={p} value={p} disabled={!available.includes(p)}>
                  {TEST_PROTOCOL_LABELS[p]}
                  {available.includes(p) ? '' : ' (disabled)'}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Token"
              name="wstoken"
              type="password"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              error={errors.token}
              required
              autoComplete="off"
              spellCheck={false}
              hint="Kept only on this page while it is open: never stored, and masked in the request shown below."
            />
          </div>
          <div className="border-t border-slate-200 p-5">
            <TokenServiceNote
              pending={lookup.isPending}
              checked={narrowed?.token === secret}
              found={tokenService ?? null}
              showAll={showAll}
              onShowAll={setShowAll}
            />
            <FunctionPicker functions={listed} value={fnName} onChange={chooseFunction} error={errors.function} />
            {fn && (
              <div className="mt-3 text-sm text-slate-700">
                <p>{fn.description}</p>
                <p className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-500">
                  <Badge tone={fn.type === 'write' ? 'amber' : 'gray'}>{fn.type}</Badge>
                  {fn.deprecated && <Badge tone="red">Deprecated{fn.replacedBy ? `: use ${fn.replacedBy}` : ''}</Badge>}
                  <span>
                    Required capabilities: {fn.capabilities.length ? fn.capabilities.join(', ') : 'none'}. The function
                    must be in the token's service.
                  </span>
                </p>
              </div>
            )}
          </div>
          {fn && draft && (
            <div className="border-t border-slate-200 p-5">
              <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
                <h2 className="text-base font-semibold text-slate-900">Parameters</h2>
                <div className="flex gap-2">
                  {fn.exampleArgs && (
                    <Button size="sm" onClick={() => setDraft(argsDraftFrom(fn.parameters, fn.exampleArgs ?? {}))}>
                      Fill with example
                    </Button>
                  )}
                  <Button size="sm" variant="ghost" onClick={() => setDraft(initialArgsDraft(fn.parameters))}>
                    Reset parameters
                  </Button>
                </div>
              </div>
              <ParamsForm parameters={fn.parameters} value={draft} onChange={setDraft} missing={missing} />
              {errors.params && (
                <p className="mt-3 text-sm text-red-700" role="alert">
                  {errors.params}
                </p>
              )}
            </div>
          )}
          <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
            <Button type="submit" variant="primary" busy={sending}>
              Execute
            </Button>
            <span className="text-sm text-slate-600">
              Sent to the real protocol endpoint, as an external system would.
            </span>
          </div>
        </div>
      </form>

      <p role="status" className="sr-only">
        {sending
          ? 'Sending the request…'
          : result?.response
            ? `Response received: ${result.response.status} ${result.response.statusText}`
            : (result?.error ?? '')}
      </p>
      <div ref={resultRef} className="mt-8">
        {result && (
          <>
            <RequestView request={result.request} token={result.token} />
            {sending && <Loading label="Waiting for the response…" />}
            {result.error && (
              <Alert tone="error" className="mt-4">
                {result.error}
              </Alert>
            )}
            {result.response && <ResponseView response={result.response} protocol={result.protocol} />}
          </>
        )}
      </div>
    </>
  );
}

function WithDocs({ settings }: { settings: Settings }) {
  const q = useQuery(functionDocsQueryOptions);
  if (q.isPending) return <Loading label="Loading functions…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the functions" />;
  return <TestClient settings={settings} functions={q.data.functions} />;
}

export default function TestClientPage() {
  return (
    <Page
      title="Web service test client"
      cap="moodle/site:config"
      description="Call a function with a token through a real protocol endpoint and see the exact request and raw response. For testing only: a write function really changes data."
    >
      <SettingsLoader>{(settings) => <WithDocs settings={settings} />}</SettingsLoader>
    </Page>
  );
}
