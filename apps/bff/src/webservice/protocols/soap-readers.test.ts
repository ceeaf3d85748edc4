import { type ExternalDescription, type ExternalSingle, multiple, single, value } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { decodeElement } from './soap';
import { decodeRpcArgs } from './soap-encoded';
import { child, parseXml, type XNode } from './xml';

// Issue 21, item 3: SOAP's readers are built once per description, so a call walks only its XML
// (one parse, then the built reader). A description is wrapped in proxies that count every
// property read, at every depth: the second call of each style must read none.

function counted<T extends object>(desc: T): { desc: T; reads: () => number; reset: () => void } {
  let reads = 0;
  const proxies = new WeakMap<object, object>();
  const wrap = <O extends object>(o: O): O => {
    let p = proxies.get(o);
    if (!p) {
      p = new Proxy(o, {
        get(target, key, receiver) {
          reads++;
          const v = Reflect.get(target, key, receiver);
          return v !== null && typeof v === 'object' ? wrap(v) : v;
        },
        has(target, key) {
          reads++;
          return Reflect.has(target, key);
        },
        ownKeys(target) {
          reads++;
          return Reflect.ownKeys(target);
        },
        getOwnPropertyDescriptor(target, key) {
          reads++;
          return Reflect.getOwnPropertyDescriptor(target, key);
        },
      });
      proxies.set(o, p);
    }
    return p as O;
  };
  return { desc: wrap(desc), reads: () => reads, reset: () => (reads = 0) };
}

const params = () =>
  single({
    courses: multiple(
      single({
        id: value('int', 'id'),
        visible: value('bool', 'visible'),
        options: multiple(single({ name: value('alpha', 'name'), value: value('raw', 'value') })),
      }),
    ),
    note: value('text', 'note'),
  });

const documentCall = `<?xml version="1.0"?>
<Envelope><Body><op>
  <courses>
    <item><id>7</id><visible> 1 </visible><options><item><name>format</name><value>topics</value></item></options></item>
    <item><id>8</id><visible>0</visible><options/></item>
  </courses>
  <note>hello</note>
  <extra>passed on</extra>
</op></Body></Envelope>`;

const encodedCall = `<?xml version="1.0"?>
<Envelope xmlns:ns2="http://xml.apache.org/xml-soap"><Body><op>
  <courses>
    <item><id>7</id><visible> 1 </visible><options><item><name>format</name><value href="#v"/></item></options></item>
    <item xsi:type="ns2:Map"><item><key>id</key><value>8</value></item><item><key>visible</key><value>0</value></item></item>
  </courses>
  <param1>hello</param1>
</op><v id="v">topics</v></Body></Envelope>`;

const opOf = (xml: string): { op: XNode; body: XNode } => {
  const body = child(parseXml(xml), 'Body') as XNode;
  return { op: body.children[0] as XNode, body };
};

describe('SOAP readers, built once per description', () => {
  it('document/literal: the same arguments on every call, and no description read after the first', () => {
    const c = counted(params());
    const { op } = opOf(documentCall);
    const expected = {
      courses: [
        { id: '7', visible: '1', options: [{ name: 'format', value: 'topics' }] },
        { id: '8', visible: '0', options: [] },
      ],
      note: 'hello',
      extra: 'passed on',
    };
    expect(decodeElement(op, c.desc as ExternalDescription)).toEqual(expected);
    expect(c.reads()).toBeGreaterThan(0);
    c.reset();
    expect(decodeElement(op, c.desc as ExternalDescription)).toEqual(expected);
    expect(c.reads()).toBe(0);
  });

  it('RPC/encoded: the same arguments on every call (maps, multi-references, paramN), and no description read after the first', () => {
    const c = counted(params());
    const { op, body } = opOf(encodedCall);
    const expected = {
      courses: [
        { id: '7', visible: '1', options: [{ name: 'format', value: 'topics' }] },
        { id: '8', visible: '0' },
      ],
      note: 'hello',
    };
    expect(decodeRpcArgs(op, body, c.desc as ExternalSingle)).toEqual(expected);
    expect(c.reads()).toBeGreaterThan(0);
    c.reset();
    expect(decodeRpcArgs(op, body, c.desc as ExternalSingle)).toEqual(expected);
    expect(c.reads()).toBe(0);
  });

  it('a reader keeps its checks: a value holding elements, a repeated element, and nil', () => {
    const d = params() as ExternalDescription;
    expect(() => decodeElement(opOf('<Envelope><Body><op><note><b/></note></op></Body></Envelope>').op, d)).toThrow(
      '<note> must hold a value, not elements',
    );
    expect(() =>
      decodeElement(opOf('<Envelope><Body><op><note>a</note><note>b</note></op></Body></Envelope>').op, d),
    ).toThrow('<note> appears twice');
    const nil = opOf('<Envelope><Body><op><courses xsi:nil="true"/></op></Body></Envelope>');
    expect(decodeElement(nil.op, d)).toEqual({ courses: null });
    expect(decodeRpcArgs(nil.op, nil.body, d as ExternalSingle)).toEqual({ courses: null });
  });
});
