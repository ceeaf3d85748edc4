// Loaded into the server under test with `node --import bench/eld-probe.mjs` (the bench only): the
// server's own event-loop delay at 1 ms resolution, read over the IPC channel the bench opened.
// `{ eld: 'read' }` answers the delays (ms, the 1 ms tick subtracted) since the previous read and
// starts a new window. prom-client's figure on /metrics uses a 10 ms tick and counts it in every
// sample, so it cannot show a delay under 10 ms.
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const RESOLUTION_MS = 1;
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  process.on('message', (m) => {
    if (m?.eld !== 'read') return;
    const answer = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count };
    h.reset();
    process.send?.({ eld: answer });
  });
  // The channel must not keep the server alive after SIGTERM.
  process.channel?.unref();
}
