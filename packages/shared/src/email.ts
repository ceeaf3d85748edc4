import { z } from 'zod';

// One strict rule for email addresses, wherever Gatehouse accepts one: the console's forms and
// routes (users, hub settings, hub sites and courses) and the web-service parameter type
// `email` (PARAM_EMAIL). It is narrower than RFC 5322 on purpose: what it accepts can be shown,
// stored and put in a mailto: link as it is, with nothing a mail client or a browser would read
// as something else.
//
// - local part: letters, digits and . _ ' + - (no leading, trailing or doubled dot), at most
//   64 characters. No quoted strings, no comments, and none of ? & # % / = , ; : < > " \ or
//   spaces, which a mailto: URL reads as headers, fragments, escapes or separators;
// - domain: at least two dot-separated labels of letters, digits and inner hyphens (1 to 63
//   characters each), the last one letters only (or an xn-- label); no IP literals, no trailing
//   dot. An international domain is written in its ASCII (xn--) form;
// - at most 254 characters in all (RFC 5321's path limit less the angle brackets).

const LOCAL = /^[A-Za-z0-9_'+-]+(\.[A-Za-z0-9_'+-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LABEL = /^([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

const EMAIL_MAX_LENGTH = 254;

/** What a form says next to an address that is refused. */
const EMAIL_MESSAGE = 'Enter a valid email address';

/** The rule in full, for error details (web services) and hints. */
export const EMAIL_RULE =
  "an address such as name@example.org: letters, digits and . _ ' + - before the @, a domain name after it (an international one in its xn-- form)";

/** Whether the string is exactly one email address under the strict rule (no trimming). */
export function isEmail(value: string): boolean {
  if (typeof value !== 'string' || value.length > EMAIL_MAX_LENGTH) return false;
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  if (domain.length > 253) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const top = labels[labels.length - 1] as string;
  return labels.every((l) => LABEL.test(l)) && TOP_LABEL.test(top);
}

/** A required email address: trimmed, then the strict rule. */
export const emailSchema = z
  .string()
  .trim()
  .min(1, 'Email address is required')
  .max(EMAIL_MAX_LENGTH, `At most ${EMAIL_MAX_LENGTH} characters`)
  .refine(isEmail, EMAIL_MESSAGE);

/** An email address or nothing ('' clears it). */
export const emailOrEmptySchema = z
  .string()
  .trim()
  .max(EMAIL_MAX_LENGTH, `At most ${EMAIL_MAX_LENGTH} characters`)
  .refine((v) => v === '' || isEmail(v), EMAIL_MESSAGE);

/**
 * The mailto: link for an address, or undefined when the value is not one valid address: the
 * only way the console builds a mailto: link, so a stored value can never add headers (?bcc=)
 * or more recipients.
 */
export function mailtoHref(value: string | null | undefined): string | undefined {
  if (!value || !isEmail(value)) return undefined;
  return `mailto:${encodeURIComponent(value).replace(/%40/g, '@')}`;
}
