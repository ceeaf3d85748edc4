import { SOAP_NAMESPACE } from '@gatehouse/shared';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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
 * parser's cost grows with it, 1 MiB of text or entity references holding the event loop for
 * about 60-120 ms here (4 MB took about 0.5 s).
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

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // A second guard: checkXmlShape has already counted the depth.
  maxNestedTags: MAX_XML_DEPTH + 2,
});

type Raw = Record<string, unknown>;

function convert(raw: Raw): XNode | undefined {
  const name = Object.keys(raw).find((k) => k !== ':@');
  if (!name || name === '#text' || name.startsWith('?')) return undefined;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries((raw[':@'] as Raw | undefined) ?? {})) attrs[k.replace(/^.*:/, '')] = String(v);
  const children: XNode[] = [];
  let text = '';
  for (const item of (raw[name] as Raw[]) ?? []) {
    if ('#text' in item) text += String(item['#text']);
    else {
      const child = convert(item);
      if (child) children.push(child);
    }
  }
  return { name, attrs, children, text };
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function malformed(text: string, at: number, what: string): XmlError {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return new XmlError(`Malformed XML: ${what} (line ${line})`);
}

/**
 * One pass over the document before the validator and the parser see it: counts elements,
 * attributes and depth, and refuses the document as soon as a cap is passed (the 2 MB
 * of 200 000 attributes held the event loop for a second in the parser). It jumps from one
 * `<` to the next with indexOf, so text costs next to nothing; markup it cannot read is refused
 * as malformed, so nothing after it goes uncounted.
 */
function checkXmlShape(text: string, limits: XmlLimits = XML_LIMITS): void {
  const n = text.length;
  let nodes = 0;
  let attributes = 0;
  let depth = 0;
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
  /** The end of a name starting at j: the first space, `=`, `/` or `>`. */
  const nameEnd = (j: number) => {
    const start = j;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (isSpace(c) || c === 0x3d || c === 0x2f || c === 0x3e) break;
    }
    if (j - start > limits.maxNameLength)
      throw new XmlError(`An XML name is too long (at most ${limits.maxNameLength} characters)`);
    return j;
  };
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */) {
      const [open, close, what] = text.startsWith('<!--', lt)
        ? ['<!--', '-->', 'a comment is never closed']
        : text.startsWith('<![CDATA[', lt)
          ? ['<![CDATA[', ']]>', 'a CDATA section is never closed']
          : ['', '', 'unexpected markup declaration'];
      const end = open ? text.indexOf(close, lt + open.length) : -1;
      if (end < 0) throw malformed(text, lt, what);
      node();
      i = end + close.length;
      continue;
    }
    if (next === 0x3f /* ? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) throw malformed(text, lt, 'a processing instruction is never closed');
      node();
      i = end + 2;
      continue;
    }
    if (next === 0x2f /* / */) {
      const end = text.indexOf('>', lt + 2);
      if (end < 0) throw malformed(text, lt, 'a closing tag is never closed');
      depth--;
      i = end + 1;
      continue;
    }
    // A start tag: a name, then name="value" pairs, then > or />.
    node();
    let j = nameEnd(lt + 1);
    let own = 0;
    for (;;) {
      j = skipSpace(j);
      if (j >= n) throw malformed(text, lt, 'a start tag is never closed');
      const c = text.charCodeAt(j);
      if (c === 0x3e /* > */) {
        if (++depth > limits.maxDepth) throw new XmlError('XML nested too deeply');
        j++;
        break;
      }
      if (c === 0x2f /* / */) {
        if (text.charCodeAt(j + 1) !== 0x3e) throw malformed(text, j, 'a stray / in a start tag');
        j += 2;
        break;
      }
      j = skipSpace(nameEnd(j));
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
      j = end + 1;
    }
    i = j;
  }
}

/**
 * Parses a request body. Refuses what makes XML dangerous or unbounded before parsing:
 * any DOCTYPE (so no entity expansion and no external entities), documents over the caps of
 * checkXmlShape (elements, attributes, names, nesting), and malformed documents.
 */
export function parseXml(text: string, limits: XmlLimits = XML_LIMITS): XNode {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('DOCTYPE and entity declarations are not allowed');
  checkXmlShape(text, limits);
  const valid = XMLValidator.validate(text);
  // The validator's message can list every open element: capped, so an answer never grows with the input.
  if (valid !== true) throw new XmlError(`Malformed XML: ${valid.err.msg.slice(0, 200)} (line ${valid.err.line})`);
  let parsed: Raw[];
  try {
    parsed = parser.parse(text) as Raw[];
  } catch (e) {
    throw new XmlError(e instanceof Error && /nest/i.test(e.message) ? 'XML nested too deeply' : 'Malformed XML');
  }
  const root = parsed.map(convert).find((n): n is XNode => !!n);
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
