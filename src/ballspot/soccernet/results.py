"""Write `results_spotting.json`, SoccerNet's predictions format: `predictions`, each with `gameTime`, `label`,
`position` (ms), `half`, `confidence`, and `team` (left/right) when the model tells sides (docs/predict.md, Outputs).

An event whose side the model is unsure of goes out twice, on the same frame: first for the less likely
side, at its confidence scaled by that side's odds, then for the likelier side at its own confidence. The
2025 team scorer ranks each (class, side) on its own, so an event given the wrong side is still found at a
lower confidence; the plain scorer keeps the later of two writes on a frame, so plain mAP sees exactly the
one-side list. `plain_view` is that one-side list again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ballspot.atomic import write_json
from ballspot.soccernet.labels import FRAMERATE, game_time

RESULTS_FILE = "results_spotting.json"


@dataclass(frozen=True)
class Prediction:
    """One spotted event."""

    label: str
    position_ms: int
    confidence: float
    half: int = 1
    team: str | None = None
    team_probability: float | None = None
    """How likely `team` is (0.5 to 1), when the model gives one: the other side goes out too, scaled."""

    def to_json(self) -> dict:
        item = {
            "gameTime": game_time(self.position_ms, self.half),
            "label": self.label,
            "position": int(self.position_ms),
            "half": int(self.half),
            "confidence": float(min(1.0, max(0.0, self.confidence))),
        }
        if self.team is not None:
            item["team"] = self.team
        return item


OTHER_SIDE = {"left": "right", "right": "left"}


def with_other_sides(predictions: list[Prediction], floor: float = 0.0) -> list[Prediction]:
    """Each event with a `team_probability` p < 1 preceded by its other side at confidence × (1 − p) / p
    (when that is at least `floor` and above 0); the others as they are."""
    out: list[Prediction] = []
    for p in predictions:
        if p.team in OTHER_SIDE and p.team_probability is not None and p.team_probability > 0:
            odds = max(0.0, 1.0 - p.team_probability) / p.team_probability
            confidence = p.confidence * odds
            if confidence > 0 and confidence >= floor:
                out.append(
                    replace(
                        p, team=OTHER_SIDE[p.team], team_probability=1.0 - p.team_probability, confidence=confidence
                    )
                )
        out.append(p)
    return out


def plain_view(predictions: list[Prediction]) -> list[Prediction]:
    """What the plain (one-side) scorer counts: of the predictions sharing a class, half and 40 ms frame, the
    one written last; order kept."""
    last = {(p.label, p.half, int(FRAMERATE * (p.position_ms / 1000))): i for i, p in enumerate(predictions)}
    chosen = set(last.values())
    return [p for i, p in enumerate(predictions) if i in chosen]


def results_document(predictions: list[Prediction], url_local: str = "", floor: float = 0.0) -> dict:
    """The JSON document for a game's predictions, sorted by time, each event's other side (if unsure, and at
    least `floor`) written just before it."""
    ordered = sorted(predictions, key=lambda p: (p.half, p.position_ms, -p.confidence))
    return {"UrlLocal": url_local, "predictions": [p.to_json() for p in with_other_sides(ordered, floor)]}


def write_results(path: Path | str, predictions: list[Prediction], url_local: str = "", floor: float = 0.0) -> Path:
    """Write a `results_spotting.json` atomically."""
    return write_json(path, results_document(predictions, url_local, floor))
