import { isEmail } from '../email';
import type { ExternalDescription, ExternalMultiple, ExternalSingle, ExternalValue, ParamType } from './description';
import { phpJsonEncode, phpJsonScalar, phpJsonString } from './php-json';

/**
 * A value that does not match its description. `path` names where, as Moodle prints it
 * (`groups => 0 => courseid`); `reason` says what is wrong there.
 */
export class ExternalValidationError extends Error {
  constructor(
    readonly kind: 'parameter' | 'response',
    readonly path: (string | number)[],
    readonly reason: string,
  ) {
    super(path.length ? `${path.join(' => ')}: ${reason}` : reason);
  }

  get pathText(): string {
    return this.path.join(' => ');
  }
}

/**
 * The patterns of the string types that have one, as the validator applies them (Moodle's
 * PARAM_ALPHA, PARAM_ALPHAEXT, PARAM_LANG, …). One list for everything that describes a value:
 * the validator, the OpenAPI documents (`pattern`) and the SOAP WSDL (`xsd:pattern`). Each is
 * anchored (^…$), has no flags and uses only syntax that JSON Schema (ECMA-262, `u` flag) and, with
 * the anchors dropped, XML Schema read alike ([0-9], not \d: XML Schema's \d is any Unicode digit).
 */
export const PARAM_PATTERNS: Readonly<Partial<Record<ParamType, RegExp>>> = {
  alpha: /^[a-zA-Z]*$/,
  alphanum: /^[a-zA-Z0-9]*$/,
  alphanumext: /^[a-zA-Z0-9_-]*$/,
  alphaext: /^[a-zA-Z/_-]*$/,
  username: /^[a-z0-9_.@-]*$/,
  lang: /^([a-z]{2,3}(_[a-z0-9]+)*)?$/,
  plugin: /^[a-z][a-z0-9_]*$/,
  component: /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/,
  sequence: /^([0-9]+(,[0-9]+)*)?$/,
  // email: the strict rule of ../email (isEmail), or empty, checked in cleanScalar.
};

/** A pattern as XML Schema writes it: XSD patterns match the whole value, and ^ and $ are plain characters there. */
export function xsdPattern(re: RegExp): string {
  return re.source.replace(/^\^/, '').replace(/\$$/, '');
}

const INT = /^-?(0|[1-9]\d*)$/;
const FLOAT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const TAG = /<\/?[a-zA-Z!?][^>]*>/;
/** A lone UTF-16 surrogate: JSON can carry one (\\ud800), UTF-8 storage cannot. */
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function show(v: unknown): string {
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 60)}…` : v;
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return String(v);
}

/** Recent answers of isUrl: return values carry the same few site URLs call after call. */
const urlAnswers = new Map<string, boolean>();

function isUrl(s: string): boolean {
  if (s === '') return true;
  const known = urlAnswers.get(s);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    const u = new URL(s);
    ok = u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ftp:';
  } catch {
    ok = false;
  }
  if (s.length <= 2048) {
    if (urlAnswers.size >= 1000) urlAnswers.clear();
    urlAnswers.set(s, ok);
  }
  return ok;
}

/**
 * Cleans one scalar, as Moodle's validate_param does: the value is accepted only when cleaning
 * would not change it (so "12abc" is not an int, and text with tags is not text).
 * Returns undefined when the value does not fit.
 */
export function cleanScalar(type: ParamType, v: unknown): number | boolean | string | undefined {
  switch (type) {
    case 'int':
      if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
      if (typeof v === 'string' && INT.test(v)) {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : undefined;
      }
      return undefined;
    case 'float':
      if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
      if (typeof v === 'string' && FLOAT.test(v)) {
        const n = Number(v);
        return Number.isFinite(n) ? n : undefined;
      }
      return undefined;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 1 || v === '1' || v === 'true') return true;
      if (v === 0 || v === '0' || v === 'false' || v === '') return false;
      return undefined;
    default: {
      let s: string;
      if (typeof v === 'string') s = v;
      else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
      else return undefined;
      // A lone surrogate cannot be stored as UTF-8: such a string is not text. (The plain class
      // test first: the lookaround pattern is only needed when there is a surrogate at all.)
      if (ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s)) return undefined;
      if (s.includes('\0')) return undefined;
      if ((type === 'text' || type === 'notags') && TAG.test(s)) return undefined;
      if (type === 'url' && !isUrl(s)) return undefined;
      if (type === 'email' && s !== '' && !isEmail(s)) return undefined;
      const pattern = PARAM_PATTERNS[type];
      if (pattern && !pattern.test(s)) return undefined;
      return s;
    }
  }
}

type Path = (string | number)[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The order in which a PHP array's keys were inserted, where it differs from the order
 * JavaScript enumerates an object's keys (integer keys first, ascending): set, not enumerable,
 * by the protocol readers that build PHP arrays (`values[2]=b&values[0]=a`) on the objects
 * they make.
 */
export const PHP_KEY_ORDER: unique symbol = Symbol.for('gatehouse.phpKeyOrder');

/** The keys of an object in PHP's order: insertion order when a reader recorded it. */
function keysOf(v: Record<string, unknown>): string[] {
  const order = (v as { [PHP_KEY_ORDER]?: string[] })[PHP_KEY_ORDER];
  return Array.isArray(order) ? order : Object.keys(v);
}

/**
 * A list as Moodle's validate_parameters reads a multiple structure: any PHP array, its values
 * in order and its keys dropped (`foreach ($params as $param) $result[] = …`). So an object from
 * bracket fields with gaps (`values[0]=a&values[2]=b`, what http_build_query(array_filter(…))
 * sends), starting at 1, or with string keys, is a list too.
 */
function asList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v)) return keysOf(v).map((k) => v[k]);
  return undefined;
}

type Clean = (v: unknown) => unknown;

/**
 * A failure on its way up to validateParameters / cleanReturnValue: each structure it passes
 * through adds its key or index (innermost first), so a valid value builds no path at all.
 */
class Fault {
  readonly reversedPath: Path = [];
  constructor(readonly reason: string) {}
}

function under(e: unknown, step: string | number): unknown {
  if (e instanceof Fault) e.reversedPath.push(step);
  return e;
}

const notArray = (v: unknown) => new Fault(`Only arrays accepted. The bad value is: '${show(v)}'`);

/** The extra rule of a string type (beyond "no lone surrogate"), as cleanScalar applies it. */
function stringRule(type: ParamType): ((s: string) => boolean) | undefined {
  if (type === 'text' || type === 'notags') return (s) => !TAG.test(s);
  if (type === 'url') return isUrl;
  if (type === 'email') return (s) => s === '' || isEmail(s);
  const pattern = PARAM_PATTERNS[type];
  return pattern ? (s) => pattern.test(s) : undefined;
}

/**
 * No lone surrogate: String.prototype.isWellFormed (ES2024, native) where there is one, else the
 * two patterns cleanScalar tests.
 */
/**
 * Text a database can store as it is: no lone surrogate (not UTF-8) and no NUL (PostgreSQL's text
 * refuses U+0000; Moodle's fix_utf8() deletes it, and a value cleaning would change is refused).
 */
const wellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed() && !s.includes('\0')
    : (s) => !(ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s)) && !s.includes('\0');

/** A value's cleaner: cleanScalar for its one type, with the null and wrong-value errors. */
function compileValue(kind: Kind, desc: ExternalValue): Clean {
  const { type, allowNull } = desc;
  const nullReason = `Invalid external api ${kind}: null is not allowed for "${type}"`;
  const badBefore = `Invalid external api ${kind}: the value is "`;
  const badAfter = `", the server was expecting "${type}" type`;
  // What is not accepted as it is: null (where allowed) or an error.
  const refuse = (v: unknown): null => {
    if (v === null || v === undefined) {
      if (allowNull) return null;
      throw new Fault(nullReason);
    }
    throw new Fault(badBefore + show(v) + badAfter);
  };
  switch (type) {
    case 'int':
      return (v) => {
        if (typeof v === 'number') {
          if (Number.isSafeInteger(v)) return v;
        } else if (typeof v === 'string' && INT.test(v)) {
          const n = Number(v);
          if (Number.isSafeInteger(n)) return n;
        }
        return refuse(v);
      };
    case 'float':
      return (v) => {
        if (typeof v === 'number') {
          if (Number.isFinite(v)) return v;
        } else if (typeof v === 'string' && FLOAT.test(v)) {
          const n = Number(v);
          if (Number.isFinite(n)) return n;
        }
        return refuse(v);
      };
    case 'bool':
      return (v) => {
        if (typeof v === 'boolean') return v;
        if (v === 1 || v === '1' || v === 'true') return true;
        if (v === 0 || v === '0' || v === 'false' || v === '') return false;
        return refuse(v);
      };
    default: {
      const rule = stringRule(type);
      return (v) => {
        let s: string;
        if (typeof v === 'string') s = v;
        else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
        else return refuse(v);
        if (!wellFormed(s)) return refuse(v);
        if (rule !== undefined && !rule(s)) return refuse(v);
        return s;
      };
    }
  }
}

function compileMultiple(kind: Kind, desc: ExternalMultiple): Clean {
  const item = compile(kind, desc.content);
  return (v) => {
    const list = asList(v);
    if (list === undefined) throw notArray(v);
    const out: unknown[] = [];
    for (let i = 0; i < list.length; i++) {
      try {
        out.push(item(list[i]));
      } catch (e) {
        throw under(e, i);
      }
    }
    return out;
  };
}

/** Marks a default that has to be cleaned on each call (a structure: each call gets its own copy). */
const PER_CALL: unique symbol = Symbol('per call');

function compileSingle(kind: Kind, desc: ExternalSingle): Clean {
  const plan = planSingle(kind, desc);
  return generated(plan) ?? walkSingle(plan);
}

function planSingle(kind: Kind, desc: ExternalSingle) {
  const keys = desc.keys;
  const names: string[] = [];
  for (const key in keys) names.push(key);
  const subs = names.map((k) => compile(kind, keys[k] as ExternalDescription));
  const presence = names.map((k) => (keys[k] as ExternalDescription).presence);
  const defaults = names.map((k) => (keys[k] as ExternalDescription).default);
  // A scalar default cleans to the same scalar on every call: cleaned once here. One that does
  // not clean is cleaned (and reported, with its path) on each call that needs it.
  const filled = names.map((_, i): unknown => {
    if (presence[i] !== 'default') return PER_CALL;
    try {
      const r = (subs[i] as Clean)(defaults[i]);
      return r === null || typeof r !== 'object' ? r : PER_CALL;
    } catch {
      return PER_CALL;
    }
  });
  const missing = names.map((k) =>
    kind === 'parameter'
      ? `Missing required key in single structure: ${k}`
      : `Error in response - Missing following required key in a single structure: ${k}`,
  );
  const strict = kind === 'parameter';
  return { keys, names, subs, presence, defaults, filled, missing, strict };
}

type Plan = ReturnType<typeof planSingle>;

/** The cleaner of a structure, walking its plan: where code cannot be generated (a CSP without unsafe-eval). */
function walkSingle({ keys, names, subs, presence, defaults, filled, missing, strict }: Plan): Clean {
  const n = names.length;
  return (v) => {
    let obj: Record<string, unknown>;
    if (isPlainObject(v)) obj = v;
    // An empty list is how PHP-minded clients send an empty structure.
    else if (Array.isArray(v) && v.length === 0) obj = {};
    else throw notArray(v);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = names[i] as string;
      const x = Object.hasOwn(obj, key) ? obj[key] : undefined;
      if (x === undefined) {
        if (presence[i] === 'default') {
          const f = filled[i];
          if (f !== PER_CALL) out[key] = f;
          else {
            try {
              out[key] = (subs[i] as Clean)(defaults[i]);
            } catch (e) {
              throw under(e, key);
            }
          }
          continue;
        }
        if (presence[i] === 'optional') continue;
        throw new Fault(missing[i] as string);
      }
      try {
        out[key] = (subs[i] as Clean)(x);
      } catch (e) {
        throw under(e, key);
      }
    }
    if (strict) unknownKeys(obj, keys);
    return out;
  };
}

/**
 * The cleaner of a structure as generated code: one statement per key, with the key as a literal,
 * so that each read and each store has its own inline cache (one hidden class each) where a loop
 * over the keys shares one megamorphic site. What it does is walkSingle's, key for key.
 */
function generated({ keys, names, subs, presence, defaults, filled, missing, strict }: Plan): Clean | undefined {
  const lines: string[] = [];
  const consts: string[] = [];
  names.forEach((name, i) => {
    consts.push(`c${i} = subs[${i}], f${i} = filled[${i}], d${i} = defaults[${i}], m${i} = missing[${i}]`);
    const k = JSON.stringify(name);
    lines.push(`x = hasOwn(obj, ${k}) ? obj[${k}] : undefined;`);
    let absent: string;
    if (presence[i] === 'default')
      absent =
        filled[i] === PER_CALL
          ? `try { out[${k}] = c${i}(d${i}); } catch (e) { throw under(e, ${k}); }`
          : `out[${k}] = f${i};`;
    else if (presence[i] === 'optional') absent = '';
    else absent = `throw new Fault(m${i});`;
    lines.push(
      `if (x === undefined) { ${absent} } else { try { out[${k}] = c${i}(x); } catch (e) { throw under(e, ${k}); } }`,
    );
  });
  const source = `"use strict";
const { subs, filled, defaults, missing, keys, Fault, under, notArray, isPlainObject, hasOwn, isArray, unknownKeys } = args;
${consts.length ? `const ${consts.join(',\n  ')};` : ''}
return function clean(v) {
  let obj;
  if (isPlainObject(v)) obj = v;
  else if (isArray(v) && v.length === 0) obj = {};
  else throw notArray(v);
  const out = {};
  let x;
  ${lines.join('\n  ')}
  ${strict ? 'unknownKeys(obj, keys);' : ''}
  return out;
};`;
  let make: (args: unknown) => Clean;
  try {
    make = new Function('args', source) as (args: unknown) => Clean;
  } catch {
    return undefined;
  }
  return make({
    ...helpers(),
    subs: [...subs],
    filled: [...filled],
    defaults: [...defaults],
    missing: [...missing],
    keys,
    unknownKeys,
  });
}

/** What generated cleaners call (their `args`, beside their plan). */
const helpers = () => ({ Fault, under, notArray, isPlainObject, hasOwn: Object.hasOwn, isArray: Array.isArray });

/** Moodle's error for keys a parameter structure does not describe (after its own keys). */
function unknownKeys(obj: Record<string, unknown>, keys: Record<string, unknown>): void {
  let unknown: string[] | undefined;
  for (const k of keysOf(obj)) {
    if (Object.hasOwn(keys, k)) continue;
    if (unknown === undefined) unknown = [];
    unknown.push(k);
  }
  if (unknown !== undefined) throw new Fault(`Unexpected keys (${unknown.join(', ')}) detected in parameter array.`);
}

type Kind = 'parameter' | 'response';

/**
 * Each description's cleaner, built once (on first use) per kind and kept with the description:
 * the walk along the description (which keys, which presence, which scalar rule, the error texts)
 * is done when compiling, so a call only checks and copies the value. Descriptions are built once
 * and never changed; a changed one would keep its first cleaner.
 */
const compiled: Record<Kind, WeakMap<ExternalDescription, Clean>> = {
  parameter: new WeakMap(),
  response: new WeakMap(),
};

function compile(kind: Kind, desc: ExternalDescription): Clean {
  const memo = compiled[kind];
  let clean = memo.get(desc);
  if (clean === undefined) {
    clean =
      desc.kind === 'value'
        ? compileValue(kind, desc)
        : desc.kind === 'multiple'
          ? compileMultiple(kind, desc)
          : compileSingle(kind, desc);
    memo.set(desc, clean);
  }
  return clean;
}

function run(kind: Kind, desc: ExternalDescription, input: unknown): unknown {
  const clean = compile(kind, desc);
  try {
    return clean(input);
  } catch (e) {
    if (e instanceof Fault) throw new ExternalValidationError(kind, e.reversedPath.reverse(), e.reason);
    throw e;
  }
}

/**
 * Validates incoming arguments against a function's parameter description with Moodle's
 * semantics: defaults filled in, optional keys left out, unknown keys rejected, scalars that
 * would change when cleaned rejected. Throws ExternalValidationError naming the path.
 */
export function validateParameters<T = unknown>(desc: ExternalDescription, input: unknown): T {
  return run('parameter', desc, input) as T;
}

/**
 * Cleans a function's return value against its return description, as Moodle's
 * clean_returnvalue does: keys not described are dropped, defaults filled in, scalars cast to
 * their type; a value that cannot be made to fit is an error in the function (invalid response).
 */
export function cleanReturnValue<T = unknown>(desc: ExternalDescription | null, input: unknown): T {
  if (desc === null) return null as T;
  return run('response', desc, input) as T;
}

// ---- cleaning and PHP's JSON in one pass ---------------------------------------------------------
//
// A REST JSON answer is the cleaned return value as json_encode writes it. Made once per
// description, this code cleans and writes in one pass, as cleanReturnValue then phpJsonEncode
// would (the same text, the same errors: validate.test.ts compares them over generated
// descriptions and values): each structure's keys as literals with their JSON written when
// compiling, each scalar cleaned by its compiled cleaner and written by its type, a default
// that cleans to a scalar written once. A structure with a key JavaScript would enumerate
// first (an array index) is cleaned, then encoded: its keys' order is not the description's.

type Json = (v: unknown) => string;

const jsonCompiled = new WeakMap<ExternalDescription, Json>();

const isIndexKey = (k: string) => /^(0|[1-9]\d{0,9})$/.test(k) && Number(k) < 4294967295;

/** A scalar's JSON by its type, inline in generated code (`y`: the cleaned value). */
function scalarJson(desc: ExternalValue): string {
  if (desc.type === 'int' || desc.type === 'float') return `(y === null ? 'null' : '' + y)`;
  if (desc.type === 'bool') return `(y === true ? 'true' : y === false ? 'false' : 'null')`;
  return "(y === null ? 'null' : str(y))";
}

function jsonSingle(desc: ExternalSingle): Json {
  const plan = planSingle('response', desc);
  const { names, subs, presence, defaults, filled, missing } = plan;
  if (names.some((k) => isIndexKey(k) || k === '__proto__')) {
    const clean = compile('response', desc);
    return (v) => phpJsonEncode(clean(v));
  }
  const json = names.map((k) => compileJson(desc.keys[k] as ExternalDescription));
  const consts: string[] = [];
  const lines: string[] = [];
  names.forEach((name, i) => {
    const d = desc.keys[name] as ExternalDescription;
    const k = JSON.stringify(name);
    const head = JSON.stringify(`${phpJsonEncode(name)}:`);
    consts.push(`c${i} = subs[${i}], j${i} = json[${i}], d${i} = defaults[${i}], m${i} = missing[${i}]`);
    // A present value: its scalar cleaned and written inline, or its structure's own code.
    const write =
      d.kind === 'value' ? `y = c${i}(x); s += c + ${head} + ${scalarJson(d)};` : `s += c + ${head} + j${i}(x);`;
    let absent: string;
    if (presence[i] === 'default') {
      const f = filled[i];
      absent =
        f === PER_CALL
          ? `try { s += c + ${head} + j${i}(d${i}); c = ','; } catch (e) { throw under(e, ${k}); }`
          : `s += c + ${JSON.stringify(`${phpJsonEncode(name)}:${phpJsonScalar(f)}`)}; c = ',';`;
    } else if (presence[i] === 'optional') absent = '';
    else absent = `throw new Fault(m${i});`;
    lines.push(`x = hasOwn(obj, ${k}) ? obj[${k}] : undefined;`);
    lines.push(
      `if (x === undefined) { ${absent} } else { try { ${write} c = ','; } catch (e) { throw under(e, ${k}); } }`,
    );
  });
  const source = `"use strict";
const { subs, json, defaults, missing, Fault, under, notArray, isPlainObject, hasOwn, isArray, str } = args;
${consts.length ? `const ${consts.join(',\n  ')};` : ''}
return function structureJson(v) {
  let obj;
  if (isPlainObject(v)) obj = v;
  else if (isArray(v) && v.length === 0) obj = {};
  else throw notArray(v);
  let s = '', c = '{', x, y;
  ${lines.join('\n  ')}
  return c === '{' ? '{}' : s + '}';
};`;
  try {
    return (new Function('args', source) as (args: unknown) => Json)({
      ...helpers(),
      subs: [...subs],
      json,
      defaults: [...defaults],
      missing: [...missing],
      str: phpJsonString,
    });
  } catch {
    // Where code cannot be generated: cleaned, then encoded.
    const clean = compile('response', desc);
    return (v) => phpJsonEncode(clean(v));
  }
}

function jsonMultiple(desc: ExternalMultiple): Json {
  const item = compileJson(desc.content);
  return (v) => {
    const list = asList(v);
    if (list === undefined) throw notArray(v);
    let s = '[';
    for (let i = 0; i < list.length; i++) {
      try {
        s += (i === 0 ? '' : ',') + item(list[i]);
      } catch (e) {
        throw under(e, i);
      }
    }
    return `${s}]`;
  };
}

function compileJson(desc: ExternalDescription): Json {
  let json = jsonCompiled.get(desc);
  if (json === undefined) {
    if (desc.kind === 'value') {
      const clean = compile('response', desc);
      json = (v) => phpJsonScalar(clean(v));
    } else json = desc.kind === 'multiple' ? jsonMultiple(desc) : jsonSingle(desc);
    jsonCompiled.set(desc, json);
  }
  return json;
}

/**
 * A function's return value cleaned against its description (cleanReturnValue) and written as
 * PHP's json_encode writes it (phpJsonEncode), in one pass: the REST server's JSON answer.
 * Throws ExternalValidationError as cleanReturnValue does.
 */
export function cleanReturnValueAsJson(desc: ExternalDescription | null, input: unknown): string {
  if (desc === null) return 'null';
  const json = compileJson(desc);
  try {
    return json(input);
  } catch (e) {
    if (e instanceof Fault) throw new ExternalValidationError('response', e.reversedPath.reverse(), e.reason);
    throw e;
  }
}
