"""model.summary(): layers, output shapes and parameter counts, as text and as HTML."""
import numpy as np
import pytest

from chainrule import nn
from chainrule.nn.summary import summary


def test_mlp_rows_shapes_and_counts(capsys):
    model = nn.MLP(64, [128, 64], 10, dropout=0.2, seed=0)
    s = summary(model)
    assert [(r.name, r.kind) for r in s.rows] == [
        ("layers.0", "Linear"), ("layers.1", "ReLU"), ("layers.2", "Dropout"),
        ("layers.3", "Linear"), ("layers.4", "ReLU"), ("layers.5", "Dropout"),
        ("layers.6", "Linear")]
    assert [r.output_shape for r in s.rows] == [(None, 128)] * 3 + [(None, 64)] * 3 + [(None, 10)]
    assert [r.params for r in s.rows] == [64 * 128 + 128, 0, 0, 128 * 64 + 64, 0, 0, 650]
    assert s.total == model.num_parameters() == 17226
    assert (s.trainable, s.non_trainable) == (17226, 0)
    model.summary()
    out = capsys.readouterr().out
    assert out.startswith("Model: MLP (output unit: softmax")
    assert "layers.3 (Linear)    (None, 64)       8,256" in out
    assert "Total params: 17,226" in out and "Non-trainable params: 0" in out


def test_summary_does_not_touch_dropout_generators():
    model = nn.MLP(4, [3], 2, dropout=0.5, seed=1)
    before = model.rng_states()
    summary(model)
    assert model.rng_states() == before


def test_sequential_nested_with_maxout_and_frozen_parameter():
    seq = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(),
                        nn.Sequential(nn.Maxout(4, 2, pieces=3, rng=1), nn.Sigmoid()))
    seq[0].bias.requires_grad = False
    s = summary(seq)
    assert [r.name for r in s.rows] == ["0", "1", "2.0", "2.1"]
    assert [r.output_shape for r in s.rows] == [(None, 4), (None, 4), (None, 2), (None, 2)]
    assert [r.params for r in s.rows] == [16, 0, 30, 0]
    assert (s.total, s.trainable, s.non_trainable) == (46, 42, 4)
    assert "Model: Sequential\n" in str(s) + "\n"


def test_shared_parameter_counted_once():
    lin = nn.Linear(5, 5, rng=0)
    s = summary(nn.Sequential(lin, nn.ReLU(), lin))
    assert [r.params for r in s.rows] == [30, 0, 0]
    assert [r.kind for r in s.rows] == ["Linear", "ReLU", "Linear, same as 0"]
    assert [r.output_shape for r in s.rows] == [(None, 5)] * 3
    assert s.total == 30


def test_input_shape_when_no_layer_knows_it():
    assert summary(nn.Sequential(nn.ReLU())).rows[0].output_shape is None
    assert "?" in str(summary(nn.Sequential(nn.ReLU())))
    assert summary(nn.Sequential(nn.ReLU()), input_shape=(5,)).rows[0].output_shape == (None, 5)
    with pytest.raises(ValueError, match=r"input_shape must be the shape of one example"):
        summary(nn.Sequential(nn.ReLU()), input_shape=(0,))
    with pytest.raises(TypeError, match="expected a chainrule.nn.Module"):
        summary([nn.ReLU()])


def test_branching_container_shows_unknown_shapes():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 2, rng=0)
            self.b = nn.Linear(3, 4, rng=1)

        def forward(self, x):
            return self.a(x), self.b(x)

    s = summary(TwoHeads())
    assert [r.output_shape for r in s.rows] == [None, None]
    assert s.total == 8 + 16


def test_models_show_their_summary_as_html():
    model = nn.MLP(2, [3], 1, task="regression", seed=0)
    page = model._repr_html_()
    assert page == summary(model).to_html()
    assert "<table class='chainrule-table'>" in page and "<b>Model: MLP (output unit: linear)</b>" in page
    assert "<td style='text-align:left'>layers.0 (Linear)</td>" in page
    assert "<code>(None, 3)</code>" in page and "Total params: 13<br>" in page


def test_html_escapes_names():
    class Odd(nn.Module):
        pass

    Odd.__name__ = "A<b>"
    page = summary(Odd()).to_html()
    assert "A&lt;b&gt;" in page and "A<b>" not in page


def test_float64_model_probes_in_its_dtype():
    model = nn.MLP(3, [2], 2, seed=0).astype(np.float64)
    assert summary(model).rows[-1].output_shape == (None, 2)


def test_tied_weight_counted_once():
    a, b = nn.Linear(4, 4, rng=0), nn.Linear(4, 4, rng=1)
    b.weight = a.weight
    s = summary(nn.Sequential(a, b))
    assert [r.params for r in s.rows] == [20, 4]
    assert s.total == 24


def test_a_layer_that_cannot_run_on_zeros_shows_an_unknown_shape():
    class Picky(nn.Module):
        def forward(self, x):
            raise IndexError("needs real data")

    s = summary(nn.Sequential(nn.Linear(2, 3, rng=0), Picky(), nn.ReLU()))
    assert [r.output_shape for r in s.rows] == [(None, 3), None, None]
    assert "?" in nn.Sequential(Picky())._repr_html_()
