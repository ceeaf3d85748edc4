import { type ExternalDescription, validateParameters } from '@gatehouse/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogue } from '../webservice/catalogue';
import { FUNCTIONS } from '../webservice/functions';
import { decodeElement } from '../webservice/protocols/soap';
import { MAX_XML_BYTES, parseXml } from '../webservice/protocols/xml';
import {
  expectNoPollution,
  expectNoStack,
  expectSameDb,
  type Fingerprint,
  fingerprint,
  invalidArgsFor,
  makeWsSite,
  nastyString,
  parseXmlResponse,
  protoSnapshot,
  type RawResponse,
  READ_FUNCTIONS,
  rawRequest,
  runs,
  WRITE_FUNCTIONS,
  type WsSite,
  withInvalidUtf8,
  writeCount,
} from './fuzz-helpers';
import { breakage, classicAttacks, esc, serialize, XML_DECL, type XmlPart, xmlTree } from './xml-arbitraries';

const catalogue = createCatalogue(FUNCTIONS);

// /webservice/soap/server.php fed with generated and hostile XML. SOAP 1.1 answers a fault with
// HTTP 500, so the property is: whenever the status is 500 (or 413) the body is a well-formed
// SOAP Fault carrying Moodle's error in its detail; a 200 is a read function's answer (or the
// WSDL); nothing is written, nothing is thrown.

let site: WsSite;
let before: Fingerprint;
let writes: number;
let proto: string;

beforeAll(async () => {
  site = await makeWsSite();
  before = fingerprint(site.t.store);
  writes = writeCount(site.t.store);
  proto = protoSnapshot();
});
afterAll(() => site?.t.close());

const ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const url = (token: string | undefined = site.secret, extra = '') =>
  `/webservice/soap/server.php?${token === undefined ? '' : new URLSearchParams({ wstoken: token })}${extra}`;

type Fault = { faultcode: string; faultstring: string; errorcode: string; exception: string; message: string };

/** Checks a SOAP answer: a fault with 500/413, a response envelope or a WSDL with 200. */
function soapOutcome(res: RawResponse): { fault?: Fault; ok?: true } {
  expect([200, 413, 500], `status ${res.status}: ${res.text.slice(0, 300)}`).toContain(res.status);
  expect(res.type).toMatch(/^text\/xml/);
  expectNoStack(res.text);
  const doc = parseXmlResponse(res.text);
  if ('definitions' in doc) {
    expect(res.status).toBe(200);
    return { ok: true };
  }
  const env = doc['SOAP-ENV:Envelope'] as Record<string, unknown> | undefined;
  expect(env, res.text.slice(0, 300)).toBeTypeOf('object');
  const body = env?.['SOAP-ENV:Body'] as Record<string, unknown>;
  expect(body).toBeTypeOf('object');
  if (res.status !== 200) {
    const f = body['SOAP-ENV:Fault'] as Record<string, unknown> | undefined;
    expect(f, `a ${res.status} without a SOAP Fault: ${res.text.slice(0, 300)}`).toBeTypeOf('object');
    const detail = (f?.detail as Record<string, unknown>)?.exception as Record<string, unknown>;
    expect(typeof f?.faultcode).toBe('string');
    expect(typeof f?.faultstring).toBe('string');
    expect(typeof detail?.errorcode).toBe('string');
    expect(typeof detail?.exception).toBe('string');
    expect(typeof detail?.message).toBe('string');
    expect(detail.errorcode).toBe(f?.faultcode);
    return {
      fault: {
        faultcode: f?.faultcode as string,
        faultstring: f?.faultstring as string,
        errorcode: detail.errorcode as string,
        exception: detail.exception as string,
        message: detail.message as string,
      },
    };
  }
  expect(
    Object.keys(body).some((k) => k.endsWith('Response')),
    res.text.slice(0, 300),
  ).toBe(true);
  return { ok: true };
}

function expectNothingChanged(what: string) {
  expectSameDb(before, site.t.store, what);
  expect(writeCount(site.t.store), `rows written by ${what}`).toBe(writes);
  expectNoPollution(proto);
  expect(site.logged, 'unexpected errors logged').toEqual([]);
}

const post = (body: string | Uint8Array, token?: string, type = 'text/xml; charset=utf-8') =>
  rawRequest(site.t.app, 'POST', url(token), { headers: { 'content-type': type, soapaction: '""' }, body });

const envelope = (inner: string) =>
  `${XML_DECL}<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:ns1="urn:gatehouse:webservice" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

/** A JSON-like value as document/literal elements: lists as <item>s, null as xsi:nil. */
function toElements(name: string, v: unknown): string {
  if (v === null || v === undefined) return `<${name} xsi:nil="true"/>`;
  if (Array.isArray(v)) return `<${name}>${v.map((x) => toElements('item', x)).join('')}</${name}>`;
  if (typeof v === 'object')
    return `<${name}>${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => toElements(k, x))
      .join('')}</${name}>`;
  return `<${name}>${esc(typeof v === 'boolean' ? String(v) : String(v))}</${name}>`;
}

/** Whether the server would call the function with this envelope (decoding as it does). */
function wouldRun(doc: string): boolean {
  try {
    const root = parseXml(doc);
    const op = root.children.find((c) => c.name === 'Body')?.children[0];
    const fn = op && catalogue.get(op.name);
    if (!fn || !op) return false;
    validateParameters(fn.parameters, decodeElement(op, fn.parameters as ExternalDescription));
    return true;
  } catch {
    return false;
  }
}

/** Every key name the functions' descriptions use, for trees that look nearly right. */
function keyNames(d: ExternalDescription): string[] {
  if (d.kind === 'value') return [];
  if (d.kind === 'multiple') return ['item', ...keyNames(d.content)];
  return Object.entries(d.keys).flatMap(([k, sub]) => [k, ...keyNames(sub)]);
}
const KEY_NAMES = [...new Set(WRITE_FUNCTIONS.flatMap((f) => keyNames(catalogue.get(f)!.parameters)))];

describe('SOAP: generated XML', () => {
  it('random trees inside an envelope, operations from the catalogue, whole or broken: a Fault, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<string>(
          ...WRITE_FUNCTIONS,
          ...READ_FUNCTIONS,
          'ns1:core_group_create_groups',
          'constructor',
          '__proto__',
          'nope',
        ),
        fc.array(xmlTree(KEY_NAMES, 5), { maxLength: 4 }),
        breakage,
        fc.constantFrom<'valid' | 'none' | 'garbage'>('valid', 'valid', 'none', 'garbage'),
        async (op, children, brk, tok) => {
          const doc = brk(envelope(`<${op}>${children.map(serialize).join('')}</${op}>`));
          const token = tok === 'valid' ? site.secret : tok === 'garbage' ? 'gh_nope' : undefined;
          const res = await post(doc, token);
          const out = soapOutcome(res);
          if (out.ok) expect(wouldRun(doc), `an unexpected success for ${doc.slice(0, 300)}`).toBe(true);
          expectNothingChanged(doc.slice(0, 200));
        },
      ),
      runs(200),
    );
  });

  it('random documents that are not envelopes at all: a Fault, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(xmlTree(['Envelope', 'Body']), fc.boolean(), breakage, async (tree, decl, brk) => {
        const doc = brk(`${decl ? XML_DECL : ''}${serialize(tree as XmlPart)}`);
        const res = await post(doc);
        const out = soapOutcome(res);
        if (out.ok) expect(wouldRun(doc)).toBe(true);
        expectNothingChanged(doc.slice(0, 200));
      }),
      runs(150),
    );
  });

  it('real write functions with wrong types, unknown and missing keys: invalidparameter, nothing written', async () => {
    const wrongCall = fc
      .constantFrom(...WRITE_FUNCTIONS)
      .chain((fn) => invalidArgsFor(catalogue.get(fn)!.parameters).map((a) => ({ fn, ...a })));
    await fc.assert(
      fc.asyncProperty(wrongCall, async ({ fn, args }) => {
        const doc = envelope(toElements(fn, args));
        fc.pre(!wouldRun(doc));
        const res = await post(doc);
        const out = soapOutcome(res);
        expect(res.status).toBe(500);
        expect(out.fault?.errorcode, res.text.slice(0, 300)).toBe('invalidparameter');
        expectNothingChanged(doc.slice(0, 200));
      }),
      runs(150),
    );
  });

  it('bodies that are not UTF-8, under any content type: a Fault, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        withInvalidUtf8(
          envelope('<core_group_create_groups><groups><item><name>'),
          '</name></item></groups></core_group_create_groups>',
        ),
        fc.constantFrom('text/xml', 'application/soap+xml', 'text/xml; charset=utf-16', 'application/json', ''),
        async (body, type) => {
          const res = await post(body, site.secret, type);
          expect(res.status).toBe(500);
          expect(soapOutcome(res).fault?.errorcode).toBe('invalidparameter');
          expectNothingChanged('invalid UTF-8');
        },
      ),
      runs(100),
    );
  });

  it('WSDL and other GETs with hostile tokens and query strings: a WSDL or a Fault', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(nastyString, fc.constantFrom(site.secret, `${site.secret}x`, '')),
        fc.array(fc.tuple(fc.constantFrom('wsdl', 'wstoken', 'wsdl[]', '__proto__', 'x'), nastyString), {
          maxLength: 3,
        }),
        // Raw bytes in the query string, percent-encoding broken on purpose.
        fc.constantFrom('', '&%', '&%zz=1', '&wstoken=%ff%fe', '&wsdl=%00', '&%E0%A4%A=x', '&a[=1', '&&&=&'),
        fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE'),
        async (token, extra, rawQuery, method) => {
          const q = extra.length ? `&${new URLSearchParams(extra)}` : '';
          const res = await rawRequest(site.t.app, method, url(token, `&wsdl=1${q}${rawQuery}`));
          if (method === 'HEAD') expect([200, 500]).toContain(res.status);
          else soapOutcome(res);
          expectNothingChanged(`${method} ?wsdl`);
        },
      ),
      runs(100),
    );
  });
});

describe('SOAP: the classic attacks and huge documents', () => {
  it('entity expansion, XXE, deep nesting, malformed documents: a Fault each, nothing written', async () => {
    const wrap = (inner: string) =>
      `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}"><SOAP-ENV:Body><core_group_create_groups><groups><item><name>${inner}</name></item></groups></core_group_create_groups></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    for (const [what, doc] of classicAttacks(wrap)) {
      const res = await post(doc);
      const out = soapOutcome(res);
      expect(res.status, what).toBe(500);
      expect(out.fault, what).toBeDefined();
      expect(res.text, what).not.toMatch(/root:|lollol/);
      expectNothingChanged(what);
    }
  });

  it('near and over the 1 MiB limit (with a token)', async () => {
    const LIMIT = MAX_XML_BYTES;
    const [pre = '', post_ = ''] = envelope('@@').split('@@');
    const head = `${pre}<core_group_create_groups><groups><item><name>`;
    const tail = `</name></item></groups></core_group_create_groups>${post_}`;
    const under = await post(head + 'x'.repeat(LIMIT - head.length - tail.length) + tail);
    expect(under.status).toBe(500);
    expect(soapOutcome(under).fault?.errorcode).toBe('invalidparameter');
    const over = await post(head + 'x'.repeat(LIMIT) + tail);
    expect(over.status).toBe(413);
    expect(soapOutcome(over).fault?.errorcode).toBe('invalidparameter');
    expectNothingChanged('huge documents');
  });
});
