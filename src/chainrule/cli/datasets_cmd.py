"""``chainrule datasets``: every dataset ``--dataset`` accepts, one line each."""
from __future__ import annotations

import argparse
from typing import Any


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


def run(args: argparse.Namespace) -> int:
    from ..data import available_datasets, dataset_info

    infos = [dataset_info(name) for name in available_datasets()]
    rows = [(info.name, info.task, _availability(info.name, info.offline, args.data_dir),
             info.description) for info in infos]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'name':<{widths[0]}}  {'task':<{widths[1]}}  {'data':<{widths[2]}}  description")
    for name, task, where, desc in rows:
        print(f"{name:<{widths[0]}}  {task:<{widths[1]}}  {where:<{widths[2]}}  {desc}")
    return 0
