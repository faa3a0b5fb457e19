"""The regression example of the lecture: two sigmoid hidden units A and B, linear output C.

    z_A = w_A·x + b_A,  a_A = σ(z_A);   z_B = w_B·x + b_B,  a_B = σ(z_B)
    ŷ = w_C1 a_A + w_C2 a_B + b_C,      L = (y - ŷ)²

with x = [-2, 5], y = 15, w_A = [1, -0.2], b_A = 5, w_B = [10, -2], b_B = -12,
w_C = [40, -10], b_C = -15.2: ŷ ≈ 20.03 and dL/db_C = -2(y - ŷ) ≈ 10.06.
Shown twice: as the δ view of the network, and as the derivative table of the whole
expression (a graph where A and B meet at C).

Run:  python examples/regression_network.py
"""
from __future__ import annotations

import numpy as np

from chainrule.explain import explain_expression, explain_network

X = [-2.0, 5.0]
Y = 15.0
LAYERS = [(np.array([[1.0, -0.2], [10.0, -2.0]]), np.array([5.0, -12.0]), "sigmoid"),
          (np.array([[40.0, -10.0]]), np.array([-15.2]), None)]
EXPRESSION = ("(y - (wC1*sigmoid(wA1*x1 + wA2*x2 + bA)"
              " + wC2*sigmoid(wB1*x1 + wB2*x2 + bB) + bC))**2")
AT = {"x1": -2.0, "x2": 5.0, "y": 15.0, "wA1": 1.0, "wA2": -0.2, "bA": 5.0, "wB1": 10.0,
      "wB2": -2.0, "bB": -12.0, "wC1": 40.0, "wC2": -10.0, "bC": -15.2}


def main() -> dict[str, float]:
    """Print the δ view and the reverse-mode table; return ŷ, L and the gradients."""
    trace = explain_network(LAYERS, X, [Y], loss="squared")
    print("Regression network (x = [-2, 5], y = 15), L = (y - ŷ)²\n")
    print(trace.to_text(), end="\n\n")
    tab = explain_expression(EXPRESSION, AT, wrt=["bC", "wC1", "wC2", "bA", "wA1", "bB"],
                             mode="reverse")
    print(tab.to_text(), end="\n\n")
    hidden, out = trace.layers
    result = {"y_hat": float(trace.output[0]), "loss": trace.loss,
              "a_A": float(hidden.z[0]), "a_B": float(hidden.z[1]),
              "dL/dbC": float(out.db[0]), "dL/dwC1": float(out.dW[0, 0]),
              "dL/dwC2": float(out.dW[0, 1]), "dL/dbA": float(hidden.db[0]),
              "dL/dwA1": float(hidden.dW[0, 0]), "dL/dbB": float(hidden.db[1])}
    result["table dL/dbC"] = float(tab.derivative("bC"))
    result["table dL/dbA"] = float(tab.derivative("bA"))
    print(f"ŷ = {result['y_hat']:.6f} (≈ 20),  dL/db_C = -2(y - ŷ) = {result['dL/dbC']:.6f}")
    return result


if __name__ == "__main__":
    main()
