import { describe, expect, it } from 'vitest';
import { checkPassword, HASHES_AT_ONCE, hashesRunning, hashPassword, verifyPassword } from './password';

// Argon2id hashes and verifications run at most one per core at a time (each holds 19 MiB and a
// core): a burst of logins waits its turn, and every one of them still gets its right answer.

describe('password hashing', () => {
  it('runs at most one hash per core at once, and answers every caller rightly', async () => {
    const stored = await hashPassword('Correct-horse-1');
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, hashesRunning());
    }, 1);
    const burst = Array.from({ length: HASHES_AT_ONCE * 4 }, (_, i) =>
      i % 2 ? verifyPassword(stored, 'Correct-horse-1') : checkPassword(stored, 'wrong'),
    );
    // Sampled while the burst runs too: the limit holds from the first call on.
    most = Math.max(most, hashesRunning());
    const answers = await Promise.all(burst);
    clearInterval(watch);
    expect(answers).toEqual(Array.from({ length: HASHES_AT_ONCE * 4 }, (_, i) => i % 2 === 1));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(HASHES_AT_ONCE);
  });
});
