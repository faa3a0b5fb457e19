// The output column's readouts (losses, accuracy, confusion matrix, colour legend) and the
// backprop table.

import { classColour, diverging } from "./colors.js";
import { fmt, full, pct } from "./format.js";
import { FEATURE_LABELS } from "./state.js";

const $ = (id) => document.getElementById(id);

/** Write a number into an <output>, keeping the raw value in data-value for tools and tests. */
export function setOutput(id, v, text) {
  const o = $(id);
  o.textContent = text !== undefined ? text : fmt(v, 3);
  o.dataset.value = v === null || v === undefined ? "" : String(v);
}

export function showMetrics(frame) {
  setOutput("test-loss", frame.test_loss);
  setOutput("train-loss", frame.train_loss);
  const acc = frame.accuracy;
  $("acc-box").hidden = !acc;
  if (acc) setOutput("test-acc", acc.test, pct(acc.test));
}

/** The test confusion matrix: rows the true class, columns the predicted one. */
export function showConfusion(frame, nClasses) {
  const box = $("confusion-box");
  const m = frame.confusion && frame.confusion.test;
  box.hidden = !m;
  if (!m) return;
  const table = $("confusion");
  const total = m.flat().reduce((a, b) => a + b, 0) || 1;
  const head = `<tr><th class="corner">true ↓ / predicted →</th>${m.map((_, p) =>
    `<th><span class="swatch" style="background:${classColour(p, nClasses)}"></span>${p}</th>`).join("")}</tr>`;
  const rows = m.map((row, t) => {
    const rowTotal = row.reduce((a, b) => a + b, 0) || 1;
    return `<tr><th><span class="swatch" style="background:${classColour(t, nClasses)}"></span>${t}</th>${row.map((c, p) => {
      const share = c / rowTotal;
      const bg = t === p ? `rgba(24,150,90,${0.12 + 0.5 * share})` : (c ? `rgba(214,48,49,${0.1 + 0.6 * share})` : "transparent");
      return `<td style="background:${bg}" title="${c} of ${rowTotal} test points of class ${t} predicted as ${p}">${c}</td>`;
    }).join("")}</tr>`;
  }).join("");
  table.innerHTML = head + rows;
  table.dataset.total = total;
}

/** The legend under the output map: what its colours mean. */
export function showLegend(problem, nClasses) {
  const box = $("colour-legend");
  if (problem === "multiclass") {
    box.innerHTML = Array.from({ length: nClasses }, (_, k) =>
      `<span class="class-key"><span class="swatch" style="background:${classColour(k, nClasses)}"></span>class ${k}</span>`).join("") +
      `<span class="muted">pale = unsure</span>`;
    return;
  }
  const stops = Array.from({ length: 11 }, (_, i) => diverging(i / 5 - 1)).join(",");
  const [left, mid, right] = problem === "regression" ? ["−1", "0", "+1"] : ["class 0", "p = 0.5", "class 1"];
  box.innerHTML = `<span>${left}</span><span class="bar" style="background:linear-gradient(90deg,${stops})"></span><span>${right}</span>` +
    `<span class="muted">${problem === "regression" ? "predicted value" : `${mid}: the boundary`}</span>`;
}

/** The backprop table for one training point (numbers exactly as the server sent them). */
export function showBackprop(trace, features) {
  const summary = $("bp-summary");
  const table = $("bp-table");
  if (!trace) { summary.innerHTML = ""; table.innerHTML = ""; return; }
  const pred = Array.isArray(trace.prediction) ? trace.prediction.map((p) => fmt(p, 3)).join(", ") : fmt(trace.prediction, 4);
  summary.innerHTML =
    `<span>point <b>#${trace.index}</b> at (${fmt(trace.x[0])}, ${fmt(trace.x[1])})</span>` +
    `<span>target <b>y = ${fmt(trace.y, 4)}</b></span>` +
    `<span>prediction <b>${pred}</b></span>` +
    `<span>loss <b data-q="loss">${full(trace.loss)}</b> <span class="muted">(${trace.loss_name})</span></span>`;
  const L = trace.layers.length;
  const header = `<tr><th>neuron</th><th>activation</th><th title="pre-activation a = W z + b">a</th>` +
    `<th title="value z = f(a)">z</th><th title="f'(a)">f′(a)</th><th title="δ = f'(a) · error from above">δ</th>` +
    `<th title="∂L/∂b = δ">∂L/∂b</th><th title="∂L/∂w of each incoming link = δ · z of its source">∂L/∂w (incoming, in order)</th></tr>`;
  let rows = `<tr class="layer-row"><td colspan="8">inputs (layer 0)</td></tr>` + trace.inputs.map((v, i) =>
    `<tr><td>${FEATURE_LABELS[features[i]] || features[i]}</td><td></td><td></td>` +
    `<td data-q="z" data-layer="0" data-neuron="${i}">${full(v)}</td><td colspan="4"></td></tr>`).join("");
  trace.layers.forEach((lt, k) => {
    const title = k === L - 1 ? `output (layer ${k + 1})` : `hidden layer ${k + 1}`;
    rows += `<tr class="layer-row"><td colspan="8">${title}</td></tr>`;
    lt.z.forEach((_, j) => {
      const name = k === L - 1 ? (lt.z.length > 1 ? `out ${j}` : "out") : `h${k + 1}.${j}`;
      const dws = lt.dW[j].map((g, i) => `<span data-q="dW" data-layer="${k + 1}" data-neuron="${j}" data-from="${i}">${full(g)}</span>`).join("");
      rows += `<tr><td>${name}</td><td>${lt.activation}</td>` +
        `<td data-q="a" data-layer="${k + 1}" data-neuron="${j}">${full(lt.a[j])}</td>` +
        `<td data-q="z" data-layer="${k + 1}" data-neuron="${j}">${full(lt.z[j])}</td>` +
        `<td data-q="fprime" data-layer="${k + 1}" data-neuron="${j}">${full(lt.fprime[j])}</td>` +
        `<td data-q="delta" data-layer="${k + 1}" data-neuron="${j}">${full(lt.delta[j])}</td>` +
        `<td data-q="db" data-layer="${k + 1}" data-neuron="${j}">${full(lt.db[j])}</td>` +
        `<td class="dws">${dws}</td></tr>`;
    });
  });
  table.innerHTML = `<thead>${header}</thead><tbody>${rows}</tbody>`;
}
