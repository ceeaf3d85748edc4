import { describe, expect, it } from 'vitest';
import { expiryText, isoTime, relativeTime } from './format';

const NOW = 1_800_000_000;
const DAY = 86400;

describe('relative times (tokens list and security keys)', () => {
  it.each([
    [NOW + 2 * DAY, 'expires in 2 days'],
    [NOW + 2 * DAY + 3600, 'expires in 2 days'],
    [NOW + 2 * DAY - 60, 'expires in 2 days'],
    [NOW + 23 * 3600, 'expires in 23 hours'],
    [NOW + DAY, 'expires in 1 day'],
    [NOW + 5 * 3600, 'expires in 5 hours'],
    [NOW + 70, 'expires in 1 minute'],
    [NOW + 10, 'expires in less than a minute'],
    [NOW - 3 * DAY, 'expired 3 days ago'],
    [NOW - 10 * DAY, 'expired 10 days ago'],
    [NOW - 15 * DAY, 'expired 2 weeks ago'],
    [NOW + 90 * DAY, 'expires in 3 months'],
    [NOW + 400 * DAY, 'expires in 1 year'],
    [NOW, 'expired less than a minute ago'],
    [null, 'no expiry'],
  ])('%s → %s', (validUntil, text) => {
    expect(expiryText(validUntil, NOW)).toBe(text);
  });

  it('says when, either way', () => {
    expect(relativeTime(NOW - 7200, NOW)).toBe('2 hours ago');
    expect(relativeTime(NOW + 7200, NOW)).toBe('in 2 hours');
  });

  it('gives the exact time as ISO 8601 in UTC', () => {
    expect(isoTime(1_700_000_000)).toBe('2023-11-14T22:13:20Z');
  });
});
