// Wiring of every control to the playground (main.js), and the reverse: showing the state.

import {
  ACTIVATIONS, ACTIVATION_LABELS, DATASETS, HIDEABLE, LEARNING_RATES, LOSSES, LOSS_LABELS,
  REG_RATES, toSetupFile, fromSetupFile,
} from "./state.js";
import { DATASET_LABELS, drawThumb } from "./thumbs.js";
import { showLegend } from "./panels.js";
import { fmt } from "./format.js";

const $ = (id) => document.getElementById(id);

function fillSelect(sel, values, label = (v) => String(v)) {
  sel.replaceChildren(...values.map((v) => { const o = document.createElement("option"); o.value = v; o.textContent = label(v); return o; }));
}

/** The dataset tiles, with a thumbnail each. */
function buildDatasets(app) {
  const box = $("datasets");
  box.replaceChildren();
  const previews = (app.options && app.options.previews) || {};
  for (const name of [...DATASETS.classification, ...DATASETS.regression, "upload"]) {
    const tile = document.createElement("button");
    tile.className = "dataset"; tile.dataset.dataset = name;
    tile.setAttribute("role", "radio");
    tile.title = DATASET_LABELS[name];
    const canvas = document.createElement("canvas");
    const label = document.createElement("span"); label.textContent = DATASET_LABELS[name];
    tile.append(canvas, label);
    tile.addEventListener("click", () => {
      if (name === "upload" && !app.hasUpload) $("upload").click();
      else app.change({ dataset: name });
    });
    box.appendChild(tile);
    requestAnimationFrame(() => drawThumb(canvas, name, previews[name]));
  }
}

export function wireControls(app) {
  fillSelect($("lr"), LEARNING_RATES);
  fillSelect($("regRate"), REG_RATES);
  fillSelect($("activation"), ACTIVATIONS, (a) => ACTIVATION_LABELS[a]);
  buildDatasets(app);

  const on = (id, ev, fn) => $(id).addEventListener(ev, fn);
  on("lr", "change", (e) => app.change({ lr: Number(e.target.value) }));
  on("optimizer", "change", (e) => app.change({ optimizer: e.target.value }));
  on("activation", "change", (e) => app.change({ activations: app.state.hidden.map(() => e.target.value) }));
  on("regularization", "change", (e) => app.change({ regularization: e.target.value }));
  on("regRate", "change", (e) => app.change({ reg_rate: Number(e.target.value) }));
  on("problem", "change", (e) => app.change({ problem: e.target.value }));
  on("classes", "change", (e) => app.change({ n_classes: Number(e.target.value) }));
  on("loss", "change", (e) => app.change({ loss: e.target.value }));
  for (const [id, key, unit] of [["trainRatio", "train_ratio", "%"], ["noise", "noise", ""], ["batchSize", "batch_size", ""]]) {
    on(id, "input", (e) => { $(`${id}-out`).textContent = e.target.value + unit; });
    on(id, "change", (e) => app.change({ [key]: Number(e.target.value) }));
  }
  on("showTest", "change", (e) => app.change({ show_test: e.target.checked }));
  on("discretize", "change", (e) => app.change({ discretize: e.target.checked }));
  on("regenerate", "click", () => app.change({ seed: Math.floor(Math.random() * 2 ** 31) }));
  on("layer-add", "click", () => app.changeLayers(+1));
  on("layer-remove", "click", () => app.changeLayers(-1));
  on("play", "click", () => app.play());
  on("step", "click", () => { app.clearTrace(); app.step(); });
  on("reset", "click", () => { app.clearTrace(); app.reset(); });
  on("upload", "change", (e) => uploadCsv(app, e.target));
  on("speed", "change", (e) => {
    app.change({ speed: Number(e.target.value) });
    app.session.send("speed", { epochs_per_second: app.state.speed });
  });
  wireMenu(app);
  wireBackprop(app);
  wireWeightEditor(app);
  wireTeacher(app);
  $("help-btn").addEventListener("click", () => $("help-dialog").showModal());
  wireKeys(app);
}

async function uploadCsv(app, input) {
  const file = input.files[0];
  input.value = "";
  if (!file) return;
  if (file.size > 1024 * 1024) { app.banner(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB; the limit is 1 MB.`, "error"); return; }
  const text = await file.text();
  app.busy = app.busy.then(async () => {
    try {
      const r = await app.session.upload(text);
      app.hasUpload = true;
      await app.adopt(r, true);
      app.banner(`Loaded ${file.name}: ${r.setup.problem}${r.setup.problem === "multiclass" ? ` with ${r.setup.n_classes} classes` : ""}.`, "info");
      const tile = document.querySelector('.dataset[data-dataset="upload"] canvas');
      const d = app.plane.data;
      if (tile && d) drawThumb(tile, "upload", { x: d.train.x, y: d.train.y }, app.plane.domain);
    } catch (e) { app.banner(`${file.name}: ${e.message}`, "error"); }
  });
}

function wireMenu(app) {
  $("share").addEventListener("click", async () => {
    const url = location.href;
    try { await navigator.clipboard.writeText(url); app.banner("Link copied: it reproduces this set-up.", "info"); }
    catch (e) { app.banner(`Copy this link: ${url}`, "info"); }
  });
  const menu = $("export-menu");
  $("export-btn").addEventListener("click", (e) => {
    e.stopPropagation();
    $("export-model").href = app.session.url("/export/model");
    const blob = new Blob([JSON.stringify(toSetupFile(app.state), null, 2)], { type: "application/json" });
    URL.revokeObjectURL($("export-setup").href);
    $("export-setup").href = URL.createObjectURL(blob);
    menu.hidden = !menu.hidden;
  });
  document.addEventListener("click", (e) => { if (!menu.contains(e.target)) menu.hidden = true; });
  menu.querySelectorAll("a").forEach((a) => a.addEventListener("click", () => setTimeout(() => { menu.hidden = true; })));
  $("import-setup").addEventListener("change", async (e) => {
    const file = e.target.files[0]; e.target.value = ""; menu.hidden = true;
    if (!file) return;
    try {
      const { state, problems } = fromSetupFile(JSON.parse(await file.text()));
      if (problems.length) app.banner(`${file.name}: ${problems.join("; ")}`, "warn");
      app.state.hide = state.hide; app.applyHiding();
      await app.change({ ...state });
    } catch (err) { app.banner(`${file.name} is not a set-up file: ${err.message}`, "error"); }
  });
}

function wireBackprop(app) {
  $("bp-toggle").addEventListener("change", (e) => {
    if (!e.target.checked) app.clearTrace();
    else pickRandom(app);
  });
  $("bp-random").addEventListener("click", () => pickRandom(app));
  $("bp-copy").addEventListener("click", async (e) => {
    e.preventDefault();
    try { await navigator.clipboard.writeText($("bp-text").textContent); app.banner("Trace copied.", "info"); }
    catch (err) { app.banner("The browser refused the clipboard; select the text and copy it.", "warn"); }
  });
  const canvas = $("heatmap");
  const tip = $("heatmap-tip");
  canvas.addEventListener("mousemove", (e) => {
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const v = app.plane.valueAt(px, py);
    const near = app.plane.nearestTrainPoint(px, py);
    canvas.style.cursor = near !== null && !app.state.hide.includes("backprop") ? "pointer" : "crosshair";
    if (!v) { tip.hidden = true; return; }
    const [x1, x2] = app.plane.toPlane(px, py);
    const s = app.state;
    let what = s.problem === "classification" ? `p(class 1) = ${fmt(v.value, 3)}`
      : s.problem === "multiclass" ? `class ${v.cls} (p = ${fmt(v.value, 2)})` : `ŷ = ${fmt(v.value, 3)}`;
    if (near !== null) what += `<br><span class="muted">click: backprop for point #${near}</span>`;
    tip.innerHTML = `x₁ = ${fmt(x1, 2)}, x₂ = ${fmt(x2, 2)}<br>${what}`;
    tip.hidden = false;
    const flip = px + 14 + tip.offsetWidth > r.width;            // keep it over the map
    tip.style.left = `${flip ? px - 14 - tip.offsetWidth : px + 14}px`; tip.style.top = `${py + 14}px`;
  });
  canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
  canvas.addEventListener("click", (e) => {
    if (app.state.hide.includes("backprop")) return;
    const r = canvas.getBoundingClientRect();
    const i = app.plane.nearestTrainPoint(e.clientX - r.left, e.clientY - r.top);
    if (i !== null) { tip.hidden = true; app.showTrace(i); }
  });
}

function pickRandom(app) {
  const n = app.plane.data ? app.plane.data.train.x.length : 0;
  if (n) app.showTrace(Math.floor(Math.random() * n));
}

function wireWeightEditor(app) {
  const form = $("weight-editor");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = Number($("weight-value").value);
    if (!Number.isFinite(v)) { app.banner("A weight must be a finite number.", "error"); return; }
    app.submitWeight(v);
  });
  $("weight-cancel").addEventListener("click", () => { form.hidden = true; app.editing = null; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") { form.hidden = true; app.editing = null; } });
}

function wireTeacher(app) {
  const dialog = $("teacher-dialog");
  const list = $("teacher-list");
  const open = () => {
    list.replaceChildren(...Object.entries(HIDEABLE).map(([key, label]) => {
      const l = document.createElement("label");
      l.innerHTML = `<input type="checkbox" value="${key}" ${app.state.hide.includes(key) ? "checked" : ""}> ${label}`;
      return l;
    }));
    dialog.showModal();
  };
  $("teacher-btn").addEventListener("click", open);
  app.openTeacher = open;
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "apply") return;
    const hide = [...list.querySelectorAll("input:checked")].map((i) => i.value);
    await app.change({ hide });
    try { await navigator.clipboard.writeText(location.href); app.banner("Teacher link copied. Shift+T brings this dialog back.", "info"); }
    catch (e) { app.banner("Teacher mode set; the link in the address bar keeps it. Shift+T brings this dialog back.", "info"); }
  });
}

function wireKeys(app) {
  document.addEventListener("keydown", (e) => {
    // A focused control keeps its own keys (space on a focused button presses that button).
    if (e.target.closest("input, select, textarea, dialog, button, [role=switch]") || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === " ") { e.preventDefault(); app.play(); }
    else if (e.key === "ArrowRight") { app.clearTrace(); app.step(); }
    else if (e.key === "r" || e.key === "R" && !e.shiftKey) { app.clearTrace(); app.reset(); }
    else if (e.key === "T" && e.shiftKey) app.openTeacher();
    else if (e.key === "?") $("help-dialog").showModal();
  });
}

/** Show the state in the controls (after a change or the server's normalisation). */
export function syncControls(app) {
  const s = app.state;
  $("lr").value = s.lr;
  $("optimizer").value = s.optimizer;
  const same = s.activations.every((a) => a === s.activations[0]);
  $("activation").value = s.activations[0] || "tanh";
  $("activation").classList.toggle("mixed", !same);
  $("regularization").value = s.regularization;
  $("regRate").value = s.reg_rate;
  $("regRate").disabled = s.regularization === "none";
  $("problem").value = s.problem;
  $("classes").value = s.n_classes;
  $("classes-field").hidden = s.problem !== "multiclass";
  fillSelect($("loss"), LOSSES[s.problem], (l) => LOSS_LABELS[l]);
  $("loss").value = s.loss;
  for (const [id, key, unit] of [["trainRatio", "train_ratio", "%"], ["noise", "noise", ""], ["batchSize", "batch_size", ""]]) {
    $(id).value = s[key]; $(`${id}-out`).textContent = s[key] + unit;
  }
  $("showTest").checked = s.show_test;
  $("speed").value = s.speed;
  $("discretize").checked = s.discretize;
  $("layer-add").disabled = s.hidden.length >= 8;
  $("layer-remove").disabled = s.hidden.length === 0;
  const allowed = s.problem === "regression" ? DATASETS.regression
    : s.problem === "multiclass" ? ["gaussian", "spiral"] : DATASETS.classification;
  document.querySelectorAll(".dataset").forEach((t) => {
    const name = t.dataset.dataset;
    t.hidden = !(allowed.includes(name) || name === "upload");
    if (name === "upload") t.title = app.hasUpload ? "Your CSV (Upload CSV loads another)" : "Upload a CSV: columns x1, x2, label";
    t.classList.toggle("selected", name === s.dataset);
    t.setAttribute("aria-checked", String(name === s.dataset));
  });
  $("data-note").textContent = s.problem === "multiclass" ? "Multi-class: Gaussian blobs and spirals with 3–5 classes." : "";
  showLegend(s.problem, s.n_classes);
}
