import { sampleValue } from '@gatehouse/shared';
import type { ExternalFunction } from '../../webservice/types';

/**
 * The arguments a function's documented examples use: its own `example` (chosen to make sense on
 * the demo data, declared with the function), or arguments made up from its parameter
 * description. A test runs every function's examples, on every protocol, against the server.
 */
export function exampleArgs(f: ExternalFunction): Record<string, unknown> {
  return f.example ?? (sampleValue(f.parameters) as Record<string, unknown>);
}
