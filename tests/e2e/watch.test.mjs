// `minikafka watch` in a real browser: a `minikafka serve` started as a separate process
// plays the foreign cluster (no --http: the watch is the only page), real confluent-kafka
// clients (tests/clients/live_demo.py: a producer and group members) use it, and
// `minikafka watch --bootstrap ... --http ...` samples it every second and serves the page.
// Every process is started here and stopped by PID.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root, dist, shots, CHROMIUM, ARGS, freePort, waitForHttp } from './helpers.mjs';

const BIN = process.env.MINIKAFKA_BIN || join(root, 'target', 'debug', 'minikafka');
const PYTHON = process.env.CLIENTS_PYTHON || join(root, 'tests', 'clients', '.venv', 'bin', 'python');
const DEMO = join(root, 'tests', 'clients', 'live_demo.py');
const TOPIC = 'orders';
const GROUP = 'billing';

const procs = [];
let kafka;
let base;
let context;

function start(cmd, args, name) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  p.output = '';
  p.stdout.on('data', (d) => { p.output += d; });
  p.stderr.on('data', (d) => { p.output += d; });
  p.label = name;
  procs.push(p);
  return p;
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${out}`))));
  });
}

const member = (name) => start(PYTHON, [DEMO, 'member', '--bootstrap', kafka, '--topic', TOPIC, '--group', GROUP,
  '--client-id', name], name);

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/ is built (make web)');
  assert.ok(existsSync(BIN), `the server is built (${BIN})`);
  assert.ok(existsSync(PYTHON), `the clients' virtualenv exists (${PYTHON}: make clients-tools)`);
  mkdirSync(shots, { recursive: true });
  const [kport, hport] = [await freePort(), await freePort()];
  kafka = `127.0.0.1:${kport}`;
  // The "cluster": a separate process the watch knows only by its Kafka address.
  start(BIN, ['serve', '--listen', kafka, '--data-dir', mkdtempSync(join(tmpdir(), 'mk-watched-')),
    '--group-initial-rebalance-delay-ms', '0'], 'cluster');
  for (let i = 0; ; i++) {
    try { await run(BIN, ['topics', 'create', TOPIC, '--partitions', '2', '--bootstrap', kafka]); break; } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  start(PYTHON, [DEMO, 'producer', '--bootstrap', kafka, '--topic', TOPIC, '--rate', '20'], 'producer');
  member('consumer-a');
  start(BIN, ['watch', '--bootstrap', kafka, '--http', `127.0.0.1:${hport}`, '--dist', dist, '--interval', '1s'], 'watch');
  base = `http://127.0.0.1:${hport}/`;
  await waitForHttp(base);
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mk-chromium-')), {
    executablePath: CHROMIUM, args: ARGS, viewport: { width: 1280, height: 720 },
  });
});

after(async () => {
  if (context) await context.close();
  for (const p of procs.reverse()) {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
});

const text = (page, id) => page.evaluate((i) => document.querySelector(`[data-testid="${i}"]`)?.innerText ?? '', id);

test('the watch page: the group, how fresh, the rebalance after a member joins, and scrubbing back to before it', { timeout: 150_000 }, async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '?source=live&lang=en');
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.dataset.state === 'connected');
  // Read-only: a watched cluster is somebody's production.
  assert.equal(await page.getByTestId('admin').count(), 0);
  assert.equal(await page.getByTestId('live-hint').count(), 0);

  // The group, with consumer-a reading both partitions; its commits and the freshness line.
  await page.waitForFunction((g) => document.querySelector('[data-testid=group-select]')?.value === g, GROUP, { timeout: 40_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="member-consumer-a"]')?.dataset.state === 'active', null, { timeout: 40_000 });
  await page.waitForFunction((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.innerText) > 0, `committed-${TOPIC}-0`, { timeout: 40_000 });
  assert.equal(await text(page, 'watch-cluster'), `Cluster ${kafka} · 1 broker`, 'which cluster');
  assert.match(await text(page, 'watch-freshness'), /sampled \d+\.\d s ago · every 1000 ms · took \d+ ms/);
  const age = Number((await text(page, 'watch-freshness')).match(/sampled (\d+\.\d) s ago/)[1]);
  assert.ok(age < 3, `a 1 s interval keeps the picture fresh: ${age} s`);

  // Some seconds of consumer-a alone, then consumer-b joins: a rebalance, inferred.
  await new Promise((r) => setTimeout(r, 4_000));
  const before = Date.now();
  member('consumer-b');
  await page.waitForFunction(() => /billing: member added \(inferred\)/.test(document.querySelector('[data-testid=watch-rebalances]')?.innerText), null, { timeout: 40_000 });
  await page.waitForFunction(() => {
    const s = (n) => document.querySelector(`[data-testid="member-${n}"]`)?.dataset.state;
    return s('consumer-a') === 'active' && s('consumer-b') === 'active';
  }, null, { timeout: 40_000 });
  await new Promise((r) => setTimeout(r, 3_000));
  assert.match(await text(page, 'watch-rebalances'), /\+consumer-b ·/, 'members by client.id');
  assert.ok(Number(await text(page, 'group-lag')) >= 0);
  await page.screenshot({ path: join(root, 'docs', 'watch.png'), animations: 'disabled' });

  // Scrub back to before consumer-b joined: the stage and panels show consumer-a alone,
  // the page says which moment it shows, and samples keep arriving.
  const slider = page.getByTestId('watch-timeline');
  const max = Number(await slider.getAttribute('max'));
  assert.ok(max >= 8, `the hour so far has a frame per sample: ${max + 1}`);
  // Back, frame by frame, to a sample taken a second before consumer-b was started.
  const scrub = (v) => slider.evaluate((el, value) => { el.value = String(value); el.dispatchEvent(new Event('change', { bubbles: true })); }, v);
  const shownAt = () => page.evaluate(() => Number(document.querySelector('[data-testid=watch-clock]').dataset.at));
  let back = max;
  do { await scrub(--back); } while (back > 0 && await shownAt() > before - 1_000);
  await page.getByTestId('watch-viewing').waitFor();
  assert.match(await text(page, 'watch-viewing'), /Viewing the past: sampled at \d\d:\d\d:\d\d UTC · \d+ s ago/);
  assert.equal(await page.getByTestId('member-consumer-b').count(), 0, 'consumer-b had not joined yet');
  assert.equal(await page.getByTestId('stage-member-consumer-b').count(), 0);
  assert.equal(await page.evaluate(() => document.querySelector('[data-testid="member-consumer-a"]')?.dataset.state), 'active');
  const frames = Number(await slider.getAttribute('max'));
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=watch-timeline]').max) > n, frames, { timeout: 10_000 });
  assert.ok(await page.getByTestId('watch-viewing').isVisible(), 'still scrubbed while samples arrive');
  await page.screenshot({ path: join(shots, 'watch-scrubbed.png'), animations: 'disabled' });

  // A click on the rebalance jumps to it: that frame shows consumer-b, the line is highlighted.
  await page.locator('[data-testid=watch-rebalances] li', { hasText: 'member added' }).first().click();
  await page.waitForFunction(() => document.querySelector('[data-testid=watch-rebalances] li.current'));
  await page.getByTestId('member-consumer-b').waitFor();
  assert.ok(Number(await slider.inputValue()) > back, 'the rebalance came after the frame shown before');

  await page.getByTestId('back-to-live').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=watch-viewing]'));
  assert.equal(await slider.inputValue(), await slider.getAttribute('max'), 'live: the slider at the newest sample');

  // A phone: no horizontal scrolling, the freshness and the timeline in view.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `390px: ${overflow}px of horizontal overflow`);
  await page.screenshot({ path: join(root, 'docs', 'watch-phone.png'), animations: 'disabled' });
  await page.setViewportSize({ width: 1280, height: 720 });
  assert.deepEqual(errors, []);
  await page.close();
});
