"""Line searches along a direction ``d`` from a point ``x``: strong Wolfe (for L-BFGS) and
Armijo backtracking (for Newton-CG).

``obj(t)`` evaluates the objective at ``x + t d`` and returns ``(f, g)`` (a float and the
flat gradient vector). The strong-Wolfe search is the bracketing/zoom algorithm of Nocedal
& Wright (Alg. 3.5-3.6) with safeguarded cubic interpolation, as in minFunc and PyTorch.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

Objective = Callable[[float], tuple[float, np.ndarray]]


def cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                      bounds: tuple[float, float] | None = None) -> float:
    """Minimiser of the cubic through (x1, f1, f1'=g1) and (x2, f2, f2'=g2), clipped to
    ``bounds`` (default: the interval between x1 and x2); the midpoint when the cubic has
    no minimiser there."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    if x1 == x2:
        return (lo + hi) / 2.0
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0 and math.isfinite(d2_square):
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            den = g2 - g1 + 2.0 * d2
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / den) if den else (lo + hi) / 2.0
        else:
            den = g1 - g2 + 2.0 * d2
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / den) if den else (lo + hi) / 2.0
        if math.isfinite(pos):
            return min(max(pos, lo), hi)
    return (lo + hi) / 2.0


def strong_wolfe(obj: Objective, t: float, d: np.ndarray, f: float, g: np.ndarray,
                 gtd: float, c1: float = 1e-4, c2: float = 0.9,
                 tolerance_change: float = 1e-9, max_ls: int = 25
                 ) -> tuple[float, np.ndarray, float, int]:
    """A step ``t`` satisfying the strong Wolfe conditions
    f(t) <= f(0) + c1 t f'(0) and |f'(t)| <= c2 |f'(0)| (when found within ``max_ls``).

    ``f``, ``g``, ``gtd`` are the value, gradient and directional derivative at t = 0.
    Returns ``(f_t, g_t, t, evaluations)``.
    """
    d_norm = float(np.max(np.abs(d)))
    f_new, g_new = obj(t)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev) or math.isnan(f_new):
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, bracket_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        # extrapolate
        t_next = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                   bounds=(t + 0.01 * (t - t_prev), t * 10.0))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = obj(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    else:
        bracket, bracket_f, bracket_g, bracket_gtd = [0.0, t], [f, f_new], [g, g_new], \
            [gtd, gtd_new]

    # zoom: shrink the bracket until a point satisfies both conditions
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                              bracket[1], bracket_f[1], bracket_gtd[1])
        b_max, b_min = max(bracket), min(bracket)
        eps = 0.1 * (b_max - b_min)
        if min(b_max - t, t - b_min) < eps:
            # too close to an end: move away unless the last step was already such a move
            if insufficient or t >= b_max or t <= b_min:
                t = b_max - eps if abs(t - b_max) < abs(t - b_min) else b_min + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = obj(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low] or math.isnan(f_new):
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = \
                t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = \
                    bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = \
                t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


def backtracking(value: Callable[[float], float], t: float, f: float, slope: float,
                 c1: float = 1e-4, shrink: float = 0.5, max_ls: int = 30
                 ) -> tuple[float | None, float, int]:
    """Armijo backtracking: the first ``t * shrink**k`` with
    f(t) <= f(0) + c1 t f'(0). Returns ``(t, f_t, evaluations)``, with ``t = None`` when
    no step within ``max_ls`` halvings decreases enough."""
    f_t = math.nan
    for k in range(1, max_ls + 1):
        f_t = value(t)
        if f_t <= f + c1 * t * slope:
            return t, f_t, k
        t *= shrink
    return None, f_t, max_ls
