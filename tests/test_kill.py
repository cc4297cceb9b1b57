"""kill -9 in the middle of train, tune, download synthetic and predict: what survives is whole (no `.part`
file after a rerun, no half-made output), the job resumes, and no ffmpeg child outlives its parent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballspot.cli.app import app
from tests import test_train
from tests.terminal import ctrl_c_default
from tests.test_faults import _running, wait_until
from tests.test_train import TINY_ARGS

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    """test_train's tiny two-game league, segmented and indexed."""
    return test_train.index_path.__wrapped__(tmp_path_factory)


def start(*args: str) -> subprocess.Popen:
    """`ballspot ARGS` in a child process (its own process group, so nothing escapes the test)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "ballspot", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


def children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def parts(folder: Path) -> list[Path]:
    return list(folder.rglob("*.part"))


def download_until_encoding(out: Path) -> tuple[subprocess.Popen, list[int]]:
    """`download synthetic` started and caught while a `.part` video is being written, with the ffmpeg
    children seen at that moment."""
    job = start("download", "synthetic", "--games", "2", "--minutes", "0.3", "--out", str(out), "-q")
    ffmpeg: list[int] = []

    def encoding() -> bool:
        ffmpeg[:] = children(job.pid) if parts(out) else []
        return bool(ffmpeg)

    assert wait_until(lambda: encoding() or job.poll() is not None, 600)
    assert job.poll() is None, job.stderr.read().decode() if job.stderr else ""
    return job, ffmpeg


def test_download_synthetic_killed_mid_video(tmp_path):
    out = tmp_path / "league"
    job, ffmpeg = download_until_encoding(out)
    kill(job)
    assert ffmpeg and wait_until(lambda: not any(_running(pid) for pid in ffmpeg))
    assert not list(out.rglob("224p.mp4")) or all(p.stat().st_size for p in out.rglob("224p.mp4"))
    rerun = runner.invoke(app, ["download", "synthetic", "--games", "2", "--minutes", "0.3", "--out", str(out), "-q"])
    assert rerun.exit_code == 0, rerun.output
    assert parts(out) == []
    assert len(list(out.rglob("224p.mp4"))) == 2 and len(list(out.rglob("Labels-ball.json"))) == 2


def test_download_synthetic_terminated_mid_video_cleans_up_and_says_so(tmp_path):
    """SIGTERM (kill, a scheduler) runs the clean-up Ctrl-C runs: no `.part` file left, no ffmpeg child."""
    out = tmp_path / "league"
    job, ffmpeg = download_until_encoding(out)
    job.send_signal(signal.SIGTERM)
    assert job.wait(timeout=60) == 128 + signal.SIGTERM
    assert job.stderr.read().decode().splitlines()[-1] == "error: terminated"
    assert parts(out) == [] and wait_until(lambda: not any(_running(pid) for pid in ffmpeg))
    assert all(any(folder.iterdir()) for folder in out.rglob("*") if folder.is_dir())  # no empty folder


def test_train_killed_after_an_epoch_resumes(index, tmp_path):
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    args = ["train", "--index", str(index), *TINY_ARGS, "--epochs", "3", "--name", "killed", "-q"]
    folders = ["--runs-dir", str(runs), "--cache-dir", str(cache)]
    last = runs / "killed" / "weights" / "last.pt"
    job = start(*args, *folders)
    assert wait_until(lambda: last.is_file() or job.poll() is not None, 600)
    assert job.poll() is None, job.stderr.read().decode() if job.stderr else ""
    kill(job)
    resumed = runner.invoke(app, ["train", "--index", str(index), "--name", "killed", "--resume", "-q", *folders])
    assert resumed.exit_code == 0, resumed.output
    assert parts(runs) == []
    rows = (runs / "killed" / "metrics.csv").read_text().strip().splitlines()
    assert [int(r.split(",")[0]) for r in rows[1:]] == [1, 2, 3]  # each epoch once, none lost or repeated


def test_tune_killed_mid_trial_fails_that_trial_and_goes_on(index, tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text("lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}\n")
    journal = tmp_path / "study.log"
    common = ["--index", str(index), *TINY_ARGS, "--epochs", "2", "--space", str(space), "--storage",
              f"journal:{journal}", "--study", "killed", "--runs-dir", str(tmp_path / "runs"), "--cache-dir",
              str(tmp_path / "cache"), "--studies-dir", str(tmp_path / "studies"), "-q"]  # fmt: skip
    job = start("tune", "--trials", "3", *common)
    trial = tmp_path / "runs" / "killed" / "trial-0" / "weights" / "last.pt"
    assert wait_until(lambda: trial.is_file() or job.poll() is not None, 600)
    assert job.poll() is None, job.stderr.read().decode() if job.stderr else ""
    kill(job)
    result = runner.invoke(app, ["tune", "--trials", "1", *common, "--json"])
    assert result.exit_code == 0, result.output
    states = [t["state"] for t in json.loads(result.stdout)["trials"]]
    assert states == ["fail", "complete"]


def test_predict_killed_leaves_no_results_and_no_ffmpeg(index, tmp_path):
    from tests.videos import counter_frames, encode

    runs = tmp_path / "runs"
    args = ["train", "--index", str(index), *TINY_ARGS, "--task", "spot", "--epochs", "1", "--name", "tiny"]
    trained = runner.invoke(app, [*args, "--runs-dir", str(runs), "--cache-dir", str(tmp_path / "c"), "-q"])
    assert trained.exit_code == 0, trained.output
    video = encode(tmp_path / "long.mp4", counter_frames(1500, 112, 200), audio=False)  # 1 minute
    out = tmp_path / "out"
    job = start("predict", str(video), "--model", str(runs / "tiny" / "weights" / "best.pt"), "--out", str(out),
                "--device", "cpu", "-q")  # fmt: skip
    assert wait_until(lambda: bool(children(job.pid)) or job.poll() is not None, 600)
    assert job.poll() is None, job.stderr.read().decode() if job.stderr else ""
    ffmpeg = children(job.pid)
    kill(job)
    assert wait_until(lambda: not any(_running(pid) for pid in ffmpeg))
    assert not list(out.rglob("*.json"))


def test_sigterm_in_a_forked_child_still_ends_it_at_once():
    """Only the command's own process turns SIGTERM into a clean exit; a forked child (a DataLoader worker,
    which a dying loader terminates) is ended by the signal as before."""
    import time

    from ballspot.cli.base import _terminate_like_ctrl_c

    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    with _terminate_like_ctrl_c():
        assert callable(signal.getsignal(signal.SIGTERM))  # the command's handler is in place
        pid = os.fork()
        if pid == 0:  # the child: wait to be terminated
            time.sleep(60)
            os._exit(0)
        time.sleep(0.2)
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


STOP_SCRIPT = """
import os, signal, sys
import typer
from ballspot.cli.base import error_boundary, process_ends_with_command

process_ends_with_command()  # as `ballspot` does: later stops are ignored on the way out

signum = int(sys.argv[1])
cleaned = []

@error_boundary
def command():
    try:
        os.kill(os.getpid(), signum)  # raised here ...
    except BaseException:
        pass  # ... and swallowed, as Python does inside a fork or finaliser callback ("Exception ignored")
    try:
        os.kill(os.getpid(), signum)  # the next one still stops the command
        print("not stopped", flush=True)
    finally:
        os.kill(os.getpid(), signum)  # one more while it cleans up: ignored
        cleaned.append(True)

try:
    command()
except typer.Exit as stop:
    print(f"exit {stop.exit_code}, cleaned {cleaned}", flush=True)
    os.kill(os.getpid(), signum)  # and on the way out of Python: ignored too
"""


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"])
def test_a_swallowed_stop_leaves_the_next_one_working_and_the_clean_up_still_finishes(signum, code):
    """After a first Ctrl-C or SIGTERM, later ones are ignored while its clean-up runs and Python exits; but a
    first one Python swallowed did not stop anything, so the next one must (ignoring every later one made
    such a command unstoppable)."""
    done = subprocess.run(
        [sys.executable, "-c", STOP_SCRIPT, str(int(signum))], capture_output=True, text=True, preexec_fn=ctrl_c_default
    )
    assert done.returncode == 0 and done.stdout == f"exit {code}, cleaned [True]\n", done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_a_stop_python_swallowed_is_not_printed_as_a_traceback():
    """Python prints an exception raised where it cannot propagate ("Exception ignored in: ...", a traceback);
    a Ctrl-C swallowed so is the user's own key press, and the next one stops the command: nothing to print.
    Other such errors are still printed."""
    script = """
import gc, os, signal, sys
from ballspot.cli.base import error_boundary

class Finalised:
    def __init__(self, error):
        self.error = error
    def __del__(self):
        raise self.error

@error_boundary
def command():
    Finalised(KeyboardInterrupt())  # dropped at once: its finaliser's exception cannot propagate
    Finalised(ValueError("a real fault"))
    gc.collect()
    print("ran on", flush=True)

command()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "ran on\n", done.stderr
    assert "KeyboardInterrupt" not in done.stderr and "ValueError: a real fault" in done.stderr, done.stderr


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"])
def test_a_stop_while_a_child_starts_is_raised_once_it_has(signum, code):
    """Starting ffmpeg runs Python's fork handlers, where a raised Ctrl-C is swallowed: inside
    `stops.held()` (as `start_tied` starts every child) the stop waits for the block's end, then stops."""
    script = """
import os, sys
import typer
from ballspot import stops
from ballspot.cli.base import error_boundary
from ballspot.video.ffmpeg_bin import ffmpeg_exe, start_tied

@error_boundary
def command():
    with stops.held():
        os.kill(os.getpid(), int(sys.argv[1]))
        print("held", flush=True)
    print("not stopped", flush=True)

try:
    command()
except typer.Exit as stop:
    print(f"exit {stop.exit_code}", flush=True)
child = start_tied([ffmpeg_exe(), "-version"], stdout=-3)
print(f"child {child.wait()}", flush=True)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(int(signum))], capture_output=True, text=True, preexec_fn=ctrl_c_default
    )
    assert done.stdout == f"held\nexit {code}\nchild 0\n", done.stdout + done.stderr


def test_a_command_stopped_in_this_process_leaves_its_signal_handlers_as_they_were():
    """Called from Python (a test, a notebook), a stopped command must not leave Ctrl-C and SIGTERM ignored for
    the rest of the process (children started afterwards would inherit it); only the `ballspot` process, which
    ends with its command, ignores them on its way out."""
    import typer

    from ballspot.cli.base import error_boundary

    @error_boundary
    def command(stop: BaseException) -> None:
        raise stop

    from ballspot.cli.base import Terminated

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    for stop in (KeyboardInterrupt(), Terminated()):
        with pytest.raises(typer.Exit):
            command(stop)
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
