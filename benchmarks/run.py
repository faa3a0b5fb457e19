"""Run every performance benchmark in one process and check the targets.

    python benchmarks/run.py            # full run (a few minutes)
    python benchmarks/run.py --quick    # smaller workloads, same checks

Prints each workload's chainrule figure, the baselines measured in the same run and the
ratios; exits 1 when a target is missed. "chainrule" is the step ``fit`` runs
(`chainrule.train.TrainStep`: the step traced once by ``chainrule.compile`` and replayed);
"chainrule eager" is the loop a user writes (graph + ``backward()`` + ``step()``). PyTorch
eager and ``torch.compile`` are further columns when installed. Targets:
  MNIST-shaped epoch   compiled <= 0.90 x hand-written NumPy, eager <= 1.10 x;
                       compiled faster than PyTorch eager
  playground step      compiled <= 1.2 x hand-written NumPy, eager <= 2.5 x
  recording overhead   <= 1.5 us per elementwise primitive
  memory               peak RSS <= 1.3 x NumPy loop; no growth over 50 epochs; graph freed
  scaling              per-node time flat (<= 2 x) from N = 10^3 to 10^6, both modes
  DataLoader epoch     <= 5 ms beyond hand-written row gathers
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_buffers  # noqa: E402
import bench_loader  # noqa: E402
import bench_memory  # noqa: E402
import bench_mnist_epoch  # noqa: E402
import bench_overhead  # noqa: E402
import bench_scaling  # noqa: E402
import bench_tiny_step  # noqa: E402
import bench_tricks  # noqa: E402


class Report:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def line(self, text: str) -> None:
        print(text, flush=True)

    def check(self, name: str, ok: bool, detail: str) -> None:
        mark = "PASS" if ok else "MISS"
        print(f"  [{mark}] {name}: {detail}", flush=True)
        if not ok:
            self.failed.append(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    parser.add_argument("--only", choices=["mnist", "tiny", "overhead", "memory", "scaling",
                                            "loader", "buffers", "tricks"],
                        action="append", help="run only these benchmarks")
    args = parser.parse_args(argv)
    only = set(args.only or ["mnist", "tiny", "overhead", "memory", "scaling", "loader",
                             "buffers", "tricks"])
    rep = Report()
    import numpy as np

    rep.line(f"chainrule benchmarks, {datetime.date.today()}, Python "
             f"{platform.python_version()}, NumPy {np.__version__}, {platform.machine()}")

    if "mnist" in only:
        rep.line("\nMNIST-shaped epoch (60000x784, 784-256-128-10 ReLU, SGD, batch 128)")
        t = bench_mnist_epoch.run(args.quick)
        for name in ("numpy", "chainrule", "chainrule eager", "chainrule, numpy update",
                     "pytorch", "torch.compile", "sklearn"):
            if name in t:
                rep.line(f"  {name:<23} {t[name]:7.3f} s/epoch   ratio to numpy "
                         f"{t[name] / t['numpy']:.2f}")
        rep.line(f"  same arithmetic: max |weight difference| after 20 steps "
                 f"{t['max_weight_diff']:.2e}")
        ratio = t["chainrule"] / t["numpy"]
        rep.check("mnist compiled <= 0.90 x numpy", ratio <= 0.90, f"{ratio:.3f}")
        ratio = t["chainrule eager"] / t["numpy"]
        rep.check("mnist eager <= 1.10 x numpy", ratio <= 1.10, f"{ratio:.3f}")
        if "pytorch" in t:
            rep.check("mnist faster than pytorch", t["chainrule"] < t["pytorch"],
                      f"{t['chainrule']:.3f} s vs {t['pytorch']:.3f} s")

    if "tiny" in only:
        rep.line("\nPlayground step (2-8-8-1 tanh, MSE, SGD, batch 16)")
        t = bench_tiny_step.run(args.quick)
        for name in ("numpy", "chainrule", "chainrule eager", "pytorch", "torch.compile",
                     "sklearn", "scalar engine"):
            if name in t:
                rep.line(f"  {name:<23} {t[name] * 1e6:9.1f} us/step   ratio to numpy "
                         f"{t[name] / t['numpy']:.2f}")
        ratio = t["chainrule"] / t["numpy"]
        rep.check("playground compiled <= 1.2 x numpy", ratio <= 1.2, f"{ratio:.2f}")
        ratio = t["chainrule eager"] / t["numpy"]
        rep.check("playground eager <= 2.5 x numpy", ratio <= 2.5, f"{ratio:.2f}")

    if "overhead" in only:
        rep.line("\nRecording overhead per elementwise primitive (10 floats, grad recorded)")
        t = bench_overhead.run(args.quick)
        for name, us in t.items():
            rep.line(f"  {name:<10} +{us:.2f} us")
        worst = max(t.values())
        rep.check("overhead <= 1.5 us", worst <= 1.5, f"worst {worst:.2f} us")

    if "memory" in only:
        rep.line("\nMemory")
        t = bench_memory.run(args.quick)
        rep.line(f"  traced growth over epochs 5..end: {t['growth_bytes'] / 1024:.1f} KiB; "
                 f"graph freed after backward: {bool(t['graph_freed'])}")
        rep.check("no growth over epochs", t["growth_bytes"] < 256 * 1024,
                  f"{t['growth_bytes'] / 1024:.1f} KiB")
        rep.check("graph freed after backward", bool(t["graph_freed"]), "weakref probe")
        if "chainrule_peak_mib" in t:
            ratio = t["chainrule_peak_mib"] / t["numpy_peak_mib"]
            rep.line(f"  peak RSS: numpy {t['numpy_peak_mib']:.0f} MiB, chainrule "
                     f"{t['chainrule_peak_mib']:.0f} MiB")
            rep.check("peak RSS <= 1.3 x numpy", ratio <= 1.3, f"{ratio:.2f}")

    if "scaling" in only:
        rep.line("\nScaling on a chain of N nodes (us per node)")
        t = bench_scaling.run(args.quick)
        sizes = sorted({int(k.split("_")[1]) for k in t})
        for n in sizes:
            rep.line(f"  N={n:>8}  reverse {t[f'rev_{n}']:.2f}   forward {t[f'fwd_{n}']:.2f}")
        for mode in ("rev", "fwd"):
            ratio = t[f"{mode}_{sizes[-1]}"] / t[f"{mode}_{sizes[0]}"]
            rep.check(f"{mode} mode O(N)", ratio <= 2.0,
                      f"per-node time at N={sizes[-1]} is {ratio:.2f} x that at N={sizes[0]}")

    if "loader" in only:
        rep.line("\nDataLoader epoch (60000x784 float32, batch 128, shuffled)")
        t = bench_loader.run(args.quick)
        extra_ms = (t["chainrule"] - t["numpy"]) * 1e3
        rep.line(f"  chainrule {t['chainrule'] * 1e3:.1f} ms   hand-written gathers "
                 f"{t['numpy'] * 1e3:.1f} ms")
        rep.check("loader overhead <= 5 ms/epoch", extra_ms <= 5.0, f"{extra_ms:+.1f} ms")

    if "buffers" in only:
        rep.line("\nMNIST-shaped NumPy loop with every temporary preallocated (out=)")
        t = bench_buffers.run(args.quick)
        ratio = t["buffers reused"] / t["fresh arrays"]
        rep.line(f"  fresh arrays {t['fresh arrays']:.3f} s/epoch   buffers reused "
                 f"{t['buffers reused']:.3f} s/epoch   ratio {ratio:.3f} (no target: what "
                 f"buffers owned by a replay could give)")

    if "tricks" in only:
        rep.line("\nSmall formulations the rules use (us per call, no target)")
        for label, t in bench_tricks.run(args.quick).items():
            rep.line(f"  {label}: " + ", ".join(f"{k} {v:.2f}" for k, v in t.items()))

    if rep.failed:
        rep.line(f"\nmissed targets: {', '.join(rep.failed)}")
        return 1
    rep.line("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
