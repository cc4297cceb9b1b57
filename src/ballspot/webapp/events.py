"""Predictions and labels of a game as tables, and the view's filter (confidence, classes, half)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from ballspot.predict.outputs import event_order
from ballspot.soccernet.labels import game_time, read_labels
from ballspot.soccernet.results import Prediction, plain_view

PREDICTION_COLUMNS = ["half", "time", "position_ms", "label", "confidence", "team"]
LABEL_COLUMNS = ["half", "time", "position_ms", "label", "team", "visibility"]


def clock(position_ms: int) -> str:
    """`MM:SS.mmm` within the half, as events.json writes it."""
    return f"{game_time(position_ms)[4:]}.{position_ms % 1000:03d}"


def predictions_frame(document: dict) -> pd.DataFrame:
    """A results_spotting.json document -> one row per candidate, in events.json's order (`event_order`: by
    time; team "" when not given); of an event written for both sides, the likelier side (written last)."""
    written = [
        Prediction(p["label"], int(p["position"]), float(p["confidence"]), int(p["half"]), p.get("team"))
        for p in document.get("predictions", [])
    ]
    rows = [
        (p.half, clock(p.position_ms), p.position_ms, p.label, p.confidence, p.team or "")
        for p in sorted(plain_view(written), key=event_order)
    ]
    return pd.DataFrame(rows, columns=PREDICTION_COLUMNS)


def labels_frame(path: Path) -> pd.DataFrame:
    """A Labels-ball.json -> one row per labelled event, in time order (checked by `read_labels`)."""
    labels = read_labels(path)
    rows = [
        (a.half, clock(a.position_ms), a.position_ms, a.label, a.team or "", a.visibility) for a in labels.annotations
    ]
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def shown(frame: pd.DataFrame, threshold: float, classes: Collection[str]) -> pd.DataFrame:
    """The candidates the view shows: confidence at least `threshold`, label among `classes`."""
    keep = (frame["confidence"] >= threshold) & frame["label"].isin(list(classes))
    return frame[keep].reset_index(drop=True)


def as_predictions(frame: pd.DataFrame) -> list[Prediction]:
    """Rows of `predictions_frame` back to ballspot's Prediction objects."""
    return [
        Prediction(row.label, int(row.position_ms), float(row.confidence), int(row.half), row.team or None)
        for row in frame.itertuples(index=False)
    ]
