// Live mode in a real browser: one `minikafka serve` with a Kafka port and an HTTP port
// (the built visualiser + /live), real confluent-kafka clients (a producer and a two-member
// group), and the page at ?source=live. Every process is started here and stopped by PID.
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
const TOPIC = 'live-demo';
const GROUP = 'live-group';

const procs = [];
let kafka;
let base;
let server;
let serverArgs;
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

function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) p.stdin.end(input);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${out}`))));
  });
}

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/ is built (make web)');
  assert.ok(existsSync(BIN), `the server is built (${BIN})`);
  assert.ok(existsSync(PYTHON), `the clients' virtualenv exists (${PYTHON}: make clients-tools)`);
  mkdirSync(shots, { recursive: true });
  const [kport, hport] = [await freePort(), await freePort()];
  kafka = `127.0.0.1:${kport}`;
  serverArgs = ['serve', '--listen', kafka, '--http', `127.0.0.1:${hport}`, '--dist', dist,
    '--data-dir', mkdtempSync(join(tmpdir(), 'mk-live-')), '--group-initial-rebalance-delay-ms', '0'];
  server = start(BIN, serverArgs, 'server');
  base = `http://127.0.0.1:${hport}/`;
  await waitForHttp(base);
  assert.match(server.output, /live visualiser: http:\/\/127\.0\.0\.1:\d+\/\?source=live/);
  assert.match(server.output, /simulation: +http:\/\/127\.0\.0\.1:\d+\/\?scenario=S1/);
  await run(BIN, ['topics', 'create', TOPIC, '--partitions', '1', '--bootstrap', kafka]);
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mk-chromium-')), {
    executablePath: CHROMIUM, args: ARGS, viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  if (context) await context.close();
  for (const p of procs.reverse()) {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
});

const member = (name) => [DEMO, 'member', '--bootstrap', kafka, '--topic', TOPIC, '--group', GROUP, '--client-id', name];

async function openLive(at = base, extra = '') {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(at + '?source=live&lang=en' + extra);
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.dataset.state === 'connected');
  return { page, errors };
}

const state = (page, name) => page.evaluate((n) => document.querySelector(`[data-testid="member-${n}"]`)?.dataset.state, name);
const committed = (page) => page.evaluate((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.innerText), `committed-${TOPIC}-0`);

test('live mode draws a real producer and a two-member group: active, standby, commits, rebalance after a kill', { timeout: 120_000 }, async () => {
  const { page, errors } = await openLive();
  assert.equal(await page.getByTestId('admin').count(), 0, 'read-only by default: no admin panel');
  // The commands to try name this server's Kafka address.
  assert.match(await page.getByTestId('live-hint').innerText(), new RegExp(`kcat -b ${kafka} -G demo-group demo`));
  start(PYTHON, [DEMO, 'producer', '--bootstrap', kafka, '--topic', TOPIC, '--rate', '10'], 'producer');
  await page.getByTestId('stage-producer-live-producer').waitFor({ timeout: 20_000 });
  await page.waitForFunction((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.innerText.match(/high watermark: (\d+)/)?.[1]) > 0,
    `partition-${TOPIC}-0`, { timeout: 20_000 });

  const members = { 'consumer-a': start(PYTHON, member('consumer-a'), 'consumer-a') };
  await page.waitForFunction((g) => [...document.querySelectorAll('[data-testid=group-select] option')].some((o) => o.value === g), GROUP, { timeout: 30_000 });
  await page.getByTestId('group-select').selectOption(GROUP);
  assert.match(page.url(), new RegExp(`[?&]group=${GROUP}(&|$)`), 'the followed group is in the link');
  await page.waitForFunction(() => document.querySelector('[data-testid="member-consumer-a"]')?.dataset.state === 'active', null, { timeout: 30_000 });
  members['consumer-b'] = start(PYTHON, member('consumer-b'), 'consumer-b');

  // One partition, two members: one reads it, the other waits as a standby.
  await page.waitForFunction(() => {
    const s = (n) => document.querySelector(`[data-testid="member-${n}"]`)?.dataset.state;
    return [s('consumer-a'), s('consumer-b')].sort().join() === 'active,standby';
  }, null, { timeout: 30_000 });
  const active = (await state(page, 'consumer-a')) === 'active' ? 'consumer-a' : 'consumer-b';
  const standby = active === 'consumer-a' ? 'consumer-b' : 'consumer-a';
  const generation = Number(await page.getByTestId('generation').innerText());
  assert.ok(generation >= 2, `generation ${generation} after the second member joined`);
  // The stage draws the same: an edge from the partition to the active member, the other
  // one on the bench.
  await page.waitForFunction(([id, m]) => document.querySelector(`[data-testid="${id}"]`)?.dataset.member === m, [`edge-${TOPIC}-0`, active], { timeout: 10_000 });
  assert.equal(await page.getByTestId(`stage-member-${standby}`).getAttribute('data-state'), 'standby');

  // Committed offsets rise as the active member processes and commits.
  await page.waitForFunction((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.innerText) > 0, `committed-${TOPIC}-0`, { timeout: 30_000 });
  const first = await committed(page);
  await page.waitForFunction(([id, v]) => Number(document.querySelector(`[data-testid="${id}"]`)?.innerText) > v, [`committed-${TOPIC}-0`, first], { timeout: 30_000 });
  await page.screenshot({ path: join(shots, 'live-standby.png'), fullPage: true });

  // Kill the active member's process: no LeaveGroup, so the coordinator notices only when
  // its session (6 s) runs out; then a rebalance hands the partition to the standby.
  members[active].kill('SIGKILL');
  await page.waitForFunction((g) => Number(document.querySelector('[data-testid=generation]').innerText) > g, generation, { timeout: 40_000 });
  await page.waitForFunction((n) => document.querySelector(`[data-testid="member-${n}"]`)?.dataset.state === 'active', standby, { timeout: 30_000 });
  assert.equal(await state(page, active), 'dead', 'the killed member is shown dead');
  await page.waitForFunction(([id, m]) => document.querySelector(`[data-testid="${id}"]`)?.dataset.member === m, [`edge-${TOPIC}-0`, standby], { timeout: 10_000 });
  assert.equal(await page.getByTestId(`stage-member-${active}`).getAttribute('data-state'), 'dead');
  assert.match(await page.getByTestId('live-events').innerText(), /session timeout/);
  const before = await committed(page);
  await page.waitForFunction(([id, v]) => Number(document.querySelector(`[data-testid="${id}"]`)?.innerText) > v, [`committed-${TOPIC}-0`, before], { timeout: 30_000 });
  await page.screenshot({ path: join(shots, 'live-after-kill.png'), fullPage: true });
  await page.screenshot({ path: join(root, 'docs', 'stage-live.png'), animations: 'disabled' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a link with group= follows that group, and says when it has no active member', { timeout: 60_000 }, async () => {
  // A group with a committed offset and nobody in it: alphabetically first, yet not the one
  // the page would pick by itself (live-group still has a member).
  await run(BIN, ['consume', TOPIC, '-g', 'aaa-bookmark', '--from-beginning', '-n', '1', '--bootstrap', kafka]);
  const { page, errors } = await openLive(base, '&group=aaa-bookmark');
  await page.waitForFunction(() => document.querySelector('[data-testid=group-select]')?.value === 'aaa-bookmark', null, { timeout: 20_000 });
  await page.getByTestId('no-active-member').waitFor({ timeout: 10_000 });
  const plain = await openLive(base);
  await plain.page.waitForFunction((g) => document.querySelector('[data-testid=group-select]')?.value === g, GROUP, { timeout: 20_000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(plain.errors, []);
  await page.close();
  await plain.page.close();
});

test('two browsers are independent; a reload or a server restart reconnects with a fresh snapshot', { timeout: 90_000 }, async () => {
  const one = await openLive();
  const two = await openLive();
  await one.page.getByTestId('group-select').selectOption(GROUP);
  // The second page keeps its own choice (the default group) and its own connection.
  await one.page.close();
  await two.page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`) !== null, `partition-${TOPIC}-0`);
  // Readable on a phone and a projector: no horizontal scrolling.
  for (const [width, height] of [[390, 844], [1280, 720]]) {
    await two.page.setViewportSize({ width, height });
    const overflow = await two.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${width}px: ${overflow}px of horizontal overflow`);
  }
  await two.page.screenshot({ path: join(shots, 'live-phone.png'), fullPage: false });
  // In Chinese, the events and the member cards too.
  await two.page.getByTestId('lang-toggle').click();
  await two.page.waitForFunction(() => /[\u4e00-\u9fff]/.test(document.querySelector('[data-testid=live-events]').innerText));
  assert.match(await two.page.getByTestId('live-hint').innerText(), /终端/);
  await two.page.reload();
  await two.page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.dataset.state === 'connected');
  await two.page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`) !== null, `partition-${TOPIC}-0`);
  // The server dies and comes back on the same ports: the page says so, retries, and
  // draws the topic again from the new server's snapshot (the topic is on disk).
  server.kill('SIGKILL');
  await two.page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.dataset.state !== 'connected', null, { timeout: 10_000 });
  server = start(BIN, serverArgs, 'server (restarted)');
  await waitForHttp(base);
  await two.page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.dataset.state === 'connected', null, { timeout: 20_000 });
  await two.page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`) !== null, `partition-${TOPIC}-0`);
  // A closed WebSocket is reported by Chromium on the console; nothing else may be.
  const unexpected = one.errors.concat(two.errors).filter((e) => !/WebSocket connection to .* failed/.test(e));
  assert.deepEqual(unexpected, []);
  await two.page.close();
});

test('with --http-admin the page resets a group and deletes a topic', { timeout: 60_000 }, async () => {
  const [kport, hport] = [await freePort(), await freePort()];
  const bootstrap = `127.0.0.1:${kport}`;
  const admin = start(BIN, ['serve', '--listen', bootstrap, '--http', `127.0.0.1:${hport}`, '--dist', dist,
    '--data-dir', mkdtempSync(join(tmpdir(), 'mk-admin-')), '--http-admin'], 'server (admin)');
  const at = `http://127.0.0.1:${hport}/`;
  await waitForHttp(at);
  assert.match(admin.output, /--http-admin/);
  await run(BIN, ['topics', 'create', 'ops', '--partitions', '2', '--bootstrap', bootstrap]);
  await run(BIN, ['produce', 'ops', '--bootstrap', bootstrap], 'a\nb\nc\nd\ne\nf\n');
  await run(BIN, ['offsets', 'reset', '--group', 'ops-group', '--topic', 'ops', '--to', 'latest', '--bootstrap', bootstrap]);
  const { page, errors } = await openLive(at);
  await page.getByTestId('admin').waitFor();
  await page.getByTestId('group-select').selectOption('ops-group');
  const committedSum = () => page.evaluate(() => ['ops-0', 'ops-1']
    .map((p) => Number(document.querySelector(`[data-testid="committed-${p}"]`)?.innerText)).reduce((a, b) => a + b, 0));
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="committed-ops-0"]')?.innerText) >= 0);
  assert.equal(await committedSum(), 6, 'reset to latest by the CLI: all six records');
  await page.getByTestId('admin-reset-earliest').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=admin-result]')?.dataset.ok === 'true');
  await page.waitForFunction(() => document.querySelector('[data-testid="committed-ops-0"]')?.innerText === '0'
    && document.querySelector('[data-testid="committed-ops-1"]')?.innerText === '0');
  // Deleting asks first; a dismissed question deletes nothing.
  page.once('dialog', (d) => d.dismiss());
  await page.getByTestId('admin-delete-topic').click();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.getByTestId('partition-ops-0').count(), 1);
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('admin-delete-topic').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="partition-ops-0"]') === null);
  assert.match(await page.getByTestId('admin-result').innerText(), /topic ops deleted/);
  const topics = await run(BIN, ['topics', 'list', '--bootstrap', bootstrap]);
  assert.doesNotMatch(topics, /\bops\b/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('live mode draws a real transactional app: committed transactions, and an open one holding the LSO', { timeout: 90_000 }, async () => {
  // confluent-kafka's read-process-write app (tests/clients/txn_client.py): each batch of
  // txn-in becomes records of txn-out in one transaction with the input offsets. After 3
  // transactions it holds the 4th open, its records flushed to the log.
  await run(BIN, ['topics', 'create', 'txn-in', '--partitions', '1', '--bootstrap', kafka]);
  await run(BIN, ['topics', 'create', 'txn-out', '--partitions', '1', '--bootstrap', kafka]);
  await run(BIN, ['produce', 'txn-in', '--bootstrap', kafka], Array.from({ length: 40 }, (_, i) => `order-${i}`).join('\n') + '\n');
  // A group that reads txn-out, so that the page shows it: `audit` has committed offsets there.
  await run(BIN, ['offsets', 'reset', '--group', 'audit', '--topic', 'txn-out', '--to', 'earliest', '--bootstrap', kafka]);
  const app = start(PYTHON, [join(root, 'tests', 'clients', 'txn_client.py'), 'processor', kafka,
    'txn-in', 'txn-out', 'txn-group', 'txn-app', '3', '0.05'], 'transactional app');
  const deadline = Date.now() + 60_000;
  while (!/holding/.test(app.output)) {
    assert.ok(Date.now() < deadline, `the app holds a transaction open: ${app.output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const { page, errors } = await openLive(base, '&group=audit');
  // Brackets over each transaction's records and its marker: committed ones, and the open one.
  await page.waitForSelector('[data-testid^="txn-txn-out-0-"][data-end="committed"]');
  await page.waitForSelector('[data-testid^="txn-txn-out-0-"][data-end="open"]');
  // The last stable offset stops where the open transaction begins, below the high watermark:
  // that is where a read_committed consumer waits.
  const offset = (layer) => page.evaluate((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.dataset.offset), `marker-${layer}-txn-out-0`);
  await page.waitForFunction(() => document.querySelector('[data-testid="marker-lso-txn-out-0"]'));
  const [lso, hw] = [await offset('lso'), await offset('high-watermark')];
  const openAt = await page.evaluate(() => Number(document.querySelector('[data-testid^="txn-txn-out-0-"][data-end="open"]').dataset.testid.split('-').pop()));
  assert.ok(lso < hw, `LSO ${lso} below the high watermark ${hw}`);
  assert.equal(lso, openAt, 'the LSO is the open transaction\'s first offset');
  await page.screenshot({ path: join(shots, 'stage-live-txn.png') });
  app.kill('SIGKILL');
  assert.deepEqual(errors, []);
  await page.close();
});
