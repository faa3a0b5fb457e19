"""`GraphBuilder`: a small helper that collects ONNX nodes and float32 initializers with
unique names, then makes the model (``onnx.helper``)."""
from __future__ import annotations

from typing import Any

import numpy as np


def import_onnx() -> Any:
    """The ``onnx`` package, or an ImportError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ImportError('ONNX export needs the onnx package: pip install "chainrule[onnx]"'
                          ) from None
    return onnx


class GraphBuilder:
    """Nodes and constants of one graph; ``add(op, inputs, **attrs)`` returns the output
    name, ``const(array)`` the name of an initializer (float arrays become float32)."""

    def __init__(self) -> None:
        self.onnx = import_onnx()
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def _name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def const(self, value: Any, stem: str = "c") -> str:
        arr = np.asarray(value)
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        name = self._name(stem)
        if arr.dtype.kind in "OUS":
            tensor = self.onnx.helper.make_tensor(
                name, self.onnx.TensorProto.STRING, arr.shape,
                [str(v).encode("utf-8") for v in arr.ravel()])
        else:
            tensor = self.onnx.numpy_helper.from_array(arr, name)
        self.initializers.append(tensor)
        return name

    def add(self, op: str, inputs: list[str], output: str | None = None, **attrs: Any) -> str:
        out = output or self._name(op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [out], **attrs))
        return out

    def model(self, inputs: list[Any], outputs: list[Any], opset: int, name: str,
              doc: str, metadata: dict[str, str]) -> Any:
        helper = self.onnx.helper
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(graph, producer_name="chainrule", doc_string=doc,
                                  opset_imports=[helper.make_opsetid("", opset)])
        helper.set_model_props(model, metadata)
        self.onnx.checker.check_model(model)
        return model
