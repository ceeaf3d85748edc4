import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses } from '../../db/schema';
import { FUNCTIONS } from './index';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest } from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const cs101 = async () =>
  (await t.deps.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, 'CS101')).limit(1)).at(0)
    ?.id as number;

describe('moodle_group_create_groups', () => {
  const legacy = FUNCTIONS.find((f) => f.name === 'moodle_group_create_groups');
  const current = FUNCTIONS.find((f) => f.name === 'core_group_create_groups');

  it('is deprecated in favour of core_group_create_groups, with the same description model', () => {
    expect(legacy?.deprecated).toEqual({ since: '2.2', replacedBy: 'core_group_create_groups' });
    expect(legacy?.description).toMatch(/^DEPRECATED/);
    expect(legacy?.parameters).toEqual(current?.parameters);
    expect(legacy?.returns).toEqual(current?.returns);
    expect(legacy?.capabilities).toEqual(current?.capabilities);
    expect(current?.deprecated).toBeUndefined();
  });

  it('still creates groups', async () => {
    const out = await callFunction(t.deps, 'moodle_group_create_groups', 'teacher', {
      groups: [{ courseid: await cs101(), name: 'Legacy group', description: 'made the old way' }],
    });
    expect(out).toEqual([
      expect.objectContaining({
        courseid: await cs101(),
        name: 'Legacy group',
        description: 'made the old way',
        descriptionformat: 1,
      }),
    ]);
  });

  it('behaves as the new name on errors', async () => {
    const e1 = await callError(t.deps, 'moodle_group_create_groups', 'student', {
      groups: [{ courseid: await cs101(), name: 'X', description: '' }],
    });
    expect(e1.errorcode).toBe('nopermissions');
    const e2 = await callError(t.deps, 'moodle_group_create_groups', 'teacher', {
      groups: [{ courseid: await cs101(), name: 'Group A', description: '' }],
    });
    expect(e2).toMatchObject({
      errorcode: 'invalidparameter',
      debuginfo: 'Group with the same name already exists in the course',
    });
  });
});
