"""`ballspot quickstart` end to end on a tiny league with a tiny network: every step runs and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ballspot.classes import CLASSES_12
from ballspot.cli.app import app
from ballspot.engine.config import load_yaml, resolve_config
from ballspot.errors import BallspotError
from ballspot.metrics.chance import random_predictions
from tests.assertions import assert_one_error_line, assert_usage_error

runner = CliRunner()

TINY = {
    "task": "dense",
    "backbone": "test_efficientnet",
    "pooling": "gem",
    "height": 32,
    "width": 64,
    "frames": 12,
    "stride": 2,
    "batch_size": 4,
    "clips_per_epoch": 8,
    "epochs": 1,
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("quickstart")
    config = root / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY))
    args = ["quickstart", "--workdir", str(root / "work"), "--games", "3", "--minutes", "0.3"]
    args += ["--config", str(config), "--device", "cpu", "--cache-dir", str(root / "cache"), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout)


def test_quickstart_runs_every_step_and_reports(finished):
    root, summary = finished
    work = root / "work"
    assert Path(summary["model"]).is_file()
    assert Path(summary["index"]).is_file()
    assert len(summary["test_games"]) == 1
    results = work / "predictions" / summary["test_games"][0] / "results_spotting.json"
    assert results.is_file()
    assert json.loads(results.read_text())["predictions"] is not None
    assert 0.0 <= summary["mAP@1"] <= 1.0 and 0.0 <= summary["chance_mAP@1"] <= 1.0
    assert summary["events_in_test_games"] > 0
    assert set(summary["ap_per_class"]) == set(CLASSES_12)
    assert json.loads((work / "summary.json").read_text())["mAP@1"] == summary["mAP@1"]


def test_quickstart_rerun_reuses_the_finished_run(finished):
    root, summary = finished
    best = Path(summary["model"])
    stamp = best.stat().st_mtime_ns
    config = root / "tiny.yaml"
    args = ["quickstart", "--workdir", str(root / "work"), "--games", "3", "--minutes", "0.3"]
    args += ["--config", str(config), "--device", "cpu", "--cache-dir", str(root / "cache"), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert best.stat().st_mtime_ns == stamp
    assert json.loads(result.stdout)["mAP@1"] == summary["mAP@1"]
    other = [*args[:6], "0.4", *args[7:]]  # another --minutes: another league, which the workdir cannot hold
    assert_one_error_line(runner.invoke(app, other), "trained on another league (minutes 0.3 (now 0.4))", "--workdir")
    more = [*args[:4], "4", *args[5:]]  # more games: the league could grow, but the run learnt from 3
    assert_one_error_line(runner.invoke(app, more), "was trained on another league (games 3 (now 4))", "--workdir")
    assert len(json.loads((root / "work" / "league" / "splits.json").read_text())["train"]) == 1  # refused first


def test_a_run_without_last_pt_is_kept_and_named_not_trained_over(finished):
    """A workdir whose run lost weights/last.pt still holds its trained best.pt: a rerun says what to do in
    quick start terms (train's --resume and --name are not its options) and leaves the run as it is."""
    root, summary = finished
    last = Path(summary["run"]) / "weights" / "last.pt"
    best = Path(summary["model"])
    kept = best.read_bytes()
    args = ["quickstart", "--workdir", str(root / "work"), "--games", "3", "--minutes", "0.3"]
    args += ["--config", str(root / "tiny.yaml"), "--device", "cpu", "--cache-dir", str(root / "cache")]
    last.rename(last.with_name("aside.pt"))
    try:
        result = runner.invoke(app, args)
    finally:
        last.with_name("aside.pt").rename(last)
    assert_one_error_line(result, "no weights/last.pt", "delete it or use another --workdir")
    assert best.read_bytes() == kept


def test_a_workdir_in_use_by_another_quickstart_is_refused(tmp_path):
    from ballspot.atomic import held_alone
    from ballspot.quickstart.pipeline import LOCK_FILE

    work = tmp_path / "work"
    with held_alone(work / LOCK_FILE, "held by the first quick start"):  # what a running quick start holds
        result = runner.invoke(app, ["quickstart", "--workdir", str(work), "--games", "3", "--minutes", "0.2"])
        assert_one_error_line(result, f"{work} is in use by another quick start", "another --workdir")
        assert [p.name for p in work.iterdir()] == [LOCK_FILE]  # nothing made beside it


def test_quickstart_rejects_bad_values(tmp_path):
    result = runner.invoke(app, ["quickstart", "--workdir", str(tmp_path), "--games", "2"])
    assert_usage_error(result, "--games")
    result = runner.invoke(app, ["quickstart", "--workdir", str(tmp_path), "--minutes", "500"])
    assert_usage_error(result, "--minutes")
    result = runner.invoke(app, ["quickstart", "--workdir", str(tmp_path), "--device", "tpu"])
    assert_usage_error(result, "--device", "'tpu'")


def test_chance_predictions_are_random_but_seeded():
    first = random_predictions(60_000, CLASSES_12, 40, 5, seed=1)
    again = random_predictions(60_000, CLASSES_12, 40, 5, seed=1)
    other = random_predictions(60_000, CLASSES_12, 40, 5, seed=2)
    assert first == again and first != other
    assert len(first) == 5 * len(CLASSES_12)
    assert all(0 <= p.position_ms < 60_000 and p.position_ms % 40 == 0 for p in first)
    assert [p.position_ms for p in first] == sorted(p.position_ms for p in first)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((-1000, CLASSES_12, 40, 5), "duration_ms must be a whole number >= 0, got -1000"),  # was predictions at 0
        ((60_000, CLASSES_12, 0, 5), "step_ms must be a whole number >= 1, got 0"),  # was a ZeroDivisionError
        (("60000", CLASSES_12, 40, 5), "duration_ms must be a whole number >= 0, got '60000'"),
    ],
)
def test_chance_predictions_refuse_arguments_that_make_no_sense(arguments, message):
    with pytest.raises(BallspotError) as caught:
        random_predictions(*arguments, seed=1)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "config",
    sorted((Path(__file__).parents[1] / "src/ballspot/recipes").glob("*.yaml"))
    + sorted((Path(__file__).parents[1] / "examples").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_shipped_training_configs_are_valid(config):
    """Every key is a training option with a valid value (unknown keys and bad values raise)."""
    resolved = resolve_config(config, {})
    assert resolved.to_dict().items() >= load_yaml(config).items()


@pytest.mark.parametrize("value", [None, 3])
def test_find_config_names_a_value_that_is_neither_a_name_nor_a_path(value):
    from ballspot.recipes import find_config

    with pytest.raises(BallspotError, match=f"a config is a recipe name or a file path, got {type(value).__name__}"):
        find_config(value)


def test_recipes_are_found_by_name_and_unknown_names_fail():
    from ballspot.errors import BallspotError
    from ballspot.recipes import find_config, recipe_names

    assert "quickstart" in recipe_names()
    assert find_config("quickstart").name == "quickstart.yaml"
    assert resolve_config("quickstart", {}).task == load_yaml(find_config("quickstart"))["task"]
    with pytest.raises(BallspotError, match="shipped recipes: .*quickstart"):
        find_config("no-such-recipe")
    with pytest.raises(BallspotError, match="config file not found"):
        find_config("missing/dir/x.yaml")


def test_train_help_names_every_shipped_recipe():
    from ballspot.recipes import recipe_names

    result = runner.invoke(app, ["train", "-h"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in recipe_names():
        assert f" {name} " in " ".join(result.stdout.replace("│", " ").split()) + " ", name


def test_a_workdir_holding_other_files_is_refused_before_any_work(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["quickstart", "--workdir", str(tmp_path), "--games", "3", "--minutes", "0.3"])
    assert_one_error_line(result, "notes.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing made, nothing indexed
    own = tmp_path / "own"
    (own / "clips" / "a-game").mkdir(parents=True)  # someone's own clips, beside no synthetic league
    result = runner.invoke(app, ["quickstart", "--workdir", str(own), "--games", "3", "--minutes", "0.3"])
    assert_one_error_line(result, "clips")
    assert sorted(p.name for p in own.iterdir()) == ["clips"]
