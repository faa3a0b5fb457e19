// The playground page: holds the set-up, talks to the server (api.js) and hands every frame
// to the views. Controls are wired in controls.js; this file owns the flow of state.

import { Session, decodeHeatmap, base64Bytes } from "./api.js";
import { PlaneView } from "./heatmap.js";
import { NetworkView } from "./network.js";
import { LineChart, depthColours } from "./charts.js";
import { fromHash, toHash, normalise, serverSetup } from "./state.js";
import { epochText, fmt } from "./format.js";
import { showMetrics, showConfusion, showLegend, showBackprop } from "./panels.js";
import { wireControls, syncControls } from "./controls.js";

const $ = (id) => document.getElementById(id);

/** Set-up fields whose change needs new data points (and so a redraw of the map's points). */
const DATA_FIELDS = ["dataset", "noise", "train_ratio", "seed", "problem", "n_classes"];
/** Fields only the page uses: changing them never goes to the server. */
const PAGE_FIELDS = ["show_test", "discretize", "speed", "hide"];

class Playground {
  constructor() {
    const { state, problems } = fromHash(location.hash);
    this.state = state;
    this.session = new Session((f) => this.onFrame(f), (k, m) => this.onSocket(k, m));
    this.plane = new PlaneView($("heatmap"));
    this.network = new NetworkView($("network"), {
      toggleFeature: (name) => this.toggleFeature(name),
      neurons: (layer, d) => this.changeNeurons(layer, d),
      layerActivation: (layer, a) => this.setLayerActivation(layer, a),
      linkHover: (info, e) => this.linkHover(info, e),
      linkClick: (info, e) => this.linkClick(info, e),
      nodeHover: (node) => this.nodeHover(node),
    });
    this.lossChart = new LineChart($("loss-chart"), { colours: ["#111827", "#9ca3af"], widths: [2.5, 2] });
    this.gradChart = new LineChart($("grad-chart"), { log: true, widths: [2.5] });
    this.frame = null;
    this.pending = null;        // the newest frame not yet drawn
    this.trace = null;          // backprop trace shown, or null
    this.traceIndex = null;
    this.rate = { epoch: 0, time: 0, value: null };
    this.drawStats = { frames: 0, ms: 0 };   // frames drawn and JavaScript time spent (benchmarks)
    this.busy = Promise.resolve();
    this.options = null;
    if (problems.length) this.banner(`Parts of the link were not understood and use defaults: ${problems.join("; ")}.`, "warn");
    window.playground = this;   // for the console and for end-to-end tests
  }

  async start() {
    try { this.options = await Session.options(); } catch (e) { this.options = null; }
    wireControls(this);
    this.applyHiding();
    await this.createSession();
    window.addEventListener("resize", debounce(() => this.layout(), 150));
    window.addEventListener("hashchange", () => this.onHashChange());
    window.addEventListener("pagehide", () => this.session.close());
  }

  async createSession() {
    let r;
    try {
      r = await this.session.create(serverSetup(this.state));
    } catch (e) {
      if (e.status === 400) {
        this.banner(`The server refused this set-up (${e.message}); starting from the defaults.`, "warn");
        const hide = this.state.hide;
        this.state = fromHash("").state; this.state.hide = hide;
        r = await this.session.create(serverSetup(this.state));
      } else {
        this.banner(`${e.message} — reload the page to try again.`, "error");
        return;
      }
    }
    await this.adopt(r, true);
    this.session.connect();
  }

  /** Take the server's answer to a set-up change: its normalised set-up, domain and frame. */
  async adopt(r, dataChanged) {
    const data = dataChanged ? await this.session.data() : null;   // before any change is shown
    const page = { show_test: this.state.show_test, discretize: this.state.discretize, speed: this.state.speed, hide: this.state.hide };
    this.state = normalise({ ...this.state, ...r.setup, ...page });
    this.writeUrl();
    syncControls(this);
    this.plane.domain = r.domain;
    this.clearTrace();
    this.buildNetwork();
    if (data) this.plane.data = { train: data.train, test: data.test };
    this.frame = null;
    this.onFrame({ ...r.frame, history_reset: true });
  }

  buildNetwork() {
    const s = this.state;
    this.network.build({
      features: s.features, hidden: s.hidden, activations: s.activations, problem: s.problem,
      outputs: s.problem === "multiclass" ? s.n_classes : 1,
    });
    $("layer-count").textContent = s.hidden.length;
    $("layer-word").textContent = s.hidden.length === 1 ? "hidden layer" : "hidden layers";
    this.gradChart.opt.colours = depthColours(s.hidden.length + 1);
    $("grad-legend").innerHTML = this.gradChart.opt.colours.map((c, k) =>
      `<span class="key" style="background:${c}"></span>${k === s.hidden.length ? "output W" : `W${k + 1}`}`).join(" ");
    this.applyHiding();               // the new layer heads and bias handles obey teacher mode too
  }

  layout() {
    this.buildNetwork();
    this.plane.resize();
    this.lossChart.resize();
    this.gradChart.resize();
    if (this.frame) this.draw(this.frame);
    if (this.trace) this.network.setTrace(this.trace);
  }

  // ---- frames ------------------------------------------------------------------------------

  onFrame(frame) {
    if (frame.history_reset) {
      this.lossChart.clear(2);
      // The gradient norms live only here: keep them when the run goes on (a new learning
      // rate, say), start over when it restarted or the layers changed.
      const last = this.lastEpoch;
      if (last === undefined || frame.epoch === 0 || frame.epoch < last || this.gradChart.series.length !== this.state.hidden.length + 1) {
        this.gradChart.clear(this.state.hidden.length + 1);
      }
      this.rate = { epoch: frame.epoch, time: performance.now(), value: null };
    }
    for (const [epoch, train, test] of frame.history || []) this.lossChart.push(epoch, [test, train]);
    if (frame.grad_norms && frame.epoch !== this.lastEpoch) this.gradChart.push(frame.epoch, frame.grad_norms);
    this.lastEpoch = frame.epoch;
    this.measureRate(frame);
    if (!frame.playing && this.onPaused) { const resolve = this.onPaused; this.onPaused = null; resolve(); }
    if (!this.pending) requestAnimationFrame(() => this.drawPending());
    this.pending = frame;
  }

  /** Draw the newest frame (older ones that arrived in between are skipped), timing it. */
  drawPending() {
    const f = this.pending; this.pending = null;
    const t0 = performance.now();
    this.draw(f);
    const ms = performance.now() - t0;
    const st = this.drawStats;
    st.frames += 1; st.ms += ms;
  }

  measureRate(frame) {
    const now = performance.now();
    const dt = now - this.rate.time;
    if (!frame.playing) { this.rate = { epoch: frame.epoch, time: now, value: null }; return; }
    if (dt >= 1000) {
      this.rate.value = ((frame.epoch - this.rate.epoch) * 1000) / dt;
      this.rate.epoch = frame.epoch; this.rate.time = now;
    }
  }

  draw(frame) {
    const previous = this.frame;
    this.frame = frame;
    const s = this.state;
    $("epoch").textContent = epochText(frame.epoch);
    $("eps").textContent = this.rate.value === null ? "–" : fmt(this.rate.value, 3);
    document.body.classList.toggle("playing", !!frame.playing);
    $("play").setAttribute("aria-label", frame.playing ? "Pause" : "Play");
    showMetrics(frame);
    showConfusion(frame, s.problem === "multiclass" ? s.n_classes : 2);
    const out = decodeHeatmap(frame.output);
    this.plane.grid = out;
    this.plane.argmax = frame.output.argmax ? base64Bytes(frame.output.argmax) : null;
    this.plane.problem = s.problem;
    this.plane.nClasses = s.problem === "multiclass" ? s.n_classes : 2;
    this.plane.discrete = s.discretize;
    this.plane.showTest = s.show_test;
    this.network.discrete = s.discretize;
    this.network.update(frame);
    this.plane.preview = this.previewOf(this.hoveredNode);
    this.plane.draw();
    const now = performance.now();
    if (!frame.playing || now - (this.chartsDrawnAt || 0) > 150) {   // charts: at most ~7 times a second
      this.lossChart.draw();
      this.gradChart.draw();
      this.chartsDrawnAt = now;
    }
    if (frame.playing && this.trace) this.clearTrace();
    if (!frame.playing && this.trace && previous && previous.epoch !== frame.epoch) this.showTrace(this.traceIndex);
    document.body.dataset.epoch = frame.epoch;
    document.body.dataset.ready = "1";
  }

  onSocket(kind, message) {
    if (kind === "error") this.banner(message, "error");
    else if (kind === "open") {
      this.hideBanner("lost");
      if (this.state.speed !== 60) this.session.send("speed", { epochs_per_second: this.state.speed });
    }
    else if (kind === "closed" && message === "expired") {
      this.banner("The server had freed this session; a new one was started with the same set-up.", "warn");
      this.createSession();
    } else if (kind === "closed" && this.session.wantOpen) {
      this.banner("Lost the connection to the server; retrying…", "error", "lost");
      setTimeout(() => { if (this.session.wantOpen && !this.session.ws) this.session.connect(); }, 1500);
    }
  }

  // ---- set-up changes ----------------------------------------------------------------------

  /** Apply a partial set-up change: page-only fields locally, the rest through the server
   *  (one change at a time, in order). */
  change(partial) {
    // Only what changed goes to the server (it merges it and settles dependent fields):
    // the fields asked for, and any that normalise() had to adjust to fit them.
    const old = serverSetup(this.state);
    Object.assign(this.state, partial);
    normalise(this.state);
    const now = serverSetup(this.state);
    const serverPart = Object.fromEntries(Object.entries(now).filter(([k, v]) =>
      !PAGE_FIELDS.includes(k) && (k in partial || JSON.stringify(v) !== JSON.stringify(old[k]))));
    if (!Object.keys(serverPart).length) {
      this.writeUrl(); syncControls(this); this.applyHiding();
      if (this.frame) this.draw(this.frame);
      return this.busy;
    }
    const dataChanged = DATA_FIELDS.some((k) => k in serverPart);
    const wasPlaying = this.frame && this.frame.playing;
    this.busy = this.busy.then(async () => {
      try {
        const r = await this.session.setup(serverPart);
        await this.adopt(r, dataChanged);
        if (wasPlaying) this.session.send("play");
      } catch (e) {
        if (e.status === 404) { await this.createSession(); return; }   // the server freed it
        this.banner(e.message, "error");
        const r = await this.session.get().catch(() => null);
        if (r) await this.adopt(r, true);
      }
    });
    return this.busy;
  }

  toggleFeature(name) {
    if (this.state.hide.includes("features")) return;
    const f = this.state.features;
    if (f.includes(name) && f.length === 1) { this.banner("The network needs at least one input feature.", "warn"); return; }
    this.change({ features: f.includes(name) ? f.filter((x) => x !== name) : [...f, name] });
  }

  changeLayers(delta) {
    const h = [...this.state.hidden], a = [...this.state.activations];
    if (delta > 0 && h.length < 8) { h.push(h.length ? h.at(-1) : 4); a.push(a.length ? a.at(-1) : $("activation").value); }
    if (delta < 0 && h.length > 0) { h.pop(); a.pop(); }
    this.change({ hidden: h, activations: a });
  }

  changeNeurons(layer, delta) {
    const h = [...this.state.hidden];
    h[layer - 1] = Math.max(1, Math.min(16, h[layer - 1] + delta));
    this.change({ hidden: h });
  }

  setLayerActivation(layer, name) {
    const a = [...this.state.activations]; a[layer - 1] = name;
    this.change({ activations: a });
  }

  writeUrl() {
    const hash = toHash(this.state);
    if (location.hash !== hash) history.replaceState(null, "", hash);
    this.lastHash = hash;
  }

  onHashChange() {
    if (location.hash === this.lastHash) return;
    const { state, problems } = fromHash(location.hash);
    if (problems.length) this.banner(`Parts of the link were not understood: ${problems.join("; ")}.`, "warn");
    this.state = state;
    this.applyHiding();
    this.change({ ...state });
  }

  applyHiding() {
    const hide = new Set(this.state.hide);
    document.querySelectorAll("[data-control]").forEach((e) => e.classList.toggle("teacher-hidden", hide.has(e.dataset.control)));
    document.body.classList.toggle("teacher-mode", hide.size > 0);
    document.body.classList.toggle("no-edit", hide.has("edit_weights"));
    document.body.classList.toggle("no-feature-toggle", hide.has("features"));
  }

  // ---- play ----------------------------------------------------------------------------------

  play() { this.clearTrace(); this.session.send(this.frame && this.frame.playing ? "pause" : "play"); }
  step() { this.session.send("step"); }
  reset() { this.session.send("reset"); }

  /** Hovering a neuron shows what it computes on the big map (as TensorFlow Playground does). */
  nodeHover(node) {
    this.hoveredNode = node;
    this.plane.preview = this.previewOf(node);
    this.plane.draw();
  }

  previewOf(node) {
    if (!node || !node.painted || node.el.classList.contains("off") || !node.el.isConnected) return null;
    const { scale, centre } = node.paint;
    const note = centre === 0 && scale > 1 ? ` (values / ${fmt(scale, 2)})` : "";
    return { grid: node.grid, scale, centre, label: `${this.network.nodeName(node).replace(/<[^>]+>/g, "")}${note}` };
  }

  // ---- weights: hover and edit ---------------------------------------------------------------

  linkHover(info, e) {
    const tip = $("link-tip");
    if (!info) { tip.hidden = true; return; }
    let html = `<b>${info.name}</b><br>${info.from === "bias" ? "b" : "w"} = ${fmt(info.value, 4)}`;
    if (info.grad !== null && info.grad !== undefined) html += `<br>∂L/∂${info.from === "bias" ? "b" : "w"} = ${fmt(info.grad, 4)}`;
    if (!this.state.hide.includes("edit_weights")) html += `<br><span class="muted">click to edit</span>`;
    tip.innerHTML = html;
    tip.hidden = false;
    placeNear(tip, e.clientX, e.clientY);
  }

  linkClick(info, e) {
    if (this.state.hide.includes("edit_weights") || info.value === null) return;
    const form = $("weight-editor");
    $("weight-name").textContent = info.name;
    $("weight-value").value = info.value;
    form.hidden = false;
    placeNear(form, e.clientX, e.clientY);
    $("weight-value").focus(); $("weight-value").select();
    this.editing = info;
  }

  async submitWeight(value) {
    const info = this.editing; this.editing = null;
    $("weight-editor").hidden = true;
    if (!info) return;
    try {
      const r = await this.session.setWeight(info.layer, info.to, info.from, value);
      this.onFrame(r.frame);
      if (this.trace) await this.showTrace(this.traceIndex);
    } catch (err) { this.banner(err.message, "error"); }
  }

  // ---- backprop view ---------------------------------------------------------------------

  /** Pause and wait for the server's paused frame (so a trace is taken on the final weights). */
  whenPaused() {
    if (!this.frame || !this.frame.playing) return Promise.resolve();
    this.session.send("pause");
    return new Promise((resolve) => {
      this.onPaused = resolve;
      setTimeout(() => { if (this.onPaused === resolve) { this.onPaused = null; resolve(); } }, 3000);
    });
  }

  async showTrace(index) {
    if (index === null || index === undefined) return;
    await this.whenPaused();
    try {
      const t = await this.session.backprop(index);
      this.trace = t; this.traceIndex = index;
      this.plane.highlight = index; this.plane.draw();
      $("bp-toggle").checked = true;
      this.network.setTrace(t);
      showBackprop(t, this.state.features);
      document.body.classList.add("backprop-on");
    } catch (e) { this.banner(e.message, "error"); }
  }

  clearTrace() {
    if (!this.trace) return;
    this.trace = null;
    this.plane.highlight = null; this.plane.draw();
    $("bp-toggle").checked = false;
    this.network.setTrace(null);
    showBackprop(null);               // its numbers belong to weights that are gone
    document.body.classList.remove("backprop-on");
  }

  // ---- messages ----------------------------------------------------------------------------

  banner(message, kind = "info", tag = "") {
    const b = $("banner");
    b.className = `banner ${kind}`;
    b.dataset.tag = tag;
    b.innerHTML = "";
    const span = document.createElement("span"); span.textContent = message;
    const close = document.createElement("button"); close.className = "ghost small"; close.textContent = "×";
    close.setAttribute("aria-label", "Dismiss");
    close.onclick = () => { b.hidden = true; };
    b.append(span, close);
    b.hidden = false;
    clearTimeout(this.bannerTimer);
    if (kind === "info") this.bannerTimer = setTimeout(() => { b.hidden = true; }, 3500);
  }

  hideBanner(tag) { const b = $("banner"); if (b.dataset.tag === tag) b.hidden = true; }
}

/** Place a floating element near a screen position, kept inside the window. */
export function placeNear(elem, x, y) {
  const r = elem.getBoundingClientRect();
  const left = Math.min(window.innerWidth - r.width - 8, x + 14);
  const top = Math.min(window.innerHeight - r.height - 8, y + 14);
  elem.style.left = `${Math.max(8, left) + window.scrollX}px`;
  elem.style.top = `${Math.max(8, top) + window.scrollY}px`;
}

function debounce(fn, ms) { let t; return () => { clearTimeout(t); t = setTimeout(fn, ms); }; }


new Playground().start();
