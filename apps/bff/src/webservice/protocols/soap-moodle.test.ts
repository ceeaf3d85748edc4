import { multiple, single, value } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import * as soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groups } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { type SoapSite, startSoapSite } from '../../test/soap-site';
import { rpcResponse } from './soap-encoded';
import { buildRpcWsdl, rpcModel, type WsdlFunction } from './soap-wsdl';
import { phpDouble } from './xml';

// Moodle's SOAP contract, the default at /webservice/soap/server.php: the WSDL as Moodle's
// webservice/soap/classes/wsdl.php writes it (RPC/encoded, soap-enc:Array, xsd:int booleans,
// one part per parameter, the endpoint URL as namespace), requests as PHP's SoapClient sends
// them (with and without the WSDL), answers and faults as PHP's SoapServer writes them for
// Moodle (webservice/soap/locallib.php), with Moodle's HTTP statuses.

const ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const ENC = 'http://schemas.xmlsoap.org/soap/encoding/';
const XSD = 'http://www.w3.org/2001/XMLSchema';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const APACHE = 'http://xml.apache.org/xml-soap';

// ---- Moodle's functions, as Moodle describes them --------------------------------------------

/** core_webservice_get_site_info: webservice/externallib.php get_site_info_parameters / _returns, db/services.php. */
const MOODLE_SITE_INFO: WsdlFunction = {
  name: 'core_webservice_get_site_info',
  description: 'Return some site info / user info / list web service functions',
  parameters: single({
    serviceshortnames: multiple(value('text', 'service shortname'), 'DEPRECATED PARAMETER', { default: [] }),
  }),
  returns: single({
    sitename: value('raw', 'site name'),
    username: value('raw', 'username'),
    firstname: value('text', 'first name'),
    lastname: value('text', 'last name'),
    fullname: value('text', 'user full name'),
    lang: value('lang', 'Current language.'),
    userid: value('int', 'user id'),
    siteurl: value('raw', 'site url'),
    userpictureurl: value('url', 'the user profile picture.'),
    functions: multiple(single({ name: value('raw', 'function name'), version: value('text', 'The version number') })),
    downloadfiles: value('int', '1 if users are allowed to download files, 0 if not', { optional: true }),
    uploadfiles: value('int', '1 if users are allowed to upload files, 0 if not', { optional: true }),
    release: value('text', 'Moodle release number', { optional: true }),
    version: value('text', 'Moodle version number', { optional: true }),
    mobilecssurl: value('url', 'Mobile custom CSS theme', { optional: true }),
    advancedfeatures: multiple(
      single({ name: value('alphanumext', 'feature name'), value: value('int', 'feature value') }),
      'Advanced features availability',
      { optional: true },
    ),
    usercanmanageownfiles: value('bool', 'true if the user can manage his own files', { optional: true }),
    userquota: value('int', 'user quota (bytes). 0 means user can ignore the quota', { optional: true }),
    usermaxuploadfilesize: value('int', 'user max upload file size (bytes)', { optional: true }),
    userhomepage: value('int', 'the default home page for the user', { optional: true }),
    userprivateaccesskey: value('alphanum', 'Private user access key for fetching files.', { optional: true }),
    siteid: value('int', 'Site course ID', { optional: true }),
    sitecalendartype: value('plugin', 'Calendar type set in the site.', { optional: true }),
    usercalendartype: value('plugin', 'Calendar typed used by the user.', { optional: true }),
    userissiteadmin: value('bool', 'Whether the user is a site admin or not.', { optional: true }),
    theme: value('plugin', 'Current theme for the user.', { optional: true }),
    limitconcurrentlogins: value('int', 'Number of concurrent sessions allowed', { optional: true }),
    usersessionscount: value('int', 'Number of active sessions for current user.', { optional: true }),
  }),
};

const MOODLE_GROUP = single({
  id: value('int', 'group record id'),
  courseid: value('int', 'id of course'),
  name: value('text', 'multilang compatible name, course unique'),
  description: value('raw', 'group description text'),
  descriptionformat: value('int', 'description format'),
  enrolmentkey: value('raw', 'group enrol secret phrase'),
  idnumber: value('raw', 'id number'),
});

/** core_group_create_groups: group/externallib.php create_groups_parameters / _returns, db/services.php. */
const MOODLE_CREATE_GROUPS: WsdlFunction = {
  name: 'core_group_create_groups',
  description: 'Creates new groups.',
  parameters: single({
    groups: multiple(
      single({
        courseid: value('int', 'id of course'),
        name: value('text', 'multilang compatible name, course unique'),
        description: value('raw', 'group description text'),
        descriptionformat: value('int', 'description format', { default: 1 }),
        enrolmentkey: value('raw', 'group enrol secret phrase', { optional: true }),
        idnumber: value('raw', 'id number', { optional: true }),
      }),
      'List of group object. A group has a courseid, a name, a description and an enrolment key.',
    ),
  }),
  returns: multiple(MOODLE_GROUP),
};

const NSURL = 'https://moodle.example.org/webservice/soap/server.php?wstoken=0123456789abcdef0123456789abcdef';

describe("Moodle's WSDL (webservice/soap/classes/wsdl.php)", () => {
  it('writes the WSDL of a service with core_group_create_groups and core_webservice_get_site_info byte for byte', () => {
    // wsdl.php: new SimpleXMLElement('<definitions />'), the attributes in the constructor's
    // order, types / portType / binding / service, then one message per input and output as each
    // method registers; asXML() writes no white space and an XML declaration without encoding.
    // The functions come by name (webservice::get_external_functions); a multiple structure is
    // soap-enc:Array (its content not described), so the only struct class is site info's return,
    // webservices_struct_class_000000, every element of it nillable="true".
    const el = (name: string, type: string) => `<xsd:element name="${name}" type="${type}" nillable="true"/>`;
    const body = `<soap:body use="encoded" encodingStyle="${ENC}" namespace="${NSURL}"/>`;
    const expected =
      '<?xml version="1.0"?>\n' +
      `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="${NSURL}" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="${XSD}" xmlns:soap-enc="${ENC}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" name="webservices_virtual_class_000000" targetNamespace="${NSURL}">` +
      `<types><xsd:schema targetNamespace="${NSURL}"><xsd:complexType name="webservices_struct_class_000000"><xsd:all>${[
        el('sitename', 'xsd:string'),
        el('username', 'xsd:string'),
        el('firstname', 'xsd:string'),
        el('lastname', 'xsd:string'),
        el('fullname', 'xsd:string'),
        el('lang', 'xsd:string'),
        el('userid', 'xsd:int'),
        el('siteurl', 'xsd:string'),
        el('userpictureurl', 'xsd:string'),
        el('functions', 'soap-enc:Array'),
        el('downloadfiles', 'xsd:int'),
        el('uploadfiles', 'xsd:int'),
        el('release', 'xsd:string'),
        el('version', 'xsd:string'),
        el('mobilecssurl', 'xsd:string'),
        el('advancedfeatures', 'soap-enc:Array'),
        el('usercanmanageownfiles', 'xsd:int'),
        el('userquota', 'xsd:int'),
        el('usermaxuploadfilesize', 'xsd:int'),
        el('userhomepage', 'xsd:int'),
        el('userprivateaccesskey', 'xsd:string'),
        el('siteid', 'xsd:int'),
        el('sitecalendartype', 'xsd:string'),
        el('usercalendartype', 'xsd:string'),
        el('userissiteadmin', 'xsd:int'),
        el('theme', 'xsd:string'),
        el('limitconcurrentlogins', 'xsd:int'),
        el('usersessionscount', 'xsd:int'),
      ].join('')}</xsd:all></xsd:complexType></xsd:schema></types>` +
      '<portType name="webservices_virtual_class_000000Port">' +
      '<operation name="core_group_create_groups"><documentation>Creates new groups.</documentation><input message="tns:core_group_create_groupsIn"/><output message="tns:core_group_create_groupsOut"/></operation>' +
      '<operation name="core_webservice_get_site_info"><documentation>Return some site info / user info / list web service functions</documentation><input message="tns:core_webservice_get_site_infoIn"/><output message="tns:core_webservice_get_site_infoOut"/></operation>' +
      '</portType>' +
      '<binding name="webservices_virtual_class_000000Binding" type="tns:webservices_virtual_class_000000Port"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>' +
      `<operation name="core_group_create_groups"><soap:operation soapAction="${NSURL}#core_group_create_groups"/><input>${body}</input><output>${body}</output></operation>` +
      `<operation name="core_webservice_get_site_info"><soap:operation soapAction="${NSURL}#core_webservice_get_site_info"/><input>${body}</input><output>${body}</output></operation>` +
      '</binding>' +
      `<service name="webservices_virtual_class_000000Service"><port name="webservices_virtual_class_000000Port" binding="tns:webservices_virtual_class_000000Binding"><soap:address location="${NSURL}"/></port></service>` +
      '<message name="core_group_create_groupsIn"><part name="groups" type="soap-enc:Array"/></message>' +
      '<message name="core_group_create_groupsOut"><part name="return" type="soap-enc:Array"/></message>' +
      '<message name="core_webservice_get_site_infoIn"><part name="serviceshortnames" type="soap-enc:Array"/></message>' +
      '<message name="core_webservice_get_site_infoOut"><part name="return" type="tns:webservices_struct_class_000000"/></message>' +
      '</definitions>\n';
    expect(buildRpcWsdl(rpcModel([MOODLE_SITE_INFO, MOODLE_CREATE_GROUPS]), NSURL)).toBe(expected);
  });

  it('writes core_group_create_groups alone: no struct class, an empty schema element', () => {
    expect(buildRpcWsdl(rpcModel([MOODLE_CREATE_GROUPS]), NSURL)).toContain(
      `<types><xsd:schema targetNamespace="${NSURL}"/></types><portType name="webservices_virtual_class_000000Port">`,
    );
  });

  it('numbers struct classes as Moodle makes them: fields before their struct, parameters before returns, by function', () => {
    // get_phpdoc_type types a struct's fields first (generate_simple_struct_class), then takes
    // the next free class name; get_virtual_method_code types the parameters, then the return.
    const a: WsdlFunction = {
      name: 'b_second',
      description: 'b',
      parameters: single({ options: single({ inner: single({ x: value('int', 'x') }), y: value('bool', 'y') }) }),
      returns: single({ ok: value('float', 'ok') }),
    };
    const b: WsdlFunction = {
      name: 'a_first',
      description: '',
      parameters: single({}),
      returns: null,
    };
    const wsdl = buildRpcWsdl(rpcModel([a, b]), NSURL);
    expect(wsdl).toContain(
      '<xsd:complexType name="webservices_struct_class_000000"><xsd:all><xsd:element name="x" type="xsd:int" nillable="true"/></xsd:all></xsd:complexType>' +
        '<xsd:complexType name="webservices_struct_class_000001"><xsd:all><xsd:element name="inner" type="tns:webservices_struct_class_000000" nillable="true"/><xsd:element name="y" type="xsd:int" nillable="true"/></xsd:all></xsd:complexType>' +
        '<xsd:complexType name="webservices_struct_class_000002"><xsd:all><xsd:element name="ok" type="xsd:double" nillable="true"/></xsd:all></xsd:complexType>',
    );
    // A function without parameters or return has neither input, output nor message.
    expect(wsdl).toContain('<operation name="a_first"><documentation/></operation><operation name="b_second">');
    expect(wsdl).toContain(
      '<message name="b_secondIn"><part name="options" type="tns:webservices_struct_class_000001"/></message><message name="b_secondOut"><part name="return" type="tns:webservices_struct_class_000002"/></message></definitions>',
    );
    expect(wsdl).not.toContain('a_firstIn');
  });
});

describe("Moodle's answers (PHP's SoapServer with Moodle's WSDL)", () => {
  it('writes a list of structures as a SOAP-ENC:Array of Apache maps, namespaces declared as first used', () => {
    // php_encoding.c: to_xml_array finds the items' common type (get_array_type: ns2:Map, the
    // Apache namespace taking the next free prefix after ns1), sets SOAP-ENC:arrayType, writes
    // each map's entries (xsi on the first key, xsd on the first typed value) and the map's
    // type after them; xsd and SOAP-ENC again at the end (already there), then encodingStyle.
    const value = [
      {
        id: 5,
        courseid: 2,
        name: 'A & B <group>',
        description: '',
        descriptionformat: 1,
        enrolmentkey: '',
        idnumber: '',
      },
    ];
    const model = rpcModel([MOODLE_CREATE_GROUPS]).methods[0]!;
    expect(rpcResponse('core_group_create_groups', model.returns, value, NSURL)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:ns1="${NSURL}" xmlns:ns2="${APACHE}" xmlns:SOAP-ENC="${ENC}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}" SOAP-ENV:encodingStyle="${ENC}">` +
        '<SOAP-ENV:Body><ns1:core_group_create_groupsResponse><return SOAP-ENC:arrayType="ns2:Map[1]" xsi:type="SOAP-ENC:Array"><item xsi:type="ns2:Map">' +
        '<item><key xsi:type="xsd:string">id</key><value xsi:type="xsd:int">5</value></item>' +
        '<item><key xsi:type="xsd:string">courseid</key><value xsi:type="xsd:int">2</value></item>' +
        '<item><key xsi:type="xsd:string">name</key><value xsi:type="xsd:string">A &amp; B &lt;group&gt;</value></item>' +
        '<item><key xsi:type="xsd:string">description</key><value xsi:type="xsd:string"></value></item>' +
        '<item><key xsi:type="xsd:string">descriptionformat</key><value xsi:type="xsd:int">1</value></item>' +
        '<item><key xsi:type="xsd:string">enrolmentkey</key><value xsi:type="xsd:string"></value></item>' +
        '<item><key xsi:type="xsd:string">idnumber</key><value xsi:type="xsd:string"></value></item>' +
        '</item></return></ns1:core_group_create_groupsResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>\n',
    );
  });

  it('writes a structure as its struct class: every field in order, absent ones nil, booleans as xsd:int', () => {
    const model = rpcModel([MOODLE_SITE_INFO]).methods[0]!;
    const out = rpcResponse(
      'core_webservice_get_site_info',
      model.returns,
      {
        sitename: 'Site',
        username: 'u',
        firstname: 'F',
        lastname: 'L',
        fullname: 'F L',
        lang: 'en',
        userid: 3,
        siteurl: 'https://moodle.example.org',
        userpictureurl: 'https://moodle.example.org/pic',
        functions: [],
        advancedfeatures: [{ name: 'usecomments', value: 1 }],
        usercanmanageownfiles: true,
        userissiteadmin: false,
      },
      NSURL,
    );
    // The first field declares xsd then xsi (set_ns_and_type); the struct's own type comes
    // after its fields (to_xml_object); an empty array is xsd:ur-type[0].
    expect(out).toContain(
      `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:ns1="${NSURL}" xmlns:xsd="${XSD}" xmlns:xsi="${XSI}" xmlns:SOAP-ENC="${ENC}" xmlns:ns2="${APACHE}" SOAP-ENV:encodingStyle="${ENC}">`,
    );
    expect(out).toContain(
      '<ns1:core_webservice_get_site_infoResponse><return xsi:type="ns1:webservices_struct_class_000000"><sitename xsi:type="xsd:string">Site</sitename>',
    );
    expect(out).toContain(
      '<userpictureurl xsi:type="xsd:string">https://moodle.example.org/pic</userpictureurl><functions SOAP-ENC:arrayType="xsd:ur-type[0]" xsi:type="SOAP-ENC:Array"/><downloadfiles xsi:nil="true"/><uploadfiles xsi:nil="true"/><release xsi:nil="true"/><version xsi:nil="true"/><mobilecssurl xsi:nil="true"/>' +
        '<advancedfeatures SOAP-ENC:arrayType="ns2:Map[1]" xsi:type="SOAP-ENC:Array"><item xsi:type="ns2:Map"><item><key xsi:type="xsd:string">name</key><value xsi:type="xsd:string">usecomments</value></item><item><key xsi:type="xsd:string">value</key><value xsi:type="xsd:int">1</value></item></item></advancedfeatures>' +
        '<usercanmanageownfiles xsi:type="xsd:int">1</usercanmanageownfiles>',
    );
    expect(out).toContain(
      '<userissiteadmin xsi:type="xsd:int">0</userissiteadmin><theme xsi:nil="true"/><limitconcurrentlogins xsi:nil="true"/><usersessionscount xsi:nil="true"/></return></ns1:core_webservice_get_site_infoResponse>',
    );
  });

  it('types values it has no WSDL type for by their PHP type: floats as xsd:float, booleans as xsd:boolean, mixed lists as ur-type', () => {
    const fn: WsdlFunction = {
      name: 'x_values',
      description: '',
      parameters: single({}),
      returns: multiple(
        single({ f: value('float', 'f'), b: value('bool', 'b'), n: value('int', 'n', { allowNull: true }) }),
      ),
    };
    const model = rpcModel([fn]).methods[0]!;
    const out = rpcResponse('x_values', model.returns, [{ f: 0.5, b: true, n: null }, {}], NSURL);
    expect(out).toContain(
      '<return SOAP-ENC:arrayType="xsd:ur-type[2]" xsi:type="SOAP-ENC:Array"><item xsi:type="ns2:Map"><item><key xsi:type="xsd:string">f</key><value xsi:type="xsd:float">0.5</value></item><item><key xsi:type="xsd:string">b</key><value xsi:type="xsd:boolean">true</value></item><item><key xsi:type="xsd:string">n</key><value xsi:nil="true"/></item></item><item SOAP-ENC:arrayType="xsd:ur-type[0]" xsi:type="SOAP-ENC:Array"/></return>',
    );
    // php_gcvt with PHP's precision (14).
    expect([0.1, 2, 1e-5, 1.5e20, 123456.789, -0.25].map(phpDouble)).toEqual([
      '0.1',
      '2',
      '1.0E-5',
      '1.5E+20',
      '123456.789',
      '-0.25',
    ]);
  });
});

// ---- the real server ---------------------------------------------------------------------------

let site: SoapSite;

beforeAll(async () => {
  site = await startSoapSite([
    'core_webservice_get_site_info',
    'core_group_create_groups',
    'core_group_get_course_groups',
  ]);
});
afterAll(() => site?.close());

const setDebug = (debug: 'none' | 'normal') => site.t.deps.settings.apply({ debug }, SYSTEM_ACTOR);

async function post(body: string, query = `?wstoken=${site.secret}`) {
  const res = await fetch(`${site.base}/webservice/soap/server.php${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text: await res.text(),
    headers: res.headers,
  };
}

/** How PHP's SoapClient opens an RPC/encoded call: ns1 the WSDL's namespace, the rest as first used. */
const phpEnvelope = (decls: string, inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:ns1="${site.endpoint}"${decls} SOAP-ENV:encodingStyle="${ENC}"><SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;

const groupNamed = async (name: string) =>
  (await site.t.store.db.select().from(groups).where(eq(groups.name, name)).limit(1)).at(0);

describe('the npm soap client (node-soap) against the default WSDL, RPC/encoded', () => {
  it('reads the WSDL and calls core_webservice_get_site_info and core_group_create_groups', async () => {
    const client = await soap.createClientAsync(`${site.endpoint}&wsdl=1`);
    const described = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(described)).toEqual(['webservices_virtual_class_000000Service']);
    expect(
      Object.keys(described.webservices_virtual_class_000000Service?.webservices_virtual_class_000000Port ?? {}),
    ).toEqual(['core_group_create_groups', 'core_group_get_course_groups', 'core_webservice_get_site_info']);
    const [info] = await client.core_webservice_get_site_infoAsync({});
    expect(info.return.sitename.$value).toBe('Gatehouse');
    expect(info.return.username.$value).toBe('teacher');
    expect(info.return.attributes['xsi:type']).toBe('ns1:webservices_struct_class_000000');
    // node-soap sends an array of structures as elements named after the part, in the endpoint's namespace.
    const [created] = await client.core_group_create_groupsAsync({
      groups: [
        { courseid: site.courseId, name: 'node-soap 1', description: 'one' },
        { courseid: site.courseId, name: 'node-soap 2', description: 'two' },
      ],
    });
    expect(client.lastRequest).toContain(`xmlns:tns="${site.endpoint}"`);
    expect(created.return.attributes).toEqual({ 'SOAP-ENC:arrayType': 'ns2:Map[2]', 'xsi:type': 'SOAP-ENC:Array' });
    const entries = created.return.item[1].item as { key: { $value: string }; value: { $value?: string } }[];
    expect(entries.find((e) => e.key.$value === 'name')?.value.$value).toBe('node-soap 2');
    expect((await groupNamed('node-soap 1'))?.description).toBe('one');
    expect((await groupNamed('node-soap 2'))?.description).toBe('two');
  });

  it("reads Moodle's fault: HTTP 500, Receiver, the error code after | ERRORCODE: and as faultactor", async () => {
    const client = await soap.createClientAsync(`${site.endpoint}&wsdl=1`);
    const err = await client
      .core_group_create_groupsAsync({ groups: [{ courseid: 999999, name: 'nowhere', description: '' }] })
      .then(
        () => undefined,
        (e: { response?: { status: number }; root?: { Envelope: { Body: { Fault: Record<string, unknown> } } } }) => e,
      );
    expect(err?.response?.status).toBe(500);
    const fault = err?.root?.Envelope.Body.Fault;
    // Debugging is off on this site: Moodle shows "Unknown error", the code, and no detail.
    expect(fault?.faultcode).toBe('Receiver');
    expect(String(fault?.faultstring)).toMatch(/^Unknown error \| ERRORCODE: \w+$/);
    expect(String(fault?.faultstring).endsWith(`| ERRORCODE: ${fault?.faultactor}`)).toBe(true);
    expect(fault?.detail).toBeUndefined();
    expect(await groupNamed('nowhere')).toBeUndefined();
  });
});

describe("what PHP's SoapClient sends (ext/soap, RPC/encoded)", () => {
  it('with the WSDL: $client->core_group_create_groups($groups), an array of ns2:Map', async () => {
    // $groups = [['courseid' => 2, 'name' => 'PHP group', 'description' => 'from PHP']]: the
    // part typed soap-enc:Array by the WSDL, each item an associative array, so an Apache map.
    const body = phpEnvelope(
      ` xmlns:ns2="${APACHE}" xmlns:SOAP-ENC="${ENC}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}"`,
      `<ns1:core_group_create_groups><groups SOAP-ENC:arrayType="ns2:Map[1]" xsi:type="SOAP-ENC:Array"><item xsi:type="ns2:Map"><item><key xsi:type="xsd:string">courseid</key><value xsi:type="xsd:int">${site.courseId}</value></item><item><key xsi:type="xsd:string">name</key><value xsi:type="xsd:string">PHP group</value></item><item><key xsi:type="xsd:string">description</key><value xsi:type="xsd:string">from PHP</value></item></item></groups></ns1:core_group_create_groups>`,
    );
    const res = await post(body);
    expect(res.status, res.text).toBe(200);
    expect(res.type).toBe('text/xml; charset=utf-8');
    const id = (await groupNamed('PHP group'))?.id;
    expect(id).toBeTypeOf('number');
    expect(res.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:ns1="${site.endpoint}" xmlns:ns2="${APACHE}" xmlns:SOAP-ENC="${ENC}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}" SOAP-ENV:encodingStyle="${ENC}">` +
        '<SOAP-ENV:Body><ns1:core_group_create_groupsResponse><return SOAP-ENC:arrayType="ns2:Map[1]" xsi:type="SOAP-ENC:Array"><item xsi:type="ns2:Map">' +
        `<item><key xsi:type="xsd:string">id</key><value xsi:type="xsd:int">${id}</value></item>` +
        `<item><key xsi:type="xsd:string">courseid</key><value xsi:type="xsd:int">${site.courseId}</value></item>` +
        '<item><key xsi:type="xsd:string">name</key><value xsi:type="xsd:string">PHP group</value></item>' +
        '<item><key xsi:type="xsd:string">description</key><value xsi:type="xsd:string">from PHP</value></item>' +
        '<item><key xsi:type="xsd:string">descriptionformat</key><value xsi:type="xsd:int">1</value></item>' +
        '<item><key xsi:type="xsd:string">enrolmentkey</key><value xsi:type="xsd:string"></value></item>' +
        '<item><key xsi:type="xsd:string">idnumber</key><value xsi:type="xsd:string"></value></item>' +
        '<item><key xsi:type="xsd:string">visibility</key><value xsi:type="xsd:int">0</value></item>' +
        '<item><key xsi:type="xsd:string">participation</key><value xsi:type="xsd:boolean">true</value></item>' +
        '</item></return></ns1:core_group_create_groupsResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>\n',
    );
  });

  it('without a WSDL: positional parts (param0), apache:Map, lists with gaps sent as maps, multi-references', async () => {
    // new SoapClient(null, ['location' => …, 'uri' => 'urn:moodle']); $client->core_group_get_course_groups(2)
    const byPosition = await post(
      `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:ns1="urn:moodle" xmlns:xsd="${XSD}" xmlns:xsi="${XSI}" xmlns:SOAP-ENC="${ENC}" SOAP-ENV:encodingStyle="${ENC}"><SOAP-ENV:Body><ns1:core_group_get_course_groups><param0 xsi:type="xsd:int">${site.courseId}</param0></ns1:core_group_get_course_groups></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`,
    );
    expect(byPosition.status, byPosition.text).toBe(200);
    expect(byPosition.text).toContain('<value xsi:type="xsd:string">PHP group</value>');
    // A list whose keys are not 0, 1, … (array_filter'ed) goes as a map; Moodle keeps its values.
    // The prefix is the client's: apache:Map is ns2:Map.
    const gaps = await post(
      phpEnvelope(
        ` xmlns:apache="${APACHE}" xmlns:SOAP-ENC="${ENC}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}"`,
        `<ns1:core_group_create_groups><groups xsi:type="apache:Map"><item><key xsi:type="xsd:int">1</key><value xsi:type="apache:Map"><item><key xsi:type="xsd:string">courseid</key><value xsi:type="xsd:int">${site.courseId}</value></item><item><key xsi:type="xsd:string">name</key><value xsi:type="xsd:string">Gap group</value></item><item><key xsi:type="xsd:string">description</key><value xsi:type="xsd:string"></value></item><item><key xsi:type="xsd:string">idnumber</key><value xsi:nil="true"/></item></value></item></groups></ns1:core_group_create_groups>`,
      ),
    );
    // idnumber nil: Moodle's validation refuses null for a value that does not allow it.
    expect(gaps.status).toBe(500);
    expect(gaps.text).toContain('<faultactor>invalidparameter</faultactor>');
    const fixed = await post(
      phpEnvelope(
        ` xmlns:apache="${APACHE}" xmlns:SOAP-ENC="${ENC}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}"`,
        `<ns1:core_group_create_groups><groups xsi:type="apache:Map"><item><key xsi:type="xsd:int">1</key><value href="#ref1"/></item></groups></ns1:core_group_create_groups><multiRef id="ref1" xsi:type="apache:Map"><item><key xsi:type="xsd:string">courseid</key><value xsi:type="xsd:int">${site.courseId}</value></item><item><key xsi:type="xsd:string">name</key><value xsi:type="xsd:string">Gap group</value></item><item><key xsi:type="xsd:string">description</key><value xsi:type="xsd:string">by reference</value></item></multiRef>`,
      ),
    );
    expect(fixed.status, fixed.text).toBe(200);
    expect((await groupNamed('Gap group'))?.description).toBe('by reference');
  });

  it('a call of core_webservice_get_site_info with its deprecated array, as PHP writes a list of strings', async () => {
    const res = await post(
      phpEnvelope(
        ` xmlns:SOAP-ENC="${ENC}" xmlns:xsd="${XSD}" xmlns:xsi="${XSI}"`,
        '<ns1:core_webservice_get_site_info><serviceshortnames SOAP-ENC:arrayType="xsd:string[1]" xsi:type="SOAP-ENC:Array"><item xsi:type="xsd:string">soapsvc</item></serviceshortnames></ns1:core_webservice_get_site_info>',
      ),
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain(
      '<return xsi:type="ns1:webservices_struct_class_000000"><sitename xsi:type="xsd:string">Gatehouse</sitename><username xsi:type="xsd:string">teacher</username>',
    );
  });
});

describe('other RPC/encoded clients', () => {
  it('an array part repeated, one structure an element, without any xsi:type', async () => {
    const res = await post(
      phpEnvelope(
        '',
        `<ns1:core_group_create_groups><groups><courseid>${site.courseId}</courseid><name>Repeated 1</name><description>a</description></groups><groups><courseid>${site.courseId}</courseid><name>Repeated 2</name><description>b</description></groups></ns1:core_group_create_groups>`,
      ),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('SOAP-ENC:arrayType="ns2:Map[2]"');
    expect((await groupNamed('Repeated 2'))?.description).toBe('b');
  });
});

describe("Moodle's faults and HTTP statuses", () => {
  const SEND_ERROR_HEADERS = {
    'content-type': 'application/xml; charset=utf-8',
    'cache-control': 'private, must-revalidate, pre-check=0, post-check=0, max-age=0',
    pragma: 'no-cache',
    'content-disposition': 'inline; filename="response.xml"',
  };

  it('a bad token, on a call and on a WSDL request: send_error, faultcode MOODLE:error, HTTP 200', async () => {
    // webservice/soap/locallib.php send_error: a DOMDocument saved with saveXML(), the message
    // (and " - <debuginfo>" when debugging), no faultactor, no detail.
    const expected =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>MOODLE:error</faultcode><faultstring>Invalid token - token not found</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
    const call = await post(phpEnvelope('', '<ns1:core_webservice_get_site_info/>'), '?wstoken=wrong');
    expect(call.status).toBe(200);
    expect(call.text).toBe(expected);
    for (const [k, v] of Object.entries(SEND_ERROR_HEADERS)) expect(call.headers.get(k), k).toBe(v);
    // Without any token: the body is read (up to 64 KiB), then the same refusal.
    const none = await post(phpEnvelope('', '<ns1:core_webservice_get_site_info/>'), '');
    expect(none.status).toBe(200);
    expect(none.text).toBe(expected);
    const wsdl = await fetch(`${site.base}/webservice/soap/server.php?wsdl=1&wstoken=wrong`);
    expect(wsdl.status).toBe(200);
    expect(await wsdl.text()).toBe(expected);
    await setDebug('normal');
    try {
      const debugged = await post(phpEnvelope('', '<ns1:core_webservice_get_site_info/>'), '?wstoken=wrong');
      expect(debugged.text).toContain(
        '<faultstring>Invalid token - token not found - Invalid token - token not found [invalidtoken]</faultstring>',
      );
    } finally {
      await setDebug('none');
    }
  });

  it('a fault during the call: Receiver, "Unknown error | ERRORCODE: <code>" unless debugging, the code as faultactor, HTTP 500', async () => {
    const bad = phpEnvelope(
      ` xmlns:SOAP-ENC="${ENC}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}"`,
      '<ns1:core_group_get_course_groups><courseid xsi:type="xsd:string">abc</courseid></ns1:core_group_get_course_groups>',
    );
    const quiet = await post(bad);
    expect(quiet.status).toBe(500);
    expect(quiet.type).toBe('text/xml; charset=utf-8');
    expect(quiet.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>Receiver</faultcode><faultstring>Unknown error | ERRORCODE: invalidparameter</faultstring><faultactor>invalidparameter</faultactor></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`,
    );
    await setDebug('normal');
    try {
      const loud = await post(bad);
      expect(loud.status).toBe(500);
      expect(loud.text).toContain(
        '<faultcode>Receiver</faultcode><faultstring>Invalid parameter value detected | ERRORCODE: invalidparameter</faultstring><faultactor>invalidparameter</faultactor><detail>',
      );
      expect(loud.text).toMatch(/<detail>[^<]*courseid[^<]*<\/detail><\/SOAP-ENV:Fault>/);
      // A function the service does not hold: refused in the call, so the same shape.
      const notInService = await post(phpEnvelope('', '<ns1:core_user_get_users_by_field/>'));
      expect(notInService.status).toBe(500);
      expect(notInService.text).toContain(
        '| ERRORCODE: accessexception</faultstring><faultactor>accessexception</faultactor>',
      );
    } finally {
      await setDebug('none');
    }
  });

  it('a body that is not a call: its own message, HTTP 500; the document/literal style keeps its own faults', async () => {
    const res = await post('<Envelope><Body>');
    expect(res.status).toBe(500);
    expect(res.text).toContain('<faultcode>Receiver</faultcode><faultstring>Malformed XML');
    expect(res.text).toContain('| ERRORCODE: invalidparameter</faultstring><faultactor>invalidparameter</faultactor>');
    const doc = await post('<Envelope><Body>', `?wstoken=${site.secret}&style=document`);
    expect(doc.text).toContain('<faultcode>invalidparameter</faultcode>');
    const refused = await post('<x/>', '?wstoken=wrong&style=document');
    expect(refused.status).toBe(500);
    expect(refused.text).toContain('<faultcode>invalidtoken</faultcode>');
  });
});

describe('both styles on one endpoint', () => {
  it('serves the document/literal WSDL with style=document, whose address keeps the style', async () => {
    const res = await fetch(`${site.endpoint}&wsdl=1&style=document`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('<soap:binding style="document"');
    expect(text).toContain(`<soap:address location="${site.endpoint}&amp;style=document"/>`);
    const client = await soap.createClientAsync(`${site.endpoint}&wsdl=1&style=document`);
    const [info] = await client.core_webservice_get_site_infoAsync({});
    expect(info.return.username).toBe('teacher');
  });

  it('reads a document/literal body at the default address, and answers it in its style', async () => {
    const res = await post(
      `<?xml version="1.0"?><soap:Envelope xmlns:soap="${ENV}"><soap:Body><core_group_get_course_groups xmlns="urn:gatehouse:webservice"><courseid>${site.courseId}</courseid></core_group_get_course_groups></soap:Body></soap:Envelope>`,
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('<core_group_get_course_groupsResponse xmlns="urn:gatehouse:webservice"><return><item>');
  });

  it('the default WSDL answers with Moodle’s headers', async () => {
    const res = await fetch(`${site.endpoint}&wsdl=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, must-revalidate, pre-check=0, post-check=0, max-age=0');
    expect(
      (await res.text()).startsWith('<?xml version="1.0"?>\n<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"'),
    ).toBe(true);
  });
});
