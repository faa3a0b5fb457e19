// Dataset thumbnails: points from the server's previews when it sends them, otherwise a
// schematic drawing of the dataset's shape (an icon, not data).

import { classColour, diverging } from "./colors.js";

export const DATASET_LABELS = {
  circle: "Circle", xor: "XOR", gaussian: "Gaussian", spiral: "Spiral",
  plane: "Plane", multigauss: "Multi-Gaussian", upload: "Your CSV",
};

/** A tiny deterministic generator, so icons look the same on every load. */
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** Points [x1, x2, label-or-value] sketching a dataset on [-6, 6]^2. */
function sketch(name) {
  const r = rng(name.length * 7919 + name.charCodeAt(0));
  const pts = [];
  const u = (a, b) => a + (b - a) * r();
  for (let i = 0; i < 140; i++) {
    if (name === "circle") {
      const inside = i % 2 === 0, rad = inside ? u(0, 2.5) : u(3.5, 5), a = u(0, 2 * Math.PI);
      pts.push([rad * Math.sin(a), rad * Math.cos(a), inside ? 1 : 0]);
    } else if (name === "xor") {
      let x = u(-5, 5), y = u(-5, 5); x += x > 0 ? 0.3 : -0.3; y += y > 0 ? 0.3 : -0.3;
      pts.push([x, y, x * y >= 0 ? 1 : 0]);
    } else if (name === "gaussian") {
      const c = i % 2 ? 2 : -2; const g = () => (r() + r() + r() - 1.5) * 1.6;
      pts.push([c + g(), c + g(), i % 2]);
    } else if (name === "spiral") {
      const k = i % 2, t = (i >> 1) / 70, rad = 5 * t, a = 1.75 * 2 * Math.PI * t + (k ? 0 : Math.PI);
      pts.push([rad * Math.sin(a), rad * Math.cos(a), k]);
    } else if (name === "plane") {
      const x = u(-6, 6), y = u(-6, 6); pts.push([x, y, (x + y) / 10]);
    } else if (name === "multigauss") {
      const x = u(-6, 6), y = u(-6, 6);
      const centres = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]];
      let best = 0;
      for (const [cx, cy, s] of centres) {
        const f = s * Math.max(0, 1 - Math.hypot(x - cx, y - cy) / 2);
        if (Math.abs(f) > Math.abs(best)) best = f;
      }
      pts.push([x, y, best]);
    }
  }
  return pts;
}

/** Draw a thumbnail for `name` into `canvas`; `preview` = {x, y} from the server, if any. */
export function drawThumb(canvas, name, preview, domain = [-6, 6, -6, 6]) {
  const dpr = window.devicePixelRatio || 1;
  const size = canvas.clientWidth || 64;
  canvas.width = canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#f6f6f3"; ctx.fillRect(0, 0, size, size);
  const regression = name === "plane" || name === "multigauss";
  const pts = preview ? preview.x.map((p, i) => [p[0], p[1], preview.y[i]]) : sketch(name);
  if (name === "upload" && !preview) {
    ctx.fillStyle = "#6b7280"; ctx.font = `${Math.round(size * 0.34)}px system-ui`; ctx.textAlign = "center";
    ctx.textBaseline = "middle"; ctx.fillText("CSV", size / 2, size / 2);
    return;
  }
  const [a, b, c, d] = domain;
  const nClasses = Math.max(2, ...pts.map((p) => (regression ? 0 : p[2] + 1)));
  const rad = Math.max(1.6, size / 34);
  for (const [x, y, v] of pts) {
    ctx.fillStyle = regression ? diverging(Math.max(-1, Math.min(1, v))) : classColour(v, nClasses);
    ctx.beginPath();
    ctx.arc(((x - a) / (b - a)) * size, ((d - y) / (d - c)) * size, rad, 0, 2 * Math.PI);
    ctx.fill();
  }
}
