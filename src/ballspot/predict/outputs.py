"""What predict writes per game: all candidates for mAP, confident events for analysts, the parameters."""

from __future__ import annotations

from pathlib import Path

from ballspot.atomic import refuse_folders_in_the_way, write_json
from ballspot.predict.postprocess import PARAMS_FILE, PostprocessParams, save_params
from ballspot.soccernet.labels import game_time
from ballspot.soccernet.results import RESULTS_FILE, Prediction, results_document, write_results

EVENTS_FILE = "events.json"


def event_order(event: Prediction) -> tuple:
    """The order events are listed in for analysts (events.json, the app's table and exports): by half and
    time, then, at one time, the most confident first, then by class and side; the same whatever order the
    events were found in."""
    return event.half, event.position_ms, -event.confidence, event.label, event.team or ""


def events_document(predictions: list[Prediction], threshold: float, videos: dict[int, Path]) -> dict:
    """Confident events only, with a readable clock time: the list an analyst reads.

    `videos` maps each half to its video (one entry, half 1, for a whole-match video).
    """
    kept = sorted((p for p in predictions if p.confidence >= threshold), key=event_order)
    return {
        "videos": {str(half): str(Path(video).resolve()) for half, video in sorted(videos.items())},
        "threshold": threshold,
        "events": [
            {
                "half": p.half,
                "time": f"{game_time(p.position_ms)[4:]}.{p.position_ms % 1000:03d}",
                "position": p.position_ms,
                "label": p.label,
                "confidence": round(p.confidence, 4),
                **({"team": p.team} if p.team is not None else {}),
            }
            for p in kept
        ],
    }


def write_game_outputs(
    folder: Path, game_id: str, videos: dict[int, Path], predictions: list[Prediction], params: PostprocessParams
) -> dict[str, str]:
    """Write results_spotting.json (every candidate, unsure sides both ways), events.json (confident ones, the
    likelier side), postprocess.json."""
    refuse_folders_in_the_way(folder / RESULTS_FILE, folder / EVENTS_FILE, folder / PARAMS_FILE)
    results = write_results(folder / RESULTS_FILE, predictions, url_local=game_id, floor=params.threshold)
    events = write_json(folder / EVENTS_FILE, events_document(predictions, params.event_threshold, videos))
    used = save_params(folder / PARAMS_FILE, params)
    return {"results": str(results), "events": str(events), "params": str(used)}


__all__ = ["EVENTS_FILE", "RESULTS_FILE", "event_order", "events_document", "results_document", "write_game_outputs"]
