# %% [markdown]
# # 9. The playground
#
# *Lecture: "[playground.tensorflow.org](https://playground.tensorflow.org/)"*
#
# The lecture sends you to the TensorFlow Playground to *watch* a network learn.
# chainrule has its own, built on the same library as these tutorials, and it adds what
# the course is about: click any training point and read every neuron's a, z, f′(a), δ and
# ∂L/∂w — the numbers of tutorials 3 and 4 — for the current weights.
#
# Start it on your machine (it needs the playground extra: `pip install -e ".[playground]"`):
#
# ```bash
# chainrule playground --port 8765 --open
# ```
#
# Every set-up below is a **link**: with the playground running on port 8765, it opens the
# page with the data, features, network and optimiser already chosen. Press ▶ and watch.
# Under each link, this notebook runs the same set-up on the playground's own server (in
# process, no browser) and checks that it does what the text says.

# %%
import warnings
from urllib.parse import urlencode

from IPython.display import Markdown, display

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from starlette.testclient import TestClient  # noqa: E402

from chainrule.playground import create_app  # noqa: E402

PAGE = "http://127.0.0.1:8765/"
client = TestClient(create_app())


def link(title, **setup):
    """A link that opens the playground with this set-up (lists joined by commas)."""
    fields = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in setup.items()}
    url = PAGE + "#" + urlencode(fields, safe=",")
    display(Markdown(f"**[{title}]({url})**"))
    return setup


def train(setup, epochs):
    """Create a session with ``setup``, train ``epochs`` epochs, return the last frame."""
    reply = client.post("/api/sessions", json=setup)
    assert reply.status_code == 200, reply.text  # the server accepts the set-up as linked
    sid = reply.json()["id"]
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        frame = ws.receive_json()
        for _ in range(epochs):
            ws.send_json({"cmd": "step"})
            frame = ws.receive_json()
    client.delete(f"/api/sessions/{sid}")
    return frame


def report(frame):
    acc = frame["accuracy"]
    print(f"after {frame['epoch']} epochs: train loss {frame['train_loss']:.3f}, "
          f"accuracy train {acc['train']:.2f} / test {acc['test']:.2f}")

# %% [markdown]
# ## 1. One neuron draws one line
#
# Two Gaussian blobs and **no hidden layer**: the network is a single sigmoid neuron,
# logistic regression (tutorial 1). Watch the boundary settle as a straight line. Then
# drag a weight on the page and see the line turn.

# %%
one_neuron = link("Gaussian blobs, one neuron", dataset="gaussian", hidden=[],
                  features=["x1", "x2"])
frame = train(one_neuron, 20)
report(frame)
assert frame["accuracy"]["test"] == 1.0

# %% [markdown]
# ## 2. The circle: a line is not enough — unless the features change
#
# The same single neuron on the circle data stays near chance: no line separates a disc
# from the ring around it. Now tick the features x₁² and x₂² instead of x₁, x₂: in those
# coordinates the disc *is* on one side of a line (x₁² + x₂² < r²), and the same neuron
# solves it. A hidden layer learns such features by itself — try the third link.

# %%
circle_line = link("Circle, one neuron on x₁, x₂", dataset="circle", hidden=[],
                   features=["x1", "x2"])
circle_squares = link("Circle, one neuron on x₁², x₂²", dataset="circle", hidden=[],
                      features=["x1sq", "x2sq"])
link("Circle, a hidden layer of 4 tanh units", dataset="circle", hidden=[4],
     activations=["tanh"], features=["x1", "x2"])
f_line, f_squares = train(circle_line, 30), train(circle_squares, 30)
report(f_line)
report(f_squares)
assert f_line["accuracy"]["test"] < 0.7 and f_squares["accuracy"]["test"] == 1.0

# %% [markdown]
# ## 3. The spiral needs depth
#
# Two interleaved spirals: three hidden layers of 8 units and Adam. It takes a few hundred
# epochs on the page; watch the hidden neurons' small pictures — the first layer draws
# lines, the later ones combine them into curved regions (tutorial 2's "each layer
# transforms the input space").

# %%
spiral = link("Spiral, 3 hidden layers of 8, Adam", dataset="spiral", hidden=[8, 8, 8],
              activations=["tanh"], optimizer="adam", lr=0.01)
frame = train(spiral, 100)
report(frame)
assert frame["accuracy"]["train"] > 0.85

# %% [markdown]
# ## 4. A learning rate too large
#
# λ = 10 on the circle: the steps overshoot (tutorial 6) and the network ends up predicting
# one class everywhere — accuracy 50 %, loss far above where it started. Lower the rate to
# 0.03 on the page and press ▶ again.

# %%
too_fast = link("Circle, learning rate 10", dataset="circle", hidden=[4, 2], lr=10)
frame = train(too_fast, 20)
report(frame)
assert frame["accuracy"]["train"] <= 0.6 and frame["train_loss"] > 0.7

# %% [markdown]
# ## 5. Vanishing gradients, live
#
# Six hidden layers of 8 sigmoid units. Open the gradient-norm view: ‖∂L/∂W‖ per layer
# falls by orders of magnitude from the output to the input (tutorial 7), and the network
# barely moves. Switch every layer to ReLU and press ▶.

# %%
deep_sigmoid = link("Circle, 6 sigmoid layers", dataset="circle", hidden=[8] * 6,
                    activations=["sigmoid"])
deep_relu = link("Circle, 6 ReLU layers", dataset="circle", hidden=[8] * 6,
                 activations=["relu"])
f_sig, f_relu = train(deep_sigmoid, 5), train(deep_relu, 5)
print("sigmoid ‖∂L/∂W‖ per layer:", [f"{g:.1e}" for g in f_sig["grad_norms"]])
print("relu    ‖∂L/∂W‖ per layer:", [f"{g:.1e}" for g in f_relu["grad_norms"]])
report(f_sig)
report(f_relu)
assert f_sig["grad_norms"][0] < f_sig["grad_norms"][-1] / 50
assert f_relu["accuracy"]["test"] > 0.9 > f_sig["accuracy"]["test"]

# %% [markdown]
# ## 6. Backpropagation, one point at a time
#
# Pause any run and click a training point: the backprop panel shows, layer by layer, the
# pre-activations a, the values z, f′(a), the δ's and ∂L/∂w for that point. These are
# `chainrule.explain.explain_network`'s numbers — the server asks the same function
# tutorial 4 used:

# %%
reply = client.post("/api/sessions", json={"dataset": "xor", "hidden": [2],
                                           "activations": ["tanh"]})
sid = reply.json()["id"]
view = client.get(f"/api/sessions/{sid}/backprop", params={"index": 0}).json()
client.delete(f"/api/sessions/{sid}")
print(f"point {view['x']} with label {view['y']}: loss {view['loss']:.4f} ({view['loss_name']})")
for k, layer in enumerate(view["layers"], start=1):
    print(f"layer {k} ({layer['activation']}): δ = {layer['delta']}")
assert view["loss_name"] == "bce_logits" and len(view["layers"]) == 2

# %% [markdown]
# ## More to try
#
# * **Noise and overfitting.** Set the noise to 40 and a network of two layers of 8 on
#   the XOR data; tick *Show test data*. The training loss keeps falling while the test
#   loss turns up. Add L2 regularisation (rate 0.01) and compare.
# * **Batch size.** Batch size 1 against 64 with the same learning rate: the loss curve's
#   noise is the mini-batch noise of tutorial 6.
# * **Edit a weight.** Drag any connection and watch the boundary and the loss respond —
#   the derivative ∂L/∂w is how fast the loss changes as you drag.
# * **Teacher mode.** The page's teacher button hides controls and writes the set-up into
#   the URL, so a link like the ones above can hand students exactly one knob to turn.
# * **Export.** Download the trained network as a run folder and use it with
#   `chainrule evaluate` and `chainrule predict`, like any run of `chainrule train`.

# %%
client.close()
