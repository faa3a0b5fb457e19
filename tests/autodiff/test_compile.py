"""``chainrule.compile``: trace once, replay the recorded primitives and rules."""
from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import Tensor, nn
from chainrule.autodiff import Compiled, replayed

rng = np.random.default_rng(0)
W = Tensor(rng.standard_normal((3, 4)), requires_grad=True)


def _programs(fn: Compiled) -> list[str]:
    return [type(p).__name__ for p in fn.programs.values()]


def loss_and_grad(x):
    W.grad = None
    out = cr.tanh(x @ W).sum()
    out.backward()
    return out.data, W.grad.data


def test_replay_returns_the_eager_values_for_new_inputs():
    f = cr.compile(loss_and_grad)
    for i in range(5):
        x = rng.standard_normal((2, 3))
        value, g = f(x)
        ref_value, ref_g = loss_and_grad(x)
        assert np.array_equal(value, ref_value) and np.array_equal(g, ref_g)
    assert _programs(f) == ["Program"] and f.fallback is None


def test_a_new_shape_or_dtype_traces_a_new_program():
    f = cr.compile(loss_and_grad)
    for shape in ((2, 3), (2, 3), (5, 3), (5, 3), (2, 3)):
        f(rng.standard_normal(shape))
    assert _programs(f) == ["Program", "Program"]
    f(rng.standard_normal((2, 3)).astype(np.float32).astype(np.float64)[:, ::-1])  # strides
    assert len(f.programs) == 3


def test_results_keep_their_structure_and_tensors_stay_tensors():
    f = cr.compile(lambda x: (cr.exp(Tensor(x)), [x * 2.0, None]))
    for _ in range(3):
        x = rng.standard_normal(3)
        t, (doubled, none) = f(x)
        assert isinstance(t, Tensor) and np.array_equal(t.data, np.exp(x))
        assert np.array_equal(doubled, x * 2.0) and none is None


def test_random_draws_are_made_again_on_every_replay():
    def masked(x, gen):
        return (Tensor(x) * nn.functional.dropout_mask(x.shape, 0.5, gen, x.dtype)).data

    gen, ref_gen = np.random.default_rng(1), np.random.default_rng(1)
    f = cr.compile(lambda x: masked(x, gen))
    x = np.ones((4, 5))
    outs = [f(x) for _ in range(5)]
    refs = [masked(x, ref_gen) for _ in range(5)]
    assert all(np.array_equal(a, b) for a, b in zip(outs, refs))
    assert not np.array_equal(outs[3], outs[4])
    assert f.fallback is None


def test_replayed_functions_run_on_every_call():
    calls = []

    @replayed
    def count(x):
        calls.append(1)
        return x + 1.0

    f = cr.compile(lambda x: cr.exp(Tensor(count(x))).data)
    for i in range(4):
        assert np.array_equal(f(np.full(2, float(i))), np.exp(np.full(2, i + 1.0)))
    assert len(calls) == 4


def test_a_value_computed_outside_the_engine_makes_it_run_eagerly():
    f = cr.compile(lambda x: (Tensor(np.exp(x)) * 2.0).data)  # np.exp: not traced
    for i in range(4):
        x = np.full(3, float(i))
        assert np.array_equal(f(x), np.exp(x) * 2.0)
    assert "changed between two calls" in f.fallback


def test_a_python_branch_on_values_is_detected_by_the_second_trace():
    def f(x):
        t = Tensor(x)
        return (t * 2.0).data if float(x.sum()) > 0 else (t - 1.0).data

    g = cr.compile(f)
    outs = [g(np.full(2, v)) for v in (1.0, -1.0, 1.0, -1.0)]
    assert all(np.array_equal(o, f(np.full(2, v))) for o, v in zip(outs, (1.0, -1.0) * 2))
    assert "different programs" in g.fallback


def test_create_graph_and_inputs_that_require_grad_run_eagerly():
    def second(x):
        t = Tensor(x, requires_grad=True)
        (t * t * t).sum().backward(create_graph=True)
        return t.grad.data

    f = cr.compile(second)
    for _ in range(3):
        assert np.array_equal(f(np.array([2.0])), [12.0])
    assert "create_graph" in f.fallback
    g = cr.compile(lambda t: (t * 2.0).data)
    assert np.array_equal(g(Tensor(np.ones(2), requires_grad=True)), [2.0, 2.0])
    assert "requires grad" in g.fallback


def test_errors_while_tracing_propagate_and_leave_no_tracer_behind():
    f = cr.compile(lambda x: cr.matmul(Tensor(x), Tensor(np.ones((5, 2)))).data)
    with pytest.raises(ValueError, match="not aligned"):
        f(np.ones((2, 3)))
    assert np.array_equal(cr.exp(Tensor(np.zeros(1))).data, [1.0])  # eager works
    assert f(np.ones((2, 5))).shape == (2, 2)


def test_the_key_function_traces_again_when_it_changes():
    mode = {"scale": 2.0}
    f = cr.compile(lambda x: (Tensor(x) * mode["scale"]).data, key=lambda: mode["scale"])
    for scale in (2.0, 2.0, 2.0, 3.0, 3.0, 3.0):
        mode["scale"] = scale
        assert np.array_equal(f(np.ones(2)), [scale, scale])
    assert _programs(f) == ["Program", "Program"]


def test_assigning_grad_inside_a_compiled_function_is_replayed():
    w = Tensor(np.ones(3), requires_grad=True)

    def step(x):
        w.grad = None  # without the reset a replay would accumulate
        (w * Tensor(x)).sum().backward()
        return w.grad.data

    f = cr.compile(step)
    for i in range(4):
        assert np.array_equal(f(np.full(3, float(i))), np.full(3, float(i)))
    assert f.fallback is None


def test_one_array_passed_twice_runs_eagerly():
    f = cr.compile(lambda a, b: (Tensor(a) - Tensor(b)).data)
    x = np.ones(2)
    for _ in range(3):
        assert np.array_equal(f(x, x), [0.0, 0.0])
    assert "same array" in f.fallback
    assert np.array_equal(f(x, np.zeros(2)), [1.0, 1.0])


def test_the_replayed_program_reads_as_python():
    f = cr.compile(loss_and_grad)
    for _ in range(3):
        f(rng.standard_normal((2, 3)))
    source = next(iter(f.programs.values())).source
    assert source.startswith("def replay(s0):")
    assert "# tanh" in source and "# store_leaf_grads" in source and "return STALE" in source


def test_a_replayed_function_can_record_a_lighter_replay():
    calls = []

    def light(x):
        calls.append("light")
        return x * 2.0

    @replayed(replay=light)
    def checked(x):
        calls.append("checked")
        if not np.isfinite(x).all():
            raise ValueError("not finite")
        return x * 2.0

    f = cr.compile(lambda x: cr.exp(Tensor(checked(x))).data)
    for i in range(4):
        assert np.array_equal(f(np.full(2, float(i))), np.exp(np.full(2, 2.0 * i)))
    assert calls == ["checked", "checked", "light", "light"]
    assert checked(np.ones(1))[0] == 2.0 and calls[-1] == "checked"  # outside a trace


def test_clear_grads_clears_eagerly_and_in_a_replay():
    from chainrule.autodiff import clear_grads

    def step(x):
        clear_grads([W])
        out = cr.tanh(x @ W).sum()
        out.backward()
        return W.grad.data

    f = cr.compile(step)
    for i in range(4):
        x = rng.standard_normal((2, 3))
        W.grad = None
        expected = step(x).copy()
        W.grad = Tensor(np.full((3, 4), 5.0))  # cleared by the call, not accumulated into
        assert np.array_equal(f(x), expected)
    assert f.fallback is None and "clear_grads" in _sources(f)
    W.grad = Tensor(np.ones((3, 4)))
    clear_grads(iter([W]))
    assert W.grad is None


def _sources(fn: Compiled) -> str:
    return "".join(p.source for p in fn.programs.values() if hasattr(p, "source"))


def test_an_update_given_grad_tensors_replays_like_eager():
    from chainrule import optim
    from chainrule.nn import Parameter

    def make():
        w = Parameter(np.linspace(-1, 1, 6).reshape(3, 2))
        return w, optim.SGD([w], lr=0.1)

    (w1, o1), (w2, o2) = make(), make()

    def step(x, w, opt):
        opt.zero_grad()
        loss = cr.tanh(x @ w).sum()
        loss.backward()
        opt.update([w.grad])  # Tensors, as .grad reads
        return loss.data

    f = cr.compile(lambda x: step(x, w1, o1))
    for i in range(4):
        x = rng.standard_normal((4, 3))
        assert f(x) == step(x, w2, o2) and np.array_equal(w1.data, w2.data)
    assert f.fallback is None and "Program" in _programs(f)


def test_clear_grads_refuses_a_single_tensor_and_non_tensors_changing_nothing():
    from chainrule.autodiff import clear_grads

    W.grad = Tensor(np.ones((3, 4)))
    with pytest.raises(TypeError, match="got a single Tensor"):
        clear_grads(W)
    with pytest.raises(TypeError, match="item 1 is a NoneType"):
        clear_grads([W, None])
    assert W.grad is not None
    W.grad = None


def test_the_last_replay_shortcut_checks_layout_grad_mode_and_aliasing():
    f = cr.compile(lambda x, y: (cr.tanh(Tensor(x)) * Tensor(y)).data)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    for _ in range(3):
        assert np.array_equal(f(a, b), np.tanh(a) * b)
    c = rng.standard_normal((2, 3))
    assert np.array_equal(f(c, b), np.tanh(c) * b)  # another shape: another program
    assert np.array_equal(f(a, b), np.tanh(a) * b)
    strided = rng.standard_normal(6)[::2]
    assert np.array_equal(f(strided, b), np.tanh(strided) * b)
    assert np.array_equal(f(a.astype(np.float32), b.astype(np.float32)),
                          np.tanh(a.astype(np.float32)) * b.astype(np.float32))
    assert np.array_equal(f(a, a), np.tanh(a) * a) and f.fallback is not None  # eager
    with cr.no_grad():
        assert np.array_equal(f(a, b), np.tanh(a) * b)
    assert np.array_equal(f(a, b), np.tanh(a) * b) and f.fallback is None
