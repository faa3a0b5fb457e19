"""One training step of a playground-size network: 2-8-8-1, tanh, linear output with the
mean squared error, SGD, batch 16.

At this size every framework is pure overhead; the NumPy baseline is the floor. Compared,
in one process: a hand-written NumPy step; chainrule (nn.MLP + nn.MSELoss + optim.SGD) as
``fit`` runs it (`TrainStep`: the step compiled with ``chainrule.compile``, replayed) and
as the eager loop a user writes (graph + ``backward()`` + ``step()``); PyTorch eager and
``torch.compile`` and scikit-learn's ``partial_fit`` when installed; and a micrograd-style
scalar engine (written below: one Python object per number), which is what teaching
engines cost.

Targets: compiled <= 1.2 x the NumPy step, eager <= 2.5 x.
The NumPy step computes no loss value and validates nothing; the compiled step does both,
stores every gradient in ``.grad`` and checks its guards (see benchmarks/RESULTS.md for
where the remaining microseconds go).
"""
from __future__ import annotations

import math

import numpy as np

from _timing import interleaved

BATCH, LR = 16, 0.1
SIZES = ((8, 2), (8, 8), (1, 8))


def make_batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((BATCH, 2)).astype(np.float32)
    return X, (X[:, :1] * X[:, 1:]).astype(np.float32)  # (16, 1) regression targets


def initial_weights(seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for fan_out, fan_in in SIZES:
        out.append((rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32))
        out.append(np.zeros(fan_out, np.float32))
    return out


def numpy_step_fn(X: np.ndarray, y: np.ndarray):
    W1, b1, W2, b2, W3, b3 = params = initial_weights()
    n = len(X)

    def step() -> None:
        z1 = np.tanh(X @ W1.T + b1)
        z2 = np.tanh(z1 @ W2.T + b2)
        a3 = z2 @ W3.T + b3
        d3 = (a3 - y) * (2 / n)
        d2 = (d3 @ W3) * (1 - z2 * z2)
        d1 = (d2 @ W2) * (1 - z1 * z1)
        grads = (d1.T @ X, d1.sum(0), d2.T @ z1, d2.sum(0), d3.T @ z2, d3.sum(0))
        for p, g in zip(params, grads):
            p -= LR * g

    return step


def _chainrule_setup():
    from chainrule import nn, optim

    model = nn.MLP(2, [8, 8], 1, activation="tanh", output="linear", seed=0)
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names, initial_weights())))
    return model, nn.MSELoss(), optim.SGD(model.parameters(), lr=LR)


def chainrule_step_fn(X: np.ndarray, y: np.ndarray):
    """The step ``fit`` runs: `chainrule.train.TrainStep`, compiled (it also returns the
    loss value, which the NumPy step does not compute)."""
    from chainrule.train import TrainStep

    step = TrainStep(*_chainrule_setup())
    return lambda: step(X, y)


def chainrule_eager_fn(X: np.ndarray, y: np.ndarray):
    """The loop a user writes by hand: record the graph, ``backward()``, ``step()``."""
    model, loss_fn, opt = _chainrule_setup()

    def step() -> None:
        loss = loss_fn(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_step_fn(X: np.ndarray, y: np.ndarray, compiled: bool = False):
    """PyTorch's eager step, or the same step under ``torch.compile`` (None when PyTorch is
    not installed or cannot compile here)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        for p, v in zip(model.parameters(), initial_weights()):
            p.copy_(torch.from_numpy(v))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.MSELoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> None:
        loss = loss_fn(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()

    if not compiled:
        return step
    try:
        fn = torch.compile(step)
        for _ in range(3):
            fn()
    except Exception:  # no C compiler, an unsupported platform: no column
        return None
    return fn


def sklearn_step_fn(X: np.ndarray, y: np.ndarray):
    try:
        from sklearn.neural_network import MLPRegressor
    except ImportError:
        return None
    reg = MLPRegressor(hidden_layer_sizes=(8, 8), activation="tanh", solver="sgd",
                       learning_rate_init=LR, momentum=0.0, alpha=0.0, batch_size=BATCH,
                       random_state=0)
    target = y[:, 0]
    reg.partial_fit(X, target)
    return lambda: reg.partial_fit(X, target)


class Value:
    """A micrograd-style scalar: one Python object per number, recursive topological sort."""

    __slots__ = ("data", "grad", "_back", "_prev")

    def __init__(self, data: float, prev: tuple = ()) -> None:
        self.data, self.grad, self._back, self._prev = data, 0.0, None, prev

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def back():
            self.grad += out.grad
            other.grad += out.grad
        out._back = back
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def back():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._back = back
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,))

        def back():
            self.grad += (1 - t * t) * out.grad
        out._back = back
        return out

    def backward(self) -> None:
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v._prev:
                    visit(p)
                order.append(v)
        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            if v._back is not None:
                v._back()


def scalar_step_fn(X: np.ndarray, y: np.ndarray):
    weights = [[[Value(float(w)) for w in row] for row in W] if W.ndim == 2 else
               [Value(float(b)) for b in W] for W in initial_weights()]
    params = [v for layer in weights for row in layer for v in (row if isinstance(row, list)
                                                                else [row])]
    rows, targets = X.tolist(), y.tolist()

    def layer(inputs, W, b, act):
        outs = []
        for w_row, b_j in zip(W, b):
            s = b_j
            for w, x in zip(w_row, inputs):
                s = s + w * x
            outs.append(s.tanh() if act else s)
        return outs

    def step() -> None:
        total = Value(0.0)
        for x, t in zip(rows, targets):
            h = layer(x, weights[0], weights[1], True)
            h = layer(h, weights[2], weights[3], True)
            r = layer(h, weights[4], weights[5], False)[0] + (-t[0])
            total = total + r * r
        loss = total * (1.0 / len(rows))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad

    return step


def run(quick: bool = False) -> dict[str, float]:
    X, y = make_batch()
    fns = {"numpy": numpy_step_fn(X, y), "chainrule": chainrule_step_fn(X, y),
           "chainrule eager": chainrule_eager_fn(X, y)}
    # the judged ratio: many short interleaved rounds (~5 ms each), so a slow moment of a
    # shared machine hits every side alike and the best round of each survives
    number = 100
    times = interleaved(fns, repeat=20 if quick else 200, number=number)
    others = {}
    for name, fn in (("pytorch", torch_step_fn(X, y)),
                     ("torch.compile", torch_step_fn(X, y, compiled=True)),
                     ("sklearn", sklearn_step_fn(X, y))):
        if fn is not None:
            others[name] = fn
    times.update(interleaved(others, repeat=3 if quick else 20, number=number))
    times.update(interleaved({"scalar engine": scalar_step_fn(X, y)}, repeat=3,
                             number=5 if quick else 20))
    return times
