import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import xmlrpc from 'xmlrpc';
import { courses } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { assignRole } from '../../features/roles/roles.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { type RealServer, startRealServer, webServiceToken } from '../../test/browser-server';
import { moodleFaultCode, phpBaseConvertHexToDecimal } from './xmlrpc';

// Issue 16, section 4: XML-RPC faults as Moodle's (webservice/xmlrpc/locallib.php,
// webservice_xmlrpc_server::generate_error):
//
//   $faultcode = base_convert(md5($ex->errorcode), 16, 10);
//   $faultcode = substr($faultcode, 0, 8);
//   if (debugging() and isset($ex->debuginfo)) {
//       $error .= ' | DEBUG INFO: ' . $ex->debuginfo . ' | ERRORCODE: ' . $ex->errorcode;
//   } else {
//       $error .= ' | ERRORCODE: ' . $ex->errorcode;
//   }
//   $fault = array('faultCode' => (int) $faultcode, 'faultString' => $error);
//   return xmlrpc_encode_request(null, $fault,
//       array("encoding" => "UTF-8", "verbosity" => "no_white_space", "escaping" => ["markup"]));
//
// xmlrpc_encode_request (xmlrpc-epi) writes a struct with faultCode and faultString as a
// <fault>, the declaration without a newline after it (no_white_space), and escapes & < > " as
// decimal character references (markup escaping, xml_element.c).

describe("PHP's base_convert(…, 16, 10)", () => {
  it('the issue’s examples: nopermissions → 10340380, invalidtoken → 89159464', () => {
    expect(moodleFaultCode('nopermissions')).toBe(10340380);
    expect(moodleFaultCode('invalidtoken')).toBe(89159464);
  });

  it('exact while the number fits in a 64-bit integer, as PHP is', () => {
    expect(phpBaseConvertHexToDecimal('ff')).toBe('255');
    expect(phpBaseConvertHexToDecimal('FFFFFFFFFFFFFFF')).toBe('1152921504606846975');
    expect(phpBaseConvertHexToDecimal('7fffffffffffffff')).toBe('9223372036854775807');
    // PHP skips what is not a digit of the base.
    expect(phpBaseConvertHexToDecimal('0x1g')).toBe('1');
  });

  it('in double precision past it: the leading digits are right, the rest are a double’s', () => {
    const md5 = createHash('md5').update('nopermissions').digest('hex');
    const php = phpBaseConvertHexToDecimal(md5);
    const exact = BigInt(`0x${md5}`).toString(10);
    expect(php).toHaveLength(exact.length);
    expect(php.slice(0, 15)).toBe(exact.slice(0, 15));
    expect(php).not.toBe(exact);
    // 2^64 (exactly 18446744073709551616): a double holds it, but _php_math_zvaltobase divides
    // by 10 without flooring, and doubles of that size are 256 apart: after the last digit (6),
    // 1844674407370955161.6 is the double 1844674407370955264, whose last digit is 4, and so on.
    expect(phpBaseConvertHexToDecimal('10000000000000000')).toBe('18446744073709552046');
  });

  it('404 when there is no error code (generate_error’s default)', () => {
    expect(moodleFaultCode('')).toBe(404);
  });
});

describe('faults through the npm xmlrpc client, against the real server', () => {
  let srv: RealServer;
  let secret: string;
  let studentToken: string;
  let courseId: number;

  beforeAll(async () => {
    srv = await startRealServer();
    const made = await webServiceToken(srv.t);
    secret = made.secret;
    // The student may use the protocols, but may not manage groups.
    await assignRole(
      srv.t.deps,
      srv.t.deps.authz.roleByShortname('browserws')!.id,
      await srv.t.userId('student'),
      SYSTEM_ACTOR,
    );
    courseId = (await srv.t.store.db.select().from(courses).where(eq(courses.shortname, 'CS101')).limit(1)).at(0)!.id;
    studentToken = (
      await createAdminToken(
        srv.t.deps,
        { userId: await srv.t.userId('student'), serviceId: made.serviceId, validUntil: null },
        SYSTEM_ACTOR,
        true,
      )
    ).secret;
  });
  afterAll(() => srv?.close());
  beforeEach(async () => {
    await srv.t.deps.settings.apply({ debug: 'none' }, SYSTEM_ACTOR);
  });

  const client = (token: string) => {
    const { hostname, port } = new URL(srv.base);
    return xmlrpc.createClient({
      host: hostname,
      port: Number(port),
      path: `/webservice/xmlrpc/server.php?wstoken=${token}`,
    });
  };
  const call = (token: string, fn: string, params: unknown[]) =>
    new Promise<unknown>((resolve, reject) =>
      client(token).methodCall(fn, params, (err: unknown, value: unknown) => (err ? reject(err) : resolve(value))),
    );
  const raw = async (token: string, body: string) => {
    const res = await fetch(`${srv.base}/webservice/xmlrpc/server.php?wstoken=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const SITE_INFO =
    '<?xml version="1.0"?><methodCall><methodName>core_webservice_get_site_info</methodName><params/></methodCall>';

  it('a bad token: faultCode 89159464 and "<message> | ERRORCODE: invalidtoken", nothing else in the struct', async () => {
    const err = (await call('not-a-token', 'core_webservice_get_site_info', [{}]).catch((e: unknown) => e)) as Record<
      string,
      unknown
    >;
    expect(err.faultCode).toBe(89159464);
    expect(err.faultString).toBe('Invalid token - token not found | ERRORCODE: invalidtoken');
    // Moodle's exact bytes, HTTP 200.
    const res = await raw('not-a-token', SITE_INFO);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/xml; charset=utf-8');
    expect(res.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>89159464</int></value></member><member><name>faultString</name><value><string>Invalid token - token not found | ERRORCODE: invalidtoken</string></value></member></struct></value></fault></methodResponse>',
    );
  });

  it("text PHP's xmlrpc extension escaped byte by byte (Moodle 3.1–3.2's client: 'encoding' => 'utf-8' only) arrives as typed", async () => {
    // webservice/xmlrpc/lib.php (3.1): xmlrpc_encode_request($functionname, array_values($params),
    // array('encoding' => 'utf-8')): verbosity pretty, escaping markup|non-ascii|non-print, so é is &#195;&#169;.
    const body = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<methodCall>',
      '<methodName>core_group_create_groups</methodName>',
      '<params>',
      ' <param>',
      '  <value>',
      '   <array>',
      '    <data>',
      '     <value>',
      '      <struct>',
      '       <member>',
      '        <name>courseid</name>',
      '        <value>',
      `         <int>${courseId}</int>`,
      '        </value>',
      '       </member>',
      '       <member>',
      '        <name>name</name>',
      '        <value>',
      '         <string>Universit&#195;&#169; &#226;&#130;&#172; &#233;</string>',
      '        </value>',
      '       </member>',
      '       <member>',
      '        <name>description</name>',
      '        <value>',
      '         <string></string>',
      '        </value>',
      '       </member>',
      '      </struct>',
      '     </value>',
      '    </data>',
      '   </array>',
      '  </value>',
      ' </param>',
      '</params>',
      '</methodCall>',
      '',
    ].join('\n');
    const res = await raw(secret, body);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<name>name</name><value><string>Université € é</string></value>');
  });

  it('a capability the caller lacks: nopermissions, 10340380', async () => {
    const err = (await call(studentToken, 'core_group_create_groups', [
      { groups: [{ courseid: courseId, name: 'no', description: '' }] },
    ]).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(err.faultCode).toBe(10340380);
    expect(err.faultString).toMatch(
      /^Sorry, but you do not currently have permissions to do that \(.+\)\. \| ERRORCODE: nopermissions$/,
    );
  });

  it('with debugging on, the debug information between the message and the error code', async () => {
    await srv.t.deps.settings.apply({ debug: 'normal' }, SYSTEM_ACTOR);
    const err = (await call(secret, 'core_group_create_groups', [
      { groups: [{ courseid: 'abc', name: 'x', description: '' }] },
    ]).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(err.faultCode).toBe(29039061);
    expect(err.faultString).toMatch(
      /^Invalid parameter value detected \| DEBUG INFO: groups => .+ \| ERRORCODE: invalidparameter$/,
    );
    // Without debug information of its own, no DEBUG INFO part even so.
    expect(moodleFaultCode('invalidparameter')).toBe(29039061);
    const res = await raw(
      secret,
      '<methodCall><methodName>core_webservice_get_site_info</methodName><params><param><value><int>x</int></value></param></params></methodCall>',
    );
    expect(res.text).toContain('<string>Not an integer: x | ERRORCODE: invalidparameter</string>');
  });

  it('markup in faultString as decimal references, as xmlrpc-epi escapes it; the client reads it back', async () => {
    const body = `<methodCall><methodName>core_webservice_get_site_info</methodName><params><param><value><i4>&lt;a href="x"&gt;&amp;'</i4></value></param></params></methodCall>`;
    const res = await raw(secret, body);
    expect(res.text).toContain(
      "<string>Not an integer: &#60;a href=&#34;x&#34;&#62;&#38;' | ERRORCODE: invalidparameter</string>",
    );
    // The same fault as the npm client reads it.
    const err = (await call(secret, 'core_group_get_course_groups', ['<a href="x">&\'']).catch(
      (e: unknown) => e,
    )) as Record<string, unknown>;
    expect(err.faultCode).toBe(29039061);
    expect(err.faultString).toBe('Invalid parameter value detected | ERRORCODE: invalidparameter');
  });
});
