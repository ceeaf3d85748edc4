import { FUNCTIONS } from './functions';
import type { ExternalFunction } from './types';

// Built on first use rather than at import: some functions (the hub's) use services that read
// the catalogue, so this module can be evaluated while the function list is still loading.
let byName: Map<string, ExternalFunction> | undefined;
function index(): Map<string, ExternalFunction> {
  if (!byName) {
    byName = new Map(FUNCTIONS.map((f) => [f.name, f]));
    if (byName.size !== FUNCTIONS.length) throw new Error('Two external functions share a name');
  }
  return byName;
}

/** The function catalogue: code, not data. */
export const catalogue = {
  get all(): readonly ExternalFunction[] {
    return FUNCTIONS;
  },
  get: (name: string): ExternalFunction | undefined => index().get(name),
  has: (name: string): boolean => index().has(name),
};
