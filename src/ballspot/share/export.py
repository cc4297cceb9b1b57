"""`ballspot export`: write a trained model in a format other tools (or the Hub) take.

Each format is one function `(checkpoint path, checkpoint payload, folder being written, model name) -> None` in
`EXPORTERS`; the folder is written under a temporary name and renamed when complete, so a failed or
interrupted export leaves nothing under the target's name.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ballspot.atomic import _UMASK, remove_stale_parts, removed_if_left_empty, write_json, write_text
from ballspot.errors import BallspotError
from ballspot.paths import absolute
from ballspot.share import model_folder as folder_format
from ballspot.share.card import model_card

Exporter = Callable[[Path, dict[str, Any], Path, str], None]


def export_hf(checkpoint_path: Path, checkpoint: dict[str, Any], folder: Path, name: str) -> None:
    """A Hugging Face Hub-ready folder: safetensors weights, config, classes, post-processing, model card."""
    from ballspot import __version__
    from ballspot.predict.api import default_params

    params = default_params(checkpoint_path, checkpoint["config"].get("task") == "dense").to_dict()
    folder_format.write_weights(folder / folder_format.WEIGHTS_FILE, checkpoint["model"])
    write_json(folder / folder_format.CONFIG_FILE, folder_format.folder_config(checkpoint))
    write_json(folder / folder_format.CLASSES_FILE, list(checkpoint["classes"]))
    write_json(folder / folder_format.PARAMS_FILE, params)
    card = model_card(name, checkpoint_path, checkpoint, params, __version__)
    write_text(folder / folder_format.CARD_FILE, card)


def _onnx(checkpoint_path: Path, checkpoint: dict[str, Any], folder: Path, name: str) -> None:
    from ballspot.export.onnx import export_onnx_format

    export_onnx_format(checkpoint_path, checkpoint, folder, name)


def _torchscript(checkpoint_path: Path, checkpoint: dict[str, Any], folder: Path, name: str) -> None:
    from ballspot.export.onnx import export_torchscript_format

    export_torchscript_format(checkpoint_path, checkpoint, folder, name)


EXPORTERS: dict[str, Exporter] = {"hf": export_hf, "onnx": _onnx, "torchscript": _torchscript}


def export_model(checkpoint_path: Path, format_name: str, target: Path, overwrite: bool = False) -> Path:
    """Export the checkpoint at `checkpoint_path` as `format_name` into the folder `target`."""
    from ballspot.engine.checkpoint import load_checkpoint, network_of

    exporter = EXPORTERS.get(format_name)
    if exporter is None:
        raise BallspotError(f"unknown export format {format_name!r}; choose one of: {', '.join(EXPORTERS)}")
    folder = absolute(target)  # a link to a folder: the export replaces the folder it names; the link stays
    recover_set_aside(folder)
    if target.exists() and not target.is_dir():
        raise BallspotError(f"cannot export into {target}: a file of that name is in the way")
    if absolute(checkpoint_path).is_relative_to(folder):  # a loop of links: one line, not a RuntimeError
        raise BallspotError(f"cannot export into {target}: the model {checkpoint_path} is inside it")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise BallspotError(f"{target} exists and is not empty; choose another folder or pass --overwrite")
    if target.is_dir() and any(child.is_dir() for child in target.iterdir()):
        raise BallspotError(
            f"{target} holds folders; --overwrite only replaces a folder of files (such as an earlier export)"
        )
    if target.is_dir() and any(target.iterdir()) and not _an_export(target):  # the user's own files: keep them
        raise BallspotError(
            f"{target} holds files but no earlier export (no {folder_format.CONFIG_FILE}, onnx.json or "
            "torchscript.json of ballspot); --overwrite only replaces an export: choose another folder"
        )
    checkpoint = load_checkpoint(checkpoint_path)
    network_of(checkpoint, str(checkpoint_path))  # weights that do not fit are an error before anything is written
    with atomic_folder(folder) as tmp:
        exporter(checkpoint_path, checkpoint, tmp, folder.name)
    return target


def _an_export(folder: Path) -> bool:
    """Whether `folder` is what `ballspot export` wrote, in any format."""
    from ballspot.export.onnx import TORCHSCRIPT_MANIFEST, is_onnx_folder

    return folder_format.is_model_folder(folder) or is_onnx_folder(folder) or (folder / TORCHSCRIPT_MANIFEST).is_file()


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """A hidden temporary folder beside `target`, renamed to `target` when the block succeeds; a failure
    leaves no folder made for it."""
    with removed_if_left_empty(target.parent):
        if target.parent.is_dir():
            remove_stale_parts(target)  # the folders of exports killed while writing
        try:  # the hidden name holds this process's id, so that the next export knows when it is stale
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent))
        except OSError as exc:  # a folder that takes no new folder (/proc), a name too long
            raise BallspotError(f"cannot write into {target.parent}: {exc.strerror or exc}") from None
        try:
            yield tmp
            os.chmod(tmp, 0o777 & ~_UMASK)
            _swap_in(tmp, target)
        except BallspotError as exc:  # "cannot write .../.model.x1y2.part/encoder.pt": name the folder asked for
            raise BallspotError(str(exc).replace(str(tmp), str(target))) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def recover_set_aside(target: Path) -> None:
    """Undo what a kill during `_swap_in` left: an earlier export set aside with nothing in its place is put back
    (with a warning), and a set-aside copy of a folder that is in place again is deleted."""
    from ballspot.console import warn

    if not target.parent.is_dir():
        return
    set_aside = sorted(target.parent.glob(f".{glob.escape(target.name)}.*.old"), key=lambda p: p.stat().st_mtime)
    set_aside = [path for path in set_aside if path.is_dir() and not path.is_symlink()]
    if set_aside and not target.exists() and not target.is_symlink():
        os.replace(set_aside.pop(), target)
        warn(f"put {target} back: an export stopped while replacing it had set it aside")
    for path in set_aside:
        shutil.rmtree(path, ignore_errors=True)


def _swap_in(tmp: Path, target: Path) -> None:
    """Rename the finished folder `tmp` to `target`; an earlier folder there is set aside first, put back if the
    rename fails, and deleted only once the new one is in place."""
    old = None
    try:
        if target.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            if old is not None:
                os.replace(old, target)
            raise
    except OSError as exc:
        raise BallspotError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def describe(target: Path) -> dict[str, Any]:
    """What an export wrote: the folder and its files with sizes (for --json)."""
    files = {p.name: p.stat().st_size for p in sorted(target.iterdir()) if p.is_file()}
    return {"folder": str(target), "files": files}
