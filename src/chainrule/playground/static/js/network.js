// The network diagram: input features, hidden layers and outputs as small heatmaps, joined
// by links whose colour is the weight's sign and whose thickness is its size.
//
// `build(shape)` lays the diagram out when the architecture changes; `update(frame)` only
// repaints heatmaps and restyles links, so a frame costs no DOM churn. In the backprop view
// the nodes carry their forward value z and their δ, and the links show ∂L/∂w instead of w.

import { FEATURES, FEATURE_LABELS, ACTIVATIONS, ACTIVATION_LABELS, LIMITS } from "./state.js";
import { signColour } from "./colors.js";
import { paintSmall, neuronScale } from "./heatmap.js";
import { decodeHeatmap } from "./api.js";
import { fmt } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const el = (tag, cls, parent) => {
  const e = document.createElement(tag); if (cls) e.className = cls; if (parent) parent.appendChild(e); return e;
};

export class NetworkView {
  /**
   * @param container  the #network element (holds the links' <svg>)
   * @param handlers   {toggleFeature(name), neurons(layer, delta), layerActivation(layer, name),
   *                    linkHover(info|null, event), linkClick(info, event)}
   */
  constructor(container, handlers) {
    this.root = container;
    this.svg = container.querySelector("svg");
    this.h = handlers;
    this.shape = null;
    this.nodes = [];     // nodes[layer][j] = {el, canvas, info, bias}
    this.links = [];     // links[k][j][i] = {path, hit}
    this.frame = null;
    this.trace = null;   // backprop trace or null
    this.discrete = false;
  }

  /** shape: {features: [names], hidden: [sizes], activations: [...], outputs: n, problem} */
  build(shape) {
    this.shape = shape;
    this.root.querySelectorAll(".node, .layer-head, .input-label").forEach((e) => e.remove());
    this.svg.replaceChildren();
    const W = this.root.clientWidth || 600, H = this.root.clientHeight || 460;
    const headH = 64, labelW = 76, outLabelW = 30;
    const columns = [FEATURES.length, ...shape.hidden, shape.outputs];
    const maxN = Math.max(...columns);
    const size = Math.max(20, Math.min(54, Math.floor((H - headH - 8) / (maxN * 1.28))));
    const gap = Math.round(size * 0.28);
    const nCols = columns.length;
    const usable = W - labelW - outLabelW - size;
    const colX = columns.map((_, c) => Math.round(labelW + (nCols === 1 ? 0 : (usable * c) / (nCols - 1))));
    this.size = size;
    this.nodes = columns.map((n, layer) => Array.from({ length: n }, (_, j) => {
      const x = colX[layer], y = headH + j * (size + gap);
      return this.makeNode(layer, j, x, y, size);
    }));
    const spacing = nCols > 1 ? usable / (nCols - 1) : usable;
    this.root.classList.toggle("compact", spacing < 92);
    shape.hidden.forEach((n, l) => this.makeLayerHead(l + 1, colX[l + 1], size));
    this.makeLinks();
    this.svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    this.svg.setAttribute("width", W); this.svg.setAttribute("height", H);
    if (this.frame) this.update(this.frame);
  }

  makeNode(layer, j, x, y, size) {
    const isInput = layer === 0;
    const isOutput = layer === this.shape.hidden.length + 1;
    const node = el("div", "node", this.root);
    node.style.cssText = `left:${x}px;top:${y}px;width:${size}px;height:${size}px`;
    const canvas = el("canvas", "", node);
    canvas.width = canvas.height = 1;
    const info = el("div", "node-info", node);
    const rec = { el: node, canvas, info, x, y, layer, j, bias: null };
    if (isInput) {
      const name = FEATURES[j];
      const on = this.shape.features.includes(name);
      node.classList.add("input", on ? "on" : "off");
      node.dataset.feature = name;
      node.title = on ? `${name}: click to switch this input off` : `${name}: click to use this input`;
      node.tabIndex = 0;
      node.setAttribute("role", "switch"); node.setAttribute("aria-checked", String(on));
      node.addEventListener("click", () => this.h.toggleFeature(name));
      node.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.h.toggleFeature(name); } });
      const label = el("div", "input-label", this.root);
      label.innerHTML = FEATURE_LABELS[name];
      label.style.cssText = `top:${y}px;height:${size}px;right:calc(100% - ${x - 8}px)`;
      label.classList.toggle("off", !on);
      label.addEventListener("click", () => this.h.toggleFeature(name));
      rec.label = label;
    } else {
      node.classList.add(isOutput ? "output-node" : "hidden-node");
      node.dataset.layer = layer; node.dataset.neuron = j;
      const bias = el("div", "bias", node);
      bias.dataset.control = "edit_weights";
      bias.addEventListener("mouseenter", (e) => this.h.linkHover(this.linkInfo(layer - 1, j, "bias"), e));
      bias.addEventListener("mouseleave", () => this.h.linkHover(null));
      bias.addEventListener("click", (e) => { e.stopPropagation(); this.h.linkClick(this.linkInfo(layer - 1, j, "bias"), e); });
      rec.bias = bias;
      if (isOutput && this.shape.outputs > 1) {
        const tag = el("div", "class-tag", node);
        tag.textContent = j; tag.dataset.class = j;
      }
    }
    return rec;
  }

  makeLayerHead(layer, x, size) {
    const head = el("div", "layer-head", this.root);
    head.style.left = `${x + size / 2}px`;
    const n = this.shape.hidden[layer - 1];
    const btns = el("div", "neuron-buttons", head);
    btns.dataset.control = "neurons";
    const minus = el("button", "round small", btns); minus.textContent = "−";
    minus.title = `Remove a neuron from layer ${layer}`; minus.disabled = n <= LIMITS.minNeurons;
    const plus = el("button", "round small", btns); plus.textContent = "+";
    plus.title = `Add a neuron to layer ${layer}`; plus.disabled = n >= LIMITS.maxNeurons;
    minus.addEventListener("click", () => this.h.neurons(layer, -1));
    plus.addEventListener("click", () => this.h.neurons(layer, +1));
    const count = el("div", "neuron-count", head);
    count.innerHTML = `<b>${n}</b><span class="word"> neuron${n === 1 ? "" : "s"}</span>`;
    const sel = el("select", "layer-activation", head);
    sel.dataset.control = "layer_activation";
    sel.title = `Activation of layer ${layer}`;
    for (const a of ACTIVATIONS) { const o = el("option", "", sel); o.value = a; o.textContent = ACTIVATION_LABELS[a]; }
    sel.value = this.shape.activations[layer - 1];
    sel.addEventListener("change", () => this.h.layerActivation(layer, sel.value));
  }

  /** Weight matrices index: weights[k][j][i] joins active input i of layer k to j of k+1. */
  sourcesOf(layer) {
    if (layer > 0) return this.nodes[layer].map((_, i) => i);
    return this.shape.features.map((f) => FEATURES.indexOf(f));
  }

  makeLinks() {
    const half = this.size / 2;
    const gLinks = document.createElementNS(SVG, "g");
    const gHits = document.createElementNS(SVG, "g");
    gHits.setAttribute("class", "hits");
    this.svg.append(gLinks, gHits);
    this.links = [];
    for (let k = 0; k < this.nodes.length - 1; k++) {
      const srcNodes = this.sourcesOf(k).map((idx) => this.nodes[k][idx]);
      this.links.push(this.nodes[k + 1].map((dst, j) => srcNodes.map((src, i) => {
        const x1 = src.x + this.size, y1 = src.y + half, x2 = dst.x, y2 = dst.y + half;
        const mx = (x1 + x2) / 2;
        const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
        const path = document.createElementNS(SVG, "path");
        path.setAttribute("d", d); path.setAttribute("class", "link");
        const hit = document.createElementNS(SVG, "path");
        hit.setAttribute("d", d); hit.setAttribute("class", "link-hit");
        hit.addEventListener("mouseenter", (e) => { path.classList.add("hover"); this.h.linkHover(this.linkInfo(k, j, i), e); });
        hit.addEventListener("mousemove", (e) => this.h.linkHover(this.linkInfo(k, j, i), e));
        hit.addEventListener("mouseleave", () => { path.classList.remove("hover"); this.h.linkHover(null); });
        hit.addEventListener("click", (e) => this.h.linkClick(this.linkInfo(k, j, i), e));
        gLinks.appendChild(path); gHits.appendChild(hit);
        return { path, hit };
      })));
    }
  }

  /** What a link (or a bias, i = "bias") currently holds, for the tooltip and the editor. */
  linkInfo(k, j, i) {
    const f = this.frame; const t = this.trace;
    const isBias = i === "bias";
    const from = k === 0 && !isBias ? this.shape.features[i] : (isBias ? "bias" : `h${k}.${i}`);
    const to = k === this.shape.hidden.length ? (this.shape.outputs > 1 ? `output ${j}` : "output") : `h${k + 1}.${j}`;
    const value = f ? (isBias ? f.biases[k][j] : f.weights[k][j][i]) : null;
    let grad = null;
    if (t && t.layers[k]) grad = isBias ? t.layers[k].db[j] : t.layers[k].dW[j][i];
    return { layer: k, to: j, from: i, name: isBias ? `b of ${to}` : `${from} → ${to}`, value, grad };
  }

  update(frame) {
    this.frame = frame;
    if (!this.shape) return;
    const L = this.nodes.length - 1;
    frame.neurons.forEach((layerMaps, layer) => {
      const nodes = layer === 0 ? this.sourcesOf(0).map((idx) => this.nodes[0][idx]) : this.nodes[layer];
      if (!nodes) return;
      layerMaps.forEach((h, j) => {
        const node = nodes[j]; if (!node) return;
        const grid = decodeHeatmap(h);
        const prob = layer === L && this.shape.problem !== "regression";
        paintSmall(node.canvas, grid, prob ? { scale: 0.5, centre: 0.5, discrete: this.discrete } : { scale: neuronScale(grid) });
      });
    });
    this.styleLinks();
  }

  styleLinks() {
    const f = this.frame; if (!f) return;
    const t = this.trace;
    let gScale = 1;
    if (t) {
      gScale = 1e-12;
      t.layers.forEach((l) => l.dW.forEach((row) => row.forEach((g) => { gScale = Math.max(gScale, Math.abs(g)); })));
    }
    this.links.forEach((layer, k) => layer.forEach((row, j) => row.forEach(({ path }, i) => {
      const w = f.weights[k]?.[j]?.[i];
      if (w === undefined) return;
      let v = w, scale = 2;
      if (t) { v = t.layers[k].dW[j][i]; scale = gScale; }
      const m = Math.min(1, Math.abs(v) / scale);
      path.setAttribute("stroke", signColour(v, scale));
      path.setAttribute("stroke-width", (0.7 + 7 * m).toFixed(2));
    })));
    this.nodes.forEach((layer, l) => layer.forEach((n, j) => {
      if (n.bias && f.biases[l - 1]) {
        const b = t ? t.layers[l - 1].db[j] : f.biases[l - 1][j];
        n.bias.style.background = signColour(b, t ? gScale : 1);
      }
    }));
    this.svg.classList.toggle("gradients", !!t);
  }

  /** Show (trace) or hide (null) the backprop numbers on the diagram. */
  setTrace(trace) {
    this.trace = trace;
    this.root.classList.toggle("backprop", !!trace);
    this.nodes.forEach((layer, l) => layer.forEach((n) => { n.info.innerHTML = ""; }));
    if (trace) {
      const inputs = this.sourcesOf(0).map((idx) => this.nodes[0][idx]);
      inputs.forEach((n, i) => { n.info.innerHTML = `<span class="z">${fmt(trace.inputs[i])}</span>`; });
      trace.layers.forEach((lt, k) => this.nodes[k + 1].forEach((n, j) => {
        n.info.innerHTML = `<span class="z" title="z = f(a), the neuron's value">z ${fmt(lt.z[j])}</span>` +
          `<span class="d" title="δ = f'(a) · (error from above)">δ ${fmt(lt.delta[j])}</span>`;
      }));
    }
    this.styleLinks();
  }

  setDiscrete(on) { this.discrete = on; if (this.frame) this.update(this.frame); }
}
