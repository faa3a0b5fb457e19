"""``Module``: a tree of layers that owns Parameters; and the config registry.

A module registers the Parameters and sub-Modules assigned to its attributes (in
``__setattr__``; there is no ``__getattr__`` magic: they are plain attributes), so
``named_parameters()`` yields dotted names like ``"layers.0.weight"``. State is apart from
the maths: ``forward`` calls :mod:`chainrule.nn.functional`.

Every built-in layer describes itself with ``get_config()`` (a JSON-serialisable dict with
a ``"class"`` key) and :func:`from_config` rebuilds it, so a saved model needs no pickle::

    config = model.get_config(); weights = model.state_dict()
    clone = from_config(config); clone.load_state_dict(weights)
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, NamedTuple, TypeVar

import numpy as np

from ..autodiff import Tensor, replayed
from .parameter import Parameter

M = TypeVar("M", bound=type)

_REGISTRY: dict[str, type] = {}
_MODE_VERSION = [0]  # counts assignments of any module's training flag


def register_module(cls: M) -> M:
    """Class decorator: make ``cls`` rebuildable by :func:`from_config` (key: class name)."""
    name = cls.__name__
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"register_module: a different class named {name!r} is already "
                         f"registered ({_REGISTRY[name].__module__}.{name})")
    _REGISTRY[name] = cls
    return cls


def from_config(config: Mapping[str, Any]) -> "Module":
    """Rebuild a module from ``module.get_config()`` (weights: ``load_state_dict``)."""
    if not isinstance(config, Mapping) or "class" not in config:
        raise ValueError(f"from_config: expected a dict with a 'class' key, got "
                         f"{type(config).__name__}")
    name = config["class"]
    cls = _REGISTRY.get(name)
    if cls is None:
        raise ValueError(f"from_config: unknown module class {name!r}; registered classes: "
                         f"{sorted(_REGISTRY)} (register your own with @register_module)")
    return cls.from_config(config)


def dtype_name(dtype: Any) -> str:
    return np.dtype(dtype).name


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers, activations, losses and models.

    Subclasses call ``super().__init__()`` first, assign Parameters and sub-Modules as
    attributes, and implement ``forward``. ``module(x)`` calls ``forward(x)``.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    @staticmethod
    def mode_version() -> int:
        """A number that changes whenever any module's ``training`` flag is assigned
        (``train()``, ``eval()``, or ``m.training = ...``): a compiled step re-reads the
        modes of its model only when it changed."""
        return _MODE_VERSION[0]

    # ------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "training":
            _MODE_VERSION[0] += 1
        params = self.__dict__.get("_parameters")
        if params is None:
            if isinstance(value, (Parameter, Module)):
                raise AttributeError(f"{type(self).__name__}: cannot assign {name!r} before "
                                     f"Module.__init__() is called (call super().__init__())")
            object.__setattr__(self, name, value)
            return
        modules = self.__dict__["_modules"]
        if isinstance(value, Parameter):
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            modules[name] = value
        else:
            params.pop(name, None)
            modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__["_parameters"].pop(name, None)
        self.__dict__["_modules"].pop(name, None)
        object.__delattr__(self, name)

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # calling a module runs its forward: bind it directly (one Python frame less on the
        # hot path) unless the class defines its own __call__
        super().__init_subclass__(**kwargs)
        if "forward" in cls.__dict__ and "__call__" not in cls.__dict__:
            cls.__call__ = cls.__dict__["forward"]

    # ---------------------------------------------------------------- the tree
    def children(self) -> Iterator["Module"]:
        """The direct sub-modules, in registration order."""
        return iter(self._modules.values())

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        return iter(self._modules.items())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """(dotted name, module) for this module ("") and every descendant, depth first."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            yield name, mod
            kids = [(f"{name}.{k}" if name else k, m) for k, m in mod._modules.items()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two layers appears once."""
        seen: set[int] = set()
        for mname, mod in self.named_modules(prefix):
            for pname, p in mod._parameters.items():
                if id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    def num_parameters(self, trainable_only: bool = False) -> int:
        """The number of scalars in the parameters (those requiring grad if asked)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    @replayed
    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``)."""
        for p in self.parameters():
            p.grad = None

    # ----------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> "Module":
        """Training mode (Dropout active) for this module and all below it."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode): expected a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode (Dropout is the identity)."""
        return self.train(False)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """name -> a copy of the parameter's array."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy ``state`` into the parameters in place, all or nothing.

        Names, shapes and dtypes are all checked before anything is copied; any mismatch
        raises (``ValueError`` for names and shapes, ``TypeError`` for dtypes) and leaves
        every parameter unchanged. With ``strict=False`` missing and unexpected names are
        allowed and returned.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected a mapping name -> array, got "
                            f"{type(state).__name__}")
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            raise ValueError(f"{where}: keys do not match; missing {missing}, unexpected "
                             f"{unexpected}")
        arrays: list[tuple[Parameter, np.ndarray]] = []
        shape_errors, dtype_errors = [], []
        for name, p in own.items():
            if name not in state:
                continue
            value = state[name]
            arr = value.data if isinstance(value, Tensor) else np.asarray(value)
            if arr.shape != p.data.shape:
                shape_errors.append(f"{name!r}: expected shape {p.data.shape}, got {arr.shape}")
            elif arr.dtype != p.data.dtype:
                dtype_errors.append(f"{name!r}: expected dtype {p.data.dtype}, got {arr.dtype}")
            else:
                arrays.append((p, arr))
        if shape_errors:
            raise ValueError(f"{where}: shape mismatch: " + "; ".join(shape_errors + dtype_errors))
        if dtype_errors:
            raise TypeError(f"{where}: dtype mismatch: " + "; ".join(dtype_errors)
                            + " (cast the arrays, or the model with .astype())")
        for p, arr in arrays:
            np.copyto(p.data, arr)
        return IncompatibleKeys(missing, unexpected)

    def astype(self, dtype: Any) -> "Module":
        """Convert every parameter to ``dtype`` (e.g. float64 for gradient checks).

        Parameters get new arrays, so call this before creating an optimiser.
        """
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"{type(self).__name__}.astype: expected a floating dtype, "
                            f"got {dt}")
        for m in self.modules():
            for p in m._parameters.values():
                if p.data.dtype != dt:
                    p.data = p.data.astype(dt)
                    p.grad = None
            m._set_dtype(dt)
        return self

    def to(self, dtype: Any) -> "Module":
        """Alias of :meth:`astype`."""
        return self.astype(dtype)

    def _set_dtype(self, dtype: np.dtype) -> None:
        """Hook for modules that keep a dtype besides their parameters."""

    # -------------------------------------------------------- random state
    def rng_states(self) -> dict[str, Any]:
        """Dotted module name -> ``get_rng_state()`` of every module with randomness."""
        return {name: m.get_rng_state() for name, m in self.named_modules()
                if callable(getattr(m, "get_rng_state", None))}

    def set_rng_states(self, states: Mapping[str, Any]) -> None:
        """Restore what :meth:`rng_states` returned (names checked before any change)."""
        mods = {name: m for name, m in self.named_modules()
                if callable(getattr(m, "set_rng_state", None))}
        if not isinstance(states, Mapping) or set(states) != set(mods):
            got = sorted(states) if isinstance(states, Mapping) else type(states).__name__
            raise ValueError(f"{type(self).__name__}.set_rng_states: expected states for "
                             f"{sorted(mods)}, got {got}")
        for name, m in mods.items():
            check = getattr(m, "check_rng_state", None)
            if check is not None:
                check(states[name])
        for name, m in mods.items():
            m.set_rng_state(states[name])

    # ----------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """A JSON-serialisable description (with a "class" key) that rebuilds the module."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement get_config(); override it to return "
            f"{{'class': {type(self).__name__!r}, **constructor_arguments}} and decorate the "
            f"class with @register_module")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Module":
        kwargs = {k: v for k, v in config.items() if k != "class"}
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise TypeError(f"from_config: cannot build {cls.__name__} from {dict(config)}: "
                            f"{exc}") from None

    # ------------------------------------------------------------------- repr
    def summary(self, input_shape: Any = None) -> None:
        """Print the layers, output shapes and parameter counts (``chainrule.nn.summary``)."""
        from .summary import summary
        print(summary(self, input_shape))

    def _repr_html_(self) -> str:
        from .summary import summary
        return summary(self).to_html()

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = [head]
        for name, m in self._modules.items():
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        return "\n".join(lines) + "\n)"


class RandomMixin:
    """For modules that draw random numbers: a Generator whose state can be saved.

    ``get_rng_state()`` returns ``rng.bit_generator.state`` (a JSON-serialisable dict), so
    training resumes bit for bit after ``set_rng_state``.
    """

    rng: np.random.Generator

    def get_rng_state(self) -> dict[str, Any]:
        return self.rng.bit_generator.state

    def check_rng_state(self, state: Any) -> None:
        """Raise ValueError unless ``state`` is a valid state of this module's generator."""
        kind = type(self.rng.bit_generator)
        if not isinstance(state, Mapping) or state.get("bit_generator") != kind.__name__:
            raise ValueError(f"{type(self).__name__}.set_rng_state: expected the state dict "
                             f"of a {kind.__name__} bit generator (from get_rng_state()), "
                             f"got {state!r}")
        try:
            kind().state = dict(state)  # validated on a scratch generator
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"{type(self).__name__}.set_rng_state: invalid state: "
                             f"{exc}") from None

    def set_rng_state(self, state: Mapping[str, Any]) -> None:
        self.check_rng_state(state)
        self.rng.bit_generator.state = dict(state)


__all__ = ["IncompatibleKeys", "Module", "RandomMixin", "dtype_name", "from_config",
           "register_module"]
