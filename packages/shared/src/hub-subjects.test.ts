import { describe, expect, it } from 'vitest';
import { HUB_SUBJECTS, hubSubjectLabel, hubSubjectName } from './hub-subjects';

// Moodle's subject list, lang/en/edufields.php (ASCED 2001 codes), byte for byte.

describe('hub subjects', () => {
  it("holds Moodle's edufields strings, in Moodle's order", () => {
    expect(HUB_SUBJECTS).toHaveLength(439);
    expect(HUB_SUBJECTS[0]).toEqual(['01', 'NATURAL AND PHYSICAL SCIENCES']);
    expect(HUB_SUBJECTS.at(-1)).toEqual(['129999', 'Mixed Field Programmes (other)']);
    // "10" follows "099999": the list keeps Moodle's order (an object would put integer keys first).
    const codes = HUB_SUBJECTS.map(([c]) => c);
    expect(codes.indexOf('10')).toBe(codes.indexOf('099999') + 1);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => /^\d{2}(\d{2}){0,2}$/.test(c))).toBe(true);
  });

  it('names a code, or says it does not know it', () => {
    expect(hubSubjectName('010101')).toBe('Mathematics');
    expect(hubSubjectName('090503')).toBe("Children's Services");
    expect(hubSubjectName('0701')).toBe('TEACHER EDUCATION');
    expect(hubSubjectName('0111')).toBeUndefined();
    expect(hubSubjectName('constructor')).toBeUndefined();
    expect(hubSubjectLabel('070303')).toBe('Education Studies (070303)');
    expect(hubSubjectLabel('0111')).toBe('0111');
    expect(hubSubjectLabel('')).toBe('');
  });
});
