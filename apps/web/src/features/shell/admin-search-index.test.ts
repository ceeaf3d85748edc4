import type { MeDto } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { searchAdmin } from './admin-search-index';

const admin: MeDto = { id: 2, username: 'admin', fullname: 'Admin User', siteAdmin: true, capabilities: [] };
const manager: MeDto = {
  id: 3,
  username: 'manager',
  fullname: 'Max Manager',
  siteAdmin: false,
  capabilities: ['moodle/user:viewdetails', 'moodle/webservice:managealltokens'],
};

describe('the admin search', () => {
  it('finds a setting by its config name, on the page that has it, first', () => {
    const hits = searchAdmin('enablewebservices', admin);
    expect(hits[0]).toEqual({
      kind: 'setting',
      label: 'Enable web services',
      where: 'Advanced features',
      to: '/admin/advanced-features',
      name: 'enablewebservices',
    });
    // enablemobilewebservice is a different setting: "enablewebservices" is not in its name.
    expect(hits.map((h) => h.name)).toEqual(['enablewebservices']);
  });

  it('finds a setting on every page that shows it (enablemobilewebservice: Advanced features and Mobile)', () => {
    const hits = searchAdmin('enablemobilewebservice', admin);
    expect(hits.map((h) => [h.kind, h.to])).toEqual([
      ['setting', '/admin/advanced-features'],
      ['setting', '/admin/webservice/mobile'],
    ]);
  });

  it('finds pages by title and by their groups, every word in any order, case-insensitive', () => {
    expect(searchAdmin('manage TOKENS', admin)[0]).toEqual({
      kind: 'page',
      label: 'Manage tokens',
      where: 'Plugins › Web services',
      to: '/admin/webservice/tokens',
    });
    const web = searchAdmin('services web', admin).filter((h) => h.kind === 'page');
    // Every page under Web services (by its group), then External services by its own title.
    expect(web.map((h) => h.label)).toContain('Test client');
    expect(web.map((h) => h.label)).toContain('External services');
    // A setting by words of its title.
    expect(searchAdmin('maintenance message', admin).map((h) => h.name)).toContain('maintenance_message');
  });

  it('puts an exact title before the pages and settings that merely contain the words', () => {
    expect(searchAdmin('maintenance mode', admin)[0]).toMatchObject({ kind: 'page', to: '/admin/maintenance' });
    expect(searchAdmin('Debug messages', admin)[0]).toMatchObject({ kind: 'setting', name: 'debug' });
  });

  it('offers only what the user may open', () => {
    expect(searchAdmin('enablewebservices', manager)).toEqual([]);
    expect(searchAdmin('tokens', manager).map((h) => h.to)).toEqual(['/admin/webservice/tokens']);
    expect(searchAdmin('users', manager).map((h) => h.to)).toEqual(['/admin/users']);
    expect(searchAdmin('tokens', null)).toEqual([]);
  });

  it('finds nothing for an empty query or unknown words', () => {
    expect(searchAdmin('   ', admin)).toEqual([]);
    expect(searchAdmin('nosuchsettingatall', admin)).toEqual([]);
  });
});
