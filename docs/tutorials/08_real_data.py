# %% [markdown]
# # 8. Real data
#
# *Lecture: "Classifying hand-written digits with neural networks and seeing the effect of
# hyperparameter choices."*
#
# Everything so far ran on a handful of points. This notebook takes the course to real
# tables and images: the **Heart** data of the lecture (303 patients, numeric and
# categorical columns), the 8 × 8 **digits**, and **MNIST**'s 28 × 28 digits; and it looks
# at how the hyperparameters — learning rate, width, activation — change the result.

# %%
import csv
import os
from pathlib import Path

import numpy as np
import matplotlib.pyplot as plt

from chainrule import data, nn, optim, train, viz

# %% [markdown]
# ## The Heart table and its categorical columns
#
# The lecture's table: 13 predictors and the response AHD (angiographic heart disease,
# Yes/No). It ships with chainrule; here are its first rows as stored:

# %%
with open(data.heart_csv_path(), newline="") as f:
    rows = list(csv.reader(f))
header, first = rows[0][1:], [r[1:] for r in rows[1:6]]
print("  ".join(f"{h:>10}" for h in header))
for r in first:
    print("  ".join(f"{v:>10}" for v in r))
assert first[0] == ["63", "1", "typical", "145", "233", "1", "2", "150", "0", "2.3", "3",
                    "0", "fixed", "No"]  # the lecture's first patient
assert len(rows) - 1 == 303

# %% [markdown]
# Two columns are **categorical**: ChestPain (typical, nontypical, nonanginal,
# asymptomatic) and Thal (fixed, normal, reversable). A network needs numbers, and coding
# them 0, 1, 2, 3 would invent an order and distances that do not exist. `data.heart()`
# **one-hot encodes** them — one 0/1 column per category — and drops the 6 patients with
# a missing value:

# %%
heart = data.heart()
print(heart.n_samples, "patients,", heart.n_features, "columns:")
print(heart.feature_names)
chest = [i for i, n in enumerate(heart.feature_names) if n.startswith("ChestPain=")]
assert heart.n_samples == 297 and len(chest) == 4
assert np.all(heart.X[:, chest].sum(axis=1) == 1)  # exactly one category per patient
print("first patient's ChestPain columns:", heart.X[0, chest], "→ typical")

# %% [markdown]
# A small network — one hidden layer of 8 ReLU units — with the inputs standardised on the
# training split (tutorial 7) and a little weight decay. The patients are split three
# ways, stratified so that each part keeps the proportion of AHD: training, validation
# (to watch while training) and test (touched once, at the end). In a notebook `fit`
# shows its progress as a table that fills in while it trains:

# %%
X_tr, X_va, X_te, y_tr, y_va, y_te = data.train_val_test_split(
    heart.X, heart.y, val_size=0.15, test_size=0.2, stratify=True, seed=0)
scaler = data.Standardizer().fit(X_tr)
model = nn.MLP(heart.n_features, [8], 1, seed=0)
history = train.fit(model, nn.default_loss(model.output_unit),
                    optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-2),
                    (scaler.transform(X_tr), y_tr), val_data=(scaler.transform(X_va), y_va),
                    epochs=30, batch_size=32, verbose=1)

# %%
report = train.evaluate(model, (scaler.transform(X_te), y_te), metrics=["accuracy", "f1"])
print(f"test accuracy {report['accuracy']:.3f}, F1 {report['f1']:.3f} on {len(y_te)} patients")
assert report["accuracy"] > 0.8

# %% [markdown]
# The `History` that `fit` returns plots itself: the training loss keeps falling while
# the validation loss is lowest around epoch 10 and then rises — from there on the
# network mostly learns the training patients by heart. `train.EarlyStopping` would stop
# it there and keep the best weights.

# %%
best_epoch = int(np.argmin(history["val_loss"])) + 1
assert 5 <= best_epoch <= 20 and history["val_loss"][-1] > min(history["val_loss"])
history

# %% [markdown]
# ## Digits
#
# 1,797 handwritten digits of 8 × 8 pixels (bundled with scikit-learn, so offline), ten
# classes: a softmax output unit with the cross-entropy loss.

# %%
digits = data.digits()
fig, axes = plt.subplots(1, 10, figsize=(10, 1.3))
for k, ax in enumerate(axes):
    ax.imshow(digits.X[digits.y == k][0].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(k))
    ax.axis("off")
plt.show()

# %%
D_tr, D_te, t_tr, t_te = data.train_test_split(digits.X, digits.y, test_size=0.2, seed=0,
                                               stratify=True)
dscaler = data.Standardizer().fit(D_tr)
dmodel = nn.MLP(64, [64], 10, seed=0)
train.fit(dmodel, nn.default_loss(dmodel.output_unit),
          optim.Adam(dmodel.parameters(), lr=1e-3), (dscaler.transform(D_tr), t_tr),
          epochs=20, batch_size=32, verbose=0)
pred = dmodel.predict(dscaler.transform(D_te))
acc = (pred == t_te).mean()
print(f"digits: test accuracy {acc:.3f}")
assert acc > 0.95
viz.plot_confusion_matrix(train.metrics.confusion_matrix(t_te, pred, 10),
                          class_names=digits.class_names)

# %% [markdown]
# ## MNIST
#
# 70,000 digits of 28 × 28 pixels: 60,000 to train, 10,000 to test. chainrule reads the
# four IDX files from a folder — `CHAINRULE_DATA`, or `../shared/data/mnist` beside the
# repository here — and checks each against its published SHA-256 (`chainrule train
# --dataset mnist` downloads them once when no folder has them). To keep this notebook
# fast it trains a small network (64 hidden units) on 10,000 images for two epochs;
# `chainrule train --dataset mnist` trains on all of them and reaches about 98 %.

# %%
def mnist_folder():
    """CHAINRULE_DATA (or its mnist/ subfolder), else ../shared/data/mnist beside the repo."""
    env = os.environ.get("CHAINRULE_DATA")
    candidates = [Path(env), Path(env) / "mnist"] if env else []
    here = Path.cwd().resolve()
    repo = next((p for p in [here, *here.parents] if (p / "pyproject.toml").is_file()), None)
    if repo is not None:
        candidates.append(repo.parent / "shared" / "data" / "mnist")
    found = [c for c in candidates if (c / "train-images-idx3-ubyte.gz").is_file()]
    return (found[0] if found else None), candidates


folder, looked_in = mnist_folder()
have_mnist = folder is not None
if not have_mnist:
    print("MNIST SKIPPED: no MNIST files in " + ", ".join(map(str, looked_in))
          + "; set CHAINRULE_DATA to the folder that holds them to run this part.")

# %%
if have_mnist:
    mnist = data.mnist(data_dir=folder, flatten=True, download=False, progress=False)
    M_tr, m_tr = mnist.train.X[:10000], mnist.train.y[:10000]
    mmodel = nn.MLP(784, [64], 10, seed=0)
    train.fit(mmodel, nn.default_loss(mmodel.output_unit),
              optim.Adam(mmodel.parameters(), lr=2e-3), (M_tr, m_tr), epochs=2,
              batch_size=64, verbose=0)
    m_acc = train.evaluate(mmodel, (mnist.test.X, mnist.test.y))["accuracy"]
    print(f"MNIST: test accuracy {m_acc:.4f} on the 10,000 test images")
    assert m_acc > 0.9
    wrong = np.flatnonzero(mmodel.predict(mnist.test.X[:500]) != mnist.test.y[:500])[:8]
    fig, axes = plt.subplots(1, len(wrong), figsize=(1.3 * len(wrong), 1.6))
    for ax, i in zip(np.atleast_1d(axes), wrong):
        ax.imshow(mnist.test.X[i].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{mnist.test.y[i]} → {mmodel.predict(mnist.test.X[i:i + 1])[0]}",
                     fontsize=9)
        ax.axis("off")
    fig.suptitle("some test digits it gets wrong (true → predicted)", fontsize=10, y=1.05)
    plt.show()

# %% [markdown]
# ## The effect of each hyperparameter, with chainrule sweep
#
# Which learning rate? Which activation? Trying combinations by hand is slow and easy to
# get wrong. `chainrule sweep` trains every configuration of a grid (or a random / TPE
# search) with the options of `chainrule train`, in parallel, records every trial in an
# Optuna study (a SQLite file in the sweep's folder, so an interrupted sweep resumes), and
# writes `trials.csv` (and an HTML report, skipped here with `--no-report`; `chainrule
# sweep report DIR` builds it). Here: the digits, one hidden layer of 32 units, 5 epochs
# of Adam, and a grid of three learning rates × two activations — the command first:

# %%
import subprocess
import sys
import tempfile

sweep_dir = Path(tempfile.mkdtemp()) / "digits-lr-activation"
command = ["sweep", str(sweep_dir), "--dataset", "digits", "--hidden", "32", "--epochs", "5",
           "--grid", "lr=0.001,0.01,0.1", "--grid", "activation=sigmoid,relu",
           "--workers", "2", "--quiet", "--no-report"]
print("chainrule " + " ".join(command))
done = subprocess.run([sys.executable, "-m", "chainrule.cli", *command],
                      capture_output=True, text=True, timeout=600)
print(done.stdout)
assert done.returncode == 0, done.stderr

# %%
with open(sweep_dir / "trials.csv", newline="") as f:
    trials = [r for r in csv.DictReader(f) if r["state"] == "COMPLETE"]
assert len(trials) == 6
acc = {(r["activation"], float(r["lr"])): float(r["val_accuracy"]) for r in trials}
lrs = [0.001, 0.01, 0.1]
fig, ax = plt.subplots(figsize=(6, 3.6))
for act in ("sigmoid", "relu"):
    ax.plot(lrs, [acc[act, lr] for lr in lrs], marker="o", label=act)
ax.set_xscale("log")
ax.set_xlabel("learning rate (Adam)")
ax.set_ylabel("validation accuracy after 5 epochs")
ax.grid(alpha=0.3)
ax.legend(title="activation")
plt.show()
for (act, lr), a in sorted(acc.items()):
    print(f"{act:>8}, lr {lr:<6}: validation accuracy {a:.3f}")

# %% [markdown]
# The learning rate matters most. At 0.001 five epochs are not enough to get far, with
# either activation; 0.01 is good for both. At 0.1 the ReLU network's steps overshoot and
# it falls back, while the sigmoid network, whose saturating units bound every
# activation, still does well. In a network this shallow the activation matters less than
# the rate — deep networks are another matter (tutorial 7).

# %%
best = max(acc, key=acc.get)
assert acc["relu", 0.01] > acc["relu", 0.001] and acc["relu", 0.01] > acc["relu", 0.1]
assert acc[best] > 0.95
print("best:", best, f"{acc[best]:.3f}")
