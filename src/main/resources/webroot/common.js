// Shared by dashboard.js and mic.js: label colours, the timeline chart, the access token and formatting.
// Plain ES module without dependencies: the gateway serves these files from its jar, so the pages must
// work with no CDN and no build step.

const SVG_NS = 'http://www.w3.org/2000/svg';

// One fixed colour per emotion, so that "red" means angry on every card, chart and page.
const LABEL_COLORS = {
  neutral: '#8b95a1',
  calm: '#14a89b',
  happy: '#e9a800',
  sad: '#3b6fe0',
  angry: '#e5484d',
  fearful: '#8e4ec6',
  disgust: '#4c9f38',
  surprised: '#f2711c',
};
// For labels a future model may add; chosen to stay distinguishable from the colours above.
const FALLBACK_COLORS = ['#0ea5e9', '#d946ef', '#84cc16', '#a16207', '#475569', '#be123c'];

export function labelColor(label, index = 0) {
  return LABEL_COLORS[label] ?? FALLBACK_COLORS[index % FALLBACK_COLORS.length];
}

/** Fills `container` with one "swatch + name" entry per label. */
export function renderLegend(container, labels) {
  container.replaceChildren(...labels.map((label, i) => {
    const item = document.createElement('span');
    item.className = 'legend-item';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = labelColor(label, i);
    item.append(swatch, label);
    return item;
  }));
}

/** Audio time as m:ss (h:mm:ss from one hour on). */
export function formatMs(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function formatPercent(p) {
  return `${Math.round(p * 100)}%`;
}

/**
 * The event's probabilities in the order of `labels` (the order the page learnt from /v1/info), matched
 * by name so that a model with another label order still lands on the right lines. Labels the page does
 * not know are ignored; labels the event lacks count as 0.
 */
export function alignProbabilities(event, labels) {
  const names = Array.isArray(event.labels) && event.labels.length ? event.labels : labels;
  return labels.map((label) => {
    const i = names.indexOf(label);
    const p = i >= 0 ? Number(event.probabilities[i]) : 0;
    return Number.isFinite(p) ? p : 0;
  });
}

/**
 * Appends a chart point, keeping at most `max`. A point at or before the last one's time (e.g. a final
 * event for the same window) replaces it, so that times stay increasing and the lines never run backwards.
 */
export function addPoint(points, t, probabilities, max) {
  const last = points[points.length - 1];
  if (last && t <= last.t) points[points.length - 1] = { t: last.t, p: probabilities };
  else points.push({ t, p: probabilities });
  if (points.length > max) points.splice(0, points.length - max);
}

// ---- access token ----------------------------------------------------------------------------------

const TOKEN_KEY = 'emostream.token';

/**
 * The token from ?token= in the page URL, else the one remembered for this tab. A token from the URL is
 * remembered (so the other page and reloads have it) and removed from the address bar, so that it does
 * not end up in bookmarks, the history or screenshots.
 */
export function initialToken() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    storeToken(fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
    return fromUrl.trim();
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function storeToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** GET a JSON document relative to the page (works behind a reverse proxy that adds a path prefix). */
export async function fetchJson(path) {
  const response = await fetch(new URL(path, document.baseURI), { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// ---- timeline chart --------------------------------------------------------------------------------

// Candidate spacings of the time axis ticks, so that a chart of any length gets at most ~6 round ticks.
const TICK_STEPS_MS = [1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000];

function svg(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.append(node);
  return node;
}

/**
 * A line chart of the per-class probabilities over audio time, drawn into an <svg> by hand: one polyline
 * per label in the label's colour, the latest winning label drawn thicker. The chart scales with its
 * container through the viewBox; its elements are created once and only their attributes change per
 * render, which keeps dozens of live cards cheap.
 */
export class Timeline {
  /**
   * @param {SVGSVGElement} root  the <svg> element to draw into
   * @param {string[]} labels     one line per label, in this order
   * @param {{width?: number, height?: number, minSpanMs?: number, threshold?: number|null}} options
   *   threshold: draws a dashed alert line at that probability (null: none)
   */
  constructor(root, labels, { width = 480, height = 150, minSpanMs = 10000, threshold = null } = {}) {
    this.root = root;
    this.labels = labels;
    this.width = width;
    this.height = height;
    this.minSpanMs = minSpanMs;
    this.plot = { left: 42, right: width - 8, top: 8, bottom: height - 20 };

    root.setAttribute('viewBox', `0 0 ${width} ${height}`);
    root.setAttribute('role', 'img');
    root.setAttribute('aria-label', 'Emotion probabilities over audio time');
    root.replaceChildren();

    const { left, right, top, bottom } = this.plot;
    svg('rect', { x: left, y: top, width: right - left, height: bottom - top, class: 'chart-bg' }, root);
    for (const p of [0, 0.25, 0.5, 0.75, 1]) {
      const y = this.y(p);
      svg('line', { x1: left, x2: right, y1: y, y2: y, class: p === 0 ? 'chart-axis' : 'chart-grid' }, root);
      if (p === 0 || p === 0.5 || p === 1) {
        svg('text', { x: left - 6, y: y + 4, class: 'chart-text', 'text-anchor': 'end' }, root).textContent = formatPercent(p);
      }
    }
    this.ticks = svg('g', {}, root);
    if (threshold !== null && threshold > 0 && threshold <= 1) {
      const y = this.y(threshold);
      svg('line', { x1: left, x2: right, y1: y, y2: y, class: 'chart-threshold' }, root);
    }
    this.lines = labels.map((label, i) => svg('polyline', {
      class: 'chart-line', 'data-label': label, stroke: labelColor(label, i), points: '',
    }, root));
    this.placeholder = svg('text', {
      x: (left + right) / 2, y: (top + bottom) / 2, class: 'chart-text chart-placeholder', 'text-anchor': 'middle',
    }, root);
    this.placeholder.textContent = 'Waiting for audio…';
  }

  y(p) {
    const { top, bottom } = this.plot;
    return bottom - Math.min(1, Math.max(0, p)) * (bottom - top);
  }

  /**
   * @param {{t: number, p: number[]}[]} points  audio time (ms, increasing) and probabilities in label
   *   order; see addPoint
   */
  render(points) {
    const { left, right, bottom } = this.plot;
    this.placeholder.style.display = points.length ? 'none' : '';
    if (!points.length) {
      for (const line of this.lines) line.setAttribute('points', '');
      this.ticks.replaceChildren();
      return;
    }
    // The x axis grows with the stream until it spans the retained points, then scrolls with them.
    const first = points[0].t;
    const last = points[points.length - 1].t;
    const span = Math.max(this.minSpanMs, last - first);
    const x0 = Math.max(0, last - span);
    const x = (t) => left + ((t - x0) / span) * (right - left);

    const step = TICK_STEPS_MS.find((s) => span / s <= 6) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
    const ticks = [];
    for (let t = Math.ceil(x0 / step) * step; t <= x0 + span; t += step) {
      // A label centred on the right edge would be cut off by the viewBox: right-align that one.
      const anchor = x(t) > right - 14 ? 'end' : 'middle';
      const text = svg('text', { x: x(t), y: bottom + 14, class: 'chart-text', 'text-anchor': anchor });
      text.textContent = formatMs(t);
      ticks.push(text);
    }
    this.ticks.replaceChildren(...ticks);

    const latest = points[points.length - 1].p;
    const winner = latest.indexOf(Math.max(...latest));
    this.lines.forEach((line, i) => {
      line.setAttribute('points', points.map((pt) => `${x(pt.t).toFixed(1)},${this.y(pt.p[i]).toFixed(1)}`).join(' '));
      line.classList.toggle('chart-line-top', i === winner);
    });
    // SVG paints in document order: move the winning line last so that it is drawn on top.
    if (this.root.lastChild !== this.lines[winner]) this.root.append(this.lines[winner]);
  }
}
