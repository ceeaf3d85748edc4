import { AMF_CLASS, AmfDouble, AmfError, AmfTyped, AmfWriter, readPacket, writePacket } from '@gatehouse/shared';
import amfjs from 'amfjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Gatehouse's AMF codec against amfjs, an independent AMF0/AMF3 implementation from npm, in both
// directions, and against hostile input. amfjs's own encoding bugs (found when it was chosen:
// integers from 2^21 in AMF3, AMF3 lists of 64 items or more, AMF0 lists of 16 or more, and it
// cannot read an empty AMF0 list) are kept out of the generated values. amfjs writes a plain
// object as an associative array (a Flex client sends Object as an anonymous object): values for
// it are written as its Serializable. And amfjs's writer leaves class and sealed member names out
// of its string table (the specification puts every UTF-8-vr in it, as Flash Player and
// Gatehouse's reader do), nor any object's keys: what it writes repeats no string after an
// object. Its AMF3 integers are right only from 0 to 2^21 − 1 (negative ones take the 4-byte
// form it gets wrong); the spec's own bytes stand in for the others.

const { AMFEncoder, AMFDecoder, AMF0, AMF3, Serializable } = amfjs as {
  AMFEncoder: new (sink: { write(b: Buffer | number[]): void }) => { writeObject(v: unknown, t: unknown): void };
  AMFDecoder: new (source: { read(n: number): Buffer | null }) => { decode(t: unknown): unknown };
  AMF0: unknown;
  AMF3: unknown;
  Serializable: new (className?: string) => Record<string, unknown>;
};

const anonymous = (fields: Record<string, unknown>) => Object.assign(new Serializable(), fields);

/** A generated value as amfjs is given it: plain objects as anonymous Serializables. */
function forAmfjs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(forAmfjs);
  if (typeof v !== 'object' || v === null || v instanceof Date) return v;
  const out = new Serializable();
  for (const [k, x] of Object.entries(v)) out[k] = forAmfjs(x);
  return out;
}

/** amfjs's bytes for a value (AMF3 after the avmplus marker, or AMF0). */
function amfjsBytes(v: unknown, amf3: boolean): Buffer {
  const chunks: Buffer[] = [];
  const enc = new AMFEncoder({ write: (b) => chunks.push(Buffer.from(b)) });
  if (amf3) chunks.push(Buffer.from([0x11]));
  enc.writeObject(v, amf3 ? AMF3 : AMF0);
  return Buffer.concat(chunks);
}

/** amfjs reading one value (AMF0, switching at 0x11). */
function amfjsRead(bytes: Uint8Array): unknown {
  let p = 0;
  const buf = Buffer.from(bytes);
  return new AMFDecoder({
    read(n) {
      if (p + n > buf.length) return null;
      const r = Buffer.from(buf.subarray(p, p + n));
      p += n;
      return r;
    },
  }).decode(AMF0);
}

/** A request envelope with one body holding `value` (bytes of one AMF0 value). */
function packetWith(value: Uint8Array, version = 3): Uint8Array {
  const w = new AmfWriter();
  w.u16(version);
  w.u16(0);
  w.u16(1);
  w.utf0('null');
  w.utf0('/1');
  w.u32(value.length);
  w.raw(value);
  return w.bytes();
}

/** Gatehouse reading one value. */
const ours = (value: Uint8Array) => readPacket(packetWith(value)).bodies[0]?.value;

/** Gatehouse writing one value (AMF3 after the marker, or AMF0). */
function oursBytes(v: unknown, amf3: boolean): Uint8Array {
  const w = new AmfWriter();
  if (amf3) {
    w.u8(0x11);
    w.value3(v);
  } else w.value0(v);
  return w.bytes();
}

/** amfjs's objects as plain values: class names under `$class`, its own `__` keys dropped. */
function fromAmfjs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromAmfjs);
  if (typeof v !== 'object' || v === null || v instanceof Date) return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof o.__class === 'string' && o.__class !== '') out.$class = o.__class;
  for (const k of Object.keys(o)) if (!k.startsWith('__')) out[k] = fromAmfjs(o[k]);
  return out;
}

/** Gatehouse's read values the same way (null-prototype objects, AMF_CLASS). */
function fromOurs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromOurs);
  if (typeof v !== 'object' || v === null || v instanceof Date || v instanceof Uint8Array) return v;
  const o = v as Record<string | symbol, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof o[AMF_CLASS] === 'string') out.$class = o[AMF_CLASS];
  for (const k of Object.keys(o)) out[k] = fromOurs(o[k]);
  return out;
}

const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
/** JSON-like values within amfjs's limits (see the top). */
const values = (maxInt: number, maxList: number, minInt = -maxInt) =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.integer({ min: minInt, max: maxInt }),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { minLength: 1, maxLength: maxList }),
      fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    ),
  })).value;

/** Whether no string (key or value, '' aside) occurs twice in a value: see amfjs's string table above. */
function uniqueStrings(v: unknown): boolean {
  const seen = new Set<string>();
  const walk = (x: unknown): boolean => {
    if (typeof x === 'string') {
      if (x === '') return true;
      if (seen.has(x)) return false;
      seen.add(x);
      return true;
    }
    if (Array.isArray(x)) return x.every(walk);
    if (typeof x === 'object' && x !== null) return Object.entries(x).every(([k, y]) => walk(k) && walk(y));
    return true;
  };
  return walk(v);
}

describe('AMF3: Gatehouse writes, amfjs reads', () => {
  it('integers within 29 bits as integers, beyond as doubles; doubles, strings, booleans, null', () => {
    for (const v of [
      0,
      1,
      -1,
      127,
      128,
      16_383,
      16_384,
      2_097_151,
      2_097_152,
      268_435_455,
      -268_435_456,
      268_435_456,
      2 ** 40,
      1.5,
      -0.25,
      'é€😀',
      '',
      true,
      false,
      null,
    ])
      expect(amfjsRead(oursBytes(v, true))).toEqual(v);
    // A description's float is a double even when it is whole.
    const bytes = oursBytes(new AmfDouble(3), true);
    expect(bytes[1]).toBe(0x05);
    expect(amfjsRead(bytes)).toBe(3);
  });

  it('objects with their traits sent once and by reference after, repeated strings by reference', () => {
    const list = [
      { name: 'a', value: 'same' },
      { name: 'b', value: 'same' },
      { name: 'c', value: 'same' },
    ];
    const bytes = oursBytes(list, true);
    expect(fromAmfjs(amfjsRead(bytes))).toEqual(list);
    // "same" and the member names once each.
    expect(Buffer.from(bytes).toString('latin1').split('same').length - 1).toBe(1);
    expect(Buffer.from(bytes).toString('latin1').split('value').length - 1).toBe(1);
  });

  it('a typed object (a Flex message) with sealed members, its class name read back', () => {
    const msg = new AmfTyped('flex.messaging.messages.AcknowledgeMessage', [
      ['correlationId', 'M-1'],
      ['body', { x: 1 }],
      ['timestamp', new AmfDouble(1_700_000_000_000)],
    ]);
    expect(fromAmfjs(amfjsRead(oursBytes(msg, true)))).toEqual({
      $class: 'flex.messaging.messages.AcknowledgeMessage',
      correlationId: 'M-1',
      body: { x: 1 },
      timestamp: 1_700_000_000_000,
    });
  });

  it('generated values', () => {
    fc.assert(
      fc.property(values(2 ** 31, 80), (v) => {
        expect(fromAmfjs(amfjsRead(oursBytes(v, true)))).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});

describe('AMF3: amfjs writes, Gatehouse reads', () => {
  it('typed (sealed) objects with their traits by reference', () => {
    const a = Object.assign(new Serializable('com.example.Item'), { id: 7, name: 'seven' });
    const b = Object.assign(new Serializable('com.example.Item'), { id: 8, name: 'eight' });
    expect(fromOurs(ours(amfjsBytes([a, b], true)))).toEqual([
      { $class: 'com.example.Item', id: 7, name: 'seven' },
      { $class: 'com.example.Item', id: 8, name: 'eight' },
    ]);
  });

  it('anonymous objects, nested lists; repeated strings by reference', () => {
    const v = [anonymous({ k: 'seven', list: [1, 2.5, 'x'] }), anonymous({ m: 'eight', list2: [] })];
    expect(fromOurs(ours(amfjsBytes(v, true)))).toEqual([
      { k: 'seven', list: [1, 2.5, 'x'] },
      { m: 'eight', list2: [] },
    ]);
    expect(ours(amfjsBytes(['a', 'b', 'a', 'é', 'b', 'é'], true))).toEqual(['a', 'b', 'a', 'é', 'b', 'é']);
  });

  it("integers in the specification's bytes: 29 bits, sign-extended", () => {
    const int = (...b: number[]) => ours(Uint8Array.from([0x11, 0x04, ...b]));
    expect(int(0xff, 0xff, 0xff, 0xff)).toBe(-1);
    expect(int(0xc0, 0x80, 0x80, 0x00)).toBe(-268_435_456);
    expect(int(0xbf, 0xff, 0xff, 0xff)).toBe(268_435_455);
    expect(int(0x80, 0xc0, 0x80, 0x00)).toBe(2 ** 21);
    expect(int(0x7f)).toBe(127);
    expect(int(0x81, 0x00)).toBe(128);
  });

  it('generated values', () => {
    fc.assert(
      fc.property(values(2 ** 21 - 1, 63, 0).filter(uniqueStrings), (v) => {
        expect(fromOurs(ours(amfjsBytes(forAmfjs(v), true)))).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});

describe('AMF0 both ways', () => {
  it('Gatehouse writes, amfjs reads', () => {
    fc.assert(
      fc.property(values(2 ** 40, 40), (v) => {
        expect(fromAmfjs(amfjsRead(oursBytes(v, false)))).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('amfjs writes, Gatehouse reads', () => {
    fc.assert(
      fc.property(values(2 ** 40, 15), (v) => {
        expect(fromOurs(ours(amfjsBytes(forAmfjs(v), false)))).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('dates both ways', () => {
    const d = new Date(Date.UTC(2026, 11, 2, 12, 0, 0));
    expect(amfjsRead(oursBytes(d, false))).toEqual(d);
    expect(ours(amfjsBytes(d, false))).toEqual(d);
  });
});

describe('the envelope', () => {
  it('several bodies, each answered at its target, in AMF3 after the avmplus marker', () => {
    const bytes = writePacket(true, [
      { target: '/1/onResult', response: '', write: (w) => w.value3('one') },
      { target: '/2/onStatus', response: '', write: (w) => w.value3({ x: 2 }) },
    ]);
    const back = readPacket(bytes);
    expect(back.version).toBe(3);
    expect(back.amf3).toBe(true);
    expect(back.bodies.map((b) => [b.target, fromOurs(b.value)])).toEqual([
      ['/1/onResult', 'one'],
      ['/2/onStatus', { x: 2 }],
    ]);
  });
});

describe('hostile AMF: a clear AmfError, quickly, for anything malformed', () => {
  const valid = packetWith(amfjsBytes([Object.assign(new Serializable('x.Y'), { a: 'text', b: [1, 2, 3] })], true));
  const refuse = (bytes: Uint8Array | number[], message: RegExp) => {
    const started = performance.now();
    expect(() => readPacket(Uint8Array.from(bytes))).toThrow(message);
    try {
      readPacket(Uint8Array.from(bytes));
    } catch (e) {
      expect(e).toBeInstanceOf(AmfError);
    }
    expect(performance.now() - started).toBeLessThan(100);
  };

  it('every truncation of a valid request', () => {
    expect(() => readPacket(valid)).not.toThrow();
    for (let n = 0; n < valid.length; n++)
      expect(() => readPacket(valid.subarray(0, n)), `${n} bytes`).toThrow(AmfError);
  });

  it('bytes after the last message; an unknown version; an unknown marker; bad UTF-8', () => {
    refuse([...valid, 0], /bytes after the last message/);
    refuse([0, 7, 0, 0, 0, 0], /unknown envelope version 7/);
    refuse(packetWith(Uint8Array.from([0x0e])), /unknown AMF0 type marker 0x0e/);
    refuse(packetWith(Uint8Array.from([0x11, 0x12])), /unknown AMF3 type marker 0x12/);
    refuse(packetWith(Uint8Array.from([0x02, 0x00, 0x02, 0xc3, 0x28])), /not UTF-8/);
  });

  it('huge declared lengths and counts: refused before anything is allocated', () => {
    refuse(packetWith(Uint8Array.from([0x0c, 0xff, 0xff, 0xff, 0xff])), /ends early/);
    refuse(packetWith(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x05])), /items declared/);
    refuse(packetWith(Uint8Array.from([0x11, 0x09, 0xff, 0xff, 0xff, 0xff, 0x01])), /items declared/);
    refuse(packetWith(Uint8Array.from([0x11, 0x06, 0xff, 0xff, 0xff, 0xff])), /ends early/);
    refuse(packetWith(Uint8Array.from([0x11, 0x0c, 0xff, 0xff, 0xff, 0xff])), /ends early/);
    // 65 535 bodies declared in a few bytes.
    refuse([0, 3, 0, 0, 0xff, 0xff], /Too many AMF messages/);
  });

  it('an object that refers to itself (AMF0 and AMF3)', () => {
    // AMF3: a list of one item, a reference to object 0: itself.
    refuse(packetWith(Uint8Array.from([0x11, 0x09, 0x03, 0x01, 0x09, 0x00])), /refers to itself/);
    // AMF0: an object whose member "a" is a reference to object 0.
    refuse(
      packetWith(Uint8Array.from([0x03, 0x00, 0x01, 0x61, 0x07, 0x00, 0x00, 0x00, 0x00, 0x09])),
      /refers to itself/,
    );
    refuse(packetWith(Uint8Array.from([0x11, 0x09, 0x03, 0x01, 0x09, 0x08])), /never sent/);
  });

  it('references that expand to millions of values from a few hundred bytes', () => {
    // Each list holds two references to the list before it: 40 levels stand for 2^40 values.
    const w = new AmfWriter();
    w.u8(0x11);
    w.u8(0x09);
    w.u29((2 << 1) | 1);
    w.u8(0x01);
    w.u8(0x04);
    w.u8(0x01);
    w.u8(0x04);
    w.u8(0x02);
    // Nested in a list so that every level is a new object: [ [1,2], [r0, r0], [r1, r1], … ].
    const bomb = new AmfWriter();
    bomb.u8(0x11);
    bomb.u8(0x09);
    bomb.u29((41 << 1) | 1);
    bomb.u8(0x01);
    bomb.raw(w.bytes().subarray(1));
    for (let level = 1; level <= 40; level++) {
      bomb.u8(0x09);
      bomb.u29((2 << 1) | 1);
      bomb.u8(0x01);
      for (let k = 0; k < 2; k++) {
        bomb.u8(0x09);
        bomb.u29(level << 1);
      }
    }
    refuse(packetWith(bomb.bytes()), /too many values/);
  });

  it('nesting past 64 levels', () => {
    const deep = [0x11, ...Array.from({ length: 100 }, () => [0x09, 0x03, 0x01]).flat(), 0x01];
    refuse(packetWith(Uint8Array.from(deep)), /nested too deeply/);
  });

  it('generated garbage never throws anything but an AmfError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 60 }), (noise, prefix) => {
        for (const bytes of [noise, packetWith(noise), packetWith(Uint8Array.from([0x11, ...prefix, ...noise]))]) {
          try {
            readPacket(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(AmfError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
