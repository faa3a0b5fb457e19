"""The sample-weighted loss is replayed by the compiled step, bit for bit the eager loop."""
import numpy as np
import pytest

from chainrule import nn, optim, train
from chainrule.sklearn._losses import WeightedLoss, pack_targets


@pytest.mark.parametrize("unit,n_out", [("softmax", 3), ("sigmoid", 1), ("linear", 2)])
def test_weighted_steps_compile_and_equal_the_eager_loop(unit, n_out):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype(np.float32)
    y = {"softmax": rng.integers(0, 3, 64), "sigmoid": rng.integers(0, 2, 64),
         "linear": rng.normal(size=(64, 2))}[unit]
    packed = pack_targets(y, rng.uniform(0.5, 2.0, 64), np.float32)
    output = {"softmax": "softmax", "sigmoid": "sigmoid", "linear": "identity"}[unit]
    models = [nn.MLP(4, [8], n_out, output=output, seed=0) for _ in range(2)]
    step = train.TrainStep(models[0], WeightedLoss(unit), optim.SGD(models[0].parameters(),
                                                                    lr=0.1))
    eager_opt, loss = optim.SGD(models[1].parameters(), lr=0.1), WeightedLoss(unit)
    for i in range(4):
        batch = slice(16 * i, 16 * (i + 1))
        step(X[batch], packed[batch])
        eager_opt.zero_grad()
        loss(models[1](X[batch]), packed[batch]).backward()
        eager_opt.step()
    assert step.compiled.fallback is None  # every batch's own weights, not the first's
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        np.testing.assert_array_equal(a.data, b.data)
