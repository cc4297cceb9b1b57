"""benchmarks/bench_backends.py: each backend's row runs in a child process bounded by --limit."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_backends import report, run_bounded  # noqa: E402


def gone(pid: int) -> bool:
    """Whether process `pid` has exited (a zombie waiting for its reaper counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_a_backend_past_the_limit_is_a_row_that_did_not_finish_and_leaves_no_process(tmp_path):
    """A fake slow backend (a shell that starts a helper process, then sleeps) with a tiny limit."""
    pid_file = tmp_path / "helper.pid"
    slow = ["sh", "-c", f"sleep 600 & echo $! > {pid_file}; sleep 600"]
    row = run_bounded(slow, tmp_path / "row.json", tmp_path / "row.log", limit_s=2.0)
    assert row == {"did_not_finish_s": 2.0}
    helper = int(pid_file.read_text())
    for _ in range(100):  # SIGKILL is delivered at once; the kernel may take a moment to tear the process down
        if gone(helper):
            break
        time.sleep(0.1)
    assert gone(helper), "the backend's helper process was left running"


def test_a_backend_that_finishes_gives_its_row_and_one_that_fails_its_last_line(tmp_path):
    result = tmp_path / "row.json"
    write = f"import json; json.dump({{'fps': 12.5}}, open({str(result)!r}, 'w'))"
    assert run_bounded([sys.executable, "-c", write], result, tmp_path / "row.log", limit_s=600) == {"fps": 12.5}
    result.unlink()
    crash = [sys.executable, "-c", "import sys; print('loading'); sys.exit('no compiler here')"]
    row = run_bounded(crash, result, tmp_path / "row.log", limit_s=600)
    assert row == {"error": "exited with 1: no compiler here"}


def test_the_table_says_which_backend_did_not_finish(capsys):
    results = {
        "device": "cpu",
        "threads": 1,
        "batch_size": 8,
        "model": {"backbone": "x"},
        "load_average_before": 1.0,
        "load_average_after": 1.0,
        "backends": {"torch.compile": {"did_not_finish_s": 2.0}},
    }
    report(json.loads(json.dumps(results)))
    assert "| torch.compile | did not finish in 2 s (--limit) | | | | | |" in capsys.readouterr().out.splitlines()
