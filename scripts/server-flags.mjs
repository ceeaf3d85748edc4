// The Node flags and environment every Gatehouse server process runs with (`npm start`, `npm run serve`, the
// cluster and fault tests, the benches).
//
// --max-semi-space-size=8: V8's young generation at most 2 × 8 MiB instead of 2 × 16 MiB. Under
// load the server's garbage is per request and short-lived, so a scavenge's cost is the few
// objects still live (the calls in flight), not the space's size: at half the size there are
// twice as many scavenges, each about half as long. Measured at 64 connections (REST, XML-RPC):
// GC time per request 3.9 µs with 16 MiB and 4.0 µs with 8 MiB, resident memory at peak 146 →
// 132 MB (BENCHMARKS.md, issue 21). V8 reads the flag when it creates the heap, so it must be on
// the command line (or NODE_OPTIONS), not set from inside the process.
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8'];

// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's pool, V8's compiler and GC
// helpers, SQLite's and Argon2's work) an arena of its own, up to 8 per core, and keeps what each
// one has touched. Two arenas are enough for a process whose JavaScript runs on one thread; idle
// resident memory went 113 → 103 MB, the peak under load at 1 M tokens 125 → 117 MB, with no
// change in requests per second beyond the machine's noise (BENCHMARKS.md, issue 21). glibc reads
// it when the process starts, so it must be in the environment the process is started with.
export const SERVER_ENV = { MALLOC_ARENA_MAX: '2' };

/**
 * The environment of a server the scripts start on this machine: the caller's, SERVER_ENV, a data
 * folder, a loopback port and a silent log (the benches and the fault test read the server, not its log).
 * `extra` comes last, so a caller can add or override anything.
 */
export function localServerEnv(dataDir, port, extra = {}) {
  return {
    ...process.env,
    ...SERVER_ENV,
    GATEHOUSE_DATA: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_LOG: 'silent',
    ...extra,
  };
}

/** Waits until `${base}/healthz` answers 2xx, polling every `intervalMs`; throws after `tries` polls. */
export async function waitForHealth(base, { tries = 200, intervalMs = 100 } = {}) {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`the server at ${base} did not answer /healthz`);
}
