"""The homework network of the lecture: units 3 and 4 (hidden) and 5 (output), all sigmoid.

    in3 = w03 + w13 x1 + w23 x2,   a3 = g(in3)        (w0j are the biases)
    in4 = w04 + w14 x1 + w24 x2,   a4 = g(in4)
    in5 = w05 + w35 a3 + w45 a4,   ŷ  = g(in5),       Loss = (y - ŷ)²

with w03 = 1, w04 = -1, w05 = 1, w13 = 2, w14 = 4, w23 = 3, w24 = 1, w35 = 2, w45 = 3,
x1 = 5, x2 = -3, y = 1. The "perceived errors" Δ5 = 2(ŷ - y) g'(in5),
Δ3 = Δ5 w35 g'(in3), Δ4 = Δ5 w45 g'(in4) give every gradient: ∂Loss/∂w_ij = Δ_j a_i.
The δ view of chainrule.explain and backward() must give the same numbers.

Run:  python examples/homework_network.py
"""
from __future__ import annotations

import math

import numpy as np

from chainrule.explain import backward_gradients, explain_network

W = {"w03": 1.0, "w04": -1.0, "w05": 1.0, "w13": 2.0, "w14": 4.0, "w23": 3.0, "w24": 1.0,
     "w35": 2.0, "w45": 3.0}
X1, X2, Y = 5.0, -3.0, 1.0


def network() -> list:
    """The network as (W, b, activation) layers: hidden units (3, 4), output unit 5."""
    W1 = np.array([[W["w13"], W["w23"]], [W["w14"], W["w24"]]])
    b1 = np.array([W["w03"], W["w04"]])
    W2 = np.array([[W["w35"], W["w45"]]])
    b2 = np.array([W["w05"]])
    return [(W1, b1, "sigmoid"), (W2, b2, "sigmoid")]


def closed_form() -> dict[str, float]:
    """ŷ and every dLoss/dw from the lecture's Δ formulas."""
    g = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
    dg = lambda z: g(z) * (1.0 - g(z))  # noqa: E731
    in3 = W["w03"] + W["w13"] * X1 + W["w23"] * X2
    in4 = W["w04"] + W["w14"] * X1 + W["w24"] * X2
    a3, a4 = g(in3), g(in4)
    in5 = W["w05"] + W["w35"] * a3 + W["w45"] * a4
    y_hat = g(in5)
    d5 = 2 * (y_hat - Y) * dg(in5)
    d3 = d5 * W["w35"] * dg(in3)
    d4 = d5 * W["w45"] * dg(in4)
    return {"y_hat": y_hat, "loss": (Y - y_hat) ** 2, "Delta5": d5, "Delta3": d3,
            "Delta4": d4, "w05": d5, "w35": d5 * a3, "w45": d5 * a4, "w03": d3,
            "w13": d3 * X1, "w23": d3 * X2, "w04": d4, "w14": d4 * X1, "w24": d4 * X2}


def main() -> dict[str, dict[str, float]]:
    """Print the layer-by-layer δ table and the gradients three ways; return them."""
    trace = explain_network(network(), [X1, X2], [Y], loss="squared")
    print("Homework network, one example (x1=5, x2=-3, y=1), Loss = (y - ŷ)²\n")
    print(trace.to_text(), end="\n\n")
    h, o = trace.layers
    view = {"y_hat": float(o.z[0]), "loss": trace.loss, "Delta5": float(o.delta[0]),
            "Delta3": float(h.delta[0]), "Delta4": float(h.delta[1]),
            "w05": float(o.db[0]), "w35": float(o.dW[0, 0]), "w45": float(o.dW[0, 1]),
            "w03": float(h.db[0]), "w13": float(h.dW[0, 0]), "w23": float(h.dW[0, 1]),
            "w04": float(h.db[1]), "w14": float(h.dW[1, 0]), "w24": float(h.dW[1, 1])}
    (gW1, gb1), (gW2, gb2) = backward_gradients(network(), [X1, X2], [Y], loss="squared")
    autodiff = {"w05": gb2[0], "w35": gW2[0, 0], "w45": gW2[0, 1], "w03": gb1[0],
                "w13": gW1[0, 0], "w23": gW1[0, 1], "w04": gb1[1], "w14": gW1[1, 0],
                "w24": gW1[1, 1]}
    formulas = closed_form()
    print(f"ŷ = {view['y_hat']:.10f}   Loss = {view['loss']:.6e}")
    print(f"{'weight':<8}{'Δ formula':>18}{'δ view':>18}{'backward()':>18}")
    for k in autodiff:
        print(f"{k:<8}{formulas[k]:>18.8e}{view[k]:>18.8e}{float(autodiff[k]):>18.8e}")
    return {"formulas": formulas, "view": view,
            "backward": {k: float(v) for k, v in autodiff.items()}}


if __name__ == "__main__":
    main()
