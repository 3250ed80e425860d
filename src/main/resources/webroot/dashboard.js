// Live call-center dashboard: follows /v1/events (Server-Sent Events) and shows one card per stream,
// grouped by call, with the current emotion, a probability timeline and an alert when a caller in an
// alerting role (e.g. "customer") gets angry.
//
// Page URL options (all optional):
//   ?call_id=C&stream_id=S   only these calls / streams (each may be repeated), passed on to /v1/events
//   ?token=T                 access token (remembered for the tab, then removed from the address bar)
//   ?alert_threshold=0.3     overrides the alert threshold from /v1/info (0 alerts on any anger)
//   ?final_ttl_s=300         how long a finished stream stays on screen

import {
  Timeline, addPoint, alignProbabilities, fetchJson, formatMs, formatPercent, initialToken, labelColor, renderLegend,
  storeToken,
} from './common.js';

// 600 events at the usual 500 ms hop are the last 5 minutes of a stream: enough to read the trend of a
// call, and a bound on memory and drawing work however long the call is.
const MAX_POINTS = 600;
/** Utterance results listed per stream card (newest first). */
const MAX_UTTERANCES = 5;
// A stream without events for this long is shown as idle (its client probably went away silently).
const IDLE_MS = 15_000;
// A stream still not final after this long without events is dropped: we missed its final event (the
// dashboard was disconnected at the time) and it would otherwise stay forever.
const STALE_MS = 10 * 60_000;
const SWEEP_INTERVAL_MS = 5_000;

const pageParams = new URLSearchParams(location.search);
const finalTtlMs = positiveNumber(pageParams.get('final_ttl_s'), 300) * 1000;

const el = {
  connection: document.getElementById('connection'),
  connectionText: document.querySelector('#connection .connection-text'),
  legend: document.getElementById('legend'),
  filters: document.getElementById('filters'),
  alertRule: document.getElementById('alert-rule'),
  streamCount: document.getElementById('stream-count'),
  clearFinal: document.getElementById('clear-final'),
  tokenForm: document.getElementById('token-form'),
  tokenInput: document.getElementById('token'),
  alerts: document.getElementById('alerts'),
  calls: document.getElementById('calls'),
  empty: document.getElementById('empty'),
};

let info = null;
let labels = [];
/** label: the alerting emotion; index: its position in `labels`; roles: empty means every role. */
let alertRule = { label: null, index: -1, threshold: Infinity, roles: new Set() };
let token = initialToken();

/** stream_id -> stream state (see newStream) */
const streams = new Map();
/** call key -> { section, cards } (the key is the call id, or '' for streams without one) */
const calls = new Map();

// Events can arrive by the thousand per second on a busy gateway; the DOM is updated at most once per
// animation frame, for the streams that changed since the last one.
const dirty = new Set();
let frameRequested = false;

let source = null;
let reconnectTimer = null;
let reconnectDelayMs = 1000;

main();

async function main() {
  renderFilters();
  renderSummary();
  el.clearFinal.addEventListener('click', clearFinished);
  el.tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    token = el.tokenInput.value.trim();
    storeToken(token);
    connect();
  });

  info = await loadInfo();
  labels = info.labels;
  renderLegend(el.legend, labels);
  setupAlertRule();
  setInterval(sweep, SWEEP_INTERVAL_MS);

  if (info.auth_required) {
    el.tokenForm.hidden = false;
    el.tokenInput.value = token;
    if (!token) {
      setConnection('unauthorized', 'Enter the access token to connect');
      el.tokenInput.focus();
      return;
    }
  }
  connect();
}

/** /v1/info, retried until the gateway answers (it may still be starting). */
async function loadInfo() {
  for (;;) {
    try {
      return await fetchJson('v1/info');
    } catch (error) {
      setConnection('offline', 'Gateway unreachable, retrying…');
      console.warn('GET v1/info failed:', error);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

function setupAlertRule() {
  const alert = info.alert ?? {};
  const override = pageParams.get('alert_threshold');
  const threshold = override !== null && override.trim() !== '' && Number.isFinite(Number(override))
    ? Number(override)
    : Number(alert.threshold);
  alertRule = {
    label: alert.label ?? null,
    index: labels.indexOf(alert.label),
    threshold: Number.isFinite(threshold) ? threshold : Infinity,
    roles: new Set(alert.roles ?? []),
  };
  if (alertRule.index < 0) return; // no alert configured (or for a label this model does not have)
  const who = alertRule.roles.size ? [...alertRule.roles].join(', ') : 'any role';
  el.alertRule.textContent = `Alert: ${alertRule.label} > ${formatPercent(alertRule.threshold)} · ${who}`;
  el.alertRule.title = override !== null ? 'Threshold overridden by alert_threshold in the page URL' : 'From the gateway';
  el.alertRule.hidden = false;
}

function renderFilters() {
  const chips = [];
  for (const key of ['call_id', 'stream_id']) {
    for (const value of pageParams.getAll(key)) {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.textContent = `${key === 'call_id' ? 'call' : 'stream'}: ${value}`;
      chips.push(chip);
    }
  }
  el.filters.replaceChildren(...chips);
}

// ---- connection ------------------------------------------------------------------------------------

function eventsUrl() {
  const url = new URL('v1/events', document.baseURI);
  for (const key of ['call_id', 'stream_id']) {
    for (const value of pageParams.getAll(key)) url.searchParams.append(key, value);
  }
  // EventSource cannot send an Authorization header, hence the query parameter.
  if (token) url.searchParams.set('access_token', token);
  return url;
}

function connect() {
  clearTimeout(reconnectTimer);
  source?.close();
  setConnection('connecting', 'Connecting…');
  const url = eventsUrl();
  const current = source = new EventSource(url);
  current.addEventListener('open', () => {
    reconnectDelayMs = 1000;
    setConnection('connected', 'Live');
    el.tokenForm.hidden = true; // the token works: give the space back to the cards
  });
  current.addEventListener('emotion', (message) => {
    try {
      onEvent(JSON.parse(message.data));
    } catch (error) {
      console.error('Bad emotion event:', message.data, error);
    }
  });
  current.addEventListener('error', async () => {
    if (current !== source) return;
    // CONNECTING: the connection dropped and the browser reconnects by itself.
    if (current.readyState === EventSource.CONNECTING) {
      setConnection('reconnecting', 'Reconnecting…');
      return;
    }
    // CLOSED: the browser gave up because the answer was not an event stream (an HTTP error). Find out
    // which, to tell a rejected token from a gateway that is down, and retry ourselves with a backoff.
    current.close();
    const status = await probeStatus(url);
    if (current !== source) return;
    if (status === 401 || status === 403) {
      setConnection('unauthorized', 'Access token rejected');
      el.tokenForm.hidden = false;
      return; // retrying cannot help; the token form reconnects
    }
    setConnection('reconnecting', status ? `Reconnecting… (HTTP ${status})` : 'Reconnecting…');
    reconnectTimer = setTimeout(connect, reconnectDelayMs);
    reconnectDelayMs = Math.min(reconnectDelayMs * 2, 30_000);
  });
}

/** The HTTP status of GET url (0 when unreachable); only the headers are read. */
async function probeStatus(url) {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { Accept: 'text/event-stream' } });
    return response.status;
  } catch {
    return 0;
  } finally {
    controller.abort();
  }
}

function setConnection(state, text) {
  el.connection.dataset.state = state;
  el.connectionText.textContent = text;
}

// ---- events ----------------------------------------------------------------------------------------

function newStream(event) {
  return {
    id: event.stream_id,
    callKey: event.call_id ?? '',
    role: event.role ?? null,
    label: null,
    confidence: null,
    audioMs: 0,
    latencyMs: null,
    points: [],
    final: false,
    finalReason: null,
    finalAt: 0,
    speech: null,          // null: the service runs without voice activity detection
    utterances: [],        // the latest utterance results, newest first: { index, label, confidence, startMs, endMs }
    lastEventAt: Date.now(),
    idle: false,
    aboveThreshold: false, // the alert label's latest probability is above the threshold
    alert: null,           // { sinceMs, nowP, peak, peakMs, dismissed } once the stream has alerted
    card: null,            // DOM refs, created on first render
    banner: null,
    removed: false,        // its card is gone; an undismissed alert banner may remain
  };
}

function onEvent(event) {
  if (!event || typeof event.stream_id !== 'string') return;
  let stream = streams.get(event.stream_id);
  // A finished stream id that sends again is a new session of that id: give it a fresh card. So is one
  // whose audio clock went back by more than a second (this page missed the first session's final
  // event, e.g. while reconnecting): its timeline would otherwise stop at the old session's end.
  // Only progress and stream_end events carry the stream's audio clock in audio_end_ms; an utterance's
  // start and end events carry the utterance's own times, which lie behind it.
  const clock = event.event_type == null || event.event_type === 'progress' || event.event_type === 'stream_end';
  const restarted = stream && !stream.final && clock && Number.isFinite(event.audio_end_ms)
    && event.audio_end_ms + 1000 < stream.audioMs;
  if (stream && ((stream.final && !event.final) || restarted)) {
    removeStream(stream);
    stream = null;
  }
  if (!stream) {
    stream = newStream(event);
    streams.set(stream.id, stream);
  }
  stream.lastEventAt = Date.now();
  stream.idle = false;
  if (event.role) stream.role = event.role;
  if (clock && Number.isFinite(event.audio_end_ms)) stream.audioMs = event.audio_end_ms;
  if (Number.isFinite(event.processing_latency_ms)) stream.latencyMs = event.processing_latency_ms;

  // Voice activity: events over silence carry speech=false and no label; an utterance's own result
  // (probabilities averaged over it) is listed, not plotted (the chart is the live posterior).
  if (typeof event.speech === 'boolean' && event.event_type != null) stream.speech = event.speech;
  if (event.event_type === 'utterance_end') {
    if (event.label != null) {
      stream.utterances.unshift({
        index: event.utterance, label: event.label, confidence: event.confidence,
        startMs: event.utterance_start_ms, endMs: event.utterance_end_ms,
      });
      stream.utterances.length = Math.min(stream.utterances.length, MAX_UTTERANCES);
    }
    stream.speech = false;
    markDirty(stream);
    return;
  }
  // Events over silence, an utterance's start, and the final event of a stream without speech have no
  // label and no probabilities: nothing to plot.
  if (event.label != null && Array.isArray(event.probabilities) && event.probabilities.length) {
    const probabilities = alignProbabilities(event, labels);
    addPoint(stream.points, stream.audioMs, probabilities, MAX_POINTS);
    stream.label = event.label;
    stream.confidence = event.confidence;
    updateAlert(stream, probabilities);
  }
  if (event.final) {
    stream.final = true;
    stream.finalReason = event.final_reason ?? null;
    stream.finalAt = Date.now();
    stream.aboveThreshold = false; // the call is over: its card stops glowing; a raised banner stays
  }
  markDirty(stream);
}

/**
 * An alert is raised when the alert label's probability goes above the threshold, for a stream whose
 * role alerts. It stays up (with its peak) until dismissed, so that a short burst of anger is not missed
 * by a supervisor who looked away; a dismissed alert is raised again on the next crossing.
 */
function updateAlert(stream, probabilities) {
  const applies = alertRule.index >= 0 && (alertRule.roles.size === 0 || alertRule.roles.has(stream.role));
  const p = applies ? probabilities[alertRule.index] : 0;
  const above = applies && p > alertRule.threshold;
  const rising = above && !stream.aboveThreshold;
  stream.aboveThreshold = above;
  if (above && (!stream.alert || (stream.alert.dismissed && rising))) {
    stream.alert = { sinceMs: stream.audioMs, nowP: p, peak: p, peakMs: stream.audioMs, dismissed: false };
  }
  if (stream.alert) {
    stream.alert.nowP = p;
    if (p > stream.alert.peak) {
      stream.alert.peak = p;
      stream.alert.peakMs = stream.audioMs;
    }
  }
}

function markDirty(stream) {
  dirty.add(stream);
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(flush);
  }
}

function flush() {
  frameRequested = false;
  for (const stream of dirty) {
    if (streams.get(stream.id) === stream) renderStream(stream);
  }
  dirty.clear();
  renderSummary();
}

// ---- rendering -------------------------------------------------------------------------------------

function callGroup(callKey) {
  let group = calls.get(callKey);
  if (!group) {
    const section = document.createElement('section');
    section.className = 'call';
    section.dataset.callId = callKey;
    const heading = document.createElement('h2');
    heading.className = 'call-title';
    if (callKey) {
      heading.append('Call ');
      const id = document.createElement('span');
      id.className = 'mono';
      id.textContent = callKey;
      heading.append(id);
    } else {
      heading.textContent = 'Streams without a call id';
    }
    const cards = document.createElement('div');
    cards.className = 'cards';
    section.append(heading, cards);
    el.calls.append(section);
    group = { section, cards };
    calls.set(callKey, group);
  }
  return group;
}

function createCard(stream) {
  const card = document.createElement('article');
  card.className = 'card stream-card';
  card.dataset.streamId = stream.id;
  card.innerHTML = `
    <header class="card-header">
      <span class="stream-id mono"></span>
      <span class="badge role"></span>
      <span class="badge state"></span>
    </header>
    <div class="card-summary">
      <span class="swatch swatch-large"></span>
      <span class="label"></span>
      <span class="confidence"></span>
      <span class="card-meta"><span class="audio-time"></span><span class="latency"></span></span>
      <span class="badge speech" hidden></span>
    </div>
    <svg class="chart"></svg>
    <ol class="utterances" aria-label="utterance results"></ol>`;
  const refs = {
    root: card,
    id: card.querySelector('.stream-id'),
    role: card.querySelector('.role'),
    state: card.querySelector('.state'),
    swatch: card.querySelector('.swatch'),
    label: card.querySelector('.label'),
    confidence: card.querySelector('.confidence'),
    audioTime: card.querySelector('.audio-time'),
    latency: card.querySelector('.latency'),
    speech: card.querySelector('.speech'),
    utterances: card.querySelector('.utterances'),
  };
  refs.id.textContent = stream.id;
  refs.id.title = stream.id;
  const roleAlerts = alertRule.roles.size === 0 || alertRule.roles.has(stream.role);
  refs.timeline = new Timeline(card.querySelector('.chart'), labels, {
    threshold: roleAlerts && alertRule.threshold > 0 ? alertRule.threshold : null,
  });
  callGroup(stream.callKey).cards.append(card);
  return refs;
}

function renderStream(stream) {
  const card = stream.card ??= createCard(stream);
  const root = card.root;
  root.dataset.final = String(stream.final);
  root.dataset.alerting = String(stream.aboveThreshold);
  root.dataset.points = String(stream.points.length);
  root.classList.toggle('is-final', stream.final);
  root.classList.toggle('is-alerting', stream.aboveThreshold);
  root.classList.toggle('is-idle', stream.idle && !stream.final);

  card.role.textContent = stream.role ?? 'no role';
  card.role.classList.toggle('badge-muted', !stream.role);
  if (stream.final) {
    card.state.textContent = stream.finalReason ? `final · ${stream.finalReason}` : 'final';
  } else {
    card.state.textContent = stream.idle ? 'idle' : 'live';
  }
  card.state.className = `badge state state-${stream.final ? 'final' : stream.idle ? 'idle' : 'live'}`;

  const index = labels.indexOf(stream.label);
  card.label.textContent = stream.label ?? '—';
  card.swatch.style.background = stream.label ? labelColor(stream.label, Math.max(0, index)) : 'transparent';
  card.confidence.textContent = stream.confidence != null ? formatPercent(stream.confidence) : '';
  card.audioTime.textContent = `audio ${formatMs(stream.audioMs)}`;
  card.latency.textContent = stream.latencyMs != null ? ` · ${stream.latencyMs} ms latency` : '';
  card.timeline.render(stream.points);
  card.speech.hidden = stream.speech == null || stream.final;
  card.speech.textContent = stream.speech ? 'speaking' : 'silence';
  card.speech.className = `badge speech speech-${stream.speech ? 'on' : 'off'}`;
  root.dataset.speech = String(stream.speech);
  card.utterances.replaceChildren(...stream.utterances.map((u) => {
    const item = document.createElement('li');
    item.className = 'utterance';
    item.dataset.label = u.label;
    const range = Number.isFinite(u.startMs) && Number.isFinite(u.endMs) ? ` · ${formatMs(u.startMs)}–${formatMs(u.endMs)}` : '';
    item.textContent = `utterance ${Number.isInteger(u.index) ? u.index + 1 : '?'}: ${u.label} ${formatPercent(u.confidence)}${range}`;
    item.style.borderLeftColor = labelColor(u.label, Math.max(0, labels.indexOf(u.label)));
    return item;
  }));

  renderAlert(stream);
}

function renderAlert(stream) {
  const alert = stream.alert;
  if (!alert || alert.dismissed) {
    stream.banner?.root.remove();
    stream.banner = null;
    return;
  }
  if (!stream.banner) {
    const root = document.createElement('div');
    root.className = 'alert';
    root.setAttribute('role', 'alert');
    root.dataset.testid = 'alert';
    root.dataset.streamId = stream.id;
    root.innerHTML = `
      <span class="alert-icon" aria-hidden="true">!</span>
      <div class="alert-body">
        <strong class="alert-title"></strong>
        <span class="alert-detail"></span>
      </div>
      <button type="button" class="alert-show button button-light">Show</button>
      <button type="button" class="alert-dismiss" aria-label="Dismiss alert">×</button>`;
    root.querySelector('.alert-show').addEventListener('click', () => {
      stream.card?.root.scrollIntoView({ behavior: 'smooth', block: 'center' });
    });
    root.querySelector('.alert-dismiss').addEventListener('click', () => {
      stream.alert.dismissed = true;
      if (streams.get(stream.id) === stream) {
        markDirty(stream);
      } else { // the stream's card is gone (removeStream): the banner was all that was left of it
        root.remove();
        renderSummary();
      }
    });
    el.alerts.prepend(root); // newest alert on top
    stream.banner = {
      root,
      title: root.querySelector('.alert-title'),
      detail: root.querySelector('.alert-detail'),
    };
  }
  const who = stream.role ? `${capitalize(stream.role)}` : 'Stream';
  stream.banner.title.textContent = `${who} ${alertRule.label}`;
  const where = stream.callKey ? `call ${stream.callKey} · stream ${stream.id}` : `stream ${stream.id}`;
  const state = stream.final ? 'stream ended' : stream.removed ? 'stream lost' : `now ${formatPercent(alert.nowP)}`;
  stream.banner.detail.textContent =
    `${where} · ${alertRule.label} ${state} · peak ${formatPercent(alert.peak)} at ${formatMs(alert.peakMs)}`;
  stream.banner.root.classList.toggle('alert-ended', stream.final || stream.removed);
  stream.banner.root.querySelector('.alert-show').hidden = !!stream.removed; // no card left to show
}

function renderSummary() {
  let live = 0;
  let finished = 0;
  for (const stream of streams.values()) stream.final ? finished++ : live++;
  el.streamCount.textContent = `${live} live · ${finished} finished`;
  el.clearFinal.disabled = finished === 0;
  el.empty.hidden = streams.size > 0;
  const alerts = el.alerts.childElementCount;
  document.title = alerts ? `(${alerts}) alert${alerts > 1 ? 's' : ''} · emostream` : 'emostream · Live dashboard';
}

// ---- housekeeping ----------------------------------------------------------------------------------

/**
 * Drops a stream's card. An alert that was not dismissed stays (the alert's promise: a supervisor who
 * looked away still sees it), detached from the card, until its own dismiss button.
 */
function removeStream(stream) {
  streams.delete(stream.id);
  dirty.delete(stream);
  stream.card?.root.remove();
  stream.removed = true;
  if (stream.banner && stream.alert && !stream.alert.dismissed) renderAlert(stream);
  else stream.banner?.root.remove();
  stream.banner = null;
  const group = calls.get(stream.callKey);
  if (group && group.cards.childElementCount === 0) {
    group.section.remove();
    calls.delete(stream.callKey);
  }
}

function clearFinished() {
  for (const stream of [...streams.values()]) {
    if (stream.final) removeStream(stream);
  }
  renderSummary();
}

/** Drops finished streams after finalTtlMs and lost ones after STALE_MS; marks quiet ones idle. */
function sweep() {
  const now = Date.now();
  for (const stream of [...streams.values()]) {
    if (stream.final ? now - stream.finalAt > finalTtlMs : now - stream.lastEventAt > STALE_MS) {
      removeStream(stream);
    } else if (!stream.final && !stream.idle && now - stream.lastEventAt > IDLE_MS) {
      stream.idle = true;
      markDirty(stream);
    }
  }
  renderSummary();
}

function positiveNumber(text, fallback) {
  const value = Number(text);
  return text !== null && text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
