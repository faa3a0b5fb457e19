"""`to_onnx`: a trained chainrule network, or a fitted chainrule.sklearn estimator, as a
standard ONNX graph (float32; the batch dimension is free).

An ``nn.MLP`` (or an ``nn.Sequential`` of supported layers) becomes ``input`` -> Gemm and
activation nodes -> the output unit -> ``output``: probabilities for a sigmoid or softmax
unit (what ``model.predict_proba`` returns), the values for a linear one. A
``standardizer`` (`chainrule.data.Standardizer`) is put in front as ``(x - mean) / std``,
so the graph takes raw rows. An estimator gives the outputs of its own methods: ``label``
and ``probabilities`` (`predict`, `predict_proba`) for `MLPClassifier`, ``variable``
(`predict`) for `MLPRegressor`; a network given ``class_names`` gets ``label`` and
``probabilities`` too. A scikit-learn ``Pipeline`` of a ``StandardScaler`` and an
estimator exports as the estimator with the scaler as its standardisation.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ._graph import GraphBuilder, import_onnx
from ._layers import emit_layer, flat_layers

DEFAULT_OPSET = 17
_UNITS = {"sigmoid": "Sigmoid", "softmax": "Softmax"}


def _check_opset(opset: Any) -> int:
    """``opset`` as an int from 13 to the newest opset the installed onnx package knows."""
    newest = import_onnx().defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)) or \
            not 13 <= opset <= newest:
        raise ValueError(f"to_onnx: opset must be an int from 13 to {newest} (the newest "
                         f"this onnx package knows), got {opset!r}")
    return int(opset)


def _in_features(layers: list[Any]) -> int:
    first = next((m for m in layers if isinstance(m, nn.Linear)), None)
    if first is None:
        raise ValueError("to_onnx: the model has no Linear layer; nothing to export")
    return first.in_features


def _body(g: GraphBuilder, model: Any, standardizer: Any) -> tuple[str, int]:
    """The network from ``input`` to its logits; returns (logits name, input width)."""
    if not isinstance(model, (nn.MLP, nn.Sequential)):
        raise TypeError(f"to_onnx: expected a chainrule nn.MLP, nn.Sequential or a fitted "
                        f"chainrule.sklearn estimator, got {type(model).__name__}")
    layers = flat_layers(model)
    width = _in_features(layers)
    x = "input"
    if standardizer is not None:
        mean, std = (np.asarray(getattr(standardizer, k, None), dtype=np.float64)
                     for k in ("mean_", "std_"))
        if mean.shape != (width,) or std.shape != (width,):
            raise ValueError(f"to_onnx: the standardizer must be fitted on {width} features "
                             f"(mean_ and std_ of shape ({width},)), got {mean.shape}")
        x = g.add("Div", [g.add("Sub", [x, g.const(mean, "mean")]), g.const(std, "std")])
    for layer in layers:
        x = emit_layer(g, x, layer)
    return x, width


def _value_info(g: GraphBuilder, name: str, elem: int, shape: list[Any]) -> Any:
    return g.onnx.helper.make_tensor_value_info(name, elem, shape)


def _network_outputs(g: GraphBuilder, model: Any, z: str) -> tuple[list[Any], str]:
    unit = getattr(model, "output_unit", "linear")
    out = g.add(_UNITS[unit], [z], output="output", **({"axis": -1} if unit == "softmax"
                                                        else {})) \
        if unit in _UNITS else g.add("Identity", [z], output="output")
    width = model.out_features if isinstance(model, nn.MLP) else None
    return [_value_info(g, out, g.onnx.TensorProto.FLOAT, ["N", width])], unit


def _label_tensor(g: GraphBuilder, classes: np.ndarray) -> tuple[str, int]:
    tp = g.onnx.TensorProto
    if classes.dtype.kind in "iu":
        return g.const(classes.astype(np.int64), "classes"), tp.INT64
    if classes.dtype.kind == "b":
        return g.const(classes), tp.BOOL
    if classes.dtype.kind == "f":
        return g.const(classes.astype(np.float64), "classes", keep_dtype=True), tp.DOUBLE
    if classes.dtype.kind in "OUS" and all(isinstance(c, str) for c in classes.tolist()):
        return g.const(classes.astype(object), "classes"), tp.STRING
    raise ValueError(f"to_onnx: class labels of dtype {classes.dtype} cannot be an ONNX "
                     f"tensor; use int, float or str labels")


def _classifier_outputs(g: GraphBuilder, z: str, unit: str, n_outputs: int,
                        classes: np.ndarray) -> list[Any]:
    """``label`` and ``probabilities`` from the logits ``z``: softmax rows, ``[1 - p, p]``
    for one sigmoid output, or one sigmoid and a 0/1 label per column (multi-label)."""
    tp, k = g.onnx.TensorProto, len(classes)
    if unit == "softmax":
        probs = g.add("Softmax", [z], output="probabilities", axis=-1)
    elif n_outputs > 1:
        probs = g.add("Sigmoid", [z], output="probabilities")
        g.add("Cast", [g.add("Greater", [z, g.const(np.float32(0.0))])], output="label",
              to=tp.INT64)
        return [_value_info(g, "label", tp.INT64, ["N", k]),
                _value_info(g, probs, tp.FLOAT, ["N", k])]
    else:
        p = g.add("Sigmoid", [z])
        probs = g.add("Concat", [g.add("Sub", [g.const(np.float32(1.0)), p]), p],
                      output="probabilities", axis=1)
    names, elem = _label_tensor(g, classes)
    g.add("Gather", [names, g.add("ArgMax", [probs], axis=1, keepdims=0)], output="label",
          axis=0)
    return [_value_info(g, "label", elem, ["N"]), _value_info(g, probs, tp.FLOAT, ["N", k])]


def _regressor_outputs(g: GraphBuilder, est: Any, z: str) -> list[Any]:
    tp = g.onnx.TensorProto
    if est._y_is_1d:
        g.add("Squeeze", [z, g.const(np.array([1], dtype=np.int64), "axes")], output="variable")
        return [_value_info(g, "variable", tp.FLOAT, ["N"])]
    g.add("Identity", [z], output="variable")
    return [_value_info(g, "variable", tp.FLOAT, ["N", est.n_outputs_])]


def _is_estimator(obj: Any) -> bool:
    return type(obj).__module__.startswith("chainrule.sklearn")


class _Scaling:
    """A fitted scikit-learn ``StandardScaler`` as the ``mean_``/``std_`` pair `_body` puts
    in front of the network."""

    def __init__(self, scaler: Any) -> None:
        if not hasattr(scaler, "scale_") and not hasattr(scaler, "mean_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("to_onnx: the pipeline's StandardScaler is not fitted yet; "
                                 "call fit first")
        width = int(scaler.n_features_in_)
        mean, scale = getattr(scaler, "mean_", None), getattr(scaler, "scale_", None)
        self.mean_ = np.zeros(width) if mean is None or not scaler.with_mean else mean
        self.std_ = np.ones(width) if scale is None or not scaler.with_std else scale


def _unpipe(model: Any, standardizer: Any) -> tuple[Any, Any]:
    """(estimator, standardizer) of a scikit-learn ``Pipeline`` made of at most one
    ``StandardScaler`` and a chainrule.sklearn estimator; anything else is returned as is."""
    steps = getattr(model, "steps", None)
    if type(model).__name__ != "Pipeline" or not isinstance(steps, list):
        return model, standardizer
    from sklearn.preprocessing import StandardScaler

    kept = [(n, s) for n, s in steps if s is not None and s != "passthrough"]
    *before, (last_name, last) = kept or [("", None)]
    scalers = [s for _, s in before if type(s) is StandardScaler]
    others = [n for n, s in before if type(s) is not StandardScaler]
    if not _is_estimator(last) or others or len(scalers) > 1:
        got = ", ".join(f"{n} ({type(s).__name__})" for n, s in steps)
        raise TypeError(f"to_onnx: a Pipeline can be exported when it is an optional "
                        f"StandardScaler followed by a chainrule.sklearn estimator; got the "
                        f"steps {got}")
    if scalers and standardizer is not None:
        raise ValueError("to_onnx: the pipeline has its own StandardScaler; do not pass "
                         "standardizer= as well")
    return last, _Scaling(scalers[0]) if scalers else standardizer


def to_onnx(model: Any, *, standardizer: Any = None, class_names: Any = None,
            opset: int = DEFAULT_OPSET, name: str = "chainrule",
            metadata: dict[str, Any] | None = None) -> Any:
    """The ONNX ``ModelProto`` of ``model`` (see the module docstring for the graph's inputs
    and outputs); checked with ``onnx.checker``.

    ``class_names``: for a classifier network, output ``label`` (the name of the predicted
    class) and ``probabilities`` (one column per class, ``[1 - p, p]`` for one sigmoid
    output, as `chainrule.train.predict_proba`) instead of ``output``. ``metadata``: extra
    key/value pairs for the model's metadata (values that are not strings become JSON).
    ``model`` may also be a scikit-learn ``Pipeline`` of a ``StandardScaler`` and a
    chainrule.sklearn estimator: the scaler becomes the graph's standardisation."""
    opset = _check_opset(opset)
    model, standardizer = _unpipe(model, standardizer)
    g = GraphBuilder()
    props = {"producer": "chainrule"}
    if _is_estimator(model):
        if not hasattr(model, "model_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(f"to_onnx: this {type(model).__name__} is not fitted yet; "
                                 f"call fit first")
        z, width = _body(g, model.model_, standardizer)
        if hasattr(model, "classes_"):
            unit = "softmax" if model.out_activation_ == "softmax" else "sigmoid"
            outputs = _classifier_outputs(g, z, unit, model.n_outputs_,
                                          np.asarray(model.classes_))
            props["classes"] = json.dumps(np.asarray(model.classes_).tolist())
        else:
            outputs = _regressor_outputs(g, model, z)
        props["estimator"] = type(model).__name__
    else:
        z, width = _body(g, model, standardizer)
        unit = getattr(model, "output_unit", "linear")
        if class_names is not None and unit in _UNITS:
            classes = np.asarray(list(class_names))
            n_out = model.out_features if isinstance(model, nn.MLP) else 1
            expected = n_out if unit == "softmax" or n_out > 1 else 2
            if len(classes) != expected:
                raise ValueError(f"to_onnx: got {len(classes)} class names for a {unit} "
                                 f"output of width {n_out}; expected {expected}")
            outputs = _classifier_outputs(g, z, unit, n_out if unit == "sigmoid" else 1,
                                          classes)
            props["classes"] = json.dumps(classes.tolist())
        elif class_names is not None:
            raise ValueError("to_onnx: class_names given for a model with a linear output "
                             "(regression)")
        else:
            outputs, unit = _network_outputs(g, model, z)
        props["output_unit"] = unit
    for key, value in (metadata or {}).items():
        props[str(key)] = value if isinstance(value, str) else json.dumps(value)
    inputs = [_value_info(g, "input", g.onnx.TensorProto.FLOAT, ["N", width])]
    doc = f"{type(model).__name__} exported by chainrule"
    return g.model(inputs, outputs, opset, name, doc, props)


def save_onnx(model_proto: Any, path: str | Path) -> Path:
    """Write an ONNX model to ``path`` atomically (temporary file, fsync, rename)."""
    from ..train import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, model_proto.SerializeToString())
    return path
