import { describe, expect, it } from 'vitest';
import { moodleExceptionOf } from '../webservice/exceptions';
import { DomainError, ERROR_CODES } from './errors';
import { httpStatusOf } from './http-status';

describe('the one error model', () => {
  it('maps every domain error to an HTTP error status and a Moodle error code', () => {
    for (const code of ERROR_CODES) {
      const err = new DomainError(code, 'Refused');
      expect(httpStatusOf(err)).toBeGreaterThanOrEqual(400);
      const moodle = moodleExceptionOf(err);
      expect(moodle.errorcode).toMatch(/^[a-z]+$/);
      expect(moodle.message.length).toBeGreaterThan(0);
    }
  });

  it('reports a refusal of a feature rule to Moodle clients with Moodle’s error codes', () => {
    expect(moodleExceptionOf(new DomainError('forbidden', 'No')).errorcode).toBe('nopermissions');
    expect(moodleExceptionOf(new DomainError('notfound', 'User not found'))).toMatchObject({
      exception: 'dml_missing_record_exception',
      errorcode: 'invalidrecord',
    });
    expect(moodleExceptionOf(new DomainError('invalid', 'Bad name'))).toMatchObject({
      exception: 'invalid_parameter_exception',
      errorcode: 'invalidparameter',
      debuginfo: 'Bad name',
    });
  });

  it('answers the console’s statuses', () => {
    expect(httpStatusOf(new DomainError('invalid', 'x'))).toBe(400);
    expect(httpStatusOf(new DomainError('unauthenticated', 'x'))).toBe(401);
    expect(httpStatusOf(new DomainError('forbidden', 'x'))).toBe(403);
    expect(httpStatusOf(new DomainError('notfound', 'x'))).toBe(404);
    expect(httpStatusOf(new DomainError('conflict', 'x'))).toBe(409);
    expect(httpStatusOf(new DomainError('toomanyattempts', 'x'))).toBe(429);
    expect(httpStatusOf(new DomainError('sitemaintenance', 'x'))).toBe(503);
  });
});
