"""The sweep folder and its store: an Optuna study in ``DIR/study.db`` (SQLite).

Only the driver writes the store; workers return their results to it. Before Optuna opens a
file, the file is checked read-only (`check_folder`): a text file, a SQLite database with
tables Optuna does not make, a study made by something else, or a sweep over another search
space is refused without a single write. A new store is built under a temporary name and
renamed into place, so a store is either absent or whole.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterator

from .config import SweepConfig
from .options import OptionError

STORE = "study.db"
STUDY_NAME = "chainrule-sweep"
FORMAT_ATTR = "chainrule_sweep"
FORMAT = {"format": "chainrule-sweep", "version": 1}
LOCK = ".lock"
# what a sweep folder may hold besides its store
OWN_NAMES = {STORE, LOCK, "trials.csv", "report.html", "plots"}
OPTUNA_TABLES = {"studies", "study_directions", "study_system_attributes",
                 "study_user_attributes", "trial_heartbeats", "trial_intermediate_values",
                 "trial_params", "trial_system_attributes", "trial_user_attributes",
                 "trial_values", "trials", "version_info", "alembic_version"}
SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(ValueError):
    """A sweep folder or store that cannot be used (the store is left untouched)."""


# ---------------------------------------------------------------- read-only checks
def read_identity(folder: Path) -> dict[str, Any] | None:
    """The sweep's definition recorded in ``folder``'s store, None when there is no store;
    `StoreError` when the store is not a chainrule sweep's. Reads only."""
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder} is a file, not a sweep folder")
    store = folder / STORE
    if not store.exists():
        return None
    with open(store, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise StoreError(f"{store} is not a SQLite database (another program's file?); it "
                         f"is left as it is: use another sweep folder")
    try:
        con = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            foreign = sorted(tables - OPTUNA_TABLES)
            if foreign or "studies" not in tables:
                what = f"tables {foreign}" if foreign else "no Optuna tables"
                raise StoreError(f"{store} is a SQLite database of another program ({what}); "
                                 f"it is left as it is: use another sweep folder")
            studies = [r[0] for r in con.execute("SELECT study_name FROM studies")]
            attrs = dict(con.execute(
                "SELECT a.key, a.value_json FROM study_user_attributes a JOIN studies s "
                "ON a.study_id = s.study_id WHERE s.study_name = ?", (STUDY_NAME,)))
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{store} cannot be read as a sweep store: {exc}") from None
    if studies != [STUDY_NAME] or FORMAT_ATTR not in attrs:
        raise StoreError(f"{store} holds Optuna studies {studies} that no chainrule sweep "
                         f"made; it is left as it is: use another sweep folder")
    record = json.loads(attrs[FORMAT_ATTR])
    if {k: record.get(k) for k in FORMAT} != FORMAT:
        raise StoreError(f"{store} is a sweep store of format {record.get('format')!r} "
                         f"version {record.get('version')!r}; this chainrule reads "
                         f"version {FORMAT['version']}")
    return record["identity"]


def check_folder(folder: Path, config: SweepConfig) -> bool:
    """Whether ``folder`` already holds this sweep (True) or can hold a new one (False);
    `StoreError` otherwise. Reads only."""
    identity = read_identity(folder)
    if identity is None:
        if folder.exists():
            others = sorted(p.name for p in folder.iterdir() if p.name not in OWN_NAMES)
            if others:
                raise StoreError(f"{folder} is not empty and holds no sweep store ({STORE}); "
                                 f"found {others[:5]}: use a new or empty folder")
        return False
    wanted = json.loads(json.dumps(config.identity()))
    if identity != wanted:
        detail = "; ".join(_differences(identity, wanted))
        raise StoreError(f"{folder} holds a sweep with a different definition ({detail}); "
                         f"rerun it with the same options to resume, or use another folder")
    return True


def _differences(stored: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """``"lr: stored [0.01, 0.1], now [0.01, 0.2]"`` for each setting that differs."""
    out = []
    for key in sorted(set(stored) | set(wanted)):
        old, new = stored.get(key), wanted.get(key)
        if old == new:
            continue
        if key == "space":
            for part, label in (("params", "swept"), ("fixed", "fixed")):
                a, b = (old or {}).get(part, {}), (new or {}).get(part, {})
                for name in sorted(set(a) | set(b)):
                    if a.get(name) != b.get(name):
                        out.append(f"{label} {name}: stored {_short(a.get(name))}, now "
                                   f"{_short(b.get(name))}")
        else:
            out.append(f"{key}: stored {_short(old)}, now {_short(new)}")
    return out


def _short(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, dict) and value.get("kind") == "categorical":
        value = value["values"]
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def check_report_folder(folder: Path) -> dict[str, Any]:
    identity = read_identity(folder)
    if identity is None:
        raise StoreError(f"{folder} holds no sweep store ({STORE}); make one with "
                         f"'chainrule sweep {folder} --grid ...'")
    return identity


# ---------------------------------------------------------------- opening
def storage_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def _storage(path: Path) -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.storages.RDBStorage(
        storage_url(path), engine_kwargs={"connect_args": {"timeout": 60}})


def create_store(folder: Path, config: SweepConfig) -> None:
    """Build a new store for ``config`` under a temporary name, then rename it into place."""
    import optuna

    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{STORE}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        study = optuna.create_study(storage=_storage(tmp), study_name=STUDY_NAME,
                                    direction=config.direction)
        study.set_user_attr(FORMAT_ATTR, {**FORMAT, "identity": config.identity()})
        study._storage.remove_session()  # type: ignore[attr-defined]
        del study
        os.replace(tmp, folder / STORE)
    finally:
        tmp.unlink(missing_ok=True)


def load_study(folder: Path, sampler: Any = None, pruner: Any = None) -> Any:
    """The study in ``folder`` (already checked with `check_folder`/`check_report_folder`)."""
    import optuna

    return optuna.load_study(study_name=STUDY_NAME, storage=_storage(folder / STORE),
                             sampler=sampler, pruner=pruner)


@contextlib.contextmanager
def driver_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder/.lock`` while a driver runs: a second driver on the same folder is
    refused (the lock dies with its process, also on SIGKILL)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    fh = open(path, "a+")
    try:
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: run unguarded
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                owner = fh.read().strip() or "?"
                raise StoreError(f"another sweep (pid {owner}) is running in {folder}; wait "
                                 f"for it, or watch it with 'chainrule sweep report "
                                 f"{folder}'") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


def fail_leftovers(study: Any) -> int:
    """Mark the trials a killed driver left RUNNING or WAITING as failed (interrupted), so
    they are run again; returns how many."""
    from optuna.trial import TrialState

    storage, count = study._storage, 0
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        storage.set_trial_user_attr(t._trial_id, "interrupted", True)
        storage.set_trial_user_attr(t._trial_id, "error", "interrupted: the sweep stopped "
                                                          "while this trial ran")
        storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
        count += 1
    return count


def describe_identity(identity: dict[str, Any]) -> str:
    params = identity["space"]["params"]
    parts = []
    for name, p in params.items():
        if p["kind"] == "categorical":
            parts.append(f"{name} in {p['values']}")
        else:
            parts.append(f"{name} ~ {p['kind']}[{p['low']}, {p['high']}]")
    return "; ".join(parts)


__all__ = ["OptionError", "StoreError", "check_folder", "check_report_folder", "create_store",
           "driver_lock", "fail_leftovers", "load_study", "read_identity"]
