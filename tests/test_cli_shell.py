"""The CLI shell: version, help, light imports, entry points, the error boundary, default folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import typer
from platformdirs import PlatformDirs
from typer.testing import CliRunner

from ballspot import __version__, paths
from ballspot.cli.app import app
from ballspot.cli.base import command
from ballspot.errors import BallspotError
from tests.assertions import assert_one_error_line
from tests.videos import counter_frames, encode

REPO = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "timm", "pandas", "optuna", "sklearn", "matplotlib", "av", "SoccerNet", "huggingface_hub"}
"""Modules `ballspot --help` must not import: they take seconds to load."""

runner = CliRunner()


def run_python(code: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture(scope="module")
def short_game(tmp_path_factory) -> Path:
    """A 2 s video with two labelled events, Labels-ball.json beside it."""
    folder = tmp_path_factory.mktemp("short")
    encode(folder / "match.mp4", counter_frames(50), audio=False)
    annotations = [
        {"gameTime": "1 - 00:00", "label": "PASS", "position": "400"},
        {"gameTime": "1 - 00:01", "label": "DRIVE", "position": "1200"},
    ]
    (folder / "Labels-ball.json").write_text(json.dumps({"annotations": annotations}))
    return folder / "match.mp4"


# ---------------------------------------------------------------- version, help, entry points


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"ballspot {__version__}\n"


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("segment", "index", "download"):
        assert name in result.stdout
    bare = runner.invoke(app, [])
    assert bare.exit_code == 2 and "segment" in bare.stdout


def test_help_shows_the_bracketed_defaults():
    """Rich markup would swallow an unescaped `[default: ...]` in an option's help."""
    result = runner.invoke(app, ["segment", "--help"], env={"COLUMNS": "250"})
    assert "[default: Labels-ball.json beside the video]" in result.stdout
    assert "[default: <data folder>/clips]" in result.stdout
    result = runner.invoke(app, ["index", "--help"], env={"COLUMNS": "250"})
    assert "[default: <clips folder>/index.parquet]" in result.stdout
    assert "[default: $BALLSPOT_DATA_DIR or the platform's data folder]" in result.stdout


HELP_SCRIPT = """
import json, sys
from typer.main import get_command
from typer.testing import CliRunner
from ballspot.cli.app import app

def walk(cmd, prefix):
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield [*prefix, name]
        yield from walk(sub, [*prefix, name])

runner = CliRunner()
commands = [[], *walk(get_command(app), [])]
failed = []
for words in commands:
    result = runner.invoke(app, [*words, "--help"])
    if result.exit_code != 0:
        failed.append([words, result.output[-400:]])
print(json.dumps({"commands": commands, "failed": failed, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_help_of_every_command_imports_nothing_heavy():
    """`ballspot --help` (and each command's) must answer at once: torch, timm & co. load inside commands."""
    result = run_python(HELP_SCRIPT)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert ["segment"] in report["commands"] and ["index"] in report["commands"]
    assert report["failed"] == []
    assert sorted(HEAVY & set(report["modules"])) == []


def test_importing_the_app_imports_neither_torch_nor_timm():
    result = run_python("import ballspot.cli.app, sys; print('torch' in sys.modules, 'timm' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_python_dash_m_ballspot():
    result = run_python("", "-m", "ballspot", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ballspot {__version__}"


def test_console_script_is_declared_and_runs():
    (script,) = entry_points(group="console_scripts", name="ballspot")
    assert script.value == "ballspot.cli.app:main"
    executable = Path(sys.executable).parent / "ballspot"
    if not executable.is_file():
        pytest.skip("the ballspot script is not installed beside this interpreter")
    result = subprocess.run([str(executable), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"ballspot {__version__}"


# ---------------------------------------------------------------- the error boundary


def boundary_app() -> typer.Typer:
    """A throwaway app whose commands fail in each way the boundary knows."""
    test_app = typer.Typer()

    @command("expected", on=test_app)
    def expected() -> None:
        raise BallspotError("the clip folder is missing")

    @command("interrupted", on=test_app)
    def interrupted() -> None:
        raise KeyboardInterrupt

    @command("bug", on=test_app)
    def bug() -> None:
        raise ZeroDivisionError("a real bug")

    @command("ok", on=test_app)
    def ok(count: int = 1) -> None:
        typer.echo(f"result {count}")

    return test_app


def test_expected_failure_is_one_line_and_exit_1():
    result = runner.invoke(boundary_app(), ["expected"])
    assert_one_error_line(result, "error: the clip folder is missing")


def test_interrupt_exits_130_without_traceback():
    result = runner.invoke(boundary_app(), ["interrupted"])
    assert result.exit_code == 130
    assert result.stderr == "error: interrupted\n"


def test_a_bug_is_not_hidden():
    result = runner.invoke(boundary_app(), ["bug"])
    assert isinstance(result.exception, ZeroDivisionError)
    assert "error:" not in result.stderr


def test_usage_errors_exit_2():
    test_app = boundary_app()
    assert runner.invoke(test_app, ["ok", "--count", "x"]).exit_code == 2
    assert runner.invoke(test_app, ["ok", "--colour"]).exit_code == 2
    assert runner.invoke(test_app, ["ok", "--count", "3"]).stdout == "result 3\n"
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2
    assert runner.invoke(app, ["segment", "x.mp4", "--window", "abc"]).exit_code == 2
    assert runner.invoke(app, ["segment", "x.mp4", "--jobs", "1.5"]).exit_code == 2
    assert runner.invoke(app, ["segment"]).exit_code == 2


def test_usage_errors_are_one_line_naming_the_help():
    wrong_option = runner.invoke(app, ["train", "--epoch", "3"])
    assert wrong_option.exit_code == 2 and wrong_option.stdout == ""
    assert wrong_option.stderr.splitlines() == [wrong_option.stderr.strip()]
    assert wrong_option.stderr.startswith("error: No such option: --epoch") and "--epochs" in wrong_option.stderr
    assert wrong_option.stderr.strip().endswith("(see: ballspot train -h)")
    unknown_command = runner.invoke(app, ["frob"])
    assert unknown_command.exit_code == 2
    assert unknown_command.stderr == "error: No such command 'frob'. (see: ballspot -h)\n"
    no_arguments = runner.invoke(app, [])
    assert no_arguments.exit_code == 2 and "Usage: ballspot" in no_arguments.stdout and no_arguments.stderr == ""


def test_debug_shows_the_exception(monkeypatch):
    monkeypatch.setenv("BALLSPOT_DEBUG", "1")
    result = runner.invoke(boundary_app(), ["expected"])
    assert isinstance(result.exception, BallspotError)
    monkeypatch.setenv("BALLSPOT_DEBUG", "0")
    assert_one_error_line(runner.invoke(boundary_app(), ["expected"]))


def test_debug_traceback_in_a_real_process(tmp_path):
    missing = str(tmp_path / "missing.mp4")
    plain = run_python("", "-m", "ballspot", "segment", missing)
    assert plain.returncode == 1
    assert plain.stderr == f"error: video not found: {missing}\n" and plain.stdout == ""
    debug = run_python("", "-m", "ballspot", "segment", missing, env={"BALLSPOT_DEBUG": "1"})
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert f"BallspotError: video not found: {missing}" in debug.stderr


# ---------------------------------------------------------------- default folders


def test_default_folders_come_from_platformdirs(monkeypatch):
    for variable in ("BALLSPOT_DATA_DIR", "BALLSPOT_CACHE_DIR", "BALLSPOT_RUNS_DIR", "BALLSPOT_STUDIES_DIR"):
        monkeypatch.delenv(variable)
    platform = PlatformDirs("ballspot", appauthor=False)
    assert paths.data_dir() == Path(platform.user_data_dir)
    assert paths.cache_dir() == Path(platform.user_cache_dir)
    assert paths.runs_dir() == Path(platform.user_data_dir) / "runs"
    assert paths.studies_dir() == Path(platform.user_data_dir) / "studies"


def test_each_folder_has_its_environment_variable(monkeypatch, tmp_path):
    for variable, function in (
        ("BALLSPOT_DATA_DIR", paths.data_dir),
        ("BALLSPOT_CACHE_DIR", paths.cache_dir),
        ("BALLSPOT_RUNS_DIR", paths.runs_dir),
        ("BALLSPOT_STUDIES_DIR", paths.studies_dir),
    ):
        monkeypatch.setenv(variable, str(tmp_path / variable))
        assert function() == tmp_path / variable
    monkeypatch.setenv("BALLSPOT_CACHE_DIR", "~/frames")
    assert paths.cache_dir() == Path.home() / "frames"
    monkeypatch.setenv("BALLSPOT_CACHE_DIR", "")
    assert paths.cache_dir() == Path(PlatformDirs("ballspot", appauthor=False).user_cache_dir)


def test_runs_and_studies_follow_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("BALLSPOT_RUNS_DIR")
    monkeypatch.delenv("BALLSPOT_STUDIES_DIR")
    monkeypatch.setenv("BALLSPOT_DATA_DIR", str(tmp_path / "data"))
    assert paths.runs_dir() == tmp_path / "data" / "runs"
    assert paths.studies_dir() == tmp_path / "data" / "studies"


def test_segment_and_index_clips_folder_option_beats_variable_beats_default(monkeypatch, tmp_path, short_game):
    monkeypatch.setenv("BALLSPOT_DATA_DIR", str(tmp_path / "from_env"))
    by_env = runner.invoke(app, ["segment", str(short_game), "--no-clips"])
    assert by_env.exit_code == 0, by_env.output
    assert by_env.stdout == f"{tmp_path / 'from_env' / 'clips'}\n"
    assert (tmp_path / "from_env" / "clips" / "match" / "manifest.json").is_file()

    by_option = runner.invoke(app, ["segment", str(short_game), "--no-clips", "--data-dir", str(tmp_path / "opt")])
    assert by_option.stdout == f"{tmp_path / 'opt' / 'clips'}\n"
    by_out = runner.invoke(
        app,
        ["segment", str(short_game), "--no-clips", "--data-dir", str(tmp_path / "opt"), "--out", str(tmp_path / "o")],
    )
    assert by_out.stdout == f"{tmp_path / 'o'}\n"
    assert (tmp_path / "o" / "match" / "manifest.json").is_file()

    index = runner.invoke(app, ["index"])
    assert index.exit_code == 0, index.output
    assert index.stdout == f"{tmp_path / 'from_env' / 'clips' / 'index.parquet'}\n"
    index = runner.invoke(app, ["index", "--data-dir", str(tmp_path / "opt")])
    assert index.stdout == f"{tmp_path / 'opt' / 'clips' / 'index.parquet'}\n"


# ---------------------------------------------------------------- stdout holds results, stderr the rest


def test_results_on_stdout_logs_on_stderr(monkeypatch, tmp_path, short_game):
    monkeypatch.delenv("BALLSPOT_QUIET")
    out = tmp_path / "clips"
    result = runner.invoke(app, ["segment", str(short_game), "--no-clips", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n"
    assert "2 clips from 1 video(s)" in result.stderr
    result = runner.invoke(app, ["index", str(out)])
    assert result.stdout == f"{out / 'index.parquet'}\n"
    assert "PASS" in result.stderr and "BACKGROUND" in result.stderr


def test_json_prints_only_json(monkeypatch, tmp_path, short_game):
    monkeypatch.delenv("BALLSPOT_QUIET")
    out = tmp_path / "clips"
    result = runner.invoke(app, ["segment", str(short_game), "--no-clips", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["clips_dir"] == str(out)
    assert report["games"] == [
        {"game": "match", "split": "train", "half": 1, "clips": 2, "events": 2, "folder": str(out / "match")}
    ]
    assert result.stderr == ""
    result = runner.invoke(app, ["index", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == 2 and report["counts"]["train"]["DRIVE"] == 1
    assert result.stderr == ""
