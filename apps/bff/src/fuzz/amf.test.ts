import { AMF_CLASS, AmfTyped, AmfWriter, readPacket, validateParameters } from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalogue } from '../webservice/catalogue';
import { FUNCTIONS } from '../webservice/functions';
import { argumentsFor } from '../webservice/protocols/arguments';
import { eventLoopHeld, fuzzSite, invalidArgsFor, runs, WRITE_FUNCTIONS } from './fuzz-helpers';

// /webservice/amf/server.php fed with random and hostile AMF: truncated envelopes, objects that
// refer to themselves, references that expand to millions of values, huge declared lengths,
// deep nesting, and real write functions called with wrong arguments. Whatever arrives: HTTP 200
// with a readable AMF answer whose every body is a fault (a Flex ErrorMessage, or Zend's AMF0
// fault array), answered quickly, nothing written, no unexpected error logged.

const catalogue = createCatalogue(FUNCTIONS);
const fuzz = fuzzSite();
const { expectNothingChanged } = fuzz;

const URL_ = () => `/webservice/amf/server.php?wstoken=${fuzz.site.secret}`;

async function post(body: Uint8Array | string, method = 'POST', type = 'application/x-amf') {
  const res = await fuzz.site.t.app.request(
    URL_(),
    { method, headers: { host: 'localhost', 'content-type': type }, ...(method === 'GET' ? {} : { body }) },
    { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
  );
  return { status: res.status, type: res.headers.get('content-type'), bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** The answer's faults' error codes; fails on anything else. */
function faults(res: { status: number; type: string | null; bytes: Uint8Array }): string[] {
  expect(res.status).toBe(200);
  expect(res.type).toBe('application/x-amf');
  const packet = readPacket(res.bytes);
  expect(packet.bodies.length).toBeGreaterThan(0);
  return packet.bodies.map((b) => {
    expect(b.target).toMatch(/\/onStatus$/);
    const v = b.value as Record<string | symbol, unknown>;
    if (v[AMF_CLASS] === 'flex.messaging.messages.ErrorMessage') {
      expect(String(v.faultDetail ?? '')).not.toMatch(/\n\s+at /);
      return String(v.faultCode);
    }
    return String(v.code);
  });
}

/** A request envelope of one body whose value is `value` (the bytes of one AMF0 value). */
function envelopeOf(value: Uint8Array, target = 'null'): Uint8Array {
  const w = new AmfWriter();
  w.u16(3);
  w.u16(0);
  w.u16(1);
  w.utf0(target);
  w.utf0('/1');
  w.u32(value.length);
  w.raw(value);
  return w.bytes();
}

/** Flex's RemotingMessage calling `operation` with `args`, in Gatehouse's own AMF3 writer. */
function remoting(operation: string, args: unknown[]): Uint8Array {
  const w = new AmfWriter();
  w.u8(0x0a);
  w.u32(1);
  w.u8(0x11);
  w.value3(
    new AmfTyped('flex.messaging.messages.RemotingMessage', [
      ['operation', operation],
      ['destination', 'zend'],
      ['body', args],
      ['messageId', 'FUZZ-1'],
      ['headers', {}],
    ]),
  );
  return envelopeOf(w.bytes());
}

describe('AMF: random and hostile bodies', () => {
  it('any method, any bytes: a fault, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'POST', 'PUT'),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 })),
        fc.constantFrom('application/x-amf', 'text/xml', ''),
        async (method, body, type) => {
          const codes = faults(await post(body, method, type));
          expect(codes.every((c) => c === 'invalidparameter')).toBe(true);
          await expectNothingChanged(`AMF ${method}`);
        },
      ),
      runs(80),
    );
  });

  it('every truncation and every single-byte change of a real call: a fault or the call refused, nothing written', async () => {
    const call = remoting('core_group_create_groups', [[{ courseid: 999_999, name: 'x' }]]);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(call.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        async (at, byte, cut) => {
          const bytes = cut ? call.slice(0, at) : Uint8Array.from(call, (b, i) => (i === at ? byte : b));
          const res = await post(bytes);
          expect(res.status).toBe(200);
          readPacket(res.bytes);
          await expectNothingChanged(`AMF with byte ${at} ${cut ? 'cut' : `set to ${byte}`}`);
        },
      ),
      runs(150),
    );
  });

  it('self-references, reference bombs, huge lengths, deep nesting: a fault within a few milliseconds', async () => {
    const bomb = new AmfWriter();
    bomb.u8(0x0a);
    bomb.u32(1);
    bomb.u8(0x11);
    bomb.u8(0x09);
    bomb.u29((41 << 1) | 1);
    bomb.u8(0x01);
    bomb.raw(Uint8Array.from([0x09, 0x05, 0x01, 0x04, 0x01, 0x04, 0x02]));
    for (let level = 1; level <= 40; level++) {
      bomb.raw(Uint8Array.from([0x09, 0x05, 0x01]));
      for (let k = 0; k < 2; k++) {
        bomb.u8(0x09);
        bomb.u29(level << 1);
      }
    }
    const hostile: [string, Uint8Array][] = [
      ['a list that holds itself (AMF3)', envelopeOf(Uint8Array.from([0x11, 0x09, 0x03, 0x01, 0x09, 0x00]))],
      [
        'an object whose member is itself (AMF0)',
        envelopeOf(Uint8Array.from([0x03, 0, 1, 0x61, 0x07, 0, 0, 0, 0, 0x09])),
      ],
      ['2^40 values by reference', envelopeOf(bomb.bytes())],
      ['a 4 GiB string declared', envelopeOf(Uint8Array.from([0x0c, 0xff, 0xff, 0xff, 0xff]))],
      ['2^28 list items declared', envelopeOf(Uint8Array.from([0x11, 0x09, 0xff, 0xff, 0xff, 0xff, 0x01]))],
      ['65 535 bodies declared', Uint8Array.from([0, 3, 0, 0, 0xff, 0xff])],
      [
        '10 000 nested lists',
        envelopeOf(Uint8Array.from([0x11, ...Array.from({ length: 10_000 }, () => [0x09, 0x03, 0x01]).flat(), 0x01])),
      ],
      ['an externalizable class', envelopeOf(Uint8Array.from([0x11, 0x0a, 0x07, 0x07, 0x44, 0x53, 0x4b, 0x01]))],
    ];
    for (const [what, bytes] of hostile) {
      const { value: res, heldMs } = await eventLoopHeld(() => post(bytes));
      expect(faults(res), what).toEqual(['invalidparameter']);
      expect(heldMs, what).toBeLessThan(50);
      await expectNothingChanged(what);
    }
  });
});

const wrongCall = fc
  .constantFrom(...WRITE_FUNCTIONS)
  .chain((fn) => invalidArgsFor(catalogue.get(fn)!.parameters).map((a) => ({ fn, ...a })));

function validFor(fn: string, args: unknown[]): boolean {
  try {
    validateParameters(catalogue.get(fn)!.parameters, argumentsFor(catalogue, fn, args));
    return true;
  } catch {
    return false;
  }
}

describe('AMF: real write functions with wrong arguments, as a Flex RemoteObject sends them', () => {
  it('named (one object) or by position: invalidparameter, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(wrongCall, fc.boolean(), async ({ fn, args }, positional) => {
        const list =
          positional && typeof args === 'object' && args !== null && !Array.isArray(args)
            ? Object.values(args)
            : [args];
        fc.pre(!validFor(fn, JSON.parse(JSON.stringify(list)) as unknown[]));
        const codes = faults(await post(remoting(fn, list)));
        expect(codes).toEqual(['invalidparameter']);
        await expectNothingChanged(`${fn} over AMF`);
      }),
      runs(150),
    );
  });
});
