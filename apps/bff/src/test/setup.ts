import { vi } from 'vitest';
import { useTables } from '../db/schema';

// Runs before every test file of the BFF. The files share their worker process (vite.config.ts:
// `isolate: false`, so the app's modules are imported once per worker, not once per file): this
// puts back what one file can leave changed for the next.
//
// - Request and Response: @hono/node-server's serve() replaces the global classes with its own
//   (a file that starts a real HTTP server); app.request() in a later file would then build its
//   Request from them and lose the headers the middleware sets.
// - fetch: a file may stub it.
// - timers: a file that fakes them and fails before its afterEach would leave them fake.
// - the tables' dialect (db/schema/index.ts): a file of the PostgreSQL run that opens a SQLite
//   store swaps the bindings to SQLite's; a module first imported by a later file would then keep
//   SQLite's columns in its constants. Each file starts, as in a process of its own, on the run's.

type Saved = Pick<typeof globalThis, 'Request' | 'Response' | 'Headers' | 'fetch'>;
const KEY = Symbol.for('gatehouse.test.originalGlobals');
const store = globalThis as unknown as Record<symbol, Saved | undefined>;
store[KEY] ??= {
  Request: globalThis.Request,
  Response: globalThis.Response,
  Headers: globalThis.Headers,
  fetch: globalThis.fetch,
};
const saved = store[KEY];

for (const [name, value] of Object.entries(saved)) {
  if ((globalThis as Record<string, unknown>)[name] !== value) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
}
useTables(process.env.GATEHOUSE_DATABASE_URL || process.env.GATEHOUSE_TEST_DATABASE_URL ? 'pg' : 'sqlite');
vi.useRealTimers();
vi.unstubAllGlobals();
vi.unstubAllEnvs();
