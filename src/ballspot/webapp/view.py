"""Watch, review and export a finished run: the player beside the timeline, then one tab each for the event
table, the score curves, the review against labels and the downloads.

Clicking a marker of the timeline, a row of the event table or a missed label moves the player there: each
widget's callback stores (game, half, position) in the session, and the player starts at that second.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from ballspot import paths
from ballspot.errors import BallspotError
from ballspot.predict.outputs import EVENTS_FILE, RESULTS_FILE
from ballspot.video.probe import probe
from ballspot.webapp.curves import cached_curves, compute_curves
from ballspot.webapp.events import clock, labels_frame, predictions_frame, shown
from ballspot.webapp.export import cut_event_clips, events_csv, events_json
from ballspot.webapp.figures import score_curves, timeline
from ballspot.webapp.markdown import plain
from ballspot.webapp.model_cache import spotter_for
from ballspot.webapp.review import Matching, class_set_name, evaluate_command, match_view, score_game, worst_misses
from ballspot.webapp.runs import GameRun, file_identity
from ballspot.webapp.sources import GameSource

MAX_CLIPS = 100
"""Most clips cut at once (each is re-encoded)."""
PLAYER_TYPES = {".mkv": "video/webm", ".webm": "video/webm"}
"""What the player is told a file is (browsers play Matroska as WebM); MP4 otherwise."""
UNPLAYABLE = {".avi": "AVI", ".ts": "MPEG-TS", ".m2ts": "MPEG-TS", ".mts": "MPEG-TS", ".mpg": "MPEG", ".mpeg": "MPEG"}
"""Containers browsers do not play (ballspot reads them all), by suffix: the player says so."""
LATE_LABEL_SLACK_MS = 1000
"""How far past a video's end a label may lie unremarked (labels made on another encoding of the same half)."""


def show_run(game: GameSource, run: GameRun, key: str, model: Path) -> None:
    state = st.session_state
    state["game_id"] = game.game_id
    if "callback_error" in state:
        st.error(plain(state.pop("callback_error")))
    frame = _memo(f"frame:{key}", lambda: predictions_frame(run.document))
    labels = None
    if game.labels:
        try:
            labels = _memo(f"labels:{file_identity(game.labels)}", lambda: labels_frame(game.labels))
        except BallspotError as exc:
            st.warning(f"labels not used: {plain(exc)}")
        if labels is not None and not labels["label"].isin(run.classes).any():  # mAP would be 0 whatever ran
            found = sorted(set(labels["label"]))
            held = f"; its labels ({', '.join(found[:5])}) are not among them" if found else ""
            st.warning(
                f"labels not used: {plain(game.labels)} holds no event of the model's classes, so there is nothing to "
                f"score against{plain(held)}"
            )
            labels = None
    if labels is not None and (outside := _labels_outside(labels, game.videos)):
        st.warning(
            f"{plain(game.labels)} does not fit the video: {plain(outside)}; are they the labels of another game?"
        )
    with st.sidebar:
        st.header("View")
        threshold = st.slider(
            "Confidence at least", 0.0, 1.0, float(run.params["event_threshold"]), 0.01, key="threshold"
        )
        classes = st.multiselect("Classes", run.classes, default=run.classes, key="classes")
        half = st.selectbox("Half", game.halves, key="half") if len(game.halves) > 1 else game.halves[0]
    classes = [c for c in run.classes if c in classes]  # lanes in class order, whatever the click order
    rows = shown(frame, threshold, classes)
    matching = None
    if labels is not None:
        matching = match_view(rows, labels[labels["label"].isin(classes)], frame, classes)
        rows = matching.predictions
    state["half_shown"] = half
    half_rows = rows[rows["half"] == half].reset_index(drop=True)
    half_labels = None if matching is None else matching.labels[matching.labels["half"] == half]

    st.subheader(plain(game.game_id))
    how = "read from an earlier run" if run.cached else f"predicted in {run.seconds:.1f} s"
    st.caption(
        f"{len(frame)} candidates, {len(rows)} shown (confidence ≥ {threshold:.2f}); {how}; "
        f"{plain(run.files['results'])}"
    )
    seek = _seek_ms(game.game_id, half)
    video = game.videos[half]
    player, line = st.columns([2, 3])
    with player:
        st.video(str(video), format=PLAYER_TYPES.get(video.suffix.lower(), "video/mp4"), start_time=(seek or 0) // 1000)
        if container := UNPLAYABLE.get(video.suffix.lower()):
            st.caption(f"Browsers do not play {container} files: convert it to MP4 to watch it here.")
        if seek is not None:
            st.caption(f"Player at {clock(seek)[:5]} (event at {clock(seek)}, half {half})")
    with line:
        duration_ms = _duration_ms(video)
        figure = timeline(half_rows, classes, duration_ms, half_labels, seek)
        st.plotly_chart(
            figure, key="timeline", on_select=_on_timeline, selection_mode="points", config={"displaylogo": False}
        )
        st.caption("Marker size: confidence; ◀ / ▶ team side (● not given). Click a marker to move the player there.")
    events_tab, curves_tab, review_tab, export_tab = st.tabs(["Events", "Score curves", "Review", "Export"])
    with events_tab:
        _events_table(half_rows)
    with curves_tab:
        _curves(video, model, classes, threshold)
    with review_tab:
        _review(game, run, matching, half, threshold)
    with export_tab:
        _export(game, run, rows, threshold)


def _duration_ms(video: Path) -> int:
    return _memo(f"duration:{file_identity(video)}", lambda: probe(video).duration_ms)


def _labels_outside(labels: pd.DataFrame, videos: dict[int, Path]) -> str | None:
    """What of the labels no video of the game shows (a half without a video, a time past a video's end)."""
    said = []
    for half in sorted(set(labels["half"]) - set(videos)):
        count = int((labels["half"] == half).sum())
        said.append(f"{count} label(s) of half {half}, which has no video here")
    for half, video in sorted(videos.items()):
        end_ms = _duration_ms(video)
        late = labels["position_ms"] > end_ms + LATE_LABEL_SLACK_MS
        count = int(((labels["half"] == half) & late).sum())
        if count:
            said.append(f"{count} label(s) of half {half} after its video's end ({clock(end_ms)})")
    return "; ".join(said) or None


def _memo(name: str, compute):
    """A value kept for the session under `name` (its inputs are part of the name)."""
    memo: dict = st.session_state.setdefault("memo", {})
    if name not in memo:
        memo[name] = compute()
    return memo[name]


# ---- moving the player -----------------------------------------------------------------------------------


def seek(half: int, position_ms: int) -> None:
    """Put the player of the current game at `position_ms` of `half` (switching halves when needed)."""
    state = st.session_state
    state["seek"] = {"game": state.get("game_id"), "half": int(half), "position_ms": int(position_ms)}
    state["half"] = int(half)


def _seek_ms(game_id: str, half: int) -> int | None:
    target = st.session_state.get("seek")
    if target and target["game"] == game_id and target["half"] == half:
        return target["position_ms"]
    return None


def _safely(callback: Callable[[], None]) -> Callable[[], None]:
    """A widget callback whose failure is one line in the page, like the page's own (callbacks run before it)."""

    @functools.wraps(callback)
    def wrapper() -> None:
        try:
            callback()
        except Exception as exc:
            traceback.print_exc()
            st.session_state["callback_error"] = f"error: {type(exc).__name__}: {exc}"

    return wrapper


@_safely
def _on_timeline() -> None:
    event = st.session_state.get("timeline") or {}
    points = event.get("selection", {}).get("points", [])
    if points and points[0].get("customdata") is not None:
        seek(st.session_state["half_shown"], _first(points[0]["customdata"]))


def _first(value) -> int:
    """A marker's custom data (its position in ms), however the chart hands it back (number, list or dict)."""
    if isinstance(value, dict):
        value = [value[k] for k in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        value = value[0]
    return int(value)


@_safely
def _on_table() -> None:
    event = st.session_state.get("events_table") or {}
    selected = event.get("selection", {}).get("rows", [])
    table = st.session_state.get("table_rows", [])
    if selected and selected[0] < len(table):
        seek(*table[selected[0]])


@_safely
def _on_miss() -> None:
    choice = st.session_state.get("miss")
    misses = st.session_state.get("miss_rows", {})
    if choice in misses:
        seek(*misses[choice])


# ---- tabs ------------------------------------------------------------------------------------------------


def _events_table(rows: pd.DataFrame) -> None:
    st.session_state["table_rows"] = rows[["half", "position_ms"]].to_numpy().tolist()
    columns = ["time", "label", "confidence"] + (["team"] if rows["team"].ne("").any() else [])
    columns += ["status"] if "status" in rows else []
    st.dataframe(
        rows[columns],
        key="events_table",
        on_select=_on_table,
        selection_mode="single-row",
        hide_index=True,
        column_config={"confidence": st.column_config.NumberColumn(format="%.3f")},
    )
    st.caption(f"{len(rows)} events in this half. Select a row to move the player there.")


def _curves(video: Path, model: Path, classes: list[str], threshold: float) -> None:
    cache = paths.cache_dir() / "app"
    curves = cached_curves(video, model, cache)
    if curves is None:
        st.caption(
            "The network's score of each class over time, before smoothing and peak picking. "
            "Computing them runs the network over this video once more."
        )
        if not st.button("Compute score curves", key="compute_curves"):
            return
        bar = st.progress(0.0, text="Scoring ...")
        curves = compute_curves(
            video,
            spotter_for(model),
            cache,
            on_progress=lambda done, total: bar.progress(
                min(1.0, done / max(total or done, 1)), text=f"{done}/{total} frames"
            ),
        )
        bar.empty()
    st.plotly_chart(score_curves(curves, classes, threshold), key="curves_chart", config={"displaylogo": False})


def _review(game: GameSource, run: GameRun, matching: Matching | None, half: int, threshold: float) -> None:
    if matching is None or game.labels is None:
        where = "No Labels-ball.json beside this game's video" if game.labels is None else "Its labels are not used"
        st.info(f"{where}: nothing to review.")
        return
    classes = class_set_name(run.classes)
    results = Path(run.files["results"])
    result = _memo(
        f"score:{file_identity(game.labels)}:{file_identity(results)}:{classes}",
        lambda: score_game(game.labels, results, classes),
    )
    predictions, labels = matching.predictions, matching.labels
    cols = st.columns(4)
    cols[0].metric("mAP@1 of this game", f"{result.mAP:.4f}")
    cols[1].metric("matched labels", int((labels["status"] == "matched").sum()))
    cols[2].metric("false alarms", int((predictions["status"] == "false alarm").sum()))
    cols[3].metric("missed labels", int((labels["status"] == "missed").sum()))
    st.caption(
        f"mAP@1 and AP per class use every candidate; the counts are for the events shown (confidence ≥ "
        f"{threshold:.2f}, the classes chosen), matched within ±0.5 s as SoccerNet's evaluator matches them."
    )
    rows = [{"class": c.name, "labels": c.ground_truth, "AP": c.ap} for c in result.per_class]
    formats = {"AP": st.column_config.NumberColumn(format="%.4f")}
    if result.team_mAP is not None:  # predictions and labels both carry team sides
        st.metric("Team mAP@1 of this game", f"{result.team_mAP:.4f}")
        for row, score in zip(rows, result.per_class, strict=True):
            row["team AP"] = score.team_ap
        formats["team AP"] = st.column_config.NumberColumn(format="%.4f")
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=formats)
    st.caption("The same figures, from the command line:")
    st.code(evaluate_command(game.labels, results, classes), language="bash")
    for warning in result.warnings:
        st.caption(f"note: {plain(warning)}")
    st.markdown("**Worst misses**: labels no shown event matched, those the model scored lowest around them first.")
    worst = worst_misses(labels)
    texts = [
        f"half {r.half} {r.time} {r.label} (best nearby {r.best_nearby:.2f})" for r in worst.itertuples(index=False)
    ]
    # the options are the labels' names, not their row numbers: the choice must stay on its label (or go) when
    # the slider or the class filter changes the list
    st.session_state["miss_rows"] = dict(zip(texts, worst[["half", "position_ms"]].to_numpy().tolist(), strict=True))
    st.selectbox(
        "Jump to a missed label",
        texts,
        index=None,
        key="miss",
        on_change=_on_miss,
        placeholder=f"{len(texts)} missed" if texts else "nothing missed",
        disabled=not texts,
    )
    st.dataframe(worst[["half", "time", "label", "best_nearby"]], hide_index=True, key="worst")


def _export(game: GameSource, run: GameRun, rows: pd.DataFrame, threshold: float) -> None:
    results = Path(run.files["results"])
    stem = game.game_id.replace("/", "_")
    cols = st.columns(3)
    cols[0].download_button(
        f"{RESULTS_FILE} (all candidates)",
        data=lambda: results.read_bytes(),
        file_name=RESULTS_FILE,
        mime="application/json",
        on_click="ignore",
        key="download_results",
    )
    cols[1].download_button(
        f"{EVENTS_FILE} (shown events)",
        data=events_json(rows, threshold, game.videos),
        file_name=EVENTS_FILE,
        mime="application/json",
        on_click="ignore",
        key="download_events",
    )
    cols[2].download_button(
        "events.csv (shown events)",
        data=events_csv(rows),
        file_name=f"{stem}_events.csv",
        mime="text/csv",
        on_click="ignore",
        key="download_csv",
    )
    st.markdown("**Clips**: one short MP4 per chosen event, cut from its video.")
    # the options are the events' names, not their row numbers: a choice must stay on its events (or go) when
    # the slider or the class filter changes the rows shown
    names = [f"half {r.half} {r.time} {r.label} {r.confidence:.2f}" for r in rows.itertuples(index=False)]
    chosen = st.multiselect("Events to cut", names, max_selections=MAX_CLIPS, key="clip_events")
    chosen = [names.index(name) for name in chosen if name in names]
    before, after = st.columns(2)
    before_s = before.number_input("Seconds before the event", 0.0, 30.0, 2.0, 0.5, key="clip_before")
    after_s = after.number_input("Seconds after the event", 0.5, 30.0, 3.0, 0.5, key="clip_after")
    if st.button("Cut clips", disabled=not chosen, key="cut_clips"):
        bar = st.progress(0.0, text="Cutting ...")
        clips = cut_event_clips(
            rows.iloc[sorted(chosen)],
            game.videos,
            results.parent / "clips",
            before_s,
            after_s,
            on_clip=lambda done, total: bar.progress(done / total, text=f"{done}/{total} clips"),
        )
        bar.empty()
        st.session_state["clips"] = {"game": game.game_id, "paths": [str(c) for c in clips]}
    made = st.session_state.get("clips")
    if made and made["game"] == game.game_id:
        st.caption(f"{len(made['paths'])} clip(s) in {plain(Path(made['paths'][0]).parent)}")
        for clip in map(Path, made["paths"]):
            st.download_button(
                clip.name,
                data=lambda clip=clip: clip.read_bytes(),
                file_name=clip.name,
                mime="video/mp4",
                on_click="ignore",
                key=f"clip:{clip}",
            )
