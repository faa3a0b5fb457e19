# %% [markdown]
# # 5. Output units and losses
#
# *Lecture: "Output layer & error function — often determined by the task & data."*
#
# | Task | Output unit z[L] = f(a[L]) | Error E (maximum likelihood) |
# |---|---|---|
# | regression | linear: y = a | squared error ½ Σ (t − y)² |
# | binary classification | logistic: y = σ(a) | cross-entropy −Σ [t log y + (1 − t) log(1 − y)] |
# | multiclass, K classes | softmax: y_k = e^{a_k} / Σ_j e^{a_j} | cross-entropy −Σ_k t_k log y_k |
#
# Each pair is the negative log-likelihood of a probability model (Gaussian, Bernoulli,
# categorical), and each pair has the same, simple output error:
# δ[L] = ∂E/∂a[L] = **y − t**. This notebook checks that, and shows why chainrule computes
# every pair as one **fused** function of the logits a — the unit and its loss together —
# rather than the unit first and the loss of its output second.

# %%
import numpy as np
import matplotlib.pyplot as plt

import chainrule as cr
from chainrule import data, nn, optim, train

np.set_printoptions(precision=5)

# %% [markdown]
# ## One output error for all three: δ = y − t
#
# For each pair, the gradient of the loss with respect to the logits, by `backward()`:

# %%
rng = np.random.default_rng(5)

# regression: linear unit, ½ (t − y)²
a = cr.Tensor(rng.normal(size=4), requires_grad=True)
t = rng.normal(size=4)
(0.5 * ((cr.Tensor(t) - a) ** 2).sum()).backward()
assert np.allclose(a.grad.data, a.data - t)

# binary: sigmoid unit with cross-entropy, fused
a = cr.Tensor(rng.normal(size=(4, 1)), requires_grad=True)
t = rng.integers(0, 2, size=(4, 1)).astype(float)
nn.BCEWithLogitsLoss(reduction="sum")(a, t).backward()
assert np.allclose(a.grad.data, cr.sigmoid(a).data - t)

# multiclass: softmax unit with cross-entropy, fused (integer labels)
a = cr.Tensor(rng.normal(size=(4, 3)), requires_grad=True)
labels = np.array([0, 2, 1, 2])
nn.CrossEntropyLoss(reduction="sum")(a, labels).backward()
onehot = np.eye(3)[labels]
assert np.allclose(a.grad.data, cr.softmax(a, axis=-1).data - onehot)
print("softmax + cross-entropy: ∂E/∂a =\n", a.grad.data)
print("y − t =\n", cr.softmax(a, axis=-1).data - onehot)

# %% [markdown]
# That is why tutorial 4 found δ[3] = y − t for the sigmoid network: the f′(a) of the unit
# and the 1/y of the logarithm cancel. The cancellation is exact in mathematics — and
# *only* there, unless the code does it too.
#
# ## Why fused: what goes wrong in floating point
#
# Take a confident, wrong binary prediction: a large negative logit a for an example with
# t = 1. The loss is −log σ(a) = log(1 + e^{−a}) ≈ −a. Composed naively, the unit first
# computes σ(a), which for a = −120 is about 10⁻⁵² — below the smallest float32, the
# precision networks train in, so it rounds to 0 and the loss becomes −log 0 = ∞. At
# a = −1000 even float64 underflows:

# %%
def naive_bce(a, t):
    y = cr.sigmoid(a)
    return -(t * cr.log(y) + (1 - t) * cr.log(1 - y)).sum()


rows = []
for logit in (-5.0, -40.0, -120.0, -1000.0):
    for dtype in (np.float32, np.float64):
        a_n = cr.Tensor(np.array([logit], dtype=dtype), requires_grad=True)
        with np.errstate(all="ignore"):
            loss_n = naive_bce(a_n, np.array([1.0], dtype=dtype))
            loss_n.backward()
        a_f = cr.Tensor(np.array([[logit]], dtype=dtype), requires_grad=True)
        loss_f = nn.BCEWithLogitsLoss(reduction="sum")(a_f, np.array([[1.0]], dtype=dtype))
        loss_f.backward()
        rows.append((logit, np.dtype(dtype).name, loss_n.item(), a_n.grad.item(),
                     loss_f.item(), a_f.grad.item()))

print(f"{'logit':>8} {'dtype':>8} | {'naive E':>10} {'naive ∂E/∂a':>12} | {'fused E':>10} {'fused ∂E/∂a':>12}")
for r in rows:
    print(f"{r[0]:>8g} {r[1]:>8} | {r[2]:>10.4g} {r[3]:>12.4g} | {r[4]:>10.4g} {r[5]:>12.4g}")

# %%
for logit, dtype, naive_E, naive_g, fused_E, fused_g in rows:
    exact_E = np.logaddexp(0.0, -logit)            # log(1 + e^{−a})
    assert np.isclose(fused_E, exact_E, rtol=1e-6), (logit, dtype)
    assert np.isclose(fused_g, -1 / (1 + np.exp(logit)), rtol=1e-6)  # y − t
assert not np.isfinite(rows[-1][2]) and not np.isfinite(rows[-1][3])  # naive: ∞ and nan

# %% [markdown]
# The fused form never builds σ(a) and then takes its log. It computes the same quantity
# from the logit directly, E = max(a, 0) − a t + log(1 + e^{−|a|}), which is finite for
# every a, and its gradient is σ(a) − t, which stays in [−1, 1]. The naive loss is off by
# *infinity* at a = −1000 and its gradient is not a number, so one such example poisons a
# whole batch of training.
#
# The softmax has the same trap, in both directions: e^{a} overflows for large logits, and
# the log of a probability that rounded to 0 is −∞. The fused cross-entropy uses
# log Σ e^{a_j} = m + log Σ e^{a_j − m} with m = max_j a_j:

# %%
logits = np.array([[1000.0, 0.0, -1000.0]])
with np.errstate(all="ignore"):
    naive_p = np.exp(logits) / np.exp(logits).sum()
    naive_ce = -np.log(naive_p[0, 1])
fused_ce = nn.CrossEntropyLoss()(cr.Tensor(logits), np.array([1])).item()
print("naive softmax:", naive_p, " naive E:", naive_ce)
print("fused E:", fused_ce)
assert np.isnan(naive_p).any() and fused_ce == 1000.0

# %% [markdown]
# ## What chainrule does about it
#
# A chainrule `MLP` returns the **logits** a[L] — `model(x)` does not apply the output
# unit. `nn.default_loss(model.output_unit)` picks the fused maximum-likelihood loss for
# the unit, and `predict_proba` / `predict` apply the unit when you want probabilities or
# labels:

# %%
for task in ("regression", "binary", "multiclass"):
    m = nn.MLP(4, [8], 1 if task != "multiclass" else 3, task=task)
    print(f"{task:>10}: output unit {m.output_unit:<8} loss {type(nn.default_loss(m.output_unit)).__name__}")
assert type(nn.default_loss("sigmoid")) is nn.BCEWithLogitsLoss
assert type(nn.default_loss("softmax")) is nn.CrossEntropyLoss
assert type(nn.default_loss("linear")) is nn.MSELoss

# %% [markdown]
# ## The three pairs at work
#
# One network per task, each trained with its default loss. The Heart table (binary: heart
# disease or not), the handwritten digits (10 classes), and a regression of the
# TensorFlow Playground's tilted plane.

# %%
def fit_and_score(X, y, task, out, epochs):
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, seed=0,
                                                   stratify=task != "regression")
    scaler = data.Standardizer().fit(X_tr)
    model = nn.MLP(X.shape[1], [16], out, task=task, seed=0)
    history = train.fit(model, nn.default_loss(model.output_unit),
                        optim.Adam(model.parameters(), lr=1e-2),
                        (scaler.transform(X_tr), y_tr), epochs=epochs, batch_size=32,
                        verbose=0)
    metrics = ["r2"] if task == "regression" else ["accuracy"]
    return model, history, train.evaluate(model, (scaler.transform(X_te), y_te),
                                          metrics=metrics)


heart = data.heart()
digits = data.digits()
plane = data.load_dataset("plane", n=400, seed=0)
_, h_heart, s_heart = fit_and_score(heart.X, heart.y, "binary", 1, 30)
_, h_digits, s_digits = fit_and_score(digits.X, digits.y, "multiclass", 10, 15)
_, h_plane, s_plane = fit_and_score(plane.X, plane.y.reshape(-1, 1), "regression", 1, 40)
print(f"heart  (sigmoid + BCE):          test accuracy {s_heart['accuracy']:.3f}")
print(f"digits (softmax + cross-entropy): test accuracy {s_digits['accuracy']:.3f}")
print(f"plane  (linear + MSE):            test R² {s_plane['r2']:.4f}")
assert s_heart["accuracy"] > 0.75 and s_digits["accuracy"] > 0.93 and s_plane["r2"] > 0.98

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.3))
for ax, (name, h) in zip(axes, [("heart: sigmoid + BCE", h_heart),
                                ("digits: softmax + cross-entropy", h_digits),
                                ("plane: linear + MSE", h_plane)]):
    ax.plot(np.arange(1, len(h["loss"]) + 1), h["loss"], marker="o", ms=3)
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("epoch")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("training loss")
fig.tight_layout()
plt.show()

# %% [markdown]
# Each loss falls steadily: with the fused pairs, the error signal that reaches the last
# layer is y − t, never larger than the mistake, never infinite. The next tutorial looks
# at what gradient descent does with that signal.
