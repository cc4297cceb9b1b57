"""What users expect of a command line: -h, shell completion, choices in --help, stderr lines that survive
a pipe, help that says what a thing does; and evaluate's messages that lead somewhere."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from ballspot import console
from ballspot.classes import CLASSES_12
from ballspot.cli.app import app
from ballspot.metrics.chance import chance_games
from ballspot.metrics.game_events import Diagnostics
from ballspot.metrics.sources import load_games
from ballspot.soccernet.splits import OFFICIAL_SPLITS
from tests.assertions import assert_one_error_line, assert_usage_error
from tests.spotting_data import GAME, golden_events, golden_labels, prediction, predictions_document, write_tree

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def every_command() -> list[list[str]]:
    def walk(cmd, prefix):
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield [*prefix, name]
            yield from walk(sub, [*prefix, name])

    return [[], *walk(get_command(app), [])]


def test_dash_h_is_help_everywhere():
    for words in every_command():
        short, long = runner.invoke(app, [*words, "-h"]), runner.invoke(app, [*words, "--help"])
        assert short.exit_code == 0 and short.stdout == long.stdout, words


def test_help_says_what_not_whence():
    """Help describes behaviour ("cut from the event to the next one"), not history ("the seed's")."""
    for words in every_command():
        text = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "300"}).stdout.lower()
        assert "seed's" not in text and "the seed " not in text, words


def test_help_shows_no_type_beside_an_on_off_option():
    """A flag takes no value: `--json  Print ...`, not `--json <bool> Print ...` as if it wanted one."""
    for words in every_command():
        shown = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "300"}).stdout
        assert "<bool>" not in shown, words
    assert "<path>" in runner.invoke(app, ["evaluate", "--help"], env={"COLUMNS": "300"}).stdout  # values keep theirs


def test_help_shows_every_bracketed_text():
    """A "[default: ...]" or "pip install 'ballspot[onnx]'" written into a help text is shown, not eaten as Rich
    markup (needs a backslash)."""
    for words in every_command():
        command = get_command(app)
        for word in words:
            command = command.commands[word]
        shown = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "300"}).stdout
        shown = " ".join(shown.replace("│", " ").split())
        texts = [("", command.help), *((param.name, getattr(param, "help", None)) for param in command.params)]
        for name, text in texts:
            for bracketed in re.findall(r"\[[^][]*\]", text or ""):
                assert bracketed in shown, (words, name, bracketed)


def test_help_paragraphs_wrap_to_the_terminal_not_to_the_source():
    """A docstring's line breaks would show as lines cut short mid-sentence on a terminal narrower than the source."""
    for words in every_command():
        command = get_command(app)
        for word in words:
            command = command.commands[word]
        for paragraph in (command.help or "").split("\n\n"):
            assert "\n" not in paragraph, (words, paragraph)


def test_the_docs_a_source_file_points_at_exist():
    """A docstring or comment saying "see docs/x.md" sends a reader to that page: it must be in the repository."""
    named = {
        (path.relative_to(REPO).as_posix(), page)
        for path in (REPO / "src").rglob("*")
        if path.suffix in (".py", ".yaml")
        for page in re.findall(r"docs/[\w/.-]+?\.md", path.read_text(encoding="utf-8"))
    }
    assert named, "no source file names a docs page: the pattern is wrong"
    assert [(source, page) for source, page in sorted(named) if not (REPO / page).is_file()] == []


def test_shell_completion_is_offered_and_shown():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
    # run under bash, as a user would: the shell is found among the parent processes, and a pytest
    # started without any shell above it would otherwise find none
    shown = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m ballspot --show-completion; exit $?'],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "SHELL": "/bin/bash"},
        timeout=60,
    )
    assert shown.returncode == 0 and "_BALLSPOT_COMPLETE=complete_bash" in shown.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["predict", "x.mp4", "--device", "tpu"], ["--device", "'tpu'"]),
        (["train", "--task", "dance"], ["--task", "'dance'"]),
        (["train", "--epochs", "0"], ["--epochs"]),
        (["evaluate", "--classes", "3"], ["--classes", "'3'"]),
        (["segment", "x.mp4", "--classes", "5"], ["--classes", "'5' is not one of '12', '2'"]),
        (["index", "--classes", "7"], ["--classes", "'7'"]),
        (["tune", "--pruner", "early"], ["--pruner", "'early'"]),
        (["quickstart", "--games", "1"], ["--games"]),
    ],
)
def test_choices_and_ranges_are_usage_errors(args, fragments):
    assert_usage_error(runner.invoke(app, args), *fragments)


def test_choices_and_ranges_show_in_help():
    text = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "300"}).stdout
    assert "auto|cpu|cuda" in text and "classify|spot" in text and "1<=x<=10000" in text
    text = runner.invoke(app, ["tune", "--help"], env={"COLUMNS": "300"}).stdout
    assert "tpe|random" in text and "add" in text and "not a total" in text
    assert "dense runs do not write the validation metrics tune reads" in text  # dense is a choice tune refuses


def test_the_tune_report_keeps_each_trials_state_and_value_whole_at_80_columns(monkeypatch):
    """Many tuned options squeeze the table: their cells may fold, not "compl / ete" or a score cut in two."""
    from rich.console import Console

    from ballspot.tune.report import print_report

    shown = Console(width=80, record=True, file=io.StringIO(), highlight=False, markup=False)
    monkeypatch.setattr(console, "err", shown)
    params = {"lr": 0.000312, "weight_decay": 0.0123, "label_smoothing": 0.05, "mixup": 0.2, "frames": 16,
              "stride": 2, "backbone": "tf_efficientnetv2_b0", "dropout": 0.25}  # fmt: skip
    states = ["complete", "pruned", "fail", "running"]
    rows = [
        {"number": i, "state": s, "value": 0.3123 if s == "complete" else None, "params": params}
        for i, s in enumerate(states)
    ]
    print_report({"study": "s", "metric": "mAP@1", "direction": "maximize", "trials": rows,
                  "best": {"number": 0, "value": 0.3123}, "importances": {}, "importances_note": None,
                  "dashboard": "optuna-dashboard sqlite:///tune.db"})  # fmt: skip
    lines = shown.export_text().splitlines()
    assert max(map(len, lines)) <= 80
    for number, state in enumerate(states):
        row = next(line for line in lines if line.startswith(f"│ {number} "))
        assert f" {state} " in row and (state != "complete" or " 0.3123 " in row), row


@pytest.mark.parametrize(
    ("words", "option", "shown", "outside"),
    [
        (["segment", "x.mp4"], "--window", "(0.2 to 60)", "61"),
        (["segment", "x.mp4"], "--background", "(0 to 10)", "11"),
        (["segment", "x.mp4"], "--background-gap", "at least 0", "-1"),
        (["segment", "x.mp4"], "--jobs", "1 to 64", "0"),
        (["train"], "--crop", "(0.1 to 1)", "0.05"),
        (["train"], "--lr", "above 0 and at most 1", "2"),
        (["train"], "--dropout", "at least 0 and below 1", "1"),
        (["train"], "--gamma", "0 to 10", "11"),
        (["train"], "--weight-decay", "0 to 1", "2"),
        (["train"], "--warmup-epochs", "at least 0", "-1"),
        (["predict", "x.mp4"], "--threshold", "0 to 1", "2"),
        (["predict", "x.mp4"], "--event-threshold", "0 to 1", "2"),
        (["predict", "x.mp4"], "--smooth", "0 to 10 seconds", "11"),
        (["predict", "x.mp4"], "--nms-window", "above 0 and at most 60 seconds", "0"),
    ],
)
def test_ranges_the_command_checks_itself_show_in_help(words, option, shown, outside):
    """Ranges checked with the rest of the configuration (a one-line error, exit 1) rather than by Typer are
    written into the option's help, so --help says what is accepted."""
    text = runner.invoke(app, [words[0], "--help"], env={"COLUMNS": "300"}).stdout
    row = next(line for line in text.splitlines() if re.search(rf"│ {option}\b(?!-)", line))
    assert shown in row, row
    result = runner.invoke(app, [*words, option, outside])
    assert result.exit_code == 1 and result.stderr.startswith("error: "), result.output


def test_long_stderr_lines_are_not_wrapped_when_piped(capsys, monkeypatch):
    """A command printed for copying (`ballspot evaluate --predictions ...`) must arrive on one line."""
    monkeypatch.delenv("BALLSPOT_QUIET")
    line = "ballspot evaluate --predictions '" + "/very/long/path" * 20 + "' --labels '/x' --split test"
    console.log(line)
    console.warn(line)
    err = capsys.readouterr().err.splitlines()
    assert err == [line, f"warning: {line}"]


def test_brackets_in_names_are_printed_as_they_are(tmp_path, capsys, monkeypatch):
    """`match [final].mp4` keeps its brackets in log lines and warnings, and `[/b]` in a folder name is no crash
    (Rich would read both as markup)."""
    monkeypatch.delenv("BALLSPOT_QUIET")
    console.log("cut a[/b]/match [final].mp4")
    console.warn('no splits.json: {"train": [game ids]}')
    console.out.print("[red]x[/red]")
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "cut a[/b]/match [final].mp4",
        'warning: no splits.json: {"train": [game ids]}',
    ]
    assert captured.out == "[red]x[/red]\n"


def test_a_result_path_is_one_line_even_with_a_newline_in_it(tmp_path, capsys):
    """Scripts read one path a line from stdout: a newline in a folder name is written as \\n there."""
    console.result_line(Path("/data/odd\nname\r.csv"))
    assert capsys.readouterr().out == "/data/odd\\nname\\r.csv\n"
    out = tmp_path / "odd\nleague"
    result = runner.invoke(app, ["download", "synthetic", "--games", "1", "--minutes", "0.05", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == str(out).replace("\n", "\\n") + "\n"


# ---------------------------------------------------------------- evaluate's messages


@pytest.fixture()
def two_game_league(tmp_path) -> Path:
    """Labels of two games (one train, one test, splits.json) and exact predictions for the test game only."""
    other = GAME.rsplit("/", 1)[0] + "/2000-01-01 - Other - Game"
    write_tree(tmp_path / "labels", {GAME: golden_labels(), other: golden_labels()}, "Labels-ball.json")
    (tmp_path / "labels" / "splits.json").write_text(json.dumps({"train": [other], "test": [GAME]}))
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events()]
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact)}, "results_spotting.json")
    return tmp_path


def evaluate(root: Path, *args: str):
    return runner.invoke(
        app, ["evaluate", "--predictions", str(root / "predictions"), "--labels", str(root / "labels"), *args]
    )


def test_missing_predictions_suggest_the_split_option_that_fixes_it(two_game_league):
    result = evaluate(two_game_league, "--bootstrap", "0")
    assert result.exit_code == 1
    assert "1 of 2 labelled game(s) have no results_spotting.json" in result.stderr
    assert "add `--split test`" in result.stderr
    assert evaluate(two_game_league, "--bootstrap", "0", "--split", "test").exit_code == 0


def test_a_split_game_without_labels_is_named_not_left_out_without_a_word(two_game_league):
    """A game splits.json lists in the split (a typo, a game not downloaded) has no labels: the score is not the
    whole split's, which the warning says."""
    splits = two_game_league / "labels" / "splits.json"
    listed = json.loads(splits.read_text())
    splits.write_text(json.dumps({**listed, "test": [*listed["test"], "l/s/2000-01-02 - Typo - Game"]}))
    result = evaluate(two_game_league, "--bootstrap", "0", "--split", "test")
    assert result.exit_code == 0, result.output
    assert "warning: 1 of 2 game(s) of split 'test' in splits.json have no Labels-ball.json under " in result.stderr
    assert "not scored, first: 'l/s/2000-01-02 - Typo - Game'" in result.stderr


def test_predictions_of_another_split_are_not_said_to_lack_labels(two_game_league):
    other = GAME.rsplit("/", 1)[0] + "/2000-01-01 - Other - Game"
    write_tree(two_game_league / "predictions", {other: predictions_document([])}, "results_spotting.json")
    result = evaluate(two_game_league, "--bootstrap", "0", "--split", "test")
    assert result.exit_code == 0, result.output
    assert "predictions but no labels" not in result.stderr


def test_split_of_a_soccernet_root_without_splits_json_follows_the_official_lists(tmp_path):
    """A SoccerNet download holds no splits.json: `--split test` scores its official test games, as predict's does."""
    test_games, train_game = OFFICIAL_SPLITS["test"], OFFICIAL_SPLITS["train"][0]
    labels = {game: golden_labels() for game in (*test_games, train_game)}
    write_tree(tmp_path / "labels", labels, "Labels-ball.json")
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events()]
    write_tree(
        tmp_path / "predictions", dict.fromkeys(test_games, predictions_document(exact)), "results_spotting.json"
    )
    result = evaluate(tmp_path, "--bootstrap", "0")
    assert result.exit_code == 1 and "one split of SoccerNet's official lists, add `--split test`" in result.stderr
    result = evaluate(tmp_path, "--bootstrap", "0", "--split", "test", "--json")
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["games"]) == sorted(test_games)


def test_not_shown_reads_n_a_when_no_label_is_not_shown(two_game_league):
    result = evaluate(two_game_league, "--bootstrap", "0", "--split", "test")
    assert result.exit_code == 0, result.output
    assert "not shown: n/a" in result.stdout and "0.0000" not in result.stdout.split("not shown:")[1].split("\n")[0]


def test_the_interval_line_counts_what_it_resampled(two_game_league):
    result = evaluate(two_game_league, "--bootstrap", "50", "--split", "test")
    assert result.exit_code == 0, result.output
    assert re.search(r"resampling 60 s blocks of game time \(\d+ blocks?\), seed 0", result.stdout), result.stdout


def test_evaluate_offers_a_chance_baseline(two_game_league):
    result = evaluate(two_game_league, "--bootstrap", "0", "--split", "test", "--json")
    report = json.loads(result.stdout)
    assert report["mAP"] == 1.0 and 0 <= report["chance"]["mAP"] < 0.5
    assert report["chance"]["draws"] >= 1
    text = evaluate(two_game_league, "--bootstrap", "0", "--split", "test").stdout
    assert "chance: " in text and "random predictions at the same density" in text
    quiet = evaluate(two_game_league, "--bootstrap", "0", "--split", "test", "--json", "--no-chance")
    assert "chance" not in json.loads(quiet.stdout)


def test_chance_games_keep_labels_and_density_and_move_predictions(two_game_league):
    games = load_games(
        two_game_league / "labels", two_game_league / "predictions", CLASSES_12, Diagnostics(), only_games=[GAME]
    )
    (game,) = games
    (first,) = chance_games(games, seed=1)
    (again,) = chance_games(games, seed=1)
    assert (first.pred_ms == again.pred_ms).all() and (first.pred_ms != game.pred_ms).any()
    assert (first.gt_ms == game.gt_ms).all() and (first.pred_class == game.pred_class).all()
    assert (first.pred_half == game.pred_half).all()
    assert first.pred_ms.max() <= max(game.pred_ms.max(), game.gt_ms.max()) and first.pred_ms.min() >= 0
    assert ((first.pred_team >= 0) == (game.pred_team >= 0)).all()


def test_chance_moves_an_event_written_for_both_sides_as_one():
    import numpy as np

    from ballspot.metrics.game_events import GameEvents

    ms = np.array([1000, 1000, 5000, 9000])
    game = GameEvents(
        game_id="g",
        gt_class=np.array([0]), gt_ms=np.array([1000]), gt_half=np.array([1]), gt_team=np.array([0], np.int8),
        gt_value=np.array([1], np.int8),
        pred_class=np.array([0, 0, 0, 1]), pred_ms=ms, pred_half=np.ones(4, np.int64),
        pred_team=np.array([1, 0, 0, -1], np.int8), pred_score=np.array([0.2, 0.8, 0.5, 0.4]),
    )  # fmt: skip
    moved = [chance_games([game], seed=s)[0] for s in range(8)]
    for m in moved:
        assert m.pred_ms[0] == m.pred_ms[1] and m.pred_team[0] != m.pred_team[1] and m.pred_team[3] == -1
    assert len({int(m.pred_ms[0]) for m in moved}) > 1 and {int(m.pred_team[2]) for m in moved} == {0, 1}
    assert game.pred_ms.tolist() == [1000, 1000, 5000, 9000]  # the input is left as it was


def test_chance_draws_only_as_many_predictions_as_the_metric_scores():
    """Predictions with a confidence below 0 are ignored by the metric; random ones in their place would be
    scored, and make the chance baseline denser than the model."""
    import numpy as np

    from ballspot.metrics.game_events import GameEvents

    def game(scores):
        n = len(scores)
        return GameEvents(
            game_id="g",
            gt_class=np.array([0]), gt_ms=np.array([9000]), gt_half=np.array([1]), gt_team=np.array([0], np.int8),
            gt_value=np.array([1], np.int8),
            pred_class=np.zeros(n, np.int64), pred_ms=np.arange(n) * 1000, pred_half=np.ones(n, np.int64),
            pred_team=np.full(n, -1, np.int8), pred_score=np.array(scores, np.float64),
        )  # fmt: skip

    (drawn,) = chance_games([game([0.9, -1.0, 0.4, -0.5, -2.0])], seed=3)
    (alone,) = chance_games([game([0.9, 0.4])], seed=3)
    assert len(drawn.pred_ms) == 2 and (drawn.pred_score >= 0).all()
    assert drawn.pred_ms.tolist() == alone.pred_ms.tolist()


def test_the_chance_baseline_writes_an_undefined_team_map_as_null_not_nan(tmp_path):
    """A class without events leaves the Team mAP undefined; the chance baseline's must be JSON's null, as the
    model's is, not `NaN`, which strict JSON readers refuse."""
    write_tree(tmp_path / "labels", {GAME: golden_labels(drop={11})}, "Labels-ball.json")
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events() if i != 11]
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact)}, "results_spotting.json")
    result = evaluate(tmp_path, "--bootstrap", "0", "--json")
    assert result.exit_code == 0, result.output

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    report = json.loads(result.stdout, parse_constant=refuse)
    assert report["team_mAP"] is None and report["chance"]["team_mAP"] is None


def test_predictions_spelled_with_composed_accents_score_labels_spelled_decomposed(tmp_path):
    """Predictions written under NFC folder names (`é` one character) and labels under NFD ones (as macOS
    stores them): the game is the same, it is scored, not "missing"; with --split too."""
    import unicodedata

    name = "ligue ñ/2099-2100/2099-08-01 - Atlético - Réal"
    nfc, nfd = (unicodedata.normalize(form, name) for form in ("NFC", "NFD"))
    assert nfc != nfd
    write_tree(tmp_path / "labels", {nfd: golden_labels()}, "Labels-ball.json")
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events()]
    write_tree(tmp_path / "predictions", {nfc: predictions_document(exact)}, "results_spotting.json")
    result = evaluate(tmp_path, "--bootstrap", "0", "--json", "--no-chance")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["mAP"] == 1.0 and list(report["games"]) == [nfd]
    assert "no labels" not in result.stderr
    (tmp_path / "labels" / "splits.json").write_text(json.dumps({"test": [nfc]}))
    result = evaluate(tmp_path, "--bootstrap", "0", "--json", "--no-chance", "--split", "test")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mAP"] == 1.0 and "warning" not in result.stderr


@pytest.mark.parametrize(
    ("layout", "hint"),
    [
        ("deeper", "its games are under extra: give --predictions "),
        ("elsewhere", "1 of them are predicted at another path (first: other/"),
        ("one game", "--labels holds one game: give its own predictions (--predictions "),
    ],
)
def test_missing_predictions_hint_finds_games_spelled_with_other_accents(tmp_path, layout, hint):
    """Labels under decomposed accents (NFD, as macOS stores names), predictions under composed ones (NFC) at
    another path: the hint that says where they are names them all the same."""
    import unicodedata

    name = "ligue ñ/2099-2100/2099-08-01 - Atlético - Réal"
    nfc, nfd = (unicodedata.normalize(form, name) for form in ("NFC", "NFD"))
    write_tree(tmp_path / "labels", {nfd: golden_labels()}, "Labels-ball.json")
    where = {"deeper": f"extra/{nfc}", "elsewhere": "other/" + nfc.split("/", 1)[1], "one game": nfc}[layout]
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events()]
    write_tree(tmp_path / "predictions", {where: predictions_document(exact)}, "results_spotting.json")
    labels = tmp_path / "labels" / nfd if layout == "one game" else tmp_path / "labels"
    result = runner.invoke(
        app, ["evaluate", "--predictions", str(tmp_path / "predictions"), "--labels", str(labels), "--bootstrap", "0"]
    )
    assert_one_error_line(result, hint)


def test_an_undefined_team_map_reads_n_a_on_screen_with_the_class_it_comes_from(tmp_path):
    """A class without events leaves the Team mAP (and that class's team AP) undefined: the screen says n/a
    and which class, not `nan`; --json keeps null."""
    write_tree(tmp_path / "labels", {GAME: golden_labels(drop={11})}, "Labels-ball.json")
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events() if i != 11]
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact)}, "results_spotting.json")
    result = runner.invoke(
        app,
        ["evaluate", "--predictions", str(tmp_path / "predictions"), "--labels", str(tmp_path / "labels"),
         "--bootstrap", "20"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "nan" not in result.stdout.lower(), result.stdout
    team_line = next(line for line in result.stdout.splitlines() if line.startswith("Team mAP@1:"))
    assert team_line.startswith("Team mAP@1: n/a") and CLASSES_12[11] in team_line, team_line
    goal_row = next(line for line in result.stdout.splitlines() if CLASSES_12[11] in line and "│" in line)
    assert goal_row.rstrip(" │").endswith("n/a"), goal_row
    assert json.loads(evaluate(tmp_path, "--bootstrap", "0", "--json").stdout)["team_mAP"] is None


def test_a_labels_game_time_without_its_half_is_named_in_a_warning(tmp_path):
    """SoccerNet writes `"1 - 12:34"`; a `gameTime` of `"12:34"` is read as the official evaluator reads it
    (the half is its first character: 1 here), and a warning names the file and the value, as the user may
    have meant another half."""
    labels = golden_labels()
    labels["annotations"][0]["gameTime"] = "12:34"  # its position is in half 1 either way
    write_tree(tmp_path / "labels", {GAME: labels}, "Labels-ball.json")
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events()]
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact)}, "results_spotting.json")
    result = evaluate(tmp_path, "--bootstrap", "0", "--json", "--no-chance")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["mAP"] == 1.0
    (warning,) = [w for w in report["warnings"] if "gameTime" in w]
    assert "1 labelled event(s)" in warning and "'12:34'" in warning and "half 1" in warning
    assert str(tmp_path / "labels" / GAME / "Labels-ball.json") in warning
    assert "gameTime" in " ".join(result.stderr.split())
    write_tree(tmp_path / "labels", {GAME: golden_labels()}, "Labels-ball.json")  # "1 - 00:05": no warning
    assert "gameTime" not in evaluate(tmp_path, "--bootstrap", "0", "--no-chance").stderr


def test_help_lists_the_commands_in_the_order_of_the_work():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    order = ["quickstart", "download", "segment", "index", "train", "tune", "evaluate", "predict", "export", "app"]
    listed = [m.group(1) for m in re.finditer(r"^│ (\w+) ", result.stdout, re.MULTILINE) if m.group(1) in order]
    assert listed == order


@pytest.mark.parametrize(
    ("absent", "message"),
    [
        ({"streamlit"}, "error: the app needs streamlit, which is not installed: pip install 'ballspot[app]'"),
        ({"streamlit", "plotly"}, "error: the app needs streamlit and plotly, which are not installed: pip install"),
    ],
)
def test_the_app_names_its_missing_packages_in_one_line(monkeypatch, absent, message):
    """Without the app's extra (or part of it), `ballspot app` says which packages to install, in plain English."""
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in absent else found(name, *a))
    result = runner.invoke(app, ["app"])
    assert_one_error_line(result)
    assert result.stderr.startswith(message), result.stderr
