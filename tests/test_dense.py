"""The dense spotter's pieces: per-frame targets, the windowed scorer, flip TTA, soft suppression."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ballspot.engine.config import TrainConfig
from ballspot.engine.dense import DenseClipDataset, DenseSplit, event_weights
from ballspot.engine.dense_targets import GameEvents, dense_targets
from ballspot.engine.video_cache import SampledVideo
from ballspot.errors import BallspotError
from ballspot.models.config import ModelConfig
from ballspot.models.dense import DenseOutput
from ballspot.models.network import build_model
from ballspot.predict.dense_scorer import DenseScorer
from ballspot.predict.postprocess import PostprocessParams, pick_peaks, soft_suppression

ACTIONS = 3


def events(frames, classes, teams=None) -> GameEvents:
    teams = teams if teams is not None else [-1] * len(frames)
    return GameEvents(np.array(frames), np.array(classes), np.array(teams))


def test_an_event_gets_its_class_at_its_frame_and_a_linear_fall_off_around():
    targets = dense_targets(events([10], [1], [1]), start=5, length=12, num_actions=ACTIONS, radius=2)
    assert targets.classes.shape == (12, ACTIONS + 1)
    np.testing.assert_allclose(targets.classes.sum(axis=1), 1.0)
    np.testing.assert_allclose(targets.classes[3:8, 1], [1 / 3, 2 / 3, 1.0, 2 / 3, 1 / 3])
    assert targets.classes[:3, ACTIONS].tolist() == [1.0, 1.0, 1.0] and targets.classes[8:, 1].sum() == 0
    np.testing.assert_allclose(targets.team_weight[3:8], [1 / 3, 2 / 3, 1.0, 2 / 3, 1 / 3])
    assert targets.team[5] == 1.0 and targets.team_weight[:3].sum() == 0


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (20, {0: 1.0, 1: 0.5}),  # on the first frame of the clip
        (19, {0: 0.5}),  # one frame before the clip: only its spread reaches in
        (18, {}),  # two frames before: nothing
        (29, {9: 1.0, 8: 0.5}),  # on the last frame
        (30, {9: 0.5}),  # one frame after the clip
    ],
)
def test_targets_at_the_edges_of_a_clip(frame, expected):
    targets = dense_targets(events([frame], [2]), start=20, length=10, num_actions=ACTIONS, radius=1)
    got = {t: float(v) for t, v in enumerate(targets.classes[:, 2]) if v > 0}
    assert got == pytest.approx(expected)


def test_events_a_frame_apart_keep_their_own_frame():
    targets = dense_targets(events([4, 5], [0, 1]), start=0, length=10, num_actions=ACTIONS, radius=1)
    first, second = targets.classes[4], targets.classes[5]
    assert first.argmax() == 0 and second.argmax() == 1
    assert first.sum() == pytest.approx(1.0) and first[ACTIONS] == 0.0  # no room left for background
    same = dense_targets(events([4, 5], [1, 1]), start=0, length=10, num_actions=ACTIONS, radius=1)
    assert same.classes[4, 1] == 1.0 and same.classes[5, 1] == 1.0 and same.classes[6, 1] == 0.5


def _events(classes: list[int]) -> GameEvents:
    n = len(classes)
    return GameEvents(np.arange(n) * 50, np.array(classes, np.int64), np.zeros(n, np.int64))


def test_event_balance_one_picks_every_class_alike_and_zero_every_event_alike():
    games = [_events([0, 0, 0, 1]), _events([0, 0, 2])]  # five of class 0, one of 1, one of 2
    assert event_weights(games, 0.0) is None
    weights = event_weights(games, 1.0)
    per_class = np.bincount(np.concatenate([g.classes for g in games]), weights=weights)
    np.testing.assert_allclose(per_class, [1 / 3, 1 / 3, 1 / 3])
    half = event_weights(games, 0.5)
    assert half[3] > half[0] and half.sum() == pytest.approx(1.0)  # a rare event more likely than a common one


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_balance": -0.1}, "event-balance"),
        ({"event_balance": 1.5}, "event-balance"),
        ({"mixup": 2.0}, "mixup"),
        ({"offset_weight": -1.0}, "offset-weight"),
    ],
)
def test_dense_sampling_and_loss_weights_outside_their_range_are_refused(changes, message):
    with pytest.raises(BallspotError, match=message):
        TrainConfig(**changes).check()


def test_a_stacks_likeliest_frame_carries_its_class_probability():
    classes = torch.log(torch.tensor([[[0.6, 0.1, 0.3], [0.0, 0.0, 1.0]]]).clamp(min=1e-12))  # 2 actions + background
    offsets = torch.log(torch.tensor([[[0.5, 0.25, 0.25], [0.2, 0.6, 0.2]]]))
    frames, team = DenseOutput(classes, offsets, torch.zeros(1, 2)).frame_probabilities()
    assert frames.shape == (1, 6, 3) and team.shape == (1, 6)
    np.testing.assert_allclose(frames[0, :3, 0].numpy(), [0.6, 0.3, 0.3], atol=1e-6)  # 0.6 × (1, 1/2, 1/2)
    np.testing.assert_allclose(frames[0, 0].numpy(), [0.6, 0.1, 0.3], atol=1e-6)
    assert (frames[..., -1] >= 0).all()  # background is what the actions leave, never negative


def _clips(mixup: float) -> DenseClipDataset:
    """A dataset over two 100-frame videos, one black with left-side events, one white with right-side ones."""
    videos = [SampledVideo(Path(f"{i}.mp4"), np.full((100, 8, 8), 255 * i, np.uint8), 2, 200) for i in (0, 1)]
    events = [GameEvents(np.array([40, 120]), np.array([0, 1]), np.array([side, side])) for side in (0, 1)]
    data = DenseSplit(videos, events, [[], []], ["a", "b"])
    config = TrainConfig(task="dense", frames=12, stack_size=3, height=8, width=8, mixup=mixup, augment=False)
    return DenseClipDataset(data, config, num_actions=2, clips=64)


def test_mixup_blends_two_clips_pictures_and_targets_alike():
    plain, mixed = _clips(0.0), _clips(1.0)
    blended = 0
    for i in range(len(mixed)):
        x, classes, team, team_weight = mixed[i]
        share = float(x.mean())  # the white video's share of the blend
        np.testing.assert_allclose(classes.sum(-1).numpy(), 1.0, atol=1e-5)
        assert ((team >= 0) & (team <= 1)).all() and (team_weight <= 1 + 1e-6).all()
        blended += 0.01 < share < 0.99
    assert blended > len(mixed) // 4  # half the pairs come from different videos
    x, classes, *_ = plain[3]
    assert float(x.mean()) in (0.0, 1.0) and set(np.unique(classes.numpy())) <= {0.0, 0.5, 1.0}
    np.testing.assert_array_equal(mixed[5][0].numpy(), mixed[5][0].numpy())  # the same sample every time


def test_every_frame_clips_start_on_odd_frames_too_and_their_targets_follow():
    raw = np.arange(200, dtype=np.uint8)[:, None, None].repeat(8, 1).repeat(8, 2)  # frame i reads i
    video = SampledVideo(Path("v.mp4"), raw, 1, 200)
    data = DenseSplit([video], [GameEvents(np.array([41, 120]), np.array([0, 1]), np.array([0, 1]))], [[]], ["v"])
    config = TrainConfig(task="dense", frames=12, stack_size=3, height=8, width=8, augment=False, every_frame=True)
    clips = DenseClipDataset(data, config, num_actions=2, clips=64)
    starts = set()
    for i in range(len(clips)):
        x, classes, *_ = clips[i]
        shown = np.rint(x.flatten(0, 1)[:, 0, 0].numpy() * 255).astype(int)  # the raw frame of each sampled one
        np.testing.assert_array_equal(np.diff(shown), 2)  # every 2nd frame, from wherever the clip starts
        starts.add(shown[0] % 2)
        for frame, action in ((41, 0), (120, 1)):
            if 0 <= frame - shown[0] < 24:  # targets cover every frame the clip spans
                assert classes[frame - shown[0], action] == 1.0
    assert starts == {0, 1}
    assert len(video.at_stride(2).frames) == 100 and video.at_stride(2).frames[3, 0, 0] == 6


def test_events_without_a_side_carry_no_team_loss():
    targets = dense_targets(events([3, 8], [0, 1], [-1, 0]), start=0, length=12, num_actions=ACTIONS, radius=1)
    assert targets.team_weight[2:5].sum() == 0 and targets.team_weight[8] == 1.0 and targets.team[8] == 0.0


def tiny_dense(sequence: str = "none", temporal_blocks: int = 0, positions_per_stack: int = 2) -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = ModelConfig(
        backbone="test_efficientnet",
        num_classes=ACTIONS + 1,
        stacks=8,
        stack_size=3,
        pooling="gem",
        head="dense",
        positions_per_stack=positions_per_stack,
        sequence=sequence,
        sequence_layers=1,
        sequence_channels=8,
        temporal_blocks=temporal_blocks,
        team=True,
    )
    return build_model(cfg).eval()


def run_scorer(model, stacks: torch.Tensor, window: int, batch_size: int, flip: bool = False):
    scorer = DenseScorer(model, window, torch.device("cpu"), batch_size=batch_size, flip=flip)
    results = [*scorer.push(stacks[:5]), *scorer.push(stacks[5:]), *scorer.finish()]
    return results


@pytest.mark.parametrize(("count", "window", "batch_size"), [(3, 8, 2), (8, 8, 3), (23, 8, 4), (40, 12, 5)])
def test_windows_cover_every_position_once_and_equal_one_pass_when_the_head_is_local(count, window, batch_size):
    model = tiny_dense()  # no temporal mixing: a position's score depends on its own stack only
    stacks = torch.rand(count, 3, 32, 64)
    results = run_scorer(model, stacks, window, batch_size)
    firsts = [r.first for r in results]
    lengths = [len(r.classes) for r in results]
    assert firsts == list(np.cumsum([0, *lengths[:-1]])) and sum(lengths) == count * 2
    with torch.inference_mode():
        classes, team = model(stacks[None]).frame_probabilities()
    np.testing.assert_allclose(np.concatenate([r.classes for r in results]), classes[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(np.concatenate([r.team for r in results]), team[0].numpy(), atol=1e-5)


def test_flip_tta_swaps_the_team_side_of_the_mirror_image():
    model = tiny_dense(sequence="conv", temporal_blocks=1)
    stacks = torch.rand(12, 3, 32, 64)
    straight = np.concatenate([r.team for r in run_scorer(model, stacks, 8, 4, flip=True)])
    mirrored = np.concatenate([r.team for r in run_scorer(model, stacks.flip(-1), 8, 4, flip=True)])
    np.testing.assert_allclose(straight, 1.0 - mirrored, atol=1e-5)
    classes = np.concatenate([r.classes for r in run_scorer(model, stacks, 8, 4, flip=True)])
    mirrored_classes = np.concatenate([r.classes for r in run_scorer(model, stacks.flip(-1), 8, 4, flip=True)])
    np.testing.assert_allclose(classes, mirrored_classes, atol=1e-5)
    plain = np.concatenate([r.team for r in run_scorer(model, stacks, 8, 4)])
    assert not np.allclose(plain, straight)


def test_soft_suppression_keeps_neighbours_with_decayed_scores():
    scores = np.array([0.0, 0.2, 0.9, 0.4, 0.0, 0.0, 0.0, 0.5, 0.0])
    kept, confidences = soft_suppression(scores, radius=2, threshold=0.01)
    assert kept.tolist()[:2] == [2, 7]
    decayed = dict(zip(kept.tolist(), confidences.tolist(), strict=True))
    assert decayed[3] == pytest.approx(0.4 / 3) and decayed[1] == pytest.approx(0.2 / 3 * 2 / 3)  # decayed twice
    assert 0 not in decayed and 4 not in decayed  # below the threshold from the start


def test_pick_peaks_soft_gives_more_candidates_than_peaks():
    rng = np.random.default_rng(0)
    scores = rng.random((200, 2)) * 0.3
    soft = pick_peaks(scores, ["PASS", "DRIVE"], PostprocessParams(smooth_s=0, suppression="soft"), 0.04)
    peaks = pick_peaks(scores, ["PASS", "DRIVE"], PostprocessParams(smooth_s=0), 0.04)
    assert len(soft) > len(peaks) > 0
    assert {(c, i) for c, i, _ in peaks} <= {(c, i) for c, i, _ in soft}


def test_postprocess_search_soft_events_above_a_threshold_equal_a_run_at_that_threshold():
    from ballspot.tune.postprocess_search import ScoredGame, class_events

    rng = np.random.default_rng(1)
    scores = rng.random((300, 1)) ** 3
    game = ScoredGame("g", {1: (np.arange(300) * 0.04, scores)}, [])
    low = class_events(game, 0, 0.0, 1.0, 0.01, 0.04, "soft")
    high = class_events(game, 0, 0.0, 1.0, 0.2, 0.04, "soft")
    keep = low[2] >= 0.2
    assert sorted(zip(low[0][keep], low[2][keep], strict=True)) == sorted(zip(high[0], high[2], strict=True))


@pytest.mark.parametrize("damage", ["[" * 5000 + "]" * 5000, '{"shape": "x"}', "not json"])
def test_a_damaged_whole_video_cache_index_is_a_one_line_error(tmp_path, damage):
    from ballspot.engine.video_cache import cached_video
    from ballspot.errors import BallspotError
    from ballspot.video.decode import FrameFormat
    from tests.videos import counter_frames, encode

    video = encode(tmp_path / "v.mp4", counter_frames(10), audio=False)
    fmt = FrameFormat(height=32, width=64, fps=25.0, grey=True, crop=1.0)
    assert len(cached_video(video, fmt, 2, tmp_path / "cache").frames) == 5
    (meta,) = (tmp_path / "cache").glob("video-*.json")
    meta.write_text(damage)
    with pytest.raises(BallspotError, match="is damaged; delete it and rerun"):
        cached_video(video, fmt, 2, tmp_path / "cache")


def _phase_model() -> torch.nn.Module:
    """A dense model with temporal mixing whose stacks span 6 frames (3 kept frames, every 2nd frame)."""
    return tiny_dense(sequence="conv", temporal_blocks=1, positions_per_stack=6)


def _dense_track(model, frames: np.ndarray, phases: int, chunk: int):
    from ballspot.predict.spotter import dense_scores, join_blocks

    config = TrainConfig(task="dense", frames=24, stack_size=3, stride=2, phases=phases)
    raw = 2 * len(frames)
    chunks = ((frames[i : i + chunk], min(raw, 2 * (i + chunk))) for i in range(0, len(frames), chunk))
    return join_blocks(dense_scores(chunks, model, config, torch.device("cpu"), batch_size=2))


@pytest.mark.parametrize("chunk", [7, 64])
def test_phases_average_the_scores_of_stacks_started_later(chunk):
    model = _phase_model()
    frames = np.random.default_rng(0).integers(0, 255, (41, 32, 64), dtype=np.uint8)
    times, scores, team = _dense_track(model, frames, phases=3, chunk=chunk)
    assert len(times) == 2 * len(frames) and np.allclose(np.diff(times), 1 / 25)
    total, teams, counts = np.zeros_like(scores, dtype=np.float64), np.zeros(len(team)), np.zeros(len(team))
    for shift in (0, 1, 2):  # a third of a 3-frame stack each
        _, own, own_team = _dense_track(model, frames[shift:], phases=1, chunk=chunk)
        total[2 * shift :] += own
        teams[2 * shift :] += own_team
        counts[2 * shift :] += 1
    np.testing.assert_allclose(scores, total / counts[:, None], atol=1e-5)
    np.testing.assert_allclose(team, teams / counts, atol=1e-5)
    one = _dense_track(model, frames, phases=1, chunk=chunk)[1]
    assert not np.allclose(one, scores, atol=1e-3)  # the other phases do change the scores


def test_phases_on_a_video_shorter_than_the_shift_score_every_frame():
    times, scores, _ = _dense_track(_phase_model(), np.zeros((1, 32, 64), np.uint8), phases=3, chunk=8)
    assert len(times) == 2 and scores.shape[0] == 2


@pytest.mark.parametrize("changes", [{"phases": 4}, {"phases": 0}, {"phases": 2, "task": "spot"}])
def test_phases_beyond_a_stack_or_outside_the_dense_task_are_refused(changes):
    with pytest.raises(BallspotError, match="phases"):
        TrainConfig(**{"task": "dense", "stack_size": 3, **changes}).check()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"task": "classify", "sequence": "gru"}, "--sequence only applies"),
        ({"task": "spot", "team": False, "mixup": 0.5}, "--mixup, --no-team only apply"),
    ],
)
def test_dense_only_options_on_another_task_are_refused(changes, named):
    with pytest.raises(BallspotError, match=named):
        TrainConfig(**changes).check()
    TrainConfig(task="dense", **{k: v for k, v in changes.items() if k != "task"}).check()


def test_speed_picks_frames_further_apart_or_closer_and_moves_the_targets_with_them(monkeypatch):
    monkeypatch.setattr("ballspot.engine.dense.augment", lambda x, rng, zoom: (x, False))  # frames stay readable
    raw = (np.arange(400) % 256).astype(np.uint8)[:, None, None].repeat(8, 1).repeat(8, 2)  # frame i reads i
    video = SampledVideo(Path("v.mp4"), raw[:256], 1, 256)
    data = DenseSplit([video], [GameEvents(np.array([100]), np.array([0]), np.array([1]))], [[]], ["v"])
    config = TrainConfig(task="dense", frames=12, stack_size=3, height=8, width=8, every_frame=True, speed=0.3)
    clips = DenseClipDataset(data, config, num_actions=2, clips=64)
    steps = set()
    for i in range(len(clips)):
        x, classes, *_ = clips[i]
        shown = np.rint(x.flatten(0, 1)[:, 0, 0].numpy() * 255).astype(int)
        speed = (shown[-1] - shown[0]) / (2 * 11)  # 12 sampled frames, every 2nd at speed 1
        assert 0.7 - 0.05 <= speed <= 1.3 + 0.05
        steps.update(np.diff(shown).tolist())
        if shown[0] <= 100 <= shown[-1]:  # the event lands where the clip shows its frame
            target = int(np.argmax(classes[:, 0].numpy()))
            assert abs(shown[0] + target * speed - 100) <= 1.5
    assert {1, 2, 3} <= steps  # slower and faster than every 2nd frame


@pytest.mark.parametrize("speed", [-0.1, 0.6])
def test_speed_outside_its_range_is_refused(speed):
    with pytest.raises(BallspotError, match="speed"):
        TrainConfig(task="dense", speed=speed).check()


def test_a_whole_video_cache_stopped_during_its_first_build_leaves_no_empty_folder(tmp_path, monkeypatch):
    """Ctrl-C while the first video decodes: the cache folders it made go, a folder already there stays."""
    from ballspot.engine import video_cache
    from ballspot.video.decode import FrameFormat
    from tests.videos import counter_frames, encode

    video = encode(tmp_path / "v.mp4", counter_frames(10), audio=False)
    fmt = FrameFormat(height=32, width=64, fps=25.0, grey=True, crop=1.0)
    kept = tmp_path / "kept"
    kept.mkdir()

    def stopped(*args, **kwargs):
        yield from ()
        raise KeyboardInterrupt

    monkeypatch.setattr(video_cache, "stream_frames", stopped)
    for cache in (tmp_path / "cache" / "videos", kept / "videos", kept):
        with pytest.raises(KeyboardInterrupt):
            video_cache.cached_video(video, fmt, 2, cache)
    assert not (tmp_path / "cache").exists() and not (kept / "videos").exists() and kept.is_dir()
