"""`ballspot tune` on the tiny league of test_train: studies that continue, pruning, two workers sharing a study
(journal file; PostgreSQL when BALLSPOT_TEST_POSTGRES_URL is set), the best config trains, errors; and the
post-processing search, on hand-made scores and on a trained spotting run.

Every trial is a real 1-epoch training of `test_efficientnet` on 64x112 stacks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import warnings
from pathlib import Path

import numpy as np
import optuna
import pytest
import yaml
from typer.testing import CliRunner

import ballspot.cli.tune  # noqa: F401  (registers `tune` until cli/commands.py does)
from ballspot.cli.app import app
from ballspot.engine.config import TrainConfig
from ballspot.errors import BallspotError
from ballspot.predict.postprocess import PARAMS_FILE, PostprocessParams, load_params
from ballspot.soccernet.labels import Annotation
from ballspot.tune.objective import Objective
from ballspot.tune.postprocess_search import ScoredGame, search, spotting_map_of
from ballspot.tune.space import load_space, parse_entry
from ballspot.tune.storage import parse_storage
from ballspot.tune.study import open_study
from tests import test_train
from tests.assertions import assert_one_error_line, assert_usage_error
from tests.test_train import GAMES, TINY, tiny_config

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()

TUNE_TINY = {**TINY, "epochs": 1}
del TUNE_TINY["batch_size"]  # tuned by the default space
TUNE_ARGS = [arg for key, value in TUNE_TINY.items() for arg in (f"--{key.replace('_', '-')}", str(value))]
SMALL_SPACE = "lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}\ndropout: [0.1, 0.3]\nbatch_size: [4, 8]\n"
TUNE_MODULE = "import ballspot.cli.tune; from ballspot.cli.app import main; main()"


@pytest.fixture(scope="module")
def league_index(tmp_path_factory) -> Path:
    """test_train's tiny league (2 games: train, valid), segmented and indexed."""
    return test_train.index_path.__wrapped__(tmp_path_factory)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One frame cache for the module: the frames are decoded once."""
    return tmp_path_factory.mktemp("tune-cache")


def invoke_tune(*args: str, league_index: Path, cache: Path, runs: Path):
    base = ["tune", "--index", str(league_index), *TUNE_ARGS, "--cache-dir", str(cache), "--runs-dir", str(runs)]
    return runner.invoke(app, [*base, *args])


def worker_command(*args: str) -> list[str]:
    return [sys.executable, "-c", TUNE_MODULE, "tune", *args]


def assert_no_trial_lost_or_duplicated(result: dict, runs: Path, study: str, expected: int) -> None:
    """Trial numbers 0..n-1 once each, all complete, each trained in its own folder with its own options."""
    trials = result["trials"]
    assert sorted(t["number"] for t in trials) == list(range(expected))
    assert all(t["state"] == "complete" for t in trials), trials
    for t in trials:
        run = runs / study / f"trial-{t['number']}"
        assert t["run"] == str(run)
        config = yaml.safe_load((run / "config.yaml").read_text())
        assert config["lr"] == pytest.approx(t["params"]["lr"])
        assert (run / "weights" / "best.pt").is_file()


# --- the search space -----------------------------------------------------------------------------------


def test_default_space_is_valid_and_holds_the_seeds_three():
    specs = {s.name: s for s in load_space()}
    assert {"lr", "dropout", "batch_size", "gamma", "weight_decay"} <= set(specs)
    assert specs["lr"].log and specs["batch_size"].kind == "categorical"
    drawn = {s.name: s.suggest(optuna.trial.FixedTrial({s.name: s.checked_values()[0]})) for s in specs.values()}
    TrainConfig().merged(drawn).check()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lrr: {type: float, low: 0.1, high: 0.2}", "'lrr' is not a training option; did you mean 'lr'?"),
        ("lr: {type: float, low: 0.1, high: 0.01}", "low (0.1) must be below high (0.01)"),
        ("lr: {type: float, low: 0, high: 0.1, log: true}", "a log scale needs low > 0"),
        ("lr: {type: normal, low: 0, high: 0.1}", "type must be one of float, int, categorical"),
        ("dropout: {type: float, low: 0.0, high: 1.0}", "dropout = 1.0 would fail: --dropout must be in [0, 1)"),
        ("batch_size: {type: int, low: 2, high: 8.5}", "must be whole numbers"),
        ("batch_size: {type: float, low: 4, high: 16}", "batch_size takes whole numbers: use type: int (float would"),
        ("stack_size: {type: int, low: 1, high: 3}", "stack_size = 2 would fail: --frames (15) must be a multiple"),
        ("optimizer: [adam, sgd]", "optimizer = 'sgd' would fail"),
        ("device: [cpu, cuda]", "'device' cannot be tuned"),
        ("- lr", "expected a mapping"),
        ("lr: {type: float, low: 0.1, high: 0.2, scale: 3}", "unknown key(s) scale"),
        ("warmup_epochs: {type: float, low: 0.0, high: 1.0, step: 5}", "step 5 is larger than high - low (1.0)"),
        ("epochs: {type: int, low: 1, high: 3, step: 5}", "epochs: step 5 is larger than high - low (2)"),
        (
            "warmup_epochs: {type: float, low: 0.0, high: 1.0, step: 0.3}",
            "step 0.3 does not divide high - low (1.0), so the range would end at 0.9",
        ),
        ("epochs: {type: int, low: 1, high: 4, step: 2}", "step 2 does not divide high - low (3)"),
        ("warmup_epochs: {type: float, low: 0.0, high: 1.0, step: 0}", "step must be > 0"),
        ("batch-size: [2, 4]\nbatch_size: [8, 16]", "'batch-size' and 'batch_size' are the same option; keep one"),
        ("batch_size: [4, 8, 4.0]", "batch_size: choices 4 and 4.0 are the same value; keep one"),
        ("augment: [true, true]", "augment: choices true and true are the same value; keep one"),
        ("batch_size: [2, 1, true]", "batch_size: choices 1 and true are the same value; keep one"),
        ("optimizer: [adamw, adamw]", "optimizer: choices 'adamw' and 'adamw' are the same value; keep one"),
    ],
)
def test_bad_space_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "space.yaml"
    path.write_text(text + "\n")
    with pytest.raises(BallspotError) as caught:
        load_space(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_space_entries_draw_from_their_distribution():
    spec = parse_entry("warmup_epochs", {"type": "float", "low": 0, "high": 2, "step": 0.5}, "t")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    values = {spec.suggest(study.ask()) for _ in range(40)}
    assert values == {0.0, 0.5, 1.0, 1.5, 2.0}


def test_a_step_that_divides_the_range_in_decimals_is_accepted_and_optuna_does_not_warn():
    spec = parse_entry("warmup_epochs", {"type": "float", "low": 0.1, "high": 0.7, "step": 0.2}, "t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # optuna warns when it lowers high to a whole number of steps
        value = spec.suggest(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1)).ask())
    assert min(abs(value - v) for v in (0.1, 0.3, 0.5, 0.7)) < 1e-9


# --- studies --------------------------------------------------------------------------------------------


def test_torchrun_variables_no_torchrun_sets_stop_tune_before_its_study(tmp_path, league_index, cache, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "two")  # every trial would fail on it
    studies = tmp_path / "studies"
    args = ["--trials", "1", "--studies-dir", str(studies)]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_one_error_line(result, "WORLD_SIZE is 'two', not a whole number at least 1")
    assert not studies.exists()


def test_two_trial_study_completes_and_a_rerun_adds_trials(tmp_path, league_index, cache):
    runs = tmp_path / "runs"
    args = ["--trials", "2", "--study", "first", "--sampler", "random", "--seed", "0", "--pruner", "none", "--json"]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=runs)
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)
    studies = Path(os.environ["BALLSPOT_STUDIES_DIR"])
    assert first["storage"] == f"sqlite:///{(studies / 'optuna.db').resolve()}"
    assert first["dashboard"] == f"optuna-dashboard {first['storage']}"
    assert first["counts"] == {"complete": 2}
    assert_no_trial_lost_or_duplicated(first, runs, "first", 2)
    assert set(first["trials"][0]["params"]) == {s.name for s in load_space()}

    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=runs)
    assert result.exit_code == 0, result.output
    second = json.loads(result.stdout)
    assert_no_trial_lost_or_duplicated(second, runs, "first", 4)
    assert second["trials"][:2] == first["trials"]  # the rerun continued the study, it did not start over
    values = [t["value"] for t in second["trials"]]
    assert second["best"]["value"] == max(values)
    assert second["best"]["number"] == values.index(max(values))
    assert set(second["importances"]) <= set(second["trials"][0]["params"]) and second["importances"]
    assert sum(second["importances"].values()) == pytest.approx(1.0)

    # the best configuration is a `train --config` file that trains, with the best trial's options
    best = Path(second["best_config"])
    assert best == studies / "first" / "best.yaml"
    result = runner.invoke(
        app,
        [
            "train",
            "--config",
            str(best),
            "--epochs",
            "1",
            "--name",
            "from-best",
            "--runs-dir",
            str(runs),
            "--cache-dir",
            str(cache),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    trained = yaml.safe_load((runs / "from-best" / "config.yaml").read_text())
    for key, value in second["best"]["params"].items():
        assert trained[key] == pytest.approx(value), key


def test_table_and_paths_without_json(tmp_path, league_index, cache, monkeypatch):
    monkeypatch.delenv("BALLSPOT_QUIET")
    space = tmp_path / "space.yaml"
    space.write_text(SMALL_SPACE)
    result = invoke_tune(
        "--trials", "1", "--study", "plain", "--space", str(space), "--pruner", "hyperband",
        league_index=league_index, cache=cache, runs=tmp_path / "runs",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("best.yaml")
    assert "study plain" in result.stderr and "complete" in result.stderr
    assert "need at least 2 complete trials" in result.stderr
    assert "dashboard: optuna-dashboard sqlite:///" in result.stderr


class AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study, trial) -> bool:
        return True


@pytest.mark.parametrize(
    ("losses", "state", "said"),
    [
        ([float("nan"), 0.7], "COMPLETE", None),
        ([float("nan"), float("nan")], "FAIL", "validation val_loss was not a number in any epoch (diverged"),
    ],
)
def test_an_epoch_whose_metric_is_not_a_number_is_not_the_trials_value(tmp_path, monkeypatch, losses, state, said):
    """A diverged epoch's NaN was the trial's value when it came first (min and max keep a leading NaN): the
    trial failed with no error to show, or lost the epochs that followed."""
    import ballspot.engine.trainer as trainer
    from ballspot.tune.study import run_trials

    def train(config, run_dir, cache_dir, on_epoch_end):
        for epoch, loss in enumerate(losses):
            on_epoch_end(epoch, {"valid_loss": loss})

    monkeypatch.setattr(trainer, "train", train)
    study = open_study(parse_storage(None, tmp_path), "nan", "val_loss", pruner=optuna.pruners.NopPruner())
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\n")
    run_trials(study, Objective(TrainConfig(), load_space(space), tmp_path / "runs", "nan", tmp_path, "val_loss"), 1)
    trial = study.trials[0]
    assert trial.state.name == state
    if said is None:
        assert trial.value == pytest.approx(0.7)
    else:
        assert said in trial.user_attrs["error"]


def test_a_relative_runs_folder_is_recorded_absolute(tmp_path, league_index, monkeypatch):
    """The study outlives the folder it was run from (report, dashboard, other workers): a trial recorded
    `myruns/<study>/trial-0`, which means nothing from anywhere else."""
    import ballspot.engine.trainer as trainer

    monkeypatch.setattr(
        trainer, "train", lambda config, run_dir, cache, on_epoch_end: on_epoch_end(0, {"valid_macro_f1": 0.5})
    )
    monkeypatch.chdir(tmp_path)
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\n")
    args = ["--space", str(space), "--trials", "1", "--study", "rel", "--studies-dir", "studies", "--json"]
    result = invoke_tune(*args, league_index=league_index, cache=tmp_path / "cache", runs=Path("myruns"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["trials"][0]["run"] == str(tmp_path / "myruns" / "rel" / "trial-0")


def test_pruning_stops_a_trial_after_its_first_epoch(tmp_path, league_index, cache):
    base = tiny_config(league_index, epochs=2)
    study = open_study(parse_storage(None, tmp_path), "pruned", "val_loss", pruner=AlwaysPrune())
    objective = Objective(base, load_space(), tmp_path / "runs", "pruned", cache, metric="val_loss")
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert trial.user_attrs["epochs_done"] == 1 and list(trial.intermediate_values) == [0]
    metrics = (tmp_path / "runs" / "pruned" / "trial-0" / "metrics.csv").read_text().splitlines()
    assert len(metrics) == 2  # the header and epoch 1 of 2
    assert trial.intermediate_values[0] == pytest.approx(float(metrics[1].split(",")[3]))  # valid_loss


def test_a_failing_trial_is_marked_failed_and_the_study_goes_on(tmp_path, league_index, cache):
    base = tiny_config(league_index, epochs=1)
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\n")
    study = open_study(parse_storage(None, tmp_path), "failing", "val_macro_f1")
    bad = Objective(base.merged({"valid_split": "test"}), load_space(space), tmp_path / "runs", "failing", cache)
    good = Objective(base, load_space(space), tmp_path / "runs", "failing", cache)
    from ballspot.tune.study import run_trials

    run_trials(study, bad, 1)
    run_trials(study, good, 1)
    states = [t.state.name for t in study.trials]
    assert states == ["FAIL", "COMPLETE"]
    assert "no clips in split 'test'" in study.trials[0].user_attrs["error"]


@pytest.mark.parametrize("stop", ["Terminated", "KeyboardInterrupt"])
def test_a_trial_stopped_by_sigterm_is_marked_failed_not_left_running(tmp_path, stop):
    """SIGTERM left the trial RUNNING; Ctrl-C (which Optuna marks FAIL itself) left it with no error to show."""
    from ballspot.cli.base import Terminated
    from ballspot.tune.study import run_trials

    study = open_study(parse_storage(None, tmp_path), "stopped", "val_macro_f1")
    raised = {"Terminated": Terminated, "KeyboardInterrupt": KeyboardInterrupt}[stop]

    def stopped(trial):
        raise raised

    with pytest.raises(raised):
        run_trials(study, stopped, 1)
    assert [t.state.name for t in study.trials] == ["FAIL"]
    assert study.trials[0].user_attrs["error"] == "stopped before it finished"


def test_a_study_stopped_by_ctrl_c_keeps_best_yaml_at_its_best_trial(tmp_path, league_index, cache, monkeypatch):
    """best.yaml was written when the last trial ended: a run stopped after better trials had completed left it
    naming an older trial (or missing), while the study held the better one."""
    from ballspot.tune.objective import CONFIG_ATTR

    calls = []

    def trains(self, trial) -> float:  # trial 0 completes, trial 1 is stopped by Ctrl-C
        calls.append(trial.number)
        if len(calls) > 1:
            raise KeyboardInterrupt
        trial.suggest_float("lr", 1e-4, 1e-2, log=True)
        trial.set_user_attr(CONFIG_ATTR, self.base.to_dict())
        return 0.5

    monkeypatch.setattr(Objective, "__call__", trains)
    space = tmp_path / "space.yaml"
    space.write_text("lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}\n")
    studies = tmp_path / "studies"
    args = ["--space", str(space), "--trials", "3", "--study", "cut", "--studies-dir", str(studies)]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert result.exit_code == 130 and calls == [0, 1], result.output
    assert "best of study 'cut': trial 0, val_macro_f1 = 0.5" in (studies / "cut" / "best.yaml").read_text()


def test_run_folders_of_another_study_of_the_same_name_are_refused_before_any_trial(tmp_path, league_index, cache):
    """A study started again in a new storage (or after deleting optuna.db) numbers its trials from 0 again: each
    trial failed on the old study's trial-<n> folder, with `train`'s advice "use --resume or another --name"."""
    runs = tmp_path / "runs"
    (runs / "again" / "trial-0" / "weights").mkdir(parents=True)
    (runs / "again" / "trial-0" / "weights" / "last.pt").write_bytes(b"an earlier study's")
    (runs / "again" / "trial-x").mkdir()  # not a trial's folder: left alone
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\n")
    args = ["--space", str(space), "--study", "again", "--studies-dir", str(tmp_path / "studies"), "--trials", "1"]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=runs)
    assert_one_error_line(
        result, f"{runs / 'again'} holds trial-0 of another study named 'again'", "another --study or --runs-dir"
    )
    assert sorted(p.name for p in (runs / "again").iterdir()) == ["trial-0", "trial-x"]


def test_a_run_whose_every_trial_failed_is_an_error(tmp_path, league_index, cache):
    """Every trial failing (here: --runs-dir is a file) is exit 1 naming the first failure, not exit 0."""
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\n")
    in_the_way = tmp_path / "runs"
    in_the_way.write_text("a file, not a folder")
    args = ["--space", str(space), "--trials", "2", "--studies-dir", str(tmp_path / "studies"), "-q"]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=in_the_way)
    assert_one_error_line(result, "all 2 trial(s) failed; trial 0: cannot create folder", "runs")


def test_a_studies_folder_that_cannot_be_made_fails_before_any_trial(tmp_path, league_index, cache):
    """With the study in a journal elsewhere, a --studies-dir under a file failed only when best.yaml was written,
    after every trial had trained."""
    (tmp_path / "a-file").write_text("not a folder")
    journal = tmp_path / "study.log"
    args = ["--storage", f"journal:{journal}", "--studies-dir", str(tmp_path / "a-file" / "studies"), "--trials", "1"]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_one_error_line(result, "cannot create folder", "a-file")
    assert not (tmp_path / "runs").exists()


def run_two_workers(storage: str, study: str, league_index: Path, cache: Path, runs: Path, space: Path) -> dict:
    """Two `ballspot tune` processes on one study at the same time, 2 trials each; then a report."""
    common = ["--storage", storage, "--study", study, "--index", str(league_index), *TUNE_ARGS, "--space", str(space)]
    common += ["--cache-dir", str(cache), "--runs-dir", str(runs), "--pruner", "none", "--sampler", "random", "-q"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    workers = [
        subprocess.Popen(worker_command(*common, "--trials", "2", "--seed", str(seed)), env=env, cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed in (1, 2)
    ]  # fmt: skip
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    result = runner.invoke(app, ["tune", "report", "--storage", storage, "--study", study, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_workers_share_a_study_through_a_journal_file(tmp_path, league_index, cache):
    space = tmp_path / "space.yaml"
    space.write_text(SMALL_SPACE)
    journal = tmp_path / "study.log"
    result = run_two_workers(f"journal:{journal}", "shared", league_index, cache, tmp_path / "runs", space)
    assert result["storage"] == str(journal)
    assert result["dashboard"] == f"optuna-dashboard {journal}"
    assert_no_trial_lost_or_duplicated(result, tmp_path / "runs", "shared", 4)


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("BALLSPOT_TEST_POSTGRES_URL"), reason="BALLSPOT_TEST_POSTGRES_URL not set")
def test_two_workers_share_a_study_through_postgresql(tmp_path, league_index, cache):
    space = tmp_path / "space.yaml"
    space.write_text(SMALL_SPACE)
    study = f"shared-{uuid.uuid4().hex[:8]}"  # the database outlives the test
    url = os.environ["BALLSPOT_TEST_POSTGRES_URL"]
    result = run_two_workers(url, study, league_index, cache, tmp_path / "runs", space)
    assert result["dashboard"] == f"optuna-dashboard {url}"
    assert_no_trial_lost_or_duplicated(result, tmp_path / "runs", study, 4)


# --- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--study", "a/b"], "study name must be letters"),
        (["--batch-size", "4"], "--batch-size is tuned by the search space"),
        (["--storage", "postgresql+psycopg2://nobody@127.0.0.1:1/none"], "cannot open storage postgresql+psycopg2"),
        (["--storage", "mysterious"], "--storage 'mysterious': expected a database URL"),
    ],
)
def test_bad_options_are_one_line_errors(tmp_path, league_index, cache, args, message):
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_one_error_line(result, message)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("name", ["..", "-x", "_study", ".hidden"])
def test_a_study_name_of_allowed_characters_that_starts_with_one_says_why_it_is_refused(name):
    """'..' is made of allowed characters: the error listed them and left out the rule that refused it."""
    result = runner.invoke(app, ["tune", "report", f"--study={name}"])
    assert_one_error_line(result, "starting with a letter or digit", repr(name))


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--sampler", "grid"], ["--sampler", "'grid' is not one of 'tpe', 'random'"]),
        (["--pruner", "early"], ["--pruner", "'early' is not one of 'median', 'hyperband', 'none'"]),
        (["--metric", "val_map"], ["--metric", "'val_map' is not one of 'val_macro_f1'"]),
        (["--trials", "0"], ["--trials"]),
    ],
)
def test_bad_choices_and_ranges_are_usage_errors(tmp_path, league_index, cache, args, fragments):
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_usage_error(result, *fragments)
    assert not (tmp_path / "runs").exists()


def test_a_space_tuning_epochs_without_a_gpu_is_not_blamed_on_an_epochs_option(tmp_path, league_index, monkeypatch):
    """Without a GPU the CPU recipe picks the epochs per trial; the space may still tune them."""
    import ballspot.tune.machine as machine
    import ballspot.tune.study as study_module

    monkeypatch.setattr(machine, "has_gpu", lambda device: False)
    monkeypatch.setattr(study_module, "run_trials", lambda *args, **kwargs: [])  # no training: options only
    space = tmp_path / "space.yaml"
    space.write_text("epochs: [1, 2]\n")
    args = ["tune", "--index", str(league_index), "--space", str(space), "--studies-dir", str(tmp_path / "s")]
    result = runner.invoke(app, [*args, "--runs-dir", str(tmp_path / "runs"), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*args, "--epochs", "3", "--runs-dir", str(tmp_path / "runs")])
    assert_one_error_line(result, "--epochs is tuned by the search space")


def test_bad_space_and_missing_index_are_one_line_errors(tmp_path, league_index, cache):
    space = tmp_path / "space.yaml"
    space.write_text("lr: {type: float, low: 1, high: 0.1}\n")
    result = invoke_tune("--space", str(space), league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_one_error_line(result, "space.yaml: lr: low (1.0) must be below high (0.1)")
    result = runner.invoke(app, ["tune", "--index", str(tmp_path / "none.parquet")])
    assert_one_error_line(result, "index not found")


def test_a_relative_sqlite_url_is_the_same_file_from_any_folder(tmp_path, monkeypatch):
    """sqlite:///studies/s.db is relative to the current folder: kept as given, the printed dashboard command
    and a `tune report` run from another folder opened another (new, empty) database."""
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    spec = parse_storage("sqlite:///studies/s.db", tmp_path)
    assert spec.target == f"sqlite:///{tmp_path / 'here' / 'studies' / 's.db'}"
    open_study(spec, "rel", "val_macro_f1")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["tune", "report", "--storage", spec.target, "--study", "rel", "--json"])
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.stdout)["dashboard"] == f"optuna-dashboard sqlite:///{tmp_path / 'here' / 'studies' / 's.db'}"
    )
    uri = "sqlite:///file:s.db?mode=ro&uri=true"  # SQLite's own URI form is left as it is
    assert parse_storage(uri, tmp_path).target == uri


def test_a_sqlite_url_under_the_home_folder_is_not_a_folder_named_tilde(tmp_path, monkeypatch):
    """sqlite:///~/study.db: SQLite takes the path as it is, so the study went to ./~/study.db."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    spec = parse_storage("sqlite:///~/studies/s.db", tmp_path)
    assert spec.target == f"sqlite:///{tmp_path / 'home' / 'studies' / 's.db'}"
    open_study(spec, "home", "val_macro_f1")
    assert (tmp_path / "home" / "studies" / "s.db").is_file() and not any((tmp_path / "cwd").iterdir())


def test_a_study_keeps_its_metric(tmp_path):
    spec = parse_storage(str(tmp_path / "s.db"), tmp_path)
    open_study(spec, "kept", "val_macro_f1")
    with pytest.raises(BallspotError, match="optimises val_macro_f1; rerun it with --metric val_macro_f1"):
        open_study(spec, "kept", "val_loss")
    result = runner.invoke(app, ["tune", "report", "--storage", str(tmp_path / "s.db"), "--study", "nope"])
    assert_one_error_line(result, "no study 'nope'", "it holds: kept")
    result = runner.invoke(app, ["tune", "report", "--storage", str(tmp_path / "none.db")])
    assert_one_error_line(result, "no study 'ballspot'", "none.db does not exist (`ballspot tune` makes it)")


def test_a_rerun_whose_space_draws_an_option_differently_is_a_one_line_error(tmp_path, league_index, cache):
    spec = parse_storage(None, tmp_path / "studies")
    study = open_study(spec, "changed", "val_macro_f1")
    study.add_trial(
        optuna.trial.create_trial(
            params={"lr": 0.01},
            distributions={"lr": optuna.distributions.CategoricalDistribution([0.001, 0.01])},
            value=0.5,
        )
    )
    space = tmp_path / "space.yaml"
    space.write_text("lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}\nbatch_size: [4, 8]\n")
    args = ["--study", "changed", "--studies-dir", str(tmp_path / "studies"), "--space", str(space)]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_one_error_line(result, "study 'changed' drew lr from CategoricalDistribution", "give a new --study")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("earlier", "fragment"),
    [
        ({"task": "classify"}, "study 'mixed' trained task 'classify' in its earlier trials (trial 0), this run"),
        ({"index": "/elsewhere/clips/index.parquet"}, "trained index '/elsewhere/clips/index.parquet' in its"),
        ({"valid_split": "test"}, "trained valid_split 'test' in its earlier trials (trial 0), this run 'valid'"),
        (
            {"epochs": 3},
            "trained epochs 3 in its earlier trials (trial 0), this run 1: their values would not compare; rerun "
            "it with --epochs 3, or give a new --study",
        ),  # fmt: skip
    ],
)
def test_a_rerun_on_other_data_or_another_task_is_a_one_line_error(tmp_path, league_index, cache, earlier, fragment):
    """A study continued with another --task or --index mixed values measured on other things in one ranking:
    the best trial, best.yaml and the pruner's medians came from trials the new ones cannot be compared with. So
    did another --epochs: a trial's value is its best epoch's, and a longer trial has more of them."""
    from ballspot.tune.objective import CONFIG_ATTR

    config = tiny_config(league_index, task="spot", epochs=1).merged(earlier).to_dict()
    study = open_study(parse_storage(None, tmp_path / "studies"), "mixed", "val_macro_f1")
    distributions = {"dropout": optuna.distributions.CategoricalDistribution([0.1])}
    study.add_trial(
        optuna.trial.create_trial(
            params={"dropout": 0.1}, distributions=distributions, value=0.5, user_attrs={CONFIG_ATTR: config}
        )
    )
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\n")
    args = ["--study", "mixed", "--studies-dir", str(tmp_path / "studies"), "--space", str(space), "--task", "spot"]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_one_error_line(result, fragment, "give a new --study")
    assert not (tmp_path / "runs").exists()


def test_a_rerun_whose_space_now_draws_the_task_is_not_refused_for_it(tmp_path, league_index, cache, monkeypatch):
    import ballspot.tune.study as study_module
    from ballspot.tune.objective import CONFIG_ATTR

    monkeypatch.setattr(study_module, "run_trials", lambda *args, **kwargs: [])  # no training: the checks only
    study = open_study(parse_storage(None, tmp_path / "studies"), "task", "val_macro_f1")
    distributions = {"dropout": optuna.distributions.CategoricalDistribution([0.1])}
    config = tiny_config(league_index, task="spot", epochs=1).to_dict()
    study.add_trial(optuna.trial.create_trial(params={"dropout": 0.1}, distributions=distributions, value=0.5,
                                              user_attrs={CONFIG_ATTR: config}))  # fmt: skip
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\ntask: [classify, spot]\n")
    args = ["--study", "task", "--studies-dir", str(tmp_path / "studies"), "--space", str(space)]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert result.exit_code == 0, result.output


def test_a_damaged_sqlite_study_is_a_one_line_error(tmp_path):
    """Optuna wraps SQLite's "database disk image is malformed" in an error of its own, raised by load_study."""
    spec = parse_storage(str(tmp_path / "s.db"), tmp_path)
    study = open_study(spec, "damaged", "val_macro_f1")
    distributions = {"lr": optuna.distributions.FloatDistribution(1e-3, 1e-1)}
    study.add_trial(optuna.trial.create_trial(params={"lr": 0.01}, distributions=distributions, value=0.5))
    data = bytearray((tmp_path / "s.db").read_bytes())
    data[4096:8192] = b"\xaa" * 4096  # its second page
    (tmp_path / "s.db").write_bytes(bytes(data))
    result = runner.invoke(app, ["tune", "report", "--storage", str(tmp_path / "s.db"), "--study", "damaged"])
    assert_one_error_line(result, "cannot read study 'damaged'", "database disk image is malformed")


def test_a_sqlite_study_damaged_where_it_is_read_later_is_a_one_line_error(tmp_path):
    """A database that opens, then fails as the study's attributes and trials are read (its seventh page)."""
    spec = parse_storage(str(tmp_path / "s.db"), tmp_path)
    study = open_study(spec, "damaged", "val_macro_f1")
    distributions = {"lr": optuna.distributions.FloatDistribution(1e-3, 1e-1)}
    for _ in range(3):
        study.add_trial(optuna.trial.create_trial(params={"lr": 0.01}, distributions=distributions, value=0.5))
    data = bytearray((tmp_path / "s.db").read_bytes())
    data[6 * 4096 : 7 * 4096] = b"\xaa" * 4096
    (tmp_path / "s.db").write_bytes(bytes(data))
    with pytest.raises(BallspotError, match="study 'damaged' in sqlite:///.*: database disk image is malformed"):
        open_study(spec, "damaged", "val_macro_f1")
    result = runner.invoke(app, ["tune", "report", "--storage", str(tmp_path / "s.db"), "--study", "damaged"])
    assert_one_error_line(result, "study 'damaged' in sqlite", "database disk image is malformed")


def test_importances_of_trials_that_all_scored_the_same_print_no_python_warning(tmp_path):
    from ballspot.tune.report import importances

    study = open_study(parse_storage(str(tmp_path / "s.db"), tmp_path), "flat", "val_macro_f1")
    distributions = {"lr": optuna.distributions.FloatDistribution(1e-3, 1e-1)}
    for lr in (0.01, 0.02, 0.03):
        study.add_trial(optuna.trial.create_trial(params={"lr": lr}, distributions=distributions, value=0.5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importances(study)
    assert [str(w.message) for w in caught] == []


# --- post-processing search -----------------------------------------------------------------------------

STEP = 0.12


def spiky_game() -> ScoredGame:
    """PASS scores that rise smoothly on each event, with a one-position spike 0.72 s after it, higher than it.

    Unsmoothed, each spike is a false positive that outranks every true peak (AP 0.5); a wider suppression
    window lets the spike swallow the true peak (AP 0); light smoothing flattens the spikes (AP 1).
    """
    times = np.arange(0, 60, STEP)
    scores = np.zeros((len(times), 2))
    events_s = (10.0, 25.0, 40.0)
    for t in events_s:
        scores[:, 0] += 0.5 * np.exp(-0.5 * ((times - t) / 0.3) ** 2)
        scores[np.argmin(np.abs(times - t - 0.72)), 0] += 0.6
    scores[:, 1] = np.random.default_rng(0).uniform(0, 0.05, len(times))  # DRIVE: noise, one event
    annotations = [Annotation("PASS", int(t * 1000)) for t in events_s] + [Annotation("DRIVE", 50_000)]
    return ScoredGame("league/s/game", {1: (times, scores)}, annotations)


def test_search_finds_the_smoothing_that_flattens_spikes():
    game, classes = spiky_game(), ("PASS", "DRIVE")
    params = PostprocessParams(smooth_s=0.0)
    before = spotting_map_of([game], classes, params, STEP)
    tuned, per_class = search([game], classes, params, STEP)
    after = spotting_map_of([game], classes, tuned, STEP)
    assert per_class[0].ap_before == pytest.approx(0.5) == before.per_class[0].ap
    assert per_class[0].ap_after == pytest.approx(1.0) == after.per_class[0].ap
    assert tuned.per_class["PASS"]["smooth_s"] > 0
    assert after.per_class[1].ap >= before.per_class[1].ap
    assert after.mAP > before.mAP
    assert tuned.smooth_s == 0.0 and tuned.nms_window_s == params.nms_window_s  # the global values stay


def test_search_keeps_parameters_nothing_beats():
    game, classes = spiky_game(), ("PASS", "DRIVE")
    best, _ = search([game], classes, PostprocessParams(smooth_s=0.0), STEP)
    again, per_class = search([game], classes, best, STEP)
    assert again.per_class == best.per_class
    assert [r.ap_after for r in per_class] == [r.ap_before for r in per_class]


def test_search_leaves_classes_with_few_events_alone():
    game, classes = spiky_game(), ("PASS", "DRIVE")
    params = PostprocessParams(smooth_s=0.0)
    events = sum(a.label == "PASS" for a in game.annotations)
    tuned, per_class = search([game], classes, params, STEP, min_events=events + 1)
    assert tuned.per_class == {} and tuned.to_dict() == params.to_dict()
    assert per_class[0].ap_after == per_class[0].ap_before == pytest.approx(0.5)
    tuned, _ = search([game], classes, params, STEP, min_events=events)
    assert tuned.per_class["PASS"]["smooth_s"] > 0


@pytest.fixture(scope="module")
def spot_run(tmp_path_factory, league_index, cache) -> Path:
    runs = tmp_path_factory.mktemp("tune-spot")
    args = ["train", "--index", str(league_index), *TUNE_ARGS, "--batch-size", "4", "--task", "spot", "--epochs", "2"]
    result = runner.invoke(app, [*args, "--name", "spot", "--runs-dir", str(runs), "--cache-dir", str(cache), "-q"])
    assert result.exit_code == 0, result.output
    return runs / "spot"


def test_validation_games_without_labels_or_video_are_named(tmp_path, capfd):
    """A valid game splits.json lists but that has no labels or no video was left out of the search without a
    word: the parameters were tuned on fewer games than the split holds."""
    from ballspot.tune.postprocess_search import games_from_root

    listed = ["l/s/2020-01-01 - A - B", "l/s/2020-01-02 - C - D", "l/s/2020-01-03 - E - F"]
    for game in listed[:2]:
        (tmp_path / game).mkdir(parents=True)
        (tmp_path / game / "224p.mp4").write_bytes(b"")
    (tmp_path / listed[0] / "Labels-ball.json").write_text('{"annotations": []}')
    (tmp_path / "splits.json").write_text(json.dumps({"valid": listed}))
    assert [game.game_id for game in games_from_root(tmp_path, "valid")] == listed[:1]
    assert "2 valid game(s) have no labels or no video under " in capfd.readouterr().err


def test_postprocess_search_saves_params_that_predict_uses(spot_run, league_index):
    from ballspot.metrics.spotting import spotting_map
    from ballspot.predict.api import default_params, predict_video
    from ballspot.soccernet.labels import read_labels

    args = ["tune", "postprocess", str(spot_run), "--device", "cpu", "--min-events", "1", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["params_file"] == str(spot_run / PARAMS_FILE)
    assert report["games"] == [GAMES[1]] and report["split"] == "valid"
    assert report["mAP_after"] >= report["mAP_before"]
    for row in report["per_class"]:
        assert row["ap_after"] >= row["ap_before"]
    saved = load_params(spot_run / PARAMS_FILE)
    assert saved.to_dict() == report["params"]
    best = spot_run / "weights" / "best.pt"
    from ballspot.digests import file_sha256

    tuned_on = json.loads((spot_run / PARAMS_FILE).read_text())["tuned_on"]  # predict warns on other weights
    assert tuned_on == {"weights": "best.pt", "sha256": file_sha256(best)}
    assert default_params(best) == saved

    # predict with the saved parameters scores what the search said
    video = league_index.parents[1] / GAMES[1] / "224p.mp4"
    labels = read_labels(video.parent / "Labels-ball.json")
    predictions = list(predict_video(video, best, device="cpu"))
    scored = spotting_map({GAMES[1]: labels.annotations}, {GAMES[1]: predictions}, tolerance=1.0, team=False)
    assert scored.mAP == pytest.approx(report["mAP_after"])


def test_postprocess_table_says_which_suppression_the_search_chose(capsys):
    """The suppression is chosen for all classes before the per-class search: the mAP can rise while no class's
    "AP before" / "AP after" differs, and the report says why."""
    from ballspot.cli.tune import _print_postprocess

    row = {"label": "PASS", "ground_truth": 7, "ap_before": 0.1, "ap_after": 0.1, "params": {}}
    result = {"games": ["g"], "split": "valid", "per_class": [row], "mAP_before": 0.0234, "mAP_after": 0.0287,
              "mAP_by_suppression": {"peaks": 0.0234, "soft": 0.0287}, "params": {"suppression": "soft"}}  # fmt: skip
    _print_postprocess(result)
    assert "suppression for every class: soft (mAP@1 with peaks 0.0234, soft 0.0287)" in capsys.readouterr().err


def test_postprocess_search_records_the_model_as_an_absolute_path(tmp_path, spot_run, monkeypatch):
    """postprocess_search.json (kept in the run) named the model as typed, `run/weights/best.pt`, beside an
    absolute params_file: meaningless from any other folder."""
    import shutil

    shutil.copytree(spot_run, tmp_path / "run")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["tune", "postprocess", "run", "--device", "cpu", "--min-events", "1", "--json"])
    assert result.exit_code == 0, result.output
    best = str(tmp_path / "run" / "weights" / "best.pt")
    assert json.loads(result.stdout)["model"] == best
    assert json.loads((tmp_path / "run" / "postprocess_search.json").read_text())["model"] == best


def test_postprocess_search_on_games_without_events_is_an_error(tmp_path, spot_run, league_index):
    """Labels with no event give every candidate AP 0: nothing to search, and postprocess.json stays as it was."""
    import shutil

    run = Path(shutil.copytree(spot_run, tmp_path / "run"))
    (run / PARAMS_FILE).unlink(missing_ok=True)
    root = tmp_path / "root"
    shutil.copytree(league_index.parents[1] / GAMES[1], root / GAMES[1])
    (root / GAMES[1] / "Labels-ball.json").write_text(json.dumps({"UrlLocal": "", "annotations": []}))
    (root / "splits.json").write_text(json.dumps({"valid": [GAMES[1]]}))
    result = runner.invoke(app, ["tune", "postprocess", str(run), "--labels", str(root), "--device", "cpu"])
    assert_one_error_line(result, f"the labels of the 1 game(s) to tune on hold no event ({GAMES[1]})")
    assert not (run / PARAMS_FILE).exists()


def test_postprocess_search_errors(tmp_path, league_index):
    result = runner.invoke(app, ["tune", "postprocess", str(tmp_path / "nothing")])
    assert_one_error_line(result, "run folder or weights file not found")
    result = runner.invoke(app, ["tune", "postprocess", str(tmp_path), "--min-events", "0"])
    assert_usage_error(result, "--min-events")
    result = runner.invoke(app, ["tune", "postprocess", str(tmp_path)])
    assert_one_error_line(result, "no weights/best.pt in")


@pytest.mark.parametrize("port", ["notaport", "99999"])
def test_a_database_url_whose_port_is_no_port_is_said_with_the_password_hidden(tmp_path, port):
    from ballspot.tune.storage import parse_storage

    with pytest.raises(BallspotError, match=f"the port '{port}' is not a number") as raised:
        parse_storage(f"postgresql://user:secret@localhost:{port}/db", tmp_path)
    assert "secret" not in str(raised.value) and "int()" not in str(raised.value)
    assert parse_storage("postgresql://user:secret@localhost:5432/db", tmp_path).kind == "database"


def test_a_postgresql_url_without_a_driver_uses_the_installed_one(tmp_path):
    """SQLAlchemy 2.1 opens postgresql:// with psycopg (3); `ballspot[postgres]` installs psycopg2, so the
    documented URL failed with "No module named 'psycopg'" wherever the extra was installed."""
    pytest.importorskip("psycopg2")
    result = runner.invoke(app, ["tune", "report", "--storage", "postgresql://nobody:secret@127.0.0.1:1/none"])
    assert_one_error_line(result, "cannot open storage postgresql", "127.0.0.1")
    assert "No module named" not in result.stderr and "secret" not in result.stderr


@pytest.mark.parametrize(
    ("installed", "scheme"),
    [({"psycopg2"}, "postgresql+psycopg2"), ({"psycopg"}, "postgresql+psycopg"), (set(), "postgresql")],
)
def test_a_postgresql_url_names_the_driver_that_is_installed(tmp_path, monkeypatch, installed, scheme):
    import ballspot.tune.storage as storage

    monkeypatch.setattr(storage, "installed", lambda module: module in installed)
    spec = parse_storage("postgresql://user:secret@db:5432/optuna", tmp_path)
    assert spec.target == f"{scheme}://user:secret@db:5432/optuna"
    assert parse_storage("postgresql+pg8000://u@db/o", tmp_path).target == "postgresql+pg8000://u@db/o"


def test_a_missing_postgresql_driver_says_how_to_install_it(tmp_path, monkeypatch):
    """Optuna wraps the driver's ModuleNotFoundError in an ImportError: the install hint was never given."""
    monkeypatch.setitem(sys.modules, "psycopg2", None)  # not installed
    result = runner.invoke(app, ["tune", "report", "--storage", "postgresql+psycopg2://u@127.0.0.1:1/db"])
    assert_one_error_line(result, "missing driver psycopg2 (pip install 'ballspot[postgres]')")
    result = runner.invoke(app, ["tune", "report", "--storage", "postgresql+nodriver://u@127.0.0.1:1/db"])
    assert_one_error_line(result, "cannot open storage postgresql+nodriver://")


def test_a_postgresql_server_that_never_answers_is_an_error_not_a_hang(tmp_path):
    """libpq waits for ever by default (and Ctrl-C cannot stop it there): a host that takes the connection and
    says nothing hung `tune` with no word."""
    import socket

    pytest.importorskip("psycopg2")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # the kernel takes the connection; nothing ever answers
    url = f"postgresql+psycopg2://u@127.0.0.1:{silent.getsockname()[1]}/db"
    code = "import ballspot.tune.storage as s; s.CONNECT_TIMEOUT_S = 1; " + TUNE_MODULE
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    try:
        done = subprocess.run([sys.executable, "-c", code, "tune", "report", "--storage", url], env=env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        silent.close()
    assert done.returncode == 1 and done.stderr.startswith("error: cannot open storage"), done.stderr
    assert "timeout expired" in done.stderr


def fake_run(tmp_path: Path) -> Path:
    """A run folder whose weights are not a model: a command that fails on them has loaded them."""
    run = tmp_path / "run"
    (run / "weights").mkdir(parents=True)
    (run / "weights" / "best.pt").write_bytes(b"not a checkpoint")
    return run


def make_read_only(monkeypatch, folder: Path) -> None:
    """`folder` and what it holds answer os.access as a read-only mount does, even to root (who runs the tests)."""
    real_access = os.access

    def access(path, mode, **kwargs) -> bool:
        inside = folder in (Path(path), *Path(path).parents)
        return real_access(path, mode, **kwargs) and not (mode & os.W_OK and inside)

    monkeypatch.setattr(os, "access", access)


def test_postprocess_search_into_an_unwritable_run_fails_before_the_model_loads(tmp_path, monkeypatch):
    """The run folder's writability was found out after every validation game had been scored."""
    run = fake_run(tmp_path)
    make_read_only(monkeypatch, run)
    result = runner.invoke(app, ["tune", "postprocess", str(run), "--device", "cpu"])
    assert_one_error_line(result, f"folder is not writable: {run}")


def test_postprocess_search_with_a_folder_in_place_of_its_report_fails_before_the_model_loads(tmp_path):
    run = fake_run(tmp_path)
    (run / "postprocess_search.json").mkdir()
    result = runner.invoke(app, ["tune", "postprocess", str(run), "--device", "cpu"])
    assert_one_error_line(result, "postprocess_search.json: a folder of that name is in the way")


def test_postprocess_search_that_cannot_write_its_report_leaves_predicts_file_as_it_was(
    tmp_path, spot_run, monkeypatch
):
    """postprocess.json (what predict reads) was written first: a failure writing the report left the new settings
    in use by a command that said it failed."""
    import shutil

    import ballspot.atomic

    run = Path(shutil.copytree(spot_run, tmp_path / "run"))
    (run / PARAMS_FILE).unlink(missing_ok=True)

    def full_disk(target, data, indent=2):
        raise BallspotError(f"cannot write {target}: No space left on device")

    monkeypatch.setattr(ballspot.atomic, "write_json", full_disk)  # the report's writer, not postprocess.json's
    result = runner.invoke(app, ["tune", "postprocess", str(run), "--device", "cpu", "--min-events", "1"])
    assert_one_error_line(result, "postprocess_search.json: No space left on device")
    assert not (run / PARAMS_FILE).exists()


def study_with_a_best_trial(studies: Path, name: str) -> str:
    """A SQLite study in `studies` holding one complete trial with its training config; returns its storage."""
    from ballspot.tune.objective import CONFIG_ATTR

    spec = parse_storage(None, studies)
    study = open_study(spec, name, "val_macro_f1")
    config = TrainConfig(index="/data/clips/index.parquet").to_dict()
    distributions = {"dropout": optuna.distributions.CategoricalDistribution([0.1, 0.3])}
    study.add_trial(optuna.trial.create_trial(params={"dropout": 0.1}, distributions=distributions, value=0.5,
                                              user_attrs={CONFIG_ATTR: config}))  # fmt: skip
    return spec.target


def test_tune_report_leaves_an_up_to_date_best_yaml_alone(tmp_path):
    """A report only reads: it rewrote best.yaml every time, which fails in a studies folder it cannot write."""
    storage = study_with_a_best_trial(tmp_path, "read")
    args = ["tune", "report", "--storage", storage, "--study", "read", "--studies-dir", str(tmp_path), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    best = tmp_path / "read" / "best.yaml"
    assert json.loads(result.stdout)["best_config"] == str(best)
    written = best.stat().st_ino
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert best.stat().st_ino == written  # not replaced by a new file


def test_tune_report_that_cannot_write_best_yaml_warns_and_still_reports(tmp_path):
    storage = study_with_a_best_trial(tmp_path, "blocked")
    (tmp_path / "blocked" / "best.yaml").mkdir(parents=True)  # in the way, as a read-only folder would be
    args = ["tune", "report", "--storage", storage, "--study", "blocked", "--studies-dir", str(tmp_path), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["best"]["number"] == 0 and report["best_config"] is None
    assert "warning: best configuration not saved: cannot write " in result.stderr


@pytest.mark.parametrize(
    ("url", "connect_args"),
    [
        ("mysql+pymysql://u:secret@db/optuna", {"connect_timeout": 20}),
        ("mysql://u@db/optuna", {"connect_timeout": 20}),  # mysqlclient
        ("mariadb+mariadbconnector://u@db/optuna", {"connect_timeout": 20}),
        ("mysql+mysqlconnector://u@db/optuna", {"connection_timeout": 20}),
        ("mysql+pymysql://u@db/optuna?connect_timeout=5", None),  # the URL's own
        ("postgresql+psycopg2://u@db/optuna", {"connect_timeout": 20}),
        ("postgresql+psycopg2://u@db/optuna?connect_timeout=5", None),
        ("postgresql+pg8000://u@db/optuna", None),  # takes no connect_timeout: opening failed on it
    ],
)
def test_a_database_server_connection_gets_its_drivers_connect_timeout(tmp_path, monkeypatch, url, connect_args):
    """A MySQL URL got no connect timeout: a server that takes the connection and never answers hung `tune`."""
    from ballspot.tune.storage import open_storage

    opened = {}
    monkeypatch.setattr(optuna.storages, "RDBStorage", lambda target, **kwargs: opened.update(kwargs))  # no server
    open_storage(parse_storage(url, tmp_path))
    options = opened["engine_kwargs"]
    assert options.get("connect_args") == connect_args and options["pool_pre_ping"]


def test_postprocess_search_on_weights_other_than_best_pt_wants_a_folder_of_its_own(tmp_path):
    """Settings tuned on last.pt went to <run>/postprocess.json, which predict applies to the run's best.pt."""
    run = fake_run(tmp_path)
    (run / "weights" / "last.pt").write_bytes(b"not a checkpoint either")
    result = runner.invoke(app, ["tune", "postprocess", str(run / "weights" / "last.pt"), "--device", "cpu"])
    assert_one_error_line(result, "last.pt is not the run's best.pt, the weights `ballspot predict` applies", "--out")
    assert not (run / PARAMS_FILE).exists()
    loose = tmp_path / "loose.pt"  # in no run: --out is where its settings can go
    loose.write_bytes(b"not a checkpoint")
    result = runner.invoke(app, ["tune", "postprocess", str(loose), "--out", str(tmp_path / "pp"), "--device", "cpu"])
    assert_one_error_line(result, f"cannot read weights file {loose}: not a PyTorch checkpoint")  # taken as far
    assert not (tmp_path / "pp").exists()  # a failed search leaves no empty folder behind


def test_postprocess_search_with_out_saves_into_that_folder_and_leaves_the_run_alone(tmp_path, spot_run):
    import shutil

    run = Path(shutil.copytree(spot_run, tmp_path / "run"))
    for written in (PARAMS_FILE, "postprocess_search.json"):  # by the tests before, in the module's run
        (run / written).unlink(missing_ok=True)
    out = tmp_path / "last-settings"
    args = ["tune", "postprocess", str(run / "weights" / "last.pt"), "--out", str(out), "--device", "cpu"]
    result = runner.invoke(app, [*args, "--min-events", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["params_file"] == str(out / PARAMS_FILE)
    assert load_params(out / PARAMS_FILE).to_dict() == report["params"]
    assert json.loads((out / "postprocess_search.json").read_text())["model"] == str(run / "weights" / "last.pt")
    assert json.loads((out / PARAMS_FILE).read_text())["tuned_on"]["weights"] == "last.pt"
    assert not (run / PARAMS_FILE).exists() and not (run / "postprocess_search.json").exists()


def test_tune_report_reads_a_study_in_a_read_only_studies_folder(tmp_path, monkeypatch):
    """Opening the SQLite database asked for a writable folder, as if to create it: a report on a study in a
    read-only folder failed before it read anything."""
    storage = study_with_a_best_trial(tmp_path, "shared")
    args = ["tune", "report", "--storage", storage, "--study", "shared", "--studies-dir", str(tmp_path), "--json"]
    assert runner.invoke(app, args).exit_code == 0  # best.yaml written while the folder could be written
    make_read_only(monkeypatch, tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["best"]["number"] == 0 and "warning" not in result.stderr


def test_hyperband_brackets_reach_the_most_epochs_the_space_draws(tmp_path, league_index, cache, monkeypatch):
    """With the space drawing epochs, hyperband's largest bracket was the base config's epochs (10): trials of
    fewer epochs were never judged at their end, and bracket sizes did not match the trials."""
    import ballspot.tune.study as study_module

    pruners = []
    monkeypatch.setattr(study_module, "run_trials", lambda study, *args, **kwargs: pruners.append(study.pruner) or [])
    space = tmp_path / "space.yaml"
    space.write_text("epochs: {type: int, low: 1, high: 5, step: 2}\ndropout: [0.1]\n")
    given = {key: value for key, value in TUNE_TINY.items() if key != "epochs"}  # --epochs and a tuned epochs: refused
    no_epochs = [arg for key, value in given.items() for arg in (f"--{key.replace('_', '-')}", str(value))]
    args = ["tune", "--index", str(league_index), *no_epochs, "--cache-dir", str(cache), "--runs-dir", str(tmp_path)]
    args += ["--studies-dir", str(tmp_path / "studies"), "--space", str(space), "--pruner", "hyperband"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pruners[0]._max_resource == 5 and pruners[0]._min_resource == 1


@pytest.mark.parametrize(
    ("trials", "fragment"),
    [
        (  # the first trial drew the task, the second trained classify
            [({"task": "spot"}, {"task": ["spot"]}, "COMPLETE"), ({"task": "classify"}, {}, "COMPLETE")],
            "study 'later' trained task 'classify' in its earlier trials (trial 1), this run 'spot'",
        ),
        (  # a failed trial measured nothing: not compared
            [({"epochs": 1}, {}, "COMPLETE"), ({"epochs": 2}, {}, "FAIL"), ({"epochs": 3}, {}, "COMPLETE")],
            "study 'later' already mixes epochs 1 (trial 0) and 3 (trial 2): their values do not compare",
        ),
    ],
)
def test_a_rerun_is_checked_against_every_earlier_trial_not_only_the_first(
    tmp_path, league_index, cache, monkeypatch, trials, fragment
):
    """Only the first trial that recorded its config was compared: a later trial that trained another task, or
    another number of epochs, did not stop a rerun from mixing values that do not compare."""
    import ballspot.tune.study as study_module
    from ballspot.tune.objective import CONFIG_ATTR

    monkeypatch.setattr(study_module, "run_trials", lambda *args, **kwargs: [])  # no training: the checks only
    study = open_study(parse_storage(None, tmp_path / "studies"), "later", "val_macro_f1")
    for changed, drawn, state in trials:
        config = tiny_config(league_index, task="spot", epochs=1).merged(changed).to_dict()
        params = {"dropout": 0.1, **{key: changed[key] for key in drawn}}
        distributions = {"dropout": optuna.distributions.CategoricalDistribution([0.1])}
        distributions |= {key: optuna.distributions.CategoricalDistribution(choices) for key, choices in drawn.items()}
        value = 0.5 if state == "COMPLETE" else None
        study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=value,
                                                  state=optuna.trial.TrialState[state],
                                                  user_attrs={CONFIG_ATTR: config}))  # fmt: skip
    space = tmp_path / "space.yaml"
    space.write_text("dropout: [0.1]\n")
    args = ["--study", "later", "--studies-dir", str(tmp_path / "studies"), "--space", str(space), "--task", "spot"]
    result = invoke_tune(*args, league_index=league_index, cache=cache, runs=tmp_path / "runs")
    assert_one_error_line(result, fragment, "give a new --study")


def refuse_writes_under(monkeypatch, folder: Path) -> list[str]:
    """Opening anything under `folder` to write (a file, a lock, a link) fails as on a read-only mount, even for
    root (who runs the tests); returns the paths that were tried."""
    import builtins

    tried: list[str] = []
    real_open, real_os_open, real_symlink = builtins.open, os.open, os.symlink

    def inside(path) -> bool:
        return isinstance(path, str | os.PathLike) and folder in (Path(path), *Path(path).parents)

    def refuse(path) -> None:
        tried.append(str(path))
        raise PermissionError(13, "Permission denied", str(path))

    def guarded_open(file, mode="r", *args, **kwargs):
        if inside(file) and set(str(mode)) & set("wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def guarded_symlink(source, link, *args, **kwargs):
        if inside(link):
            refuse(link)
        return real_symlink(source, link, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    monkeypatch.setattr(os, "symlink", guarded_symlink)
    return tried


def test_tune_report_reads_a_journal_it_cannot_write(tmp_path, monkeypatch):
    """A report only reads: Optuna before 4.0 opened a journal file to append to it as it loaded it, so a report on
    a journal in a read-only folder (another user's, a read-only mount) failed; ballspot needs Optuna 4.0 or later,
    whose journal is opened to read unless it is to be created."""
    from ballspot.tune.objective import CONFIG_ATTR

    journal = tmp_path / "shared" / "study.log"
    study = open_study(parse_storage(f"journal:{journal}", tmp_path), "shared", "val_macro_f1")
    distributions = {"dropout": optuna.distributions.CategoricalDistribution([0.1, 0.3])}
    config = TrainConfig(index="/data/clips/index.parquet").to_dict()
    study.add_trial(optuna.trial.create_trial(params={"dropout": 0.1}, distributions=distributions, value=0.5,
                                              user_attrs={CONFIG_ATTR: config}))  # fmt: skip
    tried = refuse_writes_under(monkeypatch, journal.parent)
    args = ["tune", "report", "--storage", f"journal:{journal}", "--study", "shared", "--json"]
    result = runner.invoke(app, [*args, "--studies-dir", str(tmp_path / "studies")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["best"]["number"] == 0
    assert tried == []  # nothing under the journal's folder was opened to write
    with pytest.raises(PermissionError):  # while a write through Optuna is refused: the guard holds
        study.set_user_attr("note", "written")
    assert tried
