"""The playground's live speed: epochs per second that reach the page, with frames.

A real uvicorn server runs in a thread of this process, and a WebSocket client (the
``websockets`` package uvicorn's standard extra installs) presses play and reads every
frame, as the page does, decoding its JSON. Measured for the default network (2-4-2-1
tanh on circle, 250 training points, batch 10) and for 8 hidden layers of 16 neurons:

- served: epochs per second seen in the frames, at the page's default speed cap (60) and
  uncapped (1000, the most the server allows);
- baseline: the same `Playground` driver's ``train_epoch`` in a loop, no server, no frames,
  measured in the same process; ratio = served (uncapped) / baseline, the share of the
  training speed that survives serving frames;
- frames per second, kilobytes per frame, and the time to build one frame.

Target: >= 20 epochs/s reach the page with the default network (at the default cap, and
uncapped); the 8x16 network stays usable (>= 10 epochs/s and >= 10 frames/s).

    PYTHONPATH=src python benchmarks/bench_playground.py [--seconds 5]
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

from _timing import best_of

NETWORKS = {"default 2-4-2-1": {}, "8 x 16": {"hidden": [16] * 8}}


def start_server() -> tuple[Any, int]:
    import uvicorn

    from chainrule.playground import create_app
    from chainrule.playground.server import bind

    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="error"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, sock.getsockname()[1]


def new_session(port: int, setup: dict) -> str:
    import urllib.request

    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/sessions",
                                 data=json.dumps(setup).encode(), method="POST")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["id"]


def served(port: int, setup: dict, speed: float, seconds: float) -> dict[str, float]:
    """Play for ``seconds`` at ``speed`` epochs/s; what the client received."""
    from websockets.sync.client import connect

    sid = new_session(port, setup)
    with connect(f"ws://127.0.0.1:{port}/api/sessions/{sid}/live",
                 max_size=1 << 24) as ws:
        json.loads(ws.recv())
        ws.send(json.dumps({"cmd": "speed", "epochs_per_second": speed}))
        ws.send(json.dumps({"cmd": "play"}))
        frames = size = 0
        first_epoch = None
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            text = ws.recv()
            msg = json.loads(text)
            if msg.get("type") != "frame" or not msg["playing"]:
                continue
            if first_epoch is None:
                first_epoch, start = msg["epoch"], time.perf_counter()
                continue
            frames += 1
            size += len(text)
            last_epoch = msg["epoch"]
        elapsed = time.perf_counter() - start
        ws.send(json.dumps({"cmd": "pause"}))
    return {"epochs_per_s": (last_epoch - first_epoch) / elapsed,
            "frames_per_s": frames / elapsed, "kb_per_frame": size / max(frames, 1) / 1e3}


def baseline(setup: dict) -> tuple[float, float]:
    """(epochs per second of the bare driver, seconds to build one frame)."""
    from chainrule.playground.config import normalize_setup
    from chainrule.playground.driver import Playground

    pg = Playground(normalize_setup(setup))
    for _ in range(5):
        pg.train_epoch()
    epoch = best_of(pg.train_epoch, repeat=5, number=20)
    frame = best_of(pg.frame, repeat=5, number=10)
    return 1.0 / epoch, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="seconds of play per measurement (default 5)")
    args = parser.parse_args()
    server, port = start_server()
    rows = []
    try:
        for name, setup in NETWORKS.items():
            bare, frame_s = baseline(setup)
            capped = served(port, setup, 60, args.seconds)
            free = served(port, setup, 1000, args.seconds)
            rows.append((name, capped, free, bare, frame_s))
    finally:
        server.should_exit = True
    print(f"{'network':<17}{'cap 60: ep/s':>13}{'uncapped: ep/s':>16}{'frames/s':>10}"
          f"{'kB/frame':>10}{'bare ep/s':>11}{'ratio':>7}{'frame ms':>10}")
    for name, capped, free, bare, frame_s in rows:
        print(f"{name:<17}{capped['epochs_per_s']:>13.1f}{free['epochs_per_s']:>16.1f}"
              f"{free['frames_per_s']:>10.1f}{free['kb_per_frame']:>10.1f}{bare:>11.1f}"
              f"{free['epochs_per_s'] / bare:>7.2f}{frame_s * 1e3:>10.2f}")
    default, big = rows[0], rows[1]
    ok_default = min(default[1]["epochs_per_s"], default[2]["epochs_per_s"]) >= 20
    ok_big = big[2]["epochs_per_s"] >= 10 and big[2]["frames_per_s"] >= 10
    print(f"\ntarget default >= 20 epochs/s with frames: {'met' if ok_default else 'NOT met'}")
    print(f"target 8x16 usable (>= 10 epochs/s, >= 10 frames/s): "
          f"{'met' if ok_big else 'NOT met'}")


if __name__ == "__main__":
    main()
