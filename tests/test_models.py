"""The spotter network: configuration, shapes, the encode/head split, pooling, pretrained weights, errors.

Every model here is built on timm's tiny `test_efficientnet` (0.1 M parameters) over 64×112 stacks, with
random weights: nothing is downloaded.
"""

from __future__ import annotations

import logging

import pytest
import timm
import torch
import torch.nn.functional as F

from ballspot.engine.losses import build_loss
from ballspot.engine.optim import build_optimizer
from ballspot.errors import BallspotError
from ballspot.models.config import ModelConfig
from ballspot.models.encoder import create_encoder
from ballspot.models.network import build_model
from ballspot.models.pooling import GeM, NetVLAD
from ballspot.models.temporal import build_temporal

TINY = "test_efficientnet"
H, W = 64, 112


def tiny_config(**changes) -> ModelConfig:
    settings = dict(backbone=TINY, temporal_channels=16, vlad_clusters=4, dropout=0.0)
    return ModelConfig(**{**settings, **changes})


def clips(batch: int = 2, stacks: int = 5, channels: int = 3, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, stacks, channels, H, W, generator=generator)


# --- configuration ---------------------------------------------------------------------------------


def test_default_config_follows_the_seed():
    cfg = ModelConfig()
    shape = (cfg.backbone, cfg.stacks, cfg.stack_size, cfg.in_chans, cfg.pooling)
    assert shape == ("tf_efficientnetv2_b0", 5, 3, 3, "netvlad")
    assert cfg.num_classes == 12 and cfg.pretrained is None


def test_config_round_trips_through_a_dict():
    cfg = ModelConfig(backbone=TINY, num_classes=13, pooling="gem", pretrained="/w/b0.pth", temporal_blocks=2)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.replace(num_classes=12).num_classes == 12


def test_unknown_config_key_is_an_error_with_a_suggestion():
    with pytest.raises(BallspotError, match="did you mean 'vlad_clusters'"):
        ModelConfig.from_dict({"vlad_cluster": 16})


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"pooling": "max"}, "unknown pooling"),
        ({"num_classes": 0}, "num_classes"),
        ({"stacks": 2.5}, "stacks"),
        ({"dropout": 1.0}, "dropout"),
        ({"drop_path": 1.0}, "drop_path"),
        ({"drop_path": "0.1"}, "drop_path"),
        ({"temporal_blocks": -1}, "temporal_blocks"),
        ({"motion": True, "stack_size": 1}, "motion"),
    ],
)
def test_invalid_config_values_are_errors(changes, message):
    with pytest.raises(BallspotError, match=message):
        ModelConfig(**changes)


def test_drop_path_skips_residual_blocks_only_while_training():
    from timm.layers import DropPath

    small = dict(backbone="mobilenetv3_small_050", pooling="gem")  # the tiny test net has no residual block
    plain, deep = build_model(tiny_config(**small)), build_model(tiny_config(**small, drop_path=0.5))
    assert not any(isinstance(m, DropPath) for m in plain.modules())
    assert any(isinstance(m, DropPath) for m in deep.modules())
    deep.load_state_dict(plain.state_dict())  # no weights of its own: checkpoints stay interchangeable
    x = clips()
    deep.eval(), plain.eval()
    torch.testing.assert_close(deep(x), plain(x))  # off at inference
    deep.train()
    torch.manual_seed(0)
    assert not torch.allclose(deep(x), deep(x))  # a different set of blocks skipped each step


# --- shapes and the encode/head split -----------------------------------------------------------------


@pytest.mark.parametrize("pooling", ["netvlad", "gem"])
@pytest.mark.parametrize("num_classes", [12, 13])
def test_forward_gives_one_logit_per_class(pooling, num_classes):
    torch.manual_seed(0)
    model = build_model(tiny_config(pooling=pooling, num_classes=num_classes)).eval()
    with torch.no_grad():
        logits = model(clips())
    assert logits.shape == (2, num_classes)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("pooling", ["netvlad", "gem"])
def test_encode_then_head_equals_forward(pooling):
    torch.manual_seed(0)
    model = build_model(tiny_config(pooling=pooling, num_classes=13)).eval()
    x = clips(batch=3)
    with torch.no_grad():
        features = model.encode(x.flatten(0, 1))
        split = model.head(features.unflatten(0, (3, 5)))
        whole = model(x)
    assert features.shape[:2] == (15, model.feature_channels) and features.ndim == 4
    torch.testing.assert_close(split, whole)


def test_encoded_stacks_can_be_reused_across_sliding_windows():
    """Predict's reuse: encoding 7 stacks once and taking windows of 5 equals running each window whole."""
    torch.manual_seed(0)
    model = build_model(tiny_config(num_classes=13)).eval()
    video_stacks = clips(batch=1, stacks=7)[0]
    with torch.no_grad():
        cached = model.encode(video_stacks)
        windows = torch.stack([cached[start : start + 5] for start in range(3)])
        reused = model.head(windows)
        direct = model(torch.stack([video_stacks[start : start + 5] for start in range(3)]))
    torch.testing.assert_close(reused, direct, rtol=1e-4, atol=1e-5)


def test_uint8_input_is_scaled_like_unit_floats():
    torch.manual_seed(0)
    model = build_model(tiny_config()).eval()
    raw = torch.randint(0, 256, (1, 5, 3, H, W), dtype=torch.uint8)
    with torch.no_grad():
        torch.testing.assert_close(model(raw), model(raw.float() / 255.0))


def test_channels_last_gives_the_same_logits():
    torch.manual_seed(0)
    model = build_model(tiny_config()).eval()
    x = clips()
    with torch.no_grad():
        before = model(x)
        after = model.to_channels_last()(x)
    assert model.encoder.conv_stem.weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-5)


def test_one_channel_stacks_and_no_temporal_block_work():
    torch.manual_seed(0)
    model = build_model(tiny_config(stack_size=1, stacks=4, temporal_blocks=0, pooling="gem")).eval()
    with torch.no_grad():
        assert model(clips(stacks=4, channels=1)).shape == (2, 12)


def test_wrong_input_shapes_are_errors():
    model = build_model(tiny_config()).eval()
    with pytest.raises(BallspotError, match=r"\[B, S, C, H, W\]"):
        model(torch.rand(5, 3, H, W))
    with pytest.raises(BallspotError, match="encode expects"):
        model(clips(channels=1))
    with pytest.raises(BallspotError, match="head expects"):
        model(clips(stacks=4))


@pytest.mark.parametrize("pooling", ["netvlad", "gem"])
def test_a_few_adam_steps_lower_the_loss_on_a_fixed_batch(pooling):
    torch.manual_seed(0)
    model = build_model(tiny_config(pooling=pooling, num_classes=13)).train()
    x = clips(batch=4)
    target = torch.tensor([0, 5, 12, 3])
    loss_fn = build_loss("focal", 13, gamma=2.0)
    optimizer = build_optimizer(model, "adam", lr=3e-3)
    losses = []
    for _ in range(12):
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(map(torch.isfinite, map(torch.tensor, losses)))
    assert losses[-1] < 0.5 * losses[0]


def test_temporal_block_mixes_neighbouring_stacks_only():
    """A change in stack 0 reaches stack 1 (3-wide kernel) but not stack 4 through one block."""
    torch.manual_seed(0)
    block = build_temporal(8, 1).eval()
    x = torch.rand(1, 8, 5, 4, 4)
    y = x.clone()
    y[:, :, 0] += 1.0
    with torch.no_grad():
        difference = (block(x) - block(y)).abs().amax(dim=(0, 1, 3, 4))
    assert difference[1] > 0 and difference[4] == 0


# --- pooling ---------------------------------------------------------------------------------------


def test_netvlad_is_unit_norm_orderless_and_sized_clusters_times_dim():
    torch.manual_seed(0)
    pool = NetVLAD(dim=6, clusters=4)
    maps = torch.randn(3, 6, 5, 7)
    out = pool(maps)
    assert out.shape == (3, 24)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))
    shuffled = maps.flatten(2)[:, :, torch.randperm(35)].view(3, 6, 5, 7)
    torch.testing.assert_close(pool(shuffled), out)


def test_netvlad_matches_the_residual_formula():
    torch.manual_seed(0)
    pool = NetVLAD(dim=3, clusters=2)
    maps = torch.randn(1, 3, 2, 2)
    descriptors = F.normalize(maps.flatten(2)[0].T, dim=1)  # [P, C]
    logits = descriptors @ pool.assign.weight[:, :, 0].T + pool.assign.bias  # [P, K]
    soft = logits.softmax(dim=1)
    residuals = torch.stack(
        [sum(soft[p, k] * (descriptors[p] - pool.centroids[k]) for p in range(4)) for k in range(2)]
    )
    expected = F.normalize(F.normalize(residuals, dim=1).flatten(), dim=0)
    torch.testing.assert_close(pool(maps)[0], expected)


def test_gem_spans_average_to_max_pooling():
    maps = torch.rand(2, 4, 3, 5) + 0.1
    gem = GeM(dim=4, p=1.0)
    torch.testing.assert_close(gem(maps), maps.mean(dim=(2, 3)))
    with torch.no_grad():
        gem.p.fill_(60.0)
    torch.testing.assert_close(gem(maps), maps.amax(dim=(2, 3)), rtol=0.05, atol=0.0)
    assert gem(maps).shape == (2, 4)


# --- backbones and pretrained weights --------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    """A full test_efficientnet (with its 1000-class classifier) saved as timm would publish it."""
    torch.manual_seed(1)
    source = timm.create_model(TINY, pretrained=False)
    with torch.no_grad():
        for tensor in source.state_dict().values():
            if tensor.is_floating_point():
                tensor.normal_()
    path = tmp_path_factory.mktemp("weights") / "tiny.pth"
    torch.save(source.state_dict(), path)
    return path, source.state_dict()


def test_pretrained_weights_load_from_a_local_file(tiny_weights):
    path, saved = tiny_weights
    model = build_model(tiny_config(pretrained=str(path)))
    loaded = model.encoder.state_dict()
    assert loaded.keys() <= saved.keys()
    for key, tensor in loaded.items():
        torch.testing.assert_close(tensor, saved[key], msg=key)
    assert "classifier.weight" in saved and "classifier.weight" not in loaded


def test_pretrained_weights_load_from_safetensors_and_adapt_to_one_channel(tiny_weights, tmp_path):
    from safetensors.torch import save_file

    path, saved = tiny_weights
    st_path = tmp_path / "tiny.safetensors"
    save_file({key: value.contiguous() for key, value in saved.items()}, st_path)
    encoder = create_encoder(TINY, in_chans=1, pretrained=str(st_path))
    torch.testing.assert_close(encoder.conv_stem.weight, saved["conv_stem.weight"].sum(dim=1, keepdim=True))
    torch.testing.assert_close(encoder.bn1.weight, saved["bn1.weight"])


def test_load_pretrained_false_ignores_the_file(tmp_path):
    cfg = tiny_config(pretrained=str(tmp_path / "gone.pth"))
    assert build_model(cfg, load_pretrained=False).cfg.pretrained == cfg.pretrained
    with pytest.raises(BallspotError, match="not found"):
        build_model(cfg)


def test_unknown_backbone_is_a_one_line_error():
    with pytest.raises(BallspotError, match="unknown timm backbone 'tf_efficientnetv2_b9'.*did you mean") as info:
        build_model(tiny_config(backbone="tf_efficientnetv2_b9"))
    assert "\n" not in str(info.value)


def test_backbone_without_a_feature_map_is_an_error():
    model = build_model(tiny_config(backbone="test_vit"))
    with pytest.raises(BallspotError, match="no 2D feature map"):
        model(torch.rand(1, 5, 3, 160, 160))


def test_corrupt_weights_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "corrupt.pth"
    path.write_bytes(b"\x80\x02not really a checkpoint" * 20)
    with pytest.raises(BallspotError, match="cannot read weights file") as info:
        build_model(tiny_config(pretrained=str(path)))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty; copy or download it again"),
        ("zip", "a zip archive of other files (notes.txt), not a file torch.save wrote"),
        ("half", "the file is truncated or damaged (PytorchStreamReader failed reading zip archive: failed finding "
                 "central directory); copy or download it again"),
    ],
)  # fmt: skip
def test_an_empty_cut_or_foreign_weights_file_says_what_it_is(tmp_path, tiny_weights, content, problem):
    import zipfile

    path = tmp_path / "w.pth"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
    elif content == "half":
        whole = tiny_weights[0].read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    else:
        path.write_bytes(content)
    with pytest.raises(BallspotError) as info:
        build_model(tiny_config(pretrained=str(path)))
    assert str(info.value) == f"cannot read weights file {path}: {problem}"


def test_weights_of_another_architecture_are_refused(tmp_path):
    path = tmp_path / "resnet.pth"
    torch.save(timm.create_model("test_resnet", pretrained=False).state_dict(), path)
    with pytest.raises(BallspotError, match="does not fit backbone test_efficientnet"):
        build_model(tiny_config(pretrained=str(path)))


def test_weights_of_another_architecture_log_nothing_besides_the_error(tmp_path, caplog):
    path = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(3, 3)}, path)  # timm warns of the unexpected key on stderr
    with caplog.at_level(logging.WARNING), pytest.raises(BallspotError, match="does not fit backbone"):
        build_model(tiny_config(pretrained=str(path)))
    assert not [record.getMessage() for record in caplog.records if record.name.startswith("timm")]


def test_weights_missing_some_layers_are_refused(tiny_weights, tmp_path):
    _, saved = tiny_weights
    partial = {key: value for key, value in saved.items() if not key.startswith("conv_head")}
    path = tmp_path / "partial.pth"
    torch.save(partial, path)
    with pytest.raises(BallspotError, match=r"tensors missing \(first: conv_head"):
        build_model(tiny_config(pretrained=str(path)))


# --- motion input -------------------------------------------------------------------------------------


def test_motion_input_is_the_middle_frame_and_the_frame_differences():
    from ballspot.models.network import MotionInput

    frames = torch.stack([torch.full((4, 6), value) for value in (0.1, 0.4, 0.2)])[None]  # [1, 3, 4, 6]
    moved = MotionInput(gain=4.0)(frames)
    assert moved.shape == frames.shape
    assert torch.allclose(moved[0, 0], frames[0, 1])
    assert torch.allclose(moved[0, 1], torch.full((4, 6), 4 * 0.3))
    assert torch.allclose(moved[0, 2], torch.full((4, 6), 4 * -0.2))
    still = torch.rand(1, 1, 4, 6).expand(1, 3, 4, 6)
    assert torch.count_nonzero(MotionInput()(still)[:, 1:]) == 0  # nothing moves: no difference signal


def test_a_motion_model_sees_what_moves_and_round_trips_its_config():
    model = build_model(tiny_config(motion=True)).eval()
    plain = build_model(tiny_config()).eval()
    plain.load_state_dict(model.state_dict())  # same weights: only the input mapping differs
    x = clips()
    with torch.no_grad():
        assert model(x).shape == plain(x).shape and not torch.allclose(model(x), plain(x))
    assert ModelConfig.from_dict(model.cfg.to_dict()).motion is True
    assert ModelConfig.from_dict({k: v for k, v in model.cfg.to_dict().items() if k != "motion"}).motion is False
