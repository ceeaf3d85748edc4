import { SOAP_NAMESPACE } from '@gatehouse/shared';
import { decodeUtf8 } from '../params';
import { ProtocolRequestError } from './route';

/**
 * The XML namespaces the protocol servers write, in one place: SOAP 1.1's envelope, XML Schema
 * and its instance attributes, WSDL 1.1 and its SOAP binding, and Gatehouse's own target
 * namespace (the one the console's test client and the documentation's examples use too).
 */
export const NS = {
  soapEnvelope: 'http://schemas.xmlsoap.org/soap/envelope/',
  soapHttp: 'http://schemas.xmlsoap.org/soap/http',
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  wsdlSoap: 'http://schemas.xmlsoap.org/wsdl/soap/',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  gatehouse: SOAP_NAMESPACE,
} as const;

/** A parsed element: namespace prefixes removed, attributes by local name, text joined. */
export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

/** A body that is not a well-formed XML document within the caps: invalidparameter in the protocol's shape. */
class XmlError extends ProtocolRequestError {}

const MAX_XML_DEPTH = 64;

/**
 * The largest XML-RPC or SOAP body of a call that carries a token (query string or Bearer
 * header). A structured call meets the element cap long before (25 000 elements are about
 * 6 000 XML-RPC scalars in structs, under half a MiB); the rest is room for core_files_upload's
 * base64 content, a file of up to about 750 kB. Larger files belong on a dedicated upload
 * endpoint, as Moodle's documentation advises. This limit is also the cap on text: the
 * parser's cost grows with it, though little (1 MiB of plain text is one slice, a few tens of
 * microseconds here; 1 MiB of entity references about 10 ms).
 */
export const MAX_XML_BYTES = 1024 * 1024;

/**
 * The largest body read from a request that carries no token. Neither XML-RPC nor SOAP takes
 * a token from the body, so such a call can only be refused; a small body is still parsed so
 * that a malformed one gets its precise answer.
 */
export const MAX_ANONYMOUS_XML_BYTES = 64 * 1024;

/** What one document may hold. The parser's cost grows with every element and attribute. */
export interface XmlLimits {
  /** Elements, comments, CDATA sections and processing instructions. */
  maxNodes: number;
  maxAttributes: number;
  maxAttributesPerElement: number;
  /** Characters of one attribute value. */
  maxAttributeLength: number;
  /** Characters of an element or attribute name. */
  maxNameLength: number;
  /** Open elements at once, the root included. */
  maxDepth: number;
}

const XML_LIMITS: XmlLimits = {
  maxNodes: 25_000,
  maxAttributes: 25_000,
  maxAttributesPerElement: 32,
  maxAttributeLength: 4096,
  maxNameLength: 1024,
  maxDepth: MAX_XML_DEPTH + 2,
};

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function malformed(text: string, at: number, what: string): XmlError {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return new XmlError(`Malformed XML: ${what} (line ${line})`);
}

// XML 1.0's Name production (the astral planes through their surrogates).
const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\uD800-\\uDBFF\\uDC00-\\uDFFF';
const XML_NAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040]*$`);

/**
 * Whether text[from, to) is a name of ASCII letters, digits and _ : - . (not starting with a
 * digit, - or .): the usual case, checked without XML_NAME (which it is a part of).
 */
function isAsciiName(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  let c = text.charCodeAt(from);
  if (!(((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f /* _ */ || c === 0x3a) /* : */))
    return false;
  for (let k = from + 1; k < to; k++) {
    c = text.charCodeAt(k);
    if (c >= 0x61 && c <= 0x7a) continue;
    if (c >= 0x41 && c <= 0x5a) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x3a) continue;
    return false;
  }
  return true;
}

/** The attributes of every element that has none (never written to). */
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The five entities XML predefines; a document may declare no others (no DOCTYPE). */
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** The longest reference read: &#x10FFFF; and the predefined ones are far shorter. */
const MAX_REFERENCE = 32;

/** A character XML 1.0 may carry (the Char production). */
const isXmlChar = (cp: number) =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);

/** The character a reference (between & and ;) stands for, or why it cannot be read. */
function referenced(ref: string): string | { error: string } {
  const named = PREDEFINED[ref];
  if (named !== undefined) return named;
  let cp: number;
  if (/^#[0-9]{1,7}$/.test(ref)) cp = Number(ref.slice(1));
  else if (/^#x[0-9a-fA-F]{1,6}$/.test(ref)) cp = Number.parseInt(ref.slice(2), 16);
  else if (ref.startsWith('#')) return { error: `a malformed character reference &${ref};` };
  else return { error: `an undefined entity &${ref}; (no entities can be declared)` };
  if (!isXmlChar(cp)) return { error: `a reference to a character XML cannot carry: &${ref};` };
  return String.fromCodePoint(cp);
}

/**
 * Text or an attribute value (doc[from, to)) with its references replaced. Text without an &
 * is one slice; otherwise one pass from one & to the next. Searches stay inside the slice, so a
 * document of many small texts costs no more than one large one.
 */
function decodedText(doc: string, from: number, to: number): string {
  const raw = doc.slice(from, to);
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let at = 0;
  while (amp >= 0) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp - 1 > MAX_REFERENCE)
      throw malformed(doc, from + amp, 'a & that starts no reference (write &amp;)');
    const ch = referenced(raw.slice(amp + 1, semi));
    if (typeof ch !== 'string') throw malformed(doc, from + amp, ch.error.slice(0, 80));
    const bytes = ch.length === 1 ? utf8ByReferences(raw, ch.charCodeAt(0), semi + 1) : undefined;
    out += raw.slice(at, amp) + (bytes ? bytes.text : ch);
    at = bytes ? bytes.end : semi + 1;
    amp = raw.indexOf('&', at);
  }
  return out + raw.slice(at);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const BYTE_REFERENCE = /^&#(?:(1[2-9][0-9]|2[0-4][0-9]|25[0-5])|x([89a-fA-F][0-9a-fA-F]));/;

/**
 * PHP's xmlrpc extension (Moodle 2.x–3.2's XML-RPC client, and local_hub's sites) escapes text by
 * default byte by byte: é, UTF-8 C3 A9, goes out as `&#195;&#169;`, and PHP's own server reads
 * it back as those bytes. A reference to a UTF-8 lead byte (C2–F4) followed at once by references
 * to the continuation bytes its sequence needs, which together are well-formed UTF-8, is read as
 * that one character, as Moodle's server reads it; anything else (`&#233;` alone, say) is read
 * as XML says, one character a reference. Returns the character and where the text goes on.
 */
function utf8ByReferences(raw: string, lead: number, after: number): { text: string; end: number } | undefined {
  const need =
    lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
  if (need === 0 || raw.charCodeAt(after) !== 0x26 /* & */) return undefined;
  const bytes = new Uint8Array(need + 1);
  bytes[0] = lead;
  let at = after;
  for (let i = 1; i <= need; i++) {
    const m = BYTE_REFERENCE.exec(raw.slice(at, at + 7));
    if (!m) return undefined;
    const b = m[1] !== undefined ? Number(m[1]) : Number.parseInt(m[2] as string, 16);
    if (b < 0x80 || b > 0xbf) return undefined;
    bytes[i] = b;
    at += m[0].length;
  }
  try {
    return { text: strictUtf8.decode(bytes), end: at };
  } catch {
    return undefined;
  }
}

/** An element name without its namespace prefix; an attribute's the same way. */
const localName = (name: string) => {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
};

/**
 * Parses a request body in one pass, with the caps checked as it goes: one scan from one `<` to
 * the next (indexOf, so text costs next to nothing) that builds the tree, checks that the
 * document is well formed (names, quotes, matching tags, one root, nothing but space, comments
 * and processing instructions outside it, references), and stops at the first cap passed (the
 * issue's 2 MB of 200 000 attributes held the event loop for a second in the library parser
 * this replaces). Refuses any DOCTYPE, so there is no entity expansion and no external entity:
 * only XML's five predefined entities and character references are read. Namespace prefixes are
 * dropped from names (xmlns attributes with them), as the protocols match on local names.
 */
export function parseXml(input: string, limits: XmlLimits = XML_LIMITS): XNode {
  // XML's end-of-line handling: \r\n and a lone \r are read as \n.
  const text = input.indexOf('\r') < 0 ? input : input.replace(/\r\n?/g, '\n');
  const n = text.length;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let nodes = 0;
  let attributes = 0;
  let root: XNode | undefined;
  /** The open elements, innermost last, with their names as written and where they start. */
  const open: XNode[] = [];
  const openNames: string[] = [];
  const openAt: number[] = [];
  const node = () => {
    if (++nodes > limits.maxNodes)
      throw new XmlError(
        `The XML document has too many elements (at most ${limits.maxNodes}, comments, CDATA sections and processing instructions included)`,
      );
  };
  const skipSpace = (j: number) => {
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    return j;
  };
  /** The end of a name starting at j: the first space, `=`, `/`, `>` or `?`. */
  const nameEnd = (j: number) => {
    const from = j;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (isSpace(c) || c === 0x3d || c === 0x2f || c === 0x3e || c === 0x3f) break;
    }
    if (j - from > limits.maxNameLength)
      throw new XmlError(`An XML name is too long (at most ${limits.maxNameLength} characters)`);
    return j;
  };
  const name = (from: number, to: number, what: string) => {
    const s = text.slice(from, to);
    if (!isAsciiName(text, from, to) && !XML_NAME.test(s))
      throw malformed(text, from, `${what} that is not an XML name: "${s.slice(0, 40)}"`);
    return s;
  };
  let i = start;
  for (;;) {
    const lt = text.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const top = open[open.length - 1];
      if (top) top.text += decodedText(text, i, textEnd);
      else {
        for (let j = i; j < textEnd; j++)
          if (!isSpace(text.charCodeAt(j))) throw malformed(text, j, 'text outside the root element');
      }
    }
    if (lt < 0) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end < 0) throw malformed(text, lt, 'a comment is never closed');
        node();
        i = end + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end < 0) throw malformed(text, lt, 'a CDATA section is never closed');
        node();
        const top = open[open.length - 1];
        if (!top) throw malformed(text, lt, 'a CDATA section outside the root element');
        top.text += text.slice(lt + 9, end);
        i = end + 3;
        continue;
      }
      const decl = text.slice(lt + 2, lt + 9).toUpperCase();
      if (decl === 'DOCTYPE' || decl.startsWith('ENTITY'))
        throw new XmlError('DOCTYPE and entity declarations are not allowed');
      throw malformed(text, lt, 'unexpected markup declaration');
    }
    if (next === 0x3f /* ? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) throw malformed(text, lt, 'a processing instruction is never closed');
      node();
      const target = name(lt + 2, nameEnd(lt + 2), 'a processing instruction target');
      if (target.toLowerCase() === 'xml' && lt !== start)
        throw malformed(text, lt, 'the XML declaration is allowed only at the start of the document');
      i = end + 2;
      continue;
    }
    if (next === 0x2f /* / */) {
      const end = text.indexOf('>', lt + 2);
      if (end < 0) throw malformed(text, lt, 'a closing tag is never closed');
      const nameTo = nameEnd(lt + 2);
      if (skipSpace(nameTo) !== end)
        throw malformed(text, lt, `a malformed closing tag </${text.slice(lt + 2, nameTo).slice(0, 40)}`);
      const expected = openNames.pop();
      if (expected === undefined)
        throw malformed(text, lt, `</${text.slice(lt + 2, nameTo).slice(0, 40)}> closes no open element`);
      // Compared in place: no slice of the name.
      if (nameTo - lt - 2 !== expected.length || !text.startsWith(expected, lt + 2))
        throw malformed(
          text,
          lt,
          `</${text.slice(lt + 2, nameTo).slice(0, 40)}> where </${expected.slice(0, 40)}> was expected`,
        );
      open.pop();
      openAt.pop();
      i = end + 1;
      continue;
    }
    // A start tag: a name, then name="value" pairs, then > or />.
    node();
    let j = nameEnd(lt + 1);
    const rawName = name(lt + 1, j, 'an element name');
    if (!open.length && root) throw malformed(text, lt, 'a second root element (a document has one)');
    // Most elements have no attribute: they share one empty, frozen object.
    let attrs = NO_ATTRIBUTES;
    let own = 0;
    let seen: string[] | undefined;
    let selfClosing = false;
    for (;;) {
      const before = j;
      j = skipSpace(j);
      if (j >= n) throw malformed(text, lt, 'a start tag is never closed');
      const c = text.charCodeAt(j);
      if (c === 0x3e /* > */) {
        j++;
        break;
      }
      if (c === 0x2f /* / */) {
        if (text.charCodeAt(j + 1) !== 0x3e) throw malformed(text, j, 'a stray / in a start tag');
        j += 2;
        selfClosing = true;
        break;
      }
      if (j === before) throw malformed(text, j, 'attributes must be separated by space');
      const attrTo = nameEnd(j);
      const attrName = name(j, attrTo, 'an attribute name');
      j = skipSpace(attrTo);
      if (text.charCodeAt(j) !== 0x3d /* = */) throw malformed(text, j, 'an attribute without a value');
      j = skipSpace(j + 1);
      const quote = text.charCodeAt(j);
      if (quote !== 0x22 && quote !== 0x27) throw malformed(text, j, 'an attribute value without quotes');
      const end = text.indexOf(quote === 0x22 ? '"' : "'", j + 1);
      if (end < 0) throw malformed(text, j, 'an attribute value is never closed');
      if (end - j - 1 > limits.maxAttributeLength)
        throw new XmlError(`An XML attribute value is too long (at most ${limits.maxAttributeLength} characters)`);
      if (++own > limits.maxAttributesPerElement)
        throw new XmlError(`An XML element has too many attributes (at most ${limits.maxAttributesPerElement})`);
      if (++attributes > limits.maxAttributes)
        throw new XmlError(`The XML document has too many attributes (at most ${limits.maxAttributes})`);
      const lessThan = text.slice(j + 1, end).indexOf('<');
      if (lessThan >= 0) throw malformed(text, j + 1 + lessThan, 'a < in an attribute value');
      seen ??= [];
      if (seen.includes(attrName)) throw malformed(text, j, `the attribute ${attrName.slice(0, 40)} is repeated`);
      seen.push(attrName);
      const value = decodedText(text, j + 1, end);
      // Namespace declarations are dropped with the prefixes they declare; __proto__ is never a key.
      const local = localName(attrName);
      if (attrName !== 'xmlns' && !attrName.startsWith('xmlns:') && local !== '__proto__') {
        if (attrs === NO_ATTRIBUTES) attrs = {};
        attrs[local] = value;
      }
      j = end + 1;
    }
    const el: XNode = { name: localName(rawName), attrs, children: [], text: '' };
    const parent = open[open.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    if (!selfClosing) {
      if (open.length + 1 > limits.maxDepth) throw new XmlError('XML nested too deeply');
      open.push(el);
      openNames.push(rawName);
      openAt.push(lt);
    }
    i = j;
  }
  if (open.length) {
    const at = openAt[openAt.length - 1] ?? 0;
    throw malformed(text, at, `<${(openNames[openNames.length - 1] ?? '').slice(0, 40)}> is never closed`);
  }
  if (!root) throw new XmlError('The XML document has no root element');
  return root;
}

/** A request body as an XML document: UTF-8 (or a ParamsError), then parseXml. */
export function parseXmlBody(body: Uint8Array): XNode {
  return parseXml(decodeUtf8(body));
}

export function child(node: XNode, name: string): XNode | undefined {
  return node.children.find((c) => c.name === name);
}

// XML 1.0 cannot carry most control characters: they are dropped rather than break the document.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to drop
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
/** Anything escapeXml changes: most text has none of it, and is returned as it is after one scan. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters escapeXml drops
const NEEDS_ESCAPING = /[&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * Escapes text for element content and double-quoted attributes: the one XML escaper of the
 * protocol servers (REST's XML, XML-RPC, SOAP and the WSDL).
 */
export function escapeXml(value: string): string {
  if (!NEEDS_ESCAPING.test(value)) return value;
  return value
    .replace(INVALID_XML_CHARS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** What escapeXmlMarkup changes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters escapeXmlMarkup drops
const NEEDS_MARKUP_ESCAPING = /[&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const MARKUP_REFERENCE: Record<string, string> = { '&': '&#38;', '<': '&#60;', '>': '&#62;', '"': '&#34;' };

/**
 * Escapes text as PHP's xmlrpc extension does with Moodle's "markup" escaping: &, <, > and "
 * as decimal character references (&#38; &#60; &#62; &#34;), everything else as it is (the
 * characters XML cannot carry are dropped, as escapeXml does). For Moodle's XML-RPC faults.
 */
export function escapeXmlMarkup(value: string): string {
  if (!NEEDS_MARKUP_ESCAPING.test(value)) return value;
  return value.replace(INVALID_XML_CHARS, '').replace(/[&<>"]/g, (ch) => MARKUP_REFERENCE[ch] ?? ch);
}

/**
 * A float as PHP writes it where it converts with the `precision` setting (14 by default), not
 * `serialize_precision`: php_gcvt(value, 14, '.', 'E'), as (string)$float, htmlspecialchars of a
 * float (REST's XML), ext/soap's to_xml_double and xmlrpc-epi's "%.*G" do. Up to 14 significant
 * digits, trailing zeros dropped; 1.0E+25 and 1.0E-5 style below 1e-4 and from 1e14 on.
 */
export function phpDouble(v: unknown): string {
  const x = typeof v === 'number' ? v : Number(v);
  if (Number.isNaN(x)) return 'NAN';
  if (!Number.isFinite(x)) return x > 0 ? 'INF' : '-INF';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const a = Math.abs(x);
  const [mantissa, exp] = a.toExponential(13).split('e') as [string, string];
  let digits = mantissa.replace('.', '');
  let e = Number(exp);
  // zend_dtoa rounds a tie to even, toExponential away from zero: a tie shows as a 5 in the 15th
  // digit with nothing after it in the exact value (an integer like 123456789012345, say).
  if (a.toExponential(14).charCodeAt(15) === 0x35) {
    const [exact = ''] = a.toPrecision(100).split('e');
    const sig = exact.replace('.', '').replace(/^0+/, '');
    if (sig.charCodeAt(14) === 0x35 && /^0*$/.test(sig.slice(15)) && (sig.charCodeAt(13) - 0x30) % 2 === 0) {
      digits = sig.slice(0, 14);
      e = Number(a.toExponential(20).split('e')[1]);
    }
  }
  digits = digits.replace(/0+$/, '');
  const sign = x < 0 ? '-' : '';
  if (e < -4 || e >= 14) return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${e < 0 ? '-' : '+'}${Math.abs(e)}`;
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const frac = digits.slice(e + 1);
  return frac ? `${sign}${int}.${frac}` : `${sign}${int}`;
}
