import { describe, expect, it } from 'vitest';
import { hubPrivacyOf, hubSettingsPatchSchema, hubSiteListQuerySchema } from './hub';

// The hub's privacy in local_hub's names (local/hub/lib.php: HUBPRIVATE 'private',
// HUBALLOWPUBLICSEARCH 'public', HUBALLOWGLOBALSEARCH 'search'), and Gatehouse's old name.

describe('hub privacy values', () => {
  it.each([
    ['private', 'private'],
    ['public', 'public'],
    ['search', 'search'],
    ['publicsearch', 'search'],
    ['everyone', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j reads as %j', (v, expected) => {
    expect(hubPrivacyOf(v)).toBe(expected);
  });

  it('the settings patch takes the old name and gives the new one; anything else is refused', () => {
    expect(hubSettingsPatchSchema.parse({ privacy: 'publicsearch' })).toEqual({ privacy: 'search' });
    expect(hubSettingsPatchSchema.parse({ privacy: 'search' })).toEqual({ privacy: 'search' });
    const bad = hubSettingsPatchSchema.safeParse({ privacy: 'everyone' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe('private, public or search');
  });

  it('sites are listed registered (pending and confirmed) unless another status is asked for', () => {
    expect(hubSiteListQuerySchema.parse({}).status).toBe('registered');
    expect(hubSiteListQuerySchema.parse({ status: 'unregistered' }).status).toBe('unregistered');
    expect(hubSiteListQuerySchema.safeParse({ status: 'deleted' }).success).toBe(false);
  });
});
