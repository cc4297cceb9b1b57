"""Checkpoints that carry their own configuration, class list and version, so one file is enough."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ballspot import __version__
from ballspot.atomic import write_bytes
from ballspot.errors import BallspotError

FORMAT = "ballspot-checkpoint"
PARTS = {"config": dict, "model_config": dict, "classes": list, "model": dict}
"""What every checkpoint holds, and of what type: enough to rebuild the network and its classes."""
TRAINING_PARTS = {"epoch": int, "optimizer": dict, "scheduler": dict, "scaler": dict, "history": list}
"""What `ballspot train` saves after each epoch besides `PARTS` (with `best`, a dict or None): the state
`--resume` goes on from."""


def missing_training_state(data: dict[str, Any]) -> list[str]:
    """The `TRAINING_PARTS` (and `best`) that a loaded checkpoint lacks or holds damaged: [] for one to resume."""
    missing = [
        key
        for key, kind in TRAINING_PARTS.items()
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool)
    ]
    if "epoch" not in missing and data["epoch"] < 0:
        missing.append("epoch")
    best = data.get("best")
    if best is not None and not (isinstance(best, dict) and isinstance(best.get("epoch"), int)):
        missing.append("best")
    return missing


def save_checkpoint(path: Path, payload: dict[str, Any]) -> Path:
    """Write a checkpoint atomically (a killed write never leaves a half file under `path`)."""
    import torch

    buffer = io.BytesIO()
    torch.save({"format": FORMAT, "version": __version__, **payload}, buffer)
    return write_bytes(path, buffer.getvalue())


def load_checkpoint(path: Path | str, map_location: str = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by `save_checkpoint`, with one-line errors for anything else."""
    import torch

    from ballspot.inputfiles import require_file

    path = Path(path)
    require_file(path, "weights file")  # missing, a folder or a pipe (reading it could block) says which
    try:  # tensors, numbers, strings and containers only: unpickling anything else could run its code
        with torch.serialization.safe_globals(_numpy_arrays()):
            data = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        raise BallspotError(f"cannot read weights file {path}: {_load_problem(exc, path)}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BallspotError(f"{path} is not a ballspot checkpoint (train one with `ballspot train`)")
    damaged = [key for key, kind in PARTS.items() if not isinstance(data.get(key), kind)]
    if damaged:
        raise BallspotError(f"{path} is a damaged ballspot checkpoint (no valid {', '.join(damaged)})")
    check_configs(data, path)
    return data


def check_configs(data: dict[str, Any], path: Path | str, kind: str = "checkpoint") -> None:
    """Refuse a checkpoint (or a model folder's payload, `kind`) whose training or model config no run could
    have used (training checks both), so that predict, evaluate and export fail in one line naming the file,
    not deep inside the network."""
    from ballspot.engine.config import TrainConfig
    from ballspot.engine.data import output_classes
    from ballspot.models.config import ModelConfig

    try:
        config = TrainConfig.from_dict(data["config"], "its config")
        config.check()
        ModelConfig.from_dict(data["model_config"])
    except BallspotError as exc:
        written = data.get("version")
        if _newer_than_this(written):  # settings added since: not damage, and upgrading reads them
            raise BallspotError(
                f"{path} was written by ballspot {written}, newer than this one ({__version__}), which cannot read "
                f"it ({exc}); upgrade ballspot: pip install -U ballspot"
            ) from None
        raise BallspotError(f"{path} is a damaged ballspot {kind}: {exc}") from None
    expected = output_classes(config)
    if data["classes"] != expected:  # the names of the network's outputs, in order: scores would be misnamed
        raise BallspotError(
            f"{path} is a damaged ballspot {kind}: its classes are not the {len(expected)} its config "
            f"(--task {config.task}, --classes {config.classes}) trains: {', '.join(expected[:2])}, ..., {expected[-1]}"
        )


def _newer_than_this(version: object) -> bool:
    """Whether `version` (a checkpoint's "1.2.0") names a later ballspot release than this one."""
    import re

    def release(text: str) -> tuple[int, ...] | None:
        found = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
        return tuple(int(part or 0) for part in found.groups()) if found else None

    given, this = release(version) if isinstance(version, str) else None, release(__version__)
    return given is not None and this is not None and given > this


def _numpy_arrays() -> list:
    """What unpickles a numpy array of plain numbers (earlier checkpoints kept numpy's random state)."""
    import numpy as np

    core = getattr(np, "_core", None) or np.core
    plain = {type(np.dtype(code)) for code in "?bBhHiIlLqQefd"}  # booleans, integers and floats
    return [core.multiarray._reconstruct, np.ndarray, np.dtype, *sorted(plain, key=str)]


def _load_problem(exc: Exception, path: Path) -> str:
    """torch's complaint in one sentence (it adds paragraphs of advice), and what it means for a zip-format
    checkpoint cut short or damaged."""
    text = str(exc).strip() or type(exc).__name__
    problem = torch_file_problem(exc, path)
    if problem:
        return problem
    with path.open("rb") as file:
        head = file.read(4)
    if head != b"PK\x03\x04" and head[:1] != b"\x80":  # neither torch.save's zip nor a pickle: torch's words mislead
        return "not a PyTorch checkpoint; give the weights/best.pt a training run wrote"
    if "Weights only load failed" in text or "Unsupported global" in text:
        return (
            "it holds Python objects besides weights and settings, which could run code when read; ballspot "
            "reads only checkpoints of tensors, numbers and text (give the weights/best.pt a training run wrote)"
        )
    return _first_sentence(exc)


def torch_file_problem(exc: BaseException, path: Path) -> str | None:
    """What is wrong with `path`, which torch would not load (`exc`), told from its bytes: empty, a zip cut
    short or damaged, a zip of other files (torch names only its internals then); None when none of these."""
    import zipfile

    with path.open("rb") as file:
        head = file.read(4)
    if not head:
        return "the file is empty; copy or download it again"
    if head != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return f"the file is truncated or damaged ({_first_sentence(exc).rstrip('.')}); copy or download it again"
    if not any(name == "data.pkl" or name.endswith("/data.pkl") for name in names):  # torch.save's records
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"a zip archive of other files ({shown}), not a file torch.save wrote"
    return None


def _first_sentence(exc: BaseException) -> str:
    import re

    text = str(exc).strip() or type(exc).__name__
    return re.split(r"(?<=[.!?])\s", text.splitlines()[0], maxsplit=1)[0]


def load_model(path: Path | str, device: str = "cpu"):
    """The trained network of a checkpoint, in eval mode, with its training config and classes."""
    from ballspot.engine.config import TrainConfig

    data = load_checkpoint(path)
    model = network_of(data, str(path))
    model.to(device).eval()
    return model, TrainConfig.from_dict(data["config"], str(path)), list(data["classes"])


def network_of(data: dict[str, Any], where: str):
    """The network of a loaded checkpoint with its weights in, in eval mode; weights that do not fit its
    config (a class list of another length, missing or misshapen tensors) are a one-line error naming `where`."""
    from ballspot.models.config import ModelConfig
    from ballspot.models.network import build_model

    model_config = ModelConfig.from_dict(data["model_config"])
    if len(data["classes"]) != model_config.num_classes:
        raise BallspotError(f"{where}: {len(data['classes'])} classes for {model_config.num_classes} network outputs")
    broken = [name for name, tensor in data["model"].items() if _not_finite(tensor)]
    if broken:  # every score would be NaN: predict would find no event and say nothing
        raise BallspotError(
            f"{where}: {len(broken)} weight tensor(s) hold NaN or infinite values (first: {broken[0]}); a diverged "
            "training? train again with a lower --lr"
        )
    model = build_model(model_config, load_pretrained=False)
    try:
        model.load_state_dict(data["model"])
    except RuntimeError as exc:  # the first line only names the network; the next names the tensor
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = _key_mismatch(set(model.state_dict()), set(data["model"])) or lines[min(1, len(lines) - 1)]
        raise BallspotError(f"{where}: weights do not fit its config ({detail})") from None
    return model.eval()


def _not_finite(tensor: object) -> bool:
    import torch

    return isinstance(tensor, torch.Tensor) and tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())


def _key_mismatch(wanted: set[str], given: set[str]) -> str:
    """Tensors the network has and the weights lack, and the reverse, as counts and a few names ("" if none):
    torch lists every one, a line of kilobytes."""

    def some(names: set[str]) -> str:
        first = sorted(names)[:3]
        return ", ".join(first) + (f" and {len(names) - len(first)} more" if len(names) > len(first) else "")

    parts = []
    if wanted - given:
        parts.append(f"{len(wanted - given)} tensor(s) missing: {some(wanted - given)}")
    if given - wanted:
        parts.append(f"{len(given - wanted)} unexpected: {some(given - wanted)}")
    return "; ".join(parts)
