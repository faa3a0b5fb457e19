# %% [markdown]
# # 1. The neuron
#
# *Lecture: "What is a neuron? How does it relate to logistic regression? What are common
# activation functions?"*
#
# A neuron is a linear function of its input followed by a (typically) non-linear
# **activation function** σ:
#
# a = σ(b + wᵀx) = σ(b + w₁x₁ + … + w_d x_d)
#
# Its **learnable parameters** are the weights w ∈ ℝᵈ and the bias b ∈ ℝ; the activation
# is a **hyperparameter**, chosen by us. This notebook builds one neuron with chainrule,
# looks at the activation functions and their derivatives, and reproduces the lecture's
# pictures of what a single neuron can do.

# %%
import numpy as np
import matplotlib.pyplot as plt

import chainrule as cr
from chainrule import nn, optim, train, viz

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## One neuron is logistic regression
#
# With the logistic (sigmoid) activation σ(z) = 1 / (1 + e⁻ᶻ), a neuron outputs a number
# in (0, 1) that we read as a probability: P(y = 1 | x; w) = σ(wᵀx + b). That is exactly
# the model of **logistic regression** — the answer to the lecture's quiz is C.
#
# In chainrule a neuron is a `Linear` layer with one output followed by an activation.
# We set the weights by hand to the lecture's first example, w = [10, 5], b = −1:

# %%
neuron = nn.Sequential(nn.Linear(2, 1, dtype=np.float64), nn.Sigmoid())
neuron[0].weight.data[:] = [[10.0, 5.0]]
neuron[0].bias.data[:] = [-1.0]
neuron

# %%
x = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0]])
a = neuron(x).data[:, 0]
by_hand = 1 / (1 + np.exp(-(x @ np.array([10.0, 5.0]) - 1.0)))
print("a =", a)
assert np.allclose(a, by_hand, rtol=1e-15)
assert a[1] == 0.5  # on the line b + wᵀx = 0 the neuron is exactly undecided

# %% [markdown]
# ## Activation functions and their derivatives
#
# Backpropagation needs the derivative of every activation. chainrule never asks us to
# write them: the autodiff core computes σ′(z) from the same primitive rules it uses for
# training (`viz.activation_curve` pushes a tangent of ones through the activation in
# forward mode). Solid lines are f, dashed lines f′.

# %%
viz.plot_activations(["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus",
                      "elu", "step"])

# %% [markdown]
# The lecture's identities, checked against the autodiff derivatives on a grid of points:
#
# * σ′(z) = σ(z)(1 − σ(z)), largest at z = 0 where it is 1/4;
# * tanh′(z) = 1 − tanh²(z), and tanh(z) = 2σ(2z) − 1;
# * ReLU(z) = max(0, z) has derivative 0 for z < 0 and 1 for z > 0;
# * softplus(z) = log(1 + eᶻ) has derivative σ(z): a smooth ReLU.

# %%
z = np.linspace(-6, 6, 241)
s, ds = viz.activation_curve("sigmoid", z)
t, dt = viz.activation_curve("tanh", z)
r, dr = viz.activation_curve("relu", z)
sp, dsp = viz.activation_curve("softplus", z)

assert np.allclose(ds, s * (1 - s), atol=1e-15)
assert ds.max() == 0.25 and z[ds.argmax()] == 0.0
assert np.allclose(dt, 1 - t**2, atol=1e-15)
assert np.allclose(t, 2 * viz.activation_curve("sigmoid", 2 * z)[0] - 1, atol=1e-15)
assert np.array_equal(dr, (z > 0).astype(float))
assert np.allclose(dsp, s, atol=1e-15)
print("sigmoid'(0) =", ds[z == 0][0], "  max over the grid:", ds.max())

# %% [markdown]
# **Where does each activation output 0?** (the lecture's question) — identity at z = 0,
# sigmoid never (only in the limit z → −∞), tanh at z = 0, ReLU for every z ≤ 0, leaky
# ReLU at z = 0 only:

# %%
grid = np.linspace(-3, 3, 7)
for name in ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]:
    f, _ = viz.activation_curve(name, grid)
    print(f"{name:>10}: zero at z = {grid[f == 0]}")
assert not np.any(viz.activation_curve("sigmoid", grid)[0] == 0)

# %% [markdown]
# ## What can one neuron do?
#
# The lecture draws σ(b + wᵀx) over the plane for four settings of (w, b). The neuron is
# 1/2 on the **line** b + wᵀx = 0, close to 1 on the side w points to and close to 0 on
# the other; the size of w sets how sharp the step across the line is.

# %%
settings = [([10, 5], -1), ([10, 5], 15), ([-7, 5], 15), ([-70, 50], 150)]
u = np.linspace(-4, 4, 201)
X1, X2 = np.meshgrid(u, u)
points = np.column_stack([X1.ravel(), X2.ravel()])

fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), sharey=True)
for ax, (w, b) in zip(axes, settings):
    out = cr.sigmoid(cr.Tensor(points @ np.array(w, float) + b)).data.reshape(X1.shape)
    im = ax.contourf(X1, X2, out, levels=np.linspace(0, 1, 11), cmap="RdYlGn")
    ax.contour(X1, X2, out, levels=[0.5], colors="k", linewidths=1)
    ax.set_title(f"w = {w}, b = {b}")
    ax.set_xlabel("x₁")
axes[0].set_ylabel("x₂")
fig.colorbar(im, ax=axes, shrink=0.8, label="σ(b + wᵀx)")
plt.show()

# %% [markdown]
# The last two panels have the *same* line: (w, b) = (−70, 50, 150) is ten times
# (−7, 5, 15). Scaling the weights does not move the boundary, it only steepens the
# transition — one neuron with large weights behaves like a step function.

# %%
def line_x2(w, b, x1):
    """x₂ on the neuron's line b + w₁x₁ + w₂x₂ = 0."""
    return -(b + w[0] * x1) / w[1]

x1 = np.array([-2.0, 0.0, 2.0])
assert np.allclose(line_x2([-7, 5], 15, x1), line_x2([-70, 50], 150, x1))


def steepness(w, b):
    """|∂a/∂x| at a point of the line: σ'(0)·|w| = |w|/4 (by autodiff)."""
    w = np.array(w, float)
    on_line = np.array([0.0, line_x2(w, b, 0.0)])
    g = cr.grad(lambda x: cr.sigmoid((x * w).sum() + b))(on_line)
    return np.linalg.norm(g.data)


print("steepness across the line:", steepness([-7, 5], 15), "and", steepness([-70, 50], 150))
assert np.isclose(steepness([-7, 5], 15), np.hypot(7, 5) / 4)
assert np.isclose(steepness([-70, 50], 150), 10 * steepness([-7, 5], 15))

# %% [markdown]
# ## Choosing the weights of a separating line by hand
#
# The lecture's recipe for weights that make wᵀx + b > 0 on the green points and < 0 on
# the red ones:
#
# 1. draw a line separating the classes;
# 2. write its equation: here x₂ = 0.5 x₁ + 1.5, i.e. −0.5x₁ + x₂ − 1.5 = 0 (A) or
#    0.5x₁ − x₂ + 1.5 = 0 (B);
# 3. check the sign on each side, for instance at (0, 0) where the value is just b:
#    A gives −1.5, B gives +1.5;
# 4. choose the one that is positive on the green side.
#
# The lecture's data are in its figure; we draw points on both sides of the same line,
# with the green class on the side of the origin (below the line):

# %%
rng = np.random.default_rng(0)
P = rng.uniform(-4, 4, size=(80, 2))
P = P[np.abs(-0.5 * P[:, 0] + P[:, 1] - 1.5) > 0.6]  # leave a margin around the line
green = P[:, 1] < 0.5 * P[:, 0] + 1.5

A = (np.array([-0.5, 1.0]), -1.5)
B = (np.array([0.5, -1.0]), 1.5)
value_at_origin = {"A": float(A[0] @ [0, 0] + A[1]), "B": float(B[0] @ [0, 0] + B[1])}
print("value at (0, 0):", value_at_origin)
assert value_at_origin == {"A": -1.5, "B": 1.5}

w, b = B  # the origin is green, so B is the choice: w = [0.5, -1], b = 1.5
assert np.array_equal(P @ w + b > 0, green)
print("w = [0.5, -1], b = 1.5 separates all", len(P), "points")

# %% [markdown]
# The weight vector w is perpendicular to the line and points to the side where
# wᵀx + b > 0 — here, the green side:

# %%
fig, ax = plt.subplots(figsize=(4.8, 4.8))
ax.scatter(*P[green].T, c="tab:green", s=18, label="green: wᵀx + b > 0")
ax.scatter(*P[~green].T, c="tab:red", s=18, label="red: wᵀx + b < 0")
ax.plot(u, 0.5 * u + 1.5, "k-", lw=1.2, label="x₂ = 0.5 x₁ + 1.5")
ax.annotate("", xy=(1 + 2 * w[0], 2 + 2 * w[1]), xytext=(1, 2),  # 2w, from the line
            arrowprops=dict(arrowstyle="-|>", lw=2, color="tab:blue", mutation_scale=18))
ax.text(2.15, 0.35, "w", color="tab:blue", fontsize=13, weight="bold")
ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="x₁", ylabel="x₂", aspect="equal")
ax.legend(loc="lower left", fontsize=8, framealpha=0.95)
plt.show()

# %% [markdown]
# The lecture's second exercise: the line x₂ = x₁ − 2, written −x₁ + x₂ + 2 = 0 (A) or
# x₁ − x₂ − 2 = 0 (B). At the origin A gives +2 and B gives −2; with the green class on the
# origin's side the answer is **w = [−1, 1], b = 2**.

# %%
A2, B2 = (np.array([-1.0, 1.0]), 2.0), (np.array([1.0, -1.0]), -2.0)
assert (A2[1], B2[1]) == (2.0, -2.0)
Q = rng.uniform(-4, 4, size=(80, 2))
Q = Q[np.abs(Q[:, 1] - Q[:, 0] + 2) > 0.6]
green2 = Q[:, 1] > Q[:, 0] - 2  # the origin's side
assert np.array_equal(Q @ A2[0] + A2[1] > 0, green2)

# %% [markdown]
# ## Learning the line instead
#
# Choosing weights by hand does not scale. The lecture's gradient descent for logistic
# regression repeats
#
# ∇ = Σᵢ (σ(wᵀxᵢ + b) − yᵢ) xᵢ,  w ← w − α∇
#
# chainrule computes that gradient by differentiating the loss; first we check that
# `backward()` gives exactly the lecture's formula, then we let `fit` learn a neuron.

# %%
Xg, yg = P, green.astype(np.float64)
w_t = cr.Tensor(np.array([0.3, -0.2]), requires_grad=True)
b_t = cr.Tensor(np.float64(0.1), requires_grad=True)
p = cr.sigmoid(cr.Tensor(Xg) @ w_t + b_t)
loss = -(cr.Tensor(yg) * cr.log(p) + (1 - cr.Tensor(yg)) * cr.log(1 - p)).sum()
loss.backward()
formula = ((p.data - yg)[:, None] * Xg).sum(axis=0)
print("backward():", w_t.grad.data, "   lecture's formula:", formula)
assert np.allclose(w_t.grad.data, formula, rtol=1e-12)
assert np.isclose(b_t.grad.item(), (p.data - yg).sum(), rtol=1e-12)

# %%
model = nn.MLP(2, [], 1, seed=0, dtype=np.float64)  # no hidden layer: one sigmoid neuron
history = train.fit(model, nn.default_loss(model.output_unit),
                    optim.GradientDescent(model.parameters(), lr=0.5),
                    (Xg, yg[:, None]), epochs=200, batch_size=len(Xg), verbose=0)
W_learned = model.layers[0].weight.data[0]
b_learned = model.layers[0].bias.data[0]
print(f"final loss {history['loss'][-1]:.4f}, accuracy {history['accuracy'][-1]:.3f}")
print("learned w, b:", W_learned, b_learned)
assert history["accuracy"][-1] == 1.0
# the learned line points the same way as the hand-made one (w ∝ [0.5, -1])
cos = W_learned @ w / (np.linalg.norm(W_learned) * np.linalg.norm(w))
assert cos > 0.95, cos

# %%
# shaded by the neuron's output, the probability of the green class (class 1)
fig = viz.plot_decision_boundary(model, Xg, yg)
fig.axes[0].plot(u, 0.5 * u + 1.5, "k--", label="the lecture's line")
fig.axes[0].legend(loc="lower right")
fig

# %% [markdown]
# **What one neuron cannot do.** Its decision boundary is always a straight line: a
# single neuron separates only classes that a line separates. The next tutorial stacks
# neurons to get past that limit, starting with the classic counter-example, XOR.
