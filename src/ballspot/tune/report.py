"""What a study found: a table of trials, the best configuration as a `train --config` YAML, importances."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from ballspot.engine.config import TrainConfig
from ballspot.tune.objective import CONFIG_ATTR, EPOCHS_ATTR, ERROR_ATTR, RUN_ATTR
from ballspot.tune.storage import StorageSpec

BEST_FILE = "best.yaml"


def trial_rows(study) -> list[dict[str, Any]]:
    """Every trial of the study (all workers'), in number order, as JSON-ready dicts."""
    rows = []
    for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        rows.append(
            {
                "number": t.number,
                "state": t.state.name.lower(),
                "value": t.value if t.state.name == "COMPLETE" else None,
                "params": dict(t.params),
                "epochs_done": t.user_attrs.get(EPOCHS_ATTR),
                "run": t.user_attrs.get(RUN_ATTR),
                "error": t.user_attrs.get(ERROR_ATTR),
            }
        )
    return rows


def best_trial(study):
    """The best complete trial, or None when no trial has completed."""
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    return study.best_trial if complete else None


def importances(study) -> tuple[dict[str, float], str | None]:
    """Parameter importances (Optuna's default evaluator) and, when there are none, why."""
    import optuna

    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(complete) < 2:
        return {}, f"importances need at least 2 complete trials, the study has {len(complete)}"
    try:
        with warnings.catch_warnings():  # "quantiles select the same set of trials": two lines of Python on stderr
            warnings.simplefilter("ignore")
            values = optuna.importance.get_param_importances(study)
    except (ValueError, RuntimeError) as exc:  # e.g. every complete trial drew the same values
        return {}, f"importances not computed: {str(exc).splitlines()[0]}"
    return {name: float(v) for name, v in values.items()}, None


def write_best_config(study, target: Path) -> Path | None:
    """Write the best trial's full training config to `target` as YAML that `ballspot train --config` reads (left
    alone when it already says that); None if no best."""
    from ballspot.atomic import write_text

    text = best_config_text(study, target)
    if text is None:
        return None
    if _text_of(target) == text:  # a report only reads: nothing to write, and a read-only folder is no error
        return target
    return write_text(target, text)


def _text_of(path: Path) -> str | None:
    """The text of the file at `path`; None when there is none to read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def best_config_text(study, target: Path) -> str | None:
    """The YAML of the best trial's full training config, its header naming `target`; None if no best."""
    import yaml

    best = best_trial(study)
    if best is None or CONFIG_ATTR not in best.user_attrs:
        return None
    config = TrainConfig.from_dict(best.user_attrs[CONFIG_ATTR], f"trial {best.number}").to_dict()
    tuned = {k: config.pop(k) for k in best.params if k in config}
    metric = study.user_attrs.get("metric", "value")
    header = (
        f"# best of study {study.study_name!r}: trial {best.number}, {metric} = {best.value:.6g}\n"
        f"# train with it: ballspot train --config {target} (command-line options win)\n"
        "# the tuned options:\n"
    )
    text = header + yaml.safe_dump(tuned, sort_keys=False)
    return text + "# the rest of the trial's configuration:\n" + yaml.safe_dump(config, sort_keys=False)


def summary(study, spec: StorageSpec, best_config: Path | None) -> dict[str, Any]:
    """The JSON `tune --json` prints."""
    best = best_trial(study)
    values, note = importances(study)
    rows = trial_rows(study)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return {
        "study": study.study_name,
        "storage": spec.display,
        "dashboard": f"optuna-dashboard {spec.dashboard}",
        "metric": study.user_attrs.get("metric"),
        "direction": study.direction.name.lower(),
        "counts": counts,
        "trials": rows,
        "best": None
        if best is None
        else {
            "number": best.number,
            "value": best.value,
            "params": dict(best.params),
            "run": best.user_attrs.get(RUN_ATTR),
        },
        "importances": values,
        "importances_note": note,
        "best_config": str(best_config) if best_config else None,
    }


def print_report(result: dict[str, Any]) -> None:
    """The Rich table of trials, the best trial and the importances, on stderr."""
    from rich.table import Table

    from ballspot import console

    names = sorted({k for row in result["trials"] for k in row["params"]})
    table = Table(title=f"study {result['study']} ({result['metric']}, {result['direction']})")
    for column in ("#", "state", "value"):  # never broken: "compl / ete" reads as two words
        table.add_column(column, justify="right" if column != "state" else "left", no_wrap=True)
    for column in names:
        table.add_column(column, justify="right", overflow="fold")
    best = result["best"]["number"] if result["best"] else None
    for row in result["trials"]:
        style = "bold green" if row["number"] == best else ("dim" if row["state"] != "complete" else None)
        value = "" if row["value"] is None else f"{row['value']:.4f}"
        cells = [_cell(row["params"].get(n)) for n in names]
        table.add_row(str(row["number"]), row["state"], value, *cells, style=style)
    console.err.print(table)
    if result["best"]:
        console.err.print(f"best: trial {best}, {result['metric']} {result['best']['value']:.4f}")
    if result["importances"]:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in result["importances"].items())
        console.err.print(f"importances: {shown}")
    elif result["importances_note"]:
        console.err.print(result["importances_note"])
    console.err.print(f"dashboard: {result['dashboard']}", soft_wrap=True)  # one line, to copy


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)
