import { describe, expect, it } from 'vitest';
import { emailOrEmptySchema, emailSchema, isEmail, mailtoHref } from './email';
import { cleanScalar } from './external';
import { hubCourseUpdateSchema, hubSettingsPatchSchema, hubSiteUpdateSchema } from './hub';
import { userCreateSchema, userUpdateSchema } from './users';

// The one strict email rule, and every schema that takes an address using it.

const VALID = [
  'a@b.example',
  'first.last@example.org',
  "o'brien@example.ie",
  'name+tag@mail.example.com',
  'under_score-dash@sub-domain.example.co.uk',
  'x@xn--bcher-kva.example',
  'UPPER@EXAMPLE.ORG',
  `${'l'.repeat(64)}@example.org`,
];

const INVALID = [
  // Headers and more recipients in a mailto: link.
  'a@b.example?bcc=victim@evil.example',
  'a@b.example?bcc=x',
  'a?bcc=x@b.example',
  'a&cc=x@b.example',
  'a%0Abcc@b.example',
  'a@b.example#x',
  'a,b@c.example',
  'a@b.example,c@d.example',
  'a;b@c.example',
  'a/b@c.example',
  'a=b@c.example',
  // Markup, quotes, spaces, controls.
  '<a@b.example>',
  '"a b"@c.example',
  'a b@c.example',
  'a@b.example\n',
  'a\r\nbcc: x@b.example',
  'a@b.exa mple',
  // Shapes.
  '',
  'plain',
  '@b.example',
  'a@',
  'a@@b.example',
  'a@b@c.example',
  '.a@b.example',
  'a.@b.example',
  'a..b@c.example',
  'root@localhost',
  'a@b.example.',
  'a@.b.example',
  'a@b..example',
  'a@-b.example',
  'a@b-.example',
  'a@b.e',
  'a@b.123',
  'a@[192.0.2.1]',
  'a@192.0.2.1',
  'a@bücher.example',
  'ü@b.example',
  `${'l'.repeat(65)}@example.org`,
  `a@${'d'.repeat(64)}.example`,
  `a@${'d.'.repeat(130)}example`,
];

describe('isEmail', () => {
  it.each(VALID)('accepts %j', (v) => expect(isEmail(v)).toBe(true));
  it.each(INVALID)('refuses %j', (v) => expect(isEmail(v)).toBe(false));
});

describe('the web-service type email (PARAM_EMAIL)', () => {
  it('accepts valid addresses and the empty string, as Moodle does', () => {
    for (const v of [...VALID, '']) expect(cleanScalar('email', v)).toBe(v);
  });
  it.each(INVALID.filter((v) => v !== ''))('refuses %j', (v) => expect(cleanScalar('email', v)).toBeUndefined());
});

describe('mailtoHref', () => {
  it('builds a link only from one valid address', () => {
    expect(mailtoHref('a@b.example')).toBe('mailto:a@b.example');
    expect(mailtoHref("o'brien+x@b.example")).toBe("mailto:o'brien%2Bx@b.example");
    for (const v of INVALID) expect(mailtoHref(v)).toBeUndefined();
    expect(mailtoHref(null)).toBeUndefined();
    expect(mailtoHref(undefined)).toBeUndefined();
  });
});

describe('every schema that takes an address uses the strict rule', () => {
  const bad = 'a@b.example?bcc=victim@evil.example';
  const alsoBad = 'a?bcc=x@b.example';
  it('the schemas themselves: required, or empty allowed', () => {
    expect(emailSchema.safeParse(' a@b.example ').data).toBe('a@b.example');
    expect(emailSchema.safeParse('').success).toBe(false);
    expect(emailOrEmptySchema.safeParse('').data).toBe('');
    for (const v of [bad, alsoBad]) {
      expect(emailSchema.safeParse(v).success).toBe(false);
      expect(emailOrEmptySchema.safeParse(v).success).toBe(false);
    }
  });
  it('hub settings, hub site settings and hub course settings', () => {
    for (const v of [bad, alsoBad]) {
      expect(hubSettingsPatchSchema.safeParse({ contactEmail: v }).success).toBe(false);
      expect(hubSiteUpdateSchema.safeParse({ contactEmail: v }).success).toBe(false);
      expect(hubCourseUpdateSchema.safeParse({ publisherEmail: v }).success).toBe(false);
    }
    expect(hubSettingsPatchSchema.safeParse({ contactEmail: 'hub@hub.example' }).success).toBe(true);
    expect(hubSiteUpdateSchema.safeParse({ contactEmail: '' }).success).toBe(true);
  });
  it('console users: create and update', () => {
    const user = {
      username: 'pat',
      firstname: 'Pat',
      lastname: 'Doe',
      email: 'pat@example.org',
      auth: 'manual',
      suspended: false,
      confirmed: true,
      passwordExpired: false,
      siteAdmin: false,
      password: 'Secret-pass-1',
    };
    expect(userCreateSchema.safeParse(user).success).toBe(true);
    for (const v of [alsoBad, 'a&cc=x@b.example', "a'@b.example?x"]) {
      expect(userCreateSchema.safeParse({ ...user, email: v }).success).toBe(false);
      expect(userUpdateSchema.safeParse({ email: v }).success).toBe(false);
    }
  });
});
