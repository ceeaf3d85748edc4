import { describe, expect, it } from 'vitest';
import { builtOnce } from './built-once';

describe('builtOnce', () => {
  it('builds once per key and returns what it built for that key', () => {
    let builds = 0;
    const lengthOf = builtOnce((key: { s: string }) => {
      builds++;
      return () => key.s.length;
    });
    const a = { s: 'abc' };
    const b = { s: 'abcdef' };
    const first = lengthOf(a);
    expect(lengthOf(a)).toBe(first);
    expect(lengthOf(b)).not.toBe(first);
    expect([first(), lengthOf(b)()]).toEqual([3, 6]);
    expect(builds).toBe(2);
  });
});
