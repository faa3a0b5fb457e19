// Small line charts on a canvas: the live loss curve and the per-layer gradient norms.

import { fmt } from "./format.js";

export class LineChart {
  /** options: {log: bool, colours: [css], widths: [px], yLabel, minY} */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.opt = { log: false, colours: ["#111827", "#9ca3af"], widths: [2.5, 2], ...options };
    this.series = [];    // series[s] = [[x, y], ...]
    this.resize();
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const rect = this.canvas.getBoundingClientRect();
    this.w = Math.max(100, Math.round(rect.width || 300));
    this.h = Math.max(60, Math.round(rect.height || this.canvas.height));
    this.canvas.width = Math.round(this.w * dpr);
    this.canvas.height = Math.round(this.h * dpr);
    this.dpr = dpr;
    this.draw();
  }

  clear(nSeries) { this.series = Array.from({ length: nSeries }, () => []); this.draw(); }

  /** Append one point per series (null values are skipped). Keeps at most `max` points by
   *  dropping every second one when full, so long runs stay cheap and keep their shape. */
  push(x, ys, max = 1500) {
    while (this.series.length < ys.length) this.series.push([]);
    ys.forEach((y, s) => {
      if (y === null || y === undefined || !Number.isFinite(y)) return;
      if (this.opt.log && y <= 0) return;
      const arr = this.series[s];
      arr.push([x, y]);
      if (arr.length > max) this.series[s] = arr.filter((_, i) => i % 2 === 0 || i === arr.length - 1);
    });
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    const pad = { l: this.opt.log ? 46 : 40, r: 8, t: 8, b: 18 };
    const pw = this.w - pad.l - pad.r, ph = this.h - pad.t - pad.b;
    const all = this.series.flat();
    ctx.font = "12px system-ui, sans-serif"; ctx.fillStyle = "#6b7280";
    ctx.strokeStyle = "#e5e7eb"; ctx.lineWidth = 1;
    ctx.strokeRect(pad.l + 0.5, pad.t + 0.5, pw, ph);
    if (!all.length) return;
    const tf = this.opt.log ? Math.log10 : (v) => v;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const [x, y] of all) {
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, tf(y)); y1 = Math.max(y1, tf(y));
    }
    if (!this.opt.log) y0 = Math.min(0, y0);
    if (this.opt.log) { y0 = Math.floor(y0); y1 = Math.ceil(y1); }
    if (y1 - y0 < 1e-9) { y1 = y0 + 1; }
    if (x1 === x0) x1 = x0 + 1;
    const X = (x) => pad.l + ((x - x0) / (x1 - x0)) * pw;
    const Y = (y) => pad.t + ph - ((tf(y) - y0) / (y1 - y0)) * ph;
    // Grid lines and labels: two for a linear axis, one per decade for a log axis.
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    const ticks = this.opt.log ? range(y0, y1, Math.max(1, Math.ceil((y1 - y0) / 5))).map((e) => 10 ** e) : [y0, (y0 + y1) / 2, y1];
    for (const t of ticks) {
      const y = Y(t);
      ctx.beginPath(); ctx.moveTo(pad.l, y + 0.5); ctx.lineTo(pad.l + pw, y + 0.5); ctx.stroke();
      ctx.fillText(this.opt.log ? `1e${Math.round(Math.log10(t))}`.replace("-", "\u2212") : fmt(t, 2), pad.l - 5, y);
    }
    ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(`epoch ${Math.round(x0)}`, pad.l, pad.t + ph + 3);
    ctx.textAlign = "right"; ctx.fillText(`${Math.round(x1)}`, pad.l + pw, pad.t + ph + 3);
    this.series.forEach((arr, s) => {
      if (!arr.length) return;
      ctx.strokeStyle = this.opt.colours[s % this.opt.colours.length];
      ctx.lineWidth = this.opt.widths[s] || this.opt.widths[0];
      ctx.lineJoin = "round";
      ctx.beginPath();
      arr.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
      ctx.stroke();
    });
  }
}

function range(a, b, step) { const out = []; for (let v = a; v <= b; v += step) out.push(v); return out; }

/** k colours from deep blue (first layer) to warm yellow (last), for layers in depth order. */
export function depthColours(k) {
  const stops = [[49, 54, 149], [69, 117, 180], [116, 173, 209], [102, 189, 99], [253, 174, 97], [215, 48, 39]];
  return Array.from({ length: k }, (_, i) => {
    const t = k === 1 ? 0 : (i / (k - 1)) * (stops.length - 1);
    const a = stops[Math.floor(t)], b = stops[Math.min(stops.length - 1, Math.floor(t) + 1)], f = t - Math.floor(t);
    return `rgb(${a.map((v, c) => Math.round(v + (b[c] - v) * f)).join(",")})`;
  });
}
