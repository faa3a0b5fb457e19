// The network diagram: input features, hidden layers and outputs as small heatmaps, joined
// by links whose colour is the weight's sign and whose thickness is its size.
//
// `build(shape)` lays the diagram out when the architecture changes; `update(frame)` only
// repaints one canvas: the links (kept in a layer of their own, one style change per colour
// step, redrawn at most 2.5 times a second when there are many) and every node's heatmap on
// top. One canvas instead of one per neuron keeps an 8 x 16 network cheap to paint. The node
// <div>s above it carry outlines, bias handles and labels; hovering and clicking find the
// link under the pointer geometrically. In the backprop view the nodes carry their forward
// value z and their δ, and the links show ∂L/∂w instead of w.

import { FEATURES, FEATURE_LABELS, ACTIVATIONS, ACTIVATION_LABELS, LIMITS } from "./state.js";
import { signColour } from "./colors.js";
import { paintSmall, neuronScale } from "./heatmap.js";
import { decodeHeatmap } from "./api.js";
import { fmt } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const STEPS = 24;           // colour/width steps per sign when drawing links
const HIT = 5;              // pixels either side of a link that still count as on it
const MANY_LINKS = 300;     // above this, links are straight and redrawn at most every LINK_INTERVAL ms
const LINK_INTERVAL = 400;
const el = (tag, cls, parent) => {
  const e = document.createElement(tag); if (cls) e.className = cls; if (parent) parent.appendChild(e); return e;
};

export class NetworkView {
  /**
   * @param container  the #network element (holds the links' <canvas> and the hover <svg>)
   * @param handlers   {toggleFeature(name), neurons(layer, delta), layerActivation(layer, name),
   *                    linkHover(info|null, event), linkClick(info, event), nodeHover(node|null)}
   */
  constructor(container, handlers) {
    this.root = container;
    this.svg = container.querySelector("svg");
    this.canvas = container.querySelector("canvas.links-canvas");
    this.h = handlers;
    this.hovered = null;
    container.addEventListener("mousemove", (e) => this.onPointer(e, false));
    container.addEventListener("mouseleave", () => this.setHover(null));
    container.addEventListener("click", (e) => this.onPointer(e, true));
    this.shape = null;
    this.nodes = [];     // nodes[layer][j] = {el, img (n x n canvas), painted, info, bias, x, y}
    this.linkLayer = document.createElement("canvas");
    this.linksDrawnAt = 0;
    this.links = [];     // links[k][j][i] = {x1, y1, x2, y2}: from source i to target j
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
    const labelW = 76, outLabelW = 30;
    const columns = [FEATURES.length, ...shape.hidden, shape.outputs];
    // Narrow columns get compact layer heads (count without "neurons", small buttons).
    const compact = (W - labelW - outLabelW - 40) / Math.max(1, columns.length - 1) < 92;
    this.root.classList.toggle("compact", compact);
    const headH = compact ? 66 : 80;
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
    shape.hidden.forEach((n, l) => this.makeLayerHead(l + 1, colX[l + 1], size));
    this.colX = colX;
    this.W = W; this.H = H;
    this.makeLinks();
    this.svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    this.svg.setAttribute("width", W); this.svg.setAttribute("height", H);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(W * dpr); this.canvas.height = Math.round(H * dpr);
    this.canvas.style.width = `${W}px`; this.canvas.style.height = `${H}px`;
    this.linkLayer.width = this.canvas.width; this.linkLayer.height = this.canvas.height;
    this.linksDrawnAt = 0;
    this.dpr = dpr;
    this.hovered = null;
    if (this.frame) this.update(this.frame);
  }

  makeNode(layer, j, x, y, size) {
    const isInput = layer === 0;
    const isOutput = layer === this.shape.hidden.length + 1;
    const node = el("div", "node", this.root);
    node.style.cssText = `left:${x}px;top:${y}px;width:${size}px;height:${size}px`;
    const img = document.createElement("canvas");
    img.width = img.height = 1;
    const info = el("div", "node-info", node);
    const rec = { el: node, img, painted: false, info, x, y, layer, j, bias: null, grid: null };
    node.addEventListener("mouseenter", () => this.h.nodeHover && this.h.nodeHover(rec));
    node.addEventListener("mouseleave", () => this.h.nodeHover && this.h.nodeHover(null));
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

  /** A readable name for a node: the feature, h<layer>.<j>, or the output. */
  nodeName(n) {
    if (n.layer === 0) return FEATURE_LABELS[FEATURES[n.j]];
    if (n.layer === this.shape.hidden.length + 1) return this.shape.outputs > 1 ? `output ${n.j}` : "output";
    return `neuron h${n.layer}.${n.j}`;
  }

  /** Weight matrices index: weights[k][j][i] joins active input i of layer k to j of k+1. */
  sourcesOf(layer) {
    if (layer > 0) return this.nodes[layer].map((_, i) => i);
    return this.shape.features.map((f) => FEATURES.indexOf(f));
  }

  makeLinks() {
    const half = this.size / 2;
    this.hoverPath = document.createElementNS(SVG, "path");
    this.hoverPath.setAttribute("class", "link-hover");
    this.svg.appendChild(this.hoverPath);
    this.links = [];
    for (let k = 0; k < this.nodes.length - 1; k++) {
      const srcNodes = this.sourcesOf(k).map((idx) => this.nodes[k][idx]);
      this.links.push(this.nodes[k + 1].map((dst) => srcNodes.map((src) => (
        { x1: src.x + this.size, y1: src.y + half, x2: dst.x, y2: dst.y + half }))));
    }
    this.straight = this.linkCount() > MANY_LINKS;   // dense networks: straight links, cheaper to draw
  }

  /** Number of links drawn (for tests and the console). */
  linkCount() { return this.links.reduce((n, layer) => n + layer.reduce((m, row) => m + row.length, 0), 0); }

  /** The link under a point of the diagram, as [k, j, i], or null: in the gap between the
   *  columns the point falls in, the link whose curve passes nearest (within HIT pixels). */
  linkAt(px, py) {
    for (let k = 0; k < this.links.length; k++) {
      const first = this.links[k][0] && this.links[k][0][0];
      if (!first || px < first.x1 || px > first.x2) continue;
      let best = null, bestD = HIT;
      this.links[k].forEach((row, j) => row.forEach((l, i) => {
        const y = this.straight ? l.y1 + ((px - l.x1) / (l.x2 - l.x1)) * (l.y2 - l.y1) : curveY(l, px);
        const d = Math.abs(y - py);
        if (d < bestD) { bestD = d; best = [k, j, i]; }
      }));
      return best;
    }
    return null;
  }

  onPointer(e, click) {
    if (e.target.closest(".node, .layer-head, .input-label")) { if (!click) this.setHover(null); return; }
    const r = this.root.getBoundingClientRect();
    const hit = this.linkAt(e.clientX - r.left, e.clientY - r.top);
    if (click) { if (hit) this.h.linkClick(this.linkInfo(...hit), e); return; }
    this.setHover(hit, e);
  }

  setHover(hit, e) {
    this.hovered = hit;
    this.root.classList.toggle("on-link", !!hit);
    if (!hit) { this.hoverPath.setAttribute("d", ""); this.h.linkHover(null); return; }
    const l = this.links[hit[0]][hit[1]][hit[2]];
    const mx = (l.x1 + l.x2) / 2;
    this.hoverPath.setAttribute("d", this.straight ? `M${l.x1},${l.y1} L${l.x2},${l.y2}`
      : `M${l.x1},${l.y1} C${mx},${l.y1} ${mx},${l.y2} ${l.x2},${l.y2}`);
    this.h.linkHover(this.linkInfo(...hit), e);
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
        node.paint = prob ? { scale: 0.5, centre: 0.5 } : { scale: neuronScale(grid), centre: 0 };
        paintSmall(node.img, grid, { ...node.paint, discrete: prob && this.discrete });
        node.grid = grid;
        node.painted = true;
      });
    });
    this.styleLinks(false);
  }

  /** Compose the diagram's canvas: the link layer, then each painted node's heatmap. */
  compose() {
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.linkLayer, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    for (const layer of this.nodes) {
      for (const n of layer) if (n.painted && !n.el.classList.contains("off")) ctx.drawImage(n.img, n.x, n.y, this.size, this.size);
    }
  }

  /** Draw every link into the link layer (colour by sign, width by size, one style change
   *  per colour step) and compose. Unless `force`d, a network with many links redraws them
   *  at most every LINK_INTERVAL ms: weights move little between frames. */
  styleLinks(force = true) {
    const f = this.frame; if (!f) return;
    const now = performance.now();
    if (!force && this.linkCount() > MANY_LINKS && now - this.linksDrawnAt < LINK_INTERVAL) { this.compose(); return; }
    this.linksDrawnAt = now;
    const t = this.trace;
    let scale = 2;
    if (t) {
      scale = 1e-12;
      t.layers.forEach((l) => l.dW.forEach((row) => row.forEach((g) => { scale = Math.max(scale, Math.abs(g)); })));
    }
    const buckets = Array.from({ length: 2 * (STEPS + 1) }, () => []);
    this.links.forEach((layer, k) => layer.forEach((row, j) => row.forEach((l, i) => {
      const v = t ? t.layers[k].dW[j][i] : f.weights[k]?.[j]?.[i];
      if (v === undefined) return;
      const step = Math.round(Math.min(1, Math.abs(v) / scale) * STEPS);
      buckets[(v < 0 ? 0 : STEPS + 1) + step].push(l);
    })));
    const ctx = this.linkLayer.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.W, this.H);
    ctx.lineCap = "butt";
    // Dense networks get thinner links (they would only overlap) and skip the faintest.
    const count = this.linkCount();
    const widest = Math.max(2.5, Math.min(7.7, 7.7 * Math.sqrt(120 / count)));
    buckets.forEach((links, b) => {
      if (!links.length) return;
      const negative = b <= STEPS;
      const step = negative ? b : b - STEPS - 1;
      if (step === 0 && count > MANY_LINKS) return;
      const m = step / STEPS;
      ctx.strokeStyle = signColour(negative ? -m : m, 1);
      ctx.lineWidth = 0.7 + (widest - 0.7) * m;
      for (const l of links) {
        ctx.beginPath();
        ctx.moveTo(l.x1, l.y1);
        if (this.straight) ctx.lineTo(l.x2, l.y2);
        else { const mx = (l.x1 + l.x2) / 2; ctx.bezierCurveTo(mx, l.y1, mx, l.y2, l.x2, l.y2); }
        ctx.stroke();
      }
    });
    this.nodes.forEach((layer, l) => layer.forEach((n, j) => {
      if (n.bias && f.biases[l - 1]) {
        const b = t ? t.layers[l - 1].db[j] : f.biases[l - 1][j];
        n.bias.style.background = signColour(b, t ? scale : 1);
      }
    }));
    this.compose();
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

}

/** y of the link's curve at x (bezier with both control points at mid-x), by bisection on t. */
function curveY(l, x) {
  const bx = (t) => { const u = 1 - t, mx = (l.x1 + l.x2) / 2; return u * u * u * l.x1 + 3 * u * t * mx + t * t * t * l.x2; };
  let lo = 0, hi = 1;
  for (let n = 0; n < 18; n++) { const mid = (lo + hi) / 2; if (bx(mid) < x) lo = mid; else hi = mid; }
  const t = (lo + hi) / 2, u = 1 - t;
  return u * u * u * l.y1 + 3 * u * u * t * l.y1 + 3 * u * t * t * l.y2 + t * t * t * l.y2;
}
