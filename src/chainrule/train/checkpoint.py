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

from ..autodiff import Tensor
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
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
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


def declared_shapes(path: PathLike) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """name -> (shape, dtype) as the headers of a ``.npz`` or ``.safetensors`` file declare
    them, read without loading (or allocating) any array."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {path}")
    try:
        if path.suffix == ".safetensors":
            return _safetensors_header(path)
        out = {}
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                with archive.open(name) as f:
                    version = np.lib.format.read_magic(f)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read_header(f)
                out[name[:-4] if name.endswith(".npy") else name] = (tuple(shape), dtype)
        return out
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a valid weights file, corrupt or truncated ({exc})"
                         ) from None


def _safetensors_header(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    dtypes = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8,
              "I16": np.int16, "I32": np.int32, "I64": np.int64, "U8": np.uint8,
              "BOOL": np.bool_}
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        if size > path.stat().st_size:
            raise ValueError("header length beyond the end of the file")
        header = json.loads(f.read(size))
    return {name: (tuple(int(d) for d in entry["shape"]), np.dtype(dtypes[entry["dtype"]]))
            for name, entry in header.items() if name != "__metadata__"}


def check_weights_file(path: Path, expected: Mapping[str, tuple[int, ...]]) -> None:
    """Refuse a weights file whose declared arrays are not those of the model config (names
    and shapes), before reading it."""
    declared = declared_shapes(path)
    if set(declared) != set(expected):
        missing = sorted(set(expected) - set(declared))[:5]
        extra = sorted(set(declared) - set(expected))[:5]
        raise ValueError(f"{path}: its arrays do not match the model config (missing "
                         f"{missing}, extra {extra})")
    for name, shape in expected.items():
        if declared[name][0] != tuple(shape):
            raise ValueError(f"{path}: array {name!r} is declared with shape "
                             f"{declared[name][0]}, but the model config needs {tuple(shape)}")


def check_finite(arrays: Mapping[str, np.ndarray], where: PathLike) -> None:
    """Refuse NaN or infinite values in saved weights or training state, naming the array."""
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            bad = int(np.size(arr) - np.isfinite(arr).sum())
            raise ValueError(f"{where}: array {name!r} holds {bad} NaN or infinite value(s); "
                             f"the saved model is not usable")


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


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX
        return 16 << 30


def _count(config: Mapping[str, Any], key: str, where: str) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: model.{key} is {value!r:.60}; expected an integer >= 1")
    return value


def check_model_size(config: Mapping[str, Any], where: str) -> None:
    """Refuse an MLP config whose weights would take more than a quarter of this machine's
    memory (training also holds gradients and optimiser moments), before anything is
    allocated; the fields must be positive integers."""
    if config.get("class") != "MLP":
        return
    hidden = config.get("hidden")
    if not isinstance(hidden, list):
        raise ValueError(f"{where}: model.hidden is {hidden!r:.60}; expected a list of widths")
    widths = [_count(config, "in_features", where)]
    widths += [_count({"hidden": w}, "hidden", where) for w in hidden]
    widths.append(_count(config, "out_features", where))
    n = sum(a * b + b for a, b in zip(widths, widths[1:]))
    itemsize = 8 if config.get("dtype") == "float64" else 4
    memory = _physical_memory()
    if n * itemsize * 4 > memory:
        raise ValueError(f"{where}: the model (layer widths {widths}) has {n:,} parameters; "
                         f"training it needs about {n * itemsize * 4 / 2**30:.1f} GiB, more "
                         f"than this machine's {memory / 2**30:.1f} GiB of memory")


def read_config(path: PathLike) -> dict[str, Any]:
    """The ``config.json`` of a model or checkpoint folder (ValueError if it is not one)."""
    path = Path(path)
    recover(path)
    config = read_folder_config(path, CONFIG_FILE, FORMAT, VERSION, "model")
    config_path = path / CONFIG_FILE
    if config.get("weights") not in WEIGHTS_FORMATS.values() or not isinstance(
            config.get("model"), dict):
        raise ValueError(f"{config_path}: missing or bad 'model' / 'weights' entries")
    check_model_size(config["model"], str(config_path))
    return config


def load_model(path: PathLike) -> Any:
    """Rebuild the model saved in ``path`` (a model or checkpoint folder) with its weights."""
    from ..nn import from_config

    path = Path(path)
    config = read_config(path)
    model = from_config(config["model"])
    model.load_state_dict(_load_weights(path, config, model))
    return model


def _load_weights(path: Path, config: Mapping[str, Any], model: Any = None
                  ) -> dict[str, np.ndarray]:
    """The weights file of a model folder: its declared shapes checked against the model
    config before it is read, then its values checked to be finite."""
    from ..nn import from_config

    if model is None:
        model = from_config(config["model"])
    file = path / config["weights"]
    check_weights_file(file, {k: np.shape(v) for k, v in model.state_dict().items()})
    weights = load_arrays(file)
    check_finite(weights, file)
    return weights


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


def _check_state_size(path: Path) -> None:
    total = sum(int(np.prod(shape)) * dtype.itemsize
                for shape, dtype in declared_shapes(path).values())
    if total * 4 > _physical_memory():
        raise ValueError(f"{path}: its arrays declare {total / 2**30:.1f} GiB, more than a "
                         f"training state of this size can hold on this machine")


def load_checkpoint(path: PathLike) -> Checkpoint:
    """Read a checkpoint folder (or a plain model folder: then ``trainer_state`` is None)."""
    from ..optim.serialization import unflatten_state

    path = Path(path)
    config = read_config(path)
    weights = _load_weights(path, config)
    state = None
    if (path / STATE_FILE).is_file():
        arrays = {}
        if (path / STATE_ARRAYS).is_file():
            _check_state_size(path / STATE_ARRAYS)
            arrays = load_arrays(path / STATE_ARRAYS)
            check_finite(arrays, path / STATE_ARRAYS)
        meta = read_json(path / STATE_FILE)
        if not isinstance(meta, dict):
            raise ValueError(f"{path / STATE_FILE}: expected a JSON object")
        try:
            state = unflatten_state(meta, arrays)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: the trainer state does not match its arrays ({exc})"
                             ) from None
    return Checkpoint(path=path, config=config, weights=weights, trainer_state=state)
