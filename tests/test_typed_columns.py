"""evaluate's fast paths against their plain definitions.

Reading: random, slightly broken Labels-ball.json and results_spotting.json documents go through the typed
msgspec path (`typed_columns`) and the checking path (`game_events`); when the fast path takes a document,
both must give the same columns and the same unknown labels, and the checking path must never crash with
anything but a one-line BallspotError. Scoring: the arithmetic threshold bins and the radix sort behind
last-write-wins must equal numpy's searchsorted and stable argsort.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from ballspot.classes import CLASSES_2, CLASSES_12, class_index
from ballspot.errors import BallspotError
from ballspot.metrics import evaluate_spotting, spotting_map
from ballspot.metrics.game_events import Diagnostics, _labels_columns, _prediction_columns
from ballspot.metrics.matching import stable_order
from ballspot.metrics.spotting import THRESHOLDS, threshold_bins
from ballspot.metrics.typed_columns import labels_columns, prediction_columns
from ballspot.soccernet.labels import Annotation, game_time, off_clock_message
from tests.spotting_data import GAME, golden_labels, prediction, predictions_document, write_tree

ODD_VALUES = [
    None, True, False, -1, 0, 1, 2, 3, 1.5, 2.0, -0.0, "1", " 2 ", "1_0", "12.0", "x", "", [], {}, [1], {"a": 1},
    "left", "right", "LEFT", "visible", "not shown", "PASS", "DRIVE", "GOAL", "Pass", 10**20, -(10**20), -5, 1e308,
    "1 - 00:01", "2 - 10:00", "3 - 00:01", "² - 1", "٣ - 1", str(10**20),
]  # fmt: skip
"""Values swapped into random fields: wrong types, numbers as strings, unusual digits, huge numbers."""
PREDICTION_KEYS = ["label", "position", "half", "confidence", "team", "gameTime"]
ANNOTATION_KEYS = ["label", "position", "team", "visibility", "gameTime"]
CASES_PER_SEED = 100


def random_prediction(rng: random.Random) -> dict:
    return {
        "gameTime": "1 - 00:01",
        "label": rng.choice((*CLASSES_12, "OTHER")),
        "position": rng.randrange(0, 8_000_000),
        "half": rng.choice([1, 1, 2]),
        "confidence": round(rng.random(), 3),
        "team": rng.choice(["left", "right"]),
    }


def random_annotation(rng: random.Random) -> dict:
    position = rng.randrange(0, 8_000_000)
    return {
        "gameTime": game_time(position, rng.choice([1, 2])),  # another clock is warned about: the checking path
        "label": rng.choice((*CLASSES_12, "OTHER")),
        "position": str(position),
        "team": rng.choice(["left", "right"]),
        "visibility": rng.choice(["visible", "not shown"]),
    }


def random_document(rng: random.Random, kind: str) -> dict:
    """A document of 0-5 items, 0-2 of them altered (a key dropped, or an odd value put in)."""
    make, keys = (random_prediction, PREDICTION_KEYS) if kind == "predictions" else (random_annotation, ANNOTATION_KEYS)
    items = [make(rng) for _ in range(rng.randrange(0, 6))]
    for _ in range(rng.choice([0, 0, 1, 2])):
        if not items:
            break
        item, key = rng.choice(items), rng.choice(keys)
        if rng.random() < 0.15:
            item.pop(key, None)
        else:
            item[key] = rng.choice(ODD_VALUES)
    return {"UrlLocal": "", kind: items}


def checking_path(kind: str, document: dict, index: dict[str, int]) -> tuple[dict, Counter, list[str]] | BallspotError:
    """The slow path's columns, unknown labels and labels warnings, or its error (any other exception fails the
    test)."""
    diagnostics = Diagnostics()
    read = _prediction_columns if kind == "predictions" else _labels_columns
    try:
        columns = read(document, index, diagnostics, "file.json")
    except BallspotError as exc:
        return exc
    unknown = diagnostics.unknown_pred_labels if kind == "predictions" else diagnostics.unknown_gt_labels
    return columns, unknown, diagnostics.label_file_warnings


@pytest.mark.parametrize("seed", range(20))
def test_fast_and_checking_paths_agree_on_random_altered_documents(seed):
    rng = random.Random(seed)
    taken = 0
    for _ in range(CASES_PER_SEED):
        index = class_index(rng.choice([CLASSES_12, CLASSES_2]))
        kind = rng.choice(["predictions", "annotations"])
        raw = json.dumps(random_document(rng, kind)).encode()
        fast = (prediction_columns if kind == "predictions" else labels_columns)(raw, index)
        slow = checking_path(kind, json.loads(raw), index)
        if isinstance(slow, BallspotError):
            assert "\n" not in str(slow)
            assert fast is None, f"the fast path took a document the checking path rejects ({slow}): {raw!r}"
            continue
        if fast is None:
            continue
        taken += 1
        (fast_columns, fast_unknown), (slow_columns, slow_unknown, slow_warnings) = fast[:2], slow
        if kind == "annotations":  # the same events far from their gameTime, said the same way
            events = len(fast_columns.get("gt_ms", ()))
            said = off_clock_message("file.json", fast[2], events)
            assert [w for w in slow_warnings if "from their gameTime" in w] == ([said] if said else []), raw
        assert fast_columns.keys() == slow_columns.keys(), raw
        for name, column in fast_columns.items():
            assert column.dtype == slow_columns[name].dtype, (name, raw)
            assert np.array_equal(column, slow_columns[name]), (name, raw)
        assert list(fast_unknown.items()) == list(slow_unknown.items()), raw
    assert taken >= CASES_PER_SEED // 3  # most documents are well-formed: the fast path must take them


def test_the_fast_path_finds_positions_far_from_their_game_time():
    labels = golden_labels()
    index = class_index(CLASSES_12)
    assert labels_columns(json.dumps(labels).encode(), index)[2] == ()
    labels["annotations"][2]["gameTime"] = "1 - 40:00"
    labels["annotations"].insert(0, {**labels["annotations"][0], "label": "KICK OFF"})  # not read: not counted
    assert labels_columns(json.dumps(labels).encode(), index)[2] == ((3, "1 - 40:00", 25000),)


def test_the_fuzzed_values_reach_both_outcomes():
    """The random documents hit the fast path, the fallback and the errors (or the fuzz proves little)."""
    outcomes = Counter()
    rng = random.Random(0)
    for _ in range(200):
        raw = json.dumps(random_document(rng, "predictions")).encode()
        fast = prediction_columns(raw, class_index(CLASSES_12))
        slow = checking_path("predictions", json.loads(raw), class_index(CLASSES_12))
        outcomes["fast" if fast is not None else "error" if isinstance(slow, BallspotError) else "fallback"] += 1
    assert outcomes["fast"] > 0 and outcomes["error"] > 0 and outcomes["fallback"] > 0, outcomes


# ---------------------------------------------------------------- former crashes, now one-line errors


def score(tmp_path: Path, labels: dict, items: list[dict]):
    write_tree(tmp_path / "labels", {GAME: labels}, "Labels-ball.json")
    write_tree(tmp_path / "predictions", {GAME: predictions_document(items)}, "results_spotting.json")
    return evaluate_spotting(tmp_path / "labels", tmp_path / "predictions")


def good_predictions() -> list[dict]:
    return [prediction("PASS", 5000, 0.9, "left"), prediction("DRIVE", 15000, 0.8, "right")]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("label", ["PASS"], "prediction 1 has 'label' ['PASS']; expected a class name"),
        ("label", {"name": "PASS"}, "prediction 1 has 'label' {'name': 'PASS'}; expected a class name"),
        ("team", ["left"], "prediction 1 has 'team' ['left']; expected 'left' or 'right'"),
        ("team", {}, "prediction 1 has 'team' {}; expected 'left' or 'right'"),
    ],
)
def test_a_list_or_object_for_a_prediction_name_is_an_error(tmp_path, key, value, message):
    items = good_predictions()
    items[1][key] = value
    with pytest.raises(BallspotError, match=f"results_spotting.json: {message}".replace("[", r"\[")) as error:
        score(tmp_path, golden_labels(), items)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("key", ["position", "half", "confidence"])
def test_true_for_a_prediction_number_is_an_error(tmp_path, key):
    """int(True) is 1, so the official evaluator takes it; a boolean is a writer's bug, refused."""
    items = good_predictions()
    items[1][key] = True
    with pytest.raises(BallspotError, match=f"prediction 1 \\(DRIVE\\) has '{key}' True; expected"):
        score(tmp_path, golden_labels(), items)


def test_a_team_of_an_ignored_label_is_not_looked_at(tmp_path):
    items = [*good_predictions(), {**prediction("KICK OFF", 1000, 0.5), "team": ["left"]}]
    result = score(tmp_path, golden_labels(), items)
    assert any("outside the class set" in w for w in result.warnings)


def test_a_label_position_beyond_int64_is_an_error(tmp_path):
    labels = golden_labels()
    labels["annotations"][3]["position"] = str(10**20)
    with pytest.raises(
        BallspotError, match=rf"Labels-ball.json: annotation 3 \(DRIVE\) has 'position' {10**20}; too large"
    ):
        score(tmp_path, labels, good_predictions())


def test_an_in_memory_position_beyond_int64_is_an_error():
    annotations = [Annotation(label="PASS", position_ms=10**20, half=1, team="left", visibility="visible")]
    with pytest.raises(BallspotError, match=rf"g: annotation 0 \(PASS\) has 'position' {10**20}; too large"):
        spotting_map({"g": annotations}, {"g": []})


@pytest.mark.parametrize("game_time", ["² - 00:05", "³ - 00:05"])
def test_a_game_time_starting_with_a_digit_int_does_not_read_is_an_error(tmp_path, game_time):
    labels = golden_labels()
    labels["annotations"][0]["gameTime"] = game_time
    with pytest.raises(BallspotError, match=rf"annotation 0: 'gameTime' '{game_time}' does not start with the half"):
        score(tmp_path, labels, good_predictions())


def test_a_game_time_starting_with_another_script_digit_names_that_half(tmp_path):
    """'٣' (Arabic-Indic three) is a digit int() reads: half 3, ignored with a warning, as officially."""
    labels = golden_labels()
    labels["annotations"][0]["gameTime"] = "٣ - 00:05"
    result = score(tmp_path, labels, good_predictions())
    assert any("half other than 1 or 2" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("document", "key", "twice"),
    [
        ("labels", "label", '"label": "DRIVE", "label": "PASS"'),
        ("labels", "team", '"team": "left", "team": "right"'),
        ("labels", "gameTime", '"gameTime": "1 - 00:01", "gameTime": "2 - 00:01"'),
        ("predictions", "confidence", '"confidence": 0.2, "confidence": 0.9'),
        ("predictions", "team", '"team": "left", "team": "right"'),
    ],
)
def test_a_key_given_twice_is_refused_by_both_paths(tmp_path, document, key, twice):
    """msgspec keeps the last of two equal keys; the fast path must not take such a file, so it is refused
    as the checking path refuses it."""
    labels, items = golden_labels(), good_predictions()
    changed = labels["annotations"][1] if document == "labels" else items[1]
    changed.pop(key, None)
    changed["twice"] = "here"
    predictions = predictions_document(items)
    raw = json.dumps(labels if document == "labels" else predictions).replace('"twice": "here"', twice).encode()
    fast = labels_columns if document == "labels" else prediction_columns
    assert fast(raw, class_index(CLASSES_12)) is None
    write_tree(tmp_path / "labels", {GAME: labels}, "Labels-ball.json")
    write_tree(tmp_path / "predictions", {GAME: predictions}, "results_spotting.json")
    folder, name = ("labels", "Labels-ball.json") if document == "labels" else ("predictions", "results_spotting.json")
    (tmp_path / folder / GAME / name).write_bytes(raw)
    with pytest.raises(BallspotError, match=f"key '{key}' appears twice in one object"):
        evaluate_spotting(tmp_path / "labels", tmp_path / "predictions")


def test_the_fast_path_takes_keys_given_once_with_optional_ones_missing():
    predictions = good_predictions()
    del predictions[0]["team"]
    raw = json.dumps(predictions_document(predictions)).encode()
    columns, _ = prediction_columns(raw, class_index(CLASSES_12))
    assert columns["pred_team"][0] == -1


# ---------------------------------------------------------------- scoring's fast paths


def test_threshold_bins_equal_searchsorted_at_and_around_every_threshold():
    around = [THRESHOLDS, np.arange(200) / 199]
    for direction in (-np.inf, np.inf):
        step = THRESHOLDS
        for _ in range(3):  # 1 to 3 ulps away from each threshold
            step = np.nextafter(step, direction)
            around.append(step)
    rng = np.random.default_rng(0)
    odd = [0.0, -0.0, 5e-324, -5e-324, 1.0, 1.5, 1e308, -1e308, np.inf, -np.inf, np.nan]
    scores = np.concatenate(
        [*around, odd, rng.random(20_000), np.round(rng.random(20_000), 3), rng.normal(0.5, 1, 1000)]
    )
    assert np.array_equal(threshold_bins(scores), np.searchsorted(THRESHOLDS, scores, side="right") - 1)


@pytest.mark.parametrize("high", [1, 7, 2**16, 2**20, 2**40])
def test_stable_order_equals_a_stable_argsort(high):
    rng = np.random.default_rng(high)
    for n in (0, 1, 2, 100, 5000):
        key = rng.integers(-high, high, n)
        assert np.array_equal(stable_order(key), np.argsort(key, kind="stable"))
