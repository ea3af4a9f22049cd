// The canvas line chart of the run, compare and monitor pages: one or more
// series over step or time, with drag-to-zoom (x range, y refitted) and a
// reset button, log scale, EMA smoothing (debiased, as TensorBoard does),
// horizontal threshold bands and vertical markers (alerts). Canvas rather
// than SVG because a series holds up to 4,000 points (the API's M4 cap).

import { h, fmtNum } from "./dom.js";

export const PALETTE = ["#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700", "#5c940d", "#364fc7", "#495057"];
const PAD = { l: 58, r: 14, t: 10, b: 28 };
const live = new Set();

window.addEventListener("resize", () => {
  for (const c of live) {
    if (c.canvas.isConnected) c.draw();
    else live.delete(c);
  }
});

/** EMA with weight w in [0, 1), debiased so the first points are not pulled to 0. */
export function smooth(values, w) {
  if (!(w > 0)) return values;
  const out = new Array(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}

function niceTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

// Time ticks on round boundaries (UTC): seconds, minutes, hours, days.
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000);

function timeTicks(lo, hi, count) {
  const raw = (hi - lo) / count;
  const step = TIME_STEPS.find((s) => s >= raw) || Math.ceil(raw / 86400e3) * 86400e3;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  // A span shorter than a second (a run logged in a burst): its two ends.
  return out.length ? out : [lo, hi];
}

function fmtTimeTick(ms, span) {
  const iso = new Date(ms).toISOString();
  if (span > 2 * 86400e3) return iso.slice(5, 10) + " " + iso.slice(11, 16);
  if (span > 120e3) return iso.slice(11, 16);
  return iso.slice(11, 19);
}

export class LineChart {
  /**
   * opts: {title, series: [{name, color?, x: [], y: []}], xTime, logY, smoothing,
   * bands: [{lo, hi, label}], markers: [{x, label}], yFormat}
   */
  constructor(opts) {
    this.o = { logY: false, smoothing: 0, xTime: false, bands: [], markers: [], ...opts };
    this.zoom = null;
    this.drag = null;
    this.canvas = h("canvas", { role: "img", "aria-label": `Chart of ${opts.title}` });
    this.reset = h("button", { type: "button", disabled: true, onclick: () => this.resetZoom(), "aria-label": `Reset zoom of ${opts.title}` }, "Reset zoom");
    this.readout = h("div", { class: "muted legend", "aria-live": "off" }, "\u00a0");
    this.el = h("figure", { class: "chart", "data-chart": opts.title },
      h("div", { class: "chart-head" }, h("h3", {}, opts.title), this.reset),
      this.canvas,
      h("div", { class: "legend" }, this.o.series.length > 1 || opts.legend
        ? this.o.series.map((s, i) => h("span", {}, h("i", { "data-color": this.color(s, i) }), s.name))
        : null),
      this.readout);
    for (const i of this.el.querySelectorAll("i[data-color]")) i.style.background = i.dataset.color;
    this.canvas.addEventListener("mousedown", (e) => this.onDown(e));
    this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
    this.canvas.addEventListener("mouseup", (e) => this.onUp(e));
    this.canvas.addEventListener("mouseleave", () => {
      this.drag = null;
      this.draw();
    });
    this.canvas.addEventListener("dblclick", () => this.resetZoom());
    live.add(this);
    requestAnimationFrame(() => this.draw());
  }

  color(s, i) {
    return s.color || PALETTE[i % PALETTE.length];
  }

  set(opts) {
    Object.assign(this.o, opts);
    if ("xTime" in opts) this.zoom = null;
    this.reset.disabled = !this.zoom;
    this.draw();
  }

  resetZoom() {
    this.zoom = null;
    this.reset.disabled = true;
    this.draw();
  }

  /** Visible series: [{name, color, x, y (smoothed, log-safe)}]. */
  prepared() {
    return this.o.series.map((s, i) => {
      const y = smooth(s.y, this.o.smoothing);
      return { name: s.name, color: this.color(s, i), x: s.x, y, raw: this.o.smoothing > 0 ? s.y : null };
    });
  }

  domain(ser) {
    let x0 = Infinity, x1 = -Infinity;
    for (const s of ser) for (const x of s.x) if (Number.isFinite(x)) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); }
    for (const m of this.o.markers) if (Number.isFinite(m.x)) { x0 = Math.min(x0, m.x); x1 = Math.max(x1, m.x); }
    if (this.zoom) [x0, x1] = this.zoom;
    let y0 = Infinity, y1 = -Infinity;
    for (const s of ser) {
      for (const arr of [s.y, s.raw]) {
        if (!arr) continue;
        for (let i = 0; i < s.x.length; i++) {
          const v = arr[i];
          if (!Number.isFinite(v) || s.x[i] < x0 || s.x[i] > x1) continue;
          if (this.o.logY && v <= 0) continue;
          y0 = Math.min(y0, v); y1 = Math.max(y1, v);
        }
      }
    }
    for (const b of this.o.bands) for (const v of [b.lo, b.hi]) if (Number.isFinite(v) && !(this.o.logY && v <= 0)) { y0 = Math.min(y0, v); y1 = Math.max(y1, v); }
    if (!Number.isFinite(x0)) { x0 = 0; x1 = 1; }
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    if (!Number.isFinite(y0)) { y0 = this.o.logY ? 1 : 0; y1 = this.o.logY ? 10 : 1; }
    if (this.o.logY) {
      y0 = Math.log10(y0); y1 = Math.log10(y1);
      if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
    } else {
      // Never below zero for a series that never is (ratios, counts).
      const floor = y0 >= 0 ? 0 : -Infinity;
      if (y0 === y1) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
      const pad = (y1 - y0) * 0.06; y0 = Math.max(floor, y0 - pad); y1 += pad;
    }
    return { x0, x1, y0, y1 };
  }

  draw() {
    const c = this.canvas;
    const w = c.clientWidth, hgt = c.clientHeight;
    if (!w || !hgt) return;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(hgt * dpr)) {
      c.width = Math.round(w * dpr); c.height = Math.round(hgt * dpr);
    }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hgt);
    const ser = this.prepared();
    const d = this.domain(ser);
    this.d = d;
    const pw = w - PAD.l - PAD.r, ph = hgt - PAD.t - PAD.b;
    const X = (x) => PAD.l + ((x - d.x0) / (d.x1 - d.x0)) * pw;
    const ty = (v) => (this.o.logY ? Math.log10(v) : v);
    const Y = (v) => PAD.t + ph - ((ty(v) - d.y0) / (d.y1 - d.y0)) * ph;
    this.X = X;
    g.font = "11px system-ui, sans-serif";
    g.fillStyle = "#5b6575";
    g.strokeStyle = "#eef0f3";
    g.lineWidth = 1;
    // Grid and y ticks.
    // Log scale: a tick per decade, or plain ticks inside a single decade.
    const yt = this.o.logY && d.y1 - d.y0 < 1
      ? niceTicks(Math.pow(10, d.y0), Math.pow(10, d.y1), 4)
      : this.o.logY
      ? niceTicks(Math.floor(d.y0), Math.ceil(d.y1), Math.min(6, Math.ceil(d.y1) - Math.floor(d.y0) || 1)).filter((t) => t >= d.y0 && t <= d.y1).map((t) => Math.pow(10, t))
      : niceTicks(d.y0, d.y1, 5);
    g.textAlign = "right"; g.textBaseline = "middle";
    for (const t of yt) {
      const y = Y(t);
      if (y < PAD.t - 1 || y > PAD.t + ph + 1) continue;
      g.beginPath(); g.moveTo(PAD.l, y); g.lineTo(PAD.l + pw, y); g.stroke();
      g.fillText(this.o.yFormat ? this.o.yFormat(t) : fmtNum(t), PAD.l - 6, y);
    }
    const span = d.x1 - d.x0;
    const xt = (this.o.xTime ? timeTicks : niceTicks)(d.x0, d.x1, Math.max(2, Math.floor(pw / 90)));
    g.textAlign = "center"; g.textBaseline = "top";
    for (const t of xt) {
      const x = X(t);
      g.beginPath(); g.moveTo(x, PAD.t); g.lineTo(x, PAD.t + ph); g.stroke();
      g.fillText(this.o.xTime ? fmtTimeTick(t, span) : fmtNum(t), x, PAD.t + ph + 6);
    }
    g.save();
    g.beginPath(); g.rect(PAD.l, PAD.t, pw, ph); g.clip();
    // Threshold bands: the region a rule calls bad.
    for (const b of this.o.bands) {
      const lo = Number.isFinite(b.lo) ? Y(b.lo) : PAD.t + ph;
      const hi = Number.isFinite(b.hi) ? Y(b.hi) : PAD.t;
      g.fillStyle = "rgba(180, 35, 24, 0.08)";
      g.fillRect(PAD.l, Math.min(lo, hi), pw, Math.abs(lo - hi));
      g.strokeStyle = "rgba(180, 35, 24, 0.6)"; g.setLineDash([4, 3]);
      const edge = Number.isFinite(b.lo) && Number.isFinite(b.hi) ? null : Number.isFinite(b.lo) ? lo : hi;
      if (edge !== null) { g.beginPath(); g.moveTo(PAD.l, edge); g.lineTo(PAD.l + pw, edge); g.stroke(); }
      g.setLineDash([]);
    }
    // Alert markers.
    for (const m of this.o.markers) {
      const x = X(m.x);
      g.strokeStyle = "#b42318"; g.lineWidth = 1.5;
      g.beginPath(); g.moveTo(x, PAD.t); g.lineTo(x, PAD.t + ph); g.stroke();
      g.fillStyle = "#b42318";
      g.beginPath(); g.moveTo(x - 5, PAD.t); g.lineTo(x + 5, PAD.t); g.lineTo(x, PAD.t + 7); g.fill();
    }
    // Series: raw faintly under the smoothed curve.
    for (const s of ser) {
      if (s.raw) this.line(g, s.x, s.raw, X, Y, s.color, 0.25, 1);
      this.line(g, s.x, s.y, X, Y, s.color, 1, 1.8);
    }
    g.restore();
    g.strokeStyle = "#c5ccd6"; g.lineWidth = 1;
    g.strokeRect(PAD.l + 0.5, PAD.t + 0.5, pw - 1, ph - 1);
    if (this.drag && this.drag.x1 !== undefined) {
      g.fillStyle = "rgba(31, 95, 191, 0.12)";
      g.fillRect(Math.min(this.drag.x0, this.drag.x1), PAD.t, Math.abs(this.drag.x1 - this.drag.x0), ph);
    }
  }

  line(g, xs, ys, X, Y, color, alpha, width) {
    g.strokeStyle = color; g.globalAlpha = alpha; g.lineWidth = width;
    g.beginPath();
    let pen = false;
    const n = Math.min(xs.length, ys.length);
    for (let i = 0; i < n; i++) {
      const v = ys[i];
      if (!Number.isFinite(v) || !Number.isFinite(xs[i]) || (this.o.logY && v <= 0)) { pen = false; continue; }
      const px = X(xs[i]), py = Y(v);
      if (pen) g.lineTo(px, py); else g.moveTo(px, py);
      pen = true;
    }
    if (n === 1 && Number.isFinite(ys[0])) g.arc(X(xs[0]), Y(ys[0]), 2.5, 0, Math.PI * 2);
    g.stroke();
    g.globalAlpha = 1;
  }

  px(e) {
    const r = this.canvas.getBoundingClientRect();
    return e.clientX - r.left;
  }

  unX(px) {
    const w = this.canvas.clientWidth - PAD.l - PAD.r;
    return this.d.x0 + ((px - PAD.l) / w) * (this.d.x1 - this.d.x0);
  }

  onDown(e) {
    if (e.button !== 0) return;
    this.drag = { x0: this.px(e) };
  }

  onMove(e) {
    const p = this.px(e);
    if (this.drag) {
      this.drag.x1 = p;
      this.draw();
      return;
    }
    if (!this.d) return;
    const x = this.unX(p);
    const parts = [];
    const ser = this.prepared();
    for (const s of ser) {
      let best = -1, bd = Infinity;
      for (let i = 0; i < s.x.length; i++) { const dd = Math.abs(s.x[i] - x); if (dd < bd) { bd = dd; best = i; } }
      if (best >= 0) parts.push(`${ser.length > 1 ? s.name + ": " : ""}${fmtNum(s.y[best])}`);
    }
    const xs = this.o.xTime ? new Date(x).toISOString().replace("T", " ").slice(0, 19) : "step " + fmtNum(Math.round(x));
    this.readout.textContent = `${xs} · ${parts.join(" · ")}`;
  }

  onUp(e) {
    const d = this.drag;
    this.drag = null;
    if (!d || d.x1 === undefined || Math.abs(d.x1 - d.x0) < 5) { this.draw(); return; }
    const a = this.unX(Math.min(d.x0, d.x1)), b = this.unX(Math.max(d.x0, d.x1));
    this.zoom = [a, b];
    this.reset.disabled = false;
    this.draw();
    e.preventDefault();
  }
}

/** The shared controls of a page's charts: log scale, smoothing, axis. */
export function chartControls(onChange, opts = {}) {
  const state = { logY: false, smoothing: 0, xTime: false };
  const log = h("input", { type: "checkbox", id: "log-scale" });
  const sm = h("input", { type: "range", id: "smoothing", min: "0", max: "0.99", step: "0.01", value: "0" });
  const smv = h("output", { for: "smoothing" }, "0");
  const axis = h("select", { id: "x-axis" }, h("option", { value: "step" }, "Step"), h("option", { value: "time" }, "Time"));
  const fire = () => {
    state.logY = log.checked;
    state.smoothing = Number(sm.value);
    state.xTime = axis.value === "time";
    smv.textContent = sm.value;
    onChange({ ...state });
  };
  log.addEventListener("change", fire);
  sm.addEventListener("input", fire);
  axis.addEventListener("change", fire);
  return h("div", { class: "controls", role: "group", "aria-label": "Chart options" },
    h("label", { class: "check", for: "log-scale" }, log, "Log scale"),
    h("label", { class: "check", for: "smoothing" }, "Smoothing", sm, smv),
    opts.noAxis ? null : h("label", { class: "check", for: "x-axis" }, "X axis", axis));
}
