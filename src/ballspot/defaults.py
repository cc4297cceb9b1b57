"""What a command uses when an option is left out: the newest trained spotter, the clip index, and the quick
start's predictions and labels.

After `ballspot quickstart` with no options, `ballspot predict VIDEO`, `ballspot evaluate` and `ballspot tune`
need no options either: each looks in the usual folder first, then in the quick start's. Every "not found"
names the command that makes the missing thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ballspot import paths
from ballspot.errors import BallspotError

INDEX_FILE = "index.parquet"
SUMMARY_FILE = "summary.json"


def newest_spotter(runs: Path | None = None, data: Path | None = None) -> Path:
    """best.pt of the most recently trained run that spots events (trained with --task dense or spot), among the
    runs folder's and the quick start's runs; newer clip classifiers (--task classify) are passed over, as
    nothing that takes this default can use them."""
    from ballspot.engine.config import trained_task

    runs = runs or paths.runs_dir(data)
    if runs.exists() and not runs.is_dir():  # "no trained model under" a file would send one looking for runs
        raise BallspotError(
            f"runs folder {runs} is a file, not a folder; point --runs-dir (or BALLSPOT_RUNS_DIR) at a folder, "
            "or give --model"
        )
    quickstart_runs = paths.quickstart_dir(data) / "runs"
    candidates = [
        path for folder in (runs, quickstart_runs) if folder.is_dir() for path in folder.glob("*/weights/best.pt")
    ]
    if not candidates:
        raise BallspotError(
            f"no trained model under {runs} or {quickstart_runs}; make one with `ballspot quickstart` "
            "(minutes on a CPU) or `ballspot train`, or give --model"
        )
    newest_first = sorted(candidates, key=lambda p: p.stat().st_mtime, reverse=True)
    spotter = next((path for path in newest_first if trained_task(path) != "classify"), None)
    if spotter is None:
        raise BallspotError(
            f"the trained runs under {runs} and {quickstart_runs} are all clip classifiers (--task classify, the "
            f"newest {newest_first[0]}): they label event clips and cannot find events in a video; train a spotter "
            "(`ballspot train --task dense` or `--task spot`, or `ballspot quickstart`), or give --model"
        )
    return spotter


@dataclass(frozen=True)
class FoundIndex:
    """A clip index, and whether it is the quick start's (the usual one did not exist)."""

    path: Path
    from_quickstart: bool = False


def clip_index(data: Path | None = None) -> FoundIndex:
    """`<data>/clips/index.parquet`, else the quick start's; an error naming the commands that make one."""
    usual = (data or paths.data_dir()) / "clips" / INDEX_FILE
    if usual.is_file():
        return FoundIndex(usual)
    quickstart = paths.quickstart_dir(data) / "clips" / INDEX_FILE
    if quickstart.is_file():
        return FoundIndex(quickstart, from_quickstart=True)
    raise BallspotError(
        f"index not found: {usual}; make one with `ballspot quickstart` (a synthetic league, segmented and "
        "indexed), or `ballspot segment DATASET_ROOT` then `ballspot index`, or give --index"
    )


@dataclass(frozen=True)
class QuickstartOutputs:
    """What `ballspot evaluate` scores when given nothing: the quick start's predictions of its test games."""

    predictions: Path
    labels: Path
    split: str = "test"


def quickstart_outputs(data: Path | None = None) -> QuickstartOutputs | None:
    """The predictions and league of the last finished `ballspot quickstart`, or None when there is none."""
    summary_file = paths.quickstart_dir(data) / SUMMARY_FILE
    if not summary_file.is_file():
        return None
    try:
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        found = QuickstartOutputs(Path(summary["predictions"]), Path(summary["league"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if found.predictions.is_dir() and found.labels.is_dir() else None
