import {
  type EndpointDoc,
  type EndpointParamIn,
  FILE_ENDPOINTS,
  FILE_ERROR_EXAMPLE,
  MOODLE_DIFFERENCES,
  SOAP_STYLES,
} from '@gatehouse/shared';
import { type ReactNode, useId } from 'react';
import { CodeBlock } from '../../components/ui/code-block';
import { RowTh, Table, TBody, Td, THead, Th } from '../../components/ui/table';

// What a client calls besides the functions, from the shared endpoint documentation (the
// OpenAPI documents say the same): Moodle's file endpoints, the two SOAP styles, and where
// Gatehouse differs from Moodle on purpose. Every text is rendered as text.

const WHERE: Record<EndpointParamIn, string> = {
  path: 'in the path',
  query: 'query string',
  form: 'form field',
  header: 'header',
};

function Disclosure({ summary, children, id }: { summary: ReactNode; children: ReactNode; id?: string }) {
  return (
    <details id={id} className="group scroll-mt-4 border-t border-slate-200 px-4 py-3 first:border-t-0">
      <summary className="cursor-pointer rounded text-base font-semibold text-slate-900 marker:text-slate-500">
        {summary}
      </summary>
      <div className="mt-3 space-y-3 text-sm text-slate-700">{children}</div>
    </details>
  );
}

function Endpoint({ doc, baseUrl }: { doc: EndpointDoc; baseUrl: string }) {
  return (
    <Disclosure
      id={`endpoint-${doc.id}`}
      summary={
        <>
          <span className="font-mono text-blue-800">
            {doc.methods.join(', ')} {doc.path}
          </span>{' '}
          <span className="font-normal text-slate-600">{doc.title}</span>
        </>
      }
    >
      <p>{doc.summary}</p>
      {doc.details.map((d) => (
        <p key={d}>{d}</p>
      ))}
      <Table caption={`Parameters of ${doc.path}`} showCaption>
        <THead>
          <Th>Name</Th>
          <Th>Where</Th>
          <Th>Required</Th>
          <Th>Description</Th>
        </THead>
        <TBody>
          {doc.parameters.map((p) => (
            <tr key={`${p.in}-${p.name}`}>
              <RowTh className="font-mono">{p.name}</RowTh>
              <Td>{WHERE[p.in]}</Td>
              <Td>{p.required ? 'yes' : 'no'}</Td>
              <Td>{p.description}</Td>
            </tr>
          ))}
        </TBody>
      </Table>
      <Table caption={`Answers of ${doc.path}`} showCaption>
        <THead>
          <Th>HTTP status</Th>
          <Th>What</Th>
        </THead>
        <TBody>
          {doc.answers.map((a) => (
            <tr key={a.status}>
              <RowTh>{a.status}</RowTh>
              <Td>{a.description}</Td>
            </tr>
          ))}
        </TBody>
      </Table>
      <Table caption={`Errors of ${doc.path}, in Moodle's AJAX error object`} showCaption>
        <THead>
          <Th>errorcode</Th>
          <Th>HTTP status</Th>
          <Th>error (message)</Th>
          <Th>When</Th>
        </THead>
        <TBody>
          {doc.errors.map((e) => (
            <tr key={`${e.errorcode}-${e.when}`}>
              <RowTh className="font-mono">{e.errorcode}</RowTh>
              <Td>{e.status}</Td>
              <Td>{e.message}</Td>
              <Td>{e.when}</Td>
            </tr>
          ))}
        </TBody>
      </Table>
      <CodeBlock code={doc.example(baseUrl)} label={`Example: ${doc.title}`} />
    </Disclosure>
  );
}

function GuideSection({ title, intro, children }: { title: string; intro: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="rounded-md border border-slate-200 bg-white">
      <h2 id={id} className="border-b border-slate-200 bg-slate-50 px-4 py-2 text-base font-semibold text-slate-900">
        {title}
      </h2>
      <div className="px-4 pt-3 text-sm text-slate-700">{intro}</div>
      <div>{children}</div>
    </section>
  );
}

/**
 * The file endpoints, the SOAP styles and the differences from Moodle, for a site at `baseUrl`.
 * Each entry opens on its own (a <details>), so the functions stay in view below.
 */
export function EndpointGuide({ baseUrl }: { baseUrl: string }) {
  return (
    <div className="mb-6 space-y-4">
      <GuideSection
        title="Files"
        intro={
          <>
            <p>
              Moodle's file endpoints, for tokens whose service can download or upload files. Their errors are Moodle's
              AJAX error object, for example:
            </p>
            <CodeBlock code={FILE_ERROR_EXAMPLE} label="An error of the file endpoints" copy={false} className="my-2" />
          </>
        }
      >
        {FILE_ENDPOINTS.map((doc) => (
          <Endpoint key={doc.id} doc={doc} baseUrl={baseUrl} />
        ))}
      </GuideSection>
      <GuideSection
        title="SOAP: two styles"
        intro={<p>/webservice/soap/server.php takes both and answers each in its own.</p>}
      >
        {SOAP_STYLES.map((s) => (
          <Disclosure key={s.id} id={`soap-${s.id}`} summary={s.title}>
            <p>{s.summary}</p>
            {s.details.map((d) => (
              <p key={d}>{d}</p>
            ))}
            <p>WSDL:</p>
            <CodeBlock code={s.wsdl(baseUrl)} label={`WSDL address, ${s.title}`} />
            <CodeBlock code={s.example(baseUrl)} label={`Example client, ${s.title}`} />
          </Disclosure>
        ))}
      </GuideSection>
      <GuideSection
        title="Where Gatehouse differs from Moodle"
        intro={<p>Deliberate differences, each for safety or because Gatehouse lacks the feature.</p>}
      >
        <Disclosure summary={`${MOODLE_DIFFERENCES.length} differences`} id="moodle-differences">
          <Table caption="Differences from Moodle">
            <THead>
              <Th>What</Th>
              <Th>Moodle</Th>
              <Th>Gatehouse</Th>
            </THead>
            <TBody>
              {MOODLE_DIFFERENCES.map((d) => (
                <tr key={d.topic}>
                  <RowTh>{d.topic}</RowTh>
                  <Td>{d.moodle}</Td>
                  <Td>{d.gatehouse}</Td>
                </tr>
              ))}
            </TBody>
          </Table>
        </Disclosure>
      </GuideSection>
    </div>
  );
}
