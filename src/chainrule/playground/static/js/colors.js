// Colours: one diverging scale (negative = orange, 0 = near white, positive = blue) for
// weights, neuron outputs, binary classes and regression targets, and one categorical set for
// multi-class problems. Chosen to stay distinguishable on a washed-out lecture-hall projector
// and for the common red-green colour blindnesses.

export const NEG = [232, 113, 10];      // #e8710a
export const MID = [246, 246, 243];     // paper white
export const POS = [26, 115, 232];      // #1a73e8
export const CLASS_COLOURS = [
  [232, 113, 10], [26, 115, 232], [24, 150, 90], [147, 52, 230], [214, 48, 49],
];

export const css = (rgb, a = 1) => (a === 1 ? `rgb(${rgb[0]},${rgb[1]},${rgb[2]})` : `rgba(${rgb[0]},${rgb[1]},${rgb[2]},${a})`);

const mix = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

/** 256 RGB entries for v in [-1, 1]: index = round((v + 1) * 127.5). Packed as Uint8 RGBA. */
function buildDiverging() {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const v = i / 127.5 - 1;
    // A slightly eased ramp keeps small values pale and saturates near +-1, like a contour map.
    const t = Math.sign(v) * Math.pow(Math.abs(v), 0.85);
    const c = t < 0 ? mix(MID, NEG, -t) : mix(MID, POS, t);
    lut.set([c[0], c[1], c[2], 255], i * 4);
  }
  return lut;
}
export const DIVERGING = buildDiverging();

/** CSS colour of a value in [-1, 1] on the diverging scale. */
export function diverging(v) {
  const i = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5))) * 4;
  return `rgb(${DIVERGING[i]},${DIVERGING[i + 1]},${DIVERGING[i + 2]})`;
}

/** The colour of a weight or a gradient: sign gives the hue, |w| / scale the strength. */
export function signColour(w, scale = 1) {
  const t = Math.min(1, Math.abs(w) / scale);
  const c = mix([205, 208, 212], w < 0 ? NEG : POS, 0.35 + 0.65 * t);
  return css(c);
}

/** The colour of class k (multi-class), or of label 0 / 1 in binary problems. */
export function classColour(k, nClasses) {
  if (nClasses === 2) return css(k === 1 ? POS : NEG);
  return css(CLASS_COLOURS[k % CLASS_COLOURS.length]);
}

/** RGB (0..255) of a probability vector: the classes' colours weighted by probability and
 *  faded towards white where the network is unsure. */
export function blendClasses(probs, out, offset) {
  let r = 0, g = 0, b = 0, max = 0;
  for (let k = 0; k < probs.length; k++) {
    const p = probs[k]; const c = CLASS_COLOURS[k % CLASS_COLOURS.length];
    r += p * c[0]; g += p * c[1]; b += p * c[2];
    if (p > max) max = p;
  }
  const k = probs.length;
  // Confidence 0 at uniform probabilities, 1 when one class has them all.
  const conf = Math.max(0, (max - 1 / k) / (1 - 1 / k));
  const t = 0.25 + 0.75 * conf;
  out[offset] = MID[0] + (r - MID[0]) * t;
  out[offset + 1] = MID[1] + (g - MID[1]) * t;
  out[offset + 2] = MID[2] + (b - MID[2]) * t;
  out[offset + 3] = 255;
}
