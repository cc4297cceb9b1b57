"""The shareable model folder: safetensors weights, config, classes, post-processing and a model card.

This is the layout `ballspot export --format hf` writes and a Hugging Face Hub repo holds. To predict,
a folder is turned back into a ballspot checkpoint once, in the cache, laid out as a run folder
(`weights/best.pt` + `postprocess.json`) so the folder's post-processing is what predict uses by default.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ballspot.digests import update_with_file
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
CLASSES_FILE = "classes.json"
PARAMS_FILE = "postprocess.json"
CARD_FILE = "README.md"
FORMAT = "ballspot-model"
FORMAT_VERSION = 1


def is_model_folder(folder: Path) -> bool:
    """Whether `folder` holds a config.json that declares a ballspot model."""
    if not (folder / CONFIG_FILE).is_file():
        return False
    try:
        config = read_json(folder / CONFIG_FILE)
    except BallspotError:
        return False
    return isinstance(config, dict) and config.get("format") == FORMAT


def folder_config(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """config.json's content for a checkpoint: everything needed to rebuild the network and feed it.

    The training index is kept by file name only: a local path means nothing elsewhere.
    """
    from ballspot import __version__

    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_name": "ballspot",
        "ballspot_version": __version__,
        "task": checkpoint.get("task", "spot"),
        "model_config": checkpoint["model_config"],
        "train_config": {**checkpoint["config"], "index": Path(checkpoint["config"].get("index") or "").name},
    }


def write_weights(path: Path, state_dict: dict) -> None:
    """The network's tensors as safetensors (contiguous, unshared copies, as the format requires)."""
    from safetensors.torch import save

    from ballspot.atomic import write_bytes

    write_bytes(path, save({k: v.detach().cpu().contiguous().clone() for k, v in state_dict.items()}))


def read_folder(folder: Path, name: str) -> dict[str, Any]:
    """A checkpoint payload (config, model_config, classes, task, model, version) from a model folder."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    not_ours = BallspotError(f"{name} is not a ballspot model (no {CONFIG_FILE} declaring format {FORMAT!r})")
    if not ((folder / CONFIG_FILE).exists() or (folder / CONFIG_FILE).is_symlink()):
        raise not_ours
    config = _read_json(folder / CONFIG_FILE, name)  # a damaged config.json says how it is damaged
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise not_ours
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise BallspotError(f"{name}: model folder format {version!r} is not supported (this ballspot reads 1)")
    classes = _read_json(folder / CLASSES_FILE, name)
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise BallspotError(f"{name}: {CLASSES_FILE} must be a list of class names")
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise BallspotError(f"{name}: {WEIGHTS_FILE} is missing")
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as exc:
        raise BallspotError(f"{name}: cannot read {WEIGHTS_FILE} ({str(exc).splitlines()[0]})") from None
    for key in ("model_config", "train_config"):
        if not isinstance(config.get(key), dict):
            raise BallspotError(f"{name}: {CONFIG_FILE} has no {key} mapping")
    return {
        "config": config["train_config"],
        "model_config": config["model_config"],
        "classes": classes,
        "task": config.get("task", "spot"),
        "model": state,
        "version": config.get("ballspot_version"),  # a newer ballspot's settings: "upgrade", not "damaged"
    }


def _read_json(path: Path, name: str) -> Any:
    if not (path.exists() or path.is_symlink()):  # a folder or a broken link: read_json says which
        raise BallspotError(f"{name}: {path.name} is missing")
    try:
        return read_json(path)
    except BallspotError as exc:
        raise BallspotError(f"{name}: cannot read {path.name} ({exc})") from None


def folder_digest(folder: Path) -> str:
    """A content hash of the files that make the model, naming its converted checkpoint in the cache."""
    digest = hashlib.sha256()
    for file_name in (CONFIG_FILE, CLASSES_FILE, PARAMS_FILE, WEIGHTS_FILE):
        path = folder / file_name
        digest.update(file_name.encode())
        if path.is_file():
            update_with_file(digest, path)
    return digest.hexdigest()[:24]


def folder_checkpoint(folder: Path, cache: Path, name: str | None = None) -> Path:
    """A ballspot checkpoint for a model folder, converted once into `cache/<digest>/weights/best.pt`.

    The network is rebuilt from the folder's config and its weights loaded before anything is written, so
    a folder whose weights do not fit its config is a one-line error here rather than at predict time.
    """
    from ballspot.engine.checkpoint import check_configs, save_checkpoint
    from ballspot.models.config import ModelConfig
    from ballspot.models.network import build_model

    name = name or str(folder)
    run = cache / folder_digest(folder)
    best = run / "weights" / "best.pt"
    if best.is_file():
        return best
    payload = read_folder(folder, name)
    check_configs(payload, name, "model folder")  # a bad one is an error naming the folder, not the converted file
    model = build_model(ModelConfig.from_dict(payload["model_config"]), load_pretrained=False)
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as exc:
        raise BallspotError(f"{name}: weights do not fit its config ({str(exc).splitlines()[0]})") from None
    params = folder / PARAMS_FILE
    if params.exists() or params.is_symlink():  # a folder or a broken link is an error, not "use the defaults"
        from ballspot.predict.postprocess import load_params, save_params

        # a bad file is an error now, naming the folder's copy; the settings only: the weights its `tuned_on` names
        # are not the converted checkpoint's bytes
        save_params(run / PARAMS_FILE, load_params(params))
    payload.pop("version")  # the converted checkpoint is written by this ballspot
    return save_checkpoint(best, {**payload, "source": name})
