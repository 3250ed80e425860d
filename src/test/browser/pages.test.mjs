// Browser test of the gateway's pages: mic.html streams Chromium's fake microphone (a WAV file) to the
// gateway, and dashboard.html must show that stream live, raise the anger alert, and mark it final.
//
// Plain node script (no test runner): exits 0 only when every step passed.
//
//   cd src/test/browser && npm ci
//   GATEWAY_URL=http://127.0.0.1:8080 FAKE_AUDIO_WAV=/path/speech-16k.wav ARTIFACT_DIR=/tmp/shots \
//     [TOKEN=...] [STREAM_ID=...] [CHROMIUM=/usr/bin/chromium] node pages.test.mjs
//
// The WAV should be 16 kHz mono s16le; Chromium plays it in a loop as the microphone.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const GATEWAY_URL = (process.env.GATEWAY_URL ?? '').replace(/\/+$/, '');
const TOKEN = process.env.TOKEN ?? '';
const FAKE_AUDIO_WAV = process.env.FAKE_AUDIO_WAV ?? '';
const ARTIFACT_DIR = process.env.ARTIFACT_DIR || 'artifacts';
const STREAM_ID = process.env.STREAM_ID || `browser-test-${Date.now().toString(36)}`;
// With voice activity detection on (and speech in the WAV), the pages must show utterance results.
const EXPECT_UTTERANCES = process.env.EXPECT_UTTERANCES === '1';
const SECOND_STREAM_ID = `${STREAM_ID}-quiet`;
const CALL_ID = `${STREAM_ID}-call`;

const LABEL_TIMEOUT_MS = 40_000;   // first event: gateway + stream processor + model warm-up
const FINAL_TIMEOUT_MS = 30_000;   // "end" -> final event -> close
const NEGATIVE_POINTS = 4;         // events the threshold-1.01 dashboard must see without alerting

if (!GATEWAY_URL || !FAKE_AUDIO_WAV) {
  console.error('Usage: GATEWAY_URL=http://host:port FAKE_AUDIO_WAV=file.wav [TOKEN=..] [ARTIFACT_DIR=..] [STREAM_ID=..] node pages.test.mjs');
  process.exit(2);
}
if (!fs.existsSync(FAKE_AUDIO_WAV)) {
  console.error(`FAKE_AUDIO_WAV ${FAKE_AUDIO_WAV} does not exist`);
  process.exit(2);
}
fs.mkdirSync(ARTIFACT_DIR, { recursive: true });

// ---- small harness ---------------------------------------------------------------------------------

const pages = new Map();      // name -> page, for failure screenshots
const consoleLines = [];      // every console message and page error of every page, in order
const pageErrors = [];        // uncaught exceptions: a page bug even when the flow works
let stepNumber = 0;
let currentStep = '(setup)';

async function step(name, action) {
  stepNumber++;
  currentStep = `${stepNumber}. ${name}`;
  const started = Date.now();
  console.log(`[${stepNumber}] ${name}`);
  const result = await action();
  console.log(`    ok (${Date.now() - started} ms)`);
  return result;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Console text with the token masked: the pages put it in EventSource / WebSocket URLs, and logs travel. */
function redact(text) {
  return text.replace(/access_token=[^&\s'"]*/g, 'access_token=***');
}

async function newPage(context, name) {
  const page = await context.newPage();
  pages.set(name, page);
  const record = (line) => consoleLines.push(redact(`[${name}] ${line}`));
  page.on('console', (msg) => record(`console.${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (error) => {
    record(`uncaught: ${error.message}`);
    pageErrors.push(redact(`[${name}] ${error.message}`));
  });
  page.on('requestfailed', (request) => record(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return page;
}

function pageUrl(file, query) {
  const url = new URL(`${GATEWAY_URL}/${file}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  if (TOKEN) url.searchParams.set('token', TOKEN);
  return url.toString();
}

async function screenshot(page, file) {
  await page.screenshot({ path: path.join(ARTIFACT_DIR, file), fullPage: true });
  console.log(`    screenshot ${path.join(ARTIFACT_DIR, file)}`);
}

/** Waits until the page's #status has one of these data-state values; fails early on "error". */
async function waitForMicState(page, states, timeout) {
  const state = await page.waitForFunction((wanted) => {
    const status = document.querySelector('#status');
    const value = status?.dataset.state;
    return wanted.includes(value) || value === 'error' ? value : false;
  }, states, { timeout }).then((handle) => handle.jsonValue());
  if (state === 'error') {
    const detail = await page.locator('#error').textContent();
    throw new Error(`mic page is in error: ${(await page.locator('#status').textContent())?.trim()} / ${detail?.trim()}`);
  }
}

/** Waits until a dashboard's connection indicator says connected; on timeout says what it says instead. */
async function waitForDashboardConnected(page) {
  try {
    await page.waitForFunction(() => document.querySelector('#connection')?.dataset.state === 'connected',
      null, { timeout: 15_000 });
  } catch (error) {
    const state = await page.locator('#connection').getAttribute('data-state');
    const text = (await page.locator('#connection').textContent())?.trim();
    throw new Error(`dashboard not connected after 15 s: state "${state}", "${text}" (${error.message.split('\n')[0]})`);
  }
}

/** Facts about a stream's card on a dashboard (null values when the card is not there). */
async function cardFacts(page, streamId) {
  return page.evaluate((id) => {
    const card = document.querySelector(`.stream-card[data-stream-id="${CSS.escape(id)}"]`);
    if (!card) return { present: false };
    const lines = [...card.querySelectorAll('svg.chart polyline')];
    const alert = document.querySelector(`[data-testid="alert"][data-stream-id="${CSS.escape(id)}"]`);
    return {
      present: true,
      label: card.querySelector('.label')?.textContent.trim() ?? '',
      points: Number(card.dataset.points ?? 0),
      drawnVertices: Math.max(0, ...lines.map((l) => l.points.numberOfItems)),
      final: card.dataset.final === 'true',
      alerting: card.dataset.alerting === 'true',
      alertVisible: !!alert && alert.checkVisibility(),
    };
  }, streamId);
}

/** Polls `predicate(facts)` on the card until true; fails with the last facts seen. */
async function waitForCard(page, streamId, predicate, what, timeout) {
  const deadline = Date.now() + timeout;
  let facts;
  for (;;) {
    facts = await cardFacts(page, streamId);
    if (predicate(facts)) return facts;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; card: ${JSON.stringify(facts)}`);
    }
    await page.waitForTimeout(200);
  }
}

async function startStream(mic, streamId) {
  await mic.locator('#stream-id').fill(streamId);
  await mic.locator('#call-id').fill(CALL_ID);
  await mic.locator('#role').fill('customer');
  await mic.locator('#start').click();
}

// ---- the test --------------------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${FAKE_AUDIO_WAV}`,
    '--autoplay-policy=no-user-gesture-required',
    '--no-sandbox',
  ],
});

let exitCode = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  console.log(`Gateway ${GATEWAY_URL}, stream ${STREAM_ID}, token ${TOKEN ? 'set' : 'none'}, artifacts in ${ARTIFACT_DIR}`);

  const dashboard = await newPage(context, 'dashboard');
  await step('open the dashboard with alert_threshold=0', async () => {
    await dashboard.goto(pageUrl('dashboard.html', { alert_threshold: '0' }));
    await waitForDashboardConnected(dashboard);
    const rule = await dashboard.locator('#alert-rule').textContent();
    check(rule.includes('> 0%'), `alert rule should show the 0 threshold override, shows "${rule}"`);
  });

  const mic = await newPage(context, 'mic');
  await step('open the microphone page', async () => {
    await mic.goto(pageUrl('mic.html', {}));
    await mic.locator('#start').waitFor({ state: 'visible' });
    check(await mic.locator('#start').isEnabled(), '#start should be enabled');
    check(await mic.locator('#bars .bar-row').count() > 0, 'the per-class bars should be built from /v1/info');
  });

  await step(`start streaming as ${STREAM_ID} (role customer)`, async () => {
    await startStream(mic, STREAM_ID);
    await waitForMicState(mic, ['streaming'], 15_000);
  });

  await step('mic page shows a live label', async () => {
    await mic.waitForFunction(() => {
      const label = document.querySelector('#label');
      return label?.dataset.label || document.querySelector('#status')?.dataset.state === 'error';
    }, null, { timeout: LABEL_TIMEOUT_MS });
    await waitForMicState(mic, ['streaming'], 1000);
    const label = await mic.locator('#label').textContent();
    const confidence = await mic.locator('#confidence').textContent();
    console.log(`    mic label: ${label} ${confidence}`);
    check(/\d+%/.test(confidence), `#confidence should be a percentage, is "${confidence}"`);
  });

  await step('dashboard shows the stream with a label and a chart', async () => {
    const facts = await waitForCard(dashboard, STREAM_ID, (f) => f.present && f.label && f.label !== '—'
      && f.points >= 2 && f.drawnVertices >= 2, 'a labelled card with chart points', LABEL_TIMEOUT_MS);
    console.log(`    card: ${JSON.stringify(facts)}`);
    const group = await dashboard.locator(`.call[data-call-id="${CALL_ID}"] .stream-card[data-stream-id="${STREAM_ID}"]`).count();
    check(group === 1, `the card should be grouped under call ${CALL_ID}`);
  });

  await step('dashboard raises the anger alert for the stream', async () => {
    const alert = dashboard.locator(`[data-testid="alert"][data-stream-id="${STREAM_ID}"]`);
    await alert.waitFor({ state: 'visible', timeout: LABEL_TIMEOUT_MS });
    check(await alert.getAttribute('role') === 'alert', 'the alert element should have role="alert"');
    console.log(`    alert: ${(await alert.innerText()).replace(/\s+/g, ' ').trim()}`);
  });

  if (EXPECT_UTTERANCES) {
    await step('voice activity: both pages show an utterance result and the speech state', async () => {
      const item = dashboard.locator(`.stream-card[data-stream-id="${STREAM_ID}"] .utterance`).first();
      await item.waitFor({ state: 'visible', timeout: LABEL_TIMEOUT_MS });
      const text = await item.textContent();
      console.log(`    dashboard utterance: ${text}`);
      check(/^utterance \d+: \w+ \d+%/.test(text), `the utterance result should read "utterance N: label P%", is "${text}"`);
      const badge = dashboard.locator(`.stream-card[data-stream-id="${STREAM_ID}"] .speech`);
      check(['speaking', 'silence'].includes((await badge.textContent()).trim()), 'the card should show speaking or silence');
      const mine = mic.locator('#utterance');
      await mine.waitFor({ state: 'visible', timeout: LABEL_TIMEOUT_MS });
      check(/^Last utterance: \w+ \d+%/.test(await mine.textContent()), 'the mic page should show its last utterance');
      check(['speaking', 'silence'].includes((await mic.locator('#speech').textContent()).trim()), 'the mic page should show the speech state');
    });
  }

  await step('screenshots while streaming', async () => {
    await mic.waitForTimeout(1500); // a few more events, so the timelines have some length
    await screenshot(mic, 'mic.png');
    await screenshot(dashboard, 'dashboard.png');
  });

  await step('stop: mic page finishes and the dashboard marks the stream final', async () => {
    await mic.locator('#stop').click();
    await waitForMicState(mic, ['stopped'], FINAL_TIMEOUT_MS);
    await waitForCard(dashboard, STREAM_ID, (f) => f.final, 'the card marked final', FINAL_TIMEOUT_MS);
    check(await mic.locator('#start').isEnabled(), '#start should be enabled again after stop');
    await screenshot(dashboard, 'dashboard-final.png');
  });

  // Negative check: with a threshold no probability can exceed, a second stream must never alert. The
  // first dashboard (threshold 0) watches the same stream as a control, so that "no alert" cannot pass
  // just because nothing was flowing.
  const strict = await newPage(context, 'dashboard-strict');
  await step('open a second dashboard with alert_threshold=1.01', async () => {
    await strict.goto(pageUrl('dashboard.html', { alert_threshold: '1.01' }));
    await waitForDashboardConnected(strict);
  });

  await step(`stream ${SECOND_STREAM_ID}: no alert at threshold 1.01`, async () => {
    await startStream(mic, SECOND_STREAM_ID);
    await waitForMicState(mic, ['streaming'], 15_000);
    const deadline = Date.now() + LABEL_TIMEOUT_MS;
    let facts;
    // Watch for an alert during the whole wait, not only at its end.
    do {
      facts = await cardFacts(strict, SECOND_STREAM_ID);
      check(!facts.alertVisible && !facts.alerting, `an alert appeared at threshold 1.01: ${JSON.stringify(facts)}`);
      check(Date.now() < deadline, `timed out waiting for ${NEGATIVE_POINTS} events on the strict dashboard: ${JSON.stringify(facts)}`);
      await strict.waitForTimeout(200);
    } while (!(facts.present && facts.points >= NEGATIVE_POINTS));
    check(await strict.locator('[data-testid="alert"]').count() === 0, 'the strict dashboard shows an alert element');
    console.log(`    strict card: ${JSON.stringify(facts)}`);
  });

  await step('control: the threshold-0 dashboard alerts for the same stream', async () => {
    await dashboard.locator(`[data-testid="alert"][data-stream-id="${SECOND_STREAM_ID}"]`)
      .waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(strict, 'dashboard-no-alert.png');
  });

  await step(`stop ${SECOND_STREAM_ID}`, async () => {
    await mic.locator('#stop').click();
    await waitForMicState(mic, ['stopped'], FINAL_TIMEOUT_MS);
    await waitForCard(strict, SECOND_STREAM_ID, (f) => f.final, 'the card marked final', FINAL_TIMEOUT_MS);
    check(await strict.locator('[data-testid="alert"]').count() === 0, 'the strict dashboard shows an alert element');
  });

  await step('clearing finished cards keeps their undismissed alerts until dismissed', async () => {
    const alert = dashboard.locator(`[data-testid="alert"][data-stream-id="${STREAM_ID}"]`);
    check(await alert.isVisible(), 'the first stream\'s alert should still be up before clearing');
    const before = await dashboard.locator('[data-testid="alert"]').count();
    await dashboard.locator('#clear-final').click();
    check(!(await cardFacts(dashboard, STREAM_ID)).present, 'the finished card should be cleared');
    check(await alert.isVisible(), 'the alert should outlive its cleared card');
    check(!(await alert.locator('.alert-show').isVisible()), 'a detached alert has no card to show');
    await alert.locator('.alert-dismiss').click();
    await alert.waitFor({ state: 'detached', timeout: 5_000 });
    check(await dashboard.locator('[data-testid="alert"]').count() === before - 1, 'dismissing removes that alert only');
  });

  await step('no uncaught errors in the pages', async () => {
    check(pageErrors.length === 0, `uncaught page errors:\n  ${pageErrors.join('\n  ')}`);
  });

  console.log('PASS: all browser checks passed');
} catch (error) {
  exitCode = 1;
  console.log(`\nFAIL at step ${currentStep}\n  ${error.message}\n`);
  for (const [name, page] of pages) {
    try {
      await screenshot(page, `failure-${name}.png`);
    } catch (screenshotError) {
      console.log(`    (no screenshot of ${name}: ${screenshotError.message})`);
    }
  }
  console.log(`\nBrowser console (${consoleLines.length} lines):`);
  for (const line of consoleLines) console.log(`  ${line}`);
} finally {
  await browser.close();
}
process.exit(exitCode);
