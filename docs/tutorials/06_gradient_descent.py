# %% [markdown]
# # 6. Gradient descent and its variants
#
# *Lecture: "L is decreasing in the direction of the negative derivative."*
#
# Gradient descent repeats w⁽ⁱ⁺¹⁾ = w⁽ⁱ⁾ − λ dL/dw. The lecture leaves open questions:
# how to set the learning rate λ, how to avoid local minima, and what to do when the loss
# sums over hundreds of thousands of examples. This notebook answers them on small
# problems you can see, then races the variants — mini-batch SGD, momentum, Adam and
# L-BFGS — on the same network.

# %%
import numpy as np
import matplotlib.pyplot as plt

import chainrule as cr
from chainrule import data, nn, optim, train

# %% [markdown]
# ## The learning rate
#
# One weight, L(w) = (w − 2)², so dL/dw = 2(w − 2) and the minimum is at w = 2. Starting
# from w = −1, each step multiplies the distance to the minimum by (1 − 2λ): a small λ
# crawls, λ = 0.5 lands in one step, and λ > 1 makes |1 − 2λ| > 1 — every step
# overshoots further and gradient descent **diverges**.

# %%
loss_1d = lambda w: (w - 2.0) ** 2  # noqa: E731
dloss = cr.grad(loss_1d)


def descend(lam, w=-1.0, steps=12):
    path = [w]
    for _ in range(steps):
        w = w - lam * dloss(np.float64(w)).item()
        path.append(w)
    return np.array(path)


paths = {lam: descend(lam) for lam in (0.05, 0.3, 0.5, 0.9, 1.05)}
fig, ax = plt.subplots(figsize=(7, 3.5))
for lam, p in paths.items():
    ax.plot(p, marker="o", ms=3, label=f"λ = {lam}")
ax.axhline(2.0, color="k", lw=0.8, ls=":")
ax.set_xlabel("step")
ax.set_ylabel("w")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()

# %%
for lam, p in paths.items():  # each step multiplies w − 2 by (1 − 2λ)
    assert np.allclose(p[1:] - 2, (1 - 2 * lam) * (p[:-1] - 2))
assert paths[0.5][1] == 2.0 and abs(paths[1.05][-1] - 2) > 3

# %% [markdown]
# ## Local minima
#
# For a non-convex loss, the starting point decides which minimum gradient descent finds.
# L(w) = w⁴ − 3w² + w has a global minimum near w = −1.30 and a local one near w = 1.13:

# %%
quartic = lambda w: w**4 - 3 * w**2 + w  # noqa: E731
dq = cr.grad(quartic)
ends = {}
for start in (-2.0, -0.5, 0.5, 2.0):
    w = start
    for _ in range(200):
        w -= 0.01 * dq(np.float64(w)).item()
    ends[start] = w
    print(f"start {start:+.1f} → w = {w:+.4f}, L = {quartic(w):+.4f}")
assert np.isclose(ends[-2.0], -1.3008, atol=1e-3) and np.isclose(ends[2.0], 1.1309, atol=1e-3)

# %% [markdown]
# ## A long valley: why momentum and Adam
#
# Plain gradient descent struggles when the loss is steep in one direction and flat in
# another — the typical shape of a network's loss. The gradient points across the valley,
# not along it, so a λ small enough not to diverge across is too small to travel along.
# Below, L(w) = ½(w₁² + 25 w₂²) from w = (−9, 1.6), 60 steps of each optimiser from
# `chainrule.optim`, used directly on a tensor:
#
# * **momentum** (SGD with momentum 0.5) accumulates a velocity, so consistent gradient
#   components add up and oscillating ones cancel;
# * **Adam** divides each component by a running estimate of its size, so every direction
#   moves at a similar pace, set by λ;
# * **L-BFGS** builds a model of the curvature from recent gradients and takes
#   Newton-like steps (with a line search): a few steps suffice on a quadratic.

# %%
def valley(w):
    return 0.5 * (w[0] ** 2 + 25.0 * w[1] ** 2)


def run(make_opt, steps=60):
    w = cr.Tensor(np.array([-9.0, 1.6]), requires_grad=True)
    opt = make_opt([w])
    path = [w.data.copy()]
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = valley(w)
            loss.backward()
            return loss
        if getattr(opt, "needs_closure", False):
            opt.step(closure)
        else:
            closure()
            opt.step()
        path.append(w.data.copy())
    return np.array(path)


runs = {
    "gradient descent, λ = 0.07": run(lambda p: optim.GradientDescent(p, lr=0.07)),
    "momentum 0.5, λ = 0.1": run(lambda p: optim.SGD(p, lr=0.1, momentum=0.5)),
    "Adam, λ = 1": run(lambda p: optim.Adam(p, lr=1.0)),
    "L-BFGS (10 steps)": run(lambda p: optim.LBFGS(p, max_iter=1), steps=10),
}
u1, u2 = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-2.2, 2.2, 200))
fig, ax = plt.subplots(figsize=(9, 4))
ax.contour(u1, u2, 0.5 * (u1**2 + 25 * u2**2), levels=np.geomspace(0.05, 120, 14),
           colors="0.75", linewidths=0.8)
for name, p in runs.items():
    ax.plot(p[:, 0], p[:, 1], marker="o", ms=2.5, lw=1.2, label=name)
ax.plot(0, 0, "k*", ms=12)
ax.set_xlabel("w₁")
ax.set_ylabel("w₂")
ax.legend(fontsize=8, loc="upper right")
ax.set_title("L = ½(w₁² + 25 w₂²): 60 steps (L-BFGS: 10)")
plt.show()

# %%
final = {name: float(np.linalg.norm(p[-1])) for name, p in runs.items()}
zigzags = {name: int(np.sum(np.diff(np.sign(p[:, 1])) != 0)) for name, p in runs.items()}
for name in runs:
    print(f"{name:<28} distance to the minimum at the end {final[name]:.1e}, "
          f"w₂ changed sign {zigzags[name]} times")
gd, mom, adam, lbfgs = runs
assert final[mom] < 1e-6 and final[lbfgs] < 1e-6 and final[gd] > 0.1
assert zigzags[gd] == 60 and zigzags[adam] < 15

# %% [markdown]
# With λ = 0.07, gradient descent zig-zags across the valley at every step (the w₂
# direction has curvature 25, so its factor per step is 1 − 25·0.07 = −0.75) while
# creeping along w₁ (factor 0.93 per step). Momentum reaches the minimum to within 10⁻⁸
# (its swings across the valley shrink fast); L-BFGS needs ten steps. Adam heads almost
# straight for the minimum, but with a constant λ its steps keep a size of about λ, so it
# hovers around the minimum instead of settling — which is why it is often paired with a decaying
# learning rate (`optim.CosineAnnealingLR`, `optim.StepLR`, ...).
#
# ## Mini-batches
#
# The loss of a dataset is a sum over its examples. The lecture's **stochastic** gradient
# descent uses a small random subset — a mini-batch — for each step: an unbiased, noisy
# estimate of the full gradient that costs a fraction of it. Here is how noisy, for the
# Playground's circle data and a small network:

# %%
ds = data.circle(n=600, noise=0.0, seed=0, dtype=np.float64)
X, y = ds.X / 5.0, ds.y.astype(np.float64)[:, None]
model = nn.MLP(2, [8], 1, activation="tanh", seed=0, dtype=np.float64)
loss_fn = nn.BCEWithLogitsLoss()


def gradient(rows):
    model.zero_grad()
    loss_fn(model(X[rows]), y[rows]).backward()
    return np.concatenate([p.grad.data.ravel() for p in model.parameters()])


full = gradient(np.arange(len(X)))
rng = np.random.default_rng(0)
mean_cos = {}
for batch in (8, 32, 128):
    est = np.array([gradient(rng.choice(len(X), batch, replace=False)) for _ in range(100)])
    cos = est @ full / (np.linalg.norm(est, axis=1) * np.linalg.norm(full))
    mean_cos[batch] = cos.mean()
    print(f"batch {batch:>3}: mean cosine between the batch and the full gradient {cos.mean():.2f}")
assert mean_cos[8] < mean_cos[32] < mean_cos[128]

# one epoch of disjoint batches of 30 (a partition of the 600 points): their average is
# exactly the full gradient, since the loss is the mean over examples
order = rng.permutation(len(X))
epoch_mean = np.mean([gradient(order[i:i + 30]) for i in range(0, len(X), 30)], axis=0)
assert np.allclose(epoch_mean, full, rtol=1e-10, atol=1e-14)

# %% [markdown]
# A single small batch points only roughly downhill — at this starting point, a batch of
# 8 is barely better than a random direction — but the batch gradients of one pass over
# the data average exactly to the full gradient, and a small batch buys many more steps
# per pass. Bigger batches point more reliably downhill. In practice 32–256 is a good
# compromise.
#
# ## The race: the same network, five optimisers
#
# The circle data, an MLP with one hidden layer of 8 tanh units, the same initial weights
# for every optimiser, 40 passes (epochs) over the 600 points:
#
# * full-batch gradient descent takes one step per epoch;
# * mini-batch SGD, momentum and Adam take 600/32 ≈ 19 steps per epoch;
# * L-BFGS takes one full-batch step per epoch, of up to 20 inner iterations.

# %%
def race(make_opt, batch_size):
    model = nn.MLP(2, [8], 1, activation="tanh", seed=0, dtype=np.float64)
    return train.fit(model, nn.BCEWithLogitsLoss(), make_opt(model.parameters()), (X, y),
                     epochs=40, batch_size=batch_size, verbose=0, seed=0)


histories = {
    "gradient descent (full batch, λ = 0.5)":
        race(lambda p: optim.GradientDescent(p, lr=0.5), len(X)),
    "SGD (batch 32, λ = 0.05)": race(lambda p: optim.SGD(p, lr=0.05), 32),
    "momentum 0.9 (batch 32, λ = 0.05)":
        race(lambda p: optim.SGD(p, lr=0.05, momentum=0.9), 32),
    "Adam (batch 32, λ = 0.01)": race(lambda p: optim.Adam(p, lr=0.01), 32),
    "L-BFGS (full batch)": race(lambda p: optim.LBFGS(p), len(X)),
}

fig, axes = plt.subplots(1, 2, figsize=(13, 4))
for name, h in histories.items():
    epochs = np.arange(1, len(h["loss"]) + 1)
    axes[0].plot(epochs, h["loss"], label=name)
    axes[1].plot(epochs, h["accuracy"], label=name)
axes[0].set_yscale("log")
axes[0].set_ylabel("training loss (cross-entropy)")
axes[1].set_ylabel("training accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
last = {name: h["loss"][-1] for name, h in histories.items()}
for name, v in last.items():
    print(f"{name:<40} final loss {v:.4f}, accuracy {histories[name]['accuracy'][-1]:.3f}")
gd, sgd, mom, adam, lb = last.values()
assert gd > sgd > mom and adam < sgd and lb < gd
assert all(h["loss"][-1] < h["loss"][0] for h in histories.values())

# %% [markdown]
# Per pass over the data, full-batch gradient descent is the slowest: one step per epoch.
# Mini-batches buy many more steps for the same work; momentum and Adam make each step
# count. L-BFGS is strong on a small full-batch problem like this one, but needs the
# whole dataset for every step (and a deterministic loss), so mini-batch Adam and SGD
# with momentum are what large networks use.
#
# Every `fit` returns a `History`; in a notebook it shows as its curves:

# %%
histories["Adam (batch 32, λ = 0.01)"]
