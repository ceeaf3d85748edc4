// An AMF client for the tests, on amfjs (an independent AMF0/AMF3 implementation from npm, not
// Gatehouse's codec): it encodes the envelope a Flex RemoteObject or a Flash NetConnection sends
// and decodes the answer. amfjs has no envelope API; the few lines of framing are here.
import amfjs from 'amfjs';

interface Encoder {
  write(b: number | number[] | Buffer): void;
  writeUInt16BE(n: number): void;
  writeUInt32BE(n: number): void;
  writeObject(v: unknown, type: unknown): void;
}
interface Decoder {
  readUInt16BE(): number;
  readInt32BE(): number;
  readByte(): number;
  readString(): string;
  decode(type: unknown): unknown;
}
const { AMFEncoder, AMFDecoder, AMF0, AMF3, Serializable } = amfjs as unknown as {
  AMFEncoder: new (sink: { write(b: Buffer | number[]): void }) => Encoder;
  AMFDecoder: new (source: { read(n: number): Buffer | null }) => Decoder;
  AMF0: unknown;
  AMF3: unknown;
  Serializable: new (className?: string) => Record<string, unknown>;
};

function bytesOf(write: (e: Encoder) => void): Buffer {
  const chunks: Buffer[] = [];
  const enc = new AMFEncoder({ write: (b) => chunks.push(Buffer.from(b)) });
  // amfjs's writer counts only string values in its string table, not object keys or class
  // names (the specification counts every string, as Flash Player and Gatehouse's reader do), so
  // its references to a repeated value point at the wrong string. It sends every string whole
  // here, which the specification allows (amf-codec.test.ts reads amfjs's references where they
  // are right).
  (enc as unknown as { amf3StringReferences: unknown }).amf3StringReferences = { indexOf: () => -1, push: () => 0 };
  write(enc);
  return Buffer.concat(chunks);
}

/** An AMF3 object of a class (sealed members), as Flex's own classes are sent. */
function typed(className: string, fields: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(new Serializable(className), fields);
}

/** An anonymous AMF3 object (amfjs writes a plain JS object as an associative array). */
export function anonymous(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(new Serializable(), fields);
}

export interface Body {
  target: string;
  response: string;
  /** AMF3 (a Flex message, wrapped as Flex does: an AMF0 list of one AMF3 value) or AMF0 values. */
  value: { amf3: unknown } | { amf0: unknown[] };
}

export function envelope(bodies: Body[], version = 3): Buffer {
  const values = bodies.map((b) =>
    'amf3' in b.value
      ? bytesOf((e) => {
          e.write([0x0a, 0, 0, 0, 1, 0x11]);
          e.writeObject((b.value as { amf3: unknown }).amf3, AMF3);
        })
      : bytesOf((e) => e.writeObject((b.value as { amf0: unknown[] }).amf0, AMF0)),
  );
  return bytesOf((e) => {
    const str = (s: string) => {
      const b = Buffer.from(s, 'utf8');
      e.writeUInt16BE(b.length);
      e.write(b);
    };
    e.writeUInt16BE(version);
    e.writeUInt16BE(0);
    e.writeUInt16BE(bodies.length);
    bodies.forEach((b, i) => {
      str(b.target);
      str(b.response);
      e.writeUInt32BE((values[i] as Buffer).length);
      e.write(values[i] as Buffer);
    });
  });
}

let ids = 0;
/** A Flex RemotingMessage calling `operation` with `args`, as RemoteObject sends it. */
export function remoting(operation: string, args: unknown[], response = '/1'): Body {
  ids++;
  return {
    target: 'null',
    response,
    value: {
      amf3: typed('flex.messaging.messages.RemotingMessage', {
        source: null,
        operation,
        destination: 'zend',
        body: args,
        clientId: null,
        headers: anonymous({ DSEndpoint: 'my-amf', DSId: 'nil' }),
        messageId: `MSG-${ids}`,
        timestamp: 0,
        timeToLive: 0,
      }),
    },
  };
}

/** Flex's CommandMessage (5: the client ping a RemoteObject sends first). */
export function command(operation: number, response = '/1'): Body {
  ids++;
  return {
    target: 'null',
    response,
    value: {
      amf3: typed('flex.messaging.messages.CommandMessage', {
        operation,
        correlationId: '',
        messageRefType: null,
        destination: '',
        body: anonymous({}),
        clientId: null,
        headers: anonymous({ DSMessagingVersion: 1, DSId: 'nil' }),
        messageId: `CMD-${ids}`,
        timestamp: 0,
        timeToLive: 0,
      }),
    },
  };
}

export interface Answer {
  target: string;
  response: string;
  value: Record<string, unknown> & { __class?: string };
}

function readAnswer(buf: Buffer): { version: number; bodies: Answer[] } {
  let p = 0;
  const source = {
    read(n: number) {
      if (p + n > buf.length) return null;
      const r = Buffer.from(buf.subarray(p, p + n));
      p += n;
      return r;
    },
  };
  const dec = new AMFDecoder(source);
  const version = dec.readUInt16BE();
  for (let i = dec.readUInt16BE(); i > 0; i--) {
    dec.readString();
    dec.readByte();
    dec.readInt32BE();
    new AMFDecoder(source).decode(AMF0);
  }
  const bodies: Answer[] = [];
  for (let i = dec.readUInt16BE(); i > 0; i--) {
    const target = dec.readString();
    const response = dec.readString();
    dec.readInt32BE();
    // A decoder per message: fresh reference tables, as the specification says.
    bodies.push({ target, response, value: new AMFDecoder(source).decode(AMF0) as Answer['value'] });
  }
  if (p !== buf.length) throw new Error(`${buf.length - p} bytes after the last message`);
  return { version, bodies };
}

/** POSTs an envelope to base's AMF endpoint with the token, and reads the answer with amfjs. */
export async function amfCall(base: string, token: string, body: Buffer) {
  const res = await fetch(`${base}/webservice/amf/server.php?wstoken=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amf' },
    body,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), bytes, ...readAnswer(bytes) };
}
