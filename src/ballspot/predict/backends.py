"""What runs the network in predict: PyTorch, or ONNX Runtime over an exported encoder and head.

The scorers (`ballspot.predict.spotter`, `ballspot.predict.dense_scorer`) call `model.encode(stacks)` and
`model.head(features)` and read `model.cfg`; `OnnxNetwork` offers the same three over two ONNX Runtime
sessions, so the streaming design (each stack encoded once, the head slid over cached features) is the same
whichever backend runs. A checkpoint given to the ONNX Runtime backend is exported once into the cache,
keyed by its content.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

from ballspot.digests import file_sha256
from ballspot.errors import BallspotError
from ballspot.export.onnx import FEATURES, STACKS, check_graphs, head_outputs, is_onnx_folder, read_manifest


class Backend(str, Enum):
    """How the network runs: `torch` (PyTorch, channels-last encoder) or `onnxruntime` (exported graphs)."""

    torch = "torch"
    onnxruntime = "onnxruntime"


ONNX_HINT = "ONNX Runtime is not installed: pip install 'ballspot[onnx]'"


def require_onnxruntime():
    """The onnxruntime module, or a one-line error saying how to install it."""
    try:
        import onnxruntime
    except ImportError:
        raise BallspotError(ONNX_HINT) from None
    return onnxruntime


def session_options(threads: int):
    """ONNX Runtime options: `threads` intra-op threads, one inter-op thread, and threads that sleep when idle.

    ONNX Runtime's workers spin while waiting for work by default; on a machine shared with other jobs the
    spinning burns CPU time a competing process needs (measured in docs/predict.md), so it is off.
    """
    ort = require_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def providers_for(device: str) -> list[str]:
    """CUDA first when asked for (or `auto`) and ONNX Runtime has it, then the CPU."""
    ort = require_onnxruntime()
    available = ort.get_available_providers()
    if device == "cuda" and "CUDAExecutionProvider" not in available:
        raise BallspotError("--device cuda with --backend onnxruntime needs onnxruntime-gpu (CUDAExecutionProvider)")
    if device in ("cuda", "auto") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class OnnxNetwork:
    """`encode` and `head` of an exported model through ONNX Runtime; takes and returns CPU torch tensors."""

    def __init__(self, folder: Path, manifest: dict[str, Any], threads: int, device: str = "cpu") -> None:
        from ballspot.models.config import ModelConfig

        ort = require_onnxruntime()
        self.cfg = ModelConfig.from_dict(manifest["model_config"])
        options, providers = session_options(threads), providers_for(device)
        encoder, head = (str(folder / manifest[part]["file"]) for part in ("encoder", "head"))
        try:
            self.encoder = ort.InferenceSession(encoder, options, providers=providers)
            self.head_session = ort.InferenceSession(head, options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types for a damaged file
            raise BallspotError(f"cannot load the ONNX graphs in {folder}: {str(exc).splitlines()[0]}") from None
        self.outputs = head_outputs(self.cfg)

    def encode(self, stacks):
        """[N, C, H, W] float stacks in [0, 1] → [N, D, h, w] features."""
        import torch

        x = stacks.detach().to("cpu", torch.float32).contiguous().numpy()
        return torch.from_numpy(self.encoder.run([FEATURES], {STACKS: x})[0])

    def head(self, features):
        """[B, S, D, h, w] features → logits [B, K] (window model) or a `DenseOutput` (dense model)."""
        import torch

        x = features.detach().to("cpu", torch.float32).contiguous().numpy()
        outs = [torch.from_numpy(o) for o in self.head_session.run(self.outputs, {FEATURES: x})]
        if self.cfg.head != "dense":
            return outs[0]
        from ballspot.models.dense import DenseOutput

        return DenseOutput(classes=outs[0], offsets=outs[1], team=outs[2] if len(outs) > 2 else None)

    def to_channels_last(self) -> OnnxNetwork:
        """Layout is ONNX Runtime's business; here for the same interface as the PyTorch models."""
        return self


def onnx_folder_for(checkpoint: Path, cache: Path | None = None) -> Path:
    """The ONNX export of a checkpoint in the cache (`<cache>/onnx/<sha256 prefix>`), written once, atomically."""
    from ballspot import paths
    from ballspot.atomic import remove_stale_parts
    from ballspot.engine.checkpoint import load_model
    from ballspot.export.onnx import export_onnx
    from ballspot.predict.api import default_params

    folder = (cache or paths.cache_dir()) / "onnx" / file_sha256(checkpoint)[:24]
    if is_onnx_folder(folder):
        return folder
    model, config, classes = load_model(checkpoint, "cpu")
    params = default_params(checkpoint, config.task == "dense").to_dict()
    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(folder)  # conversions killed while writing
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{os.getpid()}.", suffix=".part", dir=folder.parent))
    try:
        export_onnx(model, config.to_dict(), classes, params, tmp)
        if not is_onnx_folder(folder):
            tmp.replace(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_onnx_spotter(model: Path, device: str = "cpu", tta: str = "none", threads: int = 1, cache: Path | None = None):
    """A `LoadedModel` whose network runs in ONNX Runtime, from an ONNX export folder or a checkpoint."""
    import torch

    from ballspot.classes import BACKGROUND
    from ballspot.engine.config import TrainConfig
    from ballspot.predict.api import TTA_MODES, LoadedModel, clip_classifier_refused

    require_onnxruntime()
    model = Path(model)
    folder = model if is_onnx_folder(model) else onnx_folder_for(model, cache)
    manifest = read_manifest(folder)
    config = TrainConfig.from_dict(manifest["train_config"], str(folder))
    classes = list(manifest["classes"])
    outputs = manifest["model_config"].get("num_classes")
    if len(classes) != outputs:
        raise BallspotError(f"{folder}: {len(classes)} classes for {outputs} network outputs; export again")
    if BACKGROUND not in classes:
        raise BallspotError(clip_classifier_refused(model))
    if tta not in TTA_MODES:
        raise BallspotError(f"--tta must be one of {', '.join(TTA_MODES)}, got {tta!r}")
    if tta == "flip" and config.task != "dense":
        raise BallspotError(f"--tta flip needs a dense model; {model} was trained with --task {config.task}")
    network = OnnxNetwork(folder, manifest, threads, device)
    check_graphs(folder, network.cfg, config, network.encoder, network.head_session)
    return LoadedModel(network, config, classes, torch.device("cpu"), model, flip=tta == "flip")


def load_backend(model: Path, backend: Backend | str, device: str = "auto", tta: str = "none", threads: int = 1):
    """Load a spotter for `backend`; an ONNX export folder always runs in ONNX Runtime."""
    from ballspot.predict.api import load_spotter

    if Backend(backend) is Backend.onnxruntime or is_onnx_folder(Path(model)):
        return load_onnx_spotter(Path(model), device, tta, threads)
    return load_spotter(model, device, tta)


def spotter_params(spotter):
    """The default post-processing for a loaded spotter: an ONNX export folder's own, else the run's."""
    from ballspot.predict.api import default_params
    from ballspot.predict.postprocess import PostprocessParams

    if is_onnx_folder(spotter.path):
        return PostprocessParams.from_dict(read_manifest(spotter.path)["postprocess"])
    return default_params(spotter.path, spotter.dense)
