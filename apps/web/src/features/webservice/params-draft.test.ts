import type { ExternalSingle } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { argsDraftFrom, initialArgsDraft, missingRequired } from './params-draft';

// core_group_create_groups' parameters, as the catalogue describes them (trimmed).
const params: ExternalSingle = {
  kind: 'single',
  presence: 'required',
  keys: {
    groups: {
      kind: 'multiple',
      presence: 'required',
      content: {
        kind: 'single',
        presence: 'required',
        keys: {
          courseid: { kind: 'value', type: 'int', presence: 'required', allowNull: false },
          name: { kind: 'value', type: 'text', presence: 'required', allowNull: false },
          description: { kind: 'value', type: 'raw', presence: 'required', allowNull: false },
          visibility: { kind: 'value', type: 'int', presence: 'default', default: 0, allowNull: false },
          idnumber: { kind: 'value', type: 'raw', presence: 'optional', allowNull: false },
        },
      },
    },
    options: {
      kind: 'single',
      presence: 'optional',
      keys: { flag: { kind: 'value', type: 'text', presence: 'required', allowNull: false } },
    },
  },
} as unknown as ExternalSingle;

describe('missingRequired', () => {
  it('names the empty required values of every list item, by path', () => {
    expect(missingRequired(params, initialArgsDraft(params))).toEqual([
      'groups[0].courseid',
      'groups[0].name',
      'groups[0].description',
    ]);
  });

  it('is empty once they are filled in; optional parts left out are not looked into', () => {
    const filled = argsDraftFrom(params, { groups: [{ courseid: 2, name: 'A', description: 'd' }] });
    expect(missingRequired(params, filled)).toEqual([]);
    const second = argsDraftFrom(params, {
      groups: [{ courseid: 2, name: 'A', description: 'd' }, { courseid: 3 }],
      options: {},
    });
    expect(missingRequired(params, second)).toEqual(['groups[1].name', 'groups[1].description', 'options.flag']);
  });

  it('white space alone does not count as filled in', () => {
    const blank = argsDraftFrom(params, { groups: [{ courseid: 2, name: '  ', description: 'd' }] });
    expect(missingRequired(params, blank)).toEqual(['groups[0].name']);
  });
});
