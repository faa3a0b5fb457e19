"""The report's figures (matplotlib, Agg). Each function returns a figure, or None when the
sweep did not vary what it shows. Points are completed trials; lines join the mean at each
value (over seeds and the other parameters), with bars of one standard deviation."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Sequence

import numpy as np

from ..viz._mpl import pyplot  # Agg (a notebook keeps its inline backend), lazy import
from .results import TrialRow
from .summary import ConfigStats, format_value, width_depth

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
          "#e377c2", "#7f7f7f", "#bcbd22")


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _log_axis(values: Sequence[float], ratio: float = 8.0) -> bool:
    """Whether positive ``values`` spanning ``ratio`` or more read better on a log axis."""
    v = np.asarray([x for x in values if x > 0], dtype=float)
    return v.size == len(values) and v.size > 1 and v.max() / v.min() >= ratio


def _log2_axis(ax: Any, values: Sequence[float]) -> None:
    """A base-2 log axis labelled with the values themselves (32, 128, not 2^5, 2^7)."""
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(set(values)))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _series(ax: Any, xs: Sequence[Any], ys: Sequence[float], color: str, label: str,
            discrete: bool = False) -> None:
    """Scatter of every trial and the mean ± std line at each distinct x (for a list of
    values, ``discrete``, even when each value has one trial)."""
    groups: dict[Any, list[float]] = defaultdict(list)
    for x, y in zip(xs, ys):
        groups[x].append(y)
    keys = sorted(groups)
    means = [float(np.mean(groups[k])) for k in keys]
    stds = [float(np.std(groups[k])) for k in keys]
    repeated = len(keys) < len(xs) or len(keys) == 1
    # faint points under a mean line; full ones when each point is its own mean
    ax.scatter(xs, ys, s=14 if repeated else 20, color=color,
               alpha=0.35 if repeated else 0.9, linewidths=0)
    if repeated or discrete:
        ax.errorbar(keys, means, yerr=stds, color=color, marker="o", ms=4, capsize=3,
                    label=label)
    else:  # a continuous search: every trial has its own x, no mean to draw
        ax.plot([], [], color=color, marker="o", ls="", label=label)


def _frame(plt: Any, ncols: int = 1, width: float = 6.0) -> tuple[Any, Any]:
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, 4.0), squeeze=False)
    return fig, axes[0]


def effect(rows: list[TrialRow], param: str, metric: str, by: str | None = None,
           xlabel: str | None = None, transform: Callable[[Any], Any] | None = None,
           discrete: bool = False) -> Any:
    """The metric against ``param`` (one series per value of ``by``); ``discrete``: the
    param takes a list of values (a grid axis or a choice), so its means are joined by a
    line even with one trial per value."""
    done = [r for r in rows if r.state == "COMPLETE" and param in r.params]
    if not done:
        return None
    plt = pyplot()
    fig, (ax,) = _frame(plt)
    xs_all = [transform(r.params[param]) if transform else r.params[param] for r in done]
    numeric = _numeric(xs_all)
    if not numeric:
        order = sorted({str(x) for x in xs_all})
        xs_all = [order.index(str(x)) for x in xs_all]
        ax.set_xticks(range(len(order)), order, rotation=20 if len(order) > 4 else 0)
    series = sorted({str(r.params.get(by)) for r in done}) if by else ["all"]
    for i, name in enumerate(series):
        pick = [j for j, r in enumerate(done) if not by or str(r.params.get(by)) == name]
        label = f"{by} = {name}" if by else f"{len(pick)} trials"
        _series(ax, [xs_all[j] for j in pick], [done[j].value for j in pick],
                COLORS[i % len(COLORS)], label, discrete or not numeric)
    powers_of_two = param == "batch_size"
    if numeric and powers_of_two and _log_axis(xs_all, 2.0):
        _log2_axis(ax, xs_all)
    elif numeric and _log_axis(xs_all):
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or param)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title=None)
    ax.set_title(f"{metric} against {xlabel or param}" + (f", per {by}" if by else ""))
    fig.tight_layout()
    return fig


def architecture(rows: list[TrialRow], metric: str) -> Any:
    """The metric against the widest hidden layer (one series per depth) and against the
    number of hidden layers."""
    done = [r for r in rows if r.state == "COMPLETE" and "hidden" in r.params]
    if not done:
        return None
    plt = pyplot()
    fig, (left, right) = _frame(plt, 2, 5.5)
    shape = [width_depth(r.params["hidden"]) for r in done]
    ys = [r.value for r in done]
    depths = sorted({d for _, d in shape})
    for i, depth in enumerate(depths):
        pick = [j for j, (_, d) in enumerate(shape) if d == depth]
        _series(left, [shape[j][0] for j in pick], [ys[j] for j in pick],
                COLORS[i % len(COLORS)], f"{depth} hidden layer{'s' * (depth != 1)}",
                discrete=True)
    widths = [w for w, _ in shape]
    if _log_axis(widths, 2.0):
        _log2_axis(left, widths)
    left.set_xlabel("width (units of the widest hidden layer)")
    left.set_title(f"{metric} against width")
    _series(right, [d for _, d in shape], ys, COLORS[0], f"{len(ys)} trials", discrete=True)
    right.set_xticks(depths)
    right.set_xlabel("depth (hidden layers)")
    right.set_title(f"{metric} against depth")
    for ax in (left, right):
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def learning_curves(best: list[ConfigStats], metric: str, top: int = 5) -> Any:
    """Per-epoch metric and losses of the best configurations' trials (one line a seed)."""
    chosen = [g for g in best if g.complete][:top]
    if not chosen or not any(t.history for g in chosen for t in g.complete):
        return None
    plt = pyplot()
    fig, (left, right) = _frame(plt, 2, 5.5)
    loss_key = "val_loss" if metric.startswith("val_") else "loss"
    for i, group in enumerate(chosen):
        color = COLORS[i % len(COLORS)]
        label = ", ".join(f"{k}={format_value(v)}" for k, v in sorted(group.params.items()))
        for j, trial in enumerate(group.complete):
            for ax, key in ((left, metric), (right, loss_key)):
                values = trial.history.get(key)
                if values:
                    ax.plot(range(1, len(values) + 1), values, color=color, alpha=0.8,
                            lw=1.4, label=f"#{i + 1} {label}" if j == 0 and ax is left
                            else None)
    left.set_title(f"{metric} per epoch, best {len(chosen)} configurations")
    right.set_title(f"{loss_key} per epoch")
    from matplotlib.ticker import MaxNLocator

    for ax, key in ((left, metric), (right, loss_key)):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    rows = (len(chosen) + 1) // 2
    fig.set_size_inches(11.0, 4.0 + 0.3 * rows)
    fig.legend(loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.3 * rows / (4.0 + 0.3 * rows) + 0.02, 1, 1))
    return fig


def importances(values: dict[str, float]) -> Any:
    plt = pyplot()
    names = list(values)[::-1]
    fig, ax = plt.subplots(figsize=(6.0, 1.2 + 0.45 * len(names)))
    ax.barh(names, [values[n] for n in names], color=COLORS[0], height=0.6)
    for y, name in enumerate(names):
        ax.text(values[name], y, f" {values[name]:.2f}", va="center", fontsize=8)
    ax.set_xlabel("importance (fANOVA, share of the metric's variance)")
    ax.set_xlim(0, max(1.0, max(values.values()) * 1.15))
    ax.set_title("parameter importances")
    fig.tight_layout()
    return fig


def png_bytes(fig: Any) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    pyplot().close(fig)
    return buf.getvalue()
