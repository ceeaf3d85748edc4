import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('FailureLimiter', () => {
  it('allows max failures in the window, then tells how long to wait', () => {
    const c = clock();
    const lim = new FailureLimiter(3, 60_000, c.now);
    for (let i = 0; i < 3; i++) {
      expect(lim.retryAfter('k')).toBe(0);
      lim.fail('k');
      c.t += 1000;
    }
    // Failures at 0 s, 1 s, 2 s; now 3 s: the oldest leaves the window at 60 s.
    expect(lim.retryAfter('k')).toBe(57);
    expect(lim.retryAfter('other')).toBe(0);
    c.t += 56_999;
    expect(lim.retryAfter('k')).toBe(1);
    c.t += 1;
    expect(lim.retryAfter('k')).toBe(0);
  });

  it('reset forgets a key', () => {
    const c = clock();
    const lim = new FailureLimiter(2, 60_000, c.now);
    lim.fail('k');
    lim.fail('k');
    expect(lim.retryAfter('k')).toBeGreaterThan(0);
    lim.reset('k');
    expect(lim.retryAfter('k')).toBe(0);
  });

  it('the window slides: old failures stop counting one by one', () => {
    const c = clock();
    const lim = new FailureLimiter(2, 10_000, c.now);
    lim.fail('k'); // t=0
    c.t += 6000;
    lim.fail('k'); // t=6 s
    expect(lim.retryAfter('k')).toBe(4);
    c.t += 4000; // t=10 s: the first failure has left the window
    expect(lim.retryAfter('k')).toBe(0);
    lim.fail('k'); // t=10 s
    expect(lim.retryAfter('k')).toBe(6); // until the t=6 s failure leaves
  });

  it('property: an attacker obeying retryAfter never gets more than max failures into any window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1_000, max: 120_000 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 30_000 }), key: fc.constantFrom('a', 'b') }), {
          maxLength: 120,
        }),
        (max, windowMs, steps) => {
          const c = clock();
          const lim = new FailureLimiter(max, windowMs, c.now);
          const allowed: Record<string, number[]> = { a: [], b: [] };
          for (const s of steps) {
            c.t += s.dt;
            const wait = lim.retryAfter(s.key);
            expect(wait).toBeGreaterThanOrEqual(0);
            if (wait === 0) {
              lim.fail(s.key);
              allowed[s.key]!.push(c.t);
            } else {
              // Not overly strict: there really are max failures in the last window...
              const recent = allowed[s.key]!.filter((t) => t > c.t - windowMs);
              expect(recent.length).toBeGreaterThanOrEqual(max);
              // ...and waiting the advertised time is enough.
              let pt = 0;
              const probe = new FailureLimiter(max, windowMs, () => pt);
              for (const t of recent) {
                pt = t;
                probe.fail(s.key);
              }
              pt = c.t + wait * 1000;
              expect(probe.retryAfter(s.key)).toBe(0);
            }
          }
          for (const times of Object.values(allowed)) {
            for (const t of times) {
              const inWindow = times.filter((u) => u > t - windowMs && u <= t).length;
              expect(inWindow).toBeLessThanOrEqual(max);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
