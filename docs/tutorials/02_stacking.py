# %% [markdown]
# # 2. Stacking neurons
#
# *Lecture: "Idea: stack them together to form neural networks."*
#
# One neuron draws one line. XOR — output 1 when exactly one input is on — is the
# classic problem no line can solve. This notebook shows why, solves it with two neurons
# and a third that combines them, and then looks at the same network the way the lecture
# does: **each layer transforms the input space into a new space, where the problem is
# easier.**

# %%
import numpy as np
import matplotlib.pyplot as plt

from chainrule import data, nn, optim, train, viz

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
xor = np.array([0.0, 1.0, 1.0, 0.0])

# %% [markdown]
# ## No single neuron computes XOR
#
# A neuron with a step (or sign) activation outputs 1 where w₁x₁ + w₂x₂ + b > 0. XOR
# would need
#
# * (0, 0) → 0: b ≤ 0, and (1, 1) → 0: w₁ + w₂ + b ≤ 0,
# * (0, 1) → 1: w₂ + b > 0, and (1, 0) → 1: w₁ + b > 0.
#
# Adding the last two gives w₁ + w₂ + 2b > 0, adding the first two w₁ + w₂ + 2b ≤ 0: a
# contradiction. Training confirms it — gradient descent on one sigmoid neuron gets stuck
# at 3 of the 4 points at best:

# %%
single = nn.MLP(2, [], 1, seed=0, dtype=np.float64)
train.fit(single, nn.default_loss(single.output_unit),
          optim.Adam(single.parameters(), lr=0.1), (X, xor[:, None]),
          epochs=500, batch_size=4, verbose=0)
acc_single = (single.predict(X) == xor).mean()
print("one neuron, accuracy on the four XOR points:", acc_single)
assert acc_single <= 0.75

# %% [markdown]
# ## Two neurons and a third that combines them
#
# XOR = OR ∧ NAND. With the **sign** activation (outputs ±1), as in the lecture:
#
# * neuron A is **OR**: sign(x₁ + x₂ − 0.5), on unless both inputs are off;
# * neuron B is **NAND**: sign(−x₁ − x₂ + 1.5), on unless both inputs are on;
# * neuron C is **AND** of A and B: sign(a_A + a_B − 1.5), on only when both are +1.
#
# That is a 2-layer feed-forward network (one hidden layer of width 2, one output unit),
# built here with the weights set by hand:

# %%
def network(W1, b1, W2, b2, activation):
    net = nn.Sequential(nn.Linear(2, 2, dtype=np.float64), nn.get_activation(activation),
                        nn.Linear(2, 1, dtype=np.float64), nn.get_activation(activation))
    for layer, W, b in ((net[0], W1, b1), (net[2], W2, b2)):
        layer.weight.data[:] = W
        layer.bias.data[:] = b
    return net


W1, b1 = np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([-0.5, 1.5])  # A = OR, B = NAND
W2, b2 = np.array([[1.0, 1.0]]), np.array([-1.5])                      # C = A AND B
sign_net = network(W1, b1, W2, b2, "sign")
sign_net

# %%
hidden = sign_net[:2](X).data
out = sign_net(X).data[:, 0]
print(" x1 x2 |  A  B |  C | XOR")
for (x1, x2), (a, b), c, t in zip(X, hidden, out, xor):
    print(f" {x1:2.0f} {x2:2.0f} | {a:2.0f} {b:2.0f} | {c:2.0f} | {t:.0f}")
assert np.array_equal(out > 0, xor == 1)

# %% [markdown]
# ## Each layer transforms the input space
#
# Now the same network with the **logistic** activation, every weight multiplied by 20 so
# that each sigmoid is almost a step (tutorial 1: scaling the weights keeps the line and
# sharpens the transition). Left, the original input space with the lines of neurons A
# and B; right, the space neuron C sees — the points (a_A, a_B) — with C's line. XOR's
# points are not linearly separable on the left; after the hidden layer they are.

# %%
sig_net = network(20 * W1, 20 * b1, 20 * W2, 20 * b2, "sigmoid")
viz.plot_hidden_layers(sig_net, X, xor)

# %%
h = sig_net[:2](X).data
print("hidden layer outputs (a_A, a_B):\n", h.round(4))
print("network output:", sig_net(X).data[:, 0].round(4))
# the four points land near the corners (0,1), (1,1), (1,1), (1,0): (0,1) and (1,0) are
# the two XOR-false points, and C's line a_A + a_B = 1.5 separates them from (1, 1)
assert np.allclose(h, [[0, 1], [1, 1], [1, 1], [1, 0]], atol=1e-4)
assert np.array_equal(sig_net(X).data[:, 0] > 0.5, xor == 1)

# %% [markdown]
# ## Learning the transformation
#
# Hand-made weights are for understanding; a network learns its own. Here is the XOR of
# the TensorFlow Playground — class 1 in two opposite quadrants — learned by MLPs with one
# hidden layer of 2 and of 4 tanh units.

# %%
ds = data.xor(n=400, noise=0.0, seed=0, dtype=np.float64)
Xq, yq = ds.X / 5.0, ds.y.astype(np.float64)


def fit_xor(width):
    mlp = nn.MLP(2, [width], 1, activation="tanh", seed=1, dtype=np.float64)
    train.fit(mlp, nn.default_loss(mlp.output_unit), optim.Adam(mlp.parameters(), lr=0.05),
              (Xq, yq[:, None]), epochs=80, batch_size=32, verbose=0)
    return mlp, (mlp.predict(Xq) == yq).mean()


mlp2, acc2 = fit_xor(2)
mlp4, acc4 = fit_xor(4)
print(f"training accuracy: 2 hidden units {acc2:.3f}, 4 hidden units {acc4:.3f}")
assert acc4 > 0.95 and acc2 < acc4 - 0.03

# %% [markdown]
# Why are two units not enough here, when they were for the four points above? The
# quadrants are cut by two *crossing* lines, x₁ = 0 and x₂ = 0. If two hidden units drew
# those lines they would send the four quadrants to the four corners of a square — the
# XOR pattern again, which the output unit's single line cannot separate. Gradient descent
# found the best it could with two units instead: two parallel lines (left) that fold the
# plane so that most, but not all, points of the two classes land apart (right, where the
# output unit's line is drawn). Red and blue points still overlap along the folds.

# %%
viz.plot_hidden_layers(mlp2, Xq, yq)

# %%
viz.plot_decision_boundary(mlp4, Xq, yq)

# %% [markdown]
# With four units the network carves the plane into enough pieces. The lecture's point
# holds: *each layer transforms the input space to a new space; if well trained, the new
# space is easier to classify in.* A network is neurons stacked this way — layers of any
# width and depth, with the output layer's activation chosen by the task (linear for
# regression, sigmoid or softmax for classification; tutorial 5).
#
# How does training find these weights? By gradient descent, which needs the derivative
# of the loss with respect to every weight — the subject of the next tutorial.
