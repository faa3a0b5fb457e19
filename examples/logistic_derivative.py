"""The logistic-regression derivative of the lecture, at X = 3, y = 1, W = 3.

L = -y log(sigmoid(W X)), written as the lecture's chain of elementary steps
(ξ1 = -W X, ξ2 = exp ξ1, ξ3 = 1 + ξ2, ξ4 = 1/ξ3, ξ5 = log ξ4, L = -y ξ5), differentiated
in forward mode (dξ/dW carried forward) and in reverse mode (dL/dξ carried back).
Both give dL/dW = -3 e^-9 / (1 + e^-9) ≈ -3.7018e-4.

Run:  python examples/logistic_derivative.py
"""
from __future__ import annotations

import math

from chainrule.explain import explain_expression

EXPRESSION = "-y*log(sigmoid(w*x))"
AT = {"x": 3.0, "y": 1.0, "w": 3.0}


def main() -> dict[str, float]:
    """Print both tables; return the loss and dL/dw from each mode and the closed form."""
    forward = explain_expression(EXPRESSION, AT, wrt=["w"], mode="forward", expand=True)
    reverse = explain_expression(EXPRESSION, AT, wrt=["w"], mode="reverse", expand=True)
    print(f"L = {EXPRESSION} at x=3, y=1, w=3\n")
    print(forward.to_text(), end="\n\n")
    print(reverse.to_text(), end="\n\n")
    closed = -3 * math.exp(-9) / (1 + math.exp(-9))
    result = {
        "loss": float(next(r.value for r in reverse.rows if r.name == "L")),
        "forward": float(forward.derivative("w", "forward")),
        "reverse": float(reverse.derivative("w", "reverse")),
        "closed_form": closed,
    }
    print(f"dL/dw: forward {result['forward']:.10e}, reverse {result['reverse']:.10e}, "
          f"closed form -3e^-9/(1+e^-9) = {closed:.10e}")
    return result


if __name__ == "__main__":
    main()
