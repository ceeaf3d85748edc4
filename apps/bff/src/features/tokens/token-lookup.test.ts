import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalTokens } from '../../db/schema';
import { makeWsSite, type RawResponse, rawRequest, type WsSite } from '../../fuzz/fuzz-helpers';
import { generateToken, hashToken } from './token-secret';

// Constant-time comparison, and what stands in for it here. A token check that compared what a
// client sent with a stored secret character by character, stopping at the first difference,
// would let the client learn from response times how much of a real token it had right. Those
// times are not observed in these tests (timed tests are barred: on shared machines they are
// flaky and prove little). What is observed is the behaviour that leaves nothing to learn:
// - lookups go by hash: the server finds a token's row by the HMAC (under the server secret) of
//   what the client sent, never by the secret, its stub or a part of either; give a row the HMAC
//   of another secret, and that other secret is the one that works;
// - a token whose stored form begins like a real token's (a forged token, found by search, whose
//   HMAC starts with the same characters as the real one's) is refused exactly as an unrelated
//   token is: the same status and the same bytes, whether or not the real token's row is in the
//   access cache, and nothing is counted against the real token.
// The comparison itself (hashesEqual, over node:crypto's timingSafeEqual) is tested for its
// results in token-secret.test.ts; that it takes the same time wherever two hashes differ is not
// tested anywhere.

let site: WsSite;
let stored: string;

beforeAll(async () => {
  site = await makeWsSite();
  stored = hashToken(site.t.deps.tokenSecret, site.secret);
});
afterAll(() => site?.t.close());

const siteInfo = (token: string): Promise<RawResponse> =>
  rawRequest(site.t.app, 'POST', '/webservice/rest/server.php', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      wstoken: token,
      wsfunction: 'core_webservice_get_site_info',
      moodlewsrestformat: 'json',
    }).toString(),
  });

/** What a client can compare of two answers. */
const seen = (r: RawResponse) => ({ status: r.status, type: r.type, text: r.text });

/** A well-formed token (it passes the checksum, so the server looks it up) whose HMAC starts like `hash`. */
function forgedLike(hash: string, prefix: number): string {
  for (let i = 0; i < 1_000_000; i++) {
    const candidate = generateToken();
    if (hashToken(site.t.deps.tokenSecret, candidate).startsWith(hash.slice(0, prefix))) return candidate;
  }
  throw new Error('no forged token found');
}

function unrelatedTo(hash: string): string {
  for (;;) {
    const candidate = generateToken();
    if (hashToken(site.t.deps.tokenSecret, candidate)[0] !== hash[0]) return candidate;
  }
}

describe('token lookup', () => {
  it('stores the HMAC of the token, which is what a client’s token is looked up by', async () => {
    const row = (
      await site.t.store.db.select().from(externalTokens).where(eq(externalTokens.id, site.tokenId)).limit(1)
    ).at(0);
    expect(row?.tokenHash).toBe(stored);
  });

  it('refuses a token whose HMAC begins like a real token’s exactly as an unrelated one, cold and cached', async () => {
    // Two base64url characters (12 bits) of the stored form right: a few thousand tries.
    const forged = forgedLike(stored, 2);
    expect(forged).not.toBe(site.secret);
    expect(hashToken(site.t.deps.tokenSecret, forged).slice(0, 2)).toBe(stored.slice(0, 2));
    const unrelated = unrelatedTo(stored);

    // Cold: nothing cached yet.
    site.t.deps.gen.bump();
    const coldForged = await siteInfo(forged);
    const coldUnrelated = await siteInfo(unrelated);
    expect(JSON.parse(coldForged.text)).toMatchObject({ errorcode: 'invalidtoken' });
    expect(seen(coldForged)).toEqual(seen(coldUnrelated));

    // Warm: the real token has just been used, so its row is in the access cache.
    const ok = await siteInfo(site.secret);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ username: 'admin' });
    const warmForged = await siteInfo(forged);
    expect(seen(warmForged)).toEqual(seen(await siteInfo(unrelated)));
    expect(seen(warmForged)).toEqual(seen(coldForged));

    // Nothing of the forged calls was counted against the real token: one call, no error.
    expect(site.t.deps.usage.peek(site.tokenId)).toMatchObject({ calls: 1 });
    expect(site.t.deps.usage.peek(site.tokenId)?.lastError).toBeUndefined();
  });

  it('finds the row by the HMAC of the presented token, and by nothing else of it', async () => {
    const other = generateToken();
    const setHash = async (tokenHash: string) => {
      await site.t.store.db.update(externalTokens).set({ tokenHash }).where(eq(externalTokens.id, site.tokenId));
      site.t.deps.gen.bump();
    };
    await setHash(hashToken(site.t.deps.tokenSecret, other));
    try {
      // The row keeps its stub, id and everything else of the real token: only its hash moved.
      const byOther = await siteInfo(other);
      expect(byOther.status).toBe(200);
      expect(JSON.parse(byOther.text)).toMatchObject({ username: 'admin' });
      expect(JSON.parse((await siteInfo(site.secret)).text)).toMatchObject({ errorcode: 'invalidtoken' });
    } finally {
      await setHash(stored);
    }
    expect(JSON.parse((await siteInfo(site.secret)).text)).toMatchObject({ username: 'admin' });
    expect(JSON.parse((await siteInfo(other)).text)).toMatchObject({ errorcode: 'invalidtoken' });
  });
});
