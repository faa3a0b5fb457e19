"""``chainrule datasets``: every dataset ``--dataset`` accepts, one line each, with where its
data comes from and the extra it needs beyond NumPy (and whether that is installed)."""
from __future__ import annotations

import argparse
import importlib.util
from typing import Any

# dataset -> (module it imports, package, the chainrule extra that installs it)
NEEDS = {"digits": ("sklearn", "scikit-learn", "data")}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "datasets", help="list the datasets and whether they work offline",
        description="List the datasets that 'chainrule train --dataset NAME' accepts, with a "
                    "one-line description and where the data comes from.")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder holding the MNIST / Fashion-MNIST files (default: "
                        "$CHAINRULE_DATA, then the download cache)")
    p.set_defaults(func=run)


def _availability(name: str, offline: bool, data_dir: str | None) -> str:
    if offline:
        return "offline"
    from ..data.mnist import FASHION_MNIST, MNIST, locate_files

    collection = {"mnist": MNIST, "fashion-mnist": FASHION_MNIST}.get(name)
    if collection is None:
        return "download"
    try:
        locate_files(collection, list(collection.files), data_dir=data_dir, download=False)
    except (OSError, ValueError):
        return "download once"
    return "found locally"


def needs(name: str) -> str:
    """``"-"``, or the extra a dataset needs and whether it is installed."""
    if name not in NEEDS:
        return "-"
    module, package, extra = NEEDS[name]
    state = "installed" if importlib.util.find_spec(module) else "missing"
    return f"chainrule[{extra}] ({package}, {state})"


def run(args: argparse.Namespace) -> int:
    from ..data import available_datasets, dataset_info

    infos = [dataset_info(name) for name in available_datasets()]
    rows = [(info.name, info.task, _availability(info.name, info.offline, args.data_dir),
             needs(info.name), info.description) for info in infos]
    heads = ("name", "task", "data", "needs")
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(4)]
    for row in [(*heads, "description"), *rows]:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths)) + f"  {row[4]}")
    return 0
