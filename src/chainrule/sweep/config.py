"""What a sweep is: its search space, seeds, sampler, budget, metric and pruning; read from
keyword arguments or a TOML file.

TOML form (every table optional; command-line flags override it)::

    seeds = 3            # repeats of each configuration (seeds seed .. seed+seeds-1)
    sampler = "tpe"      # grid | random | tpe (default: grid for a grid, tpe for ranges)
    trials = 20          # configurations to sample (random / tpe)
    metric = "val_accuracy"
    prune = true

    [fixed]              # chainrule train options every trial shares
    dataset = "digits"
    epochs = 3

    [grid]               # lists of values
    lr = [0.01, 0.03, 0.1]
    hidden = [[64, 256, 256], [128]]

    [search]             # ranges "KIND:LOW:HIGH" or lists of choices
    weight_decay = "log:1e-5:1e-2"
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .options import OptionError
from .space import SearchSpace, add_search_arg

SAMPLERS = ("grid", "random", "tpe")
TOP_KEYS = {"seeds", "seed", "sampler", "trials", "metric", "prune", "prune_warmup",
            "fixed", "grid", "search"}
TEST_PREFIX = "test_"


@dataclass
class SweepConfig:
    """A sweep's definition. ``trials`` counts configurations (each runs ``seeds`` times)."""

    space: SearchSpace = field(default_factory=SearchSpace)
    seeds: int = 1
    seed: int = 0
    sampler: str | None = None
    trials: int | None = None
    metric: str | None = None
    prune: bool = False
    prune_warmup: int = 1

    def resolve(self) -> "SweepConfig":
        """Check everything and fill the defaults (sampler, metric); returns ``self``."""
        self.space.check()
        for name, low in (("seeds", 1), ("seed", 0), ("prune_warmup", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise OptionError(f"{name} must be an integer >= {low}, got {value!r}")
        if self.sampler is None:
            self.sampler = "grid" if self.space.is_grid and self.trials is None else "tpe"
        if self.sampler not in SAMPLERS:
            raise OptionError(f"unknown sampler {self.sampler!r}; expected one of "
                              f"{', '.join(SAMPLERS)}")
        if self.sampler == "grid":
            if not self.space.is_grid:
                ranges = [n for n, p in self.space.params.items() if not p.is_choice]
                raise OptionError(f"a grid needs lists of values, but {', '.join(ranges)} "
                                  f"is a range; use --sampler random or tpe with --trials")
            if self.trials is not None:
                raise OptionError("--trials applies to random and tpe searches; a grid runs "
                                  "every configuration")
        elif self.trials is None:
            raise OptionError(f"a {self.sampler} search needs a budget: --trials N "
                              f"(configurations to try)")
        elif isinstance(self.trials, bool) or not isinstance(self.trials, int) or \
                self.trials < 1:
            raise OptionError(f"trials must be an integer >= 1, got {self.trials!r}")
        elif self.space.is_grid and self.trials > len(self.space.grid_configs()):
            n = len(self.space.grid_configs())
            raise OptionError(f"--trials {self.trials} asks for more configurations than the "
                              f"space holds: every parameter is a list of values, {n} "
                              f"configuration(s) in all; give --trials {n} or fewer, or drop "
                              f"--trials to run the whole grid")
        self.metric = self.metric or default_metric(self.space.fixed)
        if self.prune and self.metric.startswith(TEST_PREFIX):
            raise OptionError(f"--prune compares a metric after each epoch; {self.metric} "
                              f"is measured once at the end: use a val_ metric")
        if self.metric.startswith("val_") and self.space.fixed.get("val_fraction") == 0:
            raise OptionError(f"metric {self.metric} needs a validation split, but "
                              f"val_fraction is 0")
        return self

    @property
    def direction(self) -> str:
        from ..train.callbacks import infer_mode

        return "maximize" if infer_mode(self.metric or "loss", "auto") == "max" else "minimize"

    def identity(self) -> dict[str, Any]:
        """What must match for a folder to be resumed (the budget may grow)."""
        return {"space": self.space.to_json(), "seeds": self.seeds, "seed": self.seed,
                "sampler": self.sampler, "metric": self.metric}

    def seed_list(self) -> list[int]:
        return list(range(self.seed, self.seed + self.seeds))


def default_metric(fixed: Mapping[str, Any]) -> str:
    """val_accuracy for classification, val_loss for regression and CSV tables (their task is
    known only once read); without a validation split the training values."""
    from ..data import dataset_info

    prefix = "" if fixed.get("val_fraction") == 0 else "val_"
    if fixed.get("csv"):
        return prefix + "loss"
    task = dataset_info(fixed.get("dataset") or "digits").task
    return prefix + ("loss" if task == "regression" else "accuracy")


# ---------------------------------------------------------------- TOML
def _toml_module() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
        return tomllib
    try:
        import tomli
    except ImportError:
        raise ImportError("reading a sweep TOML file on Python < 3.11 needs tomli: pip "
                          "install 'chainrule[sweep]'") from None
    return tomli


def read_toml(path: str | Path) -> dict[str, Any]:
    """The tables of a sweep TOML file, checked for unknown keys."""
    path = Path(path)
    toml = _toml_module()
    try:
        data = toml.loads(path.read_text(encoding="utf-8"))
    except toml.TOMLDecodeError as exc:
        raise OptionError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise OptionError(f"{path}: unknown key(s) {unknown}; expected {sorted(TOP_KEYS)}")
    for table in ("fixed", "grid", "search"):
        if table in data and not isinstance(data[table], dict):
            raise OptionError(f"{path}: [{table}] must be a table of NAME = VALUE")
    for name, values in data.get("grid", {}).items():
        if not isinstance(values, list):
            raise OptionError(f"{path}: [grid] {name} must be a list of values, got "
                              f"{values!r}")
    return data


def config_from(toml: Mapping[str, Any] | None = None, *, fixed: Mapping[str, Any] = (),
                grid: list[tuple[str, list]] = (), search: list[str] = (),
                **settings: Any) -> SweepConfig:
    """A resolved `SweepConfig` from a TOML table (or None) plus command-line parts, which
    override it: ``fixed`` train options, ``grid`` axes, ``search`` specs, and sweep
    ``settings`` (None values are ignored)."""
    toml = dict(toml or {})
    space = SearchSpace()
    toml_fixed = dict(toml.get("fixed", {}))
    for name, value in dict(fixed).items():
        toml_fixed.pop(name, None)
    for name, values in toml.get("grid", {}).items():
        space.add_grid(name, values)
    for name, spec in toml.get("search", {}).items():
        if isinstance(spec, list):
            space.add_grid(name, spec)
        elif isinstance(spec, str):
            add_search_arg(space, f"{name}={spec}")
        else:
            raise OptionError(f"[search] {name}: expected \"KIND:LOW:HIGH\" or a list of "
                              f"choices, got {spec!r}")
    for name, values in grid:
        space.add_grid(name, values)
    for spec in search:
        add_search_arg(space, spec)
    for name, value in {**toml_fixed, **dict(fixed)}.items():
        space.add_fixed(name, value)
    keys = ("seeds", "seed", "sampler", "trials", "metric", "prune", "prune_warmup")
    chosen = {k: toml[k] for k in keys if k in toml}
    chosen.update({k: v for k, v in settings.items() if v is not None})
    unknown = sorted(set(chosen) - set(keys))
    if unknown:
        raise TypeError(f"unknown sweep setting(s) {unknown}; expected {list(keys)}")
    return SweepConfig(space=space, **chosen).resolve()
