import type { ExternalDescription, ExternalMultiple, ExternalSingle } from '@gatehouse/shared';

// PHP's json_encode with its default flags, for the answers Moodle writes with it (lib/ajax/service.php,
// tool_mobile_call_external_functions' `data` and `exception` strings): `/` is escaped as `\/`
// (no JSON_UNESCAPED_SLASHES) and every character outside ASCII as a `\uXXXX` escape in lower-case
// hex, UTF-16 code units (no JSON_UNESCAPED_UNICODE). The rest is JSON.stringify's: both write the
// same escapes for quotes, backslashes and control characters (PHP writes \b \f \n \r \t and
// \u00XX for the others, as JSON.stringify does).

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;

const escapeUnit = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** JSON text as PHP's json_encode($value) writes it. */
export function phpJsonEncode(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  // `/` and non-ASCII characters only ever occur inside JSON strings, so the whole text can be
  // rewritten. The slashes with a native replace; the (rarer) non-ASCII text only when there is some.
  const slashed = json.includes('/') ? json.replaceAll('/', '\\/') : json;
  return NON_ASCII.test(slashed) ? slashed.replace(NON_ASCII_ALL, escapeUnit) : slashed;
}

// ---- compiled from a description ------------------------------------------------------------
//
// A function's cleaned return value (cleanReturnValue: structures as plain objects with their
// keys in the description's order, lists as arrays, scalars as numbers, booleans, strings or
// null) encoded by code made once per description: each structure's keys as literals (their
// JSON, escapes included, written when compiling), each string checked for the characters that
// need an escape by one pattern and written as it is when none does. Whatever the code did not
// expect (a value of another shape) is written by phpJsonEncode, so the text is phpJsonEncode's
// in every case (php-json.test.ts compares the two over generated values).

/** A string PHP writes as it is between quotes: printable ASCII without `"`, `/` and `\`. */
const PLAIN = /^[\x20\x21\x23-\x2e\x30-\x5b\x5d-\x7f]*$/;
/** One that needs only its slashes escaped (a URL, mostly). */
const SLASHED = /^[\x20\x21\x23-\x5b\x5d-\x7f]*$/;

type Encode = (v: unknown) => string;

function scalar(x: unknown): string {
  switch (typeof x) {
    case 'string':
      if (PLAIN.test(x)) return `"${x}"`;
      return SLASHED.test(x) ? `"${x.replaceAll('/', '\\/')}"` : phpJsonEncode(x);
    case 'number':
      return Number.isFinite(x) ? `${x}` : 'null';
    case 'boolean':
      return x ? 'true' : 'false';
    default:
      return x === null ? 'null' : phpJsonEncode(x);
  }
}

/** A canonical array index: JavaScript enumerates such keys first, ascending, as JSON.stringify writes them. */
const isIndex = (k: string) => /^(0|[1-9]\d{0,9})$/.test(k) && Number(k) < 4294967295;

function compileList(desc: ExternalMultiple): Encode {
  const item = compileJson(desc.content);
  return (v) => {
    if (!Array.isArray(v)) return phpJsonEncode(v);
    if (v.length === 0) return '[]';
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      s += `${i === 0 ? '' : ','}${x === undefined ? 'null' : item(x)}`;
    }
    return `${s}]`;
  };
}

function compileStructure(desc: ExternalSingle): Encode {
  // `__proto__` is never one of the cleaned object's own keys (assigning it sets the prototype).
  const names = Object.keys(desc.keys).filter((k) => k !== '__proto__');
  // The order JSON.stringify writes the cleaned object's keys in.
  const order = [...names.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...names.filter((k) => !isIndex(k))];
  const subs = order.map((k) => compileJson(desc.keys[k] as ExternalDescription));
  // A scalar's usual shape written inline (its type's), anything else by scalar().
  const inline = (d: ExternalDescription, i: number): string => {
    if (d.kind !== 'value') return `e${i}(x)`;
    if (d.type === 'int' || d.type === 'float') return `(typeof x === 'number' && x - x === 0 ? '' + x : scalar(x))`;
    if (d.type === 'bool') return `(x === true ? 'true' : x === false ? 'false' : scalar(x))`;
    return `(typeof x === 'string' && PLAIN.test(x) ? '"' + x + '"' : scalar(x))`;
  };
  const lines = order.map((k, i) => {
    const literal = JSON.stringify(k);
    const name = JSON.stringify(`${phpJsonEncode(k)}:`);
    const d = desc.keys[k] as ExternalDescription;
    return `x = v[${literal}]; if (x !== undefined) { s += c + ${name} + ${inline(d, i)}; c = ','; }`;
  });
  const source = `"use strict";
const { subs, fallback, scalar, PLAIN } = args;
const ${subs.length ? subs.map((_, i) => `e${i} = subs[${i}]`).join(', ') : '_ = 0'};
return function structure(v) {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fallback(v);
  let s = '', c = '{', x;
  ${lines.join('\n  ')}
  return c === '{' ? '{}' : s + '}';
};`;
  return (new Function('args', source) as (args: unknown) => Encode)({ subs, fallback: phpJsonEncode, scalar, PLAIN });
}

const compiledJson = new WeakMap<ExternalDescription, Encode>();

function compileJson(desc: ExternalDescription): Encode {
  let encode = compiledJson.get(desc);
  if (encode === undefined) {
    encode = desc.kind === 'value' ? scalar : desc.kind === 'multiple' ? compileList(desc) : compileStructure(desc);
    compiledJson.set(desc, encode);
  }
  return encode;
}

/**
 * A cleaned return value as PHP's json_encode writes it (phpJsonEncode's text), by the encoder
 * compiled once for its description; null for a function that returns nothing.
 */
export function phpJsonAnswer(desc: ExternalDescription | null, value: unknown): string {
  if (desc === null || value === undefined) return phpJsonEncode(value ?? null);
  return compileJson(desc)(value);
}
