"""``dense_stack``: a whole feed-forward stack as one fused primitive.

    z_0 = x,   a_k = z_{k-1} W_k^T + b_k,   z_k = f_k(a_k) [* m_k],   output z_n

(m_k: an optional inverted-dropout mask, a constant drawn by the caller.)

A multilayer perceptron recorded layer by layer costs two graph nodes per layer; this
primitive costs one node for the whole stack, which is what makes small networks cheap to
train. It introduces no new mathematics: its rules run the ``linear`` primitive's and each
activation primitive's own VJP/JVP rules, layer by layer (the δ recursion of
backpropagation, δ_k = f_k'(a_k) ⊙ δ_{k+1} W_{k+1}). The forward keeps every a_k and z_k as
residuals for the fast first-order backward; when the rules see Tensors (higher order),
they recompute the stack with recorded primitives, so the result differentiates again.
Supported activations: identity, relu, tanh, sigmoid.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..primitive import Primitive, apply, defjvp_all, defvjp_all
from ..tensor import Tensor, wrap_array
from ._base import constant_for
from .elementwise import relu_p, sigmoid_p, tanh_p
from .linalg import _linear_impl, column_major, linear_p

ACTIVATIONS = {"identity": None, "relu": relu_p, "tanh": tanh_p, "sigmoid": sigmoid_p}
_IMPLS = {name: None if prim is None else prim.impl for name, prim in ACTIVATIONS.items()}
_ACT_VJPS = {name: prim.vjps[0] for name, prim in ACTIVATIONS.items() if prim is not None}


def _dense_stack_impl(x, *wb, activations=(), masks=None):
    res = forward_arrays(x, wb, activations, masks)
    return res[0][-1], res


def forward_arrays(x, wb, activations, masks=None):
    """The forward pass on arrays: :func:`_recompute`'s residuals, built with the
    primitives' NumPy forwards and nothing else (this runs on every training step)."""
    zs = [x]
    pre = []
    hs = []
    z = x
    impls = _IMPLS
    for k, act in enumerate(activations):
        w, b = wb[2 * k], wb[2 * k + 1]
        if w.ndim != 2 or b.shape != (w.shape[0],):
            _linear_impl(z, w, b)  # raises the error apply turns into linear's message
        a = z @ w.T + b
        impl = impls[act]
        h = a if impl is None else impl(a)
        z = h if masks is None or masks[k] is None else h * masks[k]
        pre.append(a)
        hs.append(h)
        zs.append(z)
    return zs, pre, hs


def _recompute(x, wb, activations, masks=None):
    """(zs, pre, hs) for every layer k: the pre-activation a_k, the activation output
    h_k = f_k(a_k) and the layer's output z_k = h_k * m_k (the dropout mask m_k, already
    scaled by 1/(1-p), when given; z_k = h_k otherwise; z_0 = x).

    On arrays the primitives' NumPy forwards run directly (the forward pass); on Tensors
    the primitives are applied and recorded (the rules at higher order)."""
    if type(x) is np.ndarray and not any(isinstance(a, Tensor) for a in wb):
        return forward_arrays(x, wb, activations, masks)
    zs = [x]
    pre = []
    hs = []
    z = x
    for k, act in enumerate(activations):
        a = linear_p(z, wb[2 * k], wb[2 * k + 1])
        prim = ACTIVATIONS[act]
        h = a if prim is None else prim(a)
        m = masks[k] if masks is not None else None
        z = h if m is None else h * m
        pre.append(a)
        hs.append(h)
        zs.append(z)
    return zs, pre, hs


def _dense_stack_vjp_all(g, ans, x, *wb, activations=(), masks=None, res=None, need=()):
    """The δ recursion, last layer first: mask, activation rule, then the ``linear`` rule's
    three products x_bar = G W, W_bar = Gᵀ z, b_bar = Σ_rows G.

    First order on 2-D arrays (the training step) uses the forward's residuals and writes
    the products out; on Tensors the stack is recomputed with recorded primitives and the
    ``linear`` rules themselves run, so the result differentiates again."""
    if res is not None and type(g) is np.ndarray and g.ndim == 2:
        return backward_arrays(g, wb, activations, masks, res, need)
    zs, pre, hs = _recompute(x, wb, activations, masks)
    vjp_x, vjp_w, vjp_b = linear_p.vjps[0], linear_p.vjps[1], linear_p.vjps[2]
    out: list[Any] = [None] * (1 + len(wb))
    for k in range(len(activations) - 1, -1, -1):
        if masks is not None and masks[k] is not None:
            g = g * masks[k]
        prim = ACTIVATIONS[activations[k]]
        if prim is not None:
            g = prim.vjps[0](g, hs[k], pre[k])
        W, b, a, z_in = wb[2 * k], wb[2 * k + 1], pre[k], zs[k]
        if 1 + 2 * k in need:
            out[1 + 2 * k] = vjp_w(g, a, z_in, W, b)
        if 2 + 2 * k in need:
            out[2 + 2 * k] = vjp_b(g, a, z_in, W, b)
        if k > 0 or 0 in need:
            g = vjp_x(g, a, z_in, W, b)
    if 0 in need:
        out[0] = g
    return out


def backward_arrays(g, wb, activations, masks, res, need):
    """First order on 2-D arrays (the training step): the same rules with the forward's
    residuals, the three products of ``linear``'s rule written out."""
    zs, pre, hs = res
    out: list[Any] = [None] * (1 + len(wb))
    wanted = set(need)
    every = len(wanted) == len(wb) and 0 not in wanted  # each W and b, not x (training)
    rules = _ACT_VJPS
    matmul, multiply, subtract, add_reduce = np.matmul, np.multiply, np.subtract, np.add.reduce
    one = constant_for(1.0, g)
    last = len(activations) - 1
    for k in range(last, -1, -1):
        if masks is not None and masks[k] is not None:
            g = g * masks[k]
        act = activations[k]
        # below the last layer, g = δ_{k+1} W_{k+1} was made just below on the previous
        # layer: relu masks it and tanh scales it in place (tanh's rule, same arithmetic)
        if k == last:
            if act != "identity":
                g = rules[act](g, hs[k], pre[k])
        elif act == "tanh":
            h = hs[k]
            d = h * h
            subtract(one, d, d)  # (out as the third argument: no keyword parsing)
            multiply(g, d, g)
        elif act == "relu":
            multiply(g, pre[k] > 0, g)
        elif act != "identity":
            g = rules[act](g, hs[k], pre[k])
        w, z = wb[2 * k], zs[k]
        if every or 1 + 2 * k in wanted:  # Gᵀ Z in w's layout, as linear's rule makes it
            out[1 + 2 * k] = matmul(z.T, g).T if column_major(w) else matmul(g.T, z)
        if every or 2 + 2 * k in wanted:
            out[2 + 2 * k] = add_reduce(g, 0)
        if k or 0 in wanted:
            g = matmul(g, w)
    if 0 in wanted:
        out[0] = g
    return out


def _dense_stack_jvp_all(tangents, ans, x, *wb, activations=(), masks=None, res=None):
    if res is None or isinstance(ans, Tensor):
        res = _recompute(x, wb, activations, masks)
    zs, pre, hs = res
    t = tangents[0]
    for k, act in enumerate(activations):
        W, b = wb[2 * k], wb[2 * k + 1]
        a, z_in = pre[k], zs[k]
        ta = None
        for j, rule in ((0, linear_p.jvps[0]), (1, linear_p.jvps[1]), (2, linear_p.jvps[2])):
            t_j = t if j == 0 else tangents[2 * k + j]
            if t_j is not None:
                c = rule(t_j, a, z_in, W, b)
                ta = c if ta is None else ta + c
        if ta is None:
            t = None
            continue
        if ta.shape != a.shape:
            from .shape import broadcast_to_p

            ta = broadcast_to_p(ta, shape=a.shape)
        prim = ACTIVATIONS[act]
        t = ta if prim is None else prim.jvps[0](ta, hs[k], a)
        if masks is not None and masks[k] is not None:
            t = t * masks[k]
    if t is None:
        return np.zeros(ans.shape, dtype=ans.dtype)
    return t


dense_stack_p = Primitive("dense_stack", _dense_stack_impl, same_dtype=True, residuals=True,
                          expr="dense_stack({0}, ...)")
defvjp_all(dense_stack_p, _dense_stack_vjp_all)
defjvp_all(dense_stack_p, _dense_stack_jvp_all)


def dense_stack(x: Any, weights: Sequence[Any], biases: Sequence[Any],
                activations: Sequence[str], masks: Sequence[Any] | None = None) -> Tensor:
    """f_n(... f_1(x W_1^T + b_1) ...) W_n^T + b_n ... as one fused graph node.

    ``activations`` names one of identity/relu/tanh/sigmoid per layer; ``masks`` (optional)
    gives per layer a constant array multiplied into its output (e.g. an inverted-dropout
    mask), or None.
    """
    if not (len(weights) == len(biases) == len(activations)) or not weights:
        raise ValueError(f"dense_stack: expected as many weights, biases and activations "
                         f"(at least one), got {len(weights)}, {len(biases)}, "
                         f"{len(activations)}")
    for act in activations:
        if act not in ACTIVATIONS:
            raise ValueError(f"dense_stack: unsupported activation {act!r}; expected one of "
                             f"{sorted(ACTIVATIONS)}")
    wb: list[Any] = []
    for W, b in zip(weights, biases):
        wb += [W, b]
    if masks is not None:
        if len(masks) != len(activations):
            raise ValueError(f"dense_stack: expected one mask (or None) per layer, got "
                             f"{len(masks)} for {len(activations)} layers")
        masks = tuple(None if m is None else np.asarray(m.data if isinstance(m, Tensor) else m)
                      for m in masks)
    out = apply(dense_stack_p, x, *wb, activations=tuple(activations), masks=masks)
    return out if type(out) is Tensor else wrap_array(out)
