import { describe, expect, it } from 'vitest';
import { functionSearchFields, parseWordQuery, stemWord, toSearchable, wordSearch } from './word-search';

const fns = [
  { name: 'core_group_create_groups', component: 'core_group', description: 'Creates new groups.' },
  { name: 'core_group_get_groups', component: 'core_group', description: 'Returns group details.' },
  { name: 'core_user_create_users', component: 'core_user', description: 'Create users.' },
  { name: 'core_course_get_categories', component: 'core_course', description: 'Return category details' },
  { name: 'core_webservice_get_site_info', component: 'core_webservice', description: 'Return some site info.' },
];
const search = wordSearch(fns, functionSearchFields);
const names = (q: string) => search(q).map((f) => f.name);

describe('word search of functions', () => {
  it('finds core_group_create_groups by its words in any order, plural or not', () => {
    for (const q of ['create group', 'groups create', 'Create Groups', 'group create', 'core_group_create_groups']) {
      expect(names(q), q).toContain('core_group_create_groups');
    }
    expect(names('create group')).toEqual(['core_group_create_groups']);
    expect(names('groups create')).toEqual(['core_group_create_groups']);
  });

  it('needs every word to match', () => {
    expect(names('create')).toEqual(['core_group_create_groups', 'core_user_create_users']);
    expect(names('create course')).toEqual([]);
    expect(names('get group')).toEqual(['core_group_get_groups']);
  });

  it('reads the description and the component too', () => {
    expect(names('details')).toEqual(['core_group_get_groups', 'core_course_get_categories']);
    // "categories" and "category" stem alike; the description says "category".
    expect(names('category')).toEqual(['core_course_get_categories']);
    expect(names('core_webservice')).toEqual(['core_webservice_get_site_info']);
  });

  it('matches the start of a word as one types, and a part of a name', () => {
    expect(names('crea gro')).toEqual(['core_group_create_groups']);
    expect(names('oup_cre')).toEqual(['core_group_create_groups']);
    expect(names('site_in')).toEqual(['core_webservice_get_site_info']);
  });

  it('a blank query or one of punctuation only matches everything, in order', () => {
    expect(names('')).toEqual(fns.map((f) => f.name));
    expect(names('  _ ')).toEqual(fns.map((f) => f.name));
  });

  it('does not match words inside descriptions by their middle', () => {
    // "reates" is inside "Creates" (a description), not the start of a word.
    expect(names('reates')).toEqual([]);
  });
});

describe('the pieces', () => {
  it('stems plurals lightly', () => {
    expect(['groups', 'capabilities', 'users', 'class', 'gas', 'is', 'info'].map(stemWord)).toEqual([
      'group',
      'capability',
      'user',
      'class',
      'gas',
      'is',
      'info',
    ]);
  });

  it('splits at underscores and punctuation', () => {
    expect(parseWordQuery('Core_Group, create-groups').words).toEqual(['core', 'group', 'create', 'group']);
    expect(toSearchable(['a_b'], ['C d.']).words).toEqual(['a', 'b', 'c', 'd']);
  });
});
