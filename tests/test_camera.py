"""The camera shift input of the dense head: how far the picture moves inside a stack."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ballspot.engine.config import TrainConfig
from ballspot.errors import BallspotError
from ballspot.models.camera import CameraShift, profile_shift
from ballspot.models.config import ModelConfig
from ballspot.models.network import build_model
from ballspot.predict.dense_scorer import DenseScorer


def panned(shifts_x, shifts_y=None, height=48, width=96, seed=0) -> torch.Tensor:
    """[1, k, H, W] views of one random picture, each cut `shifts` pixels further right / down."""
    picture = torch.rand(height * 2, width * 2, generator=torch.Generator().manual_seed(seed))
    picture = torch.nn.functional.avg_pool2d(picture[None, None], 3, 1, 1)[0, 0]  # some texture, not noise
    shifts_y = shifts_y or [0] * len(shifts_x)
    corners = zip(shifts_x, shifts_y, strict=True)
    views = [picture[20 + dy : 20 + dy + height, 20 + dx : 20 + dx + width] for dx, dy in corners]
    return torch.stack(views)[None]


def test_the_shift_of_a_moving_picture_is_found_and_summed_over_the_stack():
    # the view moving right by 2 then 3 pixels: the content moves left by 5 pixels of the 96
    shift = CameraShift()(panned([0, 2, 5], [0, 1, 1]))
    assert shift[0, 0].item() == pytest.approx(-5 / 96, abs=0.2 / 96)
    assert shift[0, 1].item() == pytest.approx(-1 / 48, abs=0.2 / 48)
    assert CameraShift()(panned([5, 2, 0]))[0, 0].item() == pytest.approx(5 / 96, abs=0.2 / 96)


def test_a_still_or_flat_picture_does_not_move():
    assert CameraShift()(panned([3, 3, 3, 3])).abs().amax().item() * 48 < 0.1  # under a tenth of a pixel
    assert torch.count_nonzero(CameraShift()(torch.full((2, 4, 16, 32), 0.5))) == 0


def test_mirroring_the_picture_mirrors_the_horizontal_shift_only():
    frames = panned([0, 2, 4], [0, 1, 2])
    straight, mirrored = CameraShift()(frames), CameraShift()(frames.flip(-1))
    assert mirrored[0, 0].item() == pytest.approx(-straight[0, 0].item(), abs=1e-6)
    assert mirrored[0, 1].item() == pytest.approx(straight[0, 1].item(), abs=1e-6)


def test_a_fractional_shift_lands_between_the_pixels():
    signal = np.sin(np.linspace(0, 12, 300)) + 0.4 * np.sin(np.linspace(0, 41, 300))
    grid = np.arange(120, dtype=float)
    profiles = torch.tensor(
        np.stack([np.interp(grid + 90, np.arange(300), signal), np.interp(grid + 90 - 2.5, np.arange(300), signal)])
    )[None].float()
    shift = profile_shift(profiles, max_shift=10).item()
    assert 2.0 < shift < 3.0


def dense(camera: bool) -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = ModelConfig(backbone="test_efficientnet", num_classes=4, stacks=8, stack_size=3, pooling="gem",
                      head="dense", positions_per_stack=2, sequence="conv", sequence_layers=1, sequence_channels=8,
                      temporal_channels=16, team=True, camera=camera)  # fmt: skip
    return build_model(cfg).eval()


def test_a_camera_model_caches_the_shift_beside_its_features_and_predicts_from_it():
    model = dense(camera=True)
    stacks = torch.stack([panned([3 * i, 3 * i + 1, 3 * i + 2], seed=i)[0] for i in range(10)])  # [10, 3, 48, 96]
    with torch.inference_mode():
        features = model.encode(stacks)
        assert model.feature_channels == 18 and features.shape[1] == 18
        expected = CameraShift()(model.normalize(stacks))
        torch.testing.assert_close(features[:, 16:, 0, 0], expected)
        assert torch.equal(features[:, 16:].amax(dim=(2, 3)), features[:, 16:].amin(dim=(2, 3)))  # constant maps
        whole = model(stacks[None]).frame_probabilities()[1][0].numpy()
        scorer = DenseScorer(model, 32, torch.device("cpu"), batch_size=4)  # one window: the whole stream
        windows = [*scorer.push(stacks[:6]), *scorer.push(stacks[6:]), *scorer.finish()]
    np.testing.assert_allclose(np.concatenate([w.team for w in windows]), whole, atol=1e-5)
    with pytest.raises(BallspotError, match="head expects"):
        model.head(features[None, :, :16])  # features of a model without the camera


def test_the_camera_needs_the_dense_task_and_stacks_of_frames():
    with pytest.raises(BallspotError, match="camera needs the dense head with a team side"):
        ModelConfig(backbone="test_efficientnet", camera=True)
    with pytest.raises(BallspotError, match="--camera needs --task dense and stacks"):
        TrainConfig(task="spot", camera=True).check()
    assert ModelConfig.from_dict({k: v for k, v in dense(True).cfg.to_dict().items() if k != "camera"}).camera is False


def test_without_the_team_side_the_camera_is_left_out():
    from ballspot.engine.trainer import _model_config

    config = TrainConfig(task="dense", frames=12, stack_size=3, team=False, camera=True, backbone="test_efficientnet")
    config.check()
    assert _model_config(config, 13).camera is False
    assert _model_config(dataclasses.replace(config, team=True), 13).camera is True


def test_a_torchscript_export_carries_the_camera_shift(tmp_path):
    from ballspot.export.onnx import export_torchscript

    model = dense(camera=True)
    export_torchscript(model, {"height": 48, "width": 96}, tmp_path)
    encoder, head = torch.jit.load(str(tmp_path / "encoder.pt")), torch.jit.load(str(tmp_path / "head.pt"))
    stacks = torch.stack([panned([2 * i, 2 * i + 1, 2 * i + 3], seed=i)[0] for i in range(5)])
    with torch.inference_mode():
        features = model.encode(stacks)
        torch.testing.assert_close(encoder(stacks), features, atol=1e-4, rtol=0)
        team = head(features[None])[2]
        torch.testing.assert_close(team, model.head(features[None]).team, atol=1e-4, rtol=0)
