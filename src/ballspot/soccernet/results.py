"""Write `results_spotting.json`, SoccerNet's predictions format (spec section 5)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ballspot.atomic import write_json
from ballspot.soccernet.labels import game_time

RESULTS_FILE = "results_spotting.json"


@dataclass(frozen=True)
class Prediction:
    """One spotted event."""

    label: str
    position_ms: int
    confidence: float
    half: int = 1
    team: str | None = None

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


def results_document(predictions: list[Prediction], url_local: str = "") -> dict:
    """The JSON document for a game's predictions, sorted by time."""
    ordered = sorted(predictions, key=lambda p: (p.half, p.position_ms, -p.confidence))
    return {"UrlLocal": url_local, "predictions": [p.to_json() for p in ordered]}


def write_results(path: Path | str, predictions: list[Prediction], url_local: str = "") -> Path:
    """Write a `results_spotting.json` atomically."""
    return write_json(path, results_document(predictions, url_local))
