import { LONE_SURROGATE } from '@gatehouse/shared';
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import { every } from 'hono/combine';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { DomainError } from './errors';

/** Turns zod issues into the API's field map: dotted path to the first message for it. */
export function fieldErrors(error: z.core.$ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[[...issue.path, k].join('.')] ??= 'Unknown field';
      continue;
    }
    fields[key] ??= issue.message;
  }
  return fields;
}

const MAX_JSON_DEPTH = 64;
/** U+0000 in text: PostgreSQL's text type cannot hold it, and no stored value has one. */
const NUL_MESSAGE = 'The request holds a NUL character (U+0000), which text may not contain';

/**
 * Walks a parsed body without recursion: 'deep' when nested beyond the limit (the console's
 * schemas are a few levels deep), 'surrogate' when a key or string holds a lone surrogate.
 */
function inspectJson(root: unknown): 'ok' | 'deep' | 'surrogate' | 'nul' {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return 'surrogate';
      if (v.includes('\0')) return 'nul';
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_JSON_DEPTH) return 'deep';
      for (const [k, x] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return 'surrogate';
        if (k.includes('\0')) return 'nul';
        stack.push([x, depth + 1]);
      }
    }
  }
  return 'ok';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body must be declared as JSON, be valid UTF-8 and hold only well-formed strings: a
 * form body would otherwise pass as an empty patch, and bad bytes would be stored replaced.
 */
const jsonBody = createMiddleware(async (c, next) => {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new DomainError('invalid', 'Send a JSON body (Content-Type: application/json)');
  let text: string;
  try {
    text = utf8.decode(await c.req.arrayBuffer());
  } catch {
    throw new DomainError('invalid', 'The request body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DomainError('invalid', 'Malformed JSON in request body');
  }
  const problem = inspectJson(parsed);
  if (problem === 'deep')
    throw new DomainError('invalid', `The JSON body is nested too deeply (at most ${MAX_JSON_DEPTH} levels)`);
  if (problem === 'surrogate') throw new DomainError('invalid', 'The request holds text that is not valid Unicode');
  if (problem === 'nul') throw new DomainError('invalid', NUL_MESSAGE);
  await next();
});

/** zod validation of a request part; failures become a 400 in the API's one error shape. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  const check = zValidator(target, schema, (result) => {
    if (!result.success) {
      const fields = fieldErrors(result.error);
      const first = Object.entries(fields)[0];
      const message = first ? (first[0] === '_' ? first[1] : `${first[0]}: ${first[1]}`) : 'Invalid request';
      throw new DomainError('invalid', message, fields);
    }
  });
  // zod itself can throw on some hostile values (4.x's length checks compare an object's own
  // `length`, e.g. {"length": {"valueOf": 1}}, which JavaScript cannot turn into a number): a
  // throw before the handler is reached is the client's bad input, a 400 like any other.
  const guarded = createMiddleware(async (c, next) => {
    if (target === 'query' && Object.values(c.req.queries()).some((vs) => vs.some((v) => v.includes('\0'))))
      throw new DomainError('invalid', NUL_MESSAGE);
    let reached = false;
    try {
      await check(c, async () => {
        reached = true;
        await next();
      });
    } catch (err) {
      if (reached || err instanceof DomainError) throw err;
      throw new DomainError('invalid', 'Invalid request');
    }
  }) as unknown as typeof check;
  if (target !== 'json') return guarded;
  return every(jsonBody, guarded) as unknown as typeof check;
}

/**
 * A numeric id in a path: decimal digits only. z.coerce.number() would also read "0x2", "2e0",
 * " 2" or "+2" as 2, so one row would answer to many spellings.
 */
export const pathId = (message = 'Invalid id') =>
  z
    .string()
    .regex(/^[1-9]\d{0,14}$/, message)
    .transform(Number);

/** The `:id` parameter every console route with an id shares. */
export const idParam = z.object({ id: pathId() });
