import { isEmail } from '../email';
import type { ExternalDescription, ParamType } from './description';

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

/**
 * Walks a value along its description. The path is one stack pushed and popped on the way
 * (copied only when there is an error to report), so a valid value costs no path allocations.
 */
function walk(kind: 'parameter' | 'response', desc: ExternalDescription, input: unknown, path: Path): unknown {
  if (desc.kind === 'value') {
    if (input === null || input === undefined) {
      if (desc.allowNull) return null;
      throw new ExternalValidationError(
        kind,
        [...path],
        `Invalid external api ${kind}: null is not allowed for "${desc.type}"`,
      );
    }
    const cleaned = typeof input === 'object' ? undefined : cleanScalar(desc.type, input);
    if (cleaned === undefined) {
      throw new ExternalValidationError(
        kind,
        [...path],
        `Invalid external api ${kind}: the value is "${show(input)}", the server was expecting "${desc.type}" type`,
      );
    }
    return cleaned;
  }
  if (desc.kind === 'multiple') {
    const list = asList(input);
    if (!list)
      throw new ExternalValidationError(kind, [...path], `Only arrays accepted. The bad value is: '${show(input)}'`);
    const out = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      path.push(i);
      out[i] = walk(kind, desc.content, list[i], path);
      path.pop();
    }
    return out;
  }
  let obj: Record<string, unknown>;
  if (isPlainObject(input)) obj = input;
  // An empty list is how PHP-minded clients send an empty structure.
  else if (Array.isArray(input) && input.length === 0) obj = {};
  else throw new ExternalValidationError(kind, [...path], `Only arrays accepted. The bad value is: '${show(input)}'`);
  const out: Record<string, unknown> = {};
  for (const key in desc.keys) {
    const sub = desc.keys[key] as ExternalDescription;
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (v === undefined) {
      if (sub.presence === 'default') {
        path.push(key);
        out[key] = walk(kind, sub, sub.default, path);
        path.pop();
        continue;
      }
      if (sub.presence === 'optional') continue;
      throw new ExternalValidationError(
        kind,
        [...path],
        kind === 'parameter'
          ? `Missing required key in single structure: ${key}`
          : `Error in response - Missing following required key in a single structure: ${key}`,
      );
    }
    path.push(key);
    out[key] = walk(kind, sub, v, path);
    path.pop();
  }
  if (kind === 'parameter') {
    const unknown = keysOf(obj).filter((k) => !Object.hasOwn(desc.keys, k));
    if (unknown.length)
      throw new ExternalValidationError(
        kind,
        [...path],
        `Unexpected keys (${unknown.join(', ')}) detected in parameter array.`,
      );
  }
  return out;
}

/**
 * Validates incoming arguments against a function's parameter description with Moodle's
 * semantics: defaults filled in, optional keys left out, unknown keys rejected, scalars that
 * would change when cleaned rejected. Throws ExternalValidationError naming the path.
 */
export function validateParameters<T = unknown>(desc: ExternalDescription, input: unknown): T {
  return walk('parameter', desc, input, []) as T;
}

/**
 * Cleans a function's return value against its return description, as Moodle's
 * clean_returnvalue does: keys not described are dropped, defaults filled in, scalars cast to
 * their type; a value that cannot be made to fit is an error in the function (invalid response).
 */
export function cleanReturnValue<T = unknown>(desc: ExternalDescription | null, input: unknown): T {
  if (desc === null) return null as T;
  return walk('response', desc, input, []) as T;
}
