// The description model of external functions, after Moodle's external_value,
// external_single_structure and external_multiple_structure. Every function declares its
// parameters and return value with it; validation, the protocol encoders, the documentation,
// OpenAPI and the WSDL are all derived from these descriptions.

/** Scalar parameter types, with Moodle's PARAM_* names in lower case. */
export const PARAM_TYPES = [
  'int',
  'float',
  'bool',
  'text',
  'notags',
  'raw',
  'alpha',
  'alphanum',
  'alphanumext',
  'alphaext',
  'username',
  'email',
  'url',
  'lang',
  'plugin',
  'component',
  'sequence',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** Moodle's VALUE_REQUIRED / VALUE_OPTIONAL / VALUE_DEFAULT. */
type Presence = 'required' | 'optional' | 'default';

interface Base {
  desc: string;
  presence: Presence;
  /** Present when presence is 'default'. */
  default?: unknown;
}

export interface ExternalValue extends Base {
  kind: 'value';
  type: ParamType;
  allowNull: boolean;
}

export interface ExternalSingle extends Base {
  kind: 'single';
  keys: Record<string, ExternalDescription>;
}

export interface ExternalMultiple extends Base {
  kind: 'multiple';
  content: ExternalDescription;
}

export type ExternalDescription = ExternalValue | ExternalSingle | ExternalMultiple;

interface Opts {
  /** Moodle's VALUE_OPTIONAL: the key may be left out. */
  optional?: boolean;
  /** Moodle's VALUE_DEFAULT: when the key is left out, this value is filled in. */
  default?: unknown;
  /** NULL_ALLOWED: an explicit null is accepted (values only). */
  allowNull?: boolean;
}

type PresenceOf<O> = O extends { default: unknown }
  ? 'default'
  : O extends { optional: true }
    ? 'optional'
    : 'required';
type NullOf<O> = O extends { allowNull: true } ? true : false;

function presenceOf(opts: Opts): Pick<Base, 'presence' | 'default'> {
  if (opts.default !== undefined) return { presence: 'default', default: opts.default };
  return { presence: opts.optional ? 'optional' : 'required' };
}

/** The precise type a builder returns: the general shape with its literal parts kept. */
type Exact<Base, Parts> = Omit<Base, keyof Parts> & Parts;

export function value<T extends ParamType, const O extends Opts = Record<never, never>>(
  type: T,
  desc: string,
  opts?: O,
): Exact<ExternalValue, { type: T; presence: PresenceOf<O>; allowNull: NullOf<O> }> {
  const o: Opts = opts ?? {};
  return { kind: 'value', type, desc, allowNull: o.allowNull ?? false, ...presenceOf(o) } as Exact<
    ExternalValue,
    { type: T; presence: PresenceOf<O>; allowNull: NullOf<O> }
  >;
}

export function single<K extends Record<string, ExternalDescription>, const O extends Opts = Record<never, never>>(
  keys: K,
  desc = '',
  opts?: O,
): Exact<ExternalSingle, { keys: K; presence: PresenceOf<O> }> {
  return { kind: 'single', keys, desc, ...presenceOf(opts ?? {}) } as Exact<
    ExternalSingle,
    { keys: K; presence: PresenceOf<O> }
  >;
}

export function multiple<C extends ExternalDescription, const O extends Opts = Record<never, never>>(
  content: C,
  desc = '',
  opts?: O,
): Exact<ExternalMultiple, { content: C; presence: PresenceOf<O> }> {
  return { kind: 'multiple', content, desc, ...presenceOf(opts ?? {}) } as Exact<
    ExternalMultiple,
    { content: C; presence: PresenceOf<O> }
  >;
}

/** The TypeScript type a description validates to (defaults filled, optional keys maybe absent). */
export type Infer<D> = D extends ExternalValue
  ? D['allowNull'] extends true
    ? ValueOf<D> | null
    : ValueOf<D>
  : D extends ExternalSingle
    ? InferKeys<D['keys']>
    : D extends ExternalMultiple
      ? Infer<D['content']>[]
      : never;

type ValueOf<D extends ExternalValue> = D['type'] extends 'int' | 'float'
  ? number
  : D['type'] extends 'bool'
    ? boolean
    : string;

type OptionalKeys<K> = { [P in keyof K]: K[P] extends { presence: 'optional' } ? P : never }[keyof K];
type Simplify<T> = { [P in keyof T]: T[P] } & {};
type InferKeys<K extends Record<string, ExternalDescription>> = Simplify<
  { [P in Exclude<keyof K, OptionalKeys<K>>]: Infer<K[P]> } & { [P in OptionalKeys<K>]?: Infer<K[P]> }
>;

/**
 * What a client may send for a description (example arguments, say): Infer's types, where a
 * defaulted key may be left out too (validation fills it in).
 */
export type InferInput<D> = D extends ExternalValue
  ? Infer<D>
  : D extends ExternalSingle
    ? InferInputKeys<D['keys']>
    : D extends ExternalMultiple
      ? InferInput<D['content']>[]
      : never;

type LeftOutKeys<K> = { [P in keyof K]: K[P] extends { presence: 'optional' | 'default' } ? P : never }[keyof K];
type InferInputKeys<K extends Record<string, ExternalDescription>> = Simplify<
  { [P in Exclude<keyof K, LeftOutKeys<K>>]: InferInput<K[P]> } & { [P in LeftOutKeys<K>]?: InferInput<K[P]> }
>;
