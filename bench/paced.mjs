#!/usr/bin/env node
// An open-loop load generator for latency: requests are due at evenly spaced times (rate a
// second), each sent on a free keep-alive connection of up to `connections` (one request at a
// time on each, as HTTP/1.1 clients do), whether or not earlier ones have been answered; each
// latency counts from the time the request was due, so a client that falls behind (every
// connection busy) shows as latency, not as fewer requests. autocannon's own pacing (-R) sends
// each second's budget in a burst, which measures its bursts rather than the server. The first
// second (connections opening) is sent but not counted.
//
// The requests are written as prepared bytes on plain sockets and the answers read by their
// Content-Length: Node's http client costs tens of microseconds a request, which at the paced
// rates of this machine (two cores, shared with the server) made the client's own delays part
// of the tail it was measuring. An answer without a Content-Length counts as an error.
// Usage: node bench/paced.mjs <url> <rate> <seconds> <connections> [method] [body] [header=value ...]
// Prints JSON: { sent, counted, ok, errors, p50, p90, p99, max, client } (milliseconds), `client` being
// this process's own event-loop delay (p99, max): a tail the client's delay explains is not the server's.
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const clientDelay = monitorEventLoopDelay({ resolution: 1 });
clientDelay.enable();

const [url, rateArg, secondsArg, connectionsArg, method = 'GET', body = '', ...headerArgs] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const connections = Number(connectionsArg);
if (!url || !(rate > 0) || !(seconds > 0) || !(connections > 0)) {
  console.error('usage: paced.mjs <url> <rate> <seconds> <connections> [method] [body] [header=value ...]');
  process.exit(2);
}
const target = new URL(url);
const headerLines = headerArgs.map((h) => `${h.slice(0, h.indexOf('='))}: ${h.slice(h.indexOf('=') + 1)}\r\n`).join('');
const bodyBytes = Buffer.from(body, 'utf8');
const request = Buffer.concat([
  Buffer.from(
    `${method} ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n${headerLines}${
      body ? `Content-Length: ${bodyBytes.length}\r\n` : ''
    }\r\n`,
    'latin1',
  ),
  bodyBytes,
]);

const WARMUP_MS = 1000;
const latencies = [];
let ok = 0;
let errors = 0;
let sent = 0;
let done = 0;
const total = Math.round(rate * (seconds + WARMUP_MS / 1000));
const interval = 1000 / rate;
/** Due times of requests waiting for a free connection. */
const waiting = [];
const idle = [];
const HEAD_END = Buffer.from('\r\n\r\n');
const LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const STATUS = /^HTTP\/1\.[01] (\d{3})/;

function connection() {
  const socket = net.connect({ host: target.hostname, port: Number(target.port) });
  socket.setNoDelay(true);
  const c = { socket, due: 0, buf: Buffer.alloc(0), need: -1, status: 0 };
  socket.on('data', (chunk) => {
    c.buf = c.buf.length ? Buffer.concat([c.buf, chunk]) : chunk;
    for (;;) {
      if (c.need < 0) {
        const end = c.buf.indexOf(HEAD_END);
        if (end < 0) return;
        const head = c.buf.toString('latin1', 0, end);
        const length = LENGTH.exec(head);
        c.status = Number(STATUS.exec(head)?.[1] ?? 0);
        if (!length) {
          errors++;
          socket.destroy();
          return;
        }
        c.need = end + 4 + Number(length[1]);
      }
      if (c.buf.length < c.need) return;
      c.buf = c.buf.subarray(c.need);
      c.need = -1;
      answered(c);
      if (!c.buf.length) return;
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (c.due) {
      errors++;
      c.due = 0;
      finish();
    }
  });
  socket.once('connect', () => free(c));
}

function answered(c) {
  if (c.due - start >= WARMUP_MS) latencies.push(performance.now() - c.due);
  if (c.status >= 200 && c.status < 300) ok++;
  else errors++;
  c.due = 0;
  finish();
  free(c);
}

function free(c) {
  if (c.socket.destroyed) return;
  const due = waiting.shift();
  if (due === undefined) idle.push(c);
  else send(c, due);
}

function send(c, due) {
  c.due = due;
  c.socket.write(request);
}

function finish() {
  if (++done < total) return;
  for (const c of idle) c.socket.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 100) / 100;
  console.log(
    JSON.stringify({
      sent,
      counted: latencies.length,
      ok,
      errors,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: at(1),
      client: {
        p99: Math.max(0, Math.round(clientDelay.percentile(99) / 1e4 - 100) / 100),
        max: Math.max(0, Math.round(clientDelay.max / 1e4 - 100) / 100),
      },
    }),
  );
  process.exit(0);
}

for (let i = 0; i < connections; i++) connection();
const start = performance.now() + 200;
function tick() {
  const now = performance.now();
  while (sent < total && start + sent * interval <= now) {
    const due = start + sent * interval;
    let c = idle.pop();
    while (c?.socket.destroyed) c = idle.pop();
    if (c) send(c, due);
    else waiting.push(due);
    sent++;
  }
  if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
}
setTimeout(tick, 200);
