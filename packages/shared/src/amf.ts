// AMF (Action Message Format), as Flash Player and Flex send it and Zend_Amf_Server (Moodle 2.x's
// AMF server) read it: an AMF0 envelope (packet) of headers and bodies, each value in AMF0, or in
// AMF3 after AMF0's avmplus marker (0x11). Adobe's specifications: "Action Message Format --
// AMF 0" and "-- AMF 3" (2006, 2013). The reader checks every length against what is left of the
// input before it allocates, caps nesting, the values a request expands to (references included,
// so a few bytes of references to references cannot stand for millions of values) and the
// reference tables, and refuses an object that refers to itself while it is being read: hostile
// input costs at most one pass over the body.

/** Input that is not well-formed AMF, or passes a limit (the server answers invalidparameter in AMF's shape). */
export class AmfError extends Error {}

/** What one request may hold. */
export interface AmfLimits {
  /** Values, counting each reference as the values it stands for. */
  maxValues: number;
  /** Open objects and arrays at once. */
  maxDepth: number;
  /** Headers and bodies of the envelope. */
  maxMessages: number;
}

const AMF_LIMITS: AmfLimits = { maxValues: 25_000, maxDepth: 64, maxMessages: 32 };

/** The class name a typed object (AMF0 0x10, AMF3 traits with a name) was sent with: not an own enumerable key. */
export const AMF_CLASS: unique symbol = Symbol('amf class');

/** A typed object as read or to be written: its members, with its class name under AMF_CLASS. */
export type AmfObject = Record<string, unknown> & { [AMF_CLASS]?: string };

/** A value to be written as an AMF3 object with sealed members (a Flex message): its class and its members in order. */
export class AmfTyped {
  constructor(
    readonly className: string,
    readonly members: readonly (readonly [string, unknown])[],
  ) {}
}

/** An integer to be written as AMF3's double, not its integer (a description's float), or AMF0's number. */
export class AmfDouble {
  constructor(readonly value: number) {}
}

interface AmfHeader {
  name: string;
  mustUnderstand: boolean;
  value: unknown;
}

interface AmfBody {
  target: string;
  response: string;
  value: unknown;
}

export interface AmfPacket {
  /** 0 (AMF0 only), 3 (a Flash Player 9+ client: AMF3 values may follow); 1 is Flash Media Server's. */
  version: number;
  headers: AmfHeader[];
  bodies: AmfBody[];
  /** Whether any value switched to AMF3 (the answer is written in AMF3 then, as Zend_Amf does). */
  amf3: boolean;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ENCODER = new TextEncoder();

/** A reader over one request: position, limits, and the reference tables of the message being read. */
class Reader {
  at = 0;
  private depth = 0;
  /** Values read so far, each reference counted as the values it stands for. */
  private values = 0;
  // AMF0's complex values; AMF3's strings, complex values and traits. Reset for each header and body.
  private refs0: unknown[] = [];
  private strings: string[] = [];
  private objects: unknown[] = [];
  private traits: Trait[] = [];
  /** How many values each complex value (by reference index) stands for; -1 while it is being read. */
  private sizes0: number[] = [];
  private sizes3: number[] = [];
  amf3 = false;

  constructor(
    private readonly b: Uint8Array,
    private readonly limits: AmfLimits,
  ) {}

  resetReferences(): void {
    this.refs0 = [];
    this.strings = [];
    this.objects = [];
    this.traits = [];
    this.sizes0 = [];
    this.sizes3 = [];
  }

  private need(n: number): void {
    if (n > this.b.length - this.at)
      throw new AmfError(`Malformed AMF: the data ends early (at byte ${this.at}, ${n} more expected)`);
  }

  u8(): number {
    this.need(1);
    return this.b[this.at++] as number;
  }

  u16(): number {
    this.need(2);
    const v = ((this.b[this.at] as number) << 8) | (this.b[this.at + 1] as number);
    this.at += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const { b, at } = this;
    this.at += 4;
    return (
      (((b[at] as number) << 24) |
        ((b[at + 1] as number) << 16) |
        ((b[at + 2] as number) << 8) |
        (b[at + 3] as number)) >>>
      0
    );
  }

  double(): number {
    this.need(8);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.at, 8).getFloat64(0);
    this.at += 8;
    return v;
  }

  utf8(n: number): string {
    this.need(n);
    const s = this.b.subarray(this.at, this.at + n);
    this.at += n;
    try {
      return UTF8.decode(s);
    } catch {
      throw new AmfError('Malformed AMF: a string is not UTF-8');
    }
  }

  /** AMF0's UTF-8 (u16 length) and long string (u32 length). */
  utf0(): string {
    return this.utf8(this.u16());
  }

  /** A count of items each at least `min` bytes long, checked against what is left and the value cap. */
  private count(n: number, min: number): number {
    if (n * min > this.b.length - this.at)
      throw new AmfError(`Malformed AMF: ${n} items declared, the data ends before`);
    if (n > this.limits.maxValues) throw this.tooMany();
    return n;
  }

  private tooMany(): AmfError {
    return new AmfError(
      `The AMF request holds too many values (at most ${this.limits.maxValues}, references included)`,
    );
  }

  private counted(n: number): void {
    this.values += n;
    if (this.values > this.limits.maxValues) throw this.tooMany();
  }

  private enter(): void {
    if (++this.depth > this.limits.maxDepth)
      throw new AmfError(`AMF values nested too deeply (at most ${this.limits.maxDepth} levels)`);
  }

  private leave(sizes: number[], index: number, from: number): void {
    this.depth--;
    sizes[index] = this.values - from;
  }

  /** A reference to a complex value read before: it counts as the values it stands for. */
  private referenced(table: unknown[], sizes: number[], index: number): unknown {
    if (index >= table.length)
      throw new AmfError(`Malformed AMF: a reference to object ${index}, which was never sent`);
    const size = sizes[index] as number;
    if (size < 0) throw new AmfError('Malformed AMF: an object refers to itself');
    this.counted(size);
    return table[index];
  }

  private remember(table: unknown[], sizes: number[], value: unknown): number {
    if (table.length >= this.limits.maxValues) throw this.tooMany();
    sizes.push(-1);
    return table.push(value) - 1;
  }

  // ---- AMF0 ----------------------------------------------------------------------------------

  value0(): unknown {
    this.counted(1);
    const marker = this.u8();
    switch (marker) {
      case 0x00:
        return this.double();
      case 0x01:
        return this.u8() !== 0;
      case 0x02:
        return this.utf0();
      case 0x03:
        return this.object0(Object.create(null) as AmfObject);
      case 0x05:
        return null;
      case 0x06:
        return undefined;
      case 0x07:
        return this.referenced(this.refs0, this.sizes0, this.u16());
      case 0x08: {
        // An ECMA array: a count (a hint, not trusted), then members as an object's.
        this.u32();
        const out = this.object0(Object.create(null) as AmfObject);
        return denseArray(out) ?? out;
      }
      case 0x0a: {
        const n = this.count(this.u32(), 1);
        const out: unknown[] = [];
        const index = this.remember(this.refs0, this.sizes0, out);
        const from = this.values;
        this.enter();
        for (let i = 0; i < n; i++) out.push(this.value0());
        this.leave(this.sizes0, index, from);
        return out;
      }
      case 0x0b: {
        const ms = this.double();
        this.u16(); // the time zone, which the specification says to ignore
        return new Date(ms);
      }
      case 0x0c:
        return this.utf8(this.u32());
      case 0x0d: // unsupported
        return undefined;
      case 0x0f: // an XML document, as its text
        return this.utf8(this.u32());
      case 0x10: {
        const className = this.utf0();
        const out = Object.create(null) as AmfObject;
        Object.defineProperty(out, AMF_CLASS, { value: className });
        return this.object0(out);
      }
      case 0x11:
        this.amf3 = true;
        return this.value3();
      default:
        throw new AmfError(`Malformed AMF: unknown AMF0 type marker 0x${marker.toString(16).padStart(2, '0')}`);
    }
  }

  /** AMF0 object members up to the empty name and the object-end marker. */
  private object0(out: AmfObject): AmfObject {
    const index = this.remember(this.refs0, this.sizes0, out);
    const from = this.values;
    this.enter();
    for (;;) {
      const key = this.utf0();
      if (key === '') {
        const end = this.u8();
        if (end !== 0x09) throw new AmfError('Malformed AMF: an object without its end marker');
        break;
      }
      const v = this.value0();
      if (key !== '__proto__') out[key] = v;
    }
    this.leave(this.sizes0, index, from);
    return out;
  }

  // ---- AMF3 ----------------------------------------------------------------------------------

  /** AMF3's variable-length unsigned 29-bit integer. */
  u29(): number {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.u8();
      if (b < 0x80) return (v << 7) | b;
      v = (v << 7) | (b & 0x7f);
    }
    return ((v << 8) | this.u8()) >>> 0;
  }

  string3(): string {
    const h = this.u29();
    if ((h & 1) === 0) {
      const s = this.strings[h >>> 1];
      if (s === undefined) throw new AmfError(`Malformed AMF: a reference to string ${h >>> 1}, which was never sent`);
      return s;
    }
    const s = this.utf8(h >>> 1);
    // The empty string is never sent by reference.
    if (s !== '') {
      if (this.strings.length >= this.limits.maxValues) throw this.tooMany();
      this.strings.push(s);
    }
    return s;
  }

  value3(): unknown {
    this.counted(1);
    const marker = this.u8();
    switch (marker) {
      case 0x00:
        return undefined;
      case 0x01:
        return null;
      case 0x02:
        return false;
      case 0x03:
        return true;
      case 0x04: {
        const v = this.u29();
        // Sign-extended from 29 bits.
        return v & 0x10000000 ? v - 0x20000000 : v;
      }
      case 0x05:
        return this.double();
      case 0x06:
        return this.string3();
      case 0x07: // XMLDocument
      case 0x0b: {
        // XML: its text, by reference as objects are.
        const h = this.u29();
        if ((h & 1) === 0) return this.referenced(this.objects, this.sizes3, h >>> 1);
        const text = this.utf8(h >>> 1);
        this.sizes3[this.remember(this.objects, this.sizes3, text)] = 1;
        return text;
      }
      case 0x08: {
        const h = this.u29();
        if ((h & 1) === 0) return this.referenced(this.objects, this.sizes3, h >>> 1);
        const date = new Date(this.double());
        this.sizes3[this.remember(this.objects, this.sizes3, date)] = 1;
        return date;
      }
      case 0x09:
        return this.array3();
      case 0x0a:
        return this.object3();
      case 0x0c: {
        const h = this.u29();
        if ((h & 1) === 0) return this.referenced(this.objects, this.sizes3, h >>> 1);
        const n = h >>> 1;
        this.need(n);
        const bytes = this.b.slice(this.at, this.at + n);
        this.at += n;
        this.sizes3[this.remember(this.objects, this.sizes3, bytes)] = 1;
        return bytes;
      }
      case 0x0d:
      case 0x0e:
      case 0x0f:
      case 0x10:
        return this.vector3(marker);
      default:
        throw new AmfError(`Malformed AMF: unknown AMF3 type marker 0x${marker.toString(16).padStart(2, '0')}`);
    }
  }

  private array3(): unknown {
    const h = this.u29();
    if ((h & 1) === 0) return this.referenced(this.objects, this.sizes3, h >>> 1);
    const dense = this.count(h >>> 1, 1);
    // The associative part first (up to the empty name), then the dense part.
    let assoc: AmfObject | undefined;
    const list: unknown[] = [];
    const index = this.remember(this.objects, this.sizes3, list);
    const from = this.values;
    this.enter();
    for (let key = this.string3(); key !== ''; key = this.string3()) {
      assoc ??= Object.create(null) as AmfObject;
      const v = this.value3();
      if (key !== '__proto__') assoc[key] = v;
    }
    for (let i = 0; i < dense; i++) list.push(this.value3());
    this.leave(this.sizes3, index, from);
    if (!assoc) return list;
    // Both parts: one associative array, as PHP reads it (dense keys first).
    const out = Object.create(null) as AmfObject;
    for (let i = 0; i < list.length; i++) out[String(i)] = list[i];
    Object.assign(out, assoc);
    this.objects[index] = out;
    return out;
  }

  private object3(): unknown {
    const h = this.u29();
    if ((h & 1) === 0) return this.referenced(this.objects, this.sizes3, h >>> 1);
    let trait: Trait;
    if ((h & 2) === 0) {
      const t = this.traits[h >>> 2];
      if (!t) throw new AmfError(`Malformed AMF: a reference to traits ${h >>> 2}, which were never sent`);
      trait = t;
    } else {
      const externalizable = (h & 4) !== 0;
      const dynamic = (h & 8) !== 0;
      const sealed = this.count(h >>> 4, 1);
      const className = this.string3();
      const members: string[] = [];
      for (let i = 0; i < sealed; i++) members.push(this.string3());
      trait = { className, externalizable, dynamic, members };
      if (this.traits.length >= this.limits.maxValues) throw this.tooMany();
      this.traits.push(trait);
    }
    if (trait.externalizable) {
      // Flex's collections carry their content as one value; nothing else can be read without its class's code.
      if (!EXTERNALIZABLE_WRAPPERS.has(trait.className))
        throw new AmfError(`AMF: the externalizable class ${trait.className.slice(0, 100)} cannot be read`);
      const index = this.remember(this.objects, this.sizes3, undefined);
      const from = this.values;
      this.enter();
      const inner = this.value3();
      this.objects[index] = inner;
      this.leave(this.sizes3, index, from);
      return inner;
    }
    const out = Object.create(null) as AmfObject;
    if (trait.className !== '') Object.defineProperty(out, AMF_CLASS, { value: trait.className });
    const index = this.remember(this.objects, this.sizes3, out);
    const from = this.values;
    this.enter();
    for (const m of trait.members) {
      const v = this.value3();
      if (m !== '__proto__') out[m] = v;
    }
    if (trait.dynamic) {
      for (let key = this.string3(); key !== ''; key = this.string3()) {
        const v = this.value3();
        if (key !== '__proto__') out[key] = v;
      }
    }
    this.leave(this.sizes3, index, from);
    return out;
  }

  /** Vector.<int>, .<uint>, .<Number> and .<Object>: read as lists. */
  private vector3(marker: number): unknown {
    const h = this.u29();
    if ((h & 1) === 0) return this.referenced(this.objects, this.sizes3, h >>> 1);
    const n = this.count(h >>> 1, marker === 0x10 ? 1 : marker === 0x0f ? 8 : 4);
    this.u8(); // fixed-length flag
    const list: unknown[] = [];
    const index = this.remember(this.objects, this.sizes3, list);
    const from = this.values;
    this.enter();
    if (marker === 0x10) this.string3(); // the element type's name
    for (let i = 0; i < n; i++) {
      if (marker === 0x10) list.push(this.value3());
      else {
        this.counted(1);
        if (marker === 0x0f) list.push(this.double());
        else {
          const v = this.u32();
          list.push(marker === 0x0d ? v | 0 : v);
        }
      }
    }
    this.leave(this.sizes3, index, from);
    return list;
  }
}

interface Trait {
  className: string;
  externalizable: boolean;
  dynamic: boolean;
  members: string[];
}

/** Externalizable classes whose content is one AMF3 value, which is what they are read as. */
const EXTERNALIZABLE_WRAPPERS = new Set([
  'flex.messaging.io.ArrayCollection',
  'flex.messaging.io.ArrayList',
  'flex.messaging.io.ObjectProxy',
]);

/** An associative array whose keys are 0 … n − 1 (in any order), as a list; else undefined. */
function denseArray(o: AmfObject): unknown[] | undefined {
  const keys = Object.keys(o);
  const out: unknown[] = new Array(keys.length);
  for (const k of keys) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= keys.length || String(i) !== k) return undefined;
    out[i] = o[k];
  }
  return out;
}

/** Reads an AMF request: the envelope, each header's and body's value. */
export function readPacket(bytes: Uint8Array, limits: AmfLimits = AMF_LIMITS): AmfPacket {
  const r = new Reader(bytes, limits);
  const version = r.u16();
  if (version !== 0 && version !== 1 && version !== 3)
    throw new AmfError(`Malformed AMF: unknown envelope version ${version} (0 or 3 expected)`);
  const headers: AmfHeader[] = [];
  const bodies: AmfBody[] = [];
  const headerCount = r.u16();
  if (headerCount > limits.maxMessages) throw new AmfError(`Too many AMF headers (at most ${limits.maxMessages})`);
  for (let i = 0; i < headerCount; i++) {
    const name = r.utf0();
    const mustUnderstand = r.u8() !== 0;
    r.u32(); // the value's length: -1 (unknown) is usual
    r.resetReferences();
    headers.push({ name, mustUnderstand, value: r.value0() });
  }
  const bodyCount = r.u16();
  if (bodyCount > limits.maxMessages) throw new AmfError(`Too many AMF messages (at most ${limits.maxMessages})`);
  for (let i = 0; i < bodyCount; i++) {
    const target = r.utf0();
    const response = r.utf0();
    r.u32();
    r.resetReferences();
    bodies.push({ target, response, value: r.value0() });
  }
  if (r.at !== bytes.length) throw new AmfError('Malformed AMF: bytes after the last message');
  return { version, headers, bodies, amf3: r.amf3 };
}

// ---- writing ------------------------------------------------------------------------------------

/** A growing byte buffer. */
export class AmfWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  // AMF3's tables for the value being written (string and trait references; objects are written whole).
  private strings = new Map<string, number>();
  private traits = new Map<string, number>();

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  bytes(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length);
  }

  resetReferences(): void {
    this.strings.clear();
    this.traits.clear();
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  double(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  private utf8(s: string): number {
    const max = s.length * 3;
    this.room(max);
    const { written } = ENCODER.encodeInto(s, this.buf.subarray(this.length, this.length + max));
    return written;
  }

  /** AMF0's UTF-8 with a u16 length (names, targets). */
  utf0(s: string): void {
    const at = this.length;
    this.u16(0);
    const n = this.utf8(s);
    this.view.setUint16(at, n);
    this.length += n;
  }

  /** AMF3's unsigned 29-bit integer. */
  u29(v: number) {
    if (v < 0x80) this.u8(v);
    else if (v < 0x4000) {
      this.u8((v >>> 7) | 0x80);
      this.u8(v & 0x7f);
    } else if (v < 0x200000) {
      this.u8((v >>> 14) | 0x80);
      this.u8(((v >>> 7) & 0x7f) | 0x80);
      this.u8(v & 0x7f);
    } else {
      this.u8(((v >>> 22) & 0x7f) | 0x80);
      this.u8(((v >>> 15) & 0x7f) | 0x80);
      this.u8(((v >>> 8) & 0x7f) | 0x80);
      this.u8(v & 0xff);
    }
  }

  string3(s: string) {
    if (s === '') return this.u8(0x01);
    const ref = this.strings.get(s);
    if (ref !== undefined) return this.u29(ref << 1);
    this.strings.set(s, this.strings.size);
    const bytes = ENCODER.encode(s);
    this.u29((bytes.length << 1) | 1);
    this.raw(bytes);
  }

  // AMF0 values.
  number0(v: number): void {
    this.u8(0x00);
    this.double(v);
  }

  string0(s: string): void {
    const bytes = ENCODER.encode(s);
    if (bytes.length > 0xffff) {
      this.u8(0x0c);
      this.u32(bytes.length);
    } else {
      this.u8(0x02);
      this.u16(bytes.length);
    }
    this.raw(bytes);
  }

  /** Any plain value in AMF0: numbers, strings, booleans, null, undefined, lists, objects. */
  value0(v: unknown) {
    if (v === null) return this.u8(0x05);
    if (v === undefined) return this.u8(0x06);
    if (v instanceof AmfDouble) return this.number0(v.value);
    switch (typeof v) {
      case 'number':
        return this.number0(v);
      case 'boolean':
        this.u8(0x01);
        return this.u8(v ? 1 : 0);
      case 'string':
        return this.string0(v);
      case 'bigint':
        return this.number0(Number(v));
    }
    if (Array.isArray(v)) {
      this.u8(0x0a);
      this.u32(v.length);
      for (const x of v) this.value0(x);
      return;
    }
    if (v instanceof Date) {
      this.u8(0x0b);
      this.double(v.getTime());
      return this.u16(0);
    }
    if (v instanceof AmfTyped) {
      this.u8(0x10);
      this.utf0(v.className);
      for (const [k, x] of v.members) {
        this.utf0(k);
        this.value0(x);
      }
    } else {
      this.u8(0x03);
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        this.utf0(k);
        this.value0(o[k]);
      }
    }
    this.u16(0);
    this.u8(0x09);
  }

  /** Any plain value in AMF3 (Zend_Amf's choices: integers within 29 bits as integers, objects as dynamic anonymous ones). */
  value3(v: unknown) {
    if (v === null) return this.u8(0x01);
    if (v === undefined) return this.u8(0x00);
    if (v instanceof AmfDouble) {
      this.u8(0x05);
      return this.double(v.value);
    }
    switch (typeof v) {
      case 'number':
        if (Number.isInteger(v) && v >= -0x10000000 && v <= 0x0fffffff && !Object.is(v, -0)) {
          this.u8(0x04);
          return this.u29(v & 0x1fffffff);
        }
        this.u8(0x05);
        return this.double(v);
      case 'bigint':
        this.value3(Number(v));
        return;
      case 'boolean':
        return this.u8(v ? 0x03 : 0x02);
      case 'string':
        this.u8(0x06);
        return this.string3(v);
    }
    if (Array.isArray(v)) {
      this.u8(0x09);
      this.u29((v.length << 1) | 1);
      this.u8(0x01); // no associative part
      for (const x of v) this.value3(x);
      return;
    }
    if (v instanceof Date) {
      this.u8(0x08);
      this.u8(0x01);
      return this.double(v.getTime());
    }
    if (v instanceof Uint8Array) {
      this.u8(0x0c);
      this.u29((v.length << 1) | 1);
      return this.raw(v);
    }
    this.u8(0x0a);
    if (v instanceof AmfTyped) {
      this.sealedTraits(v.className, v.members);
      for (const [, x] of v.members) this.value3(x);
      return;
    }
    // A dynamic anonymous object: its traits (no sealed member) sent once, then by reference.
    this.dynamicTraits();
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (k === '') continue;
      this.string3(k);
      this.value3(o[k]);
    }
    this.u8(0x01);
  }

  private dynamicTraits() {
    const ref = this.traits.get('');
    if (ref !== undefined) return this.u29((ref << 2) | 1);
    this.traits.set('', this.traits.size);
    this.u29(0b1011); // traits inline, dynamic, no sealed member
    this.string3('');
  }

  private sealedTraits(className: string, members: readonly (readonly [string, unknown])[]) {
    const key = `${className}\u0000${members.map(([k]) => k).join('\u0000')}`;
    const ref = this.traits.get(key);
    if (ref !== undefined) return this.u29((ref << 2) | 1);
    this.traits.set(key, this.traits.size);
    this.u29((members.length << 4) | 0b0011);
    this.string3(className);
    for (const [k] of members) this.string3(k);
  }
}

/** An answer's envelope: each body's value written by `write` (AMF0, or AMF3 after the avmplus marker). */
export function writePacket(
  amf3: boolean,
  bodies: readonly { target: string; response: string; write: (w: AmfWriter) => void }[],
): Uint8Array {
  const w = new AmfWriter();
  // Zend_Amf writes the object encoding as the version: 3 when the request used AMF3.
  w.u16(amf3 ? 3 : 0);
  w.u16(0);
  w.u16(bodies.length);
  for (const b of bodies) {
    w.utf0(b.target);
    w.utf0(b.response);
    w.u32(0xffffffff); // length unknown, as Zend_Amf writes it
    w.resetReferences();
    if (amf3) w.u8(0x11);
    b.write(w);
  }
  return w.bytes();
}

// ---- a client's side (the console's test client) ------------------------------------------------

/** The envelope Flex's RemoteObject sends for one call: a RemotingMessage in AMF3, the arguments its body. */
export function remotingEnvelope(
  operation: string,
  args: readonly unknown[],
  messageId: string,
): Uint8Array<ArrayBuffer> {
  const w = new AmfWriter();
  w.u16(3);
  w.u16(0);
  w.u16(1);
  w.utf0('null');
  w.utf0('/1');
  w.u32(0xffffffff);
  // An AMF0 list of one AMF3 value, as Flex sends its message.
  w.u8(0x0a);
  w.u32(1);
  w.u8(0x11);
  w.value3(
    new AmfTyped('flex.messaging.messages.RemotingMessage', [
      ['source', null],
      ['operation', operation],
      ['destination', 'gatehouse'],
      ['body', args],
      ['clientId', null],
      ['headers', {}],
      ['messageId', messageId],
      ['timestamp', 0],
      ['timeToLive', 0],
    ]),
  );
  return w.bytes();
}

/** A read AMF value as JSON can show it: a typed object's class as "$class", dates as ISO text, bytes as their length. */
export function amfAsJson(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `(${v.length} bytes)`;
  if (Array.isArray(v)) return v.map(amfAsJson);
  const o = v as AmfObject;
  const out: Record<string, unknown> = {};
  if (o[AMF_CLASS] !== undefined) out.$class = o[AMF_CLASS];
  for (const k of Object.keys(o)) out[k] = amfAsJson(o[k]);
  return out;
}
