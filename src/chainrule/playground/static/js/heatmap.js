// Heatmaps: the small ones on every neuron and the big output map with the data points.
//
// A heatmap arrives as an n x n grid (row 0 = top = largest x2). It is painted pixel for
// pixel into an n x n canvas and the browser scales it up with bilinear smoothing, which
// gives soft contours at no cost; points and axes go on top at the screen's resolution.

import { DIVERGING, MID, CLASS_COLOURS, classColour, diverging } from "./colors.js";

const BG_STRENGTH = 0.6;   // how far a background pixel moves from white towards its colour

/** Fill `rgba` (n*n*4) from values in [-1, 1] on the diverging scale. */
function fillDiverging(rgba, values, scale, strength, discrete, centre = 0) {
  for (let i = 0, j = 0; i < values.length; i++, j += 4) {
    let v = (values[i] - centre) / scale;
    if (discrete) v = v >= 0 ? 1 : -1;
    const k = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5))) * 4;
    rgba[j] = MID[0] + (DIVERGING[k] - MID[0]) * strength;
    rgba[j + 1] = MID[1] + (DIVERGING[k + 1] - MID[1]) * strength;
    rgba[j + 2] = MID[2] + (DIVERGING[k + 2] - MID[2]) * strength;
    rgba[j + 3] = 255;
  }
}

/** Fill `rgba` for a multi-class map: the argmax class's colour, faded by how sure it is. */
function fillClasses(rgba, maxProb, argmax, k, strength, discrete) {
  for (let i = 0, j = 0; i < maxProb.length; i++, j += 4) {
    const c = CLASS_COLOURS[argmax[i] % CLASS_COLOURS.length];
    const conf = discrete ? 1 : Math.max(0, Math.min(1, (maxProb[i] - 1 / k) / (1 - 1 / k)));
    const t = strength * (0.15 + 0.85 * conf);
    rgba[j] = MID[0] + (c[0] - MID[0]) * t;
    rgba[j + 1] = MID[1] + (c[1] - MID[1]) * t;
    rgba[j + 2] = MID[2] + (c[2] - MID[2]) * t;
    rgba[j + 3] = 255;
  }
}

/** The scale a neuron's values are divided by: 1, unless they reach beyond [-1, 1]. */
export function neuronScale(grid) {
  return Math.max(1, Math.abs(grid.lo), Math.abs(grid.hi));
}

/** Paint a small heatmap (a neuron's output over the plane) into its own n x n canvas;
 *  the colour shows (value - centre) / scale on the diverging scale. */
export function paintSmall(canvas, grid, { scale = 1, centre = 0, discrete = false } = {}) {
  const n = grid.n;
  if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  fillDiverging(img.data, grid.values, scale, 1, discrete, centre);
  ctx.putImageData(img, 0, 0);
}

/** The big output map: heatmap, axes, train and test points, and hit-testing for points. */
export class PlaneView {
  constructor(canvas) {
    this.canvas = canvas;
    this.offscreen = document.createElement("canvas");
    this.domain = [-6, 6, -6, 6];
    this.margin = { left: 34, bottom: 26, top: 6, right: 6 };
    this.grid = null;          // {n, values} of the output
    this.argmax = null;        // Uint8Array for multi-class
    this.problem = "classification";
    this.nClasses = 2;
    this.discrete = false;
    this.showTest = false;
    this.data = null;          // {train: {x, y}, test: {x, y}}
    this.highlight = null;     // index of a training point to ring (backprop view)
    this.preview = null;       // {grid, scale, centre, label}: a neuron shown instead of the output
    this.resize();
  }

  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const size = Math.max(200, Math.round(rect.width || 480));
    this.cssSize = size;
    this.canvas.width = Math.round(size * dpr);
    this.canvas.height = Math.round(size * dpr);
    this.dpr = dpr;
    this.draw();
  }

  /** The plot area in CSS pixels. */
  plotRect() {
    const m = this.margin;
    return { x: m.left, y: m.top, w: this.cssSize - m.left - m.right, h: this.cssSize - m.top - m.bottom };
  }

  toScreen(x1, x2) {
    const [a, b, c, d] = this.domain; const r = this.plotRect();
    return [r.x + ((x1 - a) / (b - a)) * r.w, r.y + ((d - x2) / (d - c)) * r.h];
  }

  toPlane(px, py) {
    const [a, b, c, d] = this.domain; const r = this.plotRect();
    return [a + ((px - r.x) / r.w) * (b - a), d - ((py - r.y) / r.h) * (d - c)];
  }

  /** The output value under a screen position (CSS pixels), or null outside the plot. */
  valueAt(px, py) {
    if (!this.grid) return null;
    const r = this.plotRect();
    const c = Math.floor(((px - r.x) / r.w) * this.grid.n);
    const row = Math.floor(((py - r.y) / r.h) * this.grid.n);
    if (c < 0 || row < 0 || c >= this.grid.n || row >= this.grid.n) return null;
    const i = row * this.grid.n + c;
    return { value: this.grid.values[i], cls: this.argmax ? this.argmax[i] : null };
  }

  /** Index of the training point nearest to a screen position, within `radius` pixels. */
  nearestTrainPoint(px, py, radius = 14) {
    if (!this.data) return null;
    let best = null, bestD = radius * radius;
    this.data.train.x.forEach(([x1, x2], i) => {
      const [sx, sy] = this.toScreen(x1, x2);
      const d = (sx - px) ** 2 + (sy - py) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    });
    return best;
  }

  paintBackground() {
    const g = this.grid; if (!g) return null;
    const off = this.offscreen;
    if (off.width !== g.n) { off.width = g.n; off.height = g.n; }
    const octx = off.getContext("2d");
    const img = octx.createImageData(g.n, g.n);
    const pv = this.preview;
    if (pv) {
      if (off.width !== pv.grid.n) { off.width = pv.grid.n; off.height = pv.grid.n; }
      const small = octx.createImageData(pv.grid.n, pv.grid.n);
      fillDiverging(small.data, pv.grid.values, pv.scale, BG_STRENGTH, this.discrete, pv.centre);
      octx.putImageData(small, 0, 0);
      return off;
    }
    if (this.problem === "multiclass" && this.argmax) {
      fillClasses(img.data, g.values, this.argmax, this.nClasses, BG_STRENGTH, this.discrete);
    } else if (this.problem === "classification") {
      fillDiverging(img.data, g.values, 0.5, BG_STRENGTH, this.discrete, 0.5);
    } else {
      fillDiverging(img.data, g.values, 1, BG_STRENGTH, this.discrete);
    }
    octx.putImageData(img, 0, 0);
    return off;
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.cssSize, this.cssSize);
    const r = this.plotRect();
    const bg = this.paintBackground();
    if (bg) {
      ctx.imageSmoothingEnabled = true;            // soft edges, also between discrete regions
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(bg, r.x, r.y, r.w, r.h);
    } else {
      ctx.fillStyle = "#eef0f3"; ctx.fillRect(r.x, r.y, r.w, r.h);
    }
    this.drawAxes(ctx, r);
    if (this.preview) {
      ctx.font = "600 15px system-ui, sans-serif";
      const text = this.preview.label;
      const w = ctx.measureText(text).width + 16;
      ctx.fillStyle = "rgba(17,24,39,.85)"; ctx.fillRect(r.x + 8, r.y + 8, w, 26);
      ctx.fillStyle = "#fff"; ctx.textAlign = "left"; ctx.textBaseline = "middle";
      ctx.fillText(text, r.x + 16, r.y + 21);
    }
    if (this.data) {
      ctx.save();
      ctx.beginPath(); ctx.rect(r.x, r.y, r.w, r.h); ctx.clip();
      const radius = Math.max(3, Math.min(6, r.w / 80));
      this.drawPoints(ctx, this.data.train, "#ffffff", radius);
      if (this.showTest) this.drawPoints(ctx, this.data.test, "#111827", radius);
      if (this.highlight !== null && this.data.train.x[this.highlight]) {
        const [sx, sy] = this.toScreen(...this.data.train.x[this.highlight]);
        ctx.lineWidth = 3; ctx.strokeStyle = "#111827";
        ctx.beginPath(); ctx.arc(sx, sy, radius + 6, 0, 2 * Math.PI); ctx.stroke();
        ctx.lineWidth = 1.5; ctx.strokeStyle = "#ffffff";
        ctx.beginPath(); ctx.arc(sx, sy, radius + 8.5, 0, 2 * Math.PI); ctx.stroke();
      }
      ctx.restore();
    }
  }

  /** Points grouped by colour, one fill and one stroke per group (hundreds of points cost
   *  a handful of canvas calls). Regression targets are coloured in 32 steps. */
  drawPoints(ctx, set, stroke, radius) {
    const regression = this.problem === "regression";
    const k = this.problem === "multiclass" ? this.nClasses : 2;
    const groups = new Map();
    for (let i = 0; i < set.x.length; i++) {
      const colour = regression ? diverging(Math.round(Math.max(-1, Math.min(1, set.y[i])) * 16) / 16)
        : classColour(set.y[i], k);
      if (!groups.has(colour)) groups.set(colour, []);
      groups.get(colour).push(set.x[i]);
    }
    ctx.lineWidth = 1.2; ctx.strokeStyle = stroke;
    for (const [colour, pts] of groups) {
      ctx.beginPath();
      for (const [x1, x2] of pts) {
        const [sx, sy] = this.toScreen(x1, x2);
        ctx.moveTo(sx + radius, sy);
        ctx.arc(sx, sy, radius, 0, 2 * Math.PI);
      }
      ctx.fillStyle = colour; ctx.fill(); ctx.stroke();
    }
  }

  drawAxes(ctx, r) {
    const [a, b, c, d] = this.domain;
    ctx.strokeStyle = "#9aa3af"; ctx.lineWidth = 1;
    ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
    ctx.fillStyle = "#4b5563"; ctx.font = "13px system-ui, sans-serif";
    const ticks = (lo, hi) => {
      const span = hi - lo; const step = niceStep(span / 6);
      const out = []; for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(+t.toFixed(6));
      return out;
    };
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks(a, b)) {
      const [sx] = this.toScreen(t, c);
      ctx.fillRect(sx, r.y + r.h, 1, 4);
      ctx.fillText(String(t), sx, r.y + r.h + 6);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ticks(c, d)) {
      const [, sy] = this.toScreen(a, t);
      ctx.fillRect(r.x - 4, sy, 4, 1);
      ctx.fillText(String(t), r.x - 7, sy);
    }
  }
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}
