"""A trained spotter as two ONNX graphs (encoder, head) with what predict needs to run them beside them.

    <folder>/encoder.onnx   stacks [N, C, H, W] float in [0, 1] → features [N, D, h, w]     (N dynamic)
    <folder>/head.onnx      features [B, S, D, h, w] → logits                               (B, and S for dense)
                            window model: logits [B, K]; dense model: classes [B, S, K], offsets [B, S, R],
                            and team [B, S] when the model has a team output
    <folder>/onnx.json      format, model and training configuration, classes, post-processing parameters

Two graphs, not one, so predict keeps its streaming design: the encoder runs once per stack and the head
slides over the cached features. TorchScript (`export_torchscript`) writes the same two parts as `.pt`
files that `torch.jit.load` reads without ballspot's model code.
"""

from __future__ import annotations

import io
import warnings
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ballspot.atomic import atomic_path, write_bytes, write_json
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json

FORMAT = "ballspot-onnx"
FORMAT_VERSION = 1
MANIFEST = "onnx.json"
TORCHSCRIPT_MANIFEST = "torchscript.json"
ENCODER_FILE = "encoder.onnx"
HEAD_FILE = "head.onnx"
STACKS = "stacks"
"""The encoder's input: stacks [N, C, H, W]."""
FEATURES = "features"
"""The encoder's output [N, D, h, w] and the head's input [B, S, D, h, w]."""
OPSET = 17
DENSE_OUTPUTS = ("classes", "offsets", "team")
MANIFEST_PARTS = {"model_config": dict, "train_config": dict, "classes": list, "postprocess": dict, "encoder": dict,
                  "head": dict}  # fmt: skip
"""What every onnx.json holds, and of what type, besides its format and version."""


def _parts(model):
    """(encoder module, head module): plain tensor-in, tuple-of-tensors-out wrappers an exporter can trace."""
    import torch

    class Encode(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = model

        def forward(self, stacks: torch.Tensor) -> torch.Tensor:
            return self.net.encode(stacks)

    class Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = model

        def forward(self, features: torch.Tensor):
            out = self.net.head(features)
            if isinstance(out, torch.Tensor):
                return out
            return (out.classes, out.offsets) if out.team is None else (out.classes, out.offsets, out.team)

    return Encode().eval(), Head().eval()


def head_outputs(model_cfg) -> list[str]:
    """Names of the head graph's outputs for a model configuration."""
    if model_cfg.head != "dense":
        return ["logits"]
    return list(DENSE_OUTPUTS if model_cfg.team else DENSE_OUTPUTS[:2])


def example_inputs(model, height: int, width: int, batch: int = 2):
    """Random stacks [batch, C, H, W] and the features [2, S, D, h, w] the head takes (S = the model's stacks)."""
    import torch

    cfg = model.cfg
    generator = torch.Generator().manual_seed(0)
    stacks = torch.rand(batch, cfg.in_chans, height, width, generator=generator)
    with torch.inference_mode():
        one = model.encode(stacks[:1].clone())
    stacks_per_window = max(cfg.stacks, 4) if cfg.head == "dense" else cfg.stacks
    features = torch.randn(2, stacks_per_window, *one.shape[1:], generator=generator)
    return stacks, features


def _export(
    module, args: tuple, path: Path, inputs: list[str], outputs: list[str], dynamic: dict, exact: bool = False
) -> None:
    """TorchScript-based export (quick), or `torch.export`-based with `exact` (slower, follows any shape code)."""
    import torch

    shapes = None
    if exact:  # dynamic_shapes instead of dynamic_axes: one Dim per named axis
        dims = {name: torch.export.Dim(name, min=1, max=1 << 16) for axes in dynamic.values() for name in axes.values()}
        shapes = ({axis: dims[name] for axis, name in dynamic[inputs[0]].items()},)

    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused attention kernel has no ONNX form; its parts do
    try:
        with atomic_path(path) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter warns about shape checks it turns into constants
            torch.onnx.export(
                module,
                args,
                str(tmp),
                input_names=inputs,
                output_names=outputs,
                dynamic_axes=None if exact else dynamic,
                dynamic_shapes=shapes,
                opset_version=OPSET,
                dynamo=exact,
                verbose=False,
            )
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


def _needs_torch_export(model) -> bool:
    """Self-attention's positions are built with slice assignments that tracing freezes to one length."""
    from ballspot.models.sequence import SelfAttention

    return any(isinstance(m, SelfAttention) for m in model.modules())


def export_onnx(model, train_config: dict[str, Any], classes: list[str], params: dict[str, Any], folder: Path) -> Path:
    """Write encoder.onnx, head.onnx and onnx.json for an eval-mode model on the CPU into `folder`."""
    import torch

    missing = [name for name in ("onnx", "onnxscript") if find_spec(name) is None]
    if missing:  # torch's exporter needs them; its own message does not say how to get them
        raise BallspotError(f"exporting to ONNX needs {' and '.join(missing)}: pip install 'ballspot[onnx]'")

    model = model.to("cpu").eval()
    cfg = model.cfg
    encode, head = _parts(model)
    stacks, features = example_inputs(model, train_config["height"], train_config["width"])
    folder.mkdir(parents=True, exist_ok=True)
    outputs = head_outputs(cfg)
    stack_axes = {0: "windows", 1: "stacks"} if cfg.head == "dense" else {0: "windows"}
    try:
        with torch.inference_mode(False), torch.no_grad():
            _export(encode, (stacks,), folder / ENCODER_FILE, [STACKS], [FEATURES],
                    {STACKS: {0: "n"}, FEATURES: {0: "n"}})  # fmt: skip
            dynamic = {FEATURES: stack_axes, **{name: stack_axes for name in outputs}}
            _export(head, (features,), folder / HEAD_FILE, [FEATURES], outputs, dynamic, _needs_torch_export(model))
    except BallspotError:
        raise
    except Exception as exc:  # the exporter raises many types for an operator it cannot translate
        raise BallspotError(f"cannot export {cfg.backbone} to ONNX: {str(exc).splitlines()[0]}") from None
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "opset": OPSET,
        "model_config": cfg.to_dict(),
        "train_config": train_config,
        "classes": list(classes),
        "postprocess": params,
        "encoder": {"file": ENCODER_FILE, "input": STACKS, "output": FEATURES},
        "head": {"file": HEAD_FILE, "input": FEATURES, "outputs": outputs},
    }
    write_json(folder / MANIFEST, manifest)
    return folder


def export_torchscript(model, train_config: dict[str, Any], folder: Path) -> list[Path]:
    """encoder.pt and head.pt, traced TorchScript modules of the same two parts (`torch.jit.load` reads them)."""
    import torch

    model = model.to("cpu").eval()
    encode, head = _parts(model)
    stacks, features = example_inputs(model, train_config["height"], train_config["width"])
    written = []
    for name, module, example in (("encoder.pt", encode, stacks), ("head.pt", head, features)):
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracing notes, and torch's FutureWarning that TorchScript is deprecated
            traced = torch.jit.trace(module, (example,), check_trace=False)
            buffer = io.BytesIO()
            torch.jit.save(traced, buffer)
            write_bytes(folder / name, buffer.getvalue())
        written.append(folder / name)
    return written


def is_onnx_folder(path: Path) -> bool:
    """Whether `path` is a folder written by `export_onnx`."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(folder: Path) -> dict[str, Any]:
    """onnx.json of an exported folder, checked, with one-line errors."""
    path = Path(folder) / MANIFEST
    manifest = read_json(path, "ONNX export manifest")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BallspotError(f"{path} is not a ballspot ONNX export (format {FORMAT!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BallspotError(f"{path}: format version {manifest.get('format_version')!r} is not supported")
    damaged = [key for key, kind in MANIFEST_PARTS.items() if not isinstance(manifest.get(key), kind)]
    if not damaged and not all(isinstance(name, str) for name in manifest["classes"]):
        damaged = ["classes"]
    if damaged:
        raise BallspotError(f"{path} is a damaged ballspot ONNX export (no valid {', '.join(damaged)}); export again")
    _check_postprocess(path, manifest["postprocess"])
    for part in ("encoder", "head"):
        file = Path(folder) / str(manifest[part].get("file", ""))
        if not file.is_file():
            raise BallspotError(f"{folder}: {file.name} is missing")
    return manifest


def _check_postprocess(path: Path, params: dict[str, Any]) -> None:
    """The manifest's post-processing, checked when the folder is read (before any video is), naming the file."""
    from ballspot.predict.postprocess import PostprocessParams

    try:
        PostprocessParams.from_dict(params)
    except BallspotError as exc:
        raise BallspotError(f"{path}: postprocess: {exc}") from None


def _shape_text(shape: list) -> str:
    """A graph's shape as `[n, 6, 112, 192]`: its static sizes, its dynamic axes by name (`?` when unnamed)."""
    return "[" + ", ".join("?" if size is None else str(size) for size in shape) + "]"


def _fits(shape: list, expected: list) -> bool:
    """Same rank, and the same size wherever both are static (an int); dynamic axes are names or None."""
    return len(shape) == len(expected) and all(
        not (isinstance(size, int) and isinstance(want, int)) or size == want
        for size, want in zip(shape, expected, strict=True)
    )


def _check_part(folder: Path, file: str, against: str, kind: str, found: list, name: str, expected: list) -> None:
    """One graph's input (the only one) or output `name` with the `expected` shape, else a one-line error."""
    shapes = {arg.name: list(arg.shape) for arg in found}
    if name in shapes and _fits(shapes[name], expected) and (kind == "output" or len(shapes) == 1):
        return
    got = ", ".join(f"{key!r} {_shape_text(shape)}" for key, shape in shapes.items()) or "none"
    plural = "s" if len(shapes) > 1 else ""
    raise BallspotError(
        f"{folder}: {file} does not match {against} ({kind}{plural} {got}, expected {name!r} "
        f"{_shape_text(expected)}); export the model again"
    )


def check_graphs(folder: Path, model_cfg, config, encoder, head) -> None:
    """Refuse an export whose graphs are not the ones its onnx.json describes, before any video is decoded.

    `model_cfg` and `config` are onnx.json's model and training configuration (predict feeds the encoder
    stacks of `config`'s channels and size, and a window head `config.stacks` of them); `encoder` and `head`
    are the graphs' ONNX Runtime sessions. Sizes are compared where the graph's are static.
    """
    stacks = ["N", config.in_chans, config.height, config.width]
    _check_part(folder, ENCODER_FILE, MANIFEST, "input", encoder.get_inputs(), STACKS, stacks)
    _check_part(folder, ENCODER_FILE, MANIFEST, "output", encoder.get_outputs(), FEATURES, ["N", "D", "h", "w"])
    window = "S" if model_cfg.head == "dense" else config.stacks
    _check_part(folder, HEAD_FILE, MANIFEST, "input", head.get_inputs(), FEATURES, ["B", window, "D", "h", "w"])
    features = next(list(arg.shape) for arg in encoder.get_outputs() if arg.name == FEATURES)
    _check_part(folder, HEAD_FILE, ENCODER_FILE, "input", head.get_inputs(), FEATURES, ["B", window, *features[1:]])
    names = [arg.name for arg in head.get_outputs()]
    wanted = head_outputs(model_cfg)
    if not set(wanted) <= set(names):
        got, want = (", ".join(map(repr, part)) or "none" for part in (names, wanted))
        raise BallspotError(
            f"{folder}: {HEAD_FILE} does not match {MANIFEST} (outputs {got}, expected {want}); export the model again"
        )


def _model_of(checkpoint: dict[str, Any]):
    from ballspot.engine.checkpoint import network_of

    return network_of(checkpoint, "checkpoint")


def export_onnx_format(checkpoint_path: Path, checkpoint: dict[str, Any], folder: Path, name: str) -> None:
    """`ballspot export --format onnx`: the checkpoint's encoder and head graphs and onnx.json."""
    from ballspot.predict.api import default_params

    params = default_params(checkpoint_path, checkpoint["config"].get("task") == "dense").to_dict()
    export_onnx(_model_of(checkpoint), checkpoint["config"], list(checkpoint["classes"]), params, folder)


def export_torchscript_format(checkpoint_path: Path, checkpoint: dict[str, Any], folder: Path, name: str) -> None:
    """`ballspot export --format torchscript`: encoder.pt and head.pt with the same onnx.json-style description."""
    from ballspot.predict.api import default_params

    params = default_params(checkpoint_path, checkpoint["config"].get("task") == "dense").to_dict()
    model = _model_of(checkpoint)
    export_torchscript(model, checkpoint["config"], folder)
    write_json(
        folder / TORCHSCRIPT_MANIFEST,
        {
            "format": "ballspot-torchscript",
            "format_version": FORMAT_VERSION,
            "model_config": model.cfg.to_dict(),
            "train_config": checkpoint["config"],
            "classes": list(checkpoint["classes"]),
            "postprocess": params,
            "encoder": {"file": "encoder.pt", "input": "stacks [N, C, H, W] float in [0, 1]"},
            "head": {"file": "head.pt", "outputs": head_outputs(model.cfg)},
        },
    )
