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

/** A string PHP writes as it is between quotes: printable ASCII without `"`, `/` and `\\`. */
const PLAIN = /^[\x20\x21\x23-\x2e\x30-\x5b\x5d-\x7f]*$/;
/** One that needs only its slashes escaped (a URL, mostly). */
const SLASHED = /^[\x20\x21\x23-\x5b\x5d-\x7f]*$/;

/** A string as json_encode writes it (phpJsonEncode's text), without the generic encoder for the usual ones. */
export function phpJsonString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  return SLASHED.test(s) ? `"${s.replaceAll('/', '\\/')}"` : phpJsonEncode(s);
}

/** A cleaned scalar (a number, boolean, string or null) as json_encode writes it. */
export function phpJsonScalar(x: unknown): string {
  switch (typeof x) {
    case 'string':
      return phpJsonString(x);
    case 'number':
      return Number.isFinite(x) ? `${x}` : 'null';
    case 'boolean':
      return x ? 'true' : 'false';
    default:
      return x === null ? 'null' : phpJsonEncode(x);
  }
}
