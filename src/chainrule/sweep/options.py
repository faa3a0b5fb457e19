"""The options of ``chainrule train``, as a sweep sees them.

A sweep varies the options of ``chainrule train`` and fixes the others. Every value, whether it
comes from ``--grid``, ``--search``, a TOML file or the Python API, is checked by the train
command's own parser (its types, ranges and choices), so a sweep accepts exactly what
``chainrule train`` accepts and refuses the rest with the same message.
"""
from __future__ import annotations

import argparse
from functools import lru_cache
from typing import Any, NoReturn

# train options that make no sense inside a sweep (a trial writes no run folder, and the
# seed of each trial comes from --seed and --seeds)
NOT_SWEEPABLE = {"out", "resume", "weights_format", "quiet", "help", "seed"}


class OptionError(ValueError):
    """A sweep option or value that ``chainrule train`` would refuse."""


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise OptionError(message)


@lru_cache(maxsize=1)
def train_parser() -> argparse.ArgumentParser:
    """The parser of ``chainrule train``, raising `OptionError` instead of exiting."""
    from ..cli import train_cmd

    root = _RaisingParser(prog="chainrule")
    sub = root.add_subparsers()
    train_cmd.register(sub)
    return sub.choices["train"]


@lru_cache(maxsize=1)
def train_options() -> dict[str, argparse.Action]:
    """``dest -> action`` for every option of ``chainrule train`` a sweep can set."""
    return {a.dest: a for a in train_parser()._actions
            if a.option_strings and a.dest not in NOT_SWEEPABLE}


def option_name(name: str) -> str:
    """``learning-rate``/``--batch-size``/``batch_size`` -> the dest ``batch_size``."""
    return name.strip().lstrip("-").replace("-", "_").lower()


def check_name(name: str) -> str:
    """The dest of ``name``; `OptionError` naming the known options when it is not one."""
    dest = option_name(name)
    if dest in train_options():
        return dest
    if dest in NOT_SWEEPABLE:
        why = ("use --seed and --seeds of the sweep" if dest == "seed"
               else "a trial writes no run folder")
        raise OptionError(f"option {name!r} cannot be swept ({why})")
    known = ", ".join(sorted(train_options()))
    raise OptionError(f"unknown option {name!r}: not an option of 'chainrule train'; "
                      f"expected one of {known}")


def as_text(value: Any) -> str:
    """A value as it is written on the command line (lists joined by commas)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(as_text(v) for v in value)
    return str(value)


def parse_value(name: str, value: Any) -> Any:
    """``value`` for option ``name`` checked and converted exactly as ``chainrule train``
    does (``"0.01"`` -> 0.01, ``"64,32"`` -> [64, 32], ``"false"`` for a ``--no-`` flag)."""
    dest = check_name(name)
    action = train_options()[dest]
    text = as_text(value).strip()
    flag = action.option_strings[0]
    if isinstance(action, argparse.BooleanOptionalAction):
        words = {"true": True, "yes": True, "on": True, "1": True,
                 "false": False, "no": False, "off": False, "0": False}
        if text.lower() not in words:
            raise OptionError(f"{dest}={text!r}: expected true or false (for {flag} / "
                              f"--no-{flag[2:]})")
        return words[text.lower()]
    if action.nargs == 0:  # a plain store_true flag
        raise OptionError(f"{dest}: the flag {flag} takes no value and cannot be swept")
    argv = [flag, text] if not text.startswith("-") else [f"{flag}={text}"]
    try:
        namespace = train_parser().parse_args(argv)
    except OptionError as exc:
        raise OptionError(f"{dest}={text!r}: {exc}") from None
    return getattr(namespace, dest)


def canonical(name: str, value: Any) -> Any:
    """The value stored in the study for ``name``: numbers and strings as parsed, lists
    (layer widths, per-layer activations) as their comma-joined text."""
    parsed = parse_value(name, value)
    if isinstance(parsed, (list, tuple)):
        return as_text(parsed)
    return parsed
