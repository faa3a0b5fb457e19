"""The search space of a sweep: which ``chainrule train`` options vary, over what, and which
are fixed.

Command-line forms::

    --grid lr=0.01,0.03,0.1            a grid axis (values split by commas; a colon inside a
    --grid hidden=64:256:256,128       value stands for the comma of a list option)
    --search lr=log:1e-4:1e-1          log-uniform between the bounds
    --search dropout=float:0:0.5       uniform
    --search epochs=int:2:8            integers (int-log:16:256 for log-spaced integers)
    --search activation=relu,tanh      a categorical choice

Every value and bound is checked by the train command's parser (`options.parse_value`).
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .options import OptionError, as_text, canonical, check_name, parse_value

KINDS = ("categorical", "float", "log", "int", "int-log")


@dataclass(frozen=True)
class Param:
    """One swept option: a list of ``values`` (grid axis / categorical choice) or a numeric
    range ``low``..``high`` of ``kind`` float, log, int or int-log."""

    name: str
    kind: str
    values: tuple = ()
    low: float | int | None = None
    high: float | int | None = None

    @property
    def is_choice(self) -> bool:
        return self.kind == "categorical"

    def to_json(self) -> dict[str, Any]:
        if self.is_choice:
            return {"kind": self.kind, "values": list(self.values)}
        return {"kind": self.kind, "low": self.low, "high": self.high}

    def distribution(self) -> Any:
        """The Optuna distribution of this parameter."""
        import optuna.distributions as D

        if self.is_choice:
            return D.CategoricalDistribution(list(self.values))
        if self.kind in ("int", "int-log"):
            return D.IntDistribution(int(self.low), int(self.high), log=self.kind == "int-log")
        return D.FloatDistribution(float(self.low), float(self.high), log=self.kind == "log")


@dataclass
class SearchSpace:
    """The swept parameters (``params``) and the fixed train options (``fixed``), both keyed
    by the train option's name (``batch_size``), values in their canonical form."""

    params: dict[str, Param] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------ building
    def add_grid(self, name: str, values: Iterable[Any]) -> None:
        """Add a grid axis (or a categorical choice in a random / TPE search)."""
        dest = check_name(name)
        values = list(values)
        if not values:
            raise OptionError(f"empty grid for {dest!r}: give at least one value, e.g. "
                              f"--grid {dest}=A,B")
        parsed = [canonical(dest, v) for v in values]
        seen: set = set()
        for raw, value in zip(values, parsed):
            key = json.dumps(value)
            if key in seen:
                raise OptionError(f"the grid of {dest!r} lists {as_text(raw)!r} twice")
            seen.add(key)
        self._add(Param(dest, "categorical", tuple(parsed)))

    def add_range(self, name: str, kind: str, low: Any, high: Any) -> None:
        """Add a numeric range ``kind`` (float, log, int, int-log) between ``low`` and ``high``."""
        dest = check_name(name)
        if kind not in KINDS[1:]:
            raise OptionError(f"{dest}: unknown distribution {kind!r}; expected one of "
                              f"{', '.join(KINDS[1:])}")
        lo, hi = parse_value(dest, low), parse_value(dest, high)
        integer = kind.startswith("int")
        for bound in (lo, hi):
            if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                raise OptionError(f"{dest}: a {kind} range needs a numeric option, but "
                                  f"{dest} takes {type(bound).__name__} values; list the "
                                  f"choices instead ({dest}=A,B)")
            if integer and not isinstance(bound, int):
                raise OptionError(f"{dest}: int ranges need an integer option; {dest} takes "
                                  f"real numbers: use float:LOW:HIGH or log:LOW:HIGH")
            if not integer and isinstance(bound, int):
                raise OptionError(f"{dest} takes integers: use int:{lo}:{hi} "
                                  f"(or int-log:{lo}:{hi})")
        if not lo < hi:
            raise OptionError(f"{dest}: the range needs LOW < HIGH, got {lo} and {hi}")
        if kind.endswith("log") and lo <= 0:
            raise OptionError(f"{dest}: a log range needs LOW > 0, got {lo}")
        self._add(Param(dest, kind, (), lo, hi))

    def add_fixed(self, name: str, value: Any) -> None:
        dest = check_name(name)
        if dest in self.params:
            raise OptionError(f"{dest!r} is both fixed and swept; give it one way")
        self.fixed[dest] = canonical(dest, value)

    def _add(self, param: Param) -> None:
        if param.name in self.params:
            raise OptionError(f"{param.name!r} is swept twice; give each option once")
        if param.name in self.fixed:
            raise OptionError(f"{param.name!r} is both fixed and swept; give it one way")
        self.params[param.name] = param

    # ------------------------------------------------------------ reading
    @property
    def is_grid(self) -> bool:
        return all(p.is_choice for p in self.params.values())

    def grid(self) -> dict[str, list]:
        return {name: list(p.values) for name, p in self.params.items()}

    def grid_configs(self) -> list[dict[str, Any]]:
        """Every configuration of a grid, in a fixed order."""
        names = sorted(self.params)
        return [dict(zip(names, combo)) for combo in
                itertools.product(*(self.params[n].values for n in names))]

    def check(self) -> None:
        if not self.params:
            raise OptionError("empty search space: give at least one --grid NAME=V1,V2 or "
                              "--search NAME=SPEC (or a [grid] / [search] table in the TOML "
                              "file)")

    def to_json(self) -> dict[str, Any]:
        return {"params": {n: self.params[n].to_json() for n in sorted(self.params)},
                "fixed": {n: self.fixed[n] for n in sorted(self.fixed)}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "SearchSpace":
        space = cls(fixed=dict(data["fixed"]))
        for name, p in data["params"].items():
            if p["kind"] == "categorical":
                space.params[name] = Param(name, "categorical", tuple(p["values"]))
            else:
                space.params[name] = Param(name, p["kind"], (), p["low"], p["high"])
        return space

    def settings_for(self, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
        """The explicit train options of one trial: fixed options, the trial's parameters
        (converted as ``chainrule train`` converts them) and its seed."""
        explicit = {name: parse_value(name, value) for name, value in self.fixed.items()}
        for name, value in params.items():
            explicit[name] = parse_value(name, value)
        explicit["seed"] = int(seed)
        return explicit


# ---------------------------------------------------------------- command-line forms
def _split_assignment(text: str, flag: str) -> tuple[str, str]:
    name, sep, rest = text.partition("=")
    if not sep or not name.strip():
        raise OptionError(f"{flag} {text!r}: expected NAME=VALUES, e.g. {flag} lr=0.01,0.1")
    return name.strip(), rest.strip()


def parse_grid_arg(text: str) -> tuple[str, list[str]]:
    """``"hidden=64:256:256,128"`` -> ``("hidden", ["64,256,256", "128"])``."""
    name, rest = _split_assignment(text, "--grid")
    values = [v.strip().replace(":", ",") for v in rest.split(",")] if rest else []
    if any(v == "" for v in values):
        raise OptionError(f"--grid {text!r}: an empty value between commas")
    return name, values


def add_search_arg(space: SearchSpace, text: str) -> None:
    """Add ``--search NAME=SPEC`` to ``space``."""
    name, rest = _split_assignment(text, "--search")
    head, _, tail = rest.partition(":")
    if head in KINDS[1:]:
        bounds = tail.split(":")
        if len(bounds) != 2 or not all(b.strip() for b in bounds):
            raise OptionError(f"--search {text!r}: expected {name}={head}:LOW:HIGH")
        space.add_range(name, head, bounds[0].strip(), bounds[1].strip())
        return
    space.add_grid(name, parse_grid_arg(f"{name}={rest}")[1])


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)
