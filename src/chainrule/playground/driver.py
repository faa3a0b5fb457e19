"""`Playground`: one network training on one 2-D dataset, on chainrule's public API.

``nn.MLP`` builds the network, ``train.TrainStep`` computes each mini-batch's gradients,
an ``optim`` optimiser updates the weights (after the L1 / L2 penalty's gradient is added,
as TensorFlow Playground does: weights only, not biases), and ``explain.explain_network``
gives the backprop view. Not thread-safe: a session serialises the calls.
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .. import Tensor, nn, no_grad, optim, reshape, sigmoid, softmax, train
from ..explain import explain_network
from . import frames
from .config import SetupError
from .points import Points, Upload, classes_of, features, make_points, n_outputs, targets

OUTPUT_UNIT = {"classification": "sigmoid", "multiclass": "softmax", "regression": "linear"}
EXPLAIN_LOSS = {("classification", "bce"): "bce_logits", ("multiclass", "ce"): "ce_logits",
                ("regression", "mse"): "squared"}
"""explain's name of each training loss on one example (the rest: the loss itself)."""
RETUNABLE = frozenset({"lr", "optimizer", "regularization", "reg_rate", "batch_size",
                       "show_test", "discretize"})
"""Set-up fields a running network can take without starting over."""
HISTORY_LIMIT = 20_000  # entries kept; beyond it every second one is dropped
MAX_WEIGHT = 1e3


def build_loss(problem: str, loss: str, n_classes: int) -> Any:
    """The training loss on the network's logits."""
    if loss == "bce":
        return nn.BCEWithLogitsLoss()
    if loss == "ce":
        return nn.CrossEntropyLoss()
    if problem == "regression":
        return nn.MSELoss()
    return train.OutputLoss(nn.MSELoss(), OUTPUT_UNIT[problem],
                            n_classes if problem == "multiclass" else None)


class Playground:
    """The state of one playground: data, network, optimiser, epoch and loss history."""

    def __init__(self, setup: dict[str, Any], upload: Upload | None = None) -> None:
        self.setup, self.upload = setup, upload
        self.points: Points = make_points(setup, upload)
        self.problem = setup["problem"]
        self.n_classes = classes_of(setup, upload)
        self.train_x = features(self.points.train.X, setup)
        self.train_y = targets(self.points.train, self.problem)
        self.test_x = features(self.points.test.X, setup)
        self.test_y = targets(self.points.test, self.problem)
        self._grids = {n: features(frames.grid_points(self.points.domain, n), setup)
                       for n in (frames.OUTPUT_GRID, frames.NEURON_GRID)}
        self.init_seed = setup["seed"]
        self.build()

    # ------------------------------------------------------------- building and training
    def build(self) -> None:
        """A fresh network from ``init_seed``: epoch 0, empty history."""
        s = self.setup
        self.model = nn.MLP(self.train_x.shape[1], s["hidden"],
                            n_outputs(self.problem, self.n_classes),
                            activation=list(s["activations"]),
                            output=OUTPUT_UNIT[self.problem], seed=self.init_seed)
        self.loss = build_loss(self.problem, s["loss"], self.n_classes)
        self.optimizer = optim.get_optimizer(s["optimizer"], self.model.parameters(),
                                             lr=s["lr"])
        self.step = train.TrainStep(self.model, self.loss, self.optimizer)
        self.linears = [m for m in self.model.layers if isinstance(m, nn.Linear)]
        self.rng = np.random.default_rng(self.init_seed)
        self._order: np.ndarray | None = None  # the epoch in progress: its batch order
        self._cursor = 0
        self.epoch = 0
        self.history: list[tuple[int, float, float]] = []
        self.train_loss, self.test_loss = self.losses()
        self.diverged = False

    def retune(self, setup: dict[str, Any]) -> None:
        """Take the training settings of ``setup`` (only `RETUNABLE` fields may differ)
        and keep the network, the epoch and the history. A new optimiser starts afresh;
        a new learning rate keeps the optimiser's state."""
        changed = {k for k in setup if setup[k] != self.setup[k]}
        if not changed <= RETUNABLE:
            raise ValueError(f"retune: {sorted(changed - RETUNABLE)} need a new network")
        old, self.setup = self.setup, setup
        if setup["optimizer"] != old["optimizer"]:
            self.optimizer = optim.get_optimizer(setup["optimizer"], self.model.parameters(),
                                                 lr=setup["lr"])
            self.step = train.TrainStep(self.model, self.loss, self.optimizer)
        elif setup["lr"] != old["lr"]:
            for group in self.optimizer.param_groups:
                group["lr"] = setup["lr"]

    def reset(self) -> None:
        """New random weights (the next initialisation seed), epoch 0."""
        self.init_seed = (self.init_seed + 1) % 2**31
        self.build()

    def train_epoch(self) -> None:
        """Finish the epoch in progress (or run a whole new one); then the losses."""
        self.advance(None)

    def advance(self, budget: float | None) -> bool:
        """Train the next mini-batches of the epoch in progress (shuffled when it begins)
        until it ends, or until ``budget`` seconds have passed (None: no limit), so a
        long epoch can be paused between batches. True when an epoch was completed."""
        X, y, bs = self.train_x, self.train_y, self.setup["batch_size"]
        if self._order is None:
            self._order, self._cursor = self.rng.permutation(len(X)), 0
        reg, rate = self.setup["regularization"], self.setup["reg_rate"]
        deadline = math.inf if budget is None else time.perf_counter() + budget
        with np.errstate(over="ignore", invalid="ignore"):
            while self._cursor < len(X):
                idx = self._order[self._cursor:self._cursor + bs]
                self._cursor += bs
                self.step.gradients(X[idx], y[idx])
                if reg != "none" and rate > 0:
                    self._penalise(reg, rate)
                else:
                    self.optimizer.step()
                if self._cursor < len(X) and time.perf_counter() >= deadline:
                    return False
            self._order = None
            self.epoch += 1
            self.train_loss, self.test_loss = self.losses()
        self._record()
        return True

    def _penalise(self, reg: str, rate: float) -> None:
        """Add the penalty's gradient to the weights' (not the biases'), step, and for L1 set
        to zero the weights the step carried across zero (as TensorFlow Playground does).
        The penalty is rate·Σ|w| (L1) or rate/2·Σw² (L2); autodiff gives its gradient."""
        weights = [m.weight for m in self.linears]
        signs = [np.sign(w.data) for w in weights]
        penalty = (nn.l1_penalty(weights, rate) if reg == "l1"
                   else nn.l2_penalty(weights, rate / 2))
        penalty.backward()  # accumulates into the loss's gradients
        self.optimizer.step()
        if reg == "l1":
            for w, before in zip(weights, signs):
                crossed = (np.sign(w.data) * before) < 0
                if crossed.any():
                    w.data[crossed] = 0.0

    def _record(self) -> None:
        self.history.append((self.epoch, self.train_loss, self.test_loss))
        if len(self.history) > HISTORY_LIMIT:
            self.history = self.history[::2]
        if not (math.isfinite(self.train_loss) and math.isfinite(self.test_loss)):
            self.diverged = True

    @no_grad()
    def _loss_of(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        logits = self.model(X)
        return float(self.loss(logits, y).item()), logits.data

    def losses(self) -> tuple[float, float]:
        with np.errstate(over="ignore", invalid="ignore"):
            return self._loss_of(self.train_x, self.train_y)[0], \
                self._loss_of(self.test_x, self.test_y)[0]

    # ------------------------------------------------------------- what the page draws
    @no_grad()
    def layer_values(self, X: np.ndarray) -> list[np.ndarray]:
        """The values of every layer for inputs ``X``: the features, each hidden layer after
        its activation, and the output (probabilities, or the value for regression)."""
        values, h = [X], Tensor(X)
        modules = list(self.model.layers)
        for i, m in enumerate(modules):
            h = m(h)
            if not isinstance(m, nn.Linear) and i + 1 < len(modules):
                values.append(h.data)
        values.append(self._output(h).data)
        return values

    def _output(self, logits: Tensor) -> Tensor:
        unit = OUTPUT_UNIT[self.problem]
        if unit == "sigmoid":
            return sigmoid(logits)
        return softmax(logits, axis=-1) if unit == "softmax" else logits

    def predictions(self, logits: np.ndarray) -> np.ndarray:
        if self.problem == "multiclass":
            return np.argmax(logits, axis=1)
        return (logits[:, 0] > 0).astype(np.int64)

    def frame(self) -> dict[str, Any]:
        """Everything the page draws now (see PROTOCOL.md, "Frame"); history excluded."""
        with np.errstate(over="ignore", invalid="ignore"):
            out_values = self.layer_values(self._grids[frames.OUTPUT_GRID])[-1]
            neuron_values = self.layer_values(self._grids[frames.NEURON_GRID])
            n, m = frames.OUTPUT_GRID, frames.NEURON_GRID
            if self.problem == "classification":
                output = frames.heatmap(out_values[:, 0], n, 0.0, 1.0)
            elif self.problem == "multiclass":
                output = frames.heatmap(out_values.max(axis=1), n, 0.0, 1.0)
                output["argmax"] = frames.class_map(out_values.argmax(axis=1))
            else:
                output = frames.heatmap(out_values[:, 0], n)
            neurons = [frames.heatmaps(layer, m) for layer in neuron_values]
            return {"epoch": self.epoch, "problem": self.problem,
                    "train_loss": frames.number(self.train_loss),
                    "test_loss": frames.number(self.test_loss),
                    **self._scores(), "output": output, "neurons": neurons,
                    "weights": [frames.rounded(m.weight.data) for m in self.linears],
                    "biases": [frames.rounded(m.bias.data) for m in self.linears],
                    "grad_norms": self.grad_norms()}

    def _scores(self) -> dict[str, Any]:
        if self.problem == "regression":
            return {"accuracy": None, "confusion": None}
        acc, conf = {}, {}
        for name, X, y in (("train", self.train_x, self.train_y),
                           ("test", self.test_x, self.test_y)):
            pred = self.predictions(self._loss_of(X, y)[1])
            true = y.reshape(-1).astype(np.int64)
            acc[name] = frames.number(float(np.mean(pred == true))) if len(true) else None
            conf[name] = frames.confusion(true, pred, self.n_classes)
        return {"accuracy": acc, "confusion": conf}

    def grad_norms(self) -> list[float | None]:
        """‖∂L/∂W‖ of each weight matrix for the mean loss over the training set."""
        with np.errstate(over="ignore", invalid="ignore"):
            self.step.gradients(self.train_x, self.train_y)
            norms = [frames.number(float(np.linalg.norm(m.weight.grad.data)))
                     if m.weight.grad is not None else 0.0 for m in self.linears]
            self.optimizer.zero_grad()
        return norms

    def history_since(self, epoch: int) -> list[list[float | int | None]]:
        """The history entries after ``epoch`` (all of it, thinned to 2000, for -1)."""
        if epoch < 0:
            step = max(1, math.ceil(len(self.history) / 2000))
            rows = self.history[::-1][::step][::-1]
        else:
            lo, hi = 0, len(self.history)
            while lo < hi:  # the first entry past ``epoch`` (epochs increase)
                mid = (lo + hi) // 2
                lo, hi = (mid + 1, hi) if self.history[mid][0] <= epoch else (lo, mid)
            rows = self.history[lo:]
        return [[e, frames.number(a), frames.number(b)] for e, a, b in rows]

    def data(self) -> dict[str, Any]:
        """The raw train and test points with their labels."""
        def part(ds: Any) -> dict[str, Any]:
            y = ds.y.tolist() if self.problem != "regression" else frames.rounded(ds.y)
            return {"x": frames.rounded(ds.X), "y": y}
        return {"domain": list(self.points.domain), "train": part(self.points.train),
                "test": part(self.points.test)}

    # ------------------------------------------------------------- backprop and editing
    def backprop(self, index: Any) -> dict[str, Any]:
        """``explain_network``'s trace for training point ``index`` at the current weights."""
        n = len(self.train_x)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
            raise SetupError(f"index must be an integer from 0 to {n - 1} (a training point), "
                             f"got {index!r}")
        x, target = self.train_x[index], self.train_y[index]
        key = (self.problem, self.setup["loss"])
        if key in EXPLAIN_LOSS:
            loss: Any = EXPLAIN_LOSS[key]
            y = target if self.problem != "multiclass" else int(target)
        else:  # squared error of probabilities: the training loss on a batch of one
            y = target

            def loss(z: Tensor, t: np.ndarray) -> Tensor:
                return self.loss(reshape(z, (1, -1)), np.asarray(t).reshape(
                    (1,) if self.problem == "multiclass" else (1, -1)).astype(target.dtype))
            loss.__name__ = f"{self.setup['loss']}_{OUTPUT_UNIT[self.problem]}"
        with np.errstate(over="ignore", invalid="ignore"):
            trace = explain_network(self.model, x, y, loss=loss)
            prediction = self.layer_values(x.reshape(1, -1))[-1][0]
        point = self.points.train
        label = point.y[index]
        return {"index": index, "x": frames.rounded(point.X[index]),
                "y": int(label) if self.problem != "regression" else frames.number(label),
                "loss": frames.number(trace.loss), "loss_name": trace.loss_name,
                "prediction": (frames.number(prediction[0]) if self.problem != "multiclass"
                               else frames.rounded(prediction)),
                "inputs": frames.rounded(trace.x),
                "layers": [{"activation": t.activation, "a": frames.rounded(t.a),
                            "z": frames.rounded(t.z), "fprime": frames.rounded(t.fprime),
                            "delta": frames.rounded(t.delta), "dW": frames.rounded(t.dW),
                            "db": frames.rounded(t.db)} for t in trace.layers],
                "table": trace.to_text()}

    def set_weight(self, layer: Any, to: Any, source: Any, value: Any) -> None:
        """``weights[layer][to][source] = value`` (``source == "bias"``: the bias)."""
        L = len(self.linears)
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < L:
            raise SetupError(f"layer must be an integer from 0 to {L - 1}, got {layer!r}")
        lin = self.linears[layer]
        n_out, n_in = lin.weight.data.shape
        if isinstance(to, bool) or not isinstance(to, int) or not 0 <= to < n_out:
            raise SetupError(f"to must be an integer from 0 to {n_out - 1} (a neuron of layer "
                             f"{layer + 1}), got {to!r}")
        if source != "bias" and (isinstance(source, bool) or not isinstance(source, int)
                                 or not 0 <= source < n_in):
            raise SetupError(f"from must be an integer from 0 to {n_in - 1} (a neuron of layer "
                             f"{layer}) or \"bias\", got {source!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or abs(value) > MAX_WEIGHT:
            raise SetupError(f"value must be a finite number from {-MAX_WEIGHT:g} to "
                             f"{MAX_WEIGHT:g}, got {value!r}")
        if source == "bias":
            lin.bias.data[to] = value
        else:
            lin.weight.data[to, source] = value
        self.train_loss, self.test_loss = self.losses()
