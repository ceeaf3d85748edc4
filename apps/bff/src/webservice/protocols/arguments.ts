import type { Catalogue } from '../../deps';
import { ProtocolRequestError } from './route';

// The arguments of a call made by position (XML-RPC's params, AMF's argument list), by the
// function's parameters.

const isStruct = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether every key of a struct (decodeValue's: no prototype) is one of the function's parameters. */
function onlyDeclared(struct: Record<string, unknown>, declared: Record<string, unknown>): boolean {
  for (const k in struct) if (!Object.hasOwn(declared, k)) return false;
  return true;
}

/**
 * Maps the call's parameters to the function's arguments: one struct of named arguments (the
 * usual form), or positional values in the order the function declares its parameters.
 */
export function argumentsFor(catalogue: Catalogue, functionName: string, values: unknown[]): unknown {
  const fn = catalogue.get(functionName);
  if (!fn) return {};
  if (values.length === 0) return {};
  const declared = fn.parameters.keys;
  const first = values[0];
  if (values.length === 1 && isStruct(first) && onlyDeclared(first, declared)) return first;
  const keys = Object.keys(declared);
  if (values.length > keys.length)
    throw new ProtocolRequestError(`${functionName} takes ${keys.length} parameter(s), ${values.length} given`);
  const out = Object.create(null) as Record<string, unknown>;
  values.forEach((v, i) => {
    out[keys[i] as string] = v;
  });
  return out;
}
