"""Training history plots inline (a PNG for Jupyter), and fit's progress bar in a notebook."""
import json
import os
import sys

import numpy as np
import pytest

from chainrule import nn, optim, train
from chainrule.explain import GradientDiagnostics
from chainrule.train.notebook_progress import NotebookBar, in_notebook

PNG = b"\x89PNG\r\n\x1a\n"


def _fit(epochs=3, callbacks=()):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = nn.MLP(2, [8], 2, seed=0)
    history = train.fit(model, nn.default_loss(model.output_unit),
                        optim.Adam(model.parameters(), lr=0.05), (X, y),
                        val_data=(X[:16], y[:16]), epochs=epochs, batch_size=16, verbose=0,
                        callbacks=list(callbacks))
    return history


def test_history_plot_has_a_panel_per_metric():
    history = _fit()
    fig = history.plot()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "loss" and "accuracy" in titles
    loss_ax = fig.axes[0]
    labels = [line.get_label() for line in loss_ax.get_lines()]
    assert labels == ["train", "validation"]
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), history["loss"])


def test_history_repr_png_is_a_png_of_the_plot():
    png = _fit()._repr_png_()
    assert png is not None and png.startswith(PNG)
    assert train.History()._repr_png_() is None  # nothing recorded: nothing to plot


def test_history_png_without_matplotlib(monkeypatch):
    history = _fit(epochs=1)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    assert history._repr_png_() is None


def test_gradient_diagnostics_plot_inline():
    diag = GradientDiagnostics()
    assert diag._repr_png_() is None
    _fit(epochs=2, callbacks=[diag])
    assert diag._repr_png_().startswith(PNG)
    assert diag.plot().axes[0].get_title() == "Gradient norms during training"


def test_not_a_notebook_here():
    assert in_notebook() is False


def test_notebook_bar_html(monkeypatch):
    shown = _fake_notebook(monkeypatch)
    bar = NotebookBar(epochs=20, max_rows=3)
    bar.batch(0, 5, 10, 1.5, 0.6931)
    assert "<progress value='5' max='10'" in shown[-1]
    assert "Epoch 1/20 · 5/10 · ETA 1.5s · loss 0.6931" in shown[-1]
    for e in range(5):
        bar.epoch_end(e, 0.25, {"loss": 1.0 / (e + 1), "val_loss": 0.5, "lr": 1e-4})
    page = shown[-1]
    assert "<th>epoch</th><th>time</th><th>loss</th><th>val_loss</th><th>lr</th>" in page
    assert page.count("<tr>") == 4  # header and the last three epochs
    assert "<td>5</td><td>250ms</td><td>0.2000</td><td>0.5000</td><td>0.0001</td>" in page
    assert "2 earlier epochs" in page
    bar.finish(stopped_after=5)
    assert "Stopped early after epoch 5" in shown[-1]


def test_fit_in_a_jupyter_kernel_shows_the_html_bar(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = ("import numpy as np\nfrom chainrule import nn, optim, train\n"
            "X = np.random.default_rng(0).standard_normal((40, 2)).astype(np.float32)\n"
            "y = (X[:, 0] > 0).astype(np.int64)\nm = nn.MLP(2, [4], 2)\n"
            "h = train.fit(m, nn.default_loss(m.output_unit), optim.SGD(m.parameters(), lr=0.1),"
            " (X, y), epochs=2, batch_size=8)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    src = os.path.join(os.path.dirname(train.__file__), "..", "..")
    env_path = os.pathsep.join(filter(None, [os.path.abspath(src), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", env_path)  # the kernel imports this chainrule
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["display_data"], json.dumps(outputs)[:500]
    page = outputs[0]["data"]["text/html"]
    assert "<progress value='5' max='5'" in page and "2 epochs" in page
    assert page.count("<tr>") == 3


def _fake_notebook(monkeypatch):
    """Pretend to run in a Jupyter kernel; collect what would be displayed."""
    import IPython.display as display_mod

    from chainrule.train import notebook_progress

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj.data)

    monkeypatch.setattr(notebook_progress, "in_notebook", lambda: True)
    monkeypatch.setattr(display_mod, "display",
                        lambda obj, display_id: shown.append(obj.data) or Handle())
    return shown


def _fit_verbose(verbose, **kwargs):
    X = np.random.default_rng(1).standard_normal((32, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.MLP(2, [3], 2, seed=0)
    return train.fit(model, nn.default_loss(model.output_unit),
                     optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=2, batch_size=8,
                     verbose=verbose, **kwargs)


def test_fit_in_a_notebook_draws_html_not_text(monkeypatch, capsys):
    shown = _fake_notebook(monkeypatch)
    _fit_verbose(1)
    assert capsys.readouterr().out == ""
    assert "<progress" in shown[0] and "2 epochs" in shown[-1]
    assert shown[-1].count("<tr>") == 3


def test_verbose_2_and_an_explicit_file_keep_text_in_a_notebook(monkeypatch, capsys):
    import io

    shown = _fake_notebook(monkeypatch)
    _fit_verbose(2)
    assert capsys.readouterr().out.count("Epoch ") == 2
    sink = io.StringIO()
    _fit_verbose(1, callbacks=[train.ProgressBar(1, file=sink)])
    assert sink.getvalue().count("Epoch ") == 2
    assert shown == []
