import type { FunctionDocDto, FunctionExamplesDto, Protocol } from '@gatehouse/shared';
import { type ReactNode, useId } from 'react';
import { Link } from 'react-router';
import { Alert } from '../../components/ui/alert';
import { Badge } from '../../components/ui/badge';
import { CodeBlock } from '../../components/ui/code-block';
import { type TabItem, Tabs } from '../../components/ui/tabs';
import { cn } from '../../lib/cn';
import { ArgumentsTree, ResponseTree } from './description-tree';
import { type FixedKey, TryIt } from './try-it';

const EXAMPLES: { id: keyof FunctionExamplesDto; label: string; protocol: Protocol; note: string }[] = [
  {
    id: 'restForm',
    label: 'REST (form)',
    protocol: 'rest',
    note: 'A form POST with the arguments bracket-encoded (groups[0][courseid]=2), as Moodle clients send them.',
  },
  {
    id: 'restJson',
    label: 'REST (JSON)',
    protocol: 'rest',
    note: 'The same call with the arguments as a JSON body.',
  },
  { id: 'xmlrpc', label: 'XML-RPC', protocol: 'xmlrpc', note: 'An XML-RPC methodCall with one struct of arguments.' },
  {
    id: 'soap',
    label: 'SOAP',
    protocol: 'soap',
    note: "A SOAP 1.1 document/literal envelope, the opt-in style that .NET and zeep prefer (its WSDL: /webservice/soap/server.php?wsdl=1&wstoken=YOUR_TOKEN&style=document). The default WSDL (?wsdl=1&wstoken=YOUR_TOKEN) is Moodle's RPC/encoded contract, for PHP's SoapClient and code written for Moodle (arrays as SOAP-ENC:Array, associative arrays as Apache maps, booleans as xsd:int, faults ending in | ERRORCODE: <code>). The endpoint takes both styles and answers each in its own.",
  },
  {
    id: 'amf',
    label: 'AMF',
    protocol: 'amf',
    note: "A Flex RemoteObject (AMF3) calling the function with its arguments in the order of its parameters; Flash's NetConnection.call (AMF0) takes the function name as its target. Answers are AcknowledgeMessages, faults ErrorMessages whose faultCode is Moodle's errorcode.",
  },
];

/** Where a function's documentation is, for links between functions. */
export type FunctionHref = (name: string) => string;

function DocSection({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className={cn('mt-6', className)}>
      <h4 id={id} className="mb-2 text-base font-semibold text-slate-900">
        {title}
      </h4>
      {children}
    </section>
  );
}

function Examples({ fn, enabledProtocols }: { fn: FunctionDocDto; enabledProtocols?: Protocol[] }) {
  const tabs: TabItem[] = EXAMPLES.flatMap((ex) => {
    const code = fn.examples?.[ex.id];
    if (!code) return [];
    const disabled = enabledProtocols && !enabledProtocols.includes(ex.protocol);
    return [
      {
        id: ex.id,
        label: ex.label,
        content: (
          <>
            <p className="mb-2 text-sm text-slate-600">
              {ex.note} Replace <code>YOUR_TOKEN</code> with your key.
              {disabled && (
                <span className="ml-1 font-medium text-amber-800">This protocol is not enabled on this site.</span>
              )}
            </p>
            <CodeBlock code={code} label={`${ex.label} example`} />
          </>
        ),
      },
    ];
  });
  if (tabs.length === 0) {
    return (
      <p className="text-sm text-slate-600">No protocol that has examples (REST, XML-RPC, SOAP, AMF) is enabled.</p>
    );
  }
  return <Tabs label={`Examples for ${fn.name}`} tabs={tabs} />;
}

/** Badges shown with a function's name: read / write and deprecated. */
export function FunctionBadges({ fn }: { fn: FunctionDocDto }) {
  return (
    <span className="flex flex-wrap items-center gap-1">
      <Badge tone={fn.type === 'write' ? 'amber' : 'gray'}>{fn.type === 'write' ? 'Write' : 'Read'}</Badge>
      {fn.deprecated && <Badge tone="red">Deprecated</Badge>}
    </span>
  );
}

/** Everything about one function: what it needs, its arguments and response, errors, examples, Try it. */
export function FunctionDetails({
  fn,
  href,
  known,
  enabledProtocols,
  fixedKey,
  withTryIt = true,
}: {
  fn: FunctionDocDto;
  href: FunctionHref;
  /** Functions documented on this page, for "use X instead" links. */
  known: ReadonlySet<string>;
  enabledProtocols?: Protocol[];
  fixedKey?: FixedKey;
  /** Left out of the print view. */
  withTryIt?: boolean;
}) {
  return (
    <div className="pt-2">
      {fn.deprecated && (
        <Alert tone="warning" live={false} className="mb-4" title="Deprecated">
          This function will be removed.{' '}
          {fn.replacedBy ? (
            <>
              Use{' '}
              {known.has(fn.replacedBy) ? (
                <Link to={href(fn.replacedBy)} className="font-mono font-medium underline">
                  {fn.replacedBy}
                </Link>
              ) : (
                <code className="font-medium">{fn.replacedBy}</code>
              )}{' '}
              instead.
            </>
          ) : (
            'Do not use it in new clients.'
          )}
        </Alert>
      )}
      <dl className="grid grid-cols-[11rem_1fr] gap-y-1 text-sm">
        <dt className="font-medium text-slate-600">Component</dt>
        <dd className="font-mono">{fn.component}</dd>
        <dt className="font-medium text-slate-600">Type</dt>
        <dd>{fn.type === 'write' ? 'Write: changes data' : 'Read: changes nothing'}</dd>
        <dt className="font-medium text-slate-600">Required capabilities</dt>
        <dd>
          {fn.capabilities.length ? (
            <ul className="font-mono text-xs leading-5">
              {fn.capabilities.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          ) : (
            <span className="text-slate-600">None</span>
          )}
        </dd>
      </dl>

      <DocSection title="Arguments">
        <ArgumentsTree parameters={fn.parameters} />
      </DocSection>
      <DocSection title="Response">
        <ResponseTree returns={fn.returns} />
      </DocSection>
      {fn.errorExample && (
        <DocSection title="Error example">
          <p className="mb-2 text-sm text-slate-600">
            Errors come back in Moodle&apos;s shape (with HTTP status 200); <code>debuginfo</code> only when debugging
            is normal or developer. For example, with invalid arguments:
          </p>
          <CodeBlock code={JSON.stringify(fn.errorExample, null, 2)} label={`Error example for ${fn.name}`} />
        </DocSection>
      )}
      <DocSection title="Examples">
        <Examples fn={fn} enabledProtocols={enabledProtocols} />
      </DocSection>
      {withTryIt && (
        <DocSection title="Try it" className="print:hidden">
          <TryIt fn={fn} fixedKey={fixedKey} />
        </DocSection>
      )}
    </div>
  );
}
