"""The δ view of an MLP reproduces backward() exactly."""
import numpy as np
import pytest

from chainrule import Tensor, nn
from chainrule.explain import backward_gradients, dense_layers, explain_network


def _plain(rng, sizes, acts):
    return [(rng.standard_normal((sizes[i + 1], sizes[i])), rng.standard_normal(sizes[i + 1]),
             acts[i]) for i in range(len(sizes) - 1)]


@pytest.mark.parametrize("loss", ["squared", "half_squared", "bce"])
def test_plain_list_matches_backward(loss):
    rng = np.random.default_rng(1)
    net = _plain(rng, [3, 4, 3, 1], ["tanh", "relu", "sigmoid"])
    x, y = rng.standard_normal(3), np.array([1.0])
    trace = explain_network(net, x, y, loss=loss)
    for t, (dW, db) in zip(trace.layers, backward_gradients(net, x, y, loss=loss)):
        assert np.allclose(t.dW, dW, rtol=1e-12, atol=1e-15)
        assert np.allclose(t.db, db, rtol=1e-12, atol=1e-15)
        assert t.dW.shape == t.W.shape


def test_mlp_module_matches_its_own_backward():
    model = nn.MLP(3, [5, 4], 2, activation="sigmoid", output="linear", seed=3,
                   dtype=np.float64)
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.0, -0.5])
    trace = explain_network(model, x, y, loss="squared")
    out = model(Tensor(x[None]))
    d = Tensor(y) - out.reshape(-1)
    (d * d).sum().backward()
    linears = [m for m in model.layers if isinstance(m, nn.Linear)]
    assert len(linears) == len(trace.layers) == 3
    for t, lin in zip(trace.layers, linears):
        assert np.allclose(t.dW, lin.weight.grad.data, rtol=1e-12, atol=1e-15)
        assert np.allclose(t.db, lin.bias.grad.data, rtol=1e-12, atol=1e-15)
    assert [t.activation for t in trace.layers] == ["sigmoid", "sigmoid", "identity"]


def test_delta_recursion_and_logits_losses():
    model = nn.MLP(2, [3], 3, activation="relu", output="softmax", seed=0, dtype=np.float64)
    trace = explain_network(model, [0.3, -0.7], 2, loss="ce_logits")
    h, o = trace.layers
    np.testing.assert_allclose(h.delta, h.fprime * (o.W.T @ o.delta), rtol=1e-14)
    p = np.exp(o.a - o.a.max())
    p /= p.sum()
    np.testing.assert_allclose(o.delta, p - np.eye(3)[2], rtol=1e-12, atol=1e-15)
    for t, (dW, _) in zip(trace.layers, backward_gradients(model, [0.3, -0.7], 2, "ce_logits")):
        assert np.allclose(t.dW, dW, rtol=1e-12, atol=1e-15)


def test_text_rendering():
    net = [(np.eye(2), np.zeros(2), "sigmoid"), (np.ones((1, 2)), None, None)]
    text = explain_network(net, [1.0, 2.0], [0.0]).to_text()
    assert "δ[1]" in text and "f'(a[1]) ⊙ W[2]ᵀ δ[2]" in text and "∂E/∂W[2]" in text
    assert "| quantity |" in explain_network(net, [1.0, 2.0], [0.0]).to_markdown()


def test_bad_networks_and_inputs():
    with pytest.raises(ValueError, match="previous layer"):
        dense_layers([(np.ones((2, 3)), None, None), (np.ones((1, 3)), None, None)])
    with pytest.raises(TypeError, match="triple"):
        dense_layers([np.ones((2, 2))])
    with pytest.raises(ValueError, match="unknown activation"):
        dense_layers([(np.ones((1, 2)), None, "wiggle")])
    with pytest.raises(ValueError, match="cannot place Softmax"):
        dense_layers(nn.Sequential(nn.Linear(2, 2), nn.Softmax()))
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        explain_network([(np.ones((1, 2)), None, None)], [1.0, 2.0, 3.0], [1.0])
    with pytest.raises(ValueError, match="loss must be one of"):
        explain_network([(np.ones((1, 2)), None, None)], [1.0, 2.0], [1.0], loss="hinge")
