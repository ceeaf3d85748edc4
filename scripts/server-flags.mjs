// The Node flags every Gatehouse server process runs with (`npm start`, `npm run serve`, the
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
