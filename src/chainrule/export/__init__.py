"""chainrule.export: trained networks and estimators as standard ONNX graphs (``pip install
"chainrule[onnx]"``; the onnx package is imported when an export runs).

Examples:
    >>> from chainrule.export import to_onnx, save_onnx
    >>> save_onnx(to_onnx(model), "model.onnx")       # an nn.MLP: probabilities / values
    >>> save_onnx(to_onnx(clf), "clf.onnx")           # a chainrule.sklearn estimator
    >>> save_onnx(to_onnx(pipe), "pipe.onnx")  # a Pipeline: StandardScaler, estimator
"""
from __future__ import annotations

from .onnx_export import DEFAULT_OPSET, save_onnx, to_onnx

__all__ = ["DEFAULT_OPSET", "save_onnx", "to_onnx"]
