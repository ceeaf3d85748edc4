import { afterAll, describe, expect, it } from 'vitest';
import { MAX_ANONYMOUS_XML_BYTES, MAX_XML_BYTES } from '../webservice/protocols/xml';
import { eventLoopHeld, expectNoStack, fuzzSite, parseXmlResponse, type RawResponse, rawRequest } from './fuzz-helpers';
import { XML_DECL } from './xml-arbitraries';

// What a hostile XML body costs the server. Before the fix one 2 MB body of 200 000 attributes,
// sent without an account, held the event loop for about 2 s while XML-RPC or SOAP parsed it
// (about 1 s on the CI machine). Each shape below, at the size that costs the most (about 2 MB,
// or just under the 1 MiB body limit of a call with a valid token), with no token, an unknown
// token and a valid one, over both protocols: a fault in the protocol's shape, nothing written,
// and the event loop held for less than a bound. The bounds are generous (the machine is
// shared): a shape refused before the parser takes a few milliseconds, and the most the parser
// is let do (every cap nearly reached, the rest of the body text) takes a few hundred.

/** For a request refused before the parser runs (a few ms in practice). */
const REFUSED_BOUND_MS = 250;
/** For the most the parser may be made to do within every cap (about 150-300 ms in practice). */
const PARSED_BOUND_MS = 1000;

const fuzz = fuzzSite();
const { expectNothingChanged } = fuzz;

type Protocol = 'xmlrpc' | 'soap';
// SOAP here is the document/literal opt-in, whose faults name the error code as faultcode (the
// parser's cost is the same in both styles; Moodle's RPC/encoded faults: fuzz/soap.test.ts).
// XML-RPC ignores the parameter.
const STYLE = 'style=document';

/** A call of core_webservice_get_site_info whose one argument holds `inner` as raw XML. */
function call(protocol: Protocol, inner: string): string {
  if (protocol === 'xmlrpc')
    return `${XML_DECL}<methodCall><methodName>core_webservice_get_site_info</methodName><params><param><value><string>${inner}</string></value></param></params></methodCall>`;
  return `${XML_DECL}<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><core_webservice_get_site_info xmlns="urn:gatehouse:webservice"><nosuchparameter>${inner}</nosuchparameter></core_webservice_get_site_info></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

/** `unit(i)` repeated until the next one would pass `size` characters. */
function fill(size: number, unit: (i: number) => string, open = '', close = ''): string {
  const parts = [open];
  let length = open.length + close.length;
  for (let i = 0; ; i++) {
    const u = unit(i);
    if (length + u.length > size) break;
    parts.push(u);
    length += u.length;
  }
  parts.push(close);
  return parts.join('');
}

/** The hostile shapes, each filling `size` characters. `parsed`: within every cap, so the parser runs. */
const SHAPES: { name: string; parsed?: true; minSize?: number; make: (size: number) => string }[] = [
  { name: 'attributes on one element (the issue’s shape)', make: (s) => fill(s, (i) => ` a${i}="1"`, '<a', '/>') },
  {
    name: 'attributes, 32 on every element',
    make: (s) => fill(s, () => `<a ${Array.from({ length: 32 }, (_, i) => `a${i}="1"`).join(' ')}/>`),
  },
  { name: 'empty elements', make: (s) => fill(s, () => '<a/>') },
  { name: 'elements with text', make: (s) => fill(s, () => '<a>x</a>') },
  { name: 'comments', make: (s) => fill(s, () => '<!---->') },
  { name: 'processing instructions', make: (s) => fill(s, () => '<?a?>') },
  { name: 'CDATA sections', make: (s) => fill(s, () => '<![CDATA[x]]>') },
  { name: 'one huge text', parsed: true, make: (s) => 'x'.repeat(s) },
  { name: 'entity references', parsed: true, make: (s) => fill(s, () => '&amp;') },
  { name: 'character references', parsed: true, make: (s) => fill(s, () => '&#x1F600;') },
  { name: 'one huge attribute value', make: (s) => `<a b="${'x'.repeat(s - 10)}"/>` },
  { name: 'one huge element name', make: (s) => `<${'a'.repeat(s - 3)}/>` },
  {
    name: 'deep nesting',
    make: (s) => {
      const n = Math.floor(s / 7);
      return `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    },
  },
  { name: 'deep nesting never closed', make: (s) => '<a>'.repeat(Math.floor(s / 3)) },
  {
    // The most the caps let through: 780 elements of 32 attributes (24 960 of the 25 000
    // attributes), 24 200 more elements (24 980 of the 25 000, the call's own few included),
    // and the rest of the body as text.
    name: 'every cap nearly reached, the rest text',
    parsed: true,
    minSize: 400_000,
    make: (s) => {
      const attrs = `<a ${Array.from({ length: 32 }, (_, i) => `a${i}="1"`).join(' ')}/>`.repeat(780);
      const elements = '<b>x</b>'.repeat(24_200);
      return attrs + elements + 'x'.repeat(Math.max(0, s - attrs.length - elements.length));
    },
  },
];

/** The fault's error code, after checking the answer is the protocol's fault shape. */
function faultCode(protocol: Protocol, res: RawResponse): string {
  expect(res.type).toMatch(/^text\/xml/);
  expectNoStack(res.text);
  const doc = parseXmlResponse(res.text);
  if (protocol === 'xmlrpc') {
    expect([200, 413]).toContain(res.status);
    expect((doc.methodResponse as Record<string, unknown>)?.fault, res.text.slice(0, 300)).toBeTypeOf('object');
    // Moodle's fault: the error code ends faultString.
    return res.text.match(/ \| ERRORCODE: ([^<]*)<\/string>/)?.[1] ?? '';
  }
  expect([500, 413]).toContain(res.status);
  const body = (doc['SOAP-ENV:Envelope'] as Record<string, unknown>)['SOAP-ENV:Body'] as Record<string, unknown>;
  const fault = body['SOAP-ENV:Fault'] as Record<string, unknown>;
  expect(fault, res.text.slice(0, 300)).toBeTypeOf('object');
  return String(fault.faultcode);
}

const TOKENS = [
  // Over 64 KiB without a token: refused unread.
  { name: 'no token', token: () => undefined, errorcodes: ['invalidtoken'], size: () => 2_000_000 },
  // Within 64 KiB without a token: parsed, so a malformed body gets its answer; then the chain's.
  {
    name: 'no token, 64 KiB',
    token: () => undefined,
    errorcodes: ['invalidparameter', 'invalidtoken'],
    size: () => MAX_ANONYMOUS_XML_BYTES,
  },
  { name: 'an unknown token', token: () => 'wrong-token', errorcodes: ['invalidtoken'], size: () => 2_000_000 },
  { name: 'a valid token', token: () => fuzz.site.secret, errorcodes: ['invalidparameter'], size: () => MAX_XML_BYTES },
] as const;

/** The longest hold seen per shape, for the report (SECURITY.md). */
const longest: Record<string, number> = {};
afterAll(() => {
  if (process.env.XML_COST_REPORT) console.log(longest);
});

describe.each(['xmlrpc', 'soap'] as const)('%s: hostile XML shapes cost little', (protocol) => {
  it.each(TOKENS)('with $name: a fault each, nothing written, the event loop held briefly', async (who) => {
    const shell = call(protocol, '').length + 8;
    for (const shape of SHAPES) {
      if ((shape.minSize ?? 0) > who.size()) continue;
      const body = call(protocol, shape.make(who.size() - shell));
      expect(Buffer.byteLength(body), shape.name).toBeLessThanOrEqual(who.size());
      const token = who.token();
      const path = `/webservice/${protocol}/server.php${token === undefined ? `?${STYLE}` : `?wstoken=${token}&${STYLE}`}`;
      const send = () =>
        eventLoopHeld(() =>
          rawRequest(fuzz.site.t.app, 'POST', path, { headers: { 'content-type': 'text/xml; charset=utf-8' }, body }),
        );
      const what = `${shape.name} with ${who.name}`;
      const bound = shape.parsed && who.name === 'a valid token' ? PARSED_BOUND_MS : REFUSED_BOUND_MS;
      let { value: res, heldMs } = await send();
      // Noise (other work on the machine, a garbage collection) only ever adds time: one more
      // try before calling a request slow.
      if (heldMs >= bound) ({ value: res, heldMs } = await send());
      expect(who.errorcodes, what).toContain(faultCode(protocol, res));
      expect(heldMs, `${what}: the event loop held for ${Math.round(heldMs)} ms`).toBeLessThan(bound);
      longest[`${protocol} ${what}`] = Math.round(heldMs);
      await expectNothingChanged(what);
    }
  });

  it('a valid token and a body over the limit: 413 before the parser, whatever the shape', async () => {
    const body = call(protocol, SHAPES[0]!.make(2 * MAX_XML_BYTES));
    const send = () =>
      eventLoopHeld(() =>
        rawRequest(fuzz.site.t.app, 'POST', `/webservice/${protocol}/server.php?wstoken=${fuzz.site.secret}&${STYLE}`, {
          body,
        }),
      );
    let { value: res, heldMs } = await send();
    if (heldMs >= REFUSED_BOUND_MS) ({ value: res, heldMs } = await send());
    expect(res.status).toBe(413);
    expect(faultCode(protocol, res)).toBe('invalidparameter');
    expect(heldMs, `held for ${Math.round(heldMs)} ms`).toBeLessThan(REFUSED_BOUND_MS);
    await expectNothingChanged('a body over the limit');
  });
});
