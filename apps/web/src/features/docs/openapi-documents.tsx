import type { OpenApiDocumentsDto } from '@gatehouse/shared';
import { type ReactNode, useId } from 'react';
import { Link } from 'react-router';
import { Badge } from '../../components/ui/badge';
import { buttonClasses } from '../../components/ui/button';
import { CodeBlock } from '../../components/ui/code-block';
import { plural } from '../../lib/format';

const DOCS = '/admin/webservice/documentation';

/**
 * A real link to the document (the BFF answers it as an attachment, with the console session):
 * it works without script, can be opened from the keyboard and saved with the browser's own menu.
 */
function DownloadLink({ href, filename, of }: { href: string; filename: string; of: string }) {
  return (
    <a
      href={href}
      download={filename}
      className={buttonClasses('primary', 'md', 'max-w-full text-center whitespace-normal!')}
    >
      Download OpenAPI<span className="sr-only"> of {of}</span>
    </a>
  );
}

function Card({ titleId, children }: { titleId: string; children: ReactNode }) {
  return (
    <article aria-labelledby={titleId} className="rounded-md border border-slate-200 bg-white p-4 break-words">
      {children}
    </article>
  );
}

/** Every function of the catalogue, in one document. */
export function AllFunctionsDocument({ all }: { all: OpenApiDocumentsDto['all'] }) {
  const titleId = useId();
  return (
    <Card titleId={titleId}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h3 id={titleId} className="text-base font-semibold text-slate-900">
            All functions
          </h3>
          <p className="mt-0.5 text-sm text-slate-600">
            Every function of the catalogue ({plural(all.functionCount, 'function')}), whichever service offers it.
          </p>
        </div>
        <DownloadLink href={all.href} filename={all.filename} of="all functions" />
      </div>
      <p className="mt-3 text-sm text-slate-700">
        File <code className="break-all">{all.filename}</code> ·{' '}
        <Link to={DOCS} className="text-blue-700 underline">
          Read and try every function in the API documentation
        </Link>
      </p>
    </Card>
  );
}

/** One service's document, with links to its functions in the console's API documentation. */
export function ServiceDocument({ service }: { service: OpenApiDocumentsDto['services'][number] }) {
  const titleId = useId();
  return (
    <Card titleId={titleId}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          {/* The name is an administrator's text: a React child, so it is shown exactly as typed. */}
          <h3 id={titleId} className="text-base font-semibold break-words text-slate-900">
            {service.name}
          </h3>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <code className="break-all">{service.shortname}</code>
            <span>{plural(service.functionCount, 'function')}</span>
            {service.builtin && <Badge tone="blue">Built-in</Badge>}
            {service.enabled ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}
          </p>
        </div>
        <DownloadLink href={service.href} filename={service.filename} of={service.name} />
      </div>
      <p className="mt-3 text-sm text-slate-700">
        File <code className="break-all">{service.filename}</code>
      </p>
      {service.functions.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">
          The service has no functions yet, so its document has no operations (
          <Link to={`/admin/webservice/services/${service.id}/functions`} className="text-blue-700 underline">
            Add functions<span className="sr-only"> to {service.name}</span>
          </Link>
          ).
        </p>
      ) : (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer rounded font-medium text-blue-700 hover:underline">
            Read and try its functions<span className="sr-only"> ({service.name})</span>
          </summary>
          <ul className="mt-2 grid grid-cols-1 gap-x-6 gap-y-1 sm:grid-cols-2">
            {service.functions.map((f) => (
              <li key={f} className="min-w-0">
                <Link to={`${DOCS}/${f}`} className="font-mono break-all text-blue-700 underline">
                  {f}
                </Link>
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}

/** How to use a downloaded document with common tools. */
export function UsingOpenApi({ baseUrl, example }: { baseUrl: string; example: string }) {
  return (
    <div className="max-w-3xl space-y-4 text-sm text-slate-700 break-words">
      <p>
        Each function is one operation: <code className="break-all">POST {baseUrl}/webservice/rest/server.php/</code>
        <em>function name</em>, with the arguments as a JSON body. Every call needs a token (a security key), sent as{' '}
        <code>Authorization: Bearer YOUR_TOKEN</code> (or Moodle's way, <code>?wstoken=YOUR_TOKEN</code>); create one in{' '}
        <Link to="/admin/webservice/tokens" className="text-blue-700 underline">
          Manage tokens
        </Link>
        . The REST protocol must be enabled (
        <Link to="/admin/webservice/protocols" className="text-blue-700 underline">
          Manage protocols
        </Link>
        ). A function's error comes back with HTTP status 200 in Moodle's error shape (<code>exception</code>,{' '}
        <code>errorcode</code>, <code>message</code>), as each document describes it.
      </p>
      <dl className="space-y-3">
        <div>
          <dt className="font-semibold text-slate-900">Postman</dt>
          <dd className="mt-0.5">
            Choose Import and drop the downloaded file on it: Postman makes a collection with one request per function.
            On the collection's Authorization tab, choose Bearer Token and paste the token.
          </dd>
        </div>
        <div>
          <dt className="font-semibold text-slate-900">Insomnia</dt>
          <dd className="mt-0.5">
            Choose Import (in a project, or from the Create menu) and pick the file: Insomnia makes a collection of
            requests. Set each request's Auth (or the collection's) to Bearer Token with the token.
          </dd>
        </div>
        <div>
          <dt className="font-semibold text-slate-900">A generated client (openapi-generator)</dt>
          <dd className="mt-0.5">
            Generate a typed client in your language from the file, for example TypeScript with fetch (
            <code>-g python</code>, <code>-g java</code>, <code>-g csharp</code> and others work the same way):
          </dd>
        </div>
      </dl>
      <CodeBlock label="openapi-generator command" code={example} />
      <p>
        To read a function's arguments, response and errors with ready-to-run examples, or to call it with one of your
        keys, use the console's{' '}
        <Link to={DOCS} className="text-blue-700 underline">
          API documentation
        </Link>{' '}
        and its Try it.
      </p>
    </div>
  );
}
