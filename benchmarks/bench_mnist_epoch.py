"""One epoch of MNIST-shaped training: 60,000 x 784 float32, MLP 784-256-128-10, ReLU,
softmax cross-entropy, plain SGD, batch 128.

chainrule (``nn.MLP`` + ``nn.CrossEntropyLoss`` + ``optim.SGD``), both as ``fit`` runs it
(`TrainStep`, compiled) and as the eager loop a user writes (graph + ``backward()``),
against a hand-written NumPy forward/backward/update loop of the same network with the
same initial weights and batches, run in the same process; PyTorch (eager and
``torch.compile``) and scikit-learn's MLPClassifier are timed too when installed.
"chainrule, numpy update" is the compiled step with the BLAS axpy update switched off
(plain ``p -= lr * g``): the figure that decides whether that trick stays.

Targets: the compiled step (``fit``'s) <= 0.90 x the NumPy loop, the eager loop <= 1.10 x,
and the compiled step faster than PyTorch eager.
Profile notes: the matrix products are ~75% of the NumPy loop, its SGD update ~15% (two
passes over 235k floats), the rest the elementwise ops. chainrule runs the same products,
but plain SGD updates large arrays with one BLAS axpy pass (optim/_blas.py), and
nn.Linear stores a large weight column-major, which makes the forward x Wᵀ OpenBLAS's NN
product and the weight gradient (Xᵀ G)ᵀ, ~20% faster than Gᵀ X for the 784-256 layer.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from _timing import interleaved

N, D, H1, H2, K = 60_000, 784, 256, 128, 10
BATCH, LR = 128, 0.01


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((N, D), dtype=np.float32), rng.integers(0, K, N)


def initial_weights(seed: int = 1) -> list[np.ndarray]:
    """He-normal weights (out, in) and zero biases, shared by every implementation."""
    rng = np.random.default_rng(seed)
    out = []
    for fan_out, fan_in in ((H1, D), (H2, H1), (K, H2)):
        out.append((rng.standard_normal((fan_out, fan_in)) * np.sqrt(2 / fan_in)).astype(
            np.float32))
        out.append(np.zeros(fan_out, np.float32))
    return out


def numpy_epoch(X: np.ndarray, y: np.ndarray, params: list[np.ndarray]) -> None:
    W1, b1, W2, b2, W3, b3 = params
    rows = np.arange(BATCH)
    for i in range(0, len(X), BATCH):
        xb, yb = X[i:i + BATCH], y[i:i + BATCH]
        n = len(xb)
        a1 = xb @ W1.T + b1
        z1 = np.maximum(a1, 0)
        a2 = z1 @ W2.T + b2
        z2 = np.maximum(a2, 0)
        a3 = z2 @ W3.T + b3
        e = np.exp(a3 - a3.max(1, keepdims=True))
        d3 = e / e.sum(1, keepdims=True)
        d3[rows[:n], yb] -= 1
        d3 /= n
        d2 = (d3 @ W3) * (a2 > 0)
        d1 = (d2 @ W2) * (a1 > 0)
        grads = (d1.T @ xb, d1.sum(0), d2.T @ z1, d2.sum(0), d3.T @ z2, d3.sum(0))
        for p, g in zip(params, grads):
            p -= LR * g


def chainrule_epoch(X: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    """One epoch the way a user writes it; returns the trained model."""
    epoch, model = _chainrule_runner(X, y, params)
    epoch()
    return model


def _chainrule_model(params: list[np.ndarray]):
    from chainrule import nn

    model = nn.MLP(D, [H1, H2], K, activation="relu", output="softmax", seed=0)
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names, params)))
    return model


def torch_epoch_fn(X: np.ndarray, y: np.ndarray, params: list[np.ndarray],
                   compiled: bool = False):
    """PyTorch's eager epoch, or with its step under ``torch.compile`` (None when PyTorch
    is not installed, or cannot compile on this machine)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def run() -> None:
        layers = []
        for fan_in, fan_out in ((D, H1), (H1, H2), (H2, K)):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        with torch.no_grad():
            for p, v in zip(model.parameters(), params):
                p.copy_(torch.from_numpy(v))
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step(xb, yb) -> None:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()

        fn = torch.compile(step) if compiled else step
        for i in range(0, len(Xt), BATCH):
            fn(Xt[i:i + BATCH], yt[i:i + BATCH])

    if compiled:
        try:
            torch_epoch_fn(X[:2 * BATCH], y[:2 * BATCH], params, compiled=True)()
        except Exception:  # no C compiler, an unsupported platform: no column
            return None
    return run


def sklearn_epoch_fn(X: np.ndarray, y: np.ndarray):
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    import warnings

    def run() -> None:
        clf = MLPClassifier(hidden_layer_sizes=(H1, H2), solver="sgd", momentum=0.0,
                            learning_rate_init=LR, batch_size=BATCH, max_iter=1, shuffle=False,
                            alpha=0.0, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, y)

    return run


def losses_agree(X: np.ndarray, y: np.ndarray, steps: int = 20) -> float:
    """Max |difference| between chainrule's and the NumPy loop's weights after ``steps``
    SGD steps from the same start: the two do the same arithmetic."""
    X, y = X[:steps * BATCH], y[:steps * BATCH]
    a = initial_weights()
    numpy_epoch(X, y, a)
    model = chainrule_epoch(X, y, initial_weights())
    b = [p.data for _, p in model.named_parameters()]
    return max(float(np.max(np.abs(p - q))) for p, q in zip(a, b))


def _prepared(make: Callable[[], Callable[[], object]]) -> Callable[[], object]:
    """Time only the epoch: each round builds its model first, outside the timing."""
    state: dict[str, Callable[[], object]] = {}

    def setup() -> None:
        state["run"] = make()

    def run() -> None:
        state.pop("run")()

    run.setup = setup  # type: ignore[attr-defined]
    return run


def _without_axpy(epoch: Callable[[], None]) -> Callable[[], None]:
    """``epoch`` with optim._blas's axpy switched off (every update ``p -= lr * g``)."""
    from chainrule.optim import _blas

    def run() -> None:
        saved = _blas._funcs
        _blas._funcs = {}
        try:
            epoch()
        finally:
            _blas._funcs = saved

    return run


def _chainrule_runner(X: np.ndarray, y: np.ndarray, params: list[np.ndarray] | None = None,
                      compiled: bool = True, axpy: bool = True):
    """One epoch as ``fit`` runs it (`TrainStep`, compiled), or as the hand-written eager
    loop."""
    from chainrule import nn, optim

    model = _chainrule_model(initial_weights() if params is None else params)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=LR)

    if compiled:
        from chainrule.train import TrainStep

        step = TrainStep(model, loss_fn, opt)

        def epoch() -> None:
            for i in range(0, len(X), BATCH):
                step(X[i:i + BATCH], y[i:i + BATCH])
        if not axpy:
            return _without_axpy(epoch), model
    else:
        def epoch() -> None:
            for i in range(0, len(X), BATCH):
                loss = loss_fn(model(X[i:i + BATCH]), y[i:i + BATCH])
                opt.zero_grad()
                loss.backward()
                opt.step()

    return epoch, model


def run(quick: bool = False) -> dict[str, float]:
    X, y = make_data()
    fns = {
        "numpy": _prepared(lambda: (lambda w=initial_weights(): numpy_epoch(X, y, w))),
        "chainrule": _prepared(lambda: _chainrule_runner(X, y)[0]),
        "chainrule eager": _prepared(lambda: _chainrule_runner(X, y, compiled=False)[0]),
        "chainrule, numpy update": _prepared(lambda: _chainrule_runner(X, y, axpy=False)[0]),
    }
    for name, compiled in (("pytorch", False), ("torch.compile", True)):
        torch_fn = torch_epoch_fn(X, y, initial_weights(), compiled)
        if torch_fn is not None:
            fns[name] = torch_fn
    # PyTorch runs in the same rounds, so that a slow spell of a shared machine cannot
    # decide "faster than PyTorch"; its worker threads keep spinning for a while after a
    # parallel region, so every timed run starts after a pause that lets them go idle.
    times = interleaved(fns, repeat=3 if quick else 7, pause=0.3)
    if not quick:
        sk = sklearn_epoch_fn(X, y)
        if sk is not None:
            times.update(interleaved({"sklearn": sk}, repeat=1))
    times["max_weight_diff"] = losses_agree(X, y)
    return times
