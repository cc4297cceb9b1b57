"""`ballspot export`: a trained model as a folder ready to share (Hugging Face Hub layout)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import JsonOption, QuietOption


class ExportFormat(str, Enum):
    """The formats `ballspot export` writes (one exporter each in `ballspot.share.export.EXPORTERS`)."""

    hf = "hf"
    onnx = "onnx"
    torchscript = "torchscript"


@command("export")
def export(
    model: Annotated[
        str,
        typer.Argument(
            help="The model: a checkpoint (best.pt), a run folder, a model folder, hf-hub:ORG/NAME or an http(s) URL."
        ),
    ],
    out: Annotated[Path, typer.Argument(help="Folder to write (created; must be empty unless --overwrite).")],
    format_name: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="hf: model.safetensors, config.json, classes.json, postprocess.json and a README.md model card "
            "(metrics and training data), the layout a Hugging Face Hub model repo holds. onnx: encoder.onnx and "
            "head.onnx with onnx.json (config, classes, post-processing), for `predict --model FOLDER` in ONNX "
            "Runtime. torchscript: encoder.pt and head.pt (torch.jit.load) with torchscript.json.",
        ),
    ] = ExportFormat.hf,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="Expected sha256 of a model given as a URL or a file.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a non-empty OUT folder.")] = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write a trained model in a shareable format; prints the folder (upload it with `hf upload ORG/NAME OUT`)."""
    from ballspot import console
    from ballspot.share.export import describe, export_model
    from ballspot.share.sources import resolve_model

    console.set_quiet(quiet or json_output)
    refuse_export_over_model(model, out)
    checkpoint = resolve_model(model, sha256)
    written = export_model(checkpoint, format_name.value, out, overwrite=overwrite)
    if json_output:
        typer.echo(json.dumps(describe(written)))
        return
    console.log(f"exported {model} as {format_name.value} into {written}")
    console.result_line(str(written))


def refuse_export_over_model(model: str, out: Path) -> None:
    """Refuse an OUT that is, or holds, the model given as a local path: writing there would replace the model
    (a model folder is read from its converted copy, so the export's own check does not see it)."""
    from ballspot.errors import BallspotError
    from ballspot.paths import absolute
    from ballspot.share.sources import HUB_PREFIX

    if not model.strip() or "://" in model or model.startswith(HUB_PREFIX):
        return
    if absolute(model).is_relative_to(absolute(out)):
        raise BallspotError(f"cannot export into {out}: the model {model} is inside it")
