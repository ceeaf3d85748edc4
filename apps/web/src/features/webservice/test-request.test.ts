import { AMF_CLASS, amfAsJson, readPacket } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { buildRequest, moodleErrorOf } from './test-request';

// The test client's error badge reads Moodle's error bodies, which Moodle answers with HTTP 200.
// The bytes are Moodle's (and the BFF's, tested against them in apps/bff/src/webservice/protocols).

describe('moodleErrorOf', () => {
  it('REST JSON: the exception object (webservice/rest/locallib.php, generate_error)', () => {
    const body =
      '{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}';
    expect(moodleErrorOf('rest-json', { body })).toEqual({
      errorcode: 'invalidtoken',
      message: 'Invalid token - token not found',
      kind: 'exception',
    });
    // With debug info too.
    expect(
      moodleErrorOf('rest-json', {
        body: '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"x"}',
      })?.errorcode,
    ).toBe('invalidparameter');
  });

  it('REST JSON: a result is no error, even one with a key named errorcode inside', () => {
    expect(moodleErrorOf('rest-json', { body: '{"sitename":"Gatehouse","errorcode":"x"}' })).toBeUndefined();
    expect(moodleErrorOf('rest-json', { body: '[{"id":1}]' })).toBeUndefined();
    expect(moodleErrorOf('rest-json', { body: 'null' })).toBeUndefined();
    expect(moodleErrorOf('rest-json', { body: 'not json' })).toBeUndefined();
  });

  it('REST XML: <EXCEPTION> with <ERRORCODE> and <MESSAGE>, entities decoded', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION class="moodle_exception">\n<ERRORCODE>invalidtoken</ERRORCODE>\n<MESSAGE>Invalid token - token not found &amp; &quot;more&quot;</MESSAGE>\n</EXCEPTION>\n';
    expect(moodleErrorOf('rest-xml', { body })).toEqual({
      errorcode: 'invalidtoken',
      message: 'Invalid token - token not found & "more"',
      kind: 'exception',
    });
    expect(
      moodleErrorOf('rest-xml', {
        body: '<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n<SINGLE>\n</SINGLE>\n</RESPONSE>\n',
      }),
    ).toBeUndefined();
  });

  it('XML-RPC: the fault struct, the code after " | ERRORCODE: " (webservice/xmlrpc/locallib.php)', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>89159464</int></value></member><member><name>faultString</name><value><string>Invalid token - token not found | ERRORCODE: invalidtoken</string></value></member></struct></value></fault></methodResponse>';
    expect(moodleErrorOf('xmlrpc', { body })).toEqual({
      errorcode: 'invalidtoken',
      message: 'Invalid token - token not found',
      kind: 'fault',
    });
    const withDebug =
      '<?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>29039061</int></value></member><member><name>faultString</name><value><string>Invalid parameter value detected | DEBUG INFO: groups =&#62; x | ERRORCODE: invalidparameter</string></value></member></struct></value></fault></methodResponse>';
    expect(moodleErrorOf('xmlrpc', { body: withDebug })).toMatchObject({
      errorcode: 'invalidparameter',
      message: 'Invalid parameter value detected | DEBUG INFO: groups => x',
    });
    expect(
      moodleErrorOf('xmlrpc', {
        body: '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><string>ok</string></value></param></params></methodResponse>',
      }),
    ).toBeUndefined();
  });

  it('SOAP: a fault with the code in faultactor, and send_error (MOODLE:error) with none', () => {
    const head =
      '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault>';
    const tail = '</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>\n';
    expect(
      moodleErrorOf('soap', {
        body: `${head}<faultcode>Receiver</faultcode><faultstring>Invalid parameter value detected | ERRORCODE: invalidparameter</faultstring><faultactor>invalidparameter</faultactor>${tail}`,
      }),
    ).toEqual({ errorcode: 'invalidparameter', message: 'Invalid parameter value detected', kind: 'fault' });
    expect(
      moodleErrorOf('soap', {
        body: `${head}<faultcode>MOODLE:error</faultcode><faultstring>Invalid token - token not found</faultstring>${tail}`,
      }),
    ).toEqual({
      errorcode: null,
      message: 'Invalid token - token not found',
      kind: 'fault',
      faultcode: 'MOODLE:error',
    });
    expect(
      moodleErrorOf('soap', {
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><ns1:core_webservice_get_site_infoResponse/></SOAP-ENV:Body></SOAP-ENV:Envelope>\n',
      }),
    ).toBeUndefined();
  });
});

describe('the AMF test request', () => {
  const fn = {
    name: 'core_group_create_groups',
    parameters: {
      kind: 'single',
      desc: '',
      presence: 'required',
      keys: {
        groups: {
          kind: 'multiple',
          desc: '',
          presence: 'required',
          content: { kind: 'single', desc: '', presence: 'required', keys: {} },
        },
      },
    },
  } as unknown as Parameters<typeof buildRequest>[2];

  it('is a RemotingMessage in an AMF0 envelope, the arguments by position, the token in the URL', () => {
    const req = buildRequest('amf', 'tok/en', fn, { groups: [{ courseid: 2, name: 'G' }] });
    expect(req.url).toBe('/webservice/amf/server.php?wstoken=tok%2Fen');
    expect(req.headers['Content-Type']).toBe('application/x-amf');
    const [body] = readPacket(req.body as Uint8Array).bodies;
    expect(body?.response).toBe('/1');
    const message = ((body?.value ?? []) as unknown[])[0] as Record<string | symbol, unknown>;
    expect(message[AMF_CLASS]).toBe('flex.messaging.messages.RemotingMessage');
    expect(amfAsJson(message)).toMatchObject({
      operation: 'core_group_create_groups',
      body: [[{ courseid: 2, name: 'G' }]],
    });
    expect(req.shown).toContain('"operation": "core_group_create_groups"');
  });

  it("reads a Flex ErrorMessage's faultCode as the error code, and an answer without one as no error", () => {
    const fault = JSON.stringify([
      {
        target: '/1/onStatus',
        value: {
          $class: 'flex.messaging.messages.ErrorMessage',
          faultCode: 'invalidtoken',
          faultString: 'Invalid token',
        },
      },
    ]);
    expect(moodleErrorOf('amf', { body: fault })).toEqual({
      errorcode: 'invalidtoken',
      message: 'Invalid token',
      kind: 'fault',
    });
    const ok = JSON.stringify([
      { target: '/1/onResult', value: { $class: 'flex.messaging.messages.AcknowledgeMessage', body: {} } },
    ]);
    expect(moodleErrorOf('amf', { body: ok })).toBeUndefined();
  });
});
