"""Evaluation metrics: SoccerNet's action-spotting mAP (and Team mAP), with bootstrap intervals."""

from ballspot.metrics.spotting import (
    METRICS,
    ClassScore,
    SpottingResult,
    evaluate_games,
    evaluate_spotting,
    spotting_map,
)

__all__ = ["METRICS", "ClassScore", "SpottingResult", "evaluate_games", "evaluate_spotting", "spotting_map"]
