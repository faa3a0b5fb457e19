"""The playground server refuses hostile requests cleanly and stays healthy afterwards."""
from __future__ import annotations

import http.client
import threading
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
from starlette.testclient import TestClient  # noqa: E402

from chainrule.playground import create_app  # noqa: E402
from chainrule.playground.config import DEFAULTS, LIMITS  # noqa: E402
from chainrule.playground.sessions import SessionStore  # noqa: E402


@pytest.fixture()
def client():
    with TestClient(create_app(SessionStore(max_sessions=4)),
                    raise_server_exceptions=False) as c:
        yield c


def new_session(client: TestClient, **setup) -> str:
    r = client.post("/api/sessions", json=setup)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def assert_healthy(client: TestClient) -> None:
    """The server answers, and a session can still be made, trained and read."""
    assert client.get("/api/health").json()["ok"] is True
    sid = new_session(client, dataset="xor")
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        first = ws.receive_json()
        ws.send_json({"cmd": "step"})
        frame = ws.receive_json()
        while frame["epoch"] < 1:
            frame = ws.receive_json()
    assert first["epoch"] == 0 and frame["epoch"] == 1
    assert client.delete(f"/api/sessions/{sid}").status_code == 200


def refused(r, status: int, *words: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    message = r.json()["error"]
    for w in words:
        assert w in message, message


@pytest.mark.parametrize("setup, words", [
    ({"hidden": [4] * 9}, ["hidden", "0 to 8"]),
    ({"hidden": [17]}, ["hidden[0]", "1 to 16"]),
    ({"hidden": [4, 0]}, ["hidden[1]"]),
    ({"hidden": [4, 2.5]}, ["hidden[1]"]),
    ({"hidden": "4,2"}, ["hidden"]),
    ({"hidden": [True]}, ["hidden[0]"]),
    ({"lr": -0.1}, ["lr", "finite"]),
    ({"lr": 0}, ["lr"]),
    ({"lr": "0.1"}, ["lr"]),
    ({"reg_rate": -1}, ["reg_rate"]),
    ({"batch_size": 0}, ["batch_size", "1 to 64"]),
    ({"batch_size": 65}, ["batch_size"]),
    ({"noise": 51}, ["noise"]),
    ({"train_ratio": 5}, ["train_ratio"]),
    ({"n_points": 10**9}, ["n_points"]),
    ({"seed": -1}, ["seed"]),
    ({"n_classes": 6, "problem": "multiclass", "dataset": "spiral"}, ["n_classes"]),
    ({"dataset": "mnist"}, ["dataset"]),
    ({"dataset": "upload"}, ["upload"]),
    ({"features": []}, ["features"]),
    ({"features": ["x1", "x3"]}, ["feature"]),
    ({"features": ["x1", "x1"]}, ["repeat"]),
    ({"activations": ["tanh"]}, ["activations"]),
    ({"activation": "softmax"}, ["activation"]),
    ({"dataset": "circle", "problem": "regression"}, ["regression"]),
    ({"dataset": "xor", "problem": "multiclass"}, ["multiclass"]),
    ({"problem": "classification", "loss": "ce"}, ["loss"]),
    ({"optimizer": "lbfgs"}, ["optimizer"]),
    ({"show_test": "yes"}, ["show_test"]),
    ({"learning_rate": 0.1}, ["unknown", "learning_rate"]),
])
def test_bad_setups_are_refused_with_a_message(client, setup, words):
    refused(client.post("/api/sessions", json=setup), 400, *words)
    assert len(client.app.state.store) == 0


def test_nan_and_infinity_in_json_are_refused(client):
    for body in ('{"lr": NaN}', '{"reg_rate": Infinity}', '{"lr": -Infinity}', '{"lr": 1e309}'):
        refused(client.post("/api/sessions", content=body), 400, "finite")
    assert_healthy(client)


@pytest.mark.parametrize("body", [
    b'{"lr": ', b"[1, 2]", b'"circle"', b"\xff\xfe\x00", b"{'lr': 0.1}", b"[" * 5000,
    b"null",
])
def test_malformed_json_is_refused(client, body):
    r = client.post("/api/sessions", content=body)
    assert r.status_code == 400, r.text
    assert "error" in r.json()


def test_oversize_json_is_refused_before_parsing(client):
    r = client.post("/api/sessions", content=b'{"hidden": [' + b"4," * 100_000 + b"4]}")
    refused(r, 413, "bytes")
    assert_healthy(client)


def test_a_refused_setup_leaves_the_session_as_it_was(client):
    sid = new_session(client, dataset="spiral", hidden=[8, 8])
    refused(client.post(f"/api/sessions/{sid}/setup", json={"hidden": [8, 99]}), 400,
            "hidden[1]")
    refused(client.post(f"/api/sessions/{sid}/setup", content=b"{oops"), 400, "JSON")
    setup = client.get(f"/api/sessions/{sid}").json()["setup"]
    assert setup["hidden"] == [8, 8] and setup["dataset"] == "spiral"


def test_a_partial_setup_merges_and_dependent_fields_follow(client):
    sid = new_session(client, activation="relu")
    s = client.post(f"/api/sessions/{sid}/setup", json={"hidden": [3, 3, 3]}).json()["setup"]
    assert s["activations"] == ["relu"] * 3
    s = client.post(f"/api/sessions/{sid}/setup", json={"dataset": "plane"}).json()["setup"]
    assert (s["problem"], s["loss"]) == ("regression", "mse")
    s = client.post(f"/api/sessions/{sid}/setup", json={"dataset": "spiral"}).json()["setup"]
    assert (s["problem"], s["loss"]) == ("classification", "bce")
    s = client.post(f"/api/sessions/{sid}/setup",
                    json={"problem": "multiclass", "n_classes": 4}).json()["setup"]
    assert (s["problem"], s["loss"]) == ("multiclass", "ce")
    assert s == {**s, "hidden": [3, 3, 3], "dataset": "spiral"}
    assert set(s) == set(DEFAULTS)


def test_a_50_megabyte_upload_is_refused_and_the_server_stays_healthy(client):
    sid = new_session(client)
    big = b"1,2,0\n" * (50 * 1024 * 1024 // 6)
    refused(client.post(f"/api/sessions/{sid}/upload", content=big), 413, "bytes")
    assert client.get(f"/api/sessions/{sid}").json()["setup"]["dataset"] == "circle"
    assert_healthy(client)


@pytest.mark.parametrize("csv_text, status, words", [
    ("".join(",".join(["1"] * 10) + "\n" for _ in range(20)), 400, ["10 columns", "3"]),
    ("x1,x2,label\n" + "1,2\n" * 20, 400, ["2 columns"]),
    ("x1,x2,label\n" + "1,2,0\n1,2,1\n" * 3, 400, ["at least 10"]),
    ("x1,x2,label\n" + "1,2,0\n1,2,1\n" * 10 + "1,abc,0\n", 400, ["line 22", "abc"]),
    ("x1,x2,label\n" + "1,2,0\n1,nan,1\n" * 10, 400, ["nan"]),
    ("x1,x2,label\n" + "1,2,0\n1,2,7\n" * 10, 400, ["class labels"]),
    ("x1,x2,label\n" + "1,2,1\n" * 20, 400, ["same"]),
    ("x1,x2,label\n" + "1,2,0\n" * 20 + "3,4,1\n", 400, ["class 1 has 1 point"]),
    ("1,2,0\n" * (LIMITS["upload_rows"] + 5), 413, ["rows"]),
    ("", 400, ["0 data rows"]),
])
def test_bad_csv_uploads_are_refused(client, csv_text, status, words):
    sid = new_session(client)
    refused(client.post(f"/api/sessions/{sid}/upload", content=csv_text.encode()), status,
            *words)
    assert client.get(f"/api/sessions/{sid}").json()["setup"]["dataset"] == "circle"


def test_a_binary_upload_is_not_utf8(client):
    sid = new_session(client)
    refused(client.post(f"/api/sessions/{sid}/upload", content=bytes(range(256)) * 4), 400,
            "UTF-8")


@pytest.mark.parametrize("path", [
    "/static/%2e%2e/app.py", "/static/%2e%2e%2fapp.py", "/static/..%2fapp.py",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd", "/static/..%5capp.py",
    "/static/%2fetc%2fpasswd", "/static//etc/passwd", "/static/%00", "/static/PROTOCOL.md",
    "/static/../PROTOCOL.md", "/app.py", "/static/",
])
def test_nothing_outside_the_static_folder_can_be_read(client, path):
    r = client.get(path)
    assert r.status_code in (400, 404), (path, r.status_code)
    assert b"import" not in r.content and b"root:" not in r.content
    assert_healthy(client)


def _raw_get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", f"127.0.0.1:{port}")
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


@pytest.fixture()
def live_server():
    """The app on a real uvicorn, on loopback and a free port, in a thread."""
    uvicorn = pytest.importorskip("uvicorn")
    from chainrule.playground.server import bind

    sock = bind("127.0.0.1", 0)
    app = create_app(allowed_hosts=["127.0.0.1", "localhost"])
    server = uvicorn.Server(uvicorn.Config(app, log_level="error"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)


def test_raw_traversal_paths_on_a_real_server(live_server):
    """Paths sent byte for byte (no client-side normalisation) to a real uvicorn."""
    for path in ("/static/../app.py", "/static/../../config.py", "/static/%2e%2e/app.py",
                 "/static/%2e%2e%2fapp.py", "/static/./../sessions.py",
                 "/static/js/../../app.py", "/../../../etc/passwd", "/static/..\\app.py"):
        status, body = _raw_get(live_server, path)
        assert status in (400, 404), (path, status)
        assert b"import" not in body and b"root:" not in body, path
    status, body = _raw_get(live_server, "/api/health")
    assert status == 200 and b'"ok":true' in body


def test_the_loopback_server_refuses_foreign_host_headers(live_server):
    conn = http.client.HTTPConnection("127.0.0.1", live_server, timeout=10)
    conn.request("GET", "/api/health", headers={"Host": "attacker.example"})
    assert conn.getresponse().status == 400
    conn.close()


def test_the_session_limit_answers_503_and_frees_on_delete(client):
    ids = [new_session(client) for _ in range(4)]
    refused(client.post("/api/sessions", json={}), 503, "too many")
    client.delete(f"/api/sessions/{ids[0]}")
    new_session(client)


def test_idle_sessions_are_freed():
    store = SessionStore(idle_seconds=0.0)
    with TestClient(create_app(store)) as c:
        sid = new_session(c)
        time.sleep(0.01)
        assert store.reap() == 1
        refused(c.get(f"/api/sessions/{sid}"), 404, "create a new one")


def test_unknown_sessions_and_routes_get_json_404(client):
    refused(client.get("/api/sessions/nope"), 404, "no session")
    refused(client.get("/api/sessions/nope/backprop?index=0"), 404, "no session")
    refused(client.post("/api/sessions/nope/upload", content=b"1,2,3"), 404, "no session")
    assert client.get("/api/nothing").status_code == 404
    assert client.put("/api/sessions").status_code == 405
    from starlette.websockets import WebSocketDisconnect

    with client.websocket_connect("/api/sessions/nope/live") as ws:
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
    assert info.value.code == 4404


@pytest.mark.parametrize("query", ["", "?index=", "?index=-1", "?index=250", "?index=abc",
                                   "?index=1.5", "?index=99999999999999999999"])
def test_bad_backprop_indices_are_refused(client, query):
    sid = new_session(client)
    r = client.get(f"/api/sessions/{sid}/backprop{query}")
    assert r.status_code == 400 and "index" in r.json()["error"]
    assert "None" not in r.json()["error"]  # a missing index is named, not shown as None


@pytest.mark.parametrize("body, word", [
    ({"layer": 5, "to": 0, "from": 0, "value": 1.0}, "layer"),
    ({"layer": 0, "to": 4, "from": 0, "value": 1.0}, "to"),
    ({"layer": 0, "to": 0, "from": 2, "value": 1.0}, "from"),
    ({"layer": 0, "to": 0, "from": "weight", "value": 1.0}, "from"),
    ({"layer": 0, "to": 0, "from": 0, "value": 1e9}, "value"),
    ({"layer": 0, "to": 0, "from": 0, "value": "1"}, "value"),
    ({"layer": 0, "to": 0, "value": 1.0}, "body"),
    ([1, 2], "body"),
])
def test_bad_weight_edits_are_refused(client, body, word):
    sid = new_session(client)
    before = client.get(f"/api/sessions/{sid}").json()["frame"]["weights"]
    refused(client.post(f"/api/sessions/{sid}/weight", json=body), 400, word)
    assert client.get(f"/api/sessions/{sid}").json()["frame"]["weights"] == before


def test_bad_websocket_commands_get_an_error_message_and_the_socket_lives_on(client):
    sid = new_session(client)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        for text in ("{oops", '{"cmd": "fly"}', "[]", '{"cmd": "speed", "epochs_per_second": 0}',
                     '{"cmd": "speed", "epochs_per_second": NaN}', "x" * 70_000):
            ws.send_text(text)
            msg = ws.receive_json()
            assert msg["type"] == "error" and msg["message"], text
        ws.send_json({"cmd": "step"})
        msg = ws.receive_json()
        while msg["epoch"] < 1:
            msg = ws.receive_json()
        assert msg["type"] == "frame" and msg["epoch"] == 1
    assert_healthy(client)


def test_the_page_is_served_at_the_root(client):
    r = client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()


def test_pages_of_other_sites_cannot_drive_the_server(client):
    refused(client.post("/api/sessions", json={}, headers={"Origin": "http://evil.example"}),
            403, "another site")
    refused(client.post("/api/sessions", json={}, headers={"Origin": "null"}), 403,
            "another site")
    sid = new_session(client, )
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(f"/api/sessions/{sid}/live",
                                      headers={"Origin": "http://evil.example"}) as ws:
            ws.receive_json()
    same = client.post("/api/sessions", json={}, headers={"Origin": "http://testserver"})
    assert same.status_code == 200


def test_a_diverging_run_pauses_with_a_message_and_refuses_to_play_on(client):
    sid = new_session(client, dataset="plane", hidden=[8, 8], activation="relu", lr=10)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "speed", "epochs_per_second": 1000})
        ws.send_json({"cmd": "play"})
        msg = ws.receive_json()
        while msg["type"] != "error":
            msg = ws.receive_json()
        assert "diverged" in msg["message"]
        frame = ws.receive_json()
        while frame.get("type") != "frame" or frame["playing"]:
            frame = ws.receive_json()
        assert frame["train_loss"] is None
        ws.send_json({"cmd": "play"})
        msg = ws.receive_json()
        while msg["type"] != "error":
            msg = ws.receive_json()
        assert "reset" in msg["message"]
        ws.send_json({"cmd": "reset"})
        frame = ws.receive_json()
        while frame.get("type") != "frame" or frame["epoch"] != 0:
            frame = ws.receive_json()
        assert frame["train_loss"] is not None
    assert client.get(f"/api/sessions/{sid}/backprop?index=0").status_code == 200
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "play"})
        msg = ws.receive_json()
        while msg["type"] != "error":
            msg = ws.receive_json()
    # a lower learning rate after a divergence starts a fresh network
    s = client.post(f"/api/sessions/{sid}/setup", json={"lr": 0.01}).json()
    assert s["frame"]["epoch"] == 0 and s["frame"]["train_loss"] is not None
    assert_healthy(client)


def test_deleting_a_session_closes_its_socket(client):
    from starlette.websockets import WebSocketDisconnect

    sid = new_session(client)
    with client.websocket_connect(f"/api/sessions/{sid}/live") as ws:
        ws.receive_json()
        ws.send_json({"cmd": "play"})
        assert client.delete(f"/api/sessions/{sid}").status_code == 200
        with pytest.raises(WebSocketDisconnect) as info:
            while True:
                ws.receive_json()
    assert info.value.code == 4404
    assert_healthy(client)


def test_the_command_refuses_a_port_in_use_with_one_line():
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
        done = subprocess.run([sys.executable, "-m", "chainrule.cli", "playground", "--port",
                               str(taken.getsockname()[1])], env=env, capture_output=True,
                              text=True, timeout=60)
    finally:
        taken.close()
    assert done.returncode == 1
    assert done.stderr.startswith("chainrule: error: cannot listen on 127.0.0.1:")
