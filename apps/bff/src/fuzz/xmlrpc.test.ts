import { validateParameters } from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitFaultString } from '../test/xmlrpc-faults';
import { createCatalogue } from '../webservice/catalogue';
import { FUNCTIONS } from '../webservice/functions';
import { argumentsFor } from '../webservice/protocols/arguments';
import { MAX_XML_BYTES, parseXml } from '../webservice/protocols/xml';
import { decodeValue, moodleFaultCode } from '../webservice/protocols/xmlrpc';
import {
  asSent,
  expectNoStack,
  fuzzSite,
  invalidArgsFor,
  nastyString,
  parseXmlResponse,
  type RawResponse,
  READ_FUNCTIONS,
  rawRequest,
  runs,
  WRITE_FUNCTIONS,
  withInvalidUtf8,
} from './fuzz-helpers';
import { breakage, classicAttacks, esc, serialize, XML_DECL, xmlTree } from './xml-arbitraries';

const catalogue = createCatalogue(FUNCTIONS);

// /webservice/xmlrpc/server.php fed with generated and hostile XML. Whatever arrives: HTTP 200
// (413 for an oversized body) with a well-formed methodResponse that is either Moodle's fault
// (faultCode and faultString, the error code at faultString's end) or a read function's answer;
// nothing written.

const fuzz = fuzzSite();
const { expectNothingChanged } = fuzz;

const url = (token: string | undefined = fuzz.site.secret) =>
  `/webservice/xmlrpc/server.php${token === undefined ? '' : `?${new URLSearchParams({ wstoken: token })}`}`;

type Fault = { faultCode: number; faultString: string; errorcode: string; debuginfo: string };

function memberValue(v: Record<string, unknown>): unknown {
  if ('int' in v) return Number(v.int);
  if ('string' in v) return v.string;
  return undefined;
}

/** Checks an XML-RPC answer and returns its fault (Moodle's: faultCode and faultString only), if it is one. */
function xmlrpcOutcome(res: RawResponse): { fault?: Fault; ok?: true } {
  expect([200, 413], `status ${res.status}: ${res.text.slice(0, 300)}`).toContain(res.status);
  expect(res.type).toMatch(/^text\/xml/);
  expectNoStack(res.text);
  const doc = parseXmlResponse(res.text);
  const mr = doc.methodResponse as Record<string, unknown> | undefined;
  expect(mr, res.text.slice(0, 300)).toBeTypeOf('object');
  if (mr && 'fault' in mr) {
    const members = (
      ((mr.fault as Record<string, unknown>).value as Record<string, unknown>).struct as Record<string, unknown>
    ).member as { name: string; value: Record<string, unknown> }[];
    expect(members.map((m) => m.name)).toEqual(['faultCode', 'faultString']);
    const f = Object.fromEntries(members.map((m) => [m.name, memberValue(m.value)])) as {
      faultCode: number;
      faultString: string;
    };
    expect(Number.isInteger(f.faultCode), 'faultCode').toBe(true);
    expect(typeof f.faultString).toBe('string');
    const { errorcode, debuginfo } = splitFaultString(f.faultString);
    expect(errorcode, f.faultString).toMatch(/^[a-z_]+$/);
    expect(f.faultCode).toBe(moodleFaultCode(errorcode));
    return { fault: { ...f, errorcode, debuginfo } };
  }
  expect(res.status).toBe(200);
  expect(mr && 'params' in mr, res.text.slice(0, 300)).toBe(true);
  return { ok: true };
}

const post = (body: string | Uint8Array, token?: string, type = 'text/xml') =>
  rawRequest(fuzz.site.t.app, 'POST', url(token), { headers: { 'content-type': type }, body });

// ---- encoding JSON-like values as XML-RPC ------------------------------------------------------

function toXmlrpcValue(v: unknown, style: number): string {
  if (v === null || v === undefined) return '<value><nil/></value>';
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? `<value><${style % 2 ? 'i4' : 'int'}>${v}</${style % 2 ? 'i4' : 'int'}></value>`
      : `<value><double>${v}</double></value>`;
  if (typeof v === 'string')
    return style % 3 === 0 ? `<value>${esc(v)}</value>` : `<value><string>${esc(v)}</string></value>`;
  if (Array.isArray(v))
    return `<value><array><data>${v.map((x) => toXmlrpcValue(x, style)).join('')}</data></array></value>`;
  return `<value><struct>${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `<member><name>${esc(k)}</name>${toXmlrpcValue(x, style)}</member>`)
    .join('')}</struct></value>`;
}

function methodCall(name: string, params: string[]): string {
  return `${XML_DECL}<methodCall><methodName>${esc(name)}</methodName><params>${params
    .map((p) => `<param>${p}</param>`)
    .join('')}</params></methodCall>`;
}

/** Whether the server would call the function with these arguments (decoding as it does). */
function wouldRun(doc: string): boolean {
  try {
    const root = parseXml(asSent(doc));
    const name = root.children.find((c) => c.name === 'methodName')?.text.trim() ?? '';
    const fn = catalogue.get(name);
    if (!fn) return false;
    const params = root.children.find((c) => c.name === 'params')?.children ?? [];
    const values = params.map((p) => decodeValue(p.children.find((c) => c.name === 'value')!));
    validateParameters(fn.parameters, argumentsFor(catalogue, name, values));
    return true;
  } catch {
    return false;
  }
}

// ---- properties -----------------------------------------------------------------------------

describe('XML-RPC: generated XML trees', () => {
  it('random element trees (CDATA, comments, PIs, dangerous names), whole or broken: a fault, nothing written', async () => {
    const names = [...WRITE_FUNCTIONS, ...READ_FUNCTIONS];
    await fc.assert(
      fc.asyncProperty(
        xmlTree(names),
        fc.boolean(),
        breakage,
        fc.constantFrom<string | undefined>('valid', undefined, 'garbage'),
        async (tree, decl, brk, tok) => {
          // Rooted at methodCall half of the time, so the server gets past the first check.
          const root = tree.kind === 'el' && tree.name.length % 2 ? { ...tree, name: 'methodCall' } : tree;
          const doc = brk(`${decl ? XML_DECL : ''}${serialize(root)}`);
          const token = tok === 'valid' ? fuzz.site.secret : tok === 'garbage' ? 'gh_nope' : undefined;
          const res = await post(doc, token);
          const out = xmlrpcOutcome(res);
          if (out.ok) expect(wouldRun(doc), `an unexpected success for ${doc.slice(0, 300)}`).toBe(true);
          await expectNothingChanged(doc.slice(0, 200));
        },
      ),
      runs(200),
    );
  });

  it('methodCalls for real write functions with random values: a fault, nothing written', async () => {
    const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, true, false, 0, 1, -1, 2 ** 31, 2 ** 53, 0.5),
        nastyString,
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom('groups', 'users', 'courses', 'courseid', 'name', '__proto__', 'constructor'),
            fc.string({ maxLength: 8 }),
          ),
          tie('v'),
          { maxKeys: 4 },
        ),
      ),
    })).v;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WRITE_FUNCTIONS),
        fc.array(value, { maxLength: 3 }),
        fc.nat(),
        async (fn, params, style) => {
          const doc = methodCall(
            fn,
            params.map((p) => toXmlrpcValue(p, style)),
          );
          fc.pre(!wouldRun(doc));
          const res = await post(doc);
          expect(xmlrpcOutcome(res).fault, res.text.slice(0, 300)).toBeDefined();
          await expectNothingChanged(doc.slice(0, 200));
        },
      ),
      runs(150),
    );
  });

  it('real write functions with wrong types, unknown and missing keys: invalidparameter, nothing written', async () => {
    const wrongCall = fc
      .constantFrom(...WRITE_FUNCTIONS)
      .chain((fn) => invalidArgsFor(catalogue.get(fn)!.parameters).map((a) => ({ fn, ...a })));
    await fc.assert(
      fc.asyncProperty(wrongCall, fc.nat(), async ({ fn, args }, style) => {
        // One struct of named arguments, or (style 5) the arguments positionally.
        const params =
          style % 5 === 0 && typeof args === 'object' && args !== null && !Array.isArray(args)
            ? Object.values(args).map((v) => toXmlrpcValue(v, style))
            : [toXmlrpcValue(args, style)];
        const doc = methodCall(fn, params);
        fc.pre(!wouldRun(doc));
        const res = await post(doc);
        const out = xmlrpcOutcome(res);
        expect(out.fault?.errorcode, res.text.slice(0, 300)).toBe('invalidparameter');
        // Moodle's code for invalidparameter: base_convert(md5('invalidparameter'), 16, 10), 8 digits.
        expect(out.fault?.faultCode).toBe(29039061);
        await expectNothingChanged(doc.slice(0, 200));
      }),
      runs(150),
    );
  });

  it('bodies that are not UTF-8, under any content type: a fault, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        withInvalidUtf8(
          `${XML_DECL}<methodCall><methodName>core_group_create_groups</methodName><params><param><value><string>`,
          '</string></value></param></params></methodCall>',
        ),
        fc.constantFrom(
          'text/xml',
          'application/xml',
          'text/xml; charset=iso-8859-1',
          'application/json',
          '',
          'multipart/form-data',
        ),
        async (body, type) => {
          const res = await post(body, fuzz.site.secret, type);
          expect(xmlrpcOutcome(res).fault?.errorcode).toBe('invalidparameter');
          await expectNothingChanged('invalid UTF-8');
        },
      ),
      runs(100),
    );
  });
});

describe('XML-RPC: the classic attacks, huge documents and other methods', () => {
  it('entity expansion, XXE, deep nesting, malformed documents: a fault each, nothing written', async () => {
    const wrap = (inner: string) =>
      `<methodCall><methodName>core_group_create_groups</methodName><params><param><value><string>${inner}</string></value></param></params></methodCall>`;
    for (const [what, doc] of classicAttacks(wrap)) {
      const res = await post(doc);
      const out = xmlrpcOutcome(res);
      expect(out.fault, what).toBeDefined();
      expect(res.text, what).not.toMatch(/root:|lollol/);
      await expectNothingChanged(what);
    }
  });

  it('near and over the 1 MiB limit (with a token), and methods other than POST', async () => {
    const LIMIT = MAX_XML_BYTES;
    const head = `${XML_DECL}<methodCall><methodName>core_group_create_groups</methodName><params><param><value><string>`;
    const tail = '</string></value></param></params></methodCall>';
    const under = await post(head + 'x'.repeat(LIMIT - head.length - tail.length) + tail);
    expect(under.status).toBe(200);
    expect(xmlrpcOutcome(under).fault?.errorcode).toBe('invalidparameter');
    const over = await post(head + 'x'.repeat(LIMIT) + tail);
    expect(over.status).toBe(413);
    expect(xmlrpcOutcome(over).fault?.errorcode).toBe('invalidparameter');
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await rawRequest(fuzz.site.t.app, method, url(), { body: 'x' });
      expect(xmlrpcOutcome(res).fault, method).toBeDefined();
    }
    await expectNothingChanged('huge documents');
  });
});
