"""The fused dense_stack path of MLP gives the same numbers as recording layer by layer."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autodiff import ops
from chainrule.testing import check_grads


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity"])
def test_fused_matches_layer_by_layer(activation):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 3)).astype(np.float32)
    y = rng.integers(0, 4, 7)
    grads = {}
    for fused in (True, False):
        model = nn.MLP(3, [5, 6], 4, activation=activation, seed=1, fused=fused)
        loss = nn.CrossEntropyLoss()(model(X), y)
        loss.backward()
        grads[fused] = (loss.item(), [p.grad.data.copy() for p in model.parameters()])
    assert grads[True][0] == pytest.approx(grads[False][0], rel=1e-6)
    for a, b in zip(grads[True][1], grads[False][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_fused_node_is_one_graph_node():
    model = nn.MLP(2, [8, 8], 1, activation="tanh", seed=0)
    out = model(np.zeros((4, 2), np.float32))
    assert out._prim.name == "dense_stack"
    model.fused = False
    assert model(np.zeros((4, 2), np.float32))._prim.name == "linear"


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_fused_dropout_matches_the_layers_bit_for_bit(activation):
    """The fused forward draws each mask from the Dropout layer's Generator exactly as the
    layer would: same outputs, same gradients, same RNG state afterwards."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3)).astype(np.float32)
    y = rng.integers(0, 2, 6)
    runs = {}
    for fused in (True, False):
        model = nn.MLP(3, [7, 5], 2, activation=activation, dropout=0.4, seed=2, fused=fused)
        outs = []
        for _ in range(3):  # several draws in a row
            model.zero_grad()
            loss = nn.CrossEntropyLoss()(model(X), y)
            loss.backward()
            outs.append((loss.item(), [p.grad.data.copy() for p in model.parameters()]))
        assert model(X)._prim.name == ("dense_stack" if fused else "linear")
        runs[fused] = (outs, model.rng_states())
    for (l1, g1), (l2, g2) in zip(runs[True][0], runs[False][0]):
        assert l1 == l2
        for a, b in zip(g1, g2):
            np.testing.assert_array_equal(a, b)
    assert runs[True][1] == runs[False][1]


def test_dropout_is_off_in_eval_mode():
    model = nn.MLP(2, [8], 1, dropout=0.5, seed=0)
    x = np.ones((4, 2), np.float32)
    model.eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)
    assert model(x)._params["masks"] is None


def test_dense_stack_with_masks_gradients():
    rng = np.random.default_rng(1)
    args = (rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4),
            rng.standard_normal((2, 4)), rng.standard_normal(2))
    masks = ((rng.random((5, 4)) > 0.3) * 1.5, None)

    def f(x, w1, b1, w2, b2):
        return ops.dense_stack(x, [w1, w2], [b1, b2], ("tanh", "identity"), masks=masks)

    check_grads(f, args, order=2)


def test_unsupported_activation_falls_back():
    model = nn.MLP(2, [8], 1, activation="elu", seed=0)
    assert model(np.ones((4, 2), np.float32))._prim.name == "linear"


@pytest.mark.parametrize("acts", [("tanh", "identity"), ("sigmoid", "tanh"), ("relu", "sigmoid")])
def test_dense_stack_gradients_both_modes_second_order(acts):
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4),
            rng.standard_normal((2, 4)), rng.standard_normal(2))

    def f(x, w1, b1, w2, b2):
        return ops.dense_stack(x, [w1, w2], [b1, b2], acts)

    check_grads(f, args, order=1 if acts[0] == "relu" else 2)


def test_dense_stack_bad_input():
    x = cr.Tensor(np.ones((2, 3), np.float32))
    w = cr.Tensor(np.ones((4, 3), np.float32))
    b = cr.Tensor(np.ones(4, np.float32))
    with pytest.raises(ValueError, match="unsupported activation"):
        ops.dense_stack(x, [w], [b], ["elu"])
    with pytest.raises(ValueError, match="as many weights"):
        ops.dense_stack(x, [w], [b, b], ["tanh"])
    with pytest.raises(ValueError, match="linear|dense_stack"):
        ops.dense_stack(cr.Tensor(np.ones((2, 5), np.float32)), [w], [b], ["tanh"])


def test_explain_table_reads_a_fused_network():
    """Per-argument rules are derived from the fused rules, so explain can walk the node."""
    from chainrule import explain

    model = nn.MLP(2, [3], 1, activation="tanh", seed=0, dtype=np.float64)
    x = np.array([[0.5, -1.0]])
    loss = nn.BCEWithLogitsLoss()(model(x), np.array([1.0]))
    table = explain.table(loss, wrt=[model.layers[0].bias], mode="both")
    loss.backward()
    np.testing.assert_allclose(table.derivative(table.wrt[0], "reverse"),
                               model.layers[0].bias.grad.data, rtol=1e-12)
