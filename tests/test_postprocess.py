"""Post-processing on hand-made score arrays: smoothing, local-maximum peak picking, per-class parameters."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ballspot.errors import BallspotError
from ballspot.predict.postprocess import (
    PostprocessParams,
    load_params,
    local_peaks,
    pick_events,
    save_params,
    smooth,
)

STEP = 0.24  # seconds between window positions of the default grey model (3 frames x stride 2 at 25 fps)


def times(n: int) -> np.ndarray:
    return np.arange(n) * STEP


def reference_peaks(scores: np.ndarray, radius: int, threshold: float) -> list[int]:
    """Brute force: the first position holding the maximum of its ±radius neighbourhood, at least threshold."""
    peaks = []
    for i, value in enumerate(scores):
        lo, hi = max(0, i - radius), min(len(scores), i + radius + 1)
        neighbourhood = scores[lo:hi]
        if value >= threshold and value == neighbourhood.max() and lo + int(np.argmax(neighbourhood)) == i:
            peaks.append(i)
    return peaks


# --- smooth -------------------------------------------------------------------------------------------


def test_smooth_width_one_is_identity():
    scores = np.array([0.1, 0.9, 0.3])
    assert smooth(scores, 1) is scores
    assert smooth(scores, 0) is scores


def test_smooth_is_a_centred_moving_average_with_edge_values_extended():
    scores = np.array([0.0, 0.0, 0.9, 0.0, 0.3])
    assert smooth(scores, 3) == pytest.approx([0.0, 0.3, 0.3, 0.4, 0.2])


def test_smooth_keeps_length_for_even_widths_and_short_arrays():
    scores = np.array([1.0, 0.0, 0.0, 0.0])
    assert smooth(scores, 2) == pytest.approx([1.0, 0.5, 0.0, 0.0])
    assert len(smooth(np.array([0.5]), 7)) == 1
    assert len(smooth(np.zeros(0), 5)) == 0


# --- local_peaks --------------------------------------------------------------------------------------


def test_one_peak_per_neighbourhood():
    scores = np.array([0.1, 0.5, 0.2, 0.6, 0.1, 0.0, 0.0, 0.0, 0.4, 0.1])
    # 0.5 at 1 is within 2 positions of the higher 0.6 at 3; 0.4 at 8 is 5 positions away
    assert local_peaks(scores, radius=2, threshold=0.0).tolist() == [3, 8]
    assert local_peaks(scores, radius=1, threshold=0.0).tolist() == [1, 3, 8]
    assert local_peaks(scores, radius=5, threshold=0.0).tolist() == [3]


def test_threshold_drops_low_peaks_but_keeps_equal_ones():
    scores = np.array([0.0, 0.3, 0.0, 0.0, 0.0, 0.7, 0.0])
    assert local_peaks(scores, 1, threshold=0.5).tolist() == [5]
    assert local_peaks(scores, 1, threshold=0.3).tolist() == [1, 5]
    assert local_peaks(scores, 1, threshold=0.8).tolist() == []


def test_a_plateau_gives_one_peak_at_its_start_whatever_its_length():
    for length in (2, 3, 8):
        scores = np.concatenate([[0.1, 0.2], np.full(length, 0.9), [0.2, 0.1]])
        assert local_peaks(scores, radius=2, threshold=0.0).tolist() == [2]
    assert local_peaks(np.full(10, 0.5), radius=1, threshold=0.0).tolist() == [0]


def test_equal_peaks_closer_than_the_radius_keep_the_first():
    scores = np.array([0.0, 0.8, 0.0, 0.8, 0.0, 0.0, 0.8, 0.0])
    assert local_peaks(scores, radius=2, threshold=0.0).tolist() == [1, 6]
    assert local_peaks(scores, radius=1, threshold=0.0).tolist() == [1, 3, 6]


def test_edges_can_be_peaks_and_empty_input_gives_none():
    assert local_peaks(np.array([0.9, 0.1, 0.1, 0.1, 0.8]), 2, 0.0).tolist() == [0, 4]
    assert local_peaks(np.zeros(0), 3, 0.0).tolist() == []


def test_local_peaks_match_brute_force_on_random_scores_with_ties():
    rng = np.random.default_rng(0)
    for trial in range(200):
        scores = rng.integers(0, 5, size=int(rng.integers(1, 40))) / 4.0  # few levels: many ties and plateaus
        radius, threshold = int(rng.integers(1, 6)), float(rng.choice([0.0, 0.25, 0.5]))
        found = local_peaks(scores, radius, threshold).tolist()
        assert found == reference_peaks(scores, radius, threshold), (trial, scores.tolist(), radius, threshold)
        assert all(b - a > radius for a, b in zip(found, found[1:], strict=False))


# --- pick_events --------------------------------------------------------------------------------------


def test_pick_events_labels_times_confidences_sorted():
    scores = np.zeros((20, 2))
    scores[4, 0] = 0.8  # PASS at 0.96 s
    scores[4, 1] = 0.6  # DRIVE at the same position
    scores[15, 1] = 1.3  # an out-of-range score is reported as confidence 1
    params = PostprocessParams(smooth_s=0.0, nms_window_s=1.0, threshold=0.5)
    events = pick_events(scores, times(20), ["PASS", "DRIVE"], params, STEP)
    assert events == [("DRIVE", 4 * STEP, 0.6), ("PASS", 4 * STEP, 0.8), ("DRIVE", 15 * STEP, 1.0)]


def test_pick_events_one_event_per_class_per_window():
    # a broad bump of PASS scores: one event at its top; the suppression window is ±0.5 s = ±2 positions
    bump = np.array([0.0, 0.2, 0.4, 0.6, 0.7, 0.6, 0.4, 0.2, 0.0, 0.0, 0.0, 0.3, 0.0])
    events = pick_events(bump[:, None], times(len(bump)), ["PASS"], PostprocessParams(smooth_s=0.0), STEP)
    assert [(label, round(t, 2)) for label, t, _ in events] == [("PASS", round(4 * STEP, 2)), ("PASS", 2.64)]


def test_at_most_one_event_per_class_per_frame_on_random_scores():
    rng = np.random.default_rng(1)
    scores = rng.random((300, 12))
    classes = [f"C{i}" for i in range(12)]
    events = pick_events(scores, times(300), classes, PostprocessParams(), STEP)
    frames = [(label, int(25 * round(t * 1000) / 1000)) for label, t, _ in events]
    assert len(set(frames)) == len(frames)
    assert [t for _, t, _ in events] == sorted(t for _, t, _ in events)
    assert all(0.01 <= c <= 1 for _, _, c in events)
    for c, label in enumerate(classes):  # same-class events lie more than the radius (2 positions) apart
        idx = [int(round(t / STEP)) for lab, t, _ in events if lab == label]
        assert all(b - a > 2 for a, b in zip(idx, idx[1:], strict=False))
        assert len(idx) == len(reference_peaks(scores[:, c], 2, 0.01))


def test_per_class_parameters_override_the_global_ones():
    scores = np.zeros((30, 2))
    scores[[5, 8], 0] = [0.6, 0.5]  # two PASS peaks 0.72 s apart
    scores[[5, 8], 1] = [0.6, 0.5]  # the same for DRIVE
    scores[20, 1] = 0.2
    params = PostprocessParams(
        smooth_s=0.0, nms_window_s=1.0, threshold=0.1, per_class={"DRIVE": {"nms_window_s": 2.0, "threshold": 0.3}}
    )
    events = pick_events(scores, times(30), ["PASS", "DRIVE"], params, STEP)
    assert [(label, int(round(t / STEP))) for label, t, _ in events] == [("DRIVE", 5), ("PASS", 5), ("PASS", 8)]


def test_smoothing_merges_a_jittery_run_into_one_event():
    scores = np.zeros((20, 1))
    scores[8:13, 0] = [0.6, 0.1, 0.6, 0.1, 0.6]  # spikes two positions apart
    raw = pick_events(scores, times(20), ["PASS"], PostprocessParams(smooth_s=0.0, nms_window_s=0.5), STEP)
    smoothed = pick_events(scores, times(20), ["PASS"], PostprocessParams(smooth_s=5 * STEP, nms_window_s=0.5), STEP)
    assert len(raw) == 3
    assert [(round(t / STEP), round(c, 3)) for _, t, c in smoothed] == [(10, 0.4)]


def test_pick_events_on_no_positions():
    assert pick_events(np.zeros((0, 2)), np.zeros(0), ["PASS", "DRIVE"], PostprocessParams(), STEP) == []


# --- parameters ---------------------------------------------------------------------------------------


def test_margin_covers_the_widest_class():
    params = PostprocessParams(smooth_s=0.2, nms_window_s=1.0, per_class={"GOAL": {"nms_window_s": 4.0}})
    assert params.margin_s() == pytest.approx(0.2 + 4.0 + 0.5)
    assert params.for_class("GOAL") == (0.2, 4.0, params.threshold)
    assert params.for_class("PASS") == (0.2, 1.0, params.threshold)


def test_params_round_trip_through_a_file(tmp_path):
    params = PostprocessParams(smooth_s=0.5, threshold=0.05, per_class={"PASS": {"threshold": 0.2}})
    path = save_params(tmp_path / "postprocess.json", params)
    assert load_params(path) == params


@pytest.mark.parametrize(
    "data, message",
    [
        ({"smooth": 1.0}, "unknown post-processing key"),
        ({"threshold": 1.5}, "threshold must be between 0 and 1"),
        ({"nms_window_s": 0}, "nms_window_s must be above 0"),
        ({"smooth_s": -1}, "smooth_s must be between 0 and 10 s"),
        ({"threshold": "high"}, "threshold must be a number"),
        ({"per_class": {"Pass": {"threshold": 0.2}}}, "unknown class 'Pass'"),
        ({"per_class": {"PASS": {"thresh": 0.2}}}, "keys among"),
        ({"per_class": {"PASS": {"threshold": 2}}}, "per_class 'PASS': threshold"),
        ({"per_class": ["PASS"]}, "per_class must map"),
        ([0.1, 0.2], "must be a JSON object"),
        ({"tuned_on": "best.pt"}, 'tuned_on must be {"weights": NAME, "sha256": HEX}'),
        ({"tuned_on": {"weights": "best.pt", "sha256": 7}}, "tuned_on: weights and sha256 must be text"),
    ],
)
def test_bad_parameters_are_one_line_errors(tmp_path, data, message):
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BallspotError, match=message) as error:
        load_params(path)
    assert "\n" not in str(error.value) and str(path) in str(error.value)


def test_unreadable_parameter_files(tmp_path):
    with pytest.raises(BallspotError, match="cannot read post-processing parameters"):
        load_params(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{threshold: 0.1")
    with pytest.raises(BallspotError, match="cannot read post-processing parameters"):
        load_params(broken)


def test_params_record_the_weights_they_were_tuned_on_and_read_as_before(tmp_path):
    """postprocess.json records the weights `tune postprocess` tuned it on; every reader of the file (predict,
    --params, export, model folders, ONNX manifests through from_dict) takes it, and files without it still load."""
    import hashlib

    from ballspot.predict.postprocess import read_tuned_on

    weights = tmp_path / "best.pt"
    weights.write_bytes(b"weights")
    params = PostprocessParams(threshold=0.05)
    path = save_params(tmp_path / "postprocess.json", params, tuned_on=weights)
    record = {"weights": "best.pt", "sha256": hashlib.sha256(b"weights").hexdigest()}
    assert json.loads(path.read_text())["tuned_on"] == record and read_tuned_on(path) == record
    assert load_params(path) == params
    assert PostprocessParams.from_dict(json.loads(path.read_text())) == params
    assert read_tuned_on(save_params(tmp_path / "old.json", params)) is None
