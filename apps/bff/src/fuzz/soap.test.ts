import { type ExternalDescription, validateParameters } from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalogue } from '../webservice/catalogue';
import { FUNCTIONS } from '../webservice/functions';
import { decodeElement } from '../webservice/protocols/soap';
import { decodeRpcArgs } from '../webservice/protocols/soap-encoded';
import { MAX_XML_BYTES, parseXml } from '../webservice/protocols/xml';
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
import { breakage, classicAttacks, esc, serialize, XML_DECL, type XmlPart, xmlTree } from './xml-arbitraries';

const catalogue = createCatalogue(FUNCTIONS);

// /webservice/soap/server.php fed with generated and hostile XML. SOAP 1.1 answers a fault with
// HTTP 500, so the property is: whenever the status is 500 (or 413) the body is a well-formed
// SOAP Fault carrying Moodle's error in its detail; a 200 is a read function's answer (or the
// WSDL); nothing is written, nothing is thrown.

const fuzz = fuzzSite();
const { expectNothingChanged } = fuzz;

const ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
// The document/literal opt-in (`style=document`), whose faults carry Moodle's error in their
// detail; Moodle's RPC/encoded contract, the default, is fuzzed at the end of this file.
const url = (token: string | undefined = fuzz.site.secret, extra = '', style = 'style=document') =>
  `/webservice/soap/server.php?${token === undefined ? '' : `${new URLSearchParams({ wstoken: token })}&`}${style}${extra}`;

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

const post = (body: string | Uint8Array, token?: string, type = 'text/xml; charset=utf-8') =>
  rawRequest(fuzz.site.t.app, 'POST', url(token), { headers: { 'content-type': type, soapaction: '""' }, body });

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
    const root = parseXml(asSent(doc));
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
          const token = tok === 'valid' ? fuzz.site.secret : tok === 'garbage' ? 'gh_nope' : undefined;
          const res = await post(doc, token);
          const out = soapOutcome(res);
          if (out.ok) expect(wouldRun(doc), `an unexpected success for ${doc.slice(0, 300)}`).toBe(true);
          await expectNothingChanged(doc.slice(0, 200));
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
        await expectNothingChanged(doc.slice(0, 200));
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
        await expectNothingChanged(doc.slice(0, 200));
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
          const res = await post(body, fuzz.site.secret, type);
          expect(res.status).toBe(500);
          expect(soapOutcome(res).fault?.errorcode).toBe('invalidparameter');
          await expectNothingChanged('invalid UTF-8');
        },
      ),
      runs(100),
    );
  });

  it('WSDL and other GETs with hostile tokens and query strings: a WSDL or a Fault', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(nastyString, fc.constantFrom(fuzz.site.secret, `${fuzz.site.secret}x`, '')),
        fc.array(fc.tuple(fc.constantFrom('wsdl', 'wstoken', 'wsdl[]', '__proto__', 'x'), nastyString), {
          maxLength: 3,
        }),
        // Raw bytes in the query string, percent-encoding broken on purpose.
        fc.constantFrom('', '&%', '&%zz=1', '&wstoken=%ff%fe', '&wsdl=%00', '&%E0%A4%A=x', '&a[=1', '&&&=&'),
        fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE'),
        async (token, extra, rawQuery, method) => {
          const q = extra.length ? `&${new URLSearchParams(extra)}` : '';
          const res = await rawRequest(fuzz.site.t.app, method, url(token, `&wsdl=1${q}${rawQuery}`));
          if (method === 'HEAD') expect([200, 500]).toContain(res.status);
          else soapOutcome(res);
          await expectNothingChanged(`${method} ?wsdl`);
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
      await expectNothingChanged(what);
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
    await expectNothingChanged('huge documents');
  });
});

// ---- Moodle's contract: RPC/encoded, the default ----------------------------------------------

const ENC = 'http://schemas.xmlsoap.org/soap/encoding/';
/** How PHP's SoapClient opens an RPC/encoded call (the namespace is the endpoint, as Moodle's WSDL says). */
const rpcEnvelope = (inner: string) =>
  `${XML_DECL}<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:ns1="http://localhost:3000/webservice/soap/server.php?wstoken=x" xmlns:ns2="http://xml.apache.org/xml-soap" xmlns:SOAP-ENC="${ENC}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" SOAP-ENV:encodingStyle="${ENC}"><SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const postRpc = (body: string, token?: string) =>
  rawRequest(fuzz.site.t.app, 'POST', url(token, '', ''), {
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body,
  });

/**
 * Checks an answer in Moodle's shapes: a call's answer (200), a refusal before the call (Moodle's
 * send_error: 200, faultcode MOODLE:error), or a fault during the call (500, or 413: faultcode
 * Receiver, the error code as faultactor and after "| ERRORCODE: ").
 */
function moodleOutcome(res: RawResponse): { errorcode?: string; refused?: true; ok?: true } {
  expect([200, 413, 500], `status ${res.status}: ${res.text.slice(0, 300)}`).toContain(res.status);
  expectNoStack(res.text);
  const doc = parseXmlResponse(res.text);
  const env = doc['SOAP-ENV:Envelope'] as Record<string, unknown> | undefined;
  expect(env, res.text.slice(0, 300)).toBeTypeOf('object');
  const body = env?.['SOAP-ENV:Body'] as Record<string, unknown>;
  const f = body?.['SOAP-ENV:Fault'] as Record<string, unknown> | undefined;
  if (!f) {
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/xml/);
    expect(
      Object.keys(body).some((k) => /^ns1:.*Response$/.test(k)),
      res.text.slice(0, 300),
    ).toBe(true);
    return { ok: true };
  }
  if (f.faultcode === 'MOODLE:error') {
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/xml/);
    expect(typeof f.faultstring).toBe('string');
    return { refused: true };
  }
  expect([500, 413]).toContain(res.status);
  expect(res.type).toMatch(/^text\/xml/);
  expect(f.faultcode).toBe('Receiver');
  const actor = String(f.faultactor);
  expect(String(f.faultstring).endsWith(` | ERRORCODE: ${actor}`), String(f.faultstring)).toBe(true);
  return { errorcode: actor };
}

/** Whether the server would call the function with this RPC/encoded envelope. */
function wouldRunRpc(doc: string): boolean {
  try {
    const root = parseXml(asSent(doc));
    const body = root.children.find((c) => c.name === 'Body');
    const op = body?.children[0];
    const fn = op && catalogue.get(op.name);
    if (!fn || !op || !body) return false;
    validateParameters(fn.parameters, decodeRpcArgs(op, body, fn.parameters));
    return true;
  } catch {
    return false;
  }
}

const XSI_TYPES = [
  'xsd:string',
  'xsd:int',
  'xsd:boolean',
  'xsd:float',
  'SOAP-ENC:Struct',
  'ns2:Map',
  'apache:Map',
  'x:',
];

/** Values as PHP's ext/soap writes them (typed scalars, SOAP-ENC:Arrays, Apache maps, nil), and near misses. */
const encoded: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom(...XSI_TYPES), nastyString).map(([t, x]) => `<v xsi:type="${t}">${esc(x)}</v>`),
    fc.constant('<v xsi:nil="true"/>'),
    fc.constantFrom('<v href="#r1"/>', '<v href="#nope"/>', '<v href="x"/>', '<v id="r1" href="#r1"/>'),
    fc
      .array(tie('v'), { maxLength: 4 })
      .map(
        (items) =>
          `<v SOAP-ENC:arrayType="xsd:ur-type[${items.length}]" xsi:type="SOAP-ENC:Array">${items.map((i) => i.replace(/^<v/, '<item').replace(/<\/v>$/, '</item>')).join('')}</v>`,
      ),
    fc.array(fc.tuple(fc.constantFrom(...KEY_NAMES, 'item', 'key', '__proto__', ''), tie('v')), { maxLength: 4 }).map(
      (entries) =>
        `<v xsi:type="ns2:Map">${entries
          .map(
            ([k, x]) =>
              `<item><key xsi:type="xsd:string">${esc(k)}</key>${x
                .replace(/^<v/, '<value')
                .replace(/<\/v>$/, '</value>')
                .replace(/^<value([^>]*)\/>$/, '<value$1/>')}</item>`,
          )
          .join('')}</v>`,
    ),
  ),
})).v;

/** Renames the outer element of a generated value. */
const named = (name: string, v: string) =>
  v.startsWith('<v') ? `<${name}${v.slice(2).replace(/<\/v>$/, `</${name}>`)}` : v;

describe("SOAP RPC/encoded (Moodle's contract): generated XML", () => {
  it("operations with PHP-encoded parts (arrays, maps, references, nil), whole or broken: Moodle's answers, nothing written", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<string>(...WRITE_FUNCTIONS, ...READ_FUNCTIONS, 'nope', '__proto__'),
        fc.array(fc.tuple(fc.constantFrom(...KEY_NAMES, 'param0', 'param1', 'param9'), encoded), { maxLength: 4 }),
        breakage,
        fc.constantFrom<'valid' | 'none' | 'garbage'>('valid', 'valid', 'none', 'garbage'),
        async (fn, parts, brk, tok) => {
          const doc = brk(rpcEnvelope(`<ns1:${fn}>${parts.map(([k, v]) => named(k, v)).join('')}</ns1:${fn}>`));
          const token = tok === 'valid' ? fuzz.site.secret : tok === 'garbage' ? 'gh_nope' : undefined;
          const res = await postRpc(doc, token);
          const out = moodleOutcome(res);
          if (out.ok) expect(wouldRunRpc(doc), `an unexpected success for ${doc.slice(0, 300)}`).toBe(true);
          // A wrong token is refused before the body; no token at all once the body is read (a
          // function the hub answers without one may still run): both as Moodle's send_error.
          if (tok === 'garbage') expect(out.refused, res.text.slice(0, 300)).toBe(true);
          expect(out.errorcode).not.toBe('invalidtoken');
          await expectNothingChanged(doc.slice(0, 200));
        },
      ),
      runs(200),
    );
  });

  it('write functions with wrong types as PHP sends them (ns2:Map items): invalidparameter, nothing written', async () => {
    const toEncoded = (name: string, v: unknown): string => {
      if (v === null || v === undefined) return `<${name} xsi:nil="true"/>`;
      if (Array.isArray(v))
        return `<${name} SOAP-ENC:arrayType="xsd:ur-type[${v.length}]" xsi:type="SOAP-ENC:Array">${v.map((x) => toEncoded('item', x)).join('')}</${name}>`;
      if (typeof v === 'object')
        return `<${name} xsi:type="ns2:Map">${Object.entries(v as Record<string, unknown>)
          .map(([k, x]) => `<item><key xsi:type="xsd:string">${esc(k)}</key>${toEncoded('value', x)}</item>`)
          .join('')}</${name}>`;
      return `<${name} xsi:type="xsd:string">${esc(String(v))}</${name}>`;
    };
    const wrongCall = fc
      .constantFrom(...WRITE_FUNCTIONS)
      .chain((fn) => invalidArgsFor(catalogue.get(fn)!.parameters).map((a) => ({ fn, ...a })));
    await fc.assert(
      fc.asyncProperty(wrongCall, async ({ fn, args }) => {
        // Arguments that are not a structure at all go as the first positional part.
        const parts =
          args && typeof args === 'object' && !Array.isArray(args)
            ? Object.entries(args as Record<string, unknown>).map(([k, v]) => toEncoded(k, v))
            : [toEncoded('param0', args)];
        const doc = rpcEnvelope(`<ns1:${fn}>${parts.join('')}</ns1:${fn}>`);
        fc.pre(!wouldRunRpc(doc));
        const res = await postRpc(doc, fuzz.site.secret);
        expect(moodleOutcome(res).errorcode, res.text.slice(0, 300)).toBe('invalidparameter');
        expect(res.status).toBe(500);
        await expectNothingChanged(doc.slice(0, 200));
      }),
      runs(150),
    );
  });

  it('multi-references that loop or fan out exponentially: one fault, quickly, nothing written', async () => {
    // Each level refers to the one below twice: 2^40 visits if references were followed blindly.
    const levels = Array.from(
      { length: 40 },
      (_, i) => `<r id="l${i}" xsi:type="SOAP-ENC:Array"><item href="#l${i + 1}"/><item href="#l${i + 1}"/></r>`,
    ).join('');
    for (const [what, inner] of [
      [
        'a reference to itself',
        '<ns1:core_webservice_get_site_info><serviceshortnames id="a" href="#a"/></ns1:core_webservice_get_site_info>',
      ],
      [
        'a loop of two',
        '<ns1:core_webservice_get_site_info><serviceshortnames href="#b"/></ns1:core_webservice_get_site_info><x id="b" xsi:type="SOAP-ENC:Array"><item href="#c"/></x><y id="c" xsi:type="SOAP-ENC:Array"><item href="#b"/></y>',
      ],
      [
        'an exponential fan-out',
        `<ns1:core_group_create_groups><groups href="#l0"/></ns1:core_group_create_groups>${levels}<r id="l40" xsi:type="ns2:Map"/>`,
      ],
    ] as const) {
      const res = await postRpc(rpcEnvelope(inner), fuzz.site.secret);
      expect(moodleOutcome(res).errorcode, what).toBe('invalidparameter');
      await expectNothingChanged(what);
    }
  });

  it("hostile bodies without a token or with a wrong one: Moodle's refusal (200, MOODLE:error), unread", async () => {
    for (const token of [undefined, 'gh_nope']) {
      const res = await postRpc(
        rpcEnvelope(`<ns1:core_group_create_groups>${'<a>'.repeat(10)}</ns1:core_group_create_groups>`),
        token,
      );
      const out = moodleOutcome(res);
      if (token !== undefined) expect(out.refused).toBe(true);
      await expectNothingChanged(`token ${token}`);
    }
  });
});
