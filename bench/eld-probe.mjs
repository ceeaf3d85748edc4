// Loaded into the server under test with `node --import bench/eld-probe.mjs` (the bench only): the
// server's own event-loop delay at 1 ms resolution, read over the IPC channel the bench opened.
// `{ eld: 'read' }` answers the delays (ms, the 1 ms tick subtracted) since the previous read and
// starts a new window. prom-client's figure on /metrics uses a 10 ms tick and counts it in every
// sample, so it cannot show a delay under 10 ms. Each answer also carries the window's garbage
// collections (count, total and longest pause, the longest one's kind), so that a delay can be told
// apart as the server's own GC or something else (the machine).
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

if (process.send) {
  const RESOLUTION_MS = 1;
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  const KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  let gc = { count: 0, totalMs: 0, maxMs: 0, maxKind: null };
  let windowStart = performance.now();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      if (e.duration > gc.maxMs) {
        gc.maxMs = e.duration;
        gc.maxKind = KINDS[e.detail?.kind] ?? String(e.detail?.kind);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const round2 = (x) => Math.round(x * 100) / 100;
  process.on('message', (m) => {
    if (m?.eld !== 'read') return;
    const answer = {
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      samples: h.count,
      gc: { count: gc.count, totalMs: round2(gc.totalMs), maxMs: round2(gc.maxMs), maxKind: gc.maxKind },
      // The window's length, so that GC time can be read per second of it.
      windowMs: round2(performance.now() - windowStart),
    };
    windowStart = performance.now();
    h.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0, maxKind: null };
    process.send?.({ eld: answer });
  });
  // The channel must not keep the server alive after SIGTERM.
  process.channel?.unref();
}
