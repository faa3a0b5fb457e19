"""``chainrule export RUN --onnx FILE``: a trained run as a standard ONNX model.

The graph takes unscaled feature rows (float32; categorical columns one-hot): a run that
standardises its inputs has the standardiser in the graph. A classification run's graph
outputs ``label`` (the class name) and ``probabilities`` (one column per class, as
``chainrule predict`` prints them); a regression run's outputs ``output``, the predicted
values.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._run import read_run


def register(subparsers: Any) -> None:
    from ..export import DEFAULT_OPSET

    p = subparsers.add_parser(
        "export", help="export a trained run as an ONNX model",
        description="Write the model of a run folder as a standard ONNX graph (float32) that "
                    "ONNX Runtime and other runtimes load. The graph takes unscaled feature "
                    "rows (categorical columns one-hot, as the run encodes them): the run's "
                    "standardisation is part of it. Needs the onnx package "
                    "(pip install \"chainrule[onnx]\").")
    p.add_argument("run", metavar="RUN", help="run folder written by 'chainrule train'")
    p.add_argument("--onnx", metavar="FILE", required=True, help="the .onnx file to write")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, metavar="N",
                   help="ONNX opset version, 13 or later (default: %(default)s)")
    p.set_defaults(func=run_export)


def _check_target(target: Path, run_dir: Path) -> None:
    """Refuse an --onnx path that is a folder or lies inside the run folder (writing there
    would replace one of the run's own files)."""
    out, run_root = target.resolve(), run_dir.resolve()
    if out == run_root or run_root in out.parents:
        raise ValueError(f"--onnx {target} is inside the run folder {run_dir}; write the "
                         f"ONNX file elsewhere")
    if target.is_dir():
        raise ValueError(f"--onnx {target} is a folder; give a file name such as "
                         f"{target / 'model.onnx'}")


def run_export(args: argparse.Namespace) -> int:
    from ..data import Standardizer
    from ..export import save_onnx, to_onnx

    run = read_run(args.run)
    _check_target(Path(args.onnx), run.path)
    model = run.load_model()
    state = run.standardizer_state
    scaler = Standardizer.from_state(state) if state else None
    info = run.data
    names = info.get("class_names") if info.get("task") != "regression" else None
    opset = args.opset
    proto = to_onnx(model, standardizer=scaler, class_names=names, opset=opset,
                    name=str(info.get("name", "chainrule")),
                    metadata={"task": info.get("task"),
                              "feature_names": info.get("feature_names")})
    path = save_onnx(proto, args.onnx)
    outputs = ", ".join(o.name for o in proto.graph.output)
    width = getattr(model, "in_features", "?")
    print(f"Wrote {path}: ONNX opset {opset}, input 'input' (N, {width}) unscaled features"
          f"{' (standardised in the graph)' if scaler else ''}; outputs {outputs}")
    if any("=" in str(n) for n in info.get("feature_names") or []):
        print("The input columns are the run's feature columns, categorical ones one-hot "
              "(Column=value): their names are in the model's metadata 'feature_names'.")
    return 0
