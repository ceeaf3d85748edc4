import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServerSecret } from './server-secret';
import {
  generateToken,
  hashesEqual,
  hashToken,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  tokenLooksValid,
  tokenStub,
} from './token-secret';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const FORMAT = /^gwt[0-9A-Za-z]{49}$/;

describe('generateToken', () => {
  it('is "gwt" and 49 alphanumeric characters: 52 in all', () => {
    expect(TOKEN_PREFIX).toBe('gwt');
    expect(TOKEN_LENGTH).toBe(52);
    for (let i = 0; i < 200; i++) {
      const tk = generateToken();
      expect(tk).toHaveLength(52);
      expect(tk).toMatch(FORMAT);
    }
  });

  it('never repeats, and its random part uses the whole alphabet', () => {
    const seen = new Set<string>();
    const bodies = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const tk = generateToken();
      seen.add(tk);
      bodies.add(tk.slice(3, 11));
      for (const ch of tk.slice(3)) chars.add(ch);
    }
    expect(seen.size).toBe(5000);
    // Even an 8-character slice of the random part does not repeat across 5000 tokens.
    expect(bodies.size).toBe(5000);
    expect(chars.size).toBe(62);
  });
});

describe('tokenLooksValid', () => {
  const tokens = Array.from({ length: 40 }, () => generateToken());

  it('accepts every generated token', () => {
    for (let i = 0; i < 500; i++) expect(tokenLooksValid(generateToken())).toBe(true);
  });

  it('rejects every single-character substitution of a token, exhaustively for a few tokens', () => {
    for (const tk of tokens.slice(0, 3)) {
      for (let i = 0; i < tk.length; i++) {
        for (const ch of ALNUM) {
          if (ch === tk[i]) continue;
          const typo = tk.slice(0, i) + ch + tk.slice(i + 1);
          if (tokenLooksValid(typo)) throw new Error(`accepted a typo at ${i}: ${typo}`);
        }
      }
    }
  });

  it('property: change any one character to any other character, and the token is rejected', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...tokens),
        fc.nat({ max: TOKEN_LENGTH - 1 }),
        fc.oneof(
          fc.constantFrom(...ALNUM),
          fc.constantFrom('-', '_', ' ', '=', '+', '/', '.', 'é', '…', '\0', '\n', 'Ａ'),
        ),
        (tk, at, ch) => {
          fc.pre(ch !== tk[at]);
          return !tokenLooksValid(tk.slice(0, at) + ch + tk.slice(at + 1));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: two adjacent characters swapped (when different) are rejected', () => {
    fc.assert(
      fc.property(fc.constantFrom(...tokens), fc.nat({ max: TOKEN_LENGTH - 2 }), (tk, at) => {
        fc.pre(tk[at] !== tk[at + 1]);
        const swapped = tk.slice(0, at) + tk[at + 1] + tk[at] + tk.slice(at + 2);
        return !tokenLooksValid(swapped);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: a character dropped or added anywhere gives a wrong length, rejected', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...tokens),
        fc.nat({ max: TOKEN_LENGTH }),
        fc.constantFrom(...ALNUM),
        (tk, at, ch) => {
          const dropped = tk.slice(0, Math.min(at, TOKEN_LENGTH - 1)) + tk.slice(Math.min(at, TOKEN_LENGTH - 1) + 1);
          const added = tk.slice(0, at) + ch + tk.slice(at);
          return !tokenLooksValid(dropped) && !tokenLooksValid(added);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects wrong lengths, wrong prefixes, whitespace and other junk', () => {
    const tk = tokens[0]!;
    for (const bad of [
      '',
      'gwt',
      tk.slice(0, -1),
      `${tk}A`,
      `${tk}${tk}`,
      ` ${tk}`,
      `${tk}\n`,
      `GWT${tk.slice(3)}`,
      `xyz${tk.slice(3)}`,
      tk.slice(3),
      'a'.repeat(52),
      `gwt${'0'.repeat(49)}`,
      // A Moodle-style token (32 hex characters) is not a Gatehouse token.
      'd41d8cd98f00b204e9800998ecf8427e',
    ]) {
      expect(tokenLooksValid(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('hashToken and hashesEqual', () => {
  const key1 = randomBytes(32);
  const key2 = randomBytes(32);

  it('is HMAC-SHA-256 under the server secret, in base64url, and depends on the key', () => {
    const tk = generateToken();
    const h = hashToken(key1, tk);
    expect(h).toBe(createHmac('sha256', key1).update(tk).digest('base64url'));
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken(key1, tk)).toBe(h);
    expect(hashToken(key2, tk)).not.toBe(h);
    expect(hashToken(key1, generateToken())).not.toBe(h);
    expect(h).not.toContain(tk.slice(3, 10));
  });

  it('equals crypto.createHmac for any key length (shorter, equal to and longer than the 64-byte block) and any text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.string({ unit: 'binary' }), (key, text) => {
        const secret = Buffer.from(key);
        expect(hashToken(secret, text)).toBe(createHmac('sha256', secret).update(text, 'utf8').digest('base64url'));
      }),
      { numRuns: 300 },
    );
  });

  it('equals crypto.createHmac one after another for texts around and beyond the reused buffer (192 bytes), multi-byte ones too', () => {
    const secret = randomBytes(32);
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀'), minLength: 40, maxLength: 260 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (texts) => {
          for (const text of texts)
            expect(hashToken(secret, text)).toBe(createHmac('sha256', secret).update(text, 'utf8').digest('base64url'));
        },
      ),
      { numRuns: 200 },
    );
  });

  // hashesEqual is the last check of a token lookup, and it is meant to take the same time
  // wherever two hashes differ (node:crypto's timingSafeEqual). That time is not observed here
  // (no timed tests); what is: it compares every character, so a hash right but for one
  // character anywhere (first, middle, last) is refused. That a token whose stored form begins
  // like a real one's is refused like any other, and that lookups go by hash, is shown through
  // the protocol servers in token-lookup.test.ts.
  it('property: a hash that differs from the stored one in any single character is not equal', () => {
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(
        fc.constantFrom(...Array.from({ length: 20 }, () => hashToken(key1, generateToken()))),
        fc.nat({ max: 42 }),
        fc.constantFrom(...B64URL),
        (h, at, ch) => {
          fc.pre(h[at] !== ch);
          return !hashesEqual(h, h.slice(0, at) + ch + h.slice(at + 1)) && hashesEqual(h, `${h}`);
        },
      ),
      { numRuns: 2000 },
    );
    const h = hashToken(key1, generateToken());
    // The same number of characters, but not of bytes: refused, without throwing.
    expect(hashesEqual(h, `é${h.slice(1)}`)).toBe(false);
  });

  it('equal hashes are equal; different ones, and different lengths, are not (without throwing)', () => {
    const a = hashToken(key1, generateToken());
    const b = hashToken(key1, generateToken());
    expect(hashesEqual(a, `${a}`)).toBe(true);
    expect(hashesEqual(a, b)).toBe(false);
    expect(hashesEqual(a, `${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(hashesEqual(a, a.slice(0, -1))).toBe(false);
    expect(hashesEqual(a, `${a}x`)).toBe(false);
    expect(hashesEqual(a, '')).toBe(false);
    expect(hashesEqual('', '')).toBe(true);
  });

  it('the display stub shows the prefix, four characters, an ellipsis and the last four only', () => {
    const tk = generateToken();
    const stub = tokenStub(tk);
    expect(stub).toBe(`${tk.slice(0, 7)}…${tk.slice(-4)}`);
    expect(stub).toHaveLength(12);
    expect(stub).not.toContain(tk.slice(7, 12));
  });
});

describe('loadServerSecret', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'gatehouse-secret-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates a 0600 file of 32 random bytes on first start, and reuses it afterwards', () => {
    const dir = join(tmp(), 'nested', 'data');
    const first = loadServerSecret(dir);
    const file = join(dir, 'token-secret.key');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first).toHaveLength(32);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
    const content = readFileSync(file, 'utf8');
    const again = loadServerSecret(dir);
    expect(again.equals(first)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(loadServerSecret(tmp()).equals(first)).toBe(false);
  });

  it('refuses a damaged (too short) secret file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'token-secret.key'), `${randomBytes(16).toString('base64')}\n`);
    expect(() => loadServerSecret(dir)).toThrow(/at least 32 bytes/);
  });

  it('takes GATEHOUSE_TOKEN_SECRET in hex (at least 32 bytes), without writing a file', () => {
    const dir = tmp();
    const raw = randomBytes(32);
    expect(loadServerSecret(dir, raw.toString('hex')).equals(raw)).toBe(true);
    expect(loadServerSecret(dir, raw.toString('hex').toUpperCase()).equals(raw)).toBe(true);
    const longer = randomBytes(48);
    expect(loadServerSecret(dir, longer.toString('hex')).equals(longer)).toBe(true);
    expect(existsSync(join(dir, 'token-secret.key'))).toBe(false);
  });

  it('takes GATEHOUSE_TOKEN_SECRET in base64 (at least 32 bytes)', () => {
    const dir = tmp();
    // A value that is not hex (it has "+" and "/"): base64.
    let raw = randomBytes(32);
    while (!/[+/]/.test(raw.toString('base64'))) raw = randomBytes(32);
    expect(loadServerSecret(dir, raw.toString('base64')).equals(raw)).toBe(true);
    const longer = randomBytes(40);
    expect(loadServerSecret(dir, longer.toString('base64')).equals(longer)).toBe(true);
    expect(existsSync(join(dir, 'token-secret.key'))).toBe(false);
  });

  it.each([
    ['31 bytes of hex', randomBytes(31).toString('hex')],
    ['31 bytes of base64', randomBytes(31).toString('base64')],
    ['a short password', 'secret'],
  ])('refuses a GATEHOUSE_TOKEN_SECRET of %s', (_label, value) => {
    expect(() => loadServerSecret(tmp(), value)).toThrow(
      /GATEHOUSE_TOKEN_SECRET must (hold at least 32 bytes|be hex or base64)/,
    );
  });

  it('refuses a long passphrase that is neither hex nor base64 (loose base64 decoding would accept it)', () => {
    expect(() => loadServerSecret(tmp(), 'correct horse battery staple, and then some more words!')).toThrow(
      'GATEHOUSE_TOKEN_SECRET must be hex or base64',
    );
  });

  it('tokens hashed under different server secrets do not match', () => {
    const tk = generateToken();
    const a = loadServerSecret(tmp());
    const b = loadServerSecret(tmp());
    expect(hashesEqual(hashToken(a, tk), hashToken(b, tk))).toBe(false);
    expect(hashesEqual(hashToken(a, tk), hashToken(a, tk))).toBe(true);
  });
});
