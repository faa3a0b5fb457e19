# %% [markdown]
# # 7. Vanishing gradients
#
# *Lecture: "The deeper the network, the smaller the gradients become in the early
# layers, i.e. harder to train the early layers."*
#
# Tutorial 4 wrote the gradient of a first-layer weight as the δ recursion unrolled:
#
# ∂E/∂W[1] = δ[1] xᵀ,  δ[1] = σ′(a[1]) ⊙ W[2]ᵀ (σ′(a[2]) ⊙ W[3]ᵀ (⋯ δ[L]))
#
# one factor σ′(a[l]) per layer. For the sigmoid σ′(a) = σ(a)(1 − σ(a)) ≤ 0.25, so with
# weights of moderate size δ[1] shrinks roughly geometrically with depth. ReLU's
# derivative is 0 or 1, and tanh's is 1 at 0. This notebook measures the effect, watches it
# stop a deep sigmoid network from learning, and looks at its cousin: saturated units
# caused by unstandardised inputs.

# %%
import numpy as np
import matplotlib.pyplot as plt

from chainrule import data, explain, nn, optim, train, viz

# %% [markdown]
# ## Gradient norms, layer by layer
#
# The same deep network — 8 hidden layers of 16 units, the same Glorot-initialised
# weights, the same data — once with sigmoid and once with ReLU hidden units. For each
# layer l, the norm of ∂E/∂W[l] after one backward pass:

# %%
norms = explain.vanishing_gradient_demo(depth=8, width=16, seed=0)
viz.plot_gradient_norms(norms, title="‖∂E/∂W[l]‖ in a network of 8 hidden layers")

# %%
for name, v in norms.items():
    print(f"{name:>8}: first layer {v[0]:.2e}, last layer {v[-1]:.2e}, ratio {v[0] / v[-1]:.1e}")
sig, relu = norms["sigmoid"], norms["relu"]
assert sig[0] / sig[-1] < 1e-4            # five orders of magnitude lost over 9 layers
assert 0.1 < relu[0] / relu[-1] < 10      # ReLU keeps every layer's gradient of one size
steps = sig[1:] / sig[:-1]                # how much larger each layer's norm is than the one below
print("sigmoid, norm of layer l+1 / norm of layer l:", steps.round(1))
assert np.all(steps > 2)                  # with the sigmoid, each layer down is much smaller

# %% [markdown]
# With the sigmoid, each layer further from the output receives a gradient about five
# times smaller than the layer above it (between 2.5 and 12 here: the slope of the line
# on the log scale), so the first layer's is a few millionths of the last one's. With ReLU the norms stay within a factor of two.
#
# ## What it does to training
#
# Gradient descent updates each weight in proportion to its gradient, so the first layers
# of the deep sigmoid network hardly move. Six hidden layers of 32 units on the digits
# (10 classes), the same plain SGD (λ = 0.1) for both, and `explain.GradientDiagnostics`
# recording the mean gradient norm of every layer during training:

# %%
digits = data.digits()
X_tr, X_te, y_tr, y_te = data.train_test_split(digits.X, digits.y, test_size=0.25, seed=0,
                                               stratify=True)
scaler = data.Standardizer().fit(X_tr)
X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)

results = {}
for act in ("sigmoid", "relu"):
    model = nn.MLP(64, [32] * 6, 10, activation=act, seed=0)
    diag = explain.GradientDiagnostics()
    history = train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                        (X_tr, y_tr), epochs=10, batch_size=32, verbose=0, callbacks=[diag])
    test = train.evaluate(model, (X_te, y_te))["accuracy"]
    results[act] = (history, diag, test)
    first, last = diag.epoch_grad_norms[-1][0], diag.epoch_grad_norms[-1][-1]
    print(f"{act:>8}: test accuracy {test:.3f}; last epoch's gradient norm, "
          f"first layer {first:.1e}, output layer {last:.1e}")

# %%
assert results["sigmoid"][2] < 0.2      # stuck near chance (10 classes)
assert results["relu"][2] > 0.93
g = np.array(results["sigmoid"][1].epoch_grad_norms)
assert np.all(g[:, 0] < g[:, -1] / 100)  # every epoch: the first layer gets < 1% of the last

# %%
results["sigmoid"][1]

# %% [markdown]
# The deep sigmoid network's first layer receives a gradient about a thousand times
# smaller than its output layer's, epoch after epoch, and the network stays at chance
# level (10 %). The ReLU network, same depth, same optimiser, reaches about 95 % on the
# test digits:

# %%
results["relu"][1]

# %% [markdown]
# Remedies, all in chainrule: ReLU-family activations (`activation="relu"`,
# `"leaky_relu"`, `"elu"`), initialisations scaled to the layer's width (`nn.init`: He
# for ReLU, Glorot for sigmoid and tanh — `nn.MLP` picks them), adaptive optimisers such as
# Adam that rescale each weight's step (try `optim.Adam` in the loop above), and shallower
# networks.
#
# ## Saturated units: why standardise the inputs
#
# A sigmoid unit also stops passing gradient when its input a is large in size, whatever
# the depth: σ′(a) < 0.01 once |a| > 4.6. The Heart table's columns have very different
# scales — cholesterol around 250, age around 55, the one-hot columns 0 or 1 — so the
# first layer's pre-activations W[1]x + b[1] are large, and most sigmoid units sit in a
# flat tail. `GradientDiagnostics(probe=X)` measures the fraction of saturated unit
# outputs (below 0.01 or above 0.99) at the end of each epoch:

# %%
heart = data.heart()
X_h = heart.X.astype(np.float32)
y_h = heart.y.astype(np.float32)[:, None]
print("column means:", {k: round(float(v), 1) for k, v in zip(heart.feature_names, X_h.mean(0))})


def heart_run(X):
    model = nn.MLP(X.shape[1], [16], 1, activation="sigmoid", seed=0)
    diag = explain.GradientDiagnostics(probe=X)
    history = train.fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=1e-2),
                        (X, y_h), epochs=30, batch_size=32, verbose=0, callbacks=[diag])
    saturated = [s[0]["saturated"] for s in diag.activation_stats]
    return history, saturated


raw_hist, raw_sat = heart_run(X_h)
std_hist, std_sat = heart_run(data.Standardizer().fit(X_h).transform(X_h))
print(f"raw inputs:          {raw_sat[0]:.0%} of hidden outputs saturated, "
      f"training accuracy {raw_hist['accuracy'][-1]:.3f}")
print(f"standardised inputs: {std_sat[0]:.0%} saturated, "
      f"training accuracy {std_hist['accuracy'][-1]:.3f}")

# %%
assert raw_sat[0] > 0.9 and std_sat[0] < 0.01
assert std_hist["accuracy"][-1] > raw_hist["accuracy"][-1] + 0.05
assert std_hist["loss"][-1] < 0.7 * raw_hist["loss"][-1]

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
epochs = np.arange(1, 31)
axes[0].plot(epochs, raw_hist["loss"], label="raw inputs")
axes[0].plot(epochs, std_hist["loss"], label="standardised inputs")
axes[0].set_ylabel("training loss")
axes[1].plot(epochs, raw_sat, label="raw inputs")
axes[1].plot(epochs, std_sat, label="standardised inputs")
axes[1].set_ylabel("fraction of saturated hidden outputs")
axes[1].set_ylim(-0.02, 1.02)
for ax in axes:
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Standardising — subtracting each column's training mean and dividing by its standard
# deviation (`data.Standardizer`, fitted on the training split only) — puts every input on
# the same scale, keeps the first layer's units in the sigmoid's sloped middle, and lets
# the gradient through. `chainrule train` does it by default for tabular data.
