// The set-up of the playground: defaults, limits, and its round trip through the URL.
//
// The URL's hash holds every choice as `key=value` pairs (lists joined by commas), so a link
// reproduces the set-up: `#dataset=xor&hidden=4,2&activations=tanh,tanh&lr=0.03&...`.
// Teacher mode is `hide=<control>,<control>`. Anything missing or invalid in a URL falls back
// to its default (and is reported), so a hand-edited link never breaks the page.

export const DATASETS = {
  classification: ["circle", "xor", "gaussian", "spiral"],
  regression: ["plane", "multigauss"],
};
export const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
export const FEATURE_LABELS = {
  x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁x₂", sinx1: "sin x₁", sinx2: "sin x₂",
};
export const ACTIVATIONS = ["tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus", "swish",
  "gelu", "linear"];
export const ACTIVATION_LABELS = {
  tanh: "Tanh", sigmoid: "Sigmoid", relu: "ReLU", leaky_relu: "Leaky ReLU", elu: "ELU",
  softplus: "Softplus", swish: "Swish", gelu: "GELU", linear: "Linear",
};
export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const OPTIMIZERS = ["sgd", "momentum", "adam"];
/** Training speed caps the page offers, in epochs per second (1000: as fast as it goes). */
export const SPEEDS = [2, 10, 30, 60, 200, 1000];
export const REGULARIZATIONS = ["none", "l1", "l2"];
export const PROBLEMS = ["classification", "multiclass", "regression"];
export const LOSSES = {
  classification: ["bce", "mse"],
  multiclass: ["ce", "mse"],
  regression: ["mse"],
};
export const LOSS_LABELS = {
  bce: "Cross-entropy", mse: "Squared error", ce: "Cross-entropy",
};
export const LIMITS = { maxLayers: 8, maxNeurons: 16, minNeurons: 1, minBatch: 1, maxBatch: 64,
  minClasses: 3, maxClasses: 5 };

/** The controls a teacher can hide (data-control names in index.html), with what they are. */
export const HIDEABLE = {
  dataset: "Dataset choice", upload: "CSV upload", train_ratio: "Train/test ratio", noise: "Noise",
  batch_size: "Batch size", regenerate: "Regenerate", features: "Input feature toggles",
  layers: "Adding/removing layers", neurons: "Neurons per layer", layer_activation: "Activation per layer",
  lr: "Learning rate", optimizer: "Optimiser", activation: "Activation (all layers)",
  regularization: "Regularisation", reg_rate: "Regularisation rate", problem: "Problem type",
  n_classes: "Number of classes", loss: "Loss", show_test: "Show test data",
  discretize: "Discretise output", edit_weights: "Editing weights", backprop: "Backprop view",
  gradients: "Gradient-norm view", export: "Export", speed: "Training speed", help: "Help button",
  teacher: "Teacher button",
};

/** The set-up fields, in PROTOCOL.md's names (the URL uses the same names). */
export function defaultState() {
  return {
    dataset: "circle", noise: 0, train_ratio: 50, batch_size: 10, seed: 0,
    features: ["x1", "x2"], hidden: [4, 2], activations: ["tanh", "tanh"],
    lr: 0.03, optimizer: "sgd", regularization: "none", reg_rate: 0,
    problem: "classification", n_classes: 3, loss: "bce",
    show_test: false, discretize: false, speed: 60, hide: [],
  };
}

const INTEGERS = { noise: [0, 50], train_ratio: [10, 90], batch_size: [1, 64], seed: [0, 2 ** 31 - 1],
  n_classes: [3, 5] };

/** Make a state consistent: lists the right length, dataset and loss valid for the problem. */
export function normalise(s) {
  s.hidden = s.hidden.slice(0, LIMITS.maxLayers);
  while (s.activations.length < s.hidden.length) s.activations.push(s.activations.at(-1) || "tanh");
  s.activations = s.activations.slice(0, s.hidden.length);
  if (s.dataset !== "upload") {
    if (s.problem === "regression" && !DATASETS.regression.includes(s.dataset)) s.dataset = "plane";
    if (s.problem !== "regression" && DATASETS.regression.includes(s.dataset)) s.dataset = "circle";
    if (s.problem === "multiclass" && !["gaussian", "spiral"].includes(s.dataset)) s.dataset = "spiral";
  }
  if (!LOSSES[s.problem].includes(s.loss)) s.loss = LOSSES[s.problem][0];
  return s;
}

/** The setup JSON the server takes (PROTOCOL.md "Setup"): the state without page-only keys. */
export function serverSetup(s) {
  const { hide, speed, ...setup } = s;
  return JSON.parse(JSON.stringify(setup));
}

/** Encode a state as a URL hash. */
export function toHash(s) {
  const p = new URLSearchParams();
  for (const key of ["dataset", "noise", "train_ratio", "batch_size", "seed", "features", "hidden",
    "activations", "lr", "optimizer", "regularization", "reg_rate", "problem"]) {
    p.set(key, Array.isArray(s[key]) ? s[key].join(",") : s[key]);
  }
  if (s.problem === "multiclass") p.set("n_classes", s.n_classes);
  p.set("loss", s.loss);
  if (s.show_test) p.set("show_test", "1");
  if (s.discretize) p.set("discretize", "1");
  if (s.speed !== 60) p.set("speed", s.speed);
  if (s.hide.length) p.set("hide", s.hide.join(","));
  return "#" + p.toString().replaceAll("%2C", ",");
}

/** Decode a URL hash into a state; returns {state, problems: [messages about ignored parts]}. */
export function fromHash(hash) {
  const s = defaultState();
  const problems = [];
  const p = new URLSearchParams((hash || "").replace(/^#/, ""));
  const bad = (key, value, expected) => problems.push(`${key}=${value} ignored (expected ${expected})`);
  const pick = (key, allowed) => {
    if (!p.has(key)) return;
    const v = p.get(key);
    if (allowed.includes(v)) s[key] = v; else bad(key, v, allowed.join(" | "));
  };
  const int = (key) => {
    if (!p.has(key)) return;
    const v = Number(p.get(key)); const [lo, hi] = INTEGERS[key];
    if (p.get(key) !== "" && Number.isInteger(v) && v >= lo && v <= hi) s[key] = v;
    else bad(key, p.get(key), `an integer in ${lo}..${hi}`);
  };
  const num = (key, allowed) => {
    if (!p.has(key)) return;
    const v = Number(p.get(key));
    if (allowed.includes(v)) s[key] = v; else bad(key, p.get(key), allowed.join(", "));
  };
  const list = (key) => (p.get(key) || "").split(",").filter((x) => x !== "");

  pick("problem", PROBLEMS);
  if (p.get("dataset") === "upload") {
    problems.push("the link was made with an uploaded CSV, which a link cannot carry: upload it again");
    p.delete("dataset");
  }
  pick("dataset", [...DATASETS.classification, ...DATASETS.regression]);
  Object.keys(INTEGERS).forEach(int);
  num("lr", LEARNING_RATES);
  num("reg_rate", REG_RATES);
  pick("optimizer", OPTIMIZERS);
  pick("regularization", REGULARIZATIONS);
  if (p.has("features")) {
    const f = list("features");
    if (f.length && f.every((x) => FEATURES.includes(x))) s.features = FEATURES.filter((x) => f.includes(x));
    else bad("features", p.get("features"), `a non-empty list of ${FEATURES.join(", ")}`);
  }
  if (p.has("hidden")) {
    const h = list("hidden").map(Number);
    if (h.length <= LIMITS.maxLayers && h.every((n) => Number.isInteger(n) && n >= 1 && n <= LIMITS.maxNeurons)) {
      s.hidden = h;
      s.activations = h.map(() => s.activations[0]);
    } else bad("hidden", p.get("hidden"), `up to ${LIMITS.maxLayers} layer sizes in 1..${LIMITS.maxNeurons}`);
  }
  if (p.has("activations")) {
    const a = list("activations");
    if (a.every((x) => ACTIVATIONS.includes(x)) && (a.length === s.hidden.length || a.length === 1)) {
      s.activations = s.hidden.map((_, i) => a[a.length === 1 ? 0 : i]);
    } else bad("activations", p.get("activations"), `one of ${ACTIVATIONS.join(", ")} per hidden layer`);
  }
  if (p.has("loss")) {
    const v = p.get("loss");
    if (LOSSES[s.problem].includes(v)) s.loss = v; else bad("loss", v, LOSSES[s.problem].join(" | "));
  }
  num("speed", SPEEDS);
  s.show_test = p.get("show_test") === "1";
  s.discretize = p.get("discretize") === "1";
  if (p.has("hide")) s.hide = list("hide").filter((x) => x in HIDEABLE);
  return { state: normalise(s), problems };
}

/** The set-up file (export): the state with a format tag. */
export function toSetupFile(s) {
  return { format: "chainrule-playground-setup", version: 1, ...JSON.parse(JSON.stringify(s)) };
}

/** A state from an imported set-up file (the page's export or the server's), validated
 *  through the same rules as a URL. */
export function fromSetupFile(obj) {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) {
    throw new Error("a set-up file must hold one JSON object");
  }
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) {
    if (k === "format" || k === "version") continue;
    p.set(k, Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  return fromHash("#" + p.toString());
}
