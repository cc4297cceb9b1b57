"""The benchmarks' shared helpers (benchmarks/bench_common.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_common import require_device  # noqa: E402


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
