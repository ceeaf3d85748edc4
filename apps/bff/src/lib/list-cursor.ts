import { DomainError } from './errors';

// The opaque cursors of keyset-paged lists (db/keyset.ts): base64url of a JSON array
// [what, from, ...sort key], where `what` names the list and its sort so a cursor made for one
// order is refused by another rather than starting at a wrong place.

export type CursorValue = string | number | null;

export interface DecodedCursor {
  from: 'after' | 'before';
  values: CursorValue[];
}

export function encodeCursor(what: string, from: 'after' | 'before', values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify([what, from === 'after' ? 'a' : 'b', ...values])).toString('base64url');
}

const bad = () =>
  new DomainError('invalid', 'This page link is out of date: go back to the first page', {
    cursor: 'Not a cursor of this list and order',
  });

/** The cursor's position, checked to be one of `what`'s with `size` key values; else an 'invalid' DomainError. */
export function decodeCursor(cursor: string, what: string, size: number): DecodedCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== size + 2 || parsed[0] !== what) throw bad();
  const from = parsed[1] === 'a' ? 'after' : parsed[1] === 'b' ? 'before' : undefined;
  const values = parsed.slice(2) as unknown[];
  const ok = (v: unknown) =>
    v === null || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 1000);
  if (!from || !values.every(ok)) throw bad();
  return { from, values: values as CursorValue[] };
}
