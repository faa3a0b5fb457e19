"""The table of primitive cases shared by the autodiff tests.

Each :class:`Case` is one call of one op on float64 inputs chosen away from kinks (abs,
relu, max ties, clip bounds) and inside domains (log, sqrt). Tests ask for the fixture
``prim_case`` and run once per case: ``test_primitives`` checks derivatives against finite
differences, ``test_rules_table`` checks every edge's cotangent shape, ``test_dtypes``
replays the cases in float32.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

from chainrule.autodiff import ops
from chainrule.autodiff.ops.shape import scatter_add_p


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[..., Any]
    args: tuple[np.ndarray, ...]


_rng = np.random.default_rng(20240601)


def rand(shape: tuple[int, ...], lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    return _rng.uniform(lo, hi, size=shape)


def pos(shape: tuple[int, ...]) -> np.ndarray:
    """Inside the domain of log and sqrt, away from 0."""
    return _rng.uniform(0.5, 2.0, size=shape)


def away(shape: tuple[int, ...]) -> np.ndarray:
    """Away from the kink at 0: |x| in [0.3, 2], random signs."""
    return _rng.uniform(0.3, 2.0, size=shape) * _rng.choice([-1.0, 1.0], size=shape)


def distinct(shape: tuple[int, ...]) -> np.ndarray:
    """Entries more than 0.25 apart (no ties for max/min), in random order."""
    n = int(np.prod(shape, dtype=np.int64))
    vals = _rng.permutation(n) * 0.37 - 0.2 * n + _rng.uniform(-0.05, 0.05, size=n)
    return vals.reshape(shape)


def clip_safe(shape: tuple[int, ...]) -> np.ndarray:
    """Values in [-2, -0.7] | [-0.3, 0.3] | [0.7, 2]: away from the bounds -0.5 and 0.5."""
    band = _rng.integers(0, 3, size=shape)
    lows = np.array([-2.0, -0.3, 0.7])[band]
    widths = np.array([1.3, 0.6, 1.3])[band]
    return lows + _rng.uniform(0.0, 1.0, size=shape) * widths


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((1, 3), (2, 3)),
                 ((2, 3), (1, 3)), ((2, 1), (1, 3)), ((2, 3), ()), ((3,), (2, 3))]
REDUCE_SHAPES = [(4,), (3, 4)]
AXES = [None, 0, -1]


def _name(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape)) or "scalar"


def _cases() -> list[Case]:
    cs: list[Case] = []

    def add(id_: str, fn: Callable[..., Any], *args: np.ndarray) -> None:
        cs.append(Case(id_, fn, tuple(np.asarray(a, dtype=np.float64) for a in args)))

    # ------------------------------------------------------------ binary, broadcasting
    for sx, sy in BINARY_SHAPES:
        tag = f"{_name(sx)}-{_name(sy)}"
        add(f"add[{tag}]", ops.add, rand(sx), rand(sy))
        add(f"subtract[{tag}]", ops.subtract, rand(sx), rand(sy))
        add(f"multiply[{tag}]", ops.multiply, rand(sx), rand(sy))
        add(f"divide[{tag}]", ops.divide, rand(sx), away(sy))
        add(f"power[{tag}]", ops.power, pos(sx), rand(sy))
        if sx == sy:  # y = x +- gap: no ties (broadcast cases follow below)
            x = rand(sx)
            y = x + _rng.uniform(0.3, 1.0, size=sx) * _rng.choice([-1.0, 1.0], size=sx)
            add(f"maximum[{tag}]", ops.maximum, x, y)
            add(f"minimum[{tag}]", ops.minimum, x, y)
        cond = _rng.random(np.broadcast_shapes(sx, sy)) > 0.5
        add(f"where[{tag}]", lambda a, b, c=cond: ops.where(c, a, b), rand(sx), rand(sy))
    # maximum/minimum with broadcasting: well separated ranges
    add("maximum[1x3-2x3]", ops.maximum, rand((1, 3), 1.0, 2.0), rand((2, 3), -2.0, 0.5))
    add("maximum[2x3-scalar]", ops.maximum, clip_safe((2, 3)), np.array(0.5))
    add("minimum[2x1-1x3]", ops.minimum, rand((2, 1), -2.0, -1.0), rand((1, 3), 0.0, 1.0))
    add("minimum[3-2x3]", ops.minimum, rand((3,), 1.0, 2.0), away((2, 3)))
    add("where[cond-scalar]", lambda a, b: ops.where(np.array([True, False, True]), a, b),
        rand(()), rand((2, 3)))
    # power with constant exponents / bases (negative bases allowed for integer powers)
    add("power[const-exp-3]", lambda a: a ** 3.0, rand((2, 3)))
    add("power[const-exp-int]", lambda a: ops.power(a, 2), rand((3,)))
    add("power[const-exp-neg-half]", lambda a: a ** -0.5, pos((3,)))
    add("power[const-base]", lambda a: 2.0 ** a, rand((2, 3)))
    add("power[tensor-exp-scalar-base]", ops.power, pos(()), rand((2, 3)))

    # --------------------------------------------------------------------- unary
    for s in UNARY_SHAPES:
        n = _name(s)
        add(f"negative[{n}]", ops.negative, rand(s))
        add(f"exp[{n}]", ops.exp, rand(s))
        add(f"expm1[{n}]", ops.expm1, rand(s))
        add(f"log[{n}]", ops.log, pos(s))
        add(f"log1p[{n}]", ops.log1p, rand(s, -0.5, 2.0))
        add(f"sqrt[{n}]", ops.sqrt, pos(s))
        add(f"abs[{n}]", ops.abs, away(s))
        add(f"sin[{n}]", ops.sin, rand(s))
        add(f"cos[{n}]", ops.cos, rand(s))
        add(f"tanh[{n}]", ops.tanh, rand(s))
        add(f"sigmoid[{n}]", ops.sigmoid, rand(s, -4.0, 4.0))
        add(f"softplus[{n}]", ops.softplus, rand(s, -4.0, 4.0))
        add(f"relu[{n}]", ops.relu, away(s))
        add(f"clip[{n}]", lambda a: ops.clip(a, -0.5, 0.5), clip_safe(s))
        add(f"clip-lo[{n}]", lambda a: ops.clip(a, -0.5, None), clip_safe(s))
        add(f"clip-hi[{n}]", lambda a: ops.clip(a, None, 0.5), clip_safe(s))
        # a real dtype change both ways, dtype-generic (float32 and float64 come back)
        add(f"cast[{n}]", lambda a: ops.cast(ops.cast(a, dtype=np.longdouble) * 2.0,
                                             dtype=a.dtype), rand(s))
        add(f"square[{n}]", ops.square, rand(s))

    # ---------------------------------------------------------------- reductions
    add("sum[scalar]", ops.sum, rand(()))
    add("max[scalar]", ops.max, rand(()))
    add("min[scalar]", ops.min, rand(()))
    add("logsumexp[scalar]", ops.logsumexp, rand(()))
    add("mean[scalar]", ops.mean, rand(()))
    for s in REDUCE_SHAPES:
        for axis in AXES:
            for keep in (True, False):
                tag = f"{_name(s)},axis={axis},keepdims={keep}"
                kw = {"axis": axis, "keepdims": keep}
                add(f"sum[{tag}]", lambda a, kw=kw: ops.sum(a, **kw), rand(s))
                add(f"max[{tag}]", lambda a, kw=kw: ops.max(a, **kw), distinct(s))
                add(f"min[{tag}]", lambda a, kw=kw: ops.min(a, **kw), distinct(s))
                add(f"logsumexp[{tag}]", lambda a, kw=kw: ops.logsumexp(a, **kw), rand(s))
                add(f"mean[{tag}]", lambda a, kw=kw: ops.mean(a, **kw), rand(s))
                add(f"var[{tag}]", lambda a, kw=kw: ops.var(a, **kw), rand(s))
                add(f"std[{tag}]", lambda a, kw=kw: ops.std(a, **kw), rand(s))
    for axis in [(0, 2), (1,), (-1, 0)]:
        tag = f"2x3x4,axis={axis}"
        add(f"sum[{tag}]", lambda a, ax=axis: ops.sum(a, axis=ax), rand((2, 3, 4)))
        add(f"max[{tag}]", lambda a, ax=axis: ops.max(a, axis=ax, keepdims=True),
            distinct((2, 3, 4)))
        add(f"logsumexp[{tag}]", lambda a, ax=axis: ops.logsumexp(a, axis=ax),
            rand((2, 3, 4)))
    add("max[of-a-computed-node]", lambda a: ops.max(a * 1.0), np.array([1.0, 3.0, 2.0]))
    for axis in (0, -1):
        add(f"softmax[3x4,axis={axis}]", lambda a, ax=axis: ops.softmax(a, axis=ax),
            rand((3, 4)))
        add(f"log_softmax[3x4,axis={axis}]", lambda a, ax=axis: ops.log_softmax(a, axis=ax),
            rand((3, 4)))

    # ------------------------------------------------------------------- shapes
    add("reshape[2x3->3x2]", lambda a: ops.reshape(a, (3, 2)), rand((2, 3)))
    add("reshape[6->2x-1]", lambda a: ops.reshape(a, (2, -1)), rand((6,)))
    add("reshape[scalar->1x1]", lambda a: ops.reshape(a, (1, 1)), rand(()))
    add("transpose[2x3]", ops.transpose, rand((2, 3)))
    add("transpose[2x3x4,axes=None]", ops.transpose, rand((2, 3, 4)))
    add("transpose[2x3x4,axes=(1,2,0)]", lambda a: ops.transpose(a, (1, 2, 0)),
        rand((2, 3, 4)))
    add("transpose[2x3x4,axes=(-1,0,1)]", lambda a: ops.transpose(a, (-1, 0, 1)),
        rand((2, 3, 4)))
    add("swapaxes[2x3x4,0,2]", lambda a: ops.swapaxes(a, 0, 2), rand((2, 3, 4)))
    add("T[2x3]", lambda a: a.T, rand((2, 3)))
    add("broadcast_to[3->2x3]", lambda a: ops.broadcast_to(a, (2, 3)), rand((3,)))
    add("broadcast_to[1x3->4x2x3]", lambda a: ops.broadcast_to(a, (4, 2, 3)), rand((1, 3)))
    add("broadcast_to[scalar->2x2]", lambda a: ops.broadcast_to(a, (2, 2)), rand(()))
    add("broadcast_to[2x1->2x3]", lambda a: ops.broadcast_to(a, (2, 3)), rand((2, 1)))
    add("expand_dims[2x3,1]", lambda a: ops.expand_dims(a, 1), rand((2, 3)))
    add("expand_dims[3,-1]", lambda a: ops.expand_dims(a, -1), rand((3,)))
    add("squeeze[1x3x1]", ops.squeeze, rand((1, 3, 1)))
    add("squeeze[1x3x1,axis=0]", lambda a: ops.squeeze(a, 0), rand((1, 3, 1)))
    # indexing
    add("getitem[int]", lambda a: a[1], rand((3, 4)))
    add("getitem[negative-int]", lambda a: a[-1, 2], rand((3, 4)))
    add("getitem[slice]", lambda a: a[1:3], rand((4, 2)))
    add("getitem[step-slice]", lambda a: a[:, ::2], rand((3, 5)))
    add("getitem[ellipsis-newaxis]", lambda a: a[..., None, 0], rand((2, 3, 4)))
    add("getitem[int-array-repeats]", lambda a: a[np.array([0, 2, 0, 0, 1])], rand((3, 2)))
    add("getitem[int-list]", lambda a: a[[2, 2, 1]], rand((4,)))
    add("getitem[two-int-arrays]", lambda a: a[np.array([0, 1, 1, 0]), np.array([2, 0, 0, 2])],
        rand((2, 3)))
    add("getitem[int-array-and-slice]", lambda a: a[np.array([1, 1]), 1:], rand((3, 3)))
    add("getitem[2d-int-array]", lambda a: a[np.array([[0, 1], [1, 1]])], rand((3,)))
    add("getitem[bool-mask]", lambda a: a[np.array([[True, False, True], [False, False, True]])],
        rand((2, 3)))
    add("getitem[bool-rows]", lambda a: a[np.array([True, False, True])], rand((3, 2)))
    add("scatter_add[int-array-repeats]",
        lambda g: scatter_add_p(g, index=np.array([0, 2, 0]), shape=(4, 2)), rand((3, 2)))
    add("scatter_add[slice]",
        lambda g: scatter_add_p(g, index=(slice(None), slice(1, 3)), shape=(2, 4)),
        rand((2, 2)))
    # joining
    add("concatenate[axis=0]", lambda a, b: ops.concatenate([a, b]), rand((2, 3)),
        rand((1, 3)))
    add("concatenate[axis=-1,three]", lambda a, b, c: ops.concatenate([a, b, c], axis=-1),
        rand((2, 1)), rand((2, 3)), rand((2, 2)))
    add("concatenate[1-d]", lambda a, b: ops.concatenate([a, b]), rand((3,)), rand((2,)))
    add("concatenate[with-constant]",
        lambda a: ops.concatenate([a, np.ones((2, 2), dtype=a.dtype)], axis=1), rand((2, 3)))
    add("stack[axis=0]", lambda a, b: ops.stack([a, b]), rand((2, 3)), rand((2, 3)))
    add("stack[axis=-1]", lambda a, b, c: ops.stack([a, b, c], axis=-1), rand((3,)),
        rand((3,)), rand((3,)))
    add("stack[scalars]", lambda a, b: ops.stack([a, b]), rand(()), rand(()))

    # ------------------------------------------------------------------- matmul
    for sx, sy in [((2, 3), (3, 4)), ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)),
                   ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)),
                   ((2, 3), (5, 3, 4)), ((3,), (5, 3, 2)), ((5, 2, 3), (3,))]:
        add(f"matmul[{_name(sx)}@{_name(sy)}]", ops.matmul, rand(sx), rand(sy))
    add("dot[3.3]", ops.dot, rand((3,)), rand((3,)))
    add("matmul[operator]", lambda a, b: a @ b, rand((2, 3)), rand((3, 2)))

    # ------------------------------------------------------------------- linear
    add("linear[bias]", ops.linear, rand((4, 3)), rand((2, 3)), rand((2,)))
    add("linear[no-bias]", ops.linear, rand((4, 3)), rand((2, 3)))
    add("linear[3d-input]", ops.linear, rand((5, 4, 3)), rand((2, 3)), rand((2,)))
    add("linear[3d-input-no-bias]", ops.linear, rand((2, 4, 3)), rand((2, 3)))
    add("linear[1d-input]", ops.linear, rand((3,)), rand((2, 3)), rand((2,)))

    # ------------------------------------------------------------- fused losses
    labels = np.array([0, 4, 2, 4])
    add("softmax_cross_entropy[4x5]",
        lambda z: ops.softmax_cross_entropy(z, labels), rand((4, 5), -3.0, 3.0))
    labels3 = np.array([[1, 0, 2], [2, 2, 0]])
    add("softmax_cross_entropy[2x3x3]",
        lambda z: ops.softmax_cross_entropy(z, labels3), rand((2, 3, 3), -3.0, 3.0))
    add("softmax_cross_entropy[1-d]",
        lambda z: ops.softmax_cross_entropy(z, np.int64(3)), rand((5,), -3.0, 3.0))
    add("softmax_cross_entropy[int32-labels]",
        lambda z: ops.softmax_cross_entropy(z, np.array([1, 0], dtype=np.int32)),
        rand((2, 3), -3.0, 3.0))
    add("sigmoid_binary_cross_entropy[3x4]", ops.sigmoid_binary_cross_entropy,
        rand((3, 4), -4.0, 4.0), rand((3, 4), 0.0, 1.0))
    add("sigmoid_binary_cross_entropy[broadcast-targets]", ops.sigmoid_binary_cross_entropy,
        rand((3, 4), -4.0, 4.0), rand((1, 4), 0.0, 1.0))
    add("sigmoid_binary_cross_entropy[hard-targets]",
        lambda z: ops.sigmoid_binary_cross_entropy(z, np.array([0.0, 1.0, 1.0], dtype=z.dtype)),
        rand((3,), -4.0, 4.0))
    add("squared_error[3x4]", ops.squared_error, rand((3, 4)), rand((3, 4)))
    add("squared_error[broadcast-targets]", ops.squared_error, rand((3, 4)), rand((1, 4)))
    add("squared_error[broadcast-predictions]", ops.squared_error, rand((1, 4)), rand((3, 4)))
    add("squared_error[scalar-target]", ops.squared_error, rand((2, 3)), rand(()))
    add("squared_error[scalar]", ops.squared_error, rand(()), rand(()))
    add("squared_error[constant-target]",
        lambda p: ops.squared_error(p, np.array([0.5, -1.0, 2.0], dtype=p.dtype)), rand((3,)))
    add("squared_error[half]", lambda p, t: ops.squared_error(p, t, half=True),
        rand((3, 4)), rand((1, 4)))
    for red in ("mean", "sum"):
        for half in (False, True):
            add(f"squared_error[reduction={red},half={half}]",
                lambda p, t, r=red, h=half: ops.squared_error(p, t, reduction=r, half=h),
                rand((3, 4)), rand((1, 4)))
        add(f"squared_error[2x1-1x3,reduction={red}]",
            lambda p, t, r=red: ops.squared_error(p, t, reduction=r), rand((2, 1)),
            rand((1, 3)))
    for red in ("mean", "sum"):
        add(f"softmax_cross_entropy[4x5,reduction={red}]",
            lambda z, r=red: ops.softmax_cross_entropy(z, labels, reduction=r),
            rand((4, 5), -3.0, 3.0))
        add(f"softmax_cross_entropy[2x3x3,reduction={red}]",
            lambda z, r=red: ops.softmax_cross_entropy(z, labels3, reduction=r),
            rand((2, 3, 3), -3.0, 3.0))
        add(f"sigmoid_binary_cross_entropy[reduction={red}]",
            lambda z, t, r=red: ops.sigmoid_binary_cross_entropy(z, t, reduction=r),
            rand((3, 4), -4.0, 4.0), rand((1, 4), 0.0, 1.0))
    return cs


CASES = _cases()


def pytest_generate_tests(metafunc: Any) -> None:
    if "prim_case" in metafunc.fixturenames:
        metafunc.parametrize("prim_case", CASES, ids=[c.id for c in CASES])


@pytest.fixture(scope="session")
def all_prim_cases() -> list[Case]:
    return CASES
