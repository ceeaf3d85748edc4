import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { z } from 'zod';

// A list's state (filters, sort, cursor) lives in the URL, so Back, reload and shared links keep
// it, and is read through the list's query schema from packages/shared: the very schema the BFF
// validates the request with. A value the schema refuses (a hand-edited link) is dropped, not fatal.

type Shape = z.ZodObject<z.ZodRawShape>;

/** The params the schema knows, as strings (the schemas coerce them). */
export function pick(params: URLSearchParams, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = params.get(k);
    if (v !== null && v !== '') out[k] = v;
  }
  return out;
}

/** `raw` parsed by `schema`; each key an issue names is dropped and the rest parsed again. */
export function parseListQuery<S extends Shape>(schema: S, raw: Record<string, string>): z.output<S> {
  let input = { ...raw };
  for (let i = 0; i < 5; i++) {
    const res = schema.safeParse(input);
    if (res.success) return res.data;
    const bad = new Set(res.error.issues.map((x) => String(x.path[0] ?? '')));
    if (bad.has('') || bad.size === 0) break;
    input = Object.fromEntries(Object.entries(input).filter(([k]) => !bad.has(k)));
  }
  return schema.parse({});
}

export type ListPatch<T> = { [K in keyof T]?: T[K] | undefined };

/**
 * [state, update]: `update(patch)` writes the merged state back to the URL, leaving out the
 * schema's defaults and empty values; any change but the cursor's starts again at the first page
 * (the cursor is dropped), since a cursor belongs to one filter and order.
 */
export function useListQuery<S extends Shape>(
  schema: S,
  opts: { omit?: readonly string[] } = {},
): [z.output<S>, (patch: ListPatch<z.output<S>>, replace?: boolean) => void] {
  const [params, setParams] = useSearchParams();
  const keys = useMemo(() => Object.keys(schema.shape).filter((k) => !opts.omit?.includes(k)), [schema, opts.omit]);
  const defaults = useMemo(() => schema.parse({}) as Record<string, unknown>, [schema]);
  const search = params.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the URL's text is the state
  const state = useMemo(() => parseListQuery(schema, pick(params, keys)), [search, schema, keys]);
  const update = (patch: ListPatch<z.output<S>>, replace = false) => {
    const next: Record<string, unknown> = { ...state, ...patch };
    if (!('cursor' in patch)) delete next.cursor;
    if (!('page' in patch)) delete next.page;
    const p = new URLSearchParams();
    for (const k of keys) {
      const v = next[k];
      if (v === undefined || v === null || v === '' || v === defaults[k]) continue;
      p.set(k, String(v));
    }
    setParams(p, { replace });
  };
  return [state, update];
}
