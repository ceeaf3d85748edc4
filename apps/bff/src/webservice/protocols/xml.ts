import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed element: namespace prefixes removed, attributes by local name, text joined. */
export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

export class XmlError extends Error {}

export const MAX_XML_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
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

/**
 * Parses a request body. Refuses what makes XML dangerous or unbounded before parsing:
 * any DOCTYPE (so no entity expansion and no external entities), malformed documents, and
 * nesting deeper than the limit.
 */
export function parseXml(text: string): XNode {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('DOCTYPE and entity declarations are not allowed');
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

export function child(node: XNode, name: string): XNode | undefined {
  return node.children.find((c) => c.name === name);
}

// XML 1.0 cannot carry most control characters: they are dropped rather than break the document.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to drop
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for element content and double-quoted attributes. */
export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML_CHARS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
