import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { externalTokens } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeWsSite, parseXmlResponse, type WsSite } from '../../fuzz/fuzz-helpers';
import { makeTestApp } from '../../test/helpers';
import { moodleFaultOf } from '../../test/xmlrpc-faults';

// XML-RPC and SOAP before and around the parser (SECURITY.md, "XML"): the token is checked
// before the body is read, a body without a token is read only when it is small, and a parsed
// document has caps on its elements, attributes and nesting. Every refusal keeps the
// protocol's own fault shape: an XML-RPC fault (HTTP 200, 413 for an oversized body) or a SOAP
// Fault (HTTP 500, 413).

const KiB = 1024;
const MiB = 1024 * KiB;
/** The XML body limit of an authenticated call. */
const XML_LIMIT = MiB;
/** The body a request without a token (query string or Authorization header) may send. */
const ANONYMOUS_LIMIT = 64 * KiB;

let site: WsSite;

beforeAll(async () => {
  site = await makeWsSite();
});
afterAll(() => site?.t.close());
afterEach(async () => {
  await site.t.deps.settings.apply({ enablewebservices: '1' }, SYSTEM_ACTOR);
  await site.t.store.db.update(externalTokens).set({ validUntil: null }).where(eq(externalTokens.id, site.tokenId));
  site.t.deps.gen.bump();
});

/**
 * A request body the test hands out chunk by chunk, only when the server asks for it: `read`
 * says how much of it the server actually read (nothing, if it answered without reading).
 */
function watchedBody(text: string, chunk = 16 * KiB) {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const state = { read: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) {
          controller.close();
          return;
        }
        const part = bytes.subarray(offset, offset + chunk);
        offset += part.length;
        state.read += part.length;
        controller.enqueue(part);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state, length: bytes.length };
}

interface Sent {
  status: number;
  text: string;
  /** Bytes of the body the server read. */
  read: number;
}

async function send(
  protocol: 'xmlrpc' | 'soap',
  body: string,
  opts: { token?: string; bearer?: boolean; declareLength?: boolean } = {},
): Promise<Sent> {
  const { stream, state, length } = watchedBody(body);
  const params = new URLSearchParams();
  if (opts.token !== undefined && !opts.bearer) params.set('wstoken', opts.token);
  // SOAP here is the document/literal opt-in, whose faults carry the error code in their detail
  // (Moodle's contract, the default, is tested in soap-moodle.test.ts).
  if (protocol === 'soap') params.set('style', 'document');
  const query = params.size ? `?${params}` : '';
  const headers: Record<string, string> = { host: 'localhost', 'content-type': 'text/xml; charset=utf-8' };
  if (opts.bearer && opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.declareLength) headers['content-length'] = String(length);
  const res = await site.t.app.request(
    `/webservice/${protocol}/server.php${query}`,
    { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit,
    { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
  );
  const text = await res.text();
  return { status: res.status, text, read: state.read };
}

interface Fault {
  errorcode: string;
  message: string;
  debuginfo: string;
}

/** The fault of an answer, checked to be the protocol's own shape. */
function faultOf(protocol: 'xmlrpc' | 'soap', res: Sent): Fault {
  const doc = parseXmlResponse(res.text);
  if (protocol === 'xmlrpc') {
    expect([200, 413], res.text.slice(0, 300)).toContain(res.status);
    const fault = (doc.methodResponse as Record<string, unknown> | undefined)?.fault as Record<string, unknown>;
    expect(fault, res.text.slice(0, 300)).toBeTypeOf('object');
    const parsed = moodleFaultOf(res.text);
    expect(parsed, `Moodle's fault shape: ${res.text.slice(0, 300)}`).toBeDefined();
    return { errorcode: parsed?.errorcode ?? '', message: parsed?.message ?? '', debuginfo: parsed?.debuginfo ?? '' };
  }
  expect([500, 413], res.text.slice(0, 300)).toContain(res.status);
  const body = (doc['SOAP-ENV:Envelope'] as Record<string, unknown>)['SOAP-ENV:Body'] as Record<string, unknown>;
  const fault = body['SOAP-ENV:Fault'] as Record<string, unknown>;
  expect(fault, res.text.slice(0, 300)).toBeTypeOf('object');
  const detail = (fault.detail as Record<string, unknown>).exception as Record<string, unknown>;
  expect(detail.errorcode).toBe(fault.faultcode);
  return {
    errorcode: String(fault.faultcode),
    message: String(fault.faultstring),
    debuginfo: String(detail.debuginfo ?? ''),
  };
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A call of `fn` whose one string argument is `inner` (raw XML, so it can be hostile). */
function call(protocol: 'xmlrpc' | 'soap', inner: string, fn = 'core_webservice_get_site_info'): string {
  if (protocol === 'xmlrpc')
    return `${XML_DECL}<methodCall><methodName>${fn}</methodName><params><param><value><string>${inner}</string></value></param></params></methodCall>`;
  return `${XML_DECL}<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><${fn} xmlns="urn:gatehouse:webservice"><serviceshortnames>${inner}</serviceshortnames></${fn}></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

/** The shape: one element with 200 000 attributes, about 2 MB. */
const manyAttributes = (n = 200_000) => `<a ${Array.from({ length: n }, (_, i) => `a${i}="1"`).join(' ')}/>`;

describe.each(['xmlrpc', 'soap'] as const)('%s: the token before the body', (protocol) => {
  it('refuses an unknown token (query string or Bearer header) without reading the body', async () => {
    const hostile = call(protocol, manyAttributes());
    for (const bearer of [false, true]) {
      const res = await send(protocol, hostile, { token: 'not-a-real-token', bearer });
      expect(faultOf(protocol, res).errorcode, `bearer ${bearer}`).toBe('invalidtoken');
      expect(res.status).toBe(protocol === 'xmlrpc' ? 200 : 500);
      expect(res.read, `bytes read with bearer ${bearer}`).toBe(0);
    }
  });

  it('refuses a token that fails the token checks (expired) without reading the body, naming the check', async () => {
    await site.t.store.db
      .update(externalTokens)
      .set({ validUntil: site.t.deps.now() - 60 })
      .where(eq(externalTokens.id, site.tokenId));
    site.t.deps.gen.bump();
    const res = await send(protocol, call(protocol, manyAttributes()), { token: site.secret });
    const fault = faultOf(protocol, res);
    expect(fault.errorcode).toBe('accessexception');
    expect(fault.debuginfo).toContain('[tokenexpired]');
    expect(res.read).toBe(0);
  });

  it('answers "web services disabled" first, without reading the body', async () => {
    await site.t.deps.settings.apply({ enablewebservices: '0' }, SYSTEM_ACTOR);
    const res = await send(protocol, call(protocol, manyAttributes()), { token: site.secret });
    expect(faultOf(protocol, res).debuginfo).toContain('[webservicesdisabled]');
    expect(res.read).toBe(0);
  });

  it('without a token, refuses a body over 64 KiB: unread when its length is declared, at 64 KiB when chunked', async () => {
    const big = call(protocol, 'x'.repeat(ANONYMOUS_LIMIT));
    const declared = await send(protocol, big, { declareLength: true });
    const fault = faultOf(protocol, declared);
    expect(fault.errorcode).toBe('invalidtoken');
    expect(fault.debuginfo).toMatch(/no token/i);
    expect(declared.read).toBe(0);
    const chunked = await send(protocol, big);
    expect(faultOf(protocol, chunked).errorcode).toBe('invalidtoken');
    expect(chunked.read).toBeLessThanOrEqual(ANONYMOUS_LIMIT + 16 * KiB);
    // The 2 MB shape, sent without a token.
    const hostile = await send(protocol, call(protocol, manyAttributes()));
    expect(faultOf(protocol, hostile).errorcode).toBe('invalidtoken');
    expect(hostile.read).toBeLessThanOrEqual(ANONYMOUS_LIMIT + 16 * KiB);
  });

  it('without a token, a small body still gets its precise answer (malformed XML, then the token)', async () => {
    const malformed = await send(protocol, '<methodCall><methodName>x');
    expect(faultOf(protocol, malformed)).toMatchObject({ errorcode: 'invalidparameter' });
    expect(faultOf(protocol, malformed).message).toMatch(/Malformed XML/);
    const wellFormed = await send(protocol, call(protocol, 'x'));
    expect(faultOf(protocol, wellFormed).errorcode).toBe('invalidtoken');
  });
});

describe.each(['xmlrpc', 'soap'] as const)('%s: caps on a parsed document (valid token)', (protocol) => {
  const refused = async (inner: string, pattern: RegExp) => {
    const res = await send(protocol, call(protocol, inner), { token: site.secret });
    const fault = faultOf(protocol, res);
    expect(fault.errorcode).toBe('invalidparameter');
    expect(fault.message).toMatch(pattern);
  };

  it('refuses 80 000 attributes on one element (the issue’s shape within 1 MiB), and more than 32', async () => {
    await refused(manyAttributes(80_000), /too many attributes/i);
    await refused(manyAttributes(33), /too many attributes/i);
  });

  it('refuses more than 25 000 attributes in one document, however spread', async () => {
    const full = `<a ${Array.from({ length: 32 }, (_, i) => `a${i}="1"`).join(' ')}/>`;
    await refused(full.repeat(782), /too many attributes/i);
  });

  it('refuses more than 25 000 elements (comments, CDATA sections and processing instructions count)', async () => {
    await refused('<a/>'.repeat(25_001), /too many elements/i);
    await refused('<!---->'.repeat(25_001), /too many elements/i);
    await refused('<![CDATA[x]]>'.repeat(25_001), /too many elements/i);
  });

  it('refuses an attribute value over 4 KiB and an element name over 1 KiB', async () => {
    await refused(`<a b="${'x'.repeat(4 * KiB + 1)}"/>`, /attribute value is too long/i);
    await refused(`<${'a'.repeat(KiB + 1)}/>`, /name is too long/i);
  });

  it('refuses nesting deeper than 64 levels, before parsing', async () => {
    await refused(
      `${'<a>'.repeat(200_000)}x${'</a>'.repeat(200_000)}`.slice(0, XML_LIMIT - 1000),
      /nested too deeply/i,
    );
  });

  it('takes a body up to 1 MiB and answers 413 over it', async () => {
    const fill = (size: number) => {
      const shell = call(protocol, '');
      return call(protocol, 'x'.repeat(size - shell.length));
    };
    const under = await send(protocol, fill(XML_LIMIT), { token: site.secret, declareLength: true });
    expect(under.status).not.toBe(413);
    expect(under.read).toBe(XML_LIMIT);
    const over = await send(protocol, fill(XML_LIMIT + 1), { token: site.secret, declareLength: true });
    expect(over.status).toBe(413);
    expect(faultOf(protocol, over)).toMatchObject({ errorcode: 'invalidparameter' });
    expect(faultOf(protocol, over).message).toContain(`at most ${XML_LIMIT} bytes`);
  });

  it('still takes a real call with everything a client sends: declaration, namespaces, comments, CDATA', async () => {
    const body =
      protocol === 'xmlrpc'
        ? `${XML_DECL}<!-- a client's comment --><methodCall><methodName>core_webservice_get_site_info</methodName><params><param><value><struct><member><name>serviceshortnames</name><value><array><data><value><string><![CDATA[fuzzsvc]]></string></value></data></array></value></member></struct></value></param></params></methodCall>`
        : `${XML_DECL}<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="urn:gatehouse:webservice" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body><ns1:core_webservice_get_site_info><serviceshortnames><item xsi:type="xsd:string"><![CDATA[fuzzsvc]]></item></serviceshortnames></ns1:core_webservice_get_site_info></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const res = await send(protocol, body, { token: site.secret });
    expect(res.status, res.text.slice(0, 400)).toBe(200);
    expect(res.text).toContain('admin');
  });
});

describe('SOAP: the WSDL’s address comes from GATEHOUSE_WWWROOT, never from the Host header', () => {
  it('serves a WSDL whose soap:address is under wwwroot, whatever Host the request forged', async () => {
    const t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: 'https://moodle.example.org/gatehouse' } });
    try {
      await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'soap' }, SYSTEM_ACTOR);
      const svc = await createService(
        t.deps,
        {
          name: 'WSDL service',
          shortname: 'wsdlsvc',
          enabled: true,
          restrictedUsers: false,
          requiredCapability: null,
          downloadFiles: false,
          uploadFiles: false,
        },
        SYSTEM_ACTOR,
      );
      await addServiceFunctions(t.deps, svc.id, ['core_webservice_get_site_info'], SYSTEM_ACTOR);
      const { secret } = await createAdminToken(
        t.deps,
        { userId: await t.userId('admin'), serviceId: svc.id, validUntil: null },
        SYSTEM_ACTOR,
        true,
      );
      for (const host of ['evil.example', 'localhost:3000', 'moodle.example.org.evil.example']) {
        const res = await t.app.request(
          `/webservice/soap/server.php?wsdl=1&wstoken=${secret}`,
          { headers: { host, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' } },
          { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
        );
        const text = await res.text();
        expect(res.status).toBe(200);
        const location = text.match(/<soap:address location="([^"]*)"/)?.[1];
        expect(location, host).toBe(
          `https://moodle.example.org/gatehouse/webservice/soap/server.php?wstoken=${secret}`,
        );
        expect(text).not.toContain('evil.example');
        expect(text).not.toContain('localhost');
      }
    } finally {
      await t.close();
    }
  });
});
