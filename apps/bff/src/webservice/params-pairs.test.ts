import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromPairs, IncomingRequest, readParams } from './params';

// A form body with nothing to decode is split without URLSearchParams (params.ts, plainPairs):
// the parameters must be exactly those URLSearchParams' pairs give, for any such body
// (empty pairs, names without a value, repeated names, `=` in values, brackets).

const piece = fc.string({
  unit: fc.constantFrom('a', 'b', '=', '&', '[', ']', '0', 'é', ';', ' ', '?'),
  maxLength: 30,
});

function read(body: string) {
  return readParams(
    new IncomingRequest(
      undefined,
      new Request('http://localhost/webservice/rest/server.php', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    ),
  );
}

describe('a form body without escapes', () => {
  it('reads as URLSearchParams reads it', async () => {
    await fc.assert(
      fc.asyncProperty(piece, async (body) => {
        let expected: unknown;
        try {
          expected = fromPairs([...new URLSearchParams(body)]);
        } catch (e) {
          await expect(read(body)).rejects.toThrow((e as Error).message);
          return;
        }
        if (!body.trim()) return;
        expect(await read(body)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the cases URLSearchParams decodes on its path (escapes, +, a leading ?)', async () => {
    expect(await read('a=x+y&b=%2F')).toEqual(
      fromPairs([
        ['a', 'x y'],
        ['b', '/'],
      ]),
    );
    expect(await read('?a=1')).toEqual(fromPairs([['a', '1']]));
    expect(await read('&&a&b=&=c&a=2')).toEqual(
      fromPairs([
        ['a', '2'],
        ['b', ''],
        ['', 'c'],
      ]),
    );
  });
});
