// Browser tests of the visualiser: the built page (dist/) served on 127.0.0.1 by a static
// server this test starts and stops by PID, driven in Debian's Chromium by playwright-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dist, shots, servePage } from './helpers.mjs';

let site;
let base;
let context;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/ is built (make web)');
  mkdirSync(shots, { recursive: true });
  site = await servePage({ width: 1280, height: 900 });
  ({ base, context } = site);
});

after(async () => {
  if (site) await site.stop();
});

const open = (query) => site.open(query, 'play');

const text = (page, id) => page.getByTestId(id).innerText();

test('the page loads with no console errors', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en');
  assert.equal(await text(page, 'duplicates-count'), '0');
  assert.equal(await page.getByTestId('source-select').inputValue(), 'simulation');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a produced batch travels on the stage from its producer to its cells', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en&lesson=0');
  await page.getByTestId('play').click();
  const batch = page.locator('[data-testid^="batch-user-events-0-"]').first();
  await batch.waitFor({ state: 'attached', timeout: 20_000 });
  // It starts at the producer: the animation's offset points back to the producer's box.
  const style = await batch.getAttribute('style');
  const dx = Number(style.match(/--dx: (-?[\d.]+)px/)[1]);
  assert.ok(dx < -40, `starts left of its cells, at the producer (dx ${dx})`);
  // Paused, so that the log is not redrawn while it is measured.
  await page.getByTestId('pause').click();
  await page.getByTestId('play').waitFor();
  const producer = await page.getByTestId('stage-producer-producer').boundingBox();
  const cells = await page.getByTestId('cell-user-events-0-0').boundingBox();
  assert.ok(producer.x + producer.width < cells.x + 40, 'producers are left of the logs');
  assert.deepEqual(errors, []);
  await page.close();
});

test('S1 run to its end: 6 duplicates, 0 lost, B active on partition 0', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en');
  await page.getByTestId('to-end').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=duplicates-count]').innerText === '6');
  assert.equal(await text(page, 'lost-count'), '0');
  const b = page.getByTestId('member-B');
  assert.equal(await b.getAttribute('data-state'), 'active');
  assert.match(await b.innerText(), /user-events-0/);
  assert.equal(await page.getByTestId('member-A').getAttribute('data-state'), 'dead');
  assert.equal(await text(page, 'committed-user-events-0'), '101');
  assert.equal(await text(page, 'lag-user-events-0'), '0');
  await page.screenshot({ path: join(shots, 'S1.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('S6 shows exactly one standby member', async () => {
  const { page } = await open('?scenario=S6&lang=en');
  await page.getByTestId('to-end').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^=member-][data-state=standby]').length === 1);
  assert.equal(await page.locator('[data-testid^=member-][data-state=active]').count(), 4);
  await page.close();
});

test('a copied URL reopened in a fresh page shows the same moment', async () => {
  const { page } = await open('?scenario=S1&lang=en');
  await page.getByTestId('timeline').fill('45000');
  await page.getByTestId('timeline').dispatchEvent('change');
  await page.waitForFunction(() => document.querySelector('[data-testid=time]').innerText.startsWith('45.'));
  const url = page.url();
  assert.match(url, /run=mk1\./);
  const committed = await text(page, 'committed-user-events-0');
  const dup = await text(page, 'duplicates-count');
  await page.close();
  const fresh = await context.newPage();
  await fresh.goto(url);
  await fresh.getByTestId('play').waitFor();
  assert.equal(await text(fresh, 'committed-user-events-0'), committed);
  assert.equal(await text(fresh, 'duplicates-count'), dup);
  assert.match(await text(fresh, 'time'), /^45\./);
  await fresh.close();
});

test('switching to Chinese changes the narration', async () => {
  const { page } = await open('?scenario=S1&lang=en');
  await page.getByTestId('step').click();
  const en = await text(page, 'narration');
  assert.match(en, /partition/);
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction(() => /分区/.test(document.querySelector('[data-testid=narration]').innerText));
  assert.notEqual(await text(page, 'narration'), en);
  // The event log speaks Chinese too.
  assert.match(await page.locator('.events').innerText(), /[\u4e00-\u9fff]/);
  // With Noto CJK installed (make browser), the Chinese renders as glyphs, not boxes.
  await page.screenshot({ path: join(shots, 'S1-zh.png'), fullPage: false });
  await page.close();
});

test('every scenario runs to its end in the page (screenshots saved, not committed)', async () => {
  const ids = await (async () => {
    const { page } = await open('?scenario=S1&lang=en');
    const values = await page.getByTestId('scenario-select').locator('option').evaluateAll((os) => os.map((o) => o.value));
    await page.close();
    return values;
  })();
  assert.ok(ids.length >= 12, `scenarios in the picker: ${ids}`);
  for (const id of ids) {
    const { page, errors } = await open(`?scenario=${id}&lang=en`);
    await page.getByTestId('to-end').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=play]')?.disabled === true);
    await page.screenshot({ path: join(shots, `${id}.png`), fullPage: true });
    assert.deepEqual(errors, [], `${id}: console errors`);
    await page.close();
  }
});

test('the learner can act: add a consumer, crash one, seek a partition', async () => {
  const { page, errors } = await open('?scenario=S6&lang=en');
  await page.getByTestId('to-end').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^=member-][data-state=standby]').length === 1);
  await page.getByTestId('add-consumer').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^=member-]').length === 6);
  await page.getByTestId('crash-c1').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=member-c1]').dataset.state === 'dead');
  const url = page.url();
  assert.match(url, /run=mk1\./);
  await page.close();
  const seek = await open('?scenario=S1&lang=en&t=11500');
  assert.equal(await seek.page.getByTestId('edge-user-events-0').getAttribute('data-member'), 'A', 'A -> user-events-0');
  await seek.page.getByTestId('select-user-events-0').click();
  await seek.page.getByTestId('seek-start-user-events-0').click();
  await seek.page.waitForFunction(() => /position: 0/.test(document.querySelector('[data-testid=partition-user-events-0]').innerText));
  await seek.page.getByTestId('seek-input-user-events-0').fill('42');
  await seek.page.getByTestId('seek-input-user-events-0').press('Enter');
  await seek.page.waitForFunction(() => /position: 42/.test(document.querySelector('[data-testid=partition-user-events-0]').innerText));
  assert.equal(await text(seek.page, 'committed-user-events-0'), '95');
  assert.deepEqual(errors.concat(seek.errors), []);
  await seek.page.close();
});

test('S1 while the coordinator waits: A dead with its session running out, B standby', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en&t=38000');
  assert.equal(await page.getByTestId('member-A').getAttribute('data-state'), 'dead');
  assert.equal(await page.getByTestId('member-B').getAttribute('data-state'), 'standby');
  assert.match(await text(page, 'session-A'), /session expires in 2\.\d/);
  await page.screenshot({ path: join(shots, 'S1-38s.png'), fullPage: true });
  await page.goto(base + '?scenario=S1&lang=en&t=42250');
  await page.getByTestId('rebalance-banner').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('fits a phone screen and a 1280x720 projector without horizontal scrolling', async () => {
  for (const [width, height, name] of [[390, 844, 'phone'], [1280, 720, 'projector']]) {
    const { page, errors } = await open('?scenario=S7&lang=zh');
    await page.setViewportSize({ width, height });
    await page.getByTestId('to-end').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=play]')?.disabled === true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${name}: ${overflow}px of horizontal overflow`);
    await page.screenshot({ path: join(shots, `S7-${name}.png`), fullPage: false });
    assert.deepEqual(errors, []);
    await page.close();
  }
});
