"""Plotly figures of the app: the timeline of events (one lane per class) and the per-class score curves.

Times are drawn on a date axis from the epoch so the ticks read as a clock (`00:12:30`); every marker of the
timeline carries its position in ms as custom data, which is what a click on it seeks to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from ballspot.classes import CLASSES_12
from ballspot.webapp.curves import ScoreCurves

PALETTE = qualitative.Dark24
TEAM_SYMBOLS = {"left": "triangle-left", "right": "triangle-right", "": "circle"}
"""Marker shape by team side: ◀ left, ▶ right, ● not given."""
LABEL_COLORS = {"matched": "#333333", "missed": "#d62728"}
CLOCK = "%H:%M:%S"


def class_color(label: str) -> str:
    """One colour per class, the same in every figure and every game."""
    position = CLASSES_12.index(label) if label in CLASSES_12 else hash(label)
    return PALETTE[position % len(PALETTE)]


def _clock_axis(position_ms: Sequence[int] | np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(position_ms, dtype=np.int64), unit="ms")


def timeline(
    predictions: pd.DataFrame,
    classes: Sequence[str],
    duration_ms: int,
    labels: pd.DataFrame | None = None,
    cursor_ms: int | None = None,
) -> go.Figure:
    """Events of one half, one lane per class (first class on top), marker size by confidence.

    With `labels` (each row with a `status`), predictions sit in the lower half of their lane (open markers for
    false alarms) and labels in the upper half as ticks, dark when matched and red when missed.
    """
    lanes = {label: len(classes) - 1 - i for i, label in enumerate(classes)}
    reviewed = labels is not None
    figure = go.Figure()
    for label in classes:
        rows = predictions[predictions["label"] == label]
        if rows.empty:
            continue
        false_alarm = rows["status"].eq("false alarm") if "status" in rows else pd.Series(False, index=rows.index)
        symbols = [
            TEAM_SYMBOLS.get(team, "circle") + ("-open" if fa else "")
            for team, fa in zip(rows["team"], false_alarm, strict=True)
        ]
        texts = [
            f"{r.time} {r.label} {r.confidence:.2f}" + (f" {r.team}" if r.team else "") + (f" ({s})" if s else "")
            for r, s in zip(
                rows.itertuples(index=False), rows["status"] if "status" in rows else [""] * len(rows), strict=True
            )
        ]
        figure.add_trace(
            go.Scatter(
                x=_clock_axis(rows["position_ms"]),
                y=np.full(len(rows), lanes[label] - (0.18 if reviewed else 0.0)),
                mode="markers",
                name=label,
                legendgroup=label,
                marker={
                    "color": class_color(label),
                    "size": 6 + 14 * rows["confidence"].to_numpy(),
                    "symbol": symbols,
                    "line": {"width": 1.5, "color": class_color(label)},
                },
                customdata=rows["position_ms"].to_numpy(),
                text=texts,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    if reviewed:
        for status, color in LABEL_COLORS.items():
            rows = labels[(labels["status"] == status) & labels["label"].isin(list(lanes))]
            if rows.empty:
                continue
            figure.add_trace(
                go.Scatter(
                    x=_clock_axis(rows["position_ms"]),
                    y=rows["label"].map(lanes).to_numpy() + 0.22,
                    mode="markers",
                    name=f"label, {status}",
                    marker={
                        "color": color,
                        "size": 13,
                        "symbol": "line-ns-open",
                        "line": {"width": 2.5, "color": color},
                    },
                    customdata=rows["position_ms"].to_numpy(),
                    text=[f"{r.time} {r.label} label ({status})" for r in rows.itertuples(index=False)],
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    if cursor_ms is not None:
        figure.add_vline(x=_clock_axis([cursor_ms])[0], line={"color": "#888888", "dash": "dot", "width": 1})
    figure.update_layout(
        height=130 + 30 * len(classes),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.08, "yanchor": "top", "x": 0},  # below: the tool bar is on top
        clickmode="event+select",
        hovermode="closest",
        uirevision="timeline",
    )
    pad_ms = max(duration_ms, 1000) // 50  # markers at the ends stay whole (and clickable)
    figure.update_xaxes(type="date", tickformat=CLOCK, range=_clock_axis([-pad_ms, max(duration_ms, 1000) + pad_ms]))
    figure.update_yaxes(
        tickvals=list(lanes.values()),
        ticktext=list(lanes),
        range=[-0.6, len(classes) - 0.4],
        fixedrange=True,
        showgrid=True,
    )
    return figure


def score_curves(curves: ScoreCurves, classes: Sequence[str], threshold: float) -> go.Figure:
    """The network's score of each class over time, with the view's confidence threshold as a line."""
    figure = go.Figure()
    x = _clock_axis(np.round(curves.times_s * 1000))
    for label in classes:
        if label not in curves.classes:
            continue
        figure.add_trace(
            go.Scattergl(
                x=x,
                y=curves.scores[:, curves.classes.index(label)],
                mode="lines",
                name=label,
                line={"color": class_color(label), "width": 1.2},
            )
        )
    figure.add_hline(y=threshold, line={"color": "#888888", "dash": "dot", "width": 1})
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified")
    figure.update_xaxes(type="date", tickformat=CLOCK)
    figure.update_yaxes(range=[0, 1], title="score")
    return figure
