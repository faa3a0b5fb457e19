"""The playground as a student sees it: epochs per second shown by the page, and its cost.

``chainrule playground`` runs in its own process (``bench_playground.start_server``) and
Debian's Chromium, driven by Playwright, opens the page, presses play and watches it
for a few seconds. Measured for the default network (2-4-2-1 tanh on circle) and for 8
hidden layers of 16 neurons on all seven features, at the page's default speed cap (60
epochs/s) and uncapped (1000):

- shown: epochs per second counted on the page's epoch counter;
- baseline: a bare WebSocket client on the same server with the same set-up and cap
  (``bench_playground.served``), measured in the same run; ratio = shown / baseline, the
  share of the served speed the page keeps while drawing;
- drawn frames per second, mean milliseconds of JavaScript per drawn frame, and the
  main-thread tasks over 50 ms during the measurement, with the longest (the page's
  responsiveness while training: input waits at most that long).

Targets: the default network shows >= 20 epochs/s at the default cap; with 8 x 16 the page
keeps drawing >= 10 frames/s with no task over 200 ms.

    PYTHONPATH=src python benchmarks/bench_playground_page.py [--seconds 5]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_playground import served, start_server  # noqa: E402

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NETWORKS = {
    "default 2-4-2-1": ("#dataset=circle", {}),
    "8 x 16, 7 inputs": ("#dataset=spiral&hidden=16,16,16,16,16,16,16,16"
                         "&features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2",
                         {"dataset": "spiral", "hidden": [16] * 8,
                          "features": ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]}),
}
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); })
  .observe({type: 'longtask', buffered: true});
"""


def shown(browser: Any, base: str, hash_: str, speed: int, seconds: float) -> dict[str, float]:
    """Open the page, play at ``speed`` epochs/s and measure for ``seconds``."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.add_init_script(LONG_TASKS)
    page.goto(base + "/" + hash_)
    page.wait_for_selector("body[data-ready='1']")
    page.select_option("#speed", str(speed))
    page.click("#play")
    page.wait_for_timeout(1500)                                  # warm up
    snap = "() => [Number(document.body.dataset.epoch), performance.now(), " \
           "{...window.playground.drawStats}]"
    e0, t0, d0 = page.evaluate(snap)
    page.wait_for_timeout(seconds * 1000)
    e1, t1, d1 = page.evaluate(snap)
    # main-thread tasks over 50 ms that started inside the measured window
    tasks = page.evaluate(f"window.__longTasks.filter(([t]) => t >= {t0} && t <= {t1})"
                          ".map(([, d]) => d)")
    page.click("#play")
    context.close()
    dt = (t1 - t0) / 1000
    frames = d1["frames"] - d0["frames"]
    return {"epochs_per_s": (e1 - e0) / dt, "frames_per_s": frames / dt,
            "ms_mean": (d1["ms"] - d0["ms"]) / max(frames, 1),
            "long_tasks": len(tasks), "worst_task_ms": max(tasks, default=0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="seconds of play per measurement (default 5)")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHAINRULE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    server, port = start_server()
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, (hash_, setup) in NETWORKS.items():
                for speed in (60, 1000):
                    bare = served(port, setup, speed, args.seconds)
                    page = shown(browser, base, hash_, speed, args.seconds)
                    rows.append((name, speed, page, bare))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{'network':<18}{'cap':>5}{'shown ep/s':>12}{'bare ep/s':>11}{'ratio':>7}"
          f"{'drawn f/s':>11}{'ms/frame':>10}{'tasks>50ms':>12}{'worst task ms':>15}")
    for name, speed, page, bare in rows:
        print(f"{name:<18}{speed:>5}{page['epochs_per_s']:>12.1f}{bare['epochs_per_s']:>11.1f}"
              f"{page['epochs_per_s'] / bare['epochs_per_s']:>7.2f}{page['frames_per_s']:>11.1f}"
              f"{page['ms_mean']:>10.2f}{page['long_tasks']:>12d}{page['worst_task_ms']:>15.1f}")
    default = [r for r in rows if r[0].startswith("default") and r[1] == 60][0][2]
    big = [r[2] for r in rows if r[0].startswith("8 x 16")]
    ok_default = default["epochs_per_s"] >= 20
    ok_big = all(b["frames_per_s"] >= 10 and b["worst_task_ms"] <= 200 for b in big)
    print(f"\ntarget default network shows >= 20 epochs/s: {'met' if ok_default else 'NOT met'}")
    print(f"target 8x16 draws >= 10 frames/s, no task > 200 ms: {'met' if ok_big else 'NOT met'}")


if __name__ == "__main__":
    main()
