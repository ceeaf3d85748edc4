import type { ExternalDescription, ExternalMultiple, ExternalSingle, ExternalValue } from '@gatehouse/shared';

/**
 * What a form generated from a function's parameter description holds while it is being filled
 * in: text as typed for scalars, a tri-state for optional booleans, whether an optional
 * structure is sent at all, and the items of each list.
 */
export type Draft = ValueDraft | SingleDraft | MultipleDraft;

export interface ValueDraft {
  kind: 'value';
  /** As typed (numbers too); '' means "leave out" unless the value is required text. */
  text: string;
  /** Booleans: true / false, or null for "leave out" (optional booleans only). */
  bool: boolean | null;
}

export interface SingleDraft {
  kind: 'single';
  /** Optional structures: whether to send it. Required ones are always sent. */
  include: boolean;
  keys: Record<string, Draft>;
}

export interface MultipleDraft {
  kind: 'multiple';
  items: Draft[];
}

const NUMERIC = new Set(['int', 'float']);

export function isNumeric(d: ExternalValue): boolean {
  return NUMERIC.has(d.type);
}

/** The form's starting state: defaults filled in, required lists with one item, optional parts left out. */
export function initialDraft(desc: ExternalDescription): Draft {
  if (desc.presence === 'default' && desc.default !== undefined) return draftFromValue(desc, desc.default);
  switch (desc.kind) {
    case 'value':
      return {
        kind: 'value',
        text: '',
        bool: desc.type === 'bool' ? (desc.presence === 'required' ? false : null) : null,
      };
    case 'single':
      return {
        kind: 'single',
        include: desc.presence === 'required',
        keys: Object.fromEntries(Object.entries(desc.keys).map(([k, d]) => [k, initialDraft(d)])),
      };
    case 'multiple':
      return { kind: 'multiple', items: desc.presence === 'required' ? [initialDraft(desc.content)] : [] };
  }
}

/** A draft holding a given value (a default, or example arguments); missing parts start as in initialDraft. */
function draftFromValue(desc: ExternalDescription, value: unknown): Draft {
  switch (desc.kind) {
    case 'value':
      if (desc.type === 'bool') {
        return { kind: 'value', text: '', bool: value === undefined || value === null ? null : Boolean(value) };
      }
      return { kind: 'value', text: value === undefined || value === null ? '' : String(value), bool: null };
    case 'single': {
      const obj =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? (value as Record<string, unknown>)
          : null;
      return {
        kind: 'single',
        include: obj !== null || desc.presence === 'required',
        keys: Object.fromEntries(
          Object.entries(desc.keys).map(([k, d]) => [
            k,
            // A key the value leaves out starts as in a fresh form (its default, if any).
            obj && obj[k] !== undefined ? draftFromValue(d, obj[k]) : initialDraft(d),
          ]),
        ),
      };
    }
    case 'multiple':
      return {
        kind: 'multiple',
        items: Array.isArray(value) ? value.map((v) => draftFromValue(desc.content, v)) : [],
      };
  }
}

/** The draft as arguments: undefined means "leave this key out" (the server then applies its default). */
function draftToArgs(desc: ExternalDescription, draft: Draft): unknown {
  if (desc.kind === 'value' && draft.kind === 'value') return scalarOf(desc, draft);
  if (desc.kind === 'single' && draft.kind === 'single') return singleOf(desc, draft);
  if (desc.kind === 'multiple' && draft.kind === 'multiple') return multipleOf(desc, draft);
  return undefined;
}

function scalarOf(desc: ExternalValue, d: ValueDraft): unknown {
  if (desc.type === 'bool') return d.bool === null ? undefined : d.bool;
  if (d.text === '') {
    // Empty text can be a real value when it is required; empty numbers are left out (the server says so).
    return desc.presence === 'required' && !isNumeric(desc) ? '' : undefined;
  }
  if (isNumeric(desc)) {
    const n = Number(d.text.trim());
    // Not a number: sent as typed, so the server's own validation answers.
    return d.text.trim() !== '' && Number.isFinite(n) ? n : d.text;
  }
  return d.text;
}

function singleOf(desc: ExternalSingle, d: SingleDraft): Record<string, unknown> | undefined {
  if (desc.presence !== 'required' && !d.include) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, sub] of Object.entries(desc.keys)) {
    const part = d.keys[k];
    if (!part) continue;
    const v = draftToArgs(sub, part);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function multipleOf(desc: ExternalMultiple, d: MultipleDraft): unknown[] | undefined {
  if (d.items.length === 0 && desc.presence !== 'required') return undefined;
  return d.items.map((item) => draftToArgs(desc.content, item)).map((v) => (v === undefined ? null : v));
}

/** The arguments of a whole call: the top-level structure is always sent. */
export function argsOf(parameters: ExternalSingle, draft: Draft): Record<string, unknown> {
  return (draftToArgs({ ...parameters, presence: 'required' }, draft) as Record<string, unknown> | undefined) ?? {};
}

/** The top-level draft of a function's parameters. */
export function initialArgsDraft(parameters: ExternalSingle): Draft {
  return initialDraft({ ...parameters, presence: 'required' });
}

/** The top-level draft filled with given arguments (e.g. the documentation's example). */
export function argsDraftFrom(parameters: ExternalSingle, args: Record<string, unknown>): Draft {
  return draftFromValue({ ...parameters, presence: 'required' }, args);
}

/** The path of a field in the form: keys joined with ".", list items as "[i]" ("groups[0].courseid"). */
export function fieldPath(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;
}

function collectMissing(desc: ExternalDescription, draft: Draft, path: string, sent: boolean, out: string[]): void {
  if (desc.kind === 'value' && draft.kind === 'value') {
    if (sent && desc.presence === 'required' && desc.type !== 'bool' && draft.text.trim() === '') out.push(path);
    return;
  }
  if (desc.kind === 'single' && draft.kind === 'single') {
    if (!sent || (desc.presence !== 'required' && !draft.include)) return;
    for (const [k, sub] of Object.entries(desc.keys)) {
      collectMissing(sub, draft.keys[k] ?? initialDraft(sub), fieldPath(path, k), true, out);
    }
    return;
  }
  if (desc.kind === 'multiple' && draft.kind === 'multiple') {
    // A list's items are always sent, whole.
    draft.items.forEach((item, i) => {
      collectMissing({ ...desc.content, presence: 'required' }, item, fieldPath(path, i), true, out);
    });
  }
}

/**
 * The required values left empty in a draft, by path: the test client sends nothing until
 * they are filled in (booleans always have a value; parts left out are not looked into).
 */
export function missingRequired(parameters: ExternalSingle, draft: Draft): string[] {
  const out: string[] = [];
  collectMissing({ ...parameters, presence: 'required' }, draft, '', true, out);
  return out;
}
