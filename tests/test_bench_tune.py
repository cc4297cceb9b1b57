"""benchmarks/bench_tune.py: what it prints about a command's time, and a failed command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_tune import timed, timing  # noqa: E402


def test_a_command_s_time_is_wall_cpu_and_the_cores_kept_busy():
    assert timing(100.0, 150.0) == "wall 100 s (1 min 40 s), CPU 150 s (2 min 30 s) (1.50 cores busy on average)"
    assert timing(0.0, 0.0) == "wall 0 s (0 min 0 s), CPU 0 s (0 min 0 s)"


def test_a_failed_command_is_one_error_line():
    with pytest.raises(SystemExit) as stop:
        timed([sys.executable, "-c", "import sys; sys.exit(3)"], dict(os.environ))
    message = str(stop.value.code)
    assert message.startswith("error: ") and message.endswith("exited with 3") and "\n" not in message
