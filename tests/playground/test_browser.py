"""End-to-end tests of the playground page in a real headless Chromium (Playwright for Python).

The real server (``chainrule.playground.create_app`` on uvicorn) runs in a thread on a free
loopback port; the browser is Debian's ``chromium`` (Playwright's own download does not work
offline). The tests skip, saying why, only when Playwright or that executable is missing.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)")
pytest.importorskip("uvicorn", reason="the playground extra is not installed (uvicorn)")
pytest.importorskip("starlette", reason="the playground extra is not installed (starlette)")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium executable at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)

from chainrule.data.playground import playground_features  # noqa: E402
from chainrule.explain import explain_network  # noqa: E402
from chainrule.playground import create_app  # noqa: E402

# PROTOCOL.md's feature names -> chainrule.data.playground's
FEATURE_NAMES = {"x1": "x1", "x2": "x2", "x1sq": "x1^2", "x2sq": "x2^2", "x1x2": "x1*x2",
                 "sinx1": "sin x1", "sinx2": "sin x2"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The playground server on a free loopback port, for this module's tests."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the playground server did not start within 20 s")
        time.sleep(0.05)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, f"the page raised JavaScript errors: {errors}"


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)


def _api(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return json.loads(r.read())


def _session(page: Any, base: str) -> dict[str, Any]:
    sid = page.evaluate("window.playground.session.id")
    return _api(base, f"/api/sessions/{sid}")


def _settled(page: Any) -> None:
    """Wait until every set-up change the page has sent is answered and shown."""
    page.evaluate("window.playground.busy.then(() => true)")


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace("\u221e", "inf"))


def test_page_loads(server: str, page: Any) -> None:
    requests: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    _open(page, server + "/")
    page.wait_for_timeout(300)                                  # thumbnails, socket
    assert page.title() == "chainrule playground"
    # Offline: every request goes to the playground's own server (no CDN, no fonts), and
    # every file the page asks for exists.
    foreign = [u for u in requests if not u.startswith((server, server.replace("http", "ws")))
               and not u.startswith(("data:", "blob:"))]
    assert not foreign, foreign
    assert not console_errors, console_errors
    # Every feature node (7), 4 + 2 hidden neurons and one output, each with its heatmap.
    assert page.locator(".node.input").count() == 7
    assert page.locator(".node.input.on").count() == 2
    assert page.locator(".node.hidden-node").count() == 6
    assert page.locator(".node.output-node").count() == 1
    assert page.evaluate("window.playground.network.linkCount()") == 2 * 4 + 4 * 2 + 2 * 1
    assert page.locator(".dataset").count() == 7
    assert page.inner_text("#epoch") == "000,000"
    assert math.isfinite(_number(page.get_attribute("#test-loss", "data-value")))


def _heatmap_colours(page: Any) -> dict[str, int]:
    """Counts of orange-ish, blue-ish and other pixels of the output canvas."""
    return page.evaluate("""() => {
        const c = document.getElementById('heatmap');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let orange = 0, blue = 0, blank = 0, other = 0;
        for (let i = 0; i < d.length; i += 4) {
            const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
            if (a === 0) blank++;
            else if (r > b + 40) orange++;
            else if (b > r + 40) blue++;
            else other++;
        }
        return {orange, blue, blank, other, total: d.length / 4};
    }""")


def test_xor_trains_below_0_1_and_the_map_is_drawn(server: str, page: Any,
                                                   tmp_path: Path) -> None:
    _open(page, server + "/#dataset=xor")
    before = _heatmap_colours(page)
    page.select_option("#speed", "1000")                       # as fast as the server goes
    page.click("#play")
    page.wait_for_function(
        "() => { const v = document.getElementById('test-loss').dataset.value;"
        " return v !== '' && Number(v) < 0.1; }", timeout=30000)
    page.click("#play")                                         # pause
    page.wait_for_function("() => !document.body.classList.contains('playing')")
    test_loss = _number(page.get_attribute("#test-loss", "data-value"))
    epoch = int(page.inner_text("#epoch").replace(",", ""))
    assert test_loss < 0.1 and epoch > 0
    # The server agrees with what the page shows.
    frame = _session(page, server)["frame"]
    assert frame["test_loss"] < 0.1 and frame["epoch"] >= epoch
    # The output map is painted: both classes' colours cover a good part of it, and after
    # training on xor the blue part is no longer what it was at epoch 0.
    after = _heatmap_colours(page)
    assert after["orange"] > 0.15 * after["total"] and after["blue"] > 0.15 * after["total"], after
    assert after != before
    # Every neuron's small heatmap is painted too (not a 1x1 blank canvas).
    sizes = page.evaluate("window.playground.network.nodes.flat()"
                          ".filter(n => !n.el.classList.contains('off'))"
                          ".map(n => n.painted ? n.img.width : 0)")
    assert len(sizes) == 2 + 4 + 2 + 1 and min(sizes) > 1
    shot = tmp_path / "playground-xor-trained.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the trained page: {shot}")


def test_changing_dataset_and_layer_size(server: str, page: Any) -> None:
    _open(page, server + "/")
    points_before = page.evaluate("JSON.stringify(window.playground.plane.data.train.x)")
    page.click(".dataset[data-dataset='spiral']")
    page.wait_for_function("() => location.hash.includes('dataset=spiral')")
    page.wait_for_function("() => window.playground.state.dataset === 'spiral'"
                           " && document.querySelector(\".dataset.selected\").dataset.dataset === 'spiral'")
    page.wait_for_function(f"() => JSON.stringify(window.playground.plane.data.train.x) !== {json.dumps(points_before)}")
    _settled(page)
    assert _session(page, server)["setup"]["dataset"] == "spiral"

    # + on the first hidden layer: 5 neurons there, in the page, the URL and the server.
    page.locator(".layer-head").first.locator("button", has_text="+").click()
    page.wait_for_function("() => document.querySelectorAll(\".node[data-layer='1']\").length === 5")
    _settled(page)
    assert "hidden=5,2" in page.evaluate("location.hash")
    session = _session(page, server)
    assert session["setup"]["hidden"] == [5, 2]
    assert np.array(session["frame"]["weights"][0]).shape == (5, 2)
    assert page.evaluate("window.playground.network.linkCount()") == 2 * 5 + 5 * 2 + 2 * 1
    # A third hidden layer, then a feature switched on.
    page.click("#layer-add")
    page.wait_for_function("() => window.playground.state.hidden.length === 3")
    page.click(".node.input[data-feature='x1sq']")
    page.wait_for_function("() => window.playground.state.features.includes('x1sq')")
    _settled(page)
    setup = _session(page, server)["setup"]
    assert setup["hidden"] == [5, 2, 2] and setup["features"] == ["x1", "x2", "x1sq"]
    assert page.inner_text("#layer-count") == "3"


def _cell(page: Any, q: str, layer: int, neuron: int, source: int | None = None) -> float:
    sel = f"[data-q='{q}'][data-layer='{layer}'][data-neuron='{neuron}']"
    if source is not None:
        sel += f"[data-from='{source}']"
    return _number(page.inner_text(f"#bp-table {sel}"))


def test_backprop_view_shows_explain_network_numbers(server: str, page: Any) -> None:
    _open(page, server + "/#dataset=circle&hidden=3,2&activations=tanh,relu&features=x1,x2,x1sq")
    page.click("#play")                                         # train a little, then
    page.wait_for_function("() => Number(document.body.dataset.epoch) >= 3")
    x, y = page.evaluate("""() => {                              // click point 7 on the map
        const pl = window.playground.plane, [sx, sy] = pl.toScreen(...pl.data.train.x[7]);
        const r = document.getElementById('heatmap').getBoundingClientRect();
        return [r.left + sx, r.top + sy];
    }""")
    page.mouse.click(x, y)
    page.wait_for_selector("#bp-table [data-q='delta']")
    assert not page.evaluate("window.playground.frame.playing")  # picking a point paused it
    index = page.evaluate("window.playground.traceIndex")
    assert index == 7 or page.evaluate(  # (or a training point drawn on top of point 7)
        f"(() => {{ const d = window.playground.plane.data.train.x;"
        f" return Math.hypot(d[{index}][0] - d[7][0], d[{index}][1] - d[7][1]) < 0.5; }})()")
    # The diagram carries z and δ on every neuron now.
    assert page.locator(".network.backprop").count() == 1
    assert re.search(r"δ\s*[−\d]", page.inner_text(".node.output-node .node-info"))

    session = _session(page, server)
    data = _api(server, f"/api/sessions/{session['id']}/data")
    setup, frame = session["setup"], session["frame"]
    point = np.array([data["train"]["x"][index]], dtype=np.float64)
    x, _ = playground_features(point, [FEATURE_NAMES[f] for f in setup["features"]],
                               dtype=np.float64)
    acts = setup["activations"] + ["identity"]                  # the output layer gives logits
    layers = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64), a)
              for W, b, a in zip(frame["weights"], frame["biases"], acts)]
    trace = explain_network(layers, x[0], data["train"]["y"][index], loss="bce_logits")

    close = lambda shown, want: math.isclose(shown, want, rel_tol=2e-3, abs_tol=2e-5)  # noqa: E731
    assert close(_number(page.inner_text("#bp-summary [data-q='loss']")), trace.loss)
    for i, v in enumerate(trace.x):
        assert close(_cell(page, "z", 0, i), v)
    for lt in trace.layers:
        for j in range(len(lt.z)):
            assert close(_cell(page, "a", lt.index, j), lt.a[j]), (lt.index, j)
            assert close(_cell(page, "z", lt.index, j), lt.z[j]), (lt.index, j)
            assert close(_cell(page, "delta", lt.index, j), lt.delta[j]), (lt.index, j)
            assert close(_cell(page, "db", lt.index, j), lt.db[j]), (lt.index, j)
            for i in range(lt.dW.shape[1]):
                assert close(_cell(page, "dW", lt.index, j, i), lt.dW[j, i]), (lt.index, j, i)
    # Playing again leaves the backprop view (its numbers belong to the old weights).
    page.click("#play")
    page.wait_for_function("() => !document.querySelector('.network.backprop')")
    page.click("#play")


ROUND_TRIP = ("#dataset=spiral&noise=20&train_ratio=70&batch_size=20&seed=7"
              "&features=x1,x2,x1sq,sinx1&hidden=6,3,2&activations=relu,tanh,gelu&lr=0.1"
              "&optimizer=adam&regularization=l2&reg_rate=0.001&problem=multiclass"
              "&n_classes=4&loss=ce&show_test=1&discretize=1&speed=10&hide=upload,teacher")


def test_url_round_trips_the_state(server: str, page: Any, browser: Any) -> None:
    _open(page, server + "/" + ROUND_TRIP)
    assert page.evaluate("location.hash") == ROUND_TRIP         # nothing lost or reordered
    setup = _session(page, server)["setup"]
    expected = {
        "dataset": "spiral", "noise": 20, "train_ratio": 70, "batch_size": 20, "seed": 7,
        "features": ["x1", "x2", "x1sq", "sinx1"], "hidden": [6, 3, 2],
        "activations": ["relu", "tanh", "gelu"], "lr": 0.1, "optimizer": "adam",
        "regularization": "l2", "reg_rate": 0.001, "problem": "multiclass", "n_classes": 4,
        "loss": "ce", "show_test": True, "discretize": True,
    }
    assert {k: setup[k] for k in expected} == expected
    # The controls show it, and teacher mode hides what the link says.
    assert page.input_value("#lr") == "0.1" and page.input_value("#optimizer") == "adam"
    assert page.input_value("#problem") == "multiclass" and page.input_value("#classes") == "4"
    assert page.is_checked("#showTest") and page.is_checked("#discretize")
    assert page.input_value("#speed") == "10"
    assert page.locator(".node.output-node").count() == 4
    assert page.locator("#confusion tr").count() == 1 + 4          # a 4 x 4 confusion matrix
    assert page.locator("#colour-legend .class-key").count() == 4
    assert not page.is_visible("#teacher-btn") and not page.is_visible("label[data-control='upload']")
    # A change made in the page goes into the URL, and a fresh page opened on that URL
    # comes back in the same state.
    page.select_option("#lr", "0.3")
    page.wait_for_function("() => location.hash.includes('lr=0.3')")
    _settled(page)
    page.locator(".layer-head").nth(1).locator("select").select_option("sigmoid")
    page.wait_for_function("() => location.hash.includes('activations=relu,sigmoid,gelu')")
    _settled(page)
    url = page.url
    state = page.evaluate("JSON.stringify(window.playground.state)")
    other = browser.new_page()
    try:
        _open(other, url)
        assert other.evaluate("JSON.stringify(window.playground.state)") == state
        assert other.evaluate("location.hash") == page.evaluate("location.hash")
    finally:
        other.close()


def test_edit_a_weight_and_upload_a_csv(server: str, page: Any, tmp_path: Path) -> None:
    _open(page, server + "/#dataset=xor")
    # Hover the link x2 -> h1.1 (found by its drawn geometry), read it, click it, set it.
    x, y = page.evaluate("""() => {
        const n = window.playground.network, l = n.links[0][1][1];
        const r = document.getElementById('network').getBoundingClientRect();
        const mx = (l.x1 + l.x2) / 2;
        return [r.left + mx, r.top + (l.y1 + l.y2) / 2];
    }""")
    page.mouse.move(x, y)
    tip = page.inner_text("#link-tip")
    assert "x2 → h1.1" in tip and "w =" in tip
    page.mouse.click(x, y)
    page.fill("#weight-value", "-2.75")
    page.press("#weight-value", "Enter")
    page.wait_for_function("() => window.playground.frame.weights[0][1][1] === -2.75")
    assert _session(page, server)["frame"]["weights"][0][1][1] == -2.75

    rng = np.random.default_rng(3)
    pts = rng.uniform(-2, 2, (120, 2))
    labels = (np.hypot(pts[:, 0], pts[:, 1]) < 1.2).astype(int)
    csv = tmp_path / "ring.csv"
    csv.write_text("x1,x2,label\n" + "".join(f"{a:.4f},{b:.4f},{c}\n"
                                             for (a, b), c in zip(pts, labels)))
    page.set_input_files("#upload", str(csv))
    page.wait_for_function("() => window.playground.state.dataset === 'upload'")
    data = page.evaluate("window.playground.plane.data")
    assert len(data["train"]["x"]) + len(data["test"]["x"]) == 120
    assert page.locator(".dataset.selected").get_attribute("data-dataset") == "upload"
    # A CSV the server refuses (10 columns) leaves the page on its data, with a message.
    bad = tmp_path / "wide.csv"
    bad.write_text("\n".join(",".join(["1"] * 10) for _ in range(20)) + "\n")
    page.set_input_files("#upload", str(bad))
    page.wait_for_selector(".banner.error")
    assert "wide.csv" in page.inner_text("#banner")
    assert page.evaluate("window.playground.state.dataset") == "upload"


def test_regression_view(server: str, page: Any) -> None:
    _open(page, server + "/#dataset=multigauss&problem=regression&hidden=6,4")
    assert page.evaluate("window.playground.state.problem") == "regression"
    assert not page.is_visible("#acc-box") and not page.is_visible("#confusion-box")
    assert "predicted value" in page.inner_text("#colour-legend")
    # Only the regression datasets (and the upload tile) are offered.
    shown = page.eval_on_selector_all(".dataset:not([hidden])", "ts => ts.map(t => t.dataset.dataset)")
    assert shown == ["plane", "multigauss", "upload"]
    page.click("#step")
    page.wait_for_function("() => Number(document.body.dataset.epoch) >= 1")
    # The map is painted: a smooth field of many shades, not a flat fill.
    shades = page.evaluate("""() => {
        const c = document.getElementById('heatmap');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4) if (d[i + 3]) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        return seen.size;
    }""")
    assert shades > 300, shades          # the axes and labels alone give about 60


def test_teacher_mode_hides_every_listed_control(server: str, page: Any) -> None:
    _open(page, server + "/")
    keys = page.evaluate("import('/static/js/state.js').then(m => Object.keys(m.HIDEABLE))")
    assert len(keys) > 20
    for key in keys:                          # each choice in the dialog hides something real
        if key != "features":
            assert page.locator(f"[data-control='{key}']").count() >= 1, key
    _open(page, server + "/#dataset=xor&hide=" + ",".join(keys))
    for key in keys:
        if key != "features":
            for i in range(page.locator(f"[data-control='{key}']").count()):
                assert not page.locator(f"[data-control='{key}']").nth(i).is_visible(), key
    # Inputs that are off disappear and clicking an input changes nothing.
    assert not page.is_visible(".node.input[data-feature='x1sq']")
    page.click(".node.input[data-feature='x1']")
    assert page.evaluate("window.playground.state.features") == ["x1", "x2"]
    # The class can still watch it train.
    page.click("#play")
    page.wait_for_function("() => Number(document.body.dataset.epoch) > 5")
    page.click("#play")
