"""XOR, which no single neuron can compute, from three neurons (lecture 004: stacking).

Neuron A is OR (on when x1 + x2 > 0.5), neuron B is NAND (on unless both inputs are on),
and neuron C combines them with AND: XOR = OR ∧ NAND. Once with sign neurons (outputs ±1)
and once with steep sigmoid neurons (outputs in (0, 1)).

Run:  python examples/xor_neurons.py
"""
from __future__ import annotations

import numpy as np

from chainrule import Tensor, no_grad
from chainrule.explain import dense_layers
from chainrule.autodiff import ops

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

# sign neurons: A = sign(x1 + x2 - 0.5), B = sign(-x1 - x2 + 1.5), C = sign(A + B - 1.5)
SIGN_NET = [(np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([-0.5, 1.5]), "sign"),
            (np.array([[1.0, 1.0]]), np.array([-1.5]), "sign")]
# sigmoid neurons: the same lines, scaled by 20 so each unit is nearly a step
SIGMOID_NET = [(20 * np.array([[1.0, 1.0], [-1.0, -1.0]]), 20 * np.array([-0.5, 1.5]),
                "sigmoid"),
               (20 * np.array([[1.0, 1.0]]), 20 * np.array([-1.5]), "sigmoid")]


def forward(net: list, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hidden activations (n, 2), output (n,)) of a two-layer network."""
    z = Tensor(X)
    outs = []
    with no_grad():
        for layer in dense_layers(net):
            z = layer.activation(ops.linear(z, layer.W, layer.b))
            outs.append(z.data)
    return outs[0], outs[1][:, 0]


def main() -> dict[str, np.ndarray]:
    """Print the truth table; return the XOR targets and both networks' outputs."""
    hs, out_sign = forward(SIGN_NET, INPUTS)
    hg, out_sig = forward(SIGMOID_NET, INPUTS)
    xor = np.logical_xor(INPUTS[:, 0], INPUTS[:, 1]).astype(np.float64)
    print("x1 x2 | A=OR  B=NAND  C=sign | A σ     B σ     C σ    | XOR")
    for i, (x1, x2) in enumerate(INPUTS):
        print(f"{x1:>2.0f} {x2:>2.0f} | {hs[i, 0]:>4.0f} {hs[i, 1]:>6.0f} {out_sign[i]:>7.0f} | "
              f"{hg[i, 0]:.4f} {hg[i, 1]:.4f} {out_sig[i]:.4f} | {xor[i]:.0f}")
    return {"xor": xor, "sign": out_sign, "sigmoid": out_sig}


if __name__ == "__main__":
    main()
