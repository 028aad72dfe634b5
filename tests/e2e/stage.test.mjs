// Browser tests of the stage at a projector's 1280x720: geometry, not only text. The built
// page (dist/) is served by a static server this test starts and stops by PID.
// Screenshots of the key moments go to docs/ (the README shows them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root, dist, servePage } from './helpers.mjs';

const docs = join(root, 'docs');
let site;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/ is built (make web)');
  site = await servePage({ width: 1280, height: 720 });
});

after(async () => {
  if (site) await site.stop();
});

const open = (query) => site.open(query, 'stage');

/** The smallest rendered font size (CSS px) of any text on the stage. */
const smallestStageText = (page) => page.evaluate(() => {
  const svg = document.querySelector('[data-testid=stage]');
  const scale = svg.getScreenCTM().a;
  return Math.min(...[...svg.querySelectorAll('text')]
    .filter((t) => t.textContent.trim() !== '' && t.getBBox().width > 0)
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale));
});

/** How far the stage and the narration line reach down, and any horizontal overflow. */
const fit = (page) => page.evaluate(() => ({
  stage: document.querySelector('[data-testid=stage]').getBoundingClientRect().bottom,
  narration: document.querySelector('[data-testid=narration-line]').getBoundingClientRect().bottom,
  controls: document.querySelector('[data-testid=to-end]').getBoundingClientRect().bottom,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
}));

test('S1 at 38 s: the picture alone says committed 95, A got to 101 and died, B waits', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en&t=38000');
  const flag = page.getByTestId('marker-committed-user-events-0');
  assert.equal(await flag.getAttribute('data-offset'), '95');
  assert.match(await flag.textContent(), /committed 95 · the next owner starts here/);
  // The flag's pole stands over offset 95's cell.
  const pole = await flag.locator('line').boundingBox();
  const cell = await page.getByTestId('cell-user-events-0-95').boundingBox();
  assert.ok(pole.x + pole.width / 2 >= cell.x - 1 && pole.x + pole.width / 2 <= cell.x + cell.width / 2,
    `pole at ${pole.x}, cell 95 at ${cell.x}..${cell.x + cell.width}`);
  // A's cursor: a ghost at 101; the processed-but-uncommitted range is 95..100.
  const cursor = page.locator('[data-testid=marker-position-user-events-0][data-member=A]');
  assert.equal(await cursor.getAttribute('data-offset'), '101');
  assert.match(await cursor.textContent(), /A got to 101, died/);
  const hatch = page.getByTestId('uncommitted-user-events-0');
  assert.deepEqual([await hatch.getAttribute('data-from'), await hatch.getAttribute('data-to')], ['95', '101']);
  // The coordinator still holds A's ownership (a stale edge); B sits on the bench.
  const edge = page.getByTestId('edge-user-events-0');
  assert.equal(await edge.getAttribute('data-member'), 'A');
  assert.equal(await edge.getAttribute('data-kind'), 'stale');
  assert.equal(await page.getByTestId('stage-member-A').getAttribute('data-state'), 'dead');
  assert.equal(await page.getByTestId('stage-member-B').getAttribute('data-state'), 'standby');
  assert.match(await page.getByTestId('stage-member-A').textContent(), /session: 2\.\d s left/);
  // HW and log start are drawn on the log too.
  assert.equal(await page.getByTestId('marker-high-watermark-user-events-0').getAttribute('data-offset'), '101');
  assert.equal(await page.getByTestId('marker-log-start-user-events-0').getAttribute('data-offset'), '0');
  // Projector: no scrolling for the stage, the controls and the narration; text 14 px+.
  const f = await fit(page);
  assert.ok(f.narration <= 720 && f.stage <= 720, `stage ends at ${f.stage}, narration at ${f.narration}`);
  assert.ok(f.overflow <= 1, `${f.overflow}px of horizontal overflow`);
  const smallest = await smallestStageText(page);
  assert.ok(smallest >= 14, `smallest stage text ${smallest}px`);
  await page.screenshot({ path: join(docs, 'stage-S1-38s.png'), animations: 'disabled' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('S1 at 50 s: the line runs to B, and 95..100 are marked as read twice', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en&t=50000');
  const edge = page.getByTestId('edge-user-events-0');
  assert.equal(await edge.getAttribute('data-member'), 'B');
  assert.equal(await edge.getAttribute('data-kind'), 'owned');
  assert.match(await page.getByTestId('note-duplicates-user-events-0').textContent(), /95\.\.100 read twice \(6 duplicates\)/);
  assert.equal(await page.getByTestId('marker-committed-user-events-0').getAttribute('data-offset'), '101');
  await page.screenshot({ path: join(docs, 'stage-S1-50s.png'), animations: 'disabled' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the lesson asks before it shows: S1 pauses at its question and plays on once answered', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en&t=36000');
  await page.getByTestId('speed').selectOption('10');
  await page.getByTestId('play').click();
  await page.getByTestId('predict').waitFor({ timeout: 10_000 });
  assert.match(await page.getByTestId('predict').textContent(), /Where will B start reading\?/);
  assert.equal(await page.getByTestId('play').isVisible(), true, 'paused at the question');
  await page.screenshot({ path: join(docs, 'stage-S1-predict.png'), animations: 'disabled' });
  await page.getByTestId('predict-option-1').click();
  await page.getByTestId('pause').waitFor();
  await page.getByTestId('predict-answer').waitFor();
  assert.equal(await page.getByTestId('predict-answer').getAttribute('data-right'), 'true');
  // It plays on: B takes the partition over.
  await page.waitForFunction(() => document.querySelector('[data-testid=edge-user-events-0]')?.dataset.member === 'B', null, { timeout: 20_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('every lesson question: the stage, the question and its options fit 1280x720', async () => {
  // The moments of core/src/sim/scenarios/lesson.rs.
  const asks = { S1: 38000, S2: 11900, S3: 21500, S4: 14500, S5: 6550, S6: 59000, S7: 21000, S8: 24900, S9: 20000, S10: 15500, S11: 29900, S12: 7000, S13: 37900, S14: 19500 };
  for (const [id, at] of Object.entries(asks)) {
    for (const lang of ['en', 'zh']) {
      const { page, errors } = await open(`?scenario=${id}&lang=${lang}&t=${at - 1000}`);
      await page.getByTestId('speed').selectOption('10');
      await page.getByTestId('play').click();
      await page.getByTestId('predict').waitFor({ timeout: 20_000 });
      const bottom = await page.evaluate(() => Math.max(...[...document.querySelectorAll('[data-testid^=predict-option-]')]
        .map((b) => b.getBoundingClientRect().bottom)));
      assert.ok(bottom <= 720, `${id} ${lang}: the options end at ${bottom}px`);
      if (id === 'S7' && lang === 'en') await page.screenshot({ path: join(docs, 'stage-S7-predict.png'), animations: 'disabled' });
      assert.deepEqual(errors, [], `${id}: console errors`);
      await page.close();
    }
  }
});

test('presenter mode: key P and ?present=1 show only the stage and the narration', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en&t=38000');
  await page.keyboard.press('p');
  await page.locator('.app.present').waitFor();
  assert.equal(await page.locator('.below').isVisible(), false);
  assert.equal(await page.getByTestId('present-toggle').getAttribute('aria-pressed'), 'true');
  await page.close();
  const again = await open('?scenario=S1&lang=zh&t=38000&present=1');
  await again.page.locator('.app.present').waitFor();
  const f = await fit(again.page);
  assert.ok(f.narration <= 720, `narration ends at ${f.narration}`);
  await again.page.screenshot({ path: join(docs, 'stage-S1-present-zh.png'), animations: 'disabled' });
  assert.deepEqual(errors.concat(again.errors), []);
  await again.page.close();
});

test('every scenario: the stage, the controls and the narration fit 1280x720, text 14 px+', async () => {
  for (const id of ['S1', 'S1b', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10', 'S11', 'S12', 'S13', 'S14']) {
    const { page, errors } = await open(`?scenario=${id}&lang=en&lesson=0`);
    await page.getByTestId('to-end').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=play]')?.disabled === true);
    const f = await fit(page);
    assert.ok(f.stage <= 720 && f.narration <= 720, `${id}: stage ends at ${f.stage}, narration at ${f.narration}`);
    assert.ok(f.overflow <= 1, `${id}: ${f.overflow}px of horizontal overflow`);
    const smallest = await smallestStageText(page);
    assert.ok(smallest >= 14, `${id}: smallest stage text ${smallest}px`);
    if (id === 'S12') {
      // The end of S12 counted on the stage: read_committed got each order once.
      const rc = page.getByTestId('delivery-audit-rc');
      assert.equal(await rc.getAttribute('data-twice'), '0');
      assert.equal(await rc.getAttribute('data-lost'), '0');
      assert.ok(Number(await page.getByTestId('delivery-audit-alo').getAttribute('data-twice')) > 0, 'at-least-once read some twice');
      assert.ok(Number(await page.getByTestId('delivery-audit-ru').getAttribute('data-aborted')) > 0, 'read_uncommitted read aborted records');
    }
    if (['S6', 'S7', 'S11', 'S12', 'S14'].includes(id)) {
      await page.screenshot({ path: join(docs, `stage-${id}.png`), animations: 'disabled' });
    }
    assert.deepEqual(errors, [], `${id}: console errors`);
    await page.close();
  }
});

test('S7: while the group waits for its slow member, eager has stopped every partition it gave up and cooperative reads on', async () => {
  const { page, errors } = await open('?scenario=S7&lang=en&lesson=0&t=22500');
  const eager = page.locator('[data-group=eager]');
  const cooperative = page.locator('[data-group=cooperative]');
  assert.equal(await eager.locator('[data-testid^=stopped-]').count(), 3);
  assert.match(await eager.locator('[data-testid^=stopped-]').first().textContent(), /nobody reads/);
  assert.equal(await cooperative.locator('[data-testid^=stopped-]').count(), 0);
  assert.equal(await cooperative.locator('path[data-testid^=edge-]').count(), 6);
  await page.screenshot({ path: join(docs, 'stage-S7-rebalance.png'), animations: 'disabled' });
  // At the end each coordinator says what the rebalance stopped: 6 of 6 against 2 of 6.
  await page.getByTestId('to-end').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=play]')?.disabled === true);
  assert.equal(await page.getByTestId('tally-eager').getAttribute('data-stopped'), '6');
  assert.equal(await page.getByTestId('tally-cooperative').getAttribute('data-stopped'), '2');
  assert.deepEqual(errors, []);
  await page.close();
});

test('S14: at the join and at the crash every classic member stops while the consumer group reads what it keeps; the tallies count both groups alike', async () => {
  const { page, errors } = await open('?scenario=S14&lang=en&lesson=0&t=23000');
  const classic = page.locator('[data-group=classic]');
  const consumer = page.locator('[data-group=consumer]');
  // C joins: classic A gave up everything and waits, with C, for B busy with its batch.
  assert.equal(await classic.locator('[data-testid^=stopped-]').count(), 3, 'classic: A gave up everything');
  assert.equal(await classic.getByTestId('stage-member-classic-A').getAttribute('data-state'), 'rebalancing');
  assert.equal(await classic.getByTestId('stage-member-classic-B').getAttribute('data-state'), 'busy');
  assert.ok(await consumer.locator('path[data-testid^=edge-]').count() >= 4, 'consumer: A and B read on');
  assert.match(await consumer.getByTestId('coordinator-consumer').textContent(), /group epoch \d+/);
  assert.equal(await classic.locator('[data-testid^=chips-]').count(), 0);
  assert.equal(await consumer.locator('[data-testid^=chips-]').count(), 3);
  assert.match(await consumer.getByTestId('stage-member-consumer-A').textContent(), /epoch \d+/);
  assert.equal(await page.getByTestId('tally-classic-join').getAttribute('data-members-stopped'), '1');
  assert.equal(await page.getByTestId('tally-consumer-join').getAttribute('data-members-stopped'), '0');
  await page.screenshot({ path: join(docs, 'stage-S14-join.png'), animations: 'disabled' });
  await page.close();
  // A's session ran out: classic C gave up its partitions and waits for B again; in the
  // consumer group only A's partitions move, and B and C read theirs on.
  const crash = await open('?scenario=S14&lang=en&lesson=0&t=86300');
  const classic2 = crash.page.locator('[data-group=classic]');
  const consumer2 = crash.page.locator('[data-group=consumer]');
  assert.equal(await classic2.locator('path[data-testid^=edge-]').count(), 2, 'classic: only busy B still holds its 2');
  assert.equal(await classic2.getByTestId('stage-member-classic-C').getAttribute('data-state'), 'rebalancing');
  assert.ok(await consumer2.locator('path[data-testid^=edge-]').count() >= 5, 'consumer: B and C read theirs and C took one of A\'s');
  assert.equal(await crash.page.getByTestId('tally-consumer-crash').getAttribute('data-members-stopped'), '0');
  await crash.page.screenshot({ path: join(docs, 'stage-S14-crash.png'), animations: 'disabled' });
  // The end: both phases, counted the same way: classic stopped every member and all 6
  // partitions each time, the consumer protocol no member and only the 2 that moved.
  await crash.page.getByTestId('to-end').click();
  await crash.page.waitForFunction(() => document.querySelector('[data-testid=play]')?.disabled === true);
  for (const phase of ['join', 'crash']) {
    const c = crash.page.getByTestId(`tally-classic-${phase}`);
    const k = crash.page.getByTestId(`tally-consumer-${phase}`);
    assert.equal(await c.getAttribute('data-stopped'), '6', phase);
    assert.equal(await k.getAttribute('data-stopped'), '2', phase);
    assert.equal(await c.getAttribute('data-members-stopped'), '2', phase);
    assert.equal(await k.getAttribute('data-members-stopped'), '0', phase);
    assert.ok(Number(await k.getAttribute('data-paused-ms')) < Number(await c.getAttribute('data-paused-ms')), phase);
    assert.match(await k.textContent(), /stopped: nobody · 2 of 6 partitions/);
  }
  assert.deepEqual(errors.concat(crash.errors), []);
  await crash.page.close();
});

test('the panels below the stage fold away and come back', async () => {
  const { page, errors } = await open('?scenario=S1&lang=en&t=12000');
  const events = page.getByTestId('panel-events');
  assert.ok(await events.locator('li').count() > 0);
  await page.getByTestId('fold-events').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=fold-events]').getAttribute('aria-expanded') === 'false');
  assert.equal(await events.locator('li').count(), 0, 'a folded panel shows only its heading');
  await page.getByTestId('fold-events').click();
  await events.locator('li').first().waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('S1 in Chinese, and at phone width the stage scrolls inside itself', async () => {
  const { page, errors } = await open('?scenario=S1&lang=zh&t=38000');
  assert.match(await page.getByTestId('marker-committed-user-events-0').textContent(), /已提交 95/);
  await page.screenshot({ path: join(docs, 'stage-S1-38s-zh.png'), animations: 'disabled' });
  await page.setViewportSize({ width: 390, height: 844 });
  const f = await fit(page);
  assert.ok(f.overflow <= 1, `phone: ${f.overflow}px of horizontal overflow`);
  await page.screenshot({ path: join(docs, 'stage-S1-phone.png'), animations: 'disabled' });
  assert.deepEqual(errors, []);
  await page.close();
});
