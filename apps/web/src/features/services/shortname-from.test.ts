import { describe, expect, it } from 'vitest';
import { shortnameFrom } from './service-form';

describe('shortnameFrom (Add service fills the short name from the name)', () => {
  it('gives lowercase letters, digits and underscores, as the short name schema wants', () => {
    expect(shortnameFrom('Group sync')).toBe('group_sync');
    expect(shortnameFrom('  Élève -- Sync 2  ')).toBe('eleve_sync_2');
    expect(shortnameFrom('***')).toBe('');
    expect(shortnameFrom('a'.repeat(150))).toHaveLength(100);
  });
});
