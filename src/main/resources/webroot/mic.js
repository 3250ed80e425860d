// Microphone page: captures the microphone, sends it to the gateway's /v1/audio WebSocket as 16-bit PCM
// and shows the emotion events the gateway sends back for this stream.
//
// Audio path: getUserMedia -> AudioContext (16 kHz when the browser allows it: the browser resamples the
// microphone) -> AudioWorkletNode (mic-worklet.js: Float32 -> s16le, 20 ms chunks) -> WebSocket binary
// messages. Protocol: a "start" text message, then audio; {"type":"end"} on stop, after which the gateway
// sends the final event and closes with 1000.
//
// Page URL options (all optional): ?stream_id=, ?call_id=, ?role= (default customer), ?token=.

import {
  Timeline, addPoint, alignProbabilities, fetchJson, formatMs, formatPercent, initialToken, labelColor, renderLegend,
  storeToken,
} from './common.js';

const SUPPORTED_SAMPLE_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000];
const PREFERRED_SAMPLE_RATE = 16000;
const CHUNK_MS = 20;
const MAX_POINTS = 600;
// After {"type":"end"} the gateway closes once the final event is out; don't wait forever if it doesn't.
const END_TIMEOUT_MS = 15_000;

// What the gateway's close codes mean, for the error box (see the gateway protocol).
const CLOSE_REASONS = {
  1006: 'connection lost or refused',
  1008: 'policy violation',
  1009: 'audio message too big',
  1011: 'internal error',
  4400: 'bad message',
  4408: 'idle timeout',
  4409: 'stream id already in use',
  4429: 'rate limited',
  4503: 'service unavailable',
};

const params = new URLSearchParams(location.search);

const el = {
  gateway: document.getElementById('gateway'),
  gatewayText: document.querySelector('#gateway .connection-text'),
  form: document.getElementById('mic-form'),
  streamId: document.getElementById('stream-id'),
  callId: document.getElementById('call-id'),
  role: document.getElementById('role'),
  tokenField: document.getElementById('token-field'),
  token: document.getElementById('token'),
  start: document.getElementById('start'),
  stop: document.getElementById('stop'),
  status: document.getElementById('status'),
  level: document.getElementById('level'),
  sent: document.getElementById('sent'),
  error: document.getElementById('error'),
  labelSwatch: document.getElementById('label-swatch'),
  label: document.getElementById('label'),
  speech: document.getElementById('speech'),
  utterance: document.getElementById('utterance'),
  confidence: document.getElementById('confidence'),
  finalTag: document.getElementById('final-tag'),
  bars: document.getElementById('bars'),
  timeline: document.getElementById('timeline'),
  legend: document.getElementById('legend'),
};

let info = null;
let labels = [];
let timeline = null;
let barRows = [];
/** The current (or last) streaming session; see start(). */
let session = null;

init();

async function init() {
  el.streamId.value = params.get('stream_id') ?? `mic-${randomHex(4)}`;
  el.callId.value = params.get('call_id') ?? '';
  el.role.value = params.get('role') ?? 'customer';
  el.token.value = initialToken();
  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    start();
  });
  el.stop.addEventListener('click', stop);

  try {
    info = await fetchJson('v1/info');
    setGateway('connected', `Model ${info.model_version ?? '?'}`);
  } catch (error) {
    // The page still works without /v1/info (the labels come with the events); say why it looks bare.
    setGateway('offline', 'Gateway unreachable');
    showError(`Could not load the gateway info (${error.message}).`);
  }
  el.tokenField.hidden = info ? !info.auth_required : false;
  setLabels(info?.labels ?? []);
}

/** (Re)builds the bars, the timeline and the legend for these labels. */
function setLabels(newLabels) {
  labels = newLabels;
  renderLegend(el.legend, labels);
  timeline = new Timeline(el.timeline, labels, { width: 640, height: 220 });
  barRows = labels.map((label, i) => {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.dataset.label = label;
    row.innerHTML = '<span class="bar-name"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value"></span>';
    row.querySelector('.bar-name').textContent = label;
    row.querySelector('.bar-fill').style.background = labelColor(label, i);
    return { row, fill: row.querySelector('.bar-fill'), value: row.querySelector('.bar-value') };
  });
  el.bars.replaceChildren(...barRows.map((bar) => bar.row));
}

// ---- start / stop ----------------------------------------------------------------------------------

async function start() {
  if (session && !session.done) return;
  clearError();
  const streamId = el.streamId.value.trim();
  if (!streamId) {
    showError('Enter a stream id.');
    return;
  }
  const token = el.token.value.trim();
  storeToken(token);
  if (info?.auth_required && !token) {
    showError('The gateway requires an access token.');
    return;
  }

  const s = session = {
    streamId,
    callId: el.callId.value.trim(),
    role: el.role.value.trim(),
    token,
    done: false,
    started: false,   // the gateway answered "started"
    ending: false,    // we sent "end"
    gotFinal: false,
    serverError: null,
    sentSamples: 0,
    points: [],
    media: null, ctx: null, ctxClosing: false, source: null, node: null, sink: null, ws: null, endTimer: null,
  };
  resetResults();
  setRunning(true);
  setStatus('starting', 'Opening the microphone…');

  try {
    // Echo cancellation stays on (a call may play through speakers), but noise suppression and automatic
    // gain control are asked off: they flatten loudness and voice quality, which carry the emotion.
    s.media = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
    });
    if (s.done) throw new DOMException('Stopped', 'AbortError');
    createAudioGraph(s);
    await s.ctx.audioWorklet.addModule(new URL('mic-worklet.js', import.meta.url));
    if (!SUPPORTED_SAMPLE_RATES.includes(s.ctx.sampleRate)) {
      throw new Error(`the browser records at ${s.ctx.sampleRate} Hz, which the gateway does not accept`);
    }
  } catch (error) {
    releaseAudio(s);
    if (s.done) return; // Stop was pressed meanwhile
    const hint = error.name === 'NotAllowedError' ? ' Allow the microphone for this site and try again.' : '';
    finish(s, 'error', 'Microphone unavailable');
    showError(`Microphone: ${error.message || error.name}.${hint}`);
    return;
  }
  if (s.done) { // Stop was pressed while the permission prompt was open
    releaseAudio(s);
    return;
  }
  openSocket(s);
}

/**
 * Asks for a 16 kHz context, so the browser resamples the microphone for us: 16 kHz is the gateway's
 * default and a third of the upload of 48 kHz. Some browsers (Firefox) cannot connect a microphone to a
 * context running at another rate than the device's; then the device rate is used and the gateway
 * resamples.
 */
function createAudioGraph(s) {
  try {
    s.ctx = new AudioContext({ sampleRate: PREFERRED_SAMPLE_RATE });
    s.source = s.ctx.createMediaStreamSource(s.media);
  } catch (error) {
    console.warn(`No ${PREFERRED_SAMPLE_RATE} Hz audio context (${error.message}); using the device rate`);
    closeContext(s);
    s.ctx = new AudioContext();
    s.ctxClosing = false;
    s.source = s.ctx.createMediaStreamSource(s.media);
  }
}

function openSocket(s) {
  setStatus('connecting', 'Connecting to the gateway…');
  const url = new URL('v1/audio', document.baseURI);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // Browsers cannot set an Authorization header on a WebSocket, hence the query parameter.
  if (s.token) url.searchParams.set('access_token', s.token);
  const ws = s.ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';

  ws.addEventListener('open', () => {
    const start = { type: 'start', stream_id: s.streamId, sample_rate: s.ctx.sampleRate, encoding: 's16le', channels: 1 };
    if (s.callId) start.call_id = s.callId;
    if (s.role) start.role = s.role;
    ws.send(JSON.stringify(start));
  });
  ws.addEventListener('message', (message) => {
    if (typeof message.data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(message.data);
    } catch {
      console.warn('Not JSON from the gateway:', message.data);
      return;
    }
    if (msg.type === 'started') beginCapture(s);
    else if (msg.type === 'event') onEvent(s, msg);
    else if (msg.type === 'error') s.serverError = msg; // shown when the close that follows arrives
  });
  ws.addEventListener('close', (event) => onSocketClosed(s, event));
}

/** Only after "started": audio sent before the gateway accepted the stream would be wasted. */
async function beginCapture(s) {
  if (s.done || s.ending) return;
  s.started = true;
  s.node = new AudioWorkletNode(s.ctx, 'pcm-chunker', {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    channelCount: 1,
    channelCountMode: 'explicit',    // down-mix any microphone to mono before the worklet sees it
    channelInterpretation: 'speakers',
    processorOptions: { chunkSamples: Math.round((s.ctx.sampleRate * CHUNK_MS) / 1000) },
  });
  s.node.port.onmessage = ({ data }) => {
    if (s.ws.readyState !== WebSocket.OPEN || s.ending) return;
    s.ws.send(data.pcm);
    s.sentSamples += data.samples;
    showLevel(data.peak);
  };
  // A worklet only runs while the graph pulls on it: route it to the speakers through a muted gain.
  s.sink = s.ctx.createGain();
  s.sink.gain.value = 0;
  s.source.connect(s.node).connect(s.sink).connect(s.ctx.destination);
  await s.ctx.resume();
  setStatus('streaming', 'Streaming — speak now');
}

function stop() {
  const s = session;
  if (!s || s.done) return;
  releaseAudio(s);
  if (s.ws?.readyState === WebSocket.OPEN && s.started) {
    s.ending = true;
    s.ws.send(JSON.stringify({ type: 'end' }));
    setStatus('ending', 'Finishing — waiting for the final result…');
    el.stop.disabled = true;
    s.endTimer = setTimeout(() => s.ws.close(1000, 'no final event'), END_TIMEOUT_MS);
  } else {
    // Not streaming yet: just go away; the gateway ends a stream whose client disconnects.
    s.ws?.close(1000, 'stopped');
    finish(s, 'stopped', 'Stopped');
  }
}

function onSocketClosed(s, event) {
  clearTimeout(s.endTimer);
  releaseAudio(s);
  if (s.done) return;
  if (event.code === 1000 && !s.serverError) {
    const text = s.ending
      ? (s.gotFinal ? 'Stopped — final result received' : 'Stopped')
      : 'The gateway ended the stream';
    finish(s, 'stopped', text);
    return;
  }
  finish(s, 'error', 'Disconnected');
  showError(describeClose(s, event));
}

function describeClose(s, event) {
  const parts = [];
  if (s.serverError) {
    parts.push(`${s.serverError.message ?? 'Error'} (${s.serverError.code ?? 'error'}).`);
  } else if (event.code === 1006 && !s.started) {
    parts.push(info?.auth_required
      ? 'Could not connect to the gateway: it is unreachable or refused the access token.'
      : 'Could not connect to the gateway.');
  }
  const meaning = CLOSE_REASONS[event.code];
  // The gateway's close reason is usually the error code already shown; don't repeat it.
  const reason = event.reason && event.reason !== s.serverError?.code ? `: ${event.reason}` : '';
  parts.push(`Connection closed with code ${event.code}${meaning ? ` (${meaning})` : ''}${reason}.`);
  return parts.join(' ');
}

/** Stops the microphone and the audio graph (idempotent). The WebSocket is left to the caller. */
function releaseAudio(s) {
  s.media?.getTracks().forEach((track) => track.stop());
  s.node?.port.close();
  s.source?.disconnect();
  s.node?.disconnect();
  closeContext(s);
  s.media = s.source = s.node = s.sink = null;
  showLevel(0);
}

function closeContext(s) {
  if (s.ctx && !s.ctxClosing) {
    s.ctxClosing = true;
    s.ctx.close().catch(() => {}); // nothing to do if it is already closed
  }
}

function finish(s, state, text) {
  s.done = true;
  setStatus(state, text);
  setRunning(false);
}

// ---- events ----------------------------------------------------------------------------------------

function onEvent(s, event) {
  if (event.stream_id !== s.streamId) return;
  // The page works without /v1/info: then the first event tells the labels.
  if (!labels.length && Array.isArray(event.labels) && event.labels.length) setLabels(event.labels);
  // With voice activity detection the service says whether you are speaking; an utterance's own
  // result (averaged over it) is shown as such, not plotted.
  if (typeof event.speech === 'boolean' && event.event_type != null) {
    el.speech.hidden = false;
    el.speech.textContent = event.speech && event.event_type !== 'utterance_end' ? 'speaking' : 'silence';
    el.speech.dataset.speech = String(event.speech && event.event_type !== 'utterance_end');
  }
  if (event.event_type === 'utterance_end') {
    if (event.label != null) {
      el.utterance.hidden = false;
      el.utterance.dataset.label = event.label;
      el.utterance.textContent = `Last utterance: ${event.label} ${formatPercent(event.confidence)}`;
    }
  } else if (event.label != null && Array.isArray(event.probabilities) && event.probabilities.length) {
    const probabilities = alignProbabilities(event, labels);
    addPoint(s.points, event.audio_end_ms, probabilities, MAX_POINTS);
    showEmotion(event.label, event.confidence, probabilities);
    timeline.render(s.points);
  }
  if (event.final) {
    s.gotFinal = true;
    el.finalTag.hidden = false;
  }
  const latency = Number.isFinite(event.processing_latency_ms) ? ` · ${event.processing_latency_ms} ms latency` : '';
  el.sent.textContent = `Sent ${formatMs((s.sentSamples / s.ctx?.sampleRate || 0) * 1000)} of audio · analysed up to ${formatMs(event.audio_end_ms)}${latency}`;
}

function showEmotion(label, confidence, probabilities) {
  const index = labels.indexOf(label);
  el.label.textContent = label;
  el.label.dataset.label = label;
  el.label.style.color = labelColor(label, Math.max(0, index));
  el.labelSwatch.style.background = labelColor(label, Math.max(0, index));
  el.confidence.textContent = Number.isFinite(confidence) ? formatPercent(confidence) : '';
  barRows.forEach((bar, i) => {
    bar.fill.style.width = `${(probabilities[i] * 100).toFixed(1)}%`;
    bar.value.textContent = formatPercent(probabilities[i]);
    bar.row.classList.toggle('is-top', i === index);
  });
}

function resetResults() {
  el.label.textContent = '—';
  delete el.label.dataset.label;
  el.label.style.color = '';
  el.labelSwatch.style.background = 'transparent';
  el.confidence.textContent = '';
  el.finalTag.hidden = true;
  el.sent.textContent = '';
  for (const bar of barRows) {
    bar.fill.style.width = '0%';
    bar.value.textContent = '';
    bar.row.classList.remove('is-top');
  }
  timeline?.render([]);
}

// ---- small UI helpers ------------------------------------------------------------------------------

function setStatus(state, text) {
  el.status.dataset.state = state;
  el.status.textContent = text;
}

function setGateway(state, text) {
  el.gateway.dataset.state = state;
  el.gatewayText.textContent = text;
}

/** While streaming the inputs are locked: they describe the stream that is running. */
function setRunning(running) {
  el.start.disabled = running;
  el.stop.disabled = !running;
  for (const input of [el.streamId, el.callId, el.role, el.token]) input.disabled = running;
}

/** Peak level as a meter from -60 dBFS (empty) to 0 dBFS (full): a log scale matches loudness. */
function showLevel(peak) {
  const db = peak > 0 ? 20 * Math.log10(peak) : -60;
  el.level.style.width = `${Math.max(0, Math.min(100, ((db + 60) / 60) * 100)).toFixed(0)}%`;
}

function showError(text) {
  el.error.textContent = text;
  el.error.hidden = false;
}

function clearError() {
  el.error.textContent = '';
  el.error.hidden = true;
}

function randomHex(digits) {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(digits / 2)));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, digits);
}
