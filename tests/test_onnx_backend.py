"""ONNX export equals PyTorch, and `predict --backend onnxruntime` finds the same events as PyTorch."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from ballspot.cli.app import app
from ballspot.export.onnx import export_onnx, read_manifest
from ballspot.models.config import ModelConfig
from ballspot.models.network import build_model
from tests.assertions import assert_one_error_line
from tests.test_dense_pipeline import GAMES, league, run  # noqa: F401  (module fixtures: a tiny trained run)
from tests.videos import counter_frames, encode

pytest.importorskip("onnxruntime")
runner = CliRunner()


def test_exporting_without_the_onnx_packages_says_how_to_install_them(tmp_path, monkeypatch):
    import ballspot.export.onnx as onnx_export
    from ballspot.errors import BallspotError

    monkeypatch.setattr(onnx_export, "find_spec", lambda name: None)
    model = build_model(ModelConfig(backbone="test_efficientnet", num_classes=13, stacks=4)).eval()
    with pytest.raises(BallspotError, match=r"needs onnx and onnxscript: pip install 'ballspot\[onnx\]'"):
        export_onnx(model, {"height": 32, "width": 64}, ["PASS", "BACKGROUND"], {}, tmp_path)


@pytest.mark.parametrize(
    "head, sequence, team, camera",
    [
        ("dense", "conv", True, False),
        ("dense", "gru", False, False),
        ("dense", "attention", True, False),
        ("dense", "conv", True, True),
        ("window", "conv", False, False),
    ],
)
def test_exported_graphs_equal_pytorch_within_1e_4(tmp_path, head, sequence, team, camera):
    from ballspot.predict.backends import OnnxNetwork

    torch.manual_seed(0)
    cfg = ModelConfig(backbone="test_efficientnet", num_classes=13, head=head, stacks=4, pooling="gem",
                      positions_per_stack=6 if head == "dense" else 1, sequence=sequence, sequence_channels=32,
                      team=team, camera=camera)  # fmt: skip
    model = build_model(cfg).eval()
    for module in model.modules():  # random BatchNorm statistics, so the check sees them
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    export_onnx(model, {"height": 32, "width": 64}, ["PASS", "BACKGROUND"], {}, tmp_path)
    network = OnnxNetwork(tmp_path, read_manifest(tmp_path), threads=1)
    stacks = torch.rand(5, 3, 32, 64)  # another batch size than the export's example
    with torch.inference_mode():
        features = model.encode(stacks)
        assert torch.allclose(network.encode(stacks), features, atol=1e-4, rtol=0)
        windows = 7 if head == "dense" else 4  # dense heads take any number of stacks
        feats = torch.randn(2, windows, *features.shape[1:])
        expected, got = model.head(feats), network.head(feats)
    if head == "window":
        assert got.shape == expected.shape and torch.allclose(got, expected, atol=1e-4, rtol=0)
        return
    for name in ("classes", "offsets", "team"):
        want, have = getattr(expected, name), getattr(got, name)
        assert (want is None) == (have is None)
        if want is not None:
            assert have.shape == want.shape and torch.allclose(have, want, atol=1e-4, rtol=0)


def test_onnxruntime_backend_finds_the_same_events_as_pytorch(run, league, tmp_path):  # noqa: F811
    model = str(run["best"])
    documents = {}
    for backend in ("torch", "onnxruntime"):
        out = tmp_path / backend
        args = ["predict", str(league), "--model", model, "--backend", backend, "--out", str(out), "--json"]
        result = runner.invoke(app, [*args, "--threads", "1"], env={"BALLSPOT_CACHE_DIR": str(tmp_path / "cache")})
        assert result.exit_code == 0, result.output
        documents[backend] = json.loads(result.stdout)
    assert len(documents["torch"]) == len(GAMES)
    for want, have in zip(documents["torch"], documents["onnxruntime"], strict=True):
        assert want["predictions"], "the tiny model finds candidates"
        keys = [[(p["label"], p["position"], p["half"], p["team"]) for p in d["predictions"]] for d in (want, have)]
        assert keys[0] == keys[1]
        confidences = [np.array([p["confidence"] for p in d["predictions"]]) for d in (want, have)]
        np.testing.assert_allclose(confidences[1], confidences[0], atol=1e-4)


def test_an_exported_folder_predicts_alone_and_bad_folders_fail_in_one_line(run, league, tmp_path):  # noqa: F811
    out = tmp_path / "onnx"
    result = runner.invoke(app, ["export", str(run["best"]), str(out), "--format", "onnx", "-q"])
    assert result.exit_code == 0, result.output
    assert {"encoder.onnx", "head.onnx", "onnx.json"} <= {p.name for p in out.iterdir()}
    video = league / GAMES[1] / "224p.mp4"
    result = runner.invoke(app, ["predict", str(video), "--model", str(out), "--json", "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["predictions"]
    (out / "head.onnx").write_bytes(b"not a graph")
    result = runner.invoke(app, ["predict", str(video), "--model", str(out), "--out", str(tmp_path / "q")])
    assert_one_error_line(result, "cannot load the ONNX graphs")


@pytest.fixture(scope="module")
def exported(run, tmp_path_factory):  # noqa: F811
    """The tiny run's ONNX export, written once; each test damages a copy."""
    out = tmp_path_factory.mktemp("onnx-export") / "onnx"
    result = runner.invoke(app, ["export", str(run["best"]), str(out), "--format", "onnx", "-q"])
    assert result.exit_code == 0, result.output
    return out


def _foreign_head(**model):
    """A damage: head.onnx of another model of the same backbone in place of the export's own."""

    def damage(folder):
        cfg = ModelConfig(backbone="test_efficientnet", num_classes=13, stacks=4, pooling="gem", **model)
        export_onnx(build_model(cfg).eval(), {"height": 32, "width": 64}, [], {}, folder.parent / "other")
        shutil.copyfile(folder.parent / "other" / "head.onnx", folder / "head.onnx")

    return damage


def _train_config(folder, **values):
    manifest = json.loads((folder / "onnx.json").read_text())
    manifest["train_config"].update(values)
    (folder / "onnx.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda f: shutil.copyfile(f / "head.onnx", f / "encoder.onnx"),
            "encoder.onnx does not match onnx.json (input 'features' [windows, stacks, ",
        ),
        (
            lambda f: shutil.copyfile(f / "encoder.onnx", f / "head.onnx"),
            "head.onnx does not match onnx.json (input 'stacks' [n, 3, 32, 64], expected 'features' [B, S, D, h, w])",
        ),
        (
            _foreign_head(head="window"),
            "head.onnx does not match onnx.json (outputs 'logits', expected 'classes', 'offsets', 'team')",
        ),
        (
            _foreign_head(head="dense", positions_per_stack=6, team=True, camera=True),
            "head.onnx does not match encoder.onnx (input 'features' [windows, stacks, ",
        ),
        (lambda f: _train_config(f, height=64), "expected 'stacks' [N, 3, 64, 64])"),
        (lambda f: _train_config(f, stack_size=2), "expected 'stacks' [N, 2, 32, 64])"),
    ],
    ids=["head-as-encoder", "encoder-as-head", "window-head", "camera-head", "height", "stack-size"],
)
def test_graphs_unlike_onnx_json_fail_in_one_line_before_any_output(exported, league, tmp_path, damage, message):  # noqa: F811
    folder = tmp_path / "onnx"
    shutil.copytree(exported, folder)
    damage(folder)
    video, out = league / GAMES[1] / "224p.mp4", tmp_path / "p"
    args = ["predict", str(video), "--model", str(folder), "--backend", "onnxruntime", "--device", "cpu"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert_one_error_line(result, f"{folder}: ", message, "; export the model again")
    assert not out.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"encoder": "encoder.onnx"}, "no valid encoder"),
        ({"model_config": None}, "no valid model_config"),
        ({"classes": 13}, "no valid classes"),
        ({"classes": [*range(12), "BACKGROUND"]}, "no valid classes"),
        ({"opset": "DIGITS"}, "digits long"),  # written as a number 5001 digits long
        ({"classes": ["PASS", "BACKGROUND"]}, "2 classes for 13 network outputs"),
        ({"postprocess": {"threshold": 5}}, "onnx.json: postprocess: threshold must be between 0 and 1, got 5"),
    ],
)
def test_a_damaged_onnx_json_is_one_line(tmp_path, change, message):
    cfg = ModelConfig(backbone="test_efficientnet", num_classes=13, pooling="gem")
    export_onnx(build_model(cfg).eval(), {"height": 32, "width": 64}, [f"C{i}" for i in range(12)] + ["BACKGROUND"],
                {}, tmp_path / "onnx")  # fmt: skip
    manifest = json.loads((tmp_path / "onnx" / "onnx.json").read_text())
    manifest.update({key: value for key, value in change.items() if value is not None})
    manifest = {key: value for key, value in manifest.items() if change.get(key, ...) is not None}
    (tmp_path / "onnx" / "onnx.json").write_text(json.dumps(manifest).replace('"DIGITS"', "1" + "0" * 5000))
    video = encode(tmp_path / "clip.mp4", counter_frames(10, 64, 112))
    result = runner.invoke(app, ["predict", str(video), "--model", str(tmp_path / "onnx"), "--out", str(tmp_path)])
    assert_one_error_line(result, message)


def test_torchscript_export_equals_the_checkpoint(run, tmp_path):  # noqa: F811
    from ballspot.engine.checkpoint import load_model

    out = tmp_path / "ts"
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        result = runner.invoke(app, ["export", str(run["best"]), str(out), "--format", "torchscript", "-q"])
    assert result.exit_code == 0, result.output
    assert not [w for w in shown if issubclass(w.category, FutureWarning)]  # nothing on stderr with -q
    model, config, _ = load_model(run["best"])
    encoder, head = torch.jit.load(str(out / "encoder.pt")), torch.jit.load(str(out / "head.pt"))
    stacks = torch.rand(3, model.cfg.in_chans, config.height, config.width)
    with torch.inference_mode():
        features = model.encode(stacks)
        assert torch.allclose(encoder(stacks), features, atol=1e-4, rtol=0)
        windows = features[None].repeat(1, 2, 1, 1, 1)  # 6 stacks: more than the export's example
        classes, offsets, *team = head(windows)
        expected = model.head(windows)
    assert torch.allclose(classes, expected.classes, atol=1e-4, rtol=0)
    assert torch.allclose(offsets, expected.offsets, atol=1e-4, rtol=0)
    assert json.loads((out / "torchscript.json").read_text())["classes"][-1] == "BACKGROUND"
    (tmp_path / "any.mp4").touch()  # the videos are checked first; the model is refused before one is read
    refused = runner.invoke(app, ["predict", str(tmp_path / "any.mp4"), "--model", str(out)])
    assert_one_error_line(refused, "is a TorchScript export, for torch.jit.load outside ballspot")


def test_an_onnx_export_of_a_window_model_finds_the_same_events(tiny_run, tmp_path):
    from tests.tiny_run import game_video

    clip = game_video(tmp_path / "match.mp4", frames=100)
    out = tmp_path / "window-onnx"
    assert runner.invoke(app, ["export", str(tiny_run["best"]), str(out), "--format", "onnx", "-q"]).exit_code == 0
    found = []
    for model in (tiny_run["best"], out):
        args = ["predict", str(clip), "--model", str(model), "--device", "cpu", "--threads", "1", "--json"]
        result = runner.invoke(app, [*args, "--out", str(tmp_path / model.name)])
        assert result.exit_code == 0, result.output
        found.append(json.loads(result.stdout)["predictions"])
    assert found[0], "the tiny model finds candidates"
    keys = [[(p["label"], p["position"], p["half"]) for p in predictions] for predictions in found]
    assert keys[1] == keys[0]
    confidences = [np.array([p["confidence"] for p in predictions]) for predictions in found]
    np.testing.assert_allclose(confidences[1], confidences[0], atol=1e-4)


def test_a_conversion_killed_while_writing_leaves_nothing_in_the_cache(run, league, tmp_path):  # noqa: F811
    from ballspot.digests import file_sha256

    cache = tmp_path / "cache"
    name = file_sha256(run["best"])[:24]
    killed = cache / "onnx" / f".{name}.999999999.k1ll.part"  # no process has that id
    killed.mkdir(parents=True)
    (killed / "spotter.onnx").write_bytes(b"half" * 100)
    video = next(league.rglob("224p.mp4"))
    args = [
        "predict",
        str(video),
        "--model",
        str(run["best"]),
        "--backend",
        "onnxruntime",
        "--out",
        str(tmp_path / "o"),
    ]
    result = runner.invoke(app, [*args, "-q", "--threads", "1"], env={"BALLSPOT_CACHE_DIR": str(cache)})
    assert result.exit_code == 0, result.output
    assert [p.name for p in (cache / "onnx").iterdir()] == [name]
