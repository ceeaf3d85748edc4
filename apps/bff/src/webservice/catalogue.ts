import { FUNCTIONS } from './functions';
import type { ExternalFunction } from './types';

const byName = new Map(FUNCTIONS.map((f) => [f.name, f]));
if (byName.size !== FUNCTIONS.length) throw new Error('Two external functions share a name');

/** The function catalogue: code, not data. */
export const catalogue = {
  all: FUNCTIONS,
  get: (name: string): ExternalFunction | undefined => byName.get(name),
  has: (name: string): boolean => byName.has(name),
};
