// Word search for lists of functions (and anything else described by a few text fields):
// "create group", "groups create" and "core_group_create_groups" all find
// core_group_create_groups. Every word of the query must match, in any order, a word of the
// fields (names split at "_" and any other non-letter), compared after a light stemming
// (plural s), a query word matching the start of a word so that results narrow as one types.

/** Lower case, split at anything but letters and digits: "core_group_create_groups" → 4 words. */
function splitWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** A light stemmer: plural endings only ("groups" → "group", "capabilities" → "capability"). */
export function stemWord(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** What a query asks for: its stemmed words (none for a blank query, which matches everything). */
export interface WordQuery {
  readonly words: readonly string[];
  /** The words as typed (lower case), for a match inside a name ("oup_cre"). */
  readonly raw: readonly string[];
}

export function parseWordQuery(query: string): WordQuery {
  const raw = splitWords(query);
  return { raw, words: raw.map(stemWord) };
}

/** An item made searchable once: its stemmed words and its names as one lower-case text. */
export interface WordSearchable {
  readonly words: readonly string[];
  readonly names: string;
}

/**
 * `names` are matched inside too (a part of a word counts there), `texts` (descriptions) by
 * whole words only, stemmed, a query word matching a word's start.
 */
export function toSearchable(
  names: readonly string[],
  texts: readonly (string | null | undefined)[] = [],
): WordSearchable {
  const words = new Set<string>();
  for (const field of [...names, ...texts]) {
    if (!field) continue;
    for (const w of splitWords(field)) words.add(stemWord(w));
  }
  return { words: [...words], names: names.join(' ').toLowerCase() };
}

/** True when every word of the query matches the item (a blank query matches every item). */
function matchesWordQuery(query: WordQuery, item: WordSearchable): boolean {
  return query.words.every((q, i) => item.words.some((w) => w.startsWith(q)) || item.names.includes(query.raw[i] ?? q));
}

/**
 * A word search over `items`: build it once per list (each item's words are read once), then
 * call it with each query; the matching items come back in their order.
 */
export function wordSearch<T>(
  items: readonly T[],
  fields: (item: T) => { names: readonly string[]; texts?: readonly (string | null | undefined)[] },
): (query: string) => T[] {
  const indexed = items.map((item) => {
    const f = fields(item);
    return { item, s: toSearchable(f.names, f.texts) };
  });
  return (query) => {
    const q = parseWordQuery(query);
    if (!q.words.length) return [...items];
    return indexed.filter((x) => matchesWordQuery(q, x.s)).map((x) => x.item);
  };
}

/** The fields of an external function that a search reads: name and component, and its description. */
export function functionSearchFields(f: { name: string; component: string; description: string }) {
  return { names: [f.name, f.component], texts: [f.description] };
}
