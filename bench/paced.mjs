#!/usr/bin/env node
// An open-loop load generator for latency: requests leave at evenly spaced times (rate a second,
// spread over up to `connections` keep-alive sockets), whether or not earlier ones have been
// answered, and each latency counts from the time the request was due (so a client that falls
// behind shows as latency, not as fewer requests). autocannon's own pacing (-R) sends each
// second's budget in a burst, which measures its bursts rather than the server. The first second
// (sockets opening) is sent but not counted.
// Usage: node bench/paced.mjs <url> <rate> <seconds> <connections> [method] [body] [header=value ...]
// Prints JSON: { sent, ok, errors, p50, p90, p99, max } (milliseconds).
import http from 'node:http';

const [url, rateArg, secondsArg, connectionsArg, method = 'GET', body = '', ...headerArgs] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const connections = Number(connectionsArg);
if (!url || !(rate > 0) || !(seconds > 0) || !(connections > 0)) {
  console.error('usage: paced.mjs <url> <rate> <seconds> <connections> [method] [body] [header=value ...]');
  process.exit(2);
}
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
if (body) headers['content-length'] = String(Buffer.byteLength(body));
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(url);

const WARMUP_MS = 1000;
const latencies = [];
let ok = 0;
let errors = 0;
let sent = 0;
let done = 0;
const total = Math.round(rate * (seconds + WARMUP_MS / 1000));
const interval = 1000 / rate;

function fire(due) {
  const counted = due - start >= WARMUP_MS;
  const req = http.request(
    { host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers, agent },
    (res) => {
      res.resume();
      res.on('end', () => {
        if (counted) latencies.push(performance.now() - due);
        if (res.statusCode >= 200 && res.statusCode < 300) ok++;
        else errors++;
        finish();
      });
    },
  );
  req.on('error', () => {
    errors++;
    finish();
  });
  req.end(body || undefined);
}

function finish() {
  if (++done < total) return;
  agent.destroy();
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
    }),
  );
}

const start = performance.now() + 50;
function tick() {
  const now = performance.now();
  while (sent < total && start + sent * interval <= now) {
    fire(start + sent * interval);
    sent++;
  }
  if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
}
setTimeout(tick, 50);
