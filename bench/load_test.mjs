#!/usr/bin/env node
// Load test of `easel serve` on loopback (docs/server.md, "Load test"): starts a real server with a
// temporary --data folder, runs concurrent clients sending edits of real photos at mixed sizes for a
// bounded number of requests and time — optionally beside slow clients that trickle their headers one
// byte a second (slowloris) — while a prober asks `/health` every 100 ms, then prints latency
// percentiles (edits and `/health`), throughput, status counts and the server's resident memory (idle,
// peak, and after the load). Exits 1 when any answer is a 5xx, a request fails at the socket or a
// `/health` probe fails.
// Not part of ctest: performance is measured here, never asserted in tests.
//
//   node bench/load_test.mjs [--easel build/easel] [--clients 8] [--requests 200] [--seconds 60]
//                            [--slow-clients 0] [--workers 2] [--queue-length 32] [--decoded-cache-mb 256]
//                            [--photos DIR]
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}
const easel = option('easel', 'build/easel');
const clients = Number(option('clients', 8));
const total = Number(option('requests', 200));
const seconds = Number(option('seconds', 60));
const workers = option('workers', '2');
const queueLength = option('queue-length', '32');
const decodedCacheMb = option('decoded-cache-mb', '256');
const slowClients = Number(option('slow-clients', 0));
const photos = option('photos', process.env.EASEL_TEST_PHOTOS || '/usr/lib/python3/dist-packages/skimage/data');

// Real photographs of different sizes, and requests that keep or change the size.
const inputs = [
  ['coffee.png', 'image/png'], ['chelsea.png', 'image/png'], ['astronaut.png', 'image/png'],
  ['rocket.jpg', 'image/jpeg'], ['motorcycle_left.png', 'image/png'],
].map(([name, type]) => ({ name, type, bytes: readFileSync(join(photos, name)) }));
const prompts = ['make it black and white', 'increase the contrast', 'make it warmer', 'brighten slightly', 'sharpen it'];
const sizes = ['auto', 'auto', '512x512', '256x256'];

function startServer(data) {
  const server = spawn(easel, ['serve', '--host', '127.0.0.1', '--port', '0', '--data', data, '--workers', workers, '--queue-length', queueLength,
                                '--decoded-cache-mb', decodedCacheMb],
                       { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  server.stderr.on('data', (chunk) => { errors += chunk; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`easel serve did not start in 30 s: ${errors}`)), 30000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const found = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (found) {
        clearTimeout(timer);
        resolve({ server, port: Number(found[1]) });
      }
    });
    server.on('exit', (code) => reject(new Error(`easel serve exited with ${code}: ${errors}`)));
  });
}

// A field of /proc/PID/status in MiB: VmRSS (resident now) or VmHWM (peak resident so far).
function memoryMiB(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]) / 1024;
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

const data = mkdtempSync(join(tmpdir(), 'easel-load-'));
const { server, port } = await startServer(data);
await new Promise((done) => setTimeout(done, 1000));
const idleRss = memoryMiB(server.pid, 'VmRSS');
const statuses = new Map();
const latencies = [];
let sent = 0;
let socketErrors = 0;
const socketErrorKinds = new Map();
let started = performance.now();
let deadline = started + seconds * 1000;

async function client(index) {
  while (sent < total && performance.now() < deadline) {
    const n = sent++;
    const input = inputs[(n + index) % inputs.length];
    const form = new FormData();
    form.append('image', new Blob([input.bytes], { type: input.type }), input.name);
    form.append('prompt', prompts[n % prompts.length]);
    form.append('size', sizes[n % sizes.length]);
    const begin = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/images/edits`, { method: 'POST', body: form });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) || 0) + 1);
      if (response.status === 200) latencies.push(performance.now() - begin);
      if (response.status === 429) {
        // As a well-behaved client does: wait as told (at most a second here, to keep the run bounded).
        await new Promise((done) => setTimeout(done, Math.min(1000, 1000 * Number(response.headers.get('retry-after') || 1))));
      }
    } catch (error) {
      socketErrors += 1;
      const kind = String(error.cause?.code || error.cause?.message || error.message);
      socketErrorKinds.set(kind, (socketErrorKinds.get(kind) || 0) + 1);
    }
  }
}

// A slowloris client: headers one byte a second, reconnecting whenever the server cuts it off.
let slowCutOff = 0;
let running = true;
function slowClient() {
  return new Promise((finished) => {
    const open = () => {
      if (!running) return finished();
      const socket = connect(port, '127.0.0.1');
      let timer;
      socket.on('connect', () => {
        socket.write('POST /v1/images/edits HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        timer = setInterval(() => socket.write('X'), 1000);
      });
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        if (running) slowCutOff += 1;
        setTimeout(open, 100);
      });
      const stop = setInterval(() => { if (!running) { clearInterval(stop); socket.destroy(); } }, 200);
    };
    open();
  });
}

// /health every 100 ms for the whole run.
const healthLatencies = [];
let healthFailures = 0;
async function healthProber() {
  while (running) {
    const begin = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(10000) });
      await response.arrayBuffer();
      if (response.status === 200) healthLatencies.push(performance.now() - begin); else healthFailures += 1;
    } catch {
      healthFailures += 1;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

const slow = Array.from({ length: slowClients }, () => slowClient());
const prober = healthProber();
await new Promise((done) => setTimeout(done, slowClients > 0 ? 2000 : 0));  // the slow clients are in place first
started = performance.now();
deadline = started + seconds * 1000;
await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
const elapsed = (performance.now() - started) / 1000;
running = false;
await Promise.all([...slow, prober]);
const peak = memoryMiB(server.pid, 'VmHWM');
await new Promise((done) => setTimeout(done, 2000));  // the server settles after the load
const afterRss = memoryMiB(server.pid, 'VmRSS');
server.kill('SIGTERM');
await new Promise((done) => server.on('exit', done));
rmSync(data, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
healthLatencies.sort((a, b) => a - b);
const ok = statuses.get(200) || 0;
const unexpected = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0);
const report = {
  clients, slow_clients: slowClients, workers: Number(workers), decoded_cache_mb: Number(decodedCacheMb), requests: sent,
  seconds: Number(elapsed.toFixed(2)), throughput_per_s: Number((ok / elapsed).toFixed(2)),
  latency_ms: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? NaN) },
  health_ms: { probes: healthLatencies.length, failures: healthFailures, p50: Math.round(percentile(healthLatencies, 50)),
               p99: Math.round(percentile(healthLatencies, 99)), max: Math.round(healthLatencies.at(-1) ?? NaN) },
  slow_connections_cut_off: slowCutOff,
  statuses: Object.fromEntries(statuses), socket_errors: Object.fromEntries(socketErrorKinds),
  rss_mib: { idle: Math.round(idleRss), peak: Math.round(peak), after_load: Math.round(afterRss) },
};
console.log(JSON.stringify(report, null, 2));
process.exit(unexpected > 0 || socketErrors > 0 || healthFailures > 0 ? 1 : 0);
