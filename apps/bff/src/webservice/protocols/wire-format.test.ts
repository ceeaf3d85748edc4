import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { makeWsSite, rawRequest, type WsSite } from '../../fuzz/fuzz-helpers';

// The protocols' answers byte for byte: status, Content-Type and the whole body of their error
// shapes (where Moodle's clients read the error code), the envelopes around a result (not the
// function's own keys) and the WSDL's namespaces and address. Other tests read these answers the way clients do; this one
// fails on any change of a byte, escaping and namespaces included.

let site: WsSite;

beforeAll(async () => {
  site = await makeWsSite();
});
afterAll(() => site?.t.close());

const REST = '/webservice/rest/server.php';
const XMLRPC = '/webservice/xmlrpc/server.php';
const SOAP = '/webservice/soap/server.php';
const INFO = 'core_webservice_get_site_info';
const BAD_TOKEN = 'not-a-real-token';
const KiB = 1024;

async function answer(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await rawRequest(site.t.app, method, path, { body, headers });
  return `${res.status} ${res.type}\n${res.text}`;
}

const methodCall = (fn: string, params: string) =>
  `<?xml version="1.0"?><methodCall><methodName>${fn}</methodName><params>${params}</params></methodCall>`;
const envelope = (fn: string, inner: string) =>
  `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${fn} xmlns="urn:gatehouse:webservice">${inner}</${fn}></soap:Body></soap:Envelope>`;

describe('REST', () => {
  it('errors in JSON and in XML', async () => {
    expect(
      await answer('GET', `${REST}?wstoken=${BAD_TOKEN}&wsfunction=${INFO}&moodlewsrestformat=json`),
    ).toMatchInlineSnapshot(`
        "200 application/json; charset=utf-8
        {"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found","debuginfo":"Invalid token - token not found [invalidtoken]"}"
      `);
    expect(await answer('GET', `${REST}?wstoken=${BAD_TOKEN}&wsfunction=${INFO}`)).toMatchInlineSnapshot(`
      "200 application/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8" ?>
      <EXCEPTION class="moodle_exception">
      <ERRORCODE>invalidtoken</ERRORCODE>
      <MESSAGE>Invalid token - token not found</MESSAGE>
      <DEBUGINFO>Invalid token - token not found [invalidtoken]</DEBUGINFO>
      </EXCEPTION>
      "
    `);
    // Quotes in the debug info, escaped in XML.
    expect(
      await answer('GET', `${REST}?wstoken=${site.secret}&wsfunction=${INFO}&serviceshortnames[0][x]=1`),
    ).toMatchInlineSnapshot(`
        "200 application/xml; charset=utf-8
        <?xml version="1.0" encoding="UTF-8" ?>
        <EXCEPTION class="invalid_parameter_exception">
        <ERRORCODE>invalidparameter</ERRORCODE>
        <MESSAGE>Invalid parameter value detected</MESSAGE>
        <DEBUGINFO>serviceshortnames =&gt; 0: Invalid external api parameter: the value is &quot;object&quot;, the server was expecting &quot;alphanumext&quot; type</DEBUGINFO>
        </EXCEPTION>
        "
      `);
    expect(await answer('GET', `${REST}/core_no_such_function?wstoken=${site.secret}`)).toMatchInlineSnapshot(`
      "200 application/json; charset=utf-8
      {"exception":"dml_missing_record_exception","errorcode":"invalidrecord","message":"Can't find data record in database table external_functions.","debuginfo":"Can't find data record in database table external_functions. (function core_no_such_function) [functionnotfound]"}"
    `);
  });

  it('requests that cannot be read: 400 and 413, in the format the query string asks for', async () => {
    expect(
      await answer('POST', `${REST}?wstoken=${site.secret}&wsfunction=${INFO}`, '{"a":', {
        'content-type': 'application/json',
      }),
    ).toMatchInlineSnapshot(`
      "400 application/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8" ?>
      <EXCEPTION class="invalid_parameter_exception">
      <ERRORCODE>invalidparameter</ERRORCODE>
      <MESSAGE>The JSON body is malformed</MESSAGE>
      </EXCEPTION>
      "
    `);
    expect(
      await answer('POST', `${REST}/${INFO}?wstoken=${site.secret}`, 'x'.repeat(5 * KiB * KiB), {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    ).toMatchInlineSnapshot(`
      "413 application/json; charset=utf-8
      {"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"The request body is too large (at most 4194304 bytes)"}"
    `);
  });

  it('the envelope of a result', async () => {
    const xml = await answer('GET', `${REST}?wstoken=${site.secret}&wsfunction=${INFO}`);
    expect(xml.slice(0, 106)).toMatchInlineSnapshot(`
      "200 application/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8" ?>
      <RESPONSE>
      <SINGLE>
      <KEY name=""
    `);
    expect(xml.slice(-29)).toMatchInlineSnapshot(`
      "</KEY>
      </SINGLE>
      </RESPONSE>
      "
    `);
    const json = await answer('GET', `${REST}/${INFO}?wstoken=${site.secret}`);
    expect(json.slice(0, 38)).toMatchInlineSnapshot(`
      "200 application/json; charset=utf-8
      {""
    `);
  });
});

describe('XML-RPC', () => {
  // Moodle's fault (webservice/xmlrpc/locallib.php, generate_error, through PHP's
  // xmlrpc_encode_request with encoding UTF-8, verbosity no_white_space, escaping markup): no
  // white space, no trailing newline, &<>" as decimal references; faultCode the first 8 digits
  // of base_convert(md5(errorcode), 16, 10) (invalidparameter 29039061, invalidtoken 89159464);
  // faultString "<message>[ | DEBUG INFO: <debuginfo>] | ERRORCODE: <errorcode>" (debugging is
  // on in this site, and only the refusals carry debug information).
  it('faults: escaped text (control characters dropped), refusals, the limits', async () => {
    const hostile = methodCall(INFO, `<param><value><int>\u0001&lt;x&gt;"&amp;'</int></value></param>`);
    expect(await answer('POST', `${XMLRPC}?wstoken=${site.secret}`, hostile)).toMatchInlineSnapshot(`
      "200 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>29039061</int></value></member><member><name>faultString</name><value><string>Not an integer: &#60;x&#62;&#34;&#38;' | ERRORCODE: invalidparameter</string></value></member></struct></value></fault></methodResponse>"
    `);
    expect(await answer('POST', `${XMLRPC}?wstoken=${BAD_TOKEN}`, methodCall(INFO, ''))).toMatchInlineSnapshot(`
      "200 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>89159464</int></value></member><member><name>faultString</name><value><string>Invalid token - token not found | DEBUG INFO: Invalid token - token not found [invalidtoken] | ERRORCODE: invalidtoken</string></value></member></struct></value></fault></methodResponse>"
    `);
    expect(await answer('GET', `${XMLRPC}?wstoken=${site.secret}`)).toMatchInlineSnapshot(`
      "200 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>29039061</int></value></member><member><name>faultString</name><value><string>XML-RPC calls are POST requests | ERRORCODE: invalidparameter</string></value></member></struct></value></fault></methodResponse>"
    `);
    const big = methodCall(INFO, `<param><value><string>${'a'.repeat(100 * KiB)}</string></value></param>`);
    expect(await answer('POST', XMLRPC, big)).toMatchInlineSnapshot(`
      "200 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>89159464</int></value></member><member><name>faultString</name><value><string>Invalid token - token not found | DEBUG INFO: Invalid token - token not found (no token in the query string (wstoken) or an Authorization: Bearer header; without one a body over 65536 bytes is not read) [invalidtoken] | ERRORCODE: invalidtoken</string></value></member></struct></value></fault></methodResponse>"
    `);
    const huge = methodCall(INFO, `<param><value><string>${'a'.repeat(2 * KiB * KiB)}</string></value></param>`);
    expect(await answer('POST', XMLRPC, huge, { authorization: `Bearer ${site.secret}` })).toMatchInlineSnapshot(`
      "413 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>29039061</int></value></member><member><name>faultString</name><value><string>The request body is too large (at most 1048576 bytes) | ERRORCODE: invalidparameter</string></value></member></struct></value></fault></methodResponse>"
    `);
  });

  it('the envelope of a result', async () => {
    const res = await answer('POST', `${XMLRPC}?wstoken=${site.secret}`, methodCall(INFO, ''));
    // As Moodle's prepare_response writes it: no white space, no newline at the end.
    expect(res.slice(0, 126)).toMatchInlineSnapshot(`
      "200 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><struct><member><name>"
    `);
    expect(res.slice(-51)).toMatchInlineSnapshot(`"</struct></value></param></params></methodResponse>"`);
  });
});

// The document/literal opt-in (`style=document`); Moodle's RPC/encoded contract, the default,
// byte for byte: soap-moodle.test.ts.
describe('SOAP document/literal', () => {
  it('faults: escaped text, refusals, the limits', async () => {
    const twice = envelope(INFO, '<serviceshortnames/><serviceshortnames/>');
    expect(await answer('POST', `${SOAP}?wstoken=${site.secret}&style=document`, twice)).toMatchInlineSnapshot(`
      "500 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>invalidparameter</faultcode><faultstring>&lt;serviceshortnames&gt; appears twice</faultstring><detail><exception xmlns="urn:gatehouse:webservice"><exception>invalid_parameter_exception</exception><errorcode>invalidparameter</errorcode><message>&lt;serviceshortnames&gt; appears twice</message></exception></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>
      "
    `);
    expect(
      await answer('POST', `${SOAP}?wstoken=${BAD_TOKEN}&style=document`, envelope(INFO, '')),
    ).toMatchInlineSnapshot(`
      "500 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>invalidtoken</faultcode><faultstring>Invalid token - token not found</faultstring><detail><exception xmlns="urn:gatehouse:webservice"><exception>moodle_exception</exception><errorcode>invalidtoken</errorcode><message>Invalid token - token not found</message><debuginfo>Invalid token - token not found [invalidtoken]</debuginfo></exception></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>
      "
    `);
    expect(await answer('GET', `${SOAP}?wstoken=${site.secret}&style=document`)).toMatchInlineSnapshot(`
      "500 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>invalidparameter</faultcode><faultstring>SOAP calls are POST requests (or GET ?wsdl=1 for the WSDL)</faultstring><detail><exception xmlns="urn:gatehouse:webservice"><exception>invalid_parameter_exception</exception><errorcode>invalidparameter</errorcode><message>SOAP calls are POST requests (or GET ?wsdl=1 for the WSDL)</message></exception></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>
      "
    `);
    expect(
      await answer('POST', `${SOAP}?style=document`, envelope(INFO, `<x>${'a'.repeat(100 * KiB)}</x>`)),
    ).toMatchInlineSnapshot(`
      "500 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>invalidtoken</faultcode><faultstring>Invalid token - token not found</faultstring><detail><exception xmlns="urn:gatehouse:webservice"><exception>moodle_exception</exception><errorcode>invalidtoken</errorcode><message>Invalid token - token not found</message><debuginfo>Invalid token - token not found (no token in the query string (wstoken) or an Authorization: Bearer header; without one a body over 65536 bytes is not read) [invalidtoken]</debuginfo></exception></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>
      "
    `);
    expect(
      await answer(
        'POST',
        `${SOAP}?wstoken=${site.secret}&style=document`,
        envelope(INFO, `<x>${'a'.repeat(2 * KiB * KiB)}</x>`),
      ),
    ).toMatchInlineSnapshot(`
      "413 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>invalidparameter</faultcode><faultstring>The request body is too large (at most 1048576 bytes)</faultstring><detail><exception xmlns="urn:gatehouse:webservice"><exception>invalid_parameter_exception</exception><errorcode>invalidparameter</errorcode><message>The request body is too large (at most 1048576 bytes)</message></exception></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>
      "
    `);
  });

  it('the envelope of a result', async () => {
    const res = await answer('POST', `${SOAP}?wstoken=${site.secret}&style=document`, envelope(INFO, ''));
    expect(res.slice(0, 295)).toMatchInlineSnapshot(`
      "200 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body><core_webservice_get_site_infoResponse xmlns="urn:gatehouse:webservice"><return><"
    `);
    expect(res.slice(-86)).toMatchInlineSnapshot(`
      "</return></core_webservice_get_site_infoResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>
      "
    `);
  });

  it('the WSDL: its namespaces, binding and address (the public URL)', async () => {
    const wsdl = await answer('GET', `${SOAP}?wsdl=1&wstoken=${site.secret}&style=document`);
    const lines = wsdl.split('\n');
    expect(lines.slice(0, 4).join('\n').slice(0, 600)).toMatchInlineSnapshot(`
      "200 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:gatehouse:webservice" targetNamespace="urn:gatehouse:webservice" name="gatehouse_fuzzsvc">
      <types><xsd:schema targetNamespace="urn:gatehouse:webservice" elementFormDefault="qualified">"
    `);
    expect(lines.find((l) => l.startsWith('<binding'))).toMatchInlineSnapshot(
      `"<binding name="GatehouseBinding" type="tns:GatehousePortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>"`,
    );
    expect(lines.find((l) => l.startsWith('<service'))?.replace(site.secret, 'TOKEN')).toMatchInlineSnapshot(
      `"<service name="GatehouseService"><port name="GatehousePort" binding="tns:GatehouseBinding"><soap:address location="http://localhost:3000/webservice/soap/server.php?wstoken=TOKEN&amp;style=document"/></port></service>"`,
    );
    expect(
      lines.find((l) => l.includes('soapAction="urn:gatehouse:webservice#core_webservice_get_site_info"')),
    ).toMatchInlineSnapshot(
      `"<operation name="core_webservice_get_site_info"><soap:operation soapAction="urn:gatehouse:webservice#core_webservice_get_site_info" style="document"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>"`,
    );
    expect(await answer('GET', `${SOAP}?wsdl=1&wstoken=${BAD_TOKEN}&style=document`)).toMatchInlineSnapshot(`
      "500 text/xml; charset=utf-8
      <?xml version="1.0" encoding="UTF-8"?>
      <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>invalidtoken</faultcode><faultstring>Invalid token - token not found</faultstring><detail><exception xmlns="urn:gatehouse:webservice"><exception>moodle_exception</exception><errorcode>invalidtoken</errorcode><message>Invalid token - token not found</message><debuginfo>Invalid token - token not found [invalidtoken]</debuginfo></exception></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>
      "
    `);
  });
});

describe('every protocol', () => {
  it('a disabled protocol: 403 with an empty body; AMF enabled answers in AMF', async () => {
    await site.t.deps.settings.apply({ webserviceprotocols: 'amf' }, SYSTEM_ACTOR);
    try {
      for (const path of [REST, XMLRPC, SOAP]) expect(await answer('POST', path, '')).toBe('403 \n');
      expect(await answer('POST', '/webservice/amf/server.php', '')).toMatch(/^200 application\/x-amf\n/);
      await site.t.deps.settings.apply({ webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
      expect(await answer('POST', '/webservice/amf/server.php', '')).toBe('403 \n');
    } finally {
      await site.t.deps.settings.apply({ webserviceprotocols: 'rest,soap,xmlrpc,amf' }, SYSTEM_ACTOR);
    }
  });
});
