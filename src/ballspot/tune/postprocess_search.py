"""Post-processing search: the suppression (local peaks or soft non-maximum suppression, for all classes), then
per class the smoothing, suppression window and threshold that maximise AP@1 on a trained run's validation
games, without retraining.

The validation videos are scored once (`predict_scores`); every candidate is then peak picking plus the
SoccerNet metric on those cached scores, which takes milliseconds. A class's AP depends only on its own
events, so each class is searched on its own over a small grid, and the class keeps its current parameters
unless a candidate beats them: the mAP after the search is never below the mAP before it. A class with fewer
than `min_events` validation events keeps its parameters too: fitted on a handful of events, per-class settings
overfit (measured: +0.04 mAP on one 2-minute validation game, -0.07 on the test game).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ballspot.errors import BallspotError
from ballspot.predict.postprocess import SUPPRESSIONS, PostprocessParams, local_peaks, smooth, soft_suppression
from ballspot.soccernet.labels import LABELS_FILE, Annotation, read_labels
from ballspot.soccernet.results import Prediction

SMOOTH_POSITIONS = (0, 1, 2, 3, 5, 8)
"""Smoothing widths tried, in window positions (0: none); a position is one stack, 0.24 s by default."""
WINDOWS_S = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
"""Suppression windows tried, seconds."""
THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3)
"""Peak thresholds tried: among equal APs the highest wins (fewer candidates in the results files)."""
TOLERANCE_S = 1.0
MIN_EVENTS = 20
"""Validation events a class needs before its own parameters are searched."""
SEARCH_FILE = "postprocess_search.json"


@dataclass
class ValidGame:
    """One game to score: its videos by half and its labels."""

    game_id: str
    videos: dict[int, Path]
    labels: Path


@dataclass
class ScoredGame:
    """A game's cached scores, per half: (times_s, scores [positions, action classes])."""

    game_id: str
    halves: dict[int, tuple[np.ndarray, np.ndarray]]
    annotations: list[Annotation]


@dataclass
class ClassResult:
    label: str
    ground_truth: int
    ap_before: float
    ap_after: float
    params: dict[str, float] = field(default_factory=dict)


# --- which games ----------------------------------------------------------------------------------------


def games_from_index(index_path: Path, split: str) -> list[ValidGame]:
    """The split's videos named in a clip index; each game's labels lie next to its video (SoccerNet layout)."""
    from ballspot.data.index import load_index

    index = load_index(index_path)
    rows = index[index["split"] == split]
    if rows.empty:
        available = ", ".join(sorted(index["split"].unique())) or "none"
        raise BallspotError(f"no games of split {split!r} in {index_path} (splits there: {available})")
    games: dict[str, ValidGame] = {}
    for (game_id, video, half), _ in rows.groupby(["game", "video", "half"], sort=True):
        labels = Path(video).parent / LABELS_FILE
        game = games.setdefault(game_id, ValidGame(game_id, {}, labels))
        game.videos[int(half)] = Path(video)
    for game in games.values():
        if not game.labels.is_file():
            raise BallspotError(f"labels not found next to the video: {game.labels} (give the dataset with --labels)")
    return list(games.values())


def games_from_root(root: Path, split: str, resolution: str = "224p") -> list[ValidGame]:
    """The split's games of a dataset root (its splits.json, else SoccerNet's official lists)."""
    from ballspot.soccernet.game_ids import not_among
    from ballspot.soccernet.layout import find_games, is_labelled
    from ballspot.soccernet.splits import load_splits, split_of

    splits = load_splits(root)
    games = [
        ValidGame(g.game_id, dict(g.videos), g.labels)
        for g in find_games(root, resolution, require_video=True)
        if split_of(g.game_id, splits) == split and is_labelled(g)
    ]
    if not games:
        raise BallspotError(f"no labelled game with a video in split {split!r} under {root}")
    if missing := sorted(not_among(splits.get(split, ()), [game.game_id for game in games])):
        from ballspot.console import warn

        warn(f"{len(missing)} {split} game(s) have no labels or no video under {root} and are left out: {missing[0]}")
    return games


def score_games(games: list[ValidGame], spotter, classes: tuple[str, ...], batch_size: int = 8) -> list[ScoredGame]:
    """Run the model once over every video of every game (after reading their labels, which must hold an event)."""
    from ballspot import console
    from ballspot.predict.api import predict_scores

    annotations = {game.game_id: list(read_labels(game.labels, classes).annotations) for game in games}
    if not any(annotations.values()):  # every candidate would score AP 0: the search would save noise
        raise BallspotError(
            f"the labels of the {len(games)} game(s) to tune on hold no event ({', '.join(annotations)}): "
            "the search needs labelled events; give games with events (--labels, --split)"
        )
    videos = [(game, half, video) for game in games for half, video in sorted(game.videos.items())]
    by_game: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
    for game, half, video in console.track(videos, "scoring validation videos"):
        by_game.setdefault(game.game_id, {})[half] = predict_scores(video, spotter, batch_size=batch_size)
    return [ScoredGame(game.game_id, by_game[game.game_id], annotations[game.game_id]) for game in games]


# --- scoring candidates ---------------------------------------------------------------------------------


def class_events(
    game: ScoredGame,
    c: int,
    smooth_s: float,
    window_s: float,
    threshold: float,
    step_s: float,
    suppression: str = "peaks",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(position_ms, half, confidence) of class column `c`'s events, as `pick_events` makes them.

    Keeping the events at or above a higher threshold gives what that threshold picks, for both suppressions
    (soft suppression only lowers scores, and a position below the threshold never lowers another).
    """
    ms, halves, conf = [], [], []
    for half, (times, scores) in sorted(game.halves.items()):
        column = smooth(scores[:, c], max(1, int(round(smooth_s / step_s))))
        radius = max(1, int(round(window_s / 2 / step_s)))
        if suppression == "soft":
            peaks, values = soft_suppression(column, radius, threshold)
        else:
            peaks = local_peaks(column, radius, threshold)
            values = column[peaks]
        ms.append(np.round(times[peaks] * 1000).astype(np.int64))
        halves.append(np.full(len(peaks), half, dtype=np.int64))
        conf.append(np.clip(values, 0, 1).astype(np.float64))
    return np.concatenate(ms), np.concatenate(halves), np.concatenate(conf)


def class_ap(games: list[ScoredGame], label: str, events: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> float:
    """SoccerNet's AP@1 of one class, given its events in each game."""
    from ballspot.metrics.game_events import GameEvents
    from ballspot.metrics.spotting import evaluate_games

    columns = []
    for game, (ms, halves, conf) in zip(games, events, strict=True):
        truth = [a for a in game.annotations if a.label == label]
        columns.append(
            GameEvents(
                game_id=game.game_id,
                gt_class=np.zeros(len(truth), dtype=np.int64),
                gt_ms=np.array([a.position_ms for a in truth], dtype=np.int64),
                gt_half=np.array([a.half for a in truth], dtype=np.int64),
                gt_team=np.full(len(truth), -1, dtype=np.int8),
                gt_value=np.array([-1 if a.visibility == "not shown" else 1 for a in truth], dtype=np.int8),
                pred_class=np.zeros(len(ms), dtype=np.int64),
                pred_ms=ms,
                pred_half=halves,
                pred_team=np.full(len(ms), -1, dtype=np.int8),
                pred_score=conf,
            )
        )
    return float(evaluate_games(columns, (label,), TOLERANCE_S, team=False).per_class[0].ap)


def search_class(
    games: list[ScoredGame],
    c: int,
    label: str,
    current: tuple[float, float, float],
    step_s: float,
    suppression: str = "peaks",
) -> tuple[float, tuple[float, float, float], float]:
    """(AP with `current`, the best (smooth_s, window_s, threshold), its AP) for one class."""
    ap_current = class_ap(games, label, [class_events(g, c, *current, step_s, suppression) for g in games])
    best, best_ap = current, ap_current
    lowest = min(THRESHOLDS)
    shapes = [(k * step_s, w) for k, w in itertools.product(SMOOTH_POSITIONS, WINDOWS_S)]
    for smooth_s, window_s in shapes:
        picked = [class_events(g, c, smooth_s, window_s, lowest, step_s, suppression) for g in games]
        for threshold in sorted(THRESHOLDS, reverse=True):  # the highest threshold wins ties
            kept = [
                (ms[conf >= threshold], half[conf >= threshold], conf[conf >= threshold]) for ms, half, conf in picked
            ]
            ap = class_ap(games, label, kept)
            if ap > best_ap + 1e-9:
                best, best_ap = (round(smooth_s, 4), window_s, threshold), ap
    return ap_current, best, best_ap


def search(
    games: list[ScoredGame],
    classes: tuple[str, ...],
    params: PostprocessParams,
    step_s: float,
    min_events: int = 1,
) -> tuple[PostprocessParams, list[ClassResult]]:
    """New parameters (per class with `min_events` or more events, where a candidate beats the current ones) and
    each class's AP before/after."""
    tuned = PostprocessParams(**{**params.to_dict(), "per_class": dict(params.per_class)})
    results = []
    for c, label in enumerate(classes):
        n_truth = sum(1 for g in games for a in g.annotations if a.label == label)
        current = params.for_class(label)
        if n_truth == 0:  # AP is 0 whatever the parameters: keep them
            results.append(ClassResult(label, 0, 0.0, 0.0, {}))
            continue
        if n_truth < min_events:  # too few events to fit settings of its own
            ap = class_ap(games, label, [class_events(g, c, *current, step_s, params.suppression) for g in games])
            kept = dict(zip(("smooth_s", "nms_window_s", "threshold"), current, strict=True))
            results.append(ClassResult(label, n_truth, ap, ap, kept))
            continue
        ap_before, best, ap_after = search_class(games, c, label, current, step_s, params.suppression)
        chosen = dict(zip(("smooth_s", "nms_window_s", "threshold"), best, strict=True))
        if best != current:
            tuned.per_class[label] = chosen
        results.append(ClassResult(label, n_truth, ap_before, ap_after, chosen))
    tuned.check()
    return tuned, results


def spotting_map_of(games: list[ScoredGame], classes: tuple[str, ...], params: PostprocessParams, step_s: float):
    """mAP@1 of the events `params` picks, through the metric's public entry point (a check on `search`)."""
    from ballspot.metrics.spotting import spotting_map
    from ballspot.predict.postprocess import pick_events

    labels = {g.game_id: g.annotations for g in games}
    predictions: dict[str, list[Prediction]] = {}
    for g in games:
        items = predictions.setdefault(g.game_id, [])
        for half, (times, scores) in sorted(g.halves.items()):
            for label, time_s, confidence in pick_events(scores, times, list(classes), params, step_s):
                items.append(Prediction(label, int(round(time_s * 1000)), confidence, half))
    return spotting_map(labels, predictions, classes, TOLERANCE_S, team=False)


# --- the whole job --------------------------------------------------------------------------------------


def resolve_model(path: Path) -> Path:
    """A run folder -> its weights/best.pt; a weights file as given."""
    if path.is_dir():
        best = path / "weights" / "best.pt"
        if not best.is_file():
            raise BallspotError(f"no weights/best.pt in {path}; give a run folder or a weights file")
        return best
    if not path.is_file():
        from ballspot.paths import not_found

        raise not_found(path, "run folder or weights file")
    return path


def run_params_path(model_path: Path) -> Path:
    """The run's postprocess.json, for its best.pt: `predict` applies that file to the run's best.pt, so settings
    tuned on other weights (last.pt) must go elsewhere (`--out`)."""
    from ballspot.engine.trainer import RunFolder
    from ballspot.predict.api import tuned_params_path

    params_path = tuned_params_path(model_path)
    if params_path is None:
        raise BallspotError(
            f"{model_path} is not in a run's weights folder, so there is no run to save postprocess.json in: "
            "give the run folder (or put the file in <run>/weights/), or a folder for it with --out"
        )
    best = RunFolder(params_path.parent).best
    if model_path.resolve() != best.resolve():
        raise BallspotError(
            f"{model_path} is not the run's best.pt, the weights `ballspot predict` applies {params_path} to: tune "
            "best.pt (give the run folder), or save these settings apart with --out FOLDER (then predict --params "
            "FOLDER/postprocess.json)"
        )
    return params_path


def tune_postprocess(
    model_path: Path,
    labels_root: Path | None = None,
    split: str = "valid",
    device: str = "auto",
    batch_size: int = 8,
    min_events: int = MIN_EVENTS,
    out: Path | None = None,
) -> dict:
    """Score the split's games once, search, save `<run>/postprocess.json` (or `<out>/postprocess.json`); returns
    the report."""
    from ballspot.atomic import refuse_folders_in_the_way, removed_if_left_empty, write_json
    from ballspot.paths import absolute, absolute_as_named
    from ballspot.predict.postprocess import PARAMS_FILE, save_params

    model_path = absolute_as_named(resolve_model(model_path))  # the report is kept: the same from any folder
    params_path = absolute(out) / PARAMS_FILE if out is not None else run_params_path(model_path)
    report_path = params_path.parent / SEARCH_FILE
    with removed_if_left_empty(params_path.parent):  # an unwritable folder fails now, not after the scoring
        refuse_folders_in_the_way(params_path, report_path)
        tuned, found = search_model(model_path, labels_root, split, device, batch_size, min_events)
        report = {"model": str(model_path), "params_file": str(params_path), **found, "params": tuned.to_dict()}
        write_json(report_path, report)
        save_params(params_path, tuned, tuned_on=model_path)  # last: a failure before leaves predict's file as it was
    return report


def search_model(
    model_path: Path, labels_root: Path | None, split: str, device: str, batch_size: int, min_events: int
) -> tuple[PostprocessParams, dict]:
    """Score the split's games once with the model and search: the tuned parameters and what the search found."""
    from ballspot.classes import class_set
    from ballspot.predict.api import default_params, load_spotter
    from ballspot.predict.spotter import position_step_s

    spotter = load_spotter(model_path, device)
    classes = tuple(class_set(spotter.config.classes))
    if tuple(spotter.action_classes) != classes:
        raise BallspotError(f"{model_path}: its classes {spotter.action_classes} are not a SoccerNet class set")
    if labels_root is not None:
        games = games_from_root(labels_root, split)
    else:
        if not spotter.config.index:
            raise BallspotError(f"{model_path} does not name its clip index; give the dataset with --labels")
        games = games_from_index(Path(spotter.config.index), split)
    current = default_params(model_path, spotter.dense, check_weights=False)  # damaged: fails before the scoring
    scored = score_games(games, spotter, classes, batch_size)
    step_s = position_step_s(spotter.config)
    by_suppression = {
        way: spotting_map_of(scored, classes, replace(current, suppression=way), step_s).mAP for way in SUPPRESSIONS
    }
    before = by_suppression[current.suppression]
    current = replace(
        current, suppression=max(SUPPRESSIONS, key=lambda way: (by_suppression[way], way == current.suppression))
    )
    tuned, per_class = search(scored, classes, current, step_s, min_events)
    few = [r.label for r in per_class if 0 < r.ground_truth < min_events]
    if few:
        from ballspot import console

        console.warn(
            f"{len(few)} class(es) have fewer than {min_events} validation events and keep their settings "
            f"({', '.join(few)}); more validation games (or --min-events) let them have their own"
        )
    after = spotting_map_of(scored, classes, tuned, step_s).mAP
    found = {
        "split": split,
        "games": [g.game_id for g in scored],
        "tolerance_s": TOLERANCE_S,
        "min_events": min_events,
        "mAP_before": before,
        "mAP_after": after,
        "mAP_by_suppression": by_suppression,
        "per_class": [vars(r) for r in per_class],
        "grid": {
            "smooth_s": [round(k * step_s, 4) for k in SMOOTH_POSITIONS],
            "nms_window_s": list(WINDOWS_S),
            "threshold": list(THRESHOLDS),
        },
    }
    return tuned, found
