# %% [markdown]
# # 3. The chain rule by hand and by machine
#
# *Lecture: "backpropagation = recursive application of the chain rule along a
# computational graph".*
#
# To train by gradient descent, w ← w − λ dL/dw, we need dL/dw for every weight. Writing
# the formula by hand works for one network and breaks for the next. The way out is the
# lecture's: cut the loss into **elementary steps** ξ₁, ξ₂, …, each with a derivative
# anyone can write, evaluate them **at the current numbers**, and multiply the local
# derivatives along the graph — forward (carrying dξ/dw from w to L) or backward (carrying
# dL/dξ from L to w). This notebook does it by hand, then lets chainrule do it, on the
# lecture's three worked examples.

# %%
import math

import numpy as np

import chainrule as cr
from chainrule import explain

# %% [markdown]
# ## The logistic loss at x = 3, y = 1, w = 3
#
# The loss of one example of logistic regression, its first half L = −y log σ(wx), as the
# lecture cuts it:
#
# | ξ | value | local partial |
# |---|---|---|
# | ξ₁ = −wx | −9 | ∂ξ₁/∂w = −x = −3 |
# | ξ₂ = e^ξ₁ | e⁻⁹ | ∂ξ₂/∂ξ₁ = e^ξ₁ |
# | ξ₃ = 1 + ξ₂ | 1 + e⁻⁹ | ∂ξ₃/∂ξ₂ = 1 |
# | ξ₄ = 1/ξ₃ = p | 1/(1 + e⁻⁹) | ∂ξ₄/∂ξ₃ = −1/ξ₃² |
# | ξ₅ = log ξ₄ | log p | ∂ξ₅/∂ξ₄ = 1/ξ₄ |
# | L = −y ξ₅ | −log p | ∂L/∂ξ₅ = −y |
#
# ### By hand
#
# Plain Python floats, one line per step. **Forward mode** carries the tangent dξₖ/dw
# from w to L: each step multiplies the previous tangent by its local partial.
# **Reverse mode** first evaluates every ξ, then carries the adjoint dL/dξₖ from L back
# to w: each step multiplies the adjoint of its consumer by the consumer's local partial.

# %%
x, y, w = 3.0, 1.0, 3.0
xi1 = -w * x;        d1 = -x                  # ∂ξ1/∂w
xi2 = math.exp(xi1); d2 = math.exp(xi1)       # ∂ξ2/∂ξ1
xi3 = 1 + xi2;       d3 = 1.0                 # ∂ξ3/∂ξ2
xi4 = 1 / xi3;       d4 = -1 / xi3**2         # ∂ξ4/∂ξ3
xi5 = math.log(xi4); d5 = 1 / xi4             # ∂ξ5/∂ξ4
L = -y * xi5;        dL = -y                  # ∂L/∂ξ5

# forward mode: dξk/dw
t1 = d1; t2 = d2 * t1; t3 = d3 * t2; t4 = d4 * t3; t5 = d5 * t4; tL = dL * t5
# reverse mode: dL/dξk
aL = 1.0; a5 = aL * dL; a4 = a5 * d5; a3 = a4 * d4; a2 = a3 * d3; a1 = a2 * d2; aw = a1 * d1

print(f"L = {L:.6e}")
print("forward  dξ/dw:", [f"{v:.6g}" for v in (t1, t2, t3, t4, t5, tL)])
print("reverse  dL/dξ:", [f"{v:.6g}" for v in (a1, a2, a3, a4, a5, aL)])
print(f"dL/dw forward {tL:.8e}   reverse {aw:.8e}")

# %% [markdown]
# Both modes end at the same number, the closed form −x e⁻⁹/(1 + e⁻⁹):
#
# dL/dw = −3 e⁻⁹ / (1 + e⁻⁹) ≈ **−3.7018 × 10⁻⁴**
#
# (The slides print the final entry as 0.00037018372, without its minus sign, and the
# ξ₄ row of the forward table without the minus of −1/ξ₃²; the course notes list these
# as slips. The sign matters: it says that increasing w *decreases* the loss, since
# y = 1 and the neuron's output σ(9) is still a little below 1.)

# %%
E9 = math.exp(-9)
DL_DW = -3 * E9 / (1 + E9)
assert math.isclose(tL, DL_DW, rel_tol=1e-12) and math.isclose(aw, DL_DW, rel_tol=1e-12)
assert f"{DL_DW:.4e}" == "-3.7018e-04"
assert [xi1, xi2, xi3] == [-9.0, E9, 1 + E9]
assert math.isclose(t4, 3 * E9 / (1 + E9) ** 2, rel_tol=1e-12)  # the ξ4 row, sign included
assert math.isclose(t5, 3 * E9 / (1 + E9), rel_tol=1e-12)
assert [a5, aL] == [-1.0, 1.0] and math.isclose(a4, -(1 + E9), rel_tol=1e-12)

# %% [markdown]
# ### By machine: the derivative table
#
# Now the same chain with chainrule's operations on a `Tensor`. Every operation records
# its node in the graph; `explain.table` walks that graph and prints the lecture's table —
# values, local partials, the forward tangents dξ/dw and the reverse adjoints dL/dξ —
# computed by the library's own forward (JVP) and reverse (VJP) rules.

# %%
w_t = cr.Tensor(np.float64(3.0), requires_grad=True, name="w")
x_t, y_t = np.float64(3.0), np.float64(1.0)
L_t = -y_t * cr.log(1.0 / (1.0 + cr.exp(-(w_t * x_t))))
L_t.name = "L"
tab = explain.table(L_t, wrt=[w_t], mode="both")
tab

# %%
assert float(tab.derivative("w", "forward")) == float(tab.derivative("w", "reverse"))
assert math.isclose(float(tab.derivative("w")), DL_DW, rel_tol=1e-12)
# every reverse-mode adjoint equals the one computed by hand
adjoints = [float(r.adjoint) for r in tab.rows if r.kind == "node"]
print("adjoints dL/dξ:", [f"{v:.6g}" for v in adjoints])

# %% [markdown]
# The graph has one node more than the lecture's six — −wx is two steps here, the
# product and the negation — but each row is one elementary operation, and the chain
# gives the same dL/dw. `loss.backward()` is exactly the reverse column: it fills `w.grad`.

# %%
L_t.backward()
print("w.grad =", w_t.grad.item())
assert math.isclose(w_t.grad.item(), DL_DW, rel_tol=1e-12)

# %% [markdown]
# The same table from a typed expression — what `chainrule explain` prints on the
# command line. `expand=True` writes the sigmoid as the lecture's elementary steps:

# %%
typed = explain.explain_expression("-y*log(sigmoid(w*x))", {"x": 3, "y": 1, "w": 3},
                                   wrt=["w"], mode="both", expand=True)
assert math.isclose(float(typed.derivative("w")), DL_DW, rel_tol=1e-12)
typed

# %% [markdown]
# And drawn as the computational graph (each box ξ = expression with its value and
# adjoint dL/dξ; each edge labelled with the local partial ∂consumer/∂input):

# %%
explain.draw_graph(L_t, wrt=[w_t], rankdir="TB")

# %% [markdown]
# ## The homework network
#
# The lecture's homework: sigmoid units 3 and 4 (hidden) and 5 (output), the squared loss
# (y − ŷ)², and
#
# w₀₃ = 1, w₀₄ = −1, w₀₅ = 1, w₁₃ = 2, w₁₄ = 4, w₂₃ = 3, w₂₄ = 1, w₃₅ = 2, w₄₅ = 3,
# x₁ = 5, x₂ = −3, y = 1 (w₀ⱼ are the biases). **ŷ = ? Calculate the gradients with
# respect to the w's.**
#
# ### By hand, with the lecture's "perceived errors" Δ
#
# in₃ = w₀₃ + w₁₃x₁ + w₂₃x₂, a₃ = g(in₃); in₄ likewise; in₅ = w₀₅ + w₃₅a₃ + w₄₅a₄;
# ŷ = g(in₅). Then Δ₅ = 2(ŷ − y) g′(in₅), Δ₃ = Δ₅ w₃₅ g′(in₃), Δ₄ = Δ₅ w₄₅ g′(in₄), and
# every gradient is ∂Loss/∂wᵢⱼ = Δⱼ aᵢ (with a₀ = 1 for the biases, aᵢ = xᵢ for the inputs).

# %%
W = {"w03": 1.0, "w04": -1.0, "w05": 1.0, "w13": 2.0, "w14": 4.0, "w23": 3.0,
     "w24": 1.0, "w35": 2.0, "w45": 3.0}
x1, x2, y = 5.0, -3.0, 1.0
g = lambda z: 1 / (1 + math.exp(-z))      # noqa: E731
dg = lambda z: g(z) * (1 - g(z))          # noqa: E731

in3 = W["w03"] + W["w13"] * x1 + W["w23"] * x2
in4 = W["w04"] + W["w14"] * x1 + W["w24"] * x2
a3, a4 = g(in3), g(in4)
in5 = W["w05"] + W["w35"] * a3 + W["w45"] * a4
y_hat = g(in5)
D5 = 2 * (y_hat - y) * dg(in5)
D3 = D5 * W["w35"] * dg(in3)
D4 = D5 * W["w45"] * dg(in4)
by_hand = {"w05": D5, "w35": D5 * a3, "w45": D5 * a4,
           "w03": D3, "w13": D3 * x1, "w23": D3 * x2,
           "w04": D4, "w14": D4 * x1, "w24": D4 * x2}
print(f"in3 = {in3}, in4 = {in4}, a3 = {a3:.6f}, a4 = {a4:.9f}, in5 = {in5:.6f}")
print(f"ŷ = {y_hat:.10f}   Loss = {(y - y_hat) ** 2:.6e}")
print(f"Δ5 = {D5:.6e}, Δ3 = {D3:.6e}, Δ4 = {D4:.6e}")

# %%
assert (in3, in4) == (2.0, 16.0)
assert round(y_hat, 4) == 0.9969

# %% [markdown]
# ### By machine: value_and_grad
#
# The same network written with chainrule's operations, and `value_and_grad` for the
# loss and every gradient in one reverse pass. The weights go in as a dict; the gradient
# comes back as a dict with the same keys.

# %%
def homework_loss(p):
    a3 = cr.sigmoid(p["w03"] + p["w13"] * x1 + p["w23"] * x2)
    a4 = cr.sigmoid(p["w04"] + p["w14"] * x1 + p["w24"] * x2)
    y_hat = cr.sigmoid(p["w05"] + p["w35"] * a3 + p["w45"] * a4)
    return (y - y_hat) ** 2, y_hat


params = {k: np.float64(v) for k, v in W.items()}
(loss, yhat_t), grads = cr.value_and_grad(homework_loss, has_aux=True)(params)

print(f"{'weight':<7}{'by hand (Δ)':>16}{'by machine':>16}")
for k in by_hand:
    print(f"{k:<7}{by_hand[k]:>16.8e}{grads[k].item():>16.8e}")
assert math.isclose(yhat_t.item(), y_hat, rel_tol=1e-14)
for k, v in by_hand.items():
    assert math.isclose(grads[k].item(), v, rel_tol=1e-10, abs_tol=1e-16), k

# %% [markdown]
# The network is nearly right already (ŷ ≈ 0.9969 for y = 1), so every gradient is small,
# and those through unit 4 are tiny: in₄ = 16 puts unit 4 deep in the flat tail of the
# sigmoid, g′(16) ≈ 1.1 × 10⁻⁷. That is the *vanishing gradient* of tutorial 7, in a
# network of two layers.
#
# ## The regression network: ŷ ≈ 20.03, ∂L/∂b_C ≈ 10.06
#
# The lecture's example from regression: one point x = [−2, 5] with y = 15, two sigmoid
# hidden units A and B and a linear output C:
#
# z_A = w_A·x + b_A, a_A = σ(z_A); z_B = w_B·x + b_B, a_B = σ(z_B);
# ŷ = w_C1 a_A + w_C2 a_B + b_C; L = (y − ŷ)²
#
# with w_A = [1, −0.2], b_A = 5, w_B = [10, −2], b_B = −12, w_C = [40, −10], b_C = −15.2.
# The lecture evaluates z_A = 2, a_A ≈ 0.88, z_B = −42, a_B ≈ 0, ŷ ≈ 20, and
# ∂L/∂b_C = −2(y − ŷ) · 1 = −2(15 − 20) = 10.

# %%
at = {"x1": -2.0, "x2": 5.0, "y": 15.0, "wA1": 1.0, "wA2": -0.2, "bA": 5.0,
      "wB1": 10.0, "wB2": -2.0, "bB": -12.0, "wC1": 40.0, "wC2": -10.0, "bC": -15.2}
expr = "(y - (wC1*sigmoid(wA1*x1 + wA2*x2 + bA) + wC2*sigmoid(wB1*x1 + wB2*x2 + bB) + bC))**2"
reg = explain.explain_expression(expr, at, wrt=["bC", "wC1", "bA"], mode="reverse")
reg

# %%
z_A = at["wA1"] * at["x1"] + at["wA2"] * at["x2"] + at["bA"]
z_B = at["wB1"] * at["x1"] + at["wB2"] * at["x2"] + at["bB"]
a_A, a_B = 1 / (1 + math.exp(-z_A)), 1 / (1 + math.exp(-z_B))
y_hat_reg = at["wC1"] * a_A + at["wC2"] * a_B + at["bC"]
dL_dbC = float(reg.derivative("bC"))
print(f"z_A = {z_A:g}, a_A = {a_A:.4f}, z_B = {z_B:g}, a_B = {a_B:.2e}")
print(f"ŷ = {y_hat_reg:.4f},  ∂L/∂b_C = {dL_dbC:.4f}")
assert math.isclose(z_A, 2.0) and math.isclose(z_B, -42.0)
assert round(a_A, 2) == 0.88 and a_B < 1e-18
assert round(y_hat_reg, 2) == 20.03
assert round(dL_dbC, 2) == 10.06
assert math.isclose(dL_dbC, -2 * (15 - y_hat_reg), rel_tol=1e-12)

# %% [markdown]
# The lecture rounds ŷ to 20 and gets 10; unrounded, ŷ = 20.03 and ∂L/∂b_C = 10.06.
#
# The other rows follow the lecture's chains, e.g.
# ∂L/∂w_C1 = −2(y − ŷ) · a_A and ∂L/∂b_A = −2(y − ŷ) · w_C1 · a_A(1 − a_A) · 1:

# %%
assert math.isclose(float(reg.derivative("wC1")), dL_dbC * a_A, rel_tol=1e-12)
assert math.isclose(float(reg.derivative("bA")), dL_dbC * at["wC1"] * a_A * (1 - a_A),
                    rel_tol=1e-12)

# %% [markdown]
# **Would a step of gradient descent move b_C the right way?** The gradient is positive,
# so b_C ← b_C − λ · 10.06 makes b_C more negative, which lowers ŷ toward 15. With
# λ = 0.05 the prediction drops from 20.03 to about 19.53, and the loss from 25.3 to 20.5:

# %%
lam = 0.05
stepped = dict(at, bC=at["bC"] - lam * dL_dbC)
y_new = at["wC1"] * a_A + at["wC2"] * a_B + stepped["bC"]
loss_before = (15 - y_hat_reg) ** 2
loss_after = (15 - y_new) ** 2
print(f"ŷ {y_hat_reg:.3f} → {y_new:.3f},  L {loss_before:.2f} → {loss_after:.2f}")
assert y_new < y_hat_reg and loss_after < loss_before

# %% [markdown]
# Writing out one chain per weight, as the lecture does for w_A1 … b_C, repeats the same
# factors (∂L/∂ŷ appears in all nine). Backpropagation computes each shared factor once
# and passes it down, layer by layer: the δ recursion of the next tutorial.
