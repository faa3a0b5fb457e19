// Dataset thumbnails, drawn from the points the server sends (`/api/options` previews, or the
// uploaded data).

import { classColour, diverging } from "./colors.js";

export const DATASET_LABELS = {
  circle: "Circle", xor: "XOR", gaussian: "Gaussian", spiral: "Spiral",
  plane: "Plane", multigauss: "Multi-Gaussian", upload: "Your CSV",
};

/** Draw a thumbnail for `name` into `canvas` from `preview` = {x, y}; without points (an
 *  upload not made yet, or a server without previews) the tile shows the dataset's name. */
export function drawThumb(canvas, name, preview, domain = [-6, 6, -6, 6]) {
  const dpr = window.devicePixelRatio || 1;
  const size = canvas.clientWidth || 64;
  canvas.width = canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#f6f6f3"; ctx.fillRect(0, 0, size, size);
  const regression = name === "plane" || name === "multigauss";
  if (!preview) {
    ctx.fillStyle = "#6b7280"; ctx.font = `${Math.round(size * (name === "upload" ? 0.34 : 0.2))}px system-ui`;
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(name === "upload" ? "CSV" : name.slice(0, 6), size / 2, size / 2);
    return;
  }
  const pts = preview.x.map((p, i) => [p[0], p[1], preview.y[i]]);
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
