import io
import math

import numpy as np
import pytest

from chainrule import nn, optim, train
from chainrule.data import DataLoader, digits, load_dataset


@pytest.fixture(scope="module")
def small_digits():
    ds = digits()
    return ds.X[:600], ds.y[:600], ds.X[600:800], ds.y[600:800]


def _net(dropout=0.0, seed=0):
    return nn.MLP(64, [32], 10, dropout=dropout, seed=seed)


def _weights(model):
    return model.state_dict()


def _equal(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_fit_learns_and_logs_floats(small_digits):
    X, y, Xv, yv = small_digits
    model = _net()
    opt = optim.get_optimizer("adam", model.parameters(), lr=3e-3)
    hist = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), val_data=(Xv, yv), epochs=5,
                     verbose=0, metrics=["accuracy", "f1"])
    h = hist.history
    assert list(h) == ["loss", "accuracy", "f1", "val_loss", "val_accuracy", "val_f1", "lr"]
    assert all(isinstance(v, float) for values in h.values() for v in values)
    assert hist.epoch == [0, 1, 2, 3, 4]
    assert h["loss"][-1] < h["loss"][0] / 3
    assert h["val_accuracy"][-1] > 0.75
    final = train.evaluate(model, (Xv, yv), nn.CrossEntropyLoss())
    assert final["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-5)
    assert final["accuracy"] == pytest.approx(h["val_accuracy"][-1])


def test_accepts_dataset_loader_and_float64(small_digits):
    X, y, _, _ = small_digits
    ds = digits()
    for data in (ds.subset(slice(0, 200)), DataLoader(X, y, batch_size=50, shuffle=True, seed=1),
                 (X.astype(np.float64), y)):
        model = _net()
        opt = optim.get_optimizer("sgd", model.parameters(), lr=0.1)
        hist = train.fit(model, nn.CrossEntropyLoss(), opt, data, epochs=1, verbose=0)
        assert math.isfinite(hist.history["loss"][0])
    with pytest.raises(TypeError, match="train_data"):
        train.fit(_net(), nn.CrossEntropyLoss(), optim.get_optimizer(
            "sgd", _net().parameters()), X, epochs=1, verbose=0)


def test_resume_equals_uninterrupted_run(small_digits, tmp_path):
    X, y, Xv, yv = small_digits

    def trainer(callbacks=()):
        model = _net(dropout=0.3, seed=4)  # dropout: the mask RNG must be restored too
        opt = optim.get_optimizer("adam", model.parameters(), lr=1e-3)
        sched = train.LearningRateScheduler(optim.StepLR(opt, step_size=1, gamma=0.7))
        return train.Trainer(model, nn.CrossEntropyLoss(), opt, verbose=0, seed=7,
                             callbacks=[sched, *callbacks])

    straight = trainer()
    straight.fit((X, y), val_data=(Xv, yv), epochs=4, batch_size=48)

    first = trainer([train.ModelCheckpoint(tmp_path / "ckpt")])
    first.fit((X, y), val_data=(Xv, yv), epochs=2, batch_size=48)
    resumed = trainer()
    resumed.load_checkpoint(tmp_path / "ckpt")
    assert resumed.epoch == 2
    hist = resumed.fit((X, y), val_data=(Xv, yv), epochs=4, batch_size=48)

    assert _equal(_weights(straight.model), _weights(resumed.model))
    s1, s2 = straight.optimizer.state_dict(), resumed.optimizer.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    assert all(np.array_equal(s1["state"][k]["exp_avg"], s2["state"][k]["exp_avg"])
               for k in s1["state"])
    assert hist.history == straight.history.history
    assert hist.epoch == [0, 1, 2, 3]


def test_fit_resume_from_argument(small_digits, tmp_path):
    X, y, _, _ = small_digits
    model = _net()
    opt = optim.get_optimizer("sgd", model.parameters(), lr=0.1)
    train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=1, verbose=0,
              callbacks=[train.ModelCheckpoint(tmp_path / "c")])
    model2 = _net(seed=9)
    opt2 = optim.get_optimizer("sgd", model2.parameters(), lr=0.1)
    hist = train.fit(model2, nn.CrossEntropyLoss(), opt2, (X, y), epochs=2, verbose=0,
                     resume_from=tmp_path / "c")
    assert len(hist.history["loss"]) == 2
    with pytest.raises(ValueError, match="differs"):
        other = nn.MLP(64, [16], 10)
        train.Trainer(other, nn.CrossEntropyLoss(), optim.get_optimizer(
            "sgd", other.parameters()), verbose=0).load_checkpoint(tmp_path / "c")


class _Scripted:
    """A metric whose value per epoch is scripted (called once per epoch on train logits)."""

    def __init__(self, values):
        self.values, self.calls = list(values), 0
        self.__name__ = "scripted"

    def __call__(self, y_true, scores):
        value = self.values[self.calls]
        self.calls += 1
        return value


def test_early_stopping_restores_the_best_weights(small_digits):
    X, y, _, _ = small_digits
    model = _net()
    opt = optim.get_optimizer("adam", model.parameters(), lr=1e-3)
    snapshots = []
    record = train.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(
        model.state_dict()))
    stopper = train.EarlyStopping(monitor="scripted", mode="min", patience=2)
    trainer = train.Trainer(model, nn.CrossEntropyLoss(), opt, verbose=0,
                            metrics=[_Scripted([3.0, 1.0, 2.0, 4.0, 0.5, 0.1])],
                            callbacks=[stopper, record])
    hist = trainer.fit((X, y), epochs=6)
    assert hist.history["scripted"] == [3.0, 1.0, 2.0, 4.0]  # stopped after 2 bad epochs
    assert trainer.stopped_early and stopper.stopped_epoch == 3 and stopper.best_epoch == 1
    assert not _equal(snapshots[3], snapshots[1])
    assert _equal(model.state_dict(), snapshots[1])


def test_early_stopping_needs_a_logged_monitor(small_digits):
    X, y, _, _ = small_digits
    model = _net()
    trainer = train.Trainer(model, nn.CrossEntropyLoss(), optim.get_optimizer(
        "sgd", model.parameters()), verbose=0, callbacks=[train.EarlyStopping()])
    with pytest.raises(ValueError, match="val_loss.*val_data"):
        trainer.fit((X, y), epochs=1)


def test_nan_guard_fires_on_a_huge_learning_rate():
    ds = load_dataset("plane", seed=0)
    model = nn.MLP(2, [16], 1, output="linear", seed=0)
    opt = optim.get_optimizer("sgd", model.parameters(), lr=1e6)
    with np.errstate(all="ignore"):
        with pytest.raises(train.TrainingDivergedError,
                           match=r"became (nan|inf|-inf) at epoch \d+, batch \d+; .*last "
                                 r"finite step"):
            train.fit(model, nn.MSELoss(), opt, (ds.X, ds.y), epochs=5, verbose=0,
                      callbacks=[train.NaNGuard()])
    assert all(np.isfinite(p.data).all() for p in model.parameters())


@pytest.mark.parametrize("broken, message", [
    (2, "loss became nan at epoch 1, batch 4; weights restored"),  # seen by the next forward
    (3, "weights became NaN or Inf at epoch 1, batch 4; weights restored"),  # epoch's last
])
def test_nan_guard_restores_weights_broken_by_a_step(broken, message):
    """A finite loss whose step makes the weights infinite: the step is undone."""
    model = nn.MLP(2, [4], 1, output="linear", seed=0)
    before = []

    class Breaker(train.Callback):
        def on_before_step(self, batch, logs):
            before.append(model.state_dict())
            if batch == broken:
                for p in model.parameters():
                    p.grad.data[...] = np.inf

    opt = optim.get_optimizer("sgd", model.parameters(), lr=0.01)
    X = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    with np.errstate(all="ignore"):
        with pytest.raises(train.TrainingDivergedError, match=message):
            train.fit(model, nn.MSELoss(), opt, (X, X[:, 0]), epochs=2, batch_size=16,
                      verbose=0, callbacks=[Breaker(), train.NaNGuard()])
    assert _equal(model.state_dict(), before[broken])


def test_hooks_run_in_order_and_stop_training(small_digits):
    X, y, Xv, yv = small_digits
    events = []

    class Recorder(train.Callback):
        def on_train_begin(self, logs):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs):
            events.append(f"epoch_begin {epoch}")

        def on_batch_end(self, batch, logs):
            assert set(logs) == {"loss", "size"} and isinstance(logs["loss"], float)
            events.append("batch")

        def on_epoch_end(self, epoch, logs):
            assert "val_loss" in logs and all(isinstance(v, float) for v in logs.values())
            events.append(f"epoch_end {epoch}")
            if epoch == 1:
                self.trainer.stop_training = True

        def on_train_end(self, logs):
            events.append("train_end")

    model = _net()
    trainer = train.Trainer(model, nn.CrossEntropyLoss(), optim.get_optimizer(
        "sgd", model.parameters()), verbose=0, callbacks=[Recorder()])
    trainer.fit((X[:100], y[:100]), val_data=(Xv, yv), epochs=5, batch_size=50)
    assert events == ["train_begin", "epoch_begin 0", "batch", "batch", "epoch_end 0",
                      "epoch_begin 1", "batch", "batch", "epoch_end 1", "train_end"]
    assert trainer.epoch == 2 and trainer.stopped_early


def test_learning_rate_schedules(small_digits):
    X, y, _, _ = small_digits
    model = _net()
    opt = optim.get_optimizer("sgd", model.parameters(), lr=0.1)
    hist = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=3, verbose=0,
                     callbacks=[train.LearningRateScheduler(lambda e, lr: 0.1 / (e + 1))])
    assert hist.history["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    model = _net()
    opt = optim.get_optimizer("sgd", model.parameters(), lr=0.1)
    plateau = optim.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    hist = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=4,
                     verbose=0, metrics=[_Scripted([1.0, 1.0, 1.0, 1.0])],
                     callbacks=[train.LearningRateScheduler(plateau, monitor="scripted")])
    # epoch 0 sets the best; each later epoch without improvement halves the rate
    assert hist.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.025])


def test_model_checkpoint_best_only_and_every_n(small_digits, tmp_path):
    X, y, _, _ = small_digits
    model = _net()
    opt = optim.get_optimizer("sgd", model.parameters(), lr=0.05)
    best = train.ModelCheckpoint(tmp_path / "best", monitor="scripted", mode="min",
                                 save_best_only=True)
    every = train.ModelCheckpoint(tmp_path / "ep-{epoch:02d}-{loss:.3f}", every_n_epochs=2)
    saved = []
    spy = train.LambdaCallback(on_epoch_end=lambda e, logs: saved.append(
        (best.last_saved, model.state_dict())))
    train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=4, verbose=0,
              metrics=[_Scripted([2.0, 1.0, 3.0, 5.0])], callbacks=[best, every, spy])
    assert _equal(train.load_model(tmp_path / "best").state_dict(), saved[1][1])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[0] == "best" and len(names) == 3
    assert names[1].startswith("ep-02-") and names[2].startswith("ep-04-")
    ckpt = train.load_checkpoint(tmp_path / names[2])
    assert ckpt.trainer_state["epoch"] == 4


def test_progress_bar_output(small_digits, capsys):
    X, y, _, _ = small_digits
    model = _net()
    opt = optim.get_optimizer("sgd", model.parameters())
    train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=2, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2 - ") and "loss: " in lines[0]
    train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=2, verbose=0)
    assert capsys.readouterr().out == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=1,
              callbacks=[train.ProgressBar(1, file=out, refresh_seconds=0.0)])
    text = out.getvalue()
    assert text.startswith("Epoch 1/1\n") and "ETA: " in text and "\r" in text
    assert "[==============================]" in text and "accuracy: " in text


def test_closure_optimizer_trains(small_digits):
    X, y, _, _ = small_digits
    model = _net()
    opt = optim.get_optimizer("lbfgs", model.parameters(), max_iter=5)
    hist = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=3, batch_size=len(X),
                     verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_bad_arguments_are_reported(small_digits):
    X, y, _, _ = small_digits
    model = _net()
    opt = optim.get_optimizer("sgd", model.parameters())
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="epochs"):
        train.fit(model, loss, opt, (X, y), epochs=0, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        train.fit(model, loss, opt, (X, y), batch_size=-1, verbose=0)
    with pytest.raises(ValueError, match="unknown metric"):
        train.fit(model, loss, opt, (X, y), metrics=["acuracy"], verbose=0)
    with pytest.raises(TypeError, match="optimizer"):
        train.fit(model, loss, object(), (X, y), verbose=0)
    with pytest.raises(TypeError, match="Callback"):
        train.fit(model, loss, opt, (X, y), callbacks=[print], verbose=0)


def _snapshot(model, opt):
    """Parameters and optimiser state, copied (to compare bit for bit)."""
    return model.state_dict(), repr(opt.state_dict())


def _unchanged(model, opt, snap):
    weights, state = snap
    return _equal(model.state_dict(), weights) and repr(opt.state_dict()) == state


@pytest.mark.parametrize("bad, where", [
    (np.nan, r"nan\) at row 37, column 5"), (np.inf, r"inf\) at row 37, column 5"),
    (-np.inf, r"-inf\) at row 37, column 5")])
def test_fit_refuses_non_finite_features_naming_row_and_column(small_digits, bad, where):
    X, y, _, _ = small_digits
    X = X.copy()
    X[37, 5] = X[400, 9] = bad
    model = _net()
    opt = optim.get_optimizer("adam", model.parameters(), lr=1e-3)
    snap = _snapshot(model, opt)
    with pytest.raises(ValueError, match=rf"fit: X has a non-finite value \({where} "
                                         r"\(2 row\(s\) affected\)"):
        train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=1, verbose=0)
    assert _unchanged(model, opt, snap)


def test_fit_refuses_a_nan_regression_target_naming_the_row():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)).astype(np.float32)
    t = X.sum(axis=1)
    t[[61, 88]] = np.nan
    model = nn.MLP(3, [8], 1, output="linear", seed=0)
    opt = optim.get_optimizer("sgd", model.parameters(), lr=0.01)
    snap = _snapshot(model, opt)
    with pytest.raises(ValueError, match=r"fit: targets must be finite, got nan in 2 row\(s\): "
                                         r"61, 88"):
        train.fit(model, nn.MSELoss(), opt, (X, t), epochs=1, verbose=0)
    assert _unchanged(model, opt, snap)


def test_fit_refuses_bad_validation_rows_before_training(small_digits):
    X, y, Xv, yv = small_digits
    Xv = Xv.copy()
    Xv[3, 0] = np.inf
    model = _net()
    opt = optim.get_optimizer("adam", model.parameters())
    snap = _snapshot(model, opt)
    with pytest.raises(ValueError, match=r"fit \(val_data\): X .*row 3, column 0"):
        train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), val_data=(Xv, yv), verbose=0)
    assert _unchanged(model, opt, snap)


def test_a_non_finite_loss_stops_fit_by_default_and_nan_guard_false_opts_out():
    ds = load_dataset("plane", seed=0)

    def run(**kw):
        model = nn.MLP(2, [16], 1, output="linear", seed=0)
        opt = optim.get_optimizer("sgd", model.parameters(), lr=1e6)
        with np.errstate(all="ignore"):
            train.fit(model, nn.MSELoss(), opt, (ds.X, ds.y), epochs=5, verbose=0, **kw)
        return model

    with pytest.raises(train.TrainingDivergedError, match=r"loss became (nan|inf) at epoch"):
        run()
    model = run(nan_guard=False)
    assert not all(np.isfinite(p.data).all() for p in model.parameters())
    with pytest.raises(TypeError, match="nan_guard must be a bool"):
        run(nan_guard="no")


def test_a_given_nan_guard_is_not_doubled():
    model = _net()
    opt = optim.get_optimizer("sgd", model.parameters())
    trainer = train.Trainer(model, nn.CrossEntropyLoss(), opt, verbose=0,
                            callbacks=[train.NaNGuard(restore=False)])
    guards = [cb for cb in trainer.callbacks if isinstance(cb, train.NaNGuard)]
    assert len(guards) == 1 and guards[0].restore is False


@pytest.mark.parametrize("label, expected", [
    (10, r"label 10 at row 599 is not in 0\.\.9 \(the model has 10 outputs\); 1 row\(s\)"),
    (-1, r"label -1 at row 599 is not in 0\.\.9")])
def test_fit_checks_every_label_before_the_first_step(small_digits, label, expected):
    """The bad label sits in the last batch: no batch before it may update anything."""
    X, y, _, _ = small_digits
    y = y.copy()
    y[599] = label
    model = _net()
    opt = optim.get_optimizer("adam", model.parameters(), lr=1e-3)
    snap = _snapshot(model, opt)
    with pytest.raises(ValueError, match=expected):
        train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=1, batch_size=32,
                  shuffle=False, verbose=0)
    assert _unchanged(model, opt, snap)
    loader = DataLoader(X, y, batch_size=32)
    with pytest.raises(ValueError, match=expected):
        train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, verbose=0)
    assert _unchanged(model, opt, snap)


def test_fit_checks_binary_targets_and_models_without_out_features():
    X = np.random.default_rng(1).normal(size=(50, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    y[44] = 2
    model = nn.MLP(4, [8], 1, seed=0)  # sigmoid output
    opt = optim.get_optimizer("sgd", model.parameters())
    snap = _snapshot(model, opt)
    with pytest.raises(ValueError, match=r"target 2 at row 44 is not a probability in \[0, 1\]"):
        train.fit(model, nn.BCEWithLogitsLoss(), opt, (X, y), verbose=0)
    assert _unchanged(model, opt, snap)
    y[44] = 1
    y3 = y.copy()
    y3[7] = 3
    # a Sequential has no out_features: its output width is probed on the first row
    seq = nn.Sequential(nn.Linear(4, 3, rng=np.random.default_rng(0)))
    opt = optim.get_optimizer("sgd", seq.parameters())
    snap = _snapshot(seq, opt)
    with pytest.raises(ValueError, match=r"label 3 at row 7 is not in 0\.\.2"):
        train.fit(seq, nn.CrossEntropyLoss(), opt, (X, y3), verbose=0)
    assert _unchanged(seq, opt, snap)


def test_resume_from_with_bad_data_loads_nothing(small_digits, tmp_path):
    X, y, _, _ = small_digits
    model = _net(seed=1)
    opt = optim.get_optimizer("adam", model.parameters())
    train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=1, verbose=0,
              callbacks=[train.ModelCheckpoint(tmp_path / "ckpt")])
    fresh = _net(seed=2)
    opt = optim.get_optimizer("adam", fresh.parameters())
    snap = _snapshot(fresh, opt)
    bad = y.copy()
    bad[5] = 99
    with pytest.raises(ValueError, match="label 99 at row 5"):
        train.fit(fresh, nn.CrossEntropyLoss(), opt, (X, bad), epochs=2, verbose=0,
                  resume_from=tmp_path / "ckpt")
    assert _unchanged(fresh, opt, snap)


@pytest.mark.parametrize("name", optim.available_optimizers())
def test_every_optimizer_trains_through_fit(small_digits, name):
    X, y, _, _ = small_digits
    X, y = X[:300], y[:300]
    model = _net()
    opt = optim.get_optimizer(name, model.parameters(), **(
        {"max_iter": 5} if name == "lbfgs" else {}))
    batch = len(X) if opt.needs_closure else 32
    hist = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=3, batch_size=batch,
                     verbose=0)
    losses = hist.history["loss"]
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]


def test_closure_optimizers_clip_and_keep_their_first_logits(small_digits):
    """With a closure the epoch's metrics come from the logits of the first closure call,
    the loss before the step, as for every other optimiser."""
    X, y, _, _ = small_digits
    model = _net()
    before = train.evaluate(model, (X, y), nn.CrossEntropyLoss())
    opt = optim.get_optimizer("newton-cg", model.parameters())
    hist = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=1, batch_size=len(X),
                     verbose=0, clip_grad_norm=1.0)
    assert hist.history["loss"][0] == pytest.approx(before["loss"], rel=1e-5)
    assert hist.history["accuracy"][0] == pytest.approx(before["accuracy"])
    # the last closure call's gradients were clipped to the global 2-norm 1.0
    norm = math.sqrt(sum(float((p.grad.data.astype(np.float64) ** 2).sum())
                         for p in model.parameters()))
    assert norm == pytest.approx(1.0, rel=1e-4)
