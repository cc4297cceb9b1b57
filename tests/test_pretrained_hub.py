"""`pretrained: hub` offline: timm reads the backbone's weights from a local hub cache, or fails in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import timm
import torch

REPO = "timm/test_efficientnet.r160_in1k"
BUILD = textwrap.dedent(
    """
    import sys, torch
    from ballspot.errors import BallspotError
    from ballspot.models.encoder import create_encoder
    try:
        encoder = create_encoder("test_efficientnet", 3, "hub")
    except BallspotError as exc:
        print("error:", exc)
        sys.exit(1)
    print(float(next(iter(encoder.state_dict().values())).flatten()[0]))
    """
)


def run_offline(cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache), "HF_HOME": str(cache.parent)}
    return subprocess.run([sys.executable, "-c", BUILD], capture_output=True, text=True, env=env, timeout=120)


def fake_snapshot(cache: Path) -> torch.Tensor:
    """A hub cache holding weights for the test backbone, laid out as huggingface_hub leaves it."""
    from safetensors.torch import save_file

    torch.manual_seed(3)
    model = timm.create_model("test_efficientnet", pretrained=False)
    state = {key: value.contiguous() for key, value in model.state_dict().items()}
    folder = cache / f"models--{REPO.replace('/', '--')}"
    commit = "0" * 40
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text(commit)
    snapshot = folder / "snapshots" / commit
    snapshot.mkdir(parents=True)
    save_file(state, str(snapshot / "model.safetensors"))
    return next(iter(state.values()))


def test_hub_weights_load_offline_from_the_local_cache(tmp_path):
    first = fake_snapshot(tmp_path / "hub")
    result = run_offline(tmp_path / "hub")
    assert result.returncode == 0, result.stdout + result.stderr
    assert float(result.stdout.strip().splitlines()[-1]) == float(first.flatten()[0])


def test_hub_weights_missing_offline_is_one_line_naming_the_alternatives(tmp_path):
    (tmp_path / "hub").mkdir()
    result = run_offline(tmp_path / "hub")
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot fetch pretrained weights"), result.stdout
    assert "--pretrained none" in lines[0] and "--pretrained FILE" in lines[0]
    assert "Traceback" not in result.stderr


def test_hub_retries_logged_while_offline_stay_off_stderr(tmp_path):
    """Without HF_HUB_OFFLINE an unreachable Hub is retried, each retry logged; only the error line shows."""
    script = textwrap.dedent(
        """
        import logging, sys, timm
        from ballspot.errors import BallspotError
        from ballspot.models.encoder import create_encoder

        def unreachable(*args, **kwargs):
            for retry in range(5):
                logging.getLogger("huggingface_hub.utils._http").warning("Retrying in 1s [Retry %d/5].", retry + 1)
            raise OSError("cannot reach the Hub")

        timm.create_model = unreachable
        try:
            create_encoder("test_efficientnet", 3, "hub")
        except BallspotError as exc:
            print("error:", exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("error: cannot fetch pretrained weights"), result.stdout
    assert result.stderr == ""


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_hub_reads_the_cache_without_waiting_for_retries(tmp_path):
    first = fake_snapshot(tmp_path / "hub")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env |= {"HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}", "HF_HUB_CACHE": str(tmp_path / "hub")}
    env["HF_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", BUILD], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert float(result.stdout.strip().splitlines()[-1]) == float(first.flatten()[0])
    (tmp_path / "empty").mkdir()
    env["HF_HUB_CACHE"] = str(tmp_path / "empty")
    result = subprocess.run([sys.executable, "-c", BUILD], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1 and result.stdout.startswith("error: cannot fetch pretrained weights")


def test_offline_mode_is_switched_on_only_while_the_hub_cannot_be_reached(monkeypatch):
    from huggingface_hub import constants

    from ballspot.models.encoder import _offline_unless_reachable

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    with _offline_unless_reachable():
        assert constants.HF_HUB_OFFLINE is True
    assert constants.HF_HUB_OFFLINE is False
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        with _offline_unless_reachable():
            assert constants.HF_HUB_OFFLINE is False
