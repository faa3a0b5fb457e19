// Number formatting for legible figures: a true minus sign and a fixed number of significant
// digits; tiny or huge values in scientific form.

const MINUS = "\u2212";

/** `v` with `digits` significant digits ("–" for null / undefined). */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : `${MINUS}∞`;
  const a = Math.abs(v);
  let s;
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) s = v.toExponential(digits - 1).replace("e", "e");
  else s = Number(v.toPrecision(digits)).toString();
  return s.replace(/^-/, MINUS).replace("e-", `e${MINUS}`).replace("e+", "e");
}

/** The same number as the server sent it (6 significant digits), for exact comparison. */
export function full(v) {
  if (v === null || v === undefined) return "–";
  return Number(v.toPrecision(6)).toString().replace(/^-/, MINUS).replace("e-", `e${MINUS}`).replace("e+", "e");
}

/** An epoch count as 000,123 (the width stays put while it grows). */
export function epochText(n) {
  const s = String(n).padStart(6, "0");
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)} %`);
