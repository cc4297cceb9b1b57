"""The 2D encoder: any timm model, cut before its pooling, built offline unless asked otherwise.

Weights come from timm itself (`pretrained_cfg_overlay=dict(file=...)`), so timm keeps its own jobs:
adapting the first conv to `in_chans` and dropping the ImageNet classifier. What timm does not do, and
this module adds, is refusing a weights file that fits the architecture only partly (timm loads it
non-strictly once the classifier is dropped, which would leave layers at random without a word).
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import timm
import torch
from torch import nn

from ballspot.errors import BallspotError
from ballspot.models.config import PRETRAINED_FROM_HUB
from ballspot.paths import expand_user

_HUB_PREFIXES = ("hf-hub:", "hf_hub:", "local-dir:")


def create_encoder(name: str, in_chans: int, pretrained: str | None = None, drop_path: float = 0.0) -> nn.Module:
    """A timm backbone whose `forward_features` gives [N, num_features, h, w] maps.

    `pretrained`: None (random weights, nothing fetched), a local weights file (a timm state_dict, .pth
    or .safetensors, with or without the classifier), or "hub" (timm downloads the default weights).
    `drop_path`: stochastic depth while training (timm's drop_path_rate).
    """
    check_backbone_name(name)
    kwargs = dict(num_classes=0, global_pool="", in_chans=in_chans)
    if drop_path:
        kwargs["drop_path_rate"] = drop_path  # not every timm model takes it, so only when asked for
    if pretrained is None:
        return _create(name, pretrained=False, **kwargs)
    if pretrained == PRETRAINED_FROM_HUB:
        return _create_from_hub(name, **kwargs)
    path = expand_user(pretrained)
    file_state = read_weights_file(path)
    try:  # timm's warning of unexpected tensors is a second line; _check_all_loaded says what matters
        with _quiet("timm.models._builder"):
            encoder = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=str(path)), **kwargs)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise BallspotError(f"weights file {path} does not fit backbone {name}: {_first_line(exc)}") from exc
    _check_all_loaded(encoder, file_state, path, name)
    return encoder


def check_backbone_name(name: str) -> None:
    """Raise a one-line error naming close matches when timm has no model called `name`."""
    if name.startswith(_HUB_PREFIXES) or timm.is_model(name):
        return
    close = difflib.get_close_matches(name, timm.list_models(), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `timm.list_models()` lists the names"
    raise BallspotError(f"unknown timm backbone {name!r}{hint}")


def read_weights_file(path: Path) -> dict[str, torch.Tensor]:
    """The state_dict in a timm weights file, or a one-line error when it is missing or unreadable."""
    if not path.is_file():
        raise BallspotError(f"pretrained weights file not found: {path}")
    if _is_ballspot_checkpoint(path):
        raise BallspotError(
            f"cannot read weights file {path}: it is a ballspot checkpoint; --pretrained takes a timm backbone's "
            "weights (continue a run with --resume)"
        )
    try:
        state = timm.models.load_state_dict(str(path), use_ema=True)
    except Exception as exc:  # torch.load and safetensors raise many types on a damaged file
        raise BallspotError(f"cannot read weights file {path}: {_weights_problem(exc, path)}") from exc
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        raise BallspotError(f"weights file {path} holds no state_dict of tensors")
    return state


def _is_ballspot_checkpoint(path: Path) -> bool:
    """Whether `path` is a checkpoint `ballspot train` wrote (its format tag), read without running code."""
    from ballspot.engine.checkpoint import FORMAT

    try:
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # not a torch file of plain data: timm's reader says what it is
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def _weights_problem(exc: BaseException, path: Path) -> str:
    """What is wrong with a file torch would not load as weights: torch's own words advise weights_only=False,
    which is no option of ballspot's."""
    from ballspot.engine.checkpoint import torch_file_problem

    problem = torch_file_problem(exc, path)
    if problem:
        return problem
    if "weights_only" not in str(exc):
        return _first_line(exc)
    with path.open("rb") as file:
        saved_by_torch = file.read(4) == b"PK\x03\x04"
    if saved_by_torch:
        return (
            "it holds more than tensors (an earlier ballspot checkpoint? --pretrained takes a timm backbone's "
            "weights; continue a run with --resume)"
        )
    return "not a PyTorch (.pth, .bin) or safetensors weights file"


def _check_all_loaded(encoder: nn.Module, file_state: dict, path: Path, name: str) -> None:
    """Every encoder tensor must have come from the file (BatchNorm step counters excepted)."""
    expected = [key for key in encoder.state_dict() if not key.endswith("num_batches_tracked")]
    missing = [key for key in expected if key not in file_state]
    if missing:
        raise BallspotError(
            f"weights file {path} does not fit backbone {name}: {len(missing)} of {len(expected)} "
            f"tensors missing (first: {missing[0]})"
        )


def _create(name: str, **kwargs) -> nn.Module:
    """Random weights; a hub name ("hf-hub:timm/...") still fetches its config, hence OSError."""
    try:
        return timm.create_model(name, **kwargs)
    except (RuntimeError, ValueError, TypeError, OSError) as exc:
        raise BallspotError(f"cannot build timm backbone {name!r}: {_first_line(exc)}") from exc


def _create_from_hub(name: str, **kwargs) -> nn.Module:
    if not name.startswith(_HUB_PREFIXES):
        cfg = timm.models.get_pretrained_cfg(name)
        if cfg is None or not (cfg.hf_hub_id or cfg.url):
            raise BallspotError(f"timm has no downloadable pretrained weights for {name!r}")
    try:
        with _quiet("huggingface_hub"), _offline_unless_reachable():
            return timm.create_model(name, pretrained=True, **kwargs)
    except Exception as exc:  # network, hub and file-cache errors come in many types
        raise BallspotError(
            f"cannot fetch pretrained weights for {name!r} ({_first_line(exc)}); offline, use --pretrained none "
            "(random weights) or --pretrained FILE (a local timm weights file)"
        ) from exc


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """A library's warnings off (logger `name`), so that a failure is one line: offline, huggingface_hub logs
    two lines per retry (twenty) before the one error."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _offline_unless_reachable(timeout_s: float = 5.0) -> Iterator[None]:
    """huggingface_hub in offline mode (its cache only) when its server cannot be reached: without it, an
    offline machine waits about 50 s of retries for the same error."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or _reachable(constants.ENDPOINT, timeout_s):
        yield
        return
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = False


def _reachable(url: str, timeout_s: float) -> bool:
    """Whether a TCP connection to the URL's host and port opens within the timeout."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or (80 if parts.scheme == "http" else 443)
        with socket.create_connection((parts.hostname or "", port), timeout=timeout_s):
            return True
    except (OSError, ValueError):
        return False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
