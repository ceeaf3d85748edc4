import {
  cleanScalar,
  type ExternalDescription,
  PARAM_PATTERNS,
  type ParamType,
  single,
  value,
  xsdPattern,
} from '@gatehouse/shared';
import { Validator } from '@seriousme/openapi-schema-validator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeWsSite, type WsSite } from '../../fuzz/fuzz-helpers';
import { defineFunction } from '../../webservice/types';
import { buildOpenApi } from './openapi';

// The string patterns the validator applies (Moodle's PARAM_ALPHA, PARAM_LANG, PARAM_PLUGIN, …)
// are the ones the documents describing the functions carry: JSON Schema `pattern` in the
// OpenAPI documents, xsd:pattern in the SOAP WSDL. A value the validator refuses is refused by
// the document's schema, and the other way round.

const PATTERN_TYPES = Object.keys(PARAM_PATTERNS) as ParamType[];

type Schema = Record<string, unknown>;

/** Values on both sides of each pattern: a few the validator accepts, a few it refuses. */
const SAMPLES: Record<string, { ok: string[]; refused: string[] }> = {
  alpha: { ok: ['', 'abc', 'ABC'], refused: ['ab1', 'a_b', 'a b'] },
  alphanum: { ok: ['ab1', 'A9'], refused: ['ab_1', 'a-b', 'é'] },
  alphanumext: { ok: ['a_b-1', '-'], refused: ['a/b', 'a.b', 'a b'] },
  alphaext: { ok: ['a/b_c-', 'ABC'], refused: ['a1', 'a.b', 'a b'] },
  username: { ok: ['j.doe@x-y_1', ''], refused: ['JDoe', 'j doe', 'j+doe'] },
  lang: { ok: ['', 'en', 'pt_br', 'en_us_k12'], refused: ['EN', 'e', 'english', 'en-us', 'en_'] },
  plugin: { ok: ['forum', 'forum_x', 'f1'], refused: ['', '1forum', 'Forum', 'mod/forum'] },
  component: { ok: ['core', 'mod_forum', 'tool_mucertify'], refused: ['', 'mod__forum', 'Mod', 'mod_', '_mod'] },
  sequence: { ok: ['', '1', '1,2,3'], refused: ['1,,2', '1,a', ',1', '1,', '١'] },
};

/** Every string the validator and a schema should agree on: the samples, and random ones. */
function candidates(type: ParamType): string[] {
  const sample = SAMPLES[type] ?? { ok: [], refused: [] };
  const alphabet = [...'abzAZ09_-/.@, é', '١'];
  const random = fc.sample(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 8 }), { numRuns: 300, seed: 15 });
  return [...sample.ok, ...sample.refused, ...random];
}

const accepted = (type: ParamType, v: string) => cleanScalar(type, v) !== undefined;

function patternOf(type: ParamType): RegExp {
  const re = PARAM_PATTERNS[type];
  if (!re) throw new Error(`${type} has no pattern`);
  return re;
}

/** A function whose parameters hold one value of every type that has a pattern, and a nullable one. */
const everyPattern = defineFunction({
  name: 'local_probe_patterns',
  component: 'local_probe',
  description: 'Takes one value of every string type that has a pattern.',
  type: 'read',
  capabilities: [],
  parameters: single(
    Object.fromEntries(
      PATTERN_TYPES.flatMap((t): [string, ExternalDescription][] => [
        [t, value(t, `A ${t} value`)],
        [`${t}_or_null`, value(t, `A ${t} value or null`, { allowNull: true })],
      ]),
    ),
  ),
  returns: null,
  execute: () => null,
});

function requestSchema(doc: Schema, name: string): Schema {
  const paths = doc.paths as Record<string, { post: { requestBody: { content: Record<string, { schema: Schema }> } } }>;
  const op = paths[`/webservice/rest/server.php/${name}`];
  if (!op) throw new Error(`${name} is not in the document`);
  return op.post.requestBody.content['application/json']?.schema ?? {};
}

/** Every schema of a value in a JSON Schema tree, with its Moodle type. */
function valueSchemas(s: Schema): [string, Schema][] {
  const here: [string, Schema][] = typeof s['x-moodle-type'] === 'string' ? [[s['x-moodle-type'] as string, s]] : [];
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const items = s.items ? [s.items as Schema] : [];
  return [...here, ...Object.values(props).flatMap(valueSchemas), ...items.flatMap(valueSchemas)];
}

describe('the OpenAPI documents', () => {
  const doc = buildOpenApi({
    title: 'Patterns',
    description: 'Every pattern type.',
    baseUrl: 'https://moodle.example.org',
    functions: [everyPattern],
    files: { download: false, upload: false },
  });
  const props = requestSchema(doc, everyPattern.name).properties as Record<string, Schema>;

  it('are valid OpenAPI 3.1 with every pattern type in them', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(PATTERN_TYPES).toEqual(expect.arrayContaining(['alphaext', 'lang', 'plugin', 'component']));
  });

  it.each(PATTERN_TYPES)("carry the validator's own pattern for %s", (type) => {
    for (const key of [type, `${type}_or_null`]) {
      expect(props[key], key).toMatchObject({ 'x-moodle-type': type, pattern: patternOf(type).source });
    }
    expect(props[`${type}_or_null`]?.type).toEqual(['string', 'null']);
  });

  it.each(PATTERN_TYPES)('refuse what the validator refuses for %s, and accept the rest (JSON Schema)', (type) => {
    // A JSON Schema validator (zod's) over the document's own schema for the value.
    const schema = z.fromJSONSchema(props[type] as never);
    const nullable = z.fromJSONSchema(props[`${type}_or_null`] as never);
    // As JSON Schema reads a pattern: ECMA-262 with the Unicode flag.
    const pattern = new RegExp(String(props[type]?.pattern), 'u');
    for (const v of candidates(type)) {
      const want = accepted(type, v);
      expect(schema.safeParse(v).success, `${type} ${JSON.stringify(v)}`).toBe(want);
      expect(nullable.safeParse(v).success, `${type} ${JSON.stringify(v)}`).toBe(want);
      expect(pattern.test(v), `${type} ${JSON.stringify(v)}`).toBe(want);
    }
    for (const v of SAMPLES[type]?.refused ?? []) expect(schema.safeParse(v).success, v).toBe(false);
    expect(nullable.safeParse(null).success).toBe(true);
  });
});

describe('the documents the server hands out', () => {
  let site: WsSite;
  beforeAll(async () => {
    site = await makeWsSite();
  });
  afterAll(() => site.t.close());

  it("carry the validator's patterns for every value of the catalogue (OpenAPI)", async () => {
    const admin = site.t.client();
    await admin.login('admin', 'Admin-pass-1');
    const res = await admin.get('/api/docs/openapi.json');
    expect(res.status).toBe(200);
    const seen = new Set<string>();
    // The functions' operations (the file endpoints' are not described by the catalogue).
    for (const path of Object.keys(res.body.paths).filter((p) => p.startsWith('/webservice/rest/server.php/'))) {
      const name = path.slice(path.lastIndexOf('/') + 1);
      for (const [type, schema] of valueSchemas(requestSchema(res.body, name))) {
        const pattern = PARAM_PATTERNS[type as ParamType];
        if (!pattern) continue;
        seen.add(type);
        expect(schema.pattern, `${name}: ${type}`).toBe(pattern.source);
      }
    }
    // The catalogue's own functions use these (course formats and languages, file components).
    expect([...seen]).toEqual(expect.arrayContaining(['alpha', 'plugin', 'lang', 'component']));
  });

  it("declares the validator's patterns as XML Schema types, and the values use them (WSDL)", async () => {
    // The document/literal WSDL (the opt-in style) declares the patterns; Moodle's RPC/encoded one has none.
    const res = await site.t.app.request(`/webservice/soap/server.php?wsdl=1&wstoken=${site.secret}&style=document`);
    expect(res.status).toBe(200);
    const wsdl = await res.text();
    for (const type of PATTERN_TYPES) {
      const re = patternOf(type);
      const declared = wsdl.match(
        new RegExp(
          `<xsd:simpleType name="PARAM_${type.toUpperCase()}"><xsd:restriction base="xsd:string"><xsd:pattern value="([^"]*)"/>`,
        ),
      )?.[1];
      expect(declared, type).toBe(xsdPattern(re));
      // An XSD pattern matches the whole value: read that way, it agrees with the validator.
      const whole = new RegExp(`^(?:${declared})$`, 'u');
      for (const v of candidates(type)) expect(whole.test(v), `${type} ${JSON.stringify(v)}`).toBe(accepted(type, v));
    }
    // core_course_create_courses: courses => format is PARAM_PLUGIN, courses => lang PARAM_LANG.
    const create = wsdl.slice(wsdl.indexOf('<xsd:element name="core_course_create_courses">'));
    expect(create).toMatch(/<xsd:element name="format" type="tns:PARAM_PLUGIN"/);
    expect(create).toMatch(/<xsd:element name="lang" type="tns:PARAM_LANG"/);
  });
});
