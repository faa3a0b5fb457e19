"""Saving and loading models and training checkpoints: no pickle, atomic writes.

A **model folder** holds::

    config.json        {"format": "chainrule-model", "version": 1, "model": model.get_config(),
                        "weights": "model.npz", "metadata": {...}}
    model.npz          the state_dict (or model.safetensors)

A **checkpoint** is a model folder plus what a resumed run needs::

    trainer_state.json epoch, loader and dropout RNG states, optimizer hyperparameters and
                       step counts, callback states (history, early-stopping best, ...)
    trainer_arrays.npz the arrays those states hold (optimizer moments, best weights),
                       split off with `chainrule.optim.serialization.flatten_state`

Weights format: ``.npz`` by default (NumPy only; read back with ``allow_pickle=False``), or
safetensors with ``weights_format="safetensors"`` (``pip install "chainrule[io]"``). Loading
reads whichever file ``config.json`` names. The model is rebuilt with
`chainrule.nn.from_config`; nothing is ever unpickled.

Atomicity: every file is written to a temporary file and renamed into place; a folder is
written complete under a hidden name with a manifest written last, then renamed into place
(see `chainrule.train.commit`). A process killed at any point of a save leaves the previous
checkpoint or the new one, and the next load or save puts back only a complete one.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .commit import atomic_write_bytes, atomic_write_text, commit_folder, recover

FORMAT = "chainrule-model"
VERSION = 1
CONFIG_FILE = "config.json"
STATE_FILE = "trainer_state.json"
STATE_ARRAYS = "trainer_arrays.npz"
WEIGHTS_FORMATS = {"npz": "model.npz", "safetensors": "model.safetensors"}
_IO_HINT = 'pip install "chainrule[io]"'

PathLike = str | os.PathLike


def write_json(path: PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def read_json(path: PathLike) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


# ------------------------------------------------------------------ arrays
def _check_arrays(arrays: Mapping[str, Any], who: str) -> dict[str, np.ndarray]:
    out = {}
    for key, value in arrays.items():
        arr = np.asarray(getattr(value, "data", value))
        if arr.dtype.kind not in "biuf" or arr.dtype.hasobject:
            raise TypeError(f"{who}: array {key!r} has dtype {arr.dtype}; only numeric "
                            f"arrays can be saved")
        out[str(key)] = np.ascontiguousarray(arr)
    return out


def save_arrays(path: PathLike, arrays: Mapping[str, Any], weights_format: str = "npz") -> None:
    """Write name -> array atomically as ``.npz`` or safetensors."""
    arrays = _check_arrays(arrays, f"saving {Path(path).name}")
    if weights_format == "npz":
        atomic_write_bytes(path, lambda f: np.savez(f, **arrays))
    elif weights_format == "safetensors":
        atomic_write_bytes(path, _safetensors().save(arrays))
    else:
        raise ValueError(f"unknown weights format {weights_format!r}; expected one of "
                         f"{sorted(WEIGHTS_FORMATS)}")


def load_arrays(path: PathLike) -> dict[str, np.ndarray]:
    """Read a ``.npz`` (``allow_pickle=False``) or ``.safetensors`` file into name -> array."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {path}")
    if path.suffix == ".safetensors":
        try:
            return dict(_safetensors().load(path.read_bytes()))
        except ImportError:
            raise
        except Exception as exc:  # safetensors raises its own error types on bad files
            raise ValueError(f"{path}: not a valid safetensors file ({exc})") from None
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                return {key: data[key] for key in data.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a valid .npz file, corrupt or truncated ({exc})") \
                from None
    raise ValueError(f"{path}: unknown weights file type; expected .npz or .safetensors")


def _safetensors() -> Any:
    try:
        import safetensors.numpy as st
    except ImportError as exc:
        raise ImportError(f"the safetensors weights format needs the safetensors package: "
                          f"{_IO_HINT} (or use weights_format='npz')") from exc
    return st


# ------------------------------------------------------------------ folders
def is_model_folder(path: PathLike) -> bool:
    """True when ``path`` is a folder written by `save_model` or `save_checkpoint`."""
    path = Path(path)
    recover(path)
    config = path / CONFIG_FILE
    if not config.is_file():
        return False
    try:
        return read_json(config).get("format") == FORMAT
    except (ValueError, AttributeError):
        return False


def _commit_folder(path: PathLike, write: Callable[[Path], None]) -> Path:
    """`commit_folder`, refusing to replace a folder that is not a model or checkpoint."""
    path = Path(path)
    recover(path)
    if path.exists() and not (path.is_dir() and (not any(path.iterdir())
                                                 or is_model_folder(path))):
        raise ValueError(f"refusing to overwrite {path}: it exists and is not a chainrule "
                         f"model or checkpoint folder")
    return commit_folder(path, write)


def _default_format(weights_format: str | None) -> str:
    fmt = "npz" if weights_format is None else weights_format
    if fmt not in WEIGHTS_FORMATS:
        raise ValueError(f"unknown weights format {fmt!r}; expected one of "
                         f"{sorted(WEIGHTS_FORMATS)}")
    if fmt == "safetensors":
        _safetensors()  # fail before writing anything
    return fmt


def _model_config(model: Any) -> dict[str, Any]:
    get_config = getattr(model, "get_config", None)
    if not callable(get_config):
        raise TypeError(f"cannot save a {type(model).__name__}: it has no get_config(), so it "
                        f"could not be rebuilt without pickle")
    config = get_config()
    if not isinstance(config, dict) or "class" not in config:
        raise TypeError(f"{type(model).__name__}.get_config() must return a dict with a "
                        f"'class' key, got {config!r:.200}")
    json.dumps(config)  # a TypeError here names what is not JSON
    return config


def _write_model(folder: Path, model: Any, metadata: Mapping[str, Any] | None,
                 fmt: str) -> None:
    weights = WEIGHTS_FORMATS[fmt]
    save_arrays(folder / weights, model.state_dict(), fmt)
    write_json(folder / CONFIG_FILE, {"format": FORMAT, "version": VERSION,
                                      "model": _model_config(model), "weights": weights,
                                      "metadata": dict(metadata or {})})


def save_model(model: Any, path: PathLike, *, metadata: Mapping[str, Any] | None = None,
               weights_format: str | None = None) -> Path:
    """Save ``model`` (config + weights) to the folder ``path``, atomically.

    ``metadata``: anything JSON-serialisable to keep beside the model -- class names,
    feature names, the task, preprocessing state (``Standardizer.get_state()``).
    ``weights_format``: ``"npz"`` (default) or ``"safetensors"``.
    """
    fmt = _default_format(weights_format)
    _model_config(model)
    json.dumps(dict(metadata or {}), default=_json_default)
    return _commit_folder(path, lambda tmp: _write_model(tmp, model, metadata, fmt))


def read_folder_config(path: Path, filename: str, fmt: str, version: int, kind: str,
                       made_by: str = "") -> dict[str, Any]:
    """The JSON file ``filename`` of a chainrule ``kind`` folder (a model, a run), checked
    for its "format" and "version"; FileNotFoundError or ValueError naming what is wrong."""
    if not path.exists():
        raise FileNotFoundError(f"{kind} folder not found: {path}")
    config_path = path / filename
    if not path.is_dir() or not config_path.is_file():
        raise ValueError(f"{path} is not a chainrule {kind} folder (no {filename}{made_by})")
    config = read_json(config_path)
    if not isinstance(config, dict) or config.get("format") != fmt:
        raise ValueError(f"{path} is not a chainrule {kind} folder ({config_path} is not a "
                         f"chainrule {kind} config: expected \"format\": \"{fmt}\")")
    if config.get("version") != version:
        raise ValueError(f"{config_path}: {kind} format version {config.get('version')!r} is "
                         f"not supported (this chainrule reads version {version})")
    return config


def read_config(path: PathLike) -> dict[str, Any]:
    """The ``config.json`` of a model or checkpoint folder (ValueError if it is not one)."""
    path = Path(path)
    recover(path)
    config = read_folder_config(path, CONFIG_FILE, FORMAT, VERSION, "model")
    config_path = path / CONFIG_FILE
    if config.get("weights") not in WEIGHTS_FORMATS.values() or not isinstance(
            config.get("model"), dict):
        raise ValueError(f"{config_path}: missing or bad 'model' / 'weights' entries")
    return config


def load_model(path: PathLike) -> Any:
    """Rebuild the model saved in ``path`` (a model or checkpoint folder) with its weights."""
    from ..nn import from_config

    path = Path(path)
    config = read_config(path)
    model = from_config(config["model"])
    model.load_state_dict(load_arrays(path / config["weights"]))
    return model


# ------------------------------------------------------------------ checkpoints
@dataclass
class Checkpoint:
    """What `load_checkpoint` read: the model config and weights, metadata, and the trainer
    state (with its arrays put back in place)."""

    path: Path
    config: dict[str, Any]
    weights: dict[str, np.ndarray]
    trainer_state: dict[str, Any] | None = field(default=None)

    @property
    def metadata(self) -> dict[str, Any]:
        return self.config.get("metadata", {})

    def build_model(self) -> Any:
        from ..nn import from_config

        model = from_config(self.config["model"])
        model.load_state_dict(self.weights)
        return model


def save_checkpoint(path: PathLike, model: Any, trainer_state: Mapping[str, Any] | None = None,
                    *, metadata: Mapping[str, Any] | None = None,
                    weights_format: str | None = None) -> Path:
    """Save a model folder plus ``trainer_state`` (nested dicts with string keys, JSON values
    and ndarrays; the arrays go to ``trainer_arrays.npz``), all committed at once."""
    from ..optim.serialization import flatten_state

    fmt = _default_format(weights_format)
    _model_config(model)
    state_json, state_arrays = flatten_state(dict(trainer_state or {}))
    text = json.dumps(state_json, indent=2, default=_json_default) + "\n"

    def write(tmp: Path) -> None:
        _write_model(tmp, model, metadata, fmt)
        save_arrays(tmp / STATE_ARRAYS, state_arrays, "npz")
        atomic_write_text(tmp / STATE_FILE, text)

    return _commit_folder(path, write)


def load_checkpoint(path: PathLike) -> Checkpoint:
    """Read a checkpoint folder (or a plain model folder: then ``trainer_state`` is None)."""
    from ..optim.serialization import unflatten_state

    path = Path(path)
    config = read_config(path)
    weights = load_arrays(path / config["weights"])
    state = None
    if (path / STATE_FILE).is_file():
        arrays = load_arrays(path / STATE_ARRAYS) if (path / STATE_ARRAYS).is_file() else {}
        meta = read_json(path / STATE_FILE)
        if not isinstance(meta, dict):
            raise ValueError(f"{path / STATE_FILE}: expected a JSON object")
        try:
            state = unflatten_state(meta, arrays)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: the trainer state does not match its arrays ({exc})"
                             ) from None
    return Checkpoint(path=path, config=config, weights=weights, trainer_state=state)
