"""Labels and predictions for the spotting-metric tests: the spec's golden game and random games."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ballspot.classes import CLASSES_12
from ballspot.soccernet.labels import game_time

GAME = "england_efl/2019-2020/2019-10-01 - Fake United - Test City"
TEAMS = ("left", "right")


def golden_events() -> list[tuple[int, int, int, str]]:
    """(class index, k, position ms, team) of the spec's fake game: 24 visible events, 10 s apart."""
    return [(i, k, 5000 + 10000 * (2 * i + k), TEAMS[(i + k) % 2]) for i in range(12) for k in range(2)]


def golden_labels(not_shown: set[tuple[int, int]] = frozenset(), drop: set[int] = frozenset()) -> dict:
    """The golden game's Labels-ball.json; `not_shown` holds (class, k) pairs, `drop` class indices."""
    annotations = [
        {
            "gameTime": game_time(ms),
            "label": CLASSES_12[i],
            "position": str(ms),
            "team": team,
            "visibility": "not shown" if (i, k) in not_shown else "visible",
        }
        for i, k, ms, team in golden_events()
        if i not in drop
    ]
    return {"UrlLocal": GAME, "UrlYoutube": "", "halftime": "1 - 46:04", "annotations": annotations}


def prediction(label: str, ms: int, confidence: float, team: str | None = None, half: int = 1) -> dict:
    item = {"gameTime": game_time(ms, half), "label": label, "position": ms, "half": half, "confidence": confidence}
    if team is not None:
        item["team"] = team
    return item


def predictions_document(items: list[dict]) -> dict:
    return {"UrlLocal": GAME, "predictions": items}


def write_tree(root: Path, documents: dict[str, dict], file_name: str) -> Path:
    """root/<game>/<file_name> for each game's document."""
    for game, document in documents.items():
        folder = root / game
        folder.mkdir(parents=True, exist_ok=True)
        (folder / file_name).write_text(json.dumps(document), encoding="utf-8")
    return root


def random_games(
    rng: np.random.Generator,
    n_games: int = 2,
    n_events: int = 150,
    minutes: float = 8.0,
    classes: tuple[str, ...] = CLASSES_12,
    halves: bool = True,
    quirks: bool = True,
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Random labels and noisy predictions, crowded enough that matching windows overlap.

    quirks: also unknown labels, confidences outside [0, 1], duplicates in one frame, positions past
    120 min, half-2 predictions on single-video games; everything the official evaluator accepts.
    Confidences come from a small set so that ties happen.
    """
    labels, predictions = {}, {}
    span = int(minutes * 60_000)
    for g in range(n_games):
        game = f"league/season/game {g}"
        two_halves = halves and g % 2 == 0
        ms = rng.integers(0, span, n_events)
        cls = rng.integers(0, len(classes), n_events)
        half = rng.integers(1, 3, n_events) if two_halves else np.ones(n_events, dtype=int)
        team = rng.integers(0, 2, n_events)
        shown = rng.random(n_events) < 0.8
        annotations = [
            {
                "gameTime": game_time(int(m), int(h)),
                "label": classes[c],
                "position": str(int(m)),
                "team": TEAMS[t],
                "visibility": "visible" if v else "not shown",
            }
            for m, c, h, t, v in zip(ms, cls, half, team, shown, strict=True)
        ]
        items = []
        scores = np.round(np.linspace(0, 1, 21), 2)
        for m, c, h, t in zip(ms, cls, half, team, strict=True):
            for _ in range(rng.integers(0, 3)):  # 0, 1 or 2 detections near each event
                c_pred = c if rng.random() < 0.85 else rng.integers(0, len(classes))
                t_pred = t if rng.random() < 0.8 else 1 - t
                pos = max(0, int(m + rng.normal(0, 500)))
                items.append(prediction(classes[c_pred], pos, float(rng.choice(scores)), TEAMS[t_pred], int(h)))
        for _ in range(n_events):  # background false positives
            h = int(rng.integers(1, 3)) if two_halves else 1
            items.append(
                prediction(
                    classes[rng.integers(0, len(classes))], int(rng.integers(0, span)), float(rng.choice(scores)),
                    TEAMS[rng.integers(0, 2)], h,
                )
            )  # fmt: skip
        if quirks:
            annotations.append({"gameTime": "1 - 00:01", "label": "KICK OFF", "position": "1000", "team": "left"})
            annotations.append({"gameTime": "1 - 125:00", "label": classes[0], "position": "7500000", "team": "left"})
            items.append(prediction("KICK OFF", 1000, 0.7, "left"))
            items.append(prediction(classes[0], 7_300_000, 0.6, "left"))
            items.append(prediction(classes[1], int(ms[0]), 1.3, "left"))
            items.append(prediction(classes[1], int(ms[1]), -0.2, "right"))
            dup = items[0]
            items.append({**dup, "position": dup["position"] + 10, "confidence": 0.05})
            if not two_halves:
                items.append(prediction(classes[0], int(ms[2]), 0.9, "left", half=2))
        rng.shuffle(items)
        labels[game] = {"UrlLocal": game, "annotations": annotations}
        predictions[game] = {"UrlLocal": game, "predictions": items}
    return labels, predictions
