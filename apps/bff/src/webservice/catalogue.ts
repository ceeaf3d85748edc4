import type { Catalogue, ExternalFunction } from '../deps';

/**
 * The function catalogue over a list of functions, by name. Built once, in the composition root
 * (context.ts), and reached through `deps.catalogue`: no module imports the function list itself.
 */
export function createCatalogue(functions: readonly ExternalFunction[]): Catalogue {
  const byName = new Map(functions.map((f) => [f.name, f]));
  if (byName.size !== functions.length) throw new Error('Two external functions share a name');
  return {
    all: functions,
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
  };
}
