"""The benchmarks' shared helpers (benchmarks/bench_common.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_common import non_negative_float, non_negative_int, positive_float, positive_int, require_device  # noqa: E402


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1"])
def test_require_device_refuses_any_cuda_device_without_a_gpu(device, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit) as stop:
        require_device(device)
    message = str(stop.value.code)
    assert message.startswith(f"error: --device {device}:") and "\n" not in message


def test_require_device_accepts_the_cpu():
    require_device("cpu")


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (positive_int, "0", "must be at least 1, got 0"),
        (positive_int, "x", "must be a whole number, got 'x'"),
        (non_negative_int, "-1", "must be 0 or more, got -1"),
        (positive_float, "0", "must be a number above 0, got 0"),
        (positive_float, "nan", "must be a number above 0, got nan"),
        (positive_float, "inf", "must be a number above 0, got inf"),
        (non_negative_float, "-0.5", "must be a number of 0 or more, got -0.5"),
    ],
)
def test_number_options_refuse_bad_values_in_one_argparse_line(kind, text, message, capsys):
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--n", type=kind)
    with pytest.raises(SystemExit):
        parser.parse_args(["--n", text])
    assert capsys.readouterr().err.splitlines()[-1] == f"bench: error: argument --n: {message}"


def test_number_options_accept_good_values():
    assert (positive_int("3"), non_negative_int("0")) == (3, 0)
    assert (positive_float("0.25"), non_negative_float("0")) == (0.25, 0)
