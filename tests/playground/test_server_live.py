"""The playground server's numbers: live frames, the backprop view against
``explain_network``, uploads, and exports that ``chainrule evaluate`` reads back."""
from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
from starlette.testclient import TestClient  # noqa: E402

from chainrule import Tensor, explain, nn  # noqa: E402
from chainrule.playground import create_app  # noqa: E402
from chainrule.playground.sessions import SessionStore  # noqa: E402


@pytest.fixture()
def client():
    with TestClient(create_app(SessionStore())) as c:
        yield c


def session(client: TestClient, **setup) -> tuple[str, dict]:
    r = client.post("/api/sessions", json=setup)
    assert r.status_code == 200, r.text
    return r.json()["id"], r.json()


def playground_of(client: TestClient, sid: str):
    return client.app.state.store.get(sid).playground


def frame_at(ws, epoch: int) -> dict:
    """Frames until one at ``epoch`` or later."""
    msg = ws.receive_json()
    while msg.get("type") != "frame" or msg["epoch"] < epoch:
        msg = ws.receive_json()
    return msg


def decode(heatmap: dict) -> np.ndarray:
    q = np.frombuffer(base64.b64decode(heatmap["data"]), dtype=np.uint8).astype(float)
    assert q.size == heatmap["n"] ** 2
    return (heatmap["lo"] + (heatmap["hi"] - heatmap["lo"]) * q / 255).reshape(
        heatmap["n"], heatmap["n"])


def test_a_new_session_describes_its_network(client):
    sid, body = session(client, features=["x1", "x2", "x1sq"], hidden=[5, 3])
    f = body["frame"]
    assert body["domain"] == [-6, 6, -6, 6] and f["epoch"] == 0 and f["history_reset"]
    assert [len(layer) for layer in f["neurons"]] == [3, 5, 3, 1]
    assert [np.shape(w) for w in f["weights"]] == [(5, 3), (3, 5), (1, 3)]
    assert [len(b) for b in f["biases"]] == [5, 3, 1] and len(f["grad_norms"]) == 3
    out = decode(f["output"])
    assert out.shape == (50, 50) and 0 <= out.min() <= out.max() <= 1
    # neuron 0 of the input layer is x1: it grows to the right, constant down a column
    x1 = decode(f["neurons"][0][0])
    assert x1.shape == (20, 20) and x1[0, -1] > x1[0, 0] and np.ptp(x1[:, 3]) < 1e-9
    x2 = decode(f["neurons"][0][1])
    assert x2[0, 0] > x2[-1, 0]  # row 0 is the top (largest x2)
    pg = playground_of(client, sid)
    np.testing.assert_allclose(f["weights"][1], pg.linears[1].weight.data, rtol=1e-5)
    data = client.get(f"/api/sessions/{sid}/data").json()
    assert len(data["train"]["x"]) == len(data["train"]["y"]) == 250
    assert set(data["test"]["y"]) == {0, 1}


def test_play_trains_xor_below_test_loss_0_1_and_pause_stops(client):
    sid, _ = session(client, dataset="xor")
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        first = ws.receive_json()
        assert first["type"] == "frame" and first["history_reset"] and not first["playing"]
        ws.send_json({"cmd": "speed", "epochs_per_second": 1000})
        ws.send_json({"cmd": "play"})
        epochs, deadline = [], time.monotonic() + 30
        msg = first
        while msg["test_loss"] is None or msg["test_loss"] >= 0.1:
            assert time.monotonic() < deadline, "xor did not reach test loss 0.1 in 30 s"
            msg = ws.receive_json()
            epochs += [h[0] for h in msg["history"]]
        assert msg["playing"] and msg["accuracy"]["test"] > 0.95
        ws.send_json({"cmd": "pause"})
        msg = ws.receive_json()
        while msg["playing"]:
            msg = ws.receive_json()
        epochs += [h[0] for h in msg["history"]]
        # every epoch appears once in the history, in order, across frames
        assert epochs == list(range(1, msg["epoch"] + 1))
        ws.send_json({"cmd": "step"})
        assert frame_at(ws, msg["epoch"] + 1)["epoch"] == msg["epoch"] + 1
        ws.send_json({"cmd": "reset"})
        msg = ws.receive_json()
        while msg["epoch"] != 0:
            msg = ws.receive_json()
        assert msg["history_reset"] and msg["history"] == []


def test_the_server_answers_while_a_big_network_trains(client):
    sid, _ = session(client, hidden=[16] * 8, batch_size=1)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "speed", "epochs_per_second": 1000})
        ws.send_json({"cmd": "play"})
        ws.receive_json()
        for _ in range(5):
            assert client.get("/api/health").json()["ok"]
            assert client.get(f"/api/sessions/{sid}/backprop?index=0").status_code == 200
        ws.send_json({"cmd": "pause"})


def _explain_loss(pg):
    return {"bce": "bce_logits", "ce": "ce_logits"}.get(pg.setup["loss"], "squared")


@pytest.mark.parametrize("setup", [
    {"dataset": "xor", "hidden": [4, 3], "activation": "tanh"},
    {"dataset": "circle", "hidden": [3], "activations": ["swish"], "loss": "mse",
     "features": ["x1", "x2", "x1x2", "sinx1"]},
    {"dataset": "spiral", "problem": "multiclass", "n_classes": 3, "hidden": [5, 4],
     "activations": ["relu", "gelu"]},
    {"dataset": "plane", "hidden": [2], "activations": ["elu"]},
    {"dataset": "gaussian", "hidden": []},
])
def test_the_backprop_view_gives_explain_networks_numbers(client, setup):
    sid, _ = session(client, **setup)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        for e in range(1, 4):
            ws.send_json({"cmd": "step"})
            frame_at(ws, e)
    pg = playground_of(client, sid)
    i = 7
    view = client.get(f"/api/sessions/{sid}/backprop?index={i}").json()
    x = pg.train_x[i]
    if view["loss_name"].startswith("mse_"):  # squared error of the probabilities
        unit = {"mse_sigmoid": nn.Sigmoid(), "mse_softmax": nn.Softmax()}[view["loss_name"]]

        def loss(z, y):
            d = unit(z) - y
            return (d * d).mean()
        loss.__name__ = view["loss_name"]
        y = np.asarray([view["y"]], dtype=float)
    else:
        loss, y = _explain_loss(pg), pg.train_y[i]
        assert view["loss_name"] == loss
    trace = explain.explain_network(pg.model, x, y, loss=loss)
    assert view["loss"] == pytest.approx(trace.loss, rel=1e-5, abs=1e-9)
    np.testing.assert_allclose(view["inputs"], trace.x, rtol=1e-5)
    assert len(view["layers"]) == len(trace.layers)
    for got, want in zip(view["layers"], trace.layers):
        assert got["activation"] == want.activation
        for key, arr in (("a", want.a), ("z", want.z), ("delta", want.delta), ("dW", want.dW),
                         ("db", want.db)):
            np.testing.assert_allclose(got[key], arr, rtol=1e-5, atol=1e-9, err_msg=key)
    # ... and those are the gradients of the training loss on that one point
    for got, (dW, db) in zip(view["layers"], _gradients_of_one_point(pg, i)):
        np.testing.assert_allclose(got["dW"], dW, rtol=2e-4, atol=1e-6)
        np.testing.assert_allclose(got["db"], db, rtol=2e-4, atol=1e-6)
    assert view["x"] == pytest.approx(pg.points.train.X[i].tolist(), rel=1e-5)
    assert view["table"] == explain.explain_network(pg.model, x, y, loss=loss).to_text()


def _gradients_of_one_point(pg, i):
    """backward() of the session's own training loss on the batch (x_i, y_i)."""
    for p in pg.model.parameters():
        p.grad = None
    pg.loss(pg.model(Tensor(pg.train_x[i:i + 1])), pg.train_y[i:i + 1]).backward()
    grads = [(m.weight.grad.data.copy(), m.bias.grad.data.copy()) for m in pg.linears]
    for p in pg.model.parameters():
        p.grad = None
    return grads


def test_editing_a_weight_changes_the_network_and_the_backprop_view(client):
    sid, _ = session(client, dataset="xor")
    r = client.post(f"/api/sessions/{sid}/weight",
                    json={"layer": 1, "to": 0, "from": 2, "value": -1.25})
    assert r.status_code == 200
    assert r.json()["frame"]["weights"][1][0][2] == -1.25
    r = client.post(f"/api/sessions/{sid}/weight",
                    json={"layer": 2, "to": 0, "from": "bias", "value": 0.5})
    assert r.json()["frame"]["biases"][2] == [0.5]
    pg = playground_of(client, sid)
    assert pg.linears[1].weight.data[0, 2] == np.float32(-1.25)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "step"})
        frame = frame_at(ws, 1)
    # training goes on from the edited weight (the optimiser holds no copy of its own)
    assert frame["weights"][1][0][2] == pytest.approx(-1.25, abs=0.2)
    assert frame["weights"][1][0][2] != -1.25
    view = client.get(f"/api/sessions/{sid}/backprop?index=0").json()
    assert view["layers"][1]["a"][0] == pytest.approx(
        float(pg.linears[1].weight.data[0] @ np.asarray(view["layers"][0]["z"])
              + pg.linears[1].bias.data[0]), rel=1e-4)


def test_regularisation_shrinks_weights_and_l1_makes_exact_zeros():
    from chainrule.playground.config import normalize_setup
    from chainrule.playground.driver import Playground

    norms = {}
    for reg in ("none", "l2", "l1"):
        pg = Playground(normalize_setup({"dataset": "gaussian", "hidden": [8, 8], "lr": 0.1,
                                         "regularization": reg, "reg_rate": 0.03}))
        for _ in range(40):
            pg.train_epoch()
        weights = np.concatenate([m.weight.data.ravel() for m in pg.linears])
        norms[reg] = (np.abs(weights).sum(), int(np.sum(weights == 0)))
    assert norms["l2"][0] < norms["none"][0] and norms["l1"][0] < norms["none"][0]
    assert norms["l1"][1] > 0 and norms["none"][1] == 0


def _csv(X, y) -> bytes:
    return ("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y))).encode()


@pytest.mark.parametrize("labels, problem, n_classes", [
    (lambda X: np.where(X[:, 0] > 0, 1, -1), "classification", 2),
    (lambda X: (X[:, 0] > 0).astype(int) + (X[:, 1] > 0), "multiclass", 3),
    (lambda X: np.round(X[:, 0] * 0.3 - X[:, 1] * 0.1, 4), "regression", 3),
])
def test_an_uploaded_csv_becomes_the_dataset(client, labels, problem, n_classes):
    rng = np.random.default_rng(0)
    X = np.round(rng.uniform(-3, 5, (120, 2)), 4)
    sid, _ = session(client)
    r = client.post(f"/api/sessions/{sid}/upload", content=_csv(X, labels(X)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["setup"]["dataset"] == "upload" and body["setup"]["problem"] == problem
    if problem == "multiclass":
        assert body["setup"]["n_classes"] == n_classes
    x1min, x1max, x2min, x2max = body["domain"]
    assert x1min < X[:, 0].min() and x1max > X[:, 0].max() and x2max > X[:, 1].max()
    data = client.get(f"/api/sessions/{sid}/data").json()
    assert len(data["train"]["x"]) + len(data["test"]["x"]) == 120
    # the upload survives a change of network, and is refused for a mismatching problem
    r = client.post(f"/api/sessions/{sid}/setup", json={"hidden": [3]})
    assert r.status_code == 200 and r.json()["setup"]["dataset"] == "upload"
    other = "regression" if problem != "regression" else "classification"
    assert client.post(f"/api/sessions/{sid}/setup", json={"problem": other}).status_code == 400


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "chainrule.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _train_and_export(client, sid: str, epochs: int, tmp_path: Path) -> tuple[Path, dict]:
    """Step ``epochs`` epochs over the live socket, export the model zip and unpack it into
    ``tmp_path``: (the run folder, the last frame)."""
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        for e in range(1, epochs + 1):
            ws.send_json({"cmd": "step"})
            frame = frame_at(ws, e)
    r = client.get(f"/api/sessions/{sid}/export/model")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(r.content)).extractall(tmp_path)
    (run,) = tmp_path.iterdir()
    return run, frame


@pytest.mark.parametrize("setup, pattern", [
    ({"dataset": "xor", "features": ["x1", "x2", "x1x2", "sinx1"], "train_ratio": 70},
     r"accuracy (\d\.\d+)"),
    ({"dataset": "plane", "hidden": [3]}, r"MSE (\S+)"),
])
def test_the_exported_model_round_trips_through_chainrule_evaluate(client, tmp_path, setup,
                                                                   pattern):
    sid, _ = session(client, **setup)
    run, frame = _train_and_export(client, sid, 5, tmp_path)
    assert run.name == f"playground-{setup['dataset']}-epoch5"
    pg = playground_of(client, sid)
    if pg.problem == "regression":
        expected = pg.test_loss
    else:
        expected = frame["accuracy"]["test"]
    for args, cwd in (((str(run), "--csv", str(run / "test.csv")), None), ((".",), run)):
        done = _cli("evaluate", *args, cwd=cwd)
        assert done.returncode == 0, done.stderr
        value = float(re.search(pattern, done.stdout).group(1))
        assert value == pytest.approx(expected, rel=1e-3), done.stdout
    done = _cli("predict", str(run), "--csv", str(run / "train.csv"))
    assert done.returncode == 0 and len(done.stdout.splitlines()) == len(pg.train_x) + 1
    setup_file = client.get(f"/api/sessions/{sid}/export/setup")
    assert "attachment" in setup_file.headers["content-disposition"]
    assert setup_file.json() == client.get(f"/api/sessions/{sid}").json()["setup"]


def test_the_playground_command_listens_on_loopback_and_prints_its_address(tmp_path):
    import urllib.request

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule.cli", "playground"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url.group(0) + "api/health", timeout=5) as r:
                    assert b'"ok":true' in r.read()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(20)
    done = _cli("playground", "--port", "70000")
    assert done.returncode == 2 and "65535" in done.stderr


def test_options_carry_limits_choices_and_dataset_previews(client):
    opts = client.get("/api/options").json()
    assert opts["limits"]["layers"] == [0, 8] and opts["defaults"]["hidden"] == [4, 2]
    assert set(opts["previews"]) == {"circle", "xor", "gaussian", "spiral", "plane",
                                     "multigauss"}
    for name, p in opts["previews"].items():
        assert len(p["x"]) == len(p["y"]) == 150, name
    assert set(opts["previews"]["xor"]["y"]) == {0, 1}


def test_switching_back_to_an_upload_takes_its_problem_and_classes(client):
    rng = np.random.default_rng(1)
    X = np.round(rng.uniform(-4, 4, (90, 2)), 3)
    sid, _ = session(client)
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0) + (X[:, 0] > 2)
    assert client.post(f"/api/sessions/{sid}/upload", content=_csv(X, labels)).status_code == 200
    s = client.post(f"/api/sessions/{sid}/setup", json={"dataset": "xor"}).json()["setup"]
    assert (s["dataset"], s["problem"]) == ("xor", "classification")
    s = client.post(f"/api/sessions/{sid}/setup", json={"dataset": "upload"}).json()["setup"]
    assert (s["problem"], s["n_classes"], s["loss"]) == ("multiclass", 4, "ce")
    frame = client.get(f"/api/sessions/{sid}").json()["frame"]
    assert len(frame["neurons"][-1]) == 4 and np.shape(frame["confusion"]["test"]) == (4, 4)


def test_a_long_epoch_pauses_between_batches_and_resumes_where_it_stopped():
    from chainrule.playground.config import normalize_setup
    from chainrule.playground.driver import Playground

    setup = normalize_setup({"hidden": [16] * 8, "batch_size": 1, "n_points": 400,
                             "activation": "gelu"})
    whole, parts = Playground(setup), Playground(setup)
    whole.train_epoch()
    chunks = 0
    while not parts.advance(0.0):  # one batch at a time
        chunks += 1
        assert parts.epoch == 0
    assert chunks == len(parts.train_x) - 1 and parts.epoch == 1
    for a, b in zip(whole.linears, parts.linears):
        np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert whole.history == parts.history


def test_frames_follow_a_long_epoch_and_pause_stops_inside_it(client):
    sid, body = session(client, hidden=[16] * 8, batch_size=1, n_points=2000,
                        train_ratio=90, activation="gelu")
    start = body["frame"]["weights"]
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "play"})
        msg = ws.receive_json()
        while not (msg["playing"] and msg["weights"] != start):
            msg = ws.receive_json()
        assert msg["epoch"] == 0  # the weights moved inside the first epoch
        ws.send_json({"cmd": "pause"})
        while msg["playing"]:
            msg = ws.receive_json()
    assert msg["epoch"] == 0


def test_an_uploaded_dataset_exports_and_evaluates_the_same(client, tmp_path):
    rng = np.random.default_rng(2)
    X = np.round(rng.uniform(-3, 3, (150, 2)), 3)
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    sid, _ = session(client, features=["x1", "x2", "x1x2"])
    assert client.post(f"/api/sessions/{sid}/upload", content=_csv(X, labels)).status_code == 200
    run, frame = _train_and_export(client, sid, 3, tmp_path)
    done = _cli("evaluate", ".", cwd=run)
    assert done.returncode == 0, done.stderr
    accuracy = float(re.search(r"accuracy (\d\.\d+)", done.stdout).group(1))
    assert accuracy == pytest.approx(frame["accuracy"]["test"], abs=1e-4)
    assert len(re.findall(r"^\s+[012]\s+\d", done.stdout, re.M)) == 3  # a row per class


def test_sessions_training_at_once_leave_the_engine_recording(client):
    """chainrule's grad mode is one process-wide switch: sessions must never interleave
    their no_grad blocks (they share one engine lock)."""
    import chainrule

    sockets, errors, epochs = [], [], []
    try:
        for k in range(4):
            sid, _ = session(client, dataset="spiral", hidden=[6, 6], seed=k)
            ws = client.websocket_connect(f"/api/sessions/{sid}/live").__enter__()
            ws.receive_json()
            ws.send_json({"cmd": "speed", "epochs_per_second": 1000})
            ws.send_json({"cmd": "play"})
            sockets.append(ws)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            r = client.get(f"/api/sessions/{sid}/backprop?index=1")
            assert r.status_code == 200, r.text
        for ws in sockets:
            ws.send_json({"cmd": "pause"})
            msg = ws.receive_json()
            while msg.get("playing") is not False:
                if msg["type"] == "error":
                    errors.append(msg["message"])
                msg = ws.receive_json()
            epochs.append(msg["epoch"])
    finally:
        for ws in sockets:
            ws.__exit__(None, None, None)
    assert errors == []
    assert min(epochs) > 0  # every session got its turn
    assert chainrule.is_grad_enabled()
    sid, _ = session(client)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "step"})
        assert frame_at(ws, 1)["epoch"] == 1


def test_training_settings_change_while_the_network_plays_on(client):
    sid, _ = session(client, dataset="xor")
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        for e in range(1, 4):
            ws.send_json({"cmd": "step"})
            before = frame_at(ws, e)
        ws.send_json({"cmd": "play"})
        while not frame_at(ws, 0)["playing"]:  # the socket's command is taken asynchronously
            pass
        pg = playground_of(client, sid)
        r = client.post(f"/api/sessions/{sid}/setup",
                        json={"lr": 0.3, "show_test": True, "batch_size": 5})
        assert r.status_code == 200 and r.json()["frame"]["epoch"] >= 3
        assert r.json()["frame"]["playing"] and playground_of(client, sid) is pg
        assert pg.optimizer.param_groups[0]["lr"] == 0.3
        r = client.post(f"/api/sessions/{sid}/setup", json={"optimizer": "adam",
                                                            "regularization": "l2"})
        assert r.json()["setup"]["optimizer"] == "adam" and r.json()["frame"]["epoch"] >= 3
        msg = ws.receive_json()
        while msg["history_reset"] or msg["epoch"] < before["epoch"] + 5:
            assert not msg["history_reset"]  # the run goes on, its history too
            msg = ws.receive_json()
        r = client.post(f"/api/sessions/{sid}/setup", json={"hidden": [3]})
        assert r.json()["frame"]["epoch"] == 0 and not r.json()["frame"]["playing"]


def test_a_playing_session_pauses_when_its_last_page_closes(client):
    sid, _ = session(client)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "play"})
        assert frame_at(ws, 1)["playing"]
    deadline = time.monotonic() + 10
    while client.app.state.store.get(sid).playing:
        assert time.monotonic() < deadline
        time.sleep(0.02)
