import { cleanReturnValue, multiple, single, value } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema';
import { makeWsSite, rawRequest, type WsSite } from '../../fuzz/fuzz-helpers';
import { FUNCTIONS } from '../functions';
import { restXmlResult } from './rest';
import { parseXml, phpDouble } from './xml';
import { xmlrpcResult } from './xmlrpc';

// Success answers byte for byte as Moodle's servers write them (issue 16, §4-5). The expected
// bytes come from Moodle's source:
// - XML-RPC: webservice/xmlrpc/locallib.php prepare_response, xmlrpc_encode_request(null, $values,
//   ["encoding" => "UTF-8", "verbosity" => "no_white_space", "escaping" => ["markup"]]); the
//   strings of webservice/xmlrpc/tests/locallib_test.php (prepare_response_provider) are copied
//   below as they are; the types and empty elements are xmlrpc-epi's (xml_to_xmlrpc.c:
//   `case xmlrpc_empty: /* treat null value as empty string in xmlrpc. */`, "%i" for ints,
//   "%.*G" with EG(precision) for doubles; PHP's IS_NULL becomes xmlrpc_empty).
// - REST XML: webservice/rest/locallib.php xmlize_result (Moodle 4.x: every key of a structure,
//   `isset($returns[$key]) ? $returns[$key] : null`, `<VALUE null="null"/>`, booleans as (int),
//   htmlspecialchars(…, ENT_COMPAT) of the value as PHP's string conversion writes it).

const text = (d = 'x') => value('raw', d);
const RESULT_HEAD_LENGTH = '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value>'.length;
const RESULT_TAIL_LENGTH = '</value></param></params></methodResponse>'.length;

describe("XML-RPC: Moodle's prepare_response", () => {
  it("Moodle's own test strings (locallib_test.php, prepare_response_provider)", () => {
    expect(
      xmlrpcResult('Mellon!', value('raw', 'Ennyn Durin, Aran Moria: pedo mellon a minno', { optional: true })),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><string>Mellon!</string></value>' +
        '</param></params></methodResponse>',
    );
    const glyphs = '😂🤵😂 𝒪𝓃𝓁𝓎 𝓉𝒽𝑒 𝒻𝒾𝓃𝑒𝓈𝓉 𝐼𝓉𝒶𝓁𝒾𝒶𝓃 𝒷𝒾𝓈𝒸𝓊𝒾𝓉𝓈 😂🤵😂';
    expect(xmlrpcResult(glyphs, text('What biscuits do you have?'))).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><string>${glyphs}</string></value></param></params></methodResponse>`,
    );
  });

  it('types from the description; null and empty strings as <string/>; markup escaping', () => {
    const desc = single({
      id: value('int', 'id'),
      big: value('int', 'big'),
      ratio: value('float', 'ratio'),
      ok: value('bool', 'ok'),
      no: value('bool', 'no'),
      name: text(),
      empty: text(),
      nothing: value('raw', 'null', { allowNull: true }),
      unset: value('raw', 'optional', { optional: true }),
      list: multiple(value('int', 'n')),
      none: multiple(value('int', 'n')),
      inner: single({ only: value('raw', 'o', { optional: true }) }),
    });
    const out = xmlrpcResult(
      {
        // Not in the description's order: the answer is.
        list: [1, -2],
        id: 7,
        big: 2 ** 40,
        ratio: 0.1 + 0.2,
        ok: true,
        no: false,
        name: `a&b<c>"d"'e`,
        empty: '',
        nothing: null,
        none: [],
        inner: {},
      },
      desc,
    );
    expect(out).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><struct>' +
        '<member><name>id</name><value><int>7</int></value></member>' +
        '<member><name>big</name><value><i8>1099511627776</i8></value></member>' +
        '<member><name>ratio</name><value><double>0.3</double></value></member>' +
        '<member><name>ok</name><value><boolean>1</boolean></value></member>' +
        '<member><name>no</name><value><boolean>0</boolean></value></member>' +
        `<member><name>name</name><value><string>a&#38;b&#60;c&#62;&#34;d&#34;'e</string></value></member>` +
        '<member><name>empty</name><value><string/></value></member>' +
        '<member><name>nothing</name><value><string/></value></member>' +
        '<member><name>list</name><value><array><data><value><int>1</int></value><value><int>-2</int></value></data></array></value></member>' +
        '<member><name>none</name><value><array><data/></array></value></member>' +
        // A structure with no key set is an empty PHP array: xmlrpc-epi writes an array.
        '<member><name>inner</name><value><array><data/></array></value></member>' +
        '</struct></value></param></params></methodResponse>',
    );
    expect(out).not.toContain('\n');
  });

  it('doubles as "%.*G" with PHP\'s precision (14)', () => {
    const doubles = [2.3456, 2, 1e25, 1.5e-5, 0.0001, 1e14, 99999999999999, -0.25, 1 / 3].map((x) =>
      xmlrpcResult(x, value('float', 'f')).slice(RESULT_HEAD_LENGTH, -RESULT_TAIL_LENGTH),
    );
    expect(doubles).toEqual([
      '<double>2.3456</double>',
      '<double>2</double>',
      '<double>1.0E+25</double>',
      '<double>1.5E-5</double>',
      '<double>0.0001</double>',
      '<double>1.0E+14</double>',
      '<double>99999999999999</double>',
      '<double>-0.25</double>',
      '<double>0.33333333333333</double>',
    ]);
  });

  it('a list of structures, and a function without a return description', () => {
    expect(xmlrpcResult([{ a: 1 }, { a: 2 }], multiple(single({ a: value('int', 'a') })))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><array><data>' +
        '<value><struct><member><name>a</name><value><int>1</int></value></member></struct></value>' +
        '<value><struct><member><name>a</name><value><int>2</int></value></member></struct></value>' +
        '</data></array></value></param></params></methodResponse>',
    );
    // Moodle sends an empty body here; Gatehouse a nil that every client reads (see xmlrpcResult).
    expect(xmlrpcResult(null, null)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><nil/></value></param></params></methodResponse>',
    );
  });
});

describe("REST XML: Moodle's xmlize_result", () => {
  const desc = single({
    id: value('int', 'id'),
    ratio: value('float', 'ratio'),
    ok: value('bool', 'ok'),
    name: text(),
    nothing: value('raw', 'null', { allowNull: true }),
    unset: value('raw', 'optional', { optional: true }),
    list: multiple(single({ a: value('int', 'a'), b: value('raw', 'b', { optional: true }) })),
    none: multiple(value('int', 'n'), 'none', { optional: true }),
    inner: single({ x: value('int', 'x') }, 'inner', { optional: true }),
  });

  it('every key in the description\'s order, unset and null ones as <VALUE null="null"/>', () => {
    const cleaned = cleanReturnValue(desc, {
      list: [{ a: 1 }, { a: 2, b: 'two' }],
      name: 'a&b<c>"d"\'e',
      ok: false,
      ratio: 1e25,
      id: 7,
      nothing: null,
    });
    expect(restXmlResult(cleaned, desc)).toBe(`<?xml version="1.0" encoding="UTF-8" ?>
<RESPONSE>
<SINGLE>
<KEY name="id"><VALUE>7</VALUE>
</KEY>
<KEY name="ratio"><VALUE>1.0E+25</VALUE>
</KEY>
<KEY name="ok"><VALUE>0</VALUE>
</KEY>
<KEY name="name"><VALUE>a&amp;b&lt;c&gt;&quot;d&quot;'e</VALUE>
</KEY>
<KEY name="nothing"><VALUE null="null"/>
</KEY>
<KEY name="unset"><VALUE null="null"/>
</KEY>
<KEY name="list"><MULTIPLE>
<SINGLE>
<KEY name="a"><VALUE>1</VALUE>
</KEY>
<KEY name="b"><VALUE null="null"/>
</KEY>
</SINGLE>
<SINGLE>
<KEY name="a"><VALUE>2</VALUE>
</KEY>
<KEY name="b"><VALUE>two</VALUE>
</KEY>
</SINGLE>
</MULTIPLE>
</KEY>
<KEY name="none"><MULTIPLE>
</MULTIPLE>
</KEY>
<KEY name="inner"><SINGLE>
<KEY name="x"><VALUE null="null"/>
</KEY>
</SINGLE>
</KEY>
</SINGLE>
</RESPONSE>
`);
  });

  it("floats as PHP's string conversion writes them (precision 14), a function without returns", () => {
    // 123456789012345 is a tie at 14 digits: zend_dtoa rounds it to even, as 2.5 → 2 would be.
    expect(
      [0.1 + 0.2, 3, -0, 1.5e-7, 123456789012345, 123456789012355, -1e100, 1234.5, 0.00012].map(phpDouble),
    ).toEqual([
      '0.3',
      '3',
      '-0',
      '1.5E-7',
      '1.2345678901234E+14',
      '1.2345678901236E+14',
      '-1.0E+100',
      '1234.5',
      '0.00012',
    ]);
    expect(restXmlResult(null, null)).toBe('<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n</RESPONSE>\n');
  });
});

// ---- through the real protocols ----------------------------------------------------------------

let site: WsSite;
beforeAll(async () => {
  site = await makeWsSite();
});
afterAll(() => site?.t.close());

const INFO = 'core_webservice_get_site_info';
const infoFn = FUNCTIONS.find((f) => f.name === INFO);

describe('site info over the protocols', () => {
  const keys = infoFn?.returns?.kind === 'single' ? infoFn.returns.keys : {};
  const order = Object.keys(keys);

  it("XML-RPC: no white space, the keys in the description's order (the npm client reads it: protocols.test.ts)", async () => {
    const res = await rawRequest(site.t.app, 'POST', `/webservice/xmlrpc/server.php?wstoken=${site.secret}`, {
      body: `<?xml version="1.0"?><methodCall><methodName>${INFO}</methodName><params><param><value><struct/></value></param></params></methodCall>`,
    });
    expect(res.status).toBe(200);
    expect(
      res.text.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><struct><member><name>',
      ),
    ).toBe(true);
    expect(res.text.endsWith('</struct></value></param></params></methodResponse>')).toBe(true);
    expect(res.text).not.toContain('\n');
    const struct = parseXml(res.text).children[0]?.children[0]?.children[0]?.children[0];
    const names = (struct?.children ?? []).map((m) => m.children[0]?.text ?? '');
    expect(names.length).toBeGreaterThan(5);
    expect(names).toEqual(order.filter((k) => names.includes(k)));
  });

  it('REST XML: every key of the description in its order, the unset ones as null="null"', async () => {
    const [xml, json] = await Promise.all([
      rawRequest(site.t.app, 'GET', `/webservice/rest/server.php?wstoken=${site.secret}&wsfunction=${INFO}`),
      rawRequest(site.t.app, 'GET', `/webservice/rest/server.php/${INFO}?wstoken=${site.secret}`),
    ]);
    const data = JSON.parse(json.text) as Record<string, unknown>;
    const single = parseXml(xml.text).children[0];
    expect(single?.name).toBe('SINGLE');
    const top = single?.children ?? [];
    expect(top.map((k) => k.attrs.name)).toEqual(order);
    let nulls = 0;
    for (const key of top) {
      const name = key.attrs.name as string;
      if (keys[name]?.kind !== 'value') continue;
      const valueNode = key.children[0];
      if (data[name] === undefined || data[name] === null) {
        nulls++;
        expect(valueNode?.attrs.null).toBe('null');
      } else expect(valueNode?.attrs.null).toBeUndefined();
    }
    // The optional keys site info leaves out are written, as Moodle does.
    expect(nulls).toBeGreaterThan(0);
  });
});

describe("REST JSON: Moodle's json_encode($validatedvalues)", () => {
  it('escapes slashes as \\/ and every character outside ASCII as \\uXXXX (UTF-16, lower-case hex), in answers and errors', async () => {
    // A user named as PHP would have to escape: json_encode('José 😀 a/b') is "Jos\u00e9 \ud83d\ude00 a\/b".
    await site.t.store.db
      .update(users)
      .set({ firstname: 'José 😀 a/b' })
      .where(eq(users.id, await site.t.userId('admin')));
    site.t.deps.gen.bump(); // a write behind the caches' back: drop them
    const res = await rawRequest(
      site.t.app,
      'GET',
      `/webservice/rest/server.php?wstoken=${site.secret}&wsfunction=${INFO}&moodlewsrestformat=json`,
    );
    expect(res.text).toContain('"firstname":"Jos\\u00e9 \\ud83d\\ude00 a\\/b"');
    expect(res.text).toMatch(/"siteurl":"http:\\\/\\\/[^"]+"/);
    expect(res.text).not.toMatch(/[^\\]\//);
    expect(res.text).not.toMatch(/[\u0080-\uffff]/);
    const err = await rawRequest(
      site.t.app,
      'GET',
      `/webservice/rest/server.php?wstoken=${site.secret}&wsfunction=no/such&moodlewsrestformat=json`,
    );
    expect(err.text).not.toMatch(/[^\\]\//);
    expect(JSON.parse(err.text).exception).toBeTypeOf('string');
  });
});
