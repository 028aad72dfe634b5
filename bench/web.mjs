// The visualiser's frame time and size, written as JSON to target/bench/web.json (bench/report.py
// puts it in bench/RESULTS.md). Needs dist/ (make web), Debian's Chromium and tests/e2e's
// playwright-core (make browser). Usage: node bench/web.mjs (bench/run.sh runs it).
//
// The page plays a world of 64 partitions and 32 consumers (built from a run string, the
// same way a shared link is) at 1x speed for 5 s while requestAnimationFrame records the
// interval between frames: if a tick of the simulation plus the redraw took longer than a
// frame, the interval grows. Target: 60 frames per second (p95 interval under 20 ms).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tests', 'e2e', 'package.json'));
const { chromium } = require('playwright-core');
const dist = join(root, 'dist');
const results = process.env.BENCH_WEB_OUT || join(root, 'target', 'bench', 'web.json');
const say = (m) => console.error(`[bench:web] ${m}`);

if (!existsSync(join(dist, 'index.html'))) {
  say('dist/ is missing: run make web first');
  process.exit(2);
}

// Size of the wasm module, raw and gzip.
const wasm = readdirSync(dist).find((f) => f.endsWith('.wasm'));
const bytes = readFileSync(join(dist, wasm));
const rawKb = bytes.length / 1024;
const gzKb = gzipSync(bytes, { level: 9 }).length / 1024;

// A 64-partition, 32-consumer world as a run string (the page restores it like a link).
const commands = [
  [0, { cmd: 'create_topic', topic: 'big', partitions: 64, retention_ms: null, segment_bytes: null }],
  [0, { cmd: 'add_producer', name: 'producer', topic: 'big', rate_per_sec: 2000, distinct_keys: 500 }],
];
for (let i = 0; i < 32; i++) {
  commands.push([0, { cmd: 'add_consumer', name: `c${String(i).padStart(2, '0')}`, group: 'group-1', topics: ['big'], processing_ms: 1 }]);
}
// A last command after S1's script ends, so no scripted S1 command is mixed in.
commands.push([20000, { cmd: 'set_produce_rate', name: 'producer', rate_per_sec: 2000 }]);
const run = 'mk1.' + Buffer.from(JSON.stringify({ seed: 1, commands })).toString('base64url');

const port = await new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '-d', dist], { stdio: 'ignore' });
let context;
try {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mk-bench-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  say('restoring a 64-partition, 32-consumer world at t = 30 s');
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${port}/?scenario=S1&lang=en&t=30000&run=${run}`);
  await page.getByTestId('play').waitFor({ timeout: 120000 });
  const loadMs = Date.now() - t0;
  const members = await page.locator('[data-testid^=member-]').count();
  const partitions = await page.locator('[data-testid^=partition-]').count();
  say(`loaded in ${loadMs} ms: ${partitions} partitions, ${members} members; playing at 1x for 5 s`);
  await page.getByTestId('play').click();
  const intervals = await page.evaluate(() => new Promise((resolve) => {
    const out = [];
    let last = performance.now();
    const end = last + 5000;
    function frame(t) {
      out.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(frame); else resolve(out);
    }
    requestAnimationFrame(frame);
  }));
  intervals.sort((a, b) => a - b);
  const q = (p) => intervals[Math.min(intervals.length - 1, Math.floor(p * intervals.length))];
  const fps = intervals.length / 5;
  const p50 = q(0.5);
  const p95 = q(0.95);
  say(`frames: ${fps.toFixed(1)}/s, p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms; wasm ${rawKb.toFixed(0)} KB, ${gzKb.toFixed(0)} KB gzip`);
  mkdirSync(dirname(results), { recursive: true });
  writeFileSync(results, JSON.stringify({
    date: new Date().toISOString().slice(0, 10), partitions, members, load_ms: loadMs,
    fps, p50_ms: p50, p95_ms: p95, wasm_raw_kb: rawKb, wasm_gzip_kb: gzKb,
  }, null, 1) + '\n');
  say(`wrote ${results} (bench/report.py puts it in bench/RESULTS.md)`);
} finally {
  if (context) await context.close();
  process.kill(server.pid);
}
