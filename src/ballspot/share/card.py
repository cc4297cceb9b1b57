"""The model card (README.md) of an exported model: what it spots, how it was trained, how well it did."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ballspot.classes import BACKGROUND
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json

SUMMARY_FILE = "summary.json"
METRICS_FILE = "metrics.csv"


def run_records(checkpoint_path: Path, checkpoint: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """(summary, per-epoch rows, where they came from): the run folder's summary.json and metrics.csv next
    to `<run>/weights/<name>.pt`, else the history the checkpoint carries."""
    run = checkpoint_path.resolve().parent.parent
    summary_path, metrics_path = run / SUMMARY_FILE, run / METRICS_FILE
    if summary_path.is_file() and metrics_path.is_file():
        try:
            summary = read_json(summary_path)
            with metrics_path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            if isinstance(summary, dict):  # a list or a number is no summary: use the checkpoint's history
                return summary, rows, f"{run.name}/{SUMMARY_FILE} and {METRICS_FILE}"
        except (OSError, UnicodeDecodeError, BallspotError, csv.Error):
            pass
    best = checkpoint.get("best") or {}
    scores = best.get("scores") or {}
    summary = {
        "best_epoch": best.get("epoch"),
        "best_valid_macro_f1": best.get("macro_f1"),
        "best_valid_accuracy": scores.get("accuracy"),
        "per_class": scores.get("per_class", {}),
        "best_valid_map": scores.get("mAP@1"),
        "best_valid_team_map": scores.get("team_mAP@1"),
        "ap_per_class": scores.get("ap_per_class", {}),
    }
    return summary, list(checkpoint.get("history") or []), "the checkpoint's own history"


def training_data(config: dict[str, Any]) -> list[str]:
    """Markdown lines on the data the run was trained on: its index, splits, games and clips per class."""
    from ballspot.data.index import class_counts, load_index, split_rows_of
    from ballspot.errors import BallspotError

    index = config.get("index") or ""
    train_split, valid_split = config.get("train_split", "train"), config.get("valid_split", "valid")
    lines = [
        f"- clip index: `{Path(index).name or '(unknown)'}`; trained on split `{train_split}`, "
        f"validated on `{valid_split}`; classes: {config.get('classes', '12')}"
    ]
    try:
        frame = load_index(Path(index))
    except BallspotError:
        return [*lines, "- the index was not available at export time: games and clip counts unknown"]
    for split in (train_split, valid_split):
        rows = split_rows_of(frame, split)
        games = sorted(rows["game"].unique())
        lines.append(f"- `{split}`: {len(rows)} clips from {len(games)} game(s): " + ", ".join(f"`{g}`" for g in games))
    counts = class_counts(frame)
    labels = [label for label in next(iter(counts.values()), {}) if any(c.get(label) for c in counts.values())]
    if labels:
        lines += ["", "| split | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for split, per_label in counts.items():
            lines.append(f"| {split} | " + " | ".join(str(per_label.get(label, 0)) for label in labels) + " |")
    return lines


def model_card(
    name: str, checkpoint_path: Path, checkpoint: dict[str, Any], params: dict[str, Any], version: str
) -> str:
    """README.md text, with Hub front matter (library, tags, metrics) and the run's own figures."""
    config = checkpoint["config"]
    classes = [c for c in checkpoint["classes"] if c != BACKGROUND]
    summary, rows, source = run_records(checkpoint_path, checkpoint)
    front = [
        "---",
        "library_name: ballspot",
        "tags: [ballspot, action-spotting, soccer, soccernet, video]",
        "pipeline_tag: video-classification",
        "---",
        "",
    ]
    body = [
        f"# {name}",
        "",
        f"A ballspot model that spots {len(classes)} ball actions in soccer broadcast video "
        f"(task `{checkpoint.get('task', 'spot')}`), exported with ballspot {version}.",
        "",
        "## Use",
        "",
        "```bash",
        "pip install 'ballspot[hub]'",
        f"ballspot predict match.mp4 --model hf-hub:ORG/{name}",
        "```",
        "",
        "A local copy of this folder works too: `ballspot predict match.mp4 --model path/to/folder`.",
        "",
        "## Model",
        "",
        f"- backbone `{config.get('backbone')}`; windows of {config.get('frames')} frames taken with stride "
        f"{config.get('stride')} at {config.get('fps')} fps, {config.get('height')}x{config.get('width')} "
        f"{config.get('color')}, crop {config.get('crop')}",
        "- classes: " + ", ".join(classes),
        "- post-processing (postprocess.json): "
        + ", ".join(f"{k} {v}" for k, v in params.items() if k != "per_class")
        + (f", per-class values for {', '.join(params['per_class'])}" if params.get("per_class") else ""),
        "",
        "## Training data",
        "",
        *training_data(config),
        "",
        "## Metrics",
        "",
        *(
            spotting_metrics(summary, config, source)
            if checkpoint.get("task") == "dense"
            else classification_metrics(summary, config, source)
        ),
        *epoch_table(rows),
    ]
    return "\n".join(front + body) + "\n"


def spotting_metrics(summary: dict[str, Any], config: dict[str, Any], source: str) -> list[str]:
    """Markdown lines on a dense run's validation: mAP@1 and Team-mAP@1 on whole videos, AP per class."""
    lines = [
        f"Validation spotting on whole videos (split `{config.get('valid_split', 'valid')}`), from {source}:",
        "",
        f"- best epoch {summary.get('best_epoch')}: mAP@1 {_fmt(summary.get('best_valid_map'))}, "
        f"Team-mAP@1 {_fmt(summary.get('best_valid_team_map'))}",
    ]
    per_class = summary.get("ap_per_class") or {}
    if isinstance(per_class, dict) and per_class:
        lines += ["", "| class | AP |", "|---|---|"]
        lines += [f"| {label} | {_fmt(ap)} |" for label, ap in per_class.items()]
    return lines


def classification_metrics(summary: dict[str, Any], config: dict[str, Any], source: str) -> list[str]:
    """Markdown lines on a clip classifier's (or window spotter's) validation: macro-F1, accuracy, per class."""
    f1, accuracy = summary.get("best_valid_macro_f1"), summary.get("best_valid_accuracy")
    lines = [
        f"Validation clip classification (split `{config.get('valid_split', 'valid')}`), from {source}:",
        "",
        f"- best epoch {summary.get('best_epoch')}: macro-F1 {_fmt(f1)}, accuracy {_fmt(accuracy)}",
    ]
    baseline = summary.get("majority_baseline")
    if isinstance(baseline, dict):
        lines.append("- majority-class baseline: " + ", ".join(f"{k} {_fmt(v)}" for k, v in baseline.items()))
    per_class = summary.get("per_class") or {}
    if isinstance(per_class, dict) and per_class:
        keys = sorted({k for v in per_class.values() if isinstance(v, dict) for k in v})
        lines += ["", "| class | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        for label, values in per_class.items():
            if isinstance(values, dict):
                lines.append(f"| {label} | " + " | ".join(_fmt(values.get(k)) for k in keys) + " |")
    return lines


EPOCH_COLUMNS = ("epoch", "train_loss", "valid_loss", "valid_accuracy", "valid_macro_f1", "valid_map", "valid_team_map")
"""The metrics.csv columns the card's per-epoch table shows, those the run has."""


def epoch_table(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown lines of the per-epoch table (metrics.csv or the checkpoint's history); none without rows."""
    if not rows:
        return []
    columns = [c for c in EPOCH_COLUMNS if c in rows[0]]
    lines = ["", "Per epoch:", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(_fmt(row.get(c)) for c in columns) + " |" for row in rows]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return value if number.is_integer() and "." not in value else f"{number:.4f}"
    return "n/a" if value is None else str(value)
