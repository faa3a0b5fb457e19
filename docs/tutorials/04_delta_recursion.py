# %% [markdown]
# # 4. Backpropagation as the δ recursion
#
# *Lecture: "the number of paths grows exponentially in network depth".*
#
# ∂E/∂W for a weight in the first layer is a sum over every path from that weight to the
# output, and a network of depth L and width w has w^(L−1) of them. Backpropagation does
# not enumerate paths: it computes one vector per layer, the **local gradient**
# δ[l] = ∂E/∂a[l], from the one above it. In the lecture's notation (z[0] = x):
#
# * forward: a[l] = W[l] z[l−1] + b[l], z[l] = f(a[l]);
# * output layer: δ[L] = f′(a[L]) ⊙ ∂E/∂z[L];
# * hidden layers: δ[l] = f′(a[l]) ⊙ W[l+1]ᵀ δ[l+1];
# * gradients: ∂E/∂W[l] = δ[l] z[l−1]ᵀ, ∂E/∂b[l] = δ[l].
#
# This notebook runs the recursion by hand in NumPy, shows chainrule's δ view of the same
# computation, and checks both against `backward()`.

# %%
import numpy as np

import chainrule as cr
from chainrule import explain, nn

np.set_printoptions(precision=5, suppress=False)

# %% [markdown]
# ## The lecture's network
#
# Two inputs, two hidden layers of two sigmoid units, one sigmoid output unit
# y(x) = z[3] = σ(a[3]), and the cross-entropy error of one example (x, t):
# E = −t log y − (1 − t) log(1 − y). We take random weights and one example:

# %%
rng = np.random.default_rng(4)
sizes = [2, 2, 2, 1]
Ws = [rng.normal(0, 1, (sizes[l + 1], sizes[l])) for l in range(3)]
bs = [rng.normal(0, 1, sizes[l + 1]) for l in range(3)]
x, t = np.array([0.5, -1.2]), 1.0

# %% [markdown]
# ### By hand
#
# Forward, keeping every a[l] and z[l]; then the recursion, from the output down.

# %%
sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731

zs, As = [x], []
for W, b in zip(Ws, bs):
    As.append(W @ zs[-1] + b)
    zs.append(sigmoid(As[-1]))
y = zs[-1]
E = float(-(t * np.log(y) + (1 - t) * np.log(1 - y))[0])

fprime = [z * (1 - z) for z in zs[1:]]            # σ'(a) = σ(a)(1 − σ(a))
dE_dz = -t / y + (1 - t) / (1 - y)                # ∂E/∂z[3]
deltas = [None, None, fprime[2] * dE_dz]          # δ[3]
for l in (1, 0):                                  # δ[2], then δ[1]
    deltas[l] = fprime[l] * (Ws[l + 1].T @ deltas[l + 1])
dWs = [np.outer(deltas[l], zs[l]) for l in range(3)]   # ∂E/∂W[l] = δ[l] z[l−1]ᵀ
dbs = [deltas[l] for l in range(3)]                   # ∂E/∂b[l] = δ[l]

print(f"y = {y[0]:.6f}, E = {E:.6f}")
for l in range(3):
    print(f"δ[{l + 1}] = {deltas[l]}")

# %% [markdown]
# The lecture's derivation for the output layer simplifies: with a sigmoid output and the
# cross-entropy error, f′(a)·∂E/∂z = σ(1 − σ)·(−t/σ + (1 − t)/(1 − σ)) = **y − t**. The
# error at the output is just "prediction minus target":

# %%
assert np.allclose(deltas[2], y - t, rtol=1e-12)
print("δ[3] =", deltas[2], " y − t =", y - t)

# %% [markdown]
# ### By machine: backward()
#
# The same network as an `nn.MLP` with the same weights. `model(x)` returns the output
# layer's pre-activation a[3] (the logit); the sigmoid output unit is fused into its loss,
# `BCEWithLogitsLoss` — the same E, computed stably (tutorial 5).

# %%
model = nn.MLP(2, [2, 2], 1, activation="sigmoid", dtype=np.float64, seed=0)
linears = [m for m in model.layers if isinstance(m, nn.Linear)]
for layer, W, b in zip(linears, Ws, bs):
    layer.weight.data[:] = W
    layer.bias.data[:] = b
model.summary()

# %%
loss = nn.BCEWithLogitsLoss()(model(x[None, :]), np.array([[t]]))
loss.backward()
assert np.isclose(loss.item(), E, rtol=1e-12)
for l, layer in enumerate(linears):
    np.testing.assert_allclose(layer.weight.grad.data, dWs[l], rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad.data, dbs[l], rtol=1e-10)
print("backward() gives every ∂E/∂W[l] and ∂E/∂b[l] of the recursion")

# %% [markdown]
# ### chainrule's δ view
#
# `explain.explain_network` prints the recursion layer by layer for one example: a[l],
# z[l], f′(a[l]), δ[l] and the gradients. f′ comes from the autodiff core (a forward-mode
# derivative of the activation), ∂E/∂z[L] from `grad` of the loss — nothing is written by
# hand. With `loss="bce_logits"` the last layer is the linear logit and its δ is y − t:

# %%
trace = explain.explain_network(model, x, [t], loss="bce_logits")
trace

# %%
for l, layer in enumerate(trace.layers):
    np.testing.assert_allclose(layer.delta, deltas[l], rtol=1e-10)
    np.testing.assert_allclose(layer.dW, dWs[l], rtol=1e-10)
assert np.isclose(trace.loss, E, rtol=1e-12)

# %% [markdown]
# ## The homework network, once more
#
# Tutorial 3 computed the homework network's gradients with the lecture's "perceived
# errors" Δ₅ = 2(ŷ − y) g′(in₅), Δ₃ = Δ₅ w₃₅ g′(in₃), Δ₄ = Δ₅ w₄₅ g′(in₄). Those *are* the
# δ's: Δ₅ is δ[2] and (Δ₃, Δ₄) is δ[1]. In matrix form the hidden layer has
# W[1] = [[w₁₃, w₂₃], [w₁₄, w₂₄]], b[1] = [w₀₃, w₀₄], the output W[2] = [[w₃₅, w₄₅]],
# b[2] = [w₀₅]:

# %%
homework = [(np.array([[2.0, 3.0], [4.0, 1.0]]), np.array([1.0, -1.0]), "sigmoid"),
            (np.array([[2.0, 3.0]]), np.array([1.0]), "sigmoid")]
hw = explain.explain_network(homework, [5.0, -3.0], [1.0], loss="squared")
hw

# %%
g = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
in3, in4 = 2.0, 16.0
y_hat = g(1 + 2 * g(in3) + 3 * g(in4))
in5 = 1 + 2 * g(in3) + 3 * g(in4)
D5 = 2 * (y_hat - 1) * g(in5) * (1 - g(in5))
D3 = D5 * 2 * g(in3) * (1 - g(in3))
D4 = D5 * 3 * g(in4) * (1 - g(in4))
hidden, output = hw.layers
np.testing.assert_allclose(output.delta, [D5], rtol=1e-12)
np.testing.assert_allclose(hidden.delta, [D3, D4], rtol=1e-10)
assert round(float(output.z[0]), 4) == 0.9969
(gW1, gb1), (gW2, gb2) = explain.backward_gradients(homework, [5.0, -3.0], [1.0])
np.testing.assert_allclose(gW1, hidden.dW, rtol=1e-10)
np.testing.assert_allclose(gW2, output.dW, rtol=1e-10)
print(f"Δ5 = δ[2] = {D5:.6e};  (Δ3, Δ4) = δ[1] = {hidden.delta}")

# %% [markdown]
# ## Why the recursion, and not the paths
#
# Each δ[l] costs one matrix-vector product with W[l+1]ᵀ, so a backward pass costs about
# as much as a forward pass, whatever the depth. Summing over paths instead costs one term
# per path: for width w and depth L that is w^(L−1) paths per first-layer weight.

# %%
for depth in (2, 4, 8, 16):
    print(f"width 16, depth {depth:>2}: {16 ** (depth - 1):>22,} paths per first-layer weight,"
          f" {depth} matrix-vector products for all δ's")

# %% [markdown]
# The recursion also shows where trouble comes from. Every δ[l] carries a factor
# f′(a[l]) from each layer above it. For the sigmoid f′ ≤ 1/4, so δ[1] in a deep sigmoid
# network is a product of many small numbers — the vanishing gradient of tutorial 7.
