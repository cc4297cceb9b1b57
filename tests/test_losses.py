"""Loss and optimisation: focal loss against its formula and against cross-entropy, the optimiser's
parameter groups, the warm-up + cosine schedule and its checkpoint round trip, clipping, precision."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ballspot.engine.losses import FocalLoss, build_loss
from ballspot.engine.optim import (
    autocast_context,
    build_optimizer,
    build_scheduler,
    clip_gradients,
    make_grad_scaler,
    resolve_precision,
    use_channels_last,
)
from ballspot.errors import BallspotError


@pytest.fixture
def batch():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(16, 13, generator=generator) * 3
    target = torch.randint(0, 13, (16,), generator=generator)
    return logits, target


# --- focal loss ------------------------------------------------------------------------------------


def test_focal_with_gamma_zero_and_no_alpha_is_cross_entropy(batch):
    logits, target = batch
    torch.testing.assert_close(FocalLoss(gamma=0.0)(logits, target), F.cross_entropy(logits, target))


def test_focal_with_gamma_zero_on_soft_targets_is_soft_cross_entropy(batch):
    logits, _ = batch
    soft = torch.rand(16, 13).softmax(dim=1)
    torch.testing.assert_close(FocalLoss(gamma=0.0)(logits, soft), F.cross_entropy(logits, soft))


def test_focal_label_smoothing_matches_torch_cross_entropy(batch):
    logits, target = batch
    torch.testing.assert_close(
        FocalLoss(gamma=0.0, label_smoothing=0.1)(logits, target),
        F.cross_entropy(logits, target, label_smoothing=0.1),
    )


def test_focal_matches_its_formula(batch):
    logits, target = batch
    p_true = logits.softmax(dim=1).gather(1, target[:, None])[:, 0]
    expected = (-((1 - p_true) ** 2.0) * p_true.log()).mean()
    torch.testing.assert_close(FocalLoss(gamma=2.0)(logits, target), expected)


def test_alpha_weights_each_example_by_its_class(batch):
    logits, target = batch
    alpha = torch.linspace(0.1, 2.0, 13)
    per_example = F.cross_entropy(logits, target, reduction="none")
    expected = (alpha[target] * per_example).mean()
    torch.testing.assert_close(FocalLoss(alpha=alpha, gamma=0.0)(logits, target), expected)
    zero_for_first = torch.ones(13)
    zero_for_first[target[0]] = 0.0
    only_others = (per_example * (target != target[0])).mean()
    torch.testing.assert_close(FocalLoss(alpha=zero_for_first, gamma=0.0)(logits, target), only_others)


def test_gamma_turns_down_easy_examples_more_than_hard_ones():
    easy = torch.tensor([[6.0, 0.0, 0.0]])
    hard = torch.tensor([[0.0, 1.0, 0.0]])
    target = torch.tensor([0])
    focal, ce = FocalLoss(gamma=2.0), nn.CrossEntropyLoss()
    assert focal(easy, target) / ce(easy, target) < 0.01
    assert focal(hard, target) / ce(hard, target) > 0.4


def test_focal_gradient_is_finite_when_a_probability_rounds_to_one():
    logits = torch.tensor([[200.0, 0.0, 0.0], [0.0, 1.0, 2.0]], requires_grad=True)
    loss = FocalLoss(gamma=0.5)(logits, torch.tensor([0, 2]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


def test_focal_runs_in_float32_under_half_precision_logits(batch):
    logits, target = batch
    loss = FocalLoss(gamma=2.0)(logits.bfloat16(), target)
    assert loss.dtype == torch.float32
    torch.testing.assert_close(loss, FocalLoss(gamma=2.0)(logits.bfloat16().float(), target))


def test_build_loss_ce_uses_alpha_as_class_weights(batch):
    logits, target = batch
    alpha = [1.0] * 12 + [0.2]
    loss = build_loss("ce", 13, alpha=alpha, label_smoothing=0.05)
    expected = F.cross_entropy(logits, target, weight=torch.tensor(alpha), label_smoothing=0.05)
    torch.testing.assert_close(loss(logits, target), expected)
    assert isinstance(build_loss("focal", 13, gamma=1.5), FocalLoss)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(name="hinge", num_classes=13), "unknown loss 'hinge'"),
        (dict(name="focal", num_classes=13, alpha=[1.0] * 12), "12 values for 13 classes"),
        (dict(name="focal", num_classes=2, alpha=[1.0, -1.0]), "non-negative"),
        (dict(name="focal", num_classes=13, gamma=-1.0), "gamma"),
        (dict(name="ce", num_classes=13, label_smoothing=1.0), "label smoothing"),
    ],
)
def test_bad_loss_settings_are_errors(kwargs, message):
    with pytest.raises(BallspotError, match=message):
        build_loss(**kwargs)


# --- optimiser and schedule --------------------------------------------------------------------------


def small_net() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def test_weight_decay_skips_biases_and_norm_parameters():
    optimizer = build_optimizer(small_net(), "adamw", lr=1e-3, weight_decay=0.05)
    assert isinstance(optimizer, torch.optim.AdamW)
    decayed, plain = optimizer.param_groups
    assert decayed["weight_decay"] == 0.05 and all(p.ndim == 2 for p in decayed["params"])
    assert plain["weight_decay"] == 0.0 and all(p.ndim == 1 for p in plain["params"])
    assert len(decayed["params"]) + len(plain["params"]) == len(list(small_net().parameters()))
    assert type(build_optimizer(small_net(), "adam", lr=1e-3)) is torch.optim.Adam


@pytest.mark.parametrize("kwargs, message", [(dict(name="sgd"), "unknown optimizer"), (dict(lr=0.0), "learning rate")])
def test_bad_optimizer_settings_are_errors(kwargs, message):
    with pytest.raises(BallspotError, match=message):
        build_optimizer(small_net(), **{"name": "adam", "lr": 1e-3, **kwargs})


def lr_trace(scheduler, optimizer, steps: int) -> list[float]:
    trace = []
    for _ in range(steps):
        trace.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return trace


def test_schedule_warms_up_linearly_then_follows_a_cosine_to_zero():
    optimizer = build_optimizer(small_net(), "adam", lr=1.0)
    scheduler = build_scheduler(optimizer, warmup_steps=4, total_steps=14)
    trace = lr_trace(scheduler, optimizer, 15)
    assert trace[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    cosine = [0.5 * (1 + math.cos(math.pi * k / 10)) for k in range(11)]
    assert trace[4:] == pytest.approx(cosine)
    assert trace[-1] == pytest.approx(0.0, abs=1e-12)


def test_schedule_state_round_trips_through_a_checkpoint():
    optimizer = build_optimizer(small_net(), "adam", lr=0.1)
    scheduler = build_scheduler(optimizer, warmup_steps=3, total_steps=20, min_factor=0.05)
    lr_trace(scheduler, optimizer, 7)
    saved, saved_optimizer = scheduler.state_dict(), optimizer.state_dict()
    expected = lr_trace(scheduler, optimizer, 10)

    fresh_optimizer = build_optimizer(small_net(), "adam", lr=0.1)
    fresh = build_scheduler(fresh_optimizer, warmup_steps=0, total_steps=1)
    fresh_optimizer.load_state_dict(saved_optimizer)
    fresh.load_state_dict(saved)
    assert lr_trace(fresh, fresh_optimizer, 10) == pytest.approx(expected)
    assert expected[-1] == pytest.approx(0.1 * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * 13 / 17))))


def test_warmup_longer_than_the_run_is_cut_to_it():
    optimizer = build_optimizer(small_net(), "adam", lr=1.0)
    trace = lr_trace(build_scheduler(optimizer, warmup_steps=100, total_steps=4), optimizer, 4)
    assert trace == pytest.approx([0.25, 0.5, 0.75, 1.0])


def test_clip_gradients_bounds_the_global_norm_and_reports_it():
    net = small_net()
    net(torch.randn(8, 4)).pow(2).sum().mul(1000).backward()
    norm = clip_gradients(net.parameters(), max_norm=1.0)
    clipped = torch.sqrt(sum(p.grad.pow(2).sum() for p in net.parameters()))
    assert norm > 1.0 and clipped.item() == pytest.approx(1.0, rel=1e-4)
    assert clip_gradients(net.parameters(), max_norm=None) == pytest.approx(1.0, rel=1e-4)


# --- precision and memory format ----------------------------------------------------------------------


def test_auto_precision_is_fp32_on_cpu_and_fp16_needs_cuda():
    assert resolve_precision("cpu", "auto") == "fp32"
    assert resolve_precision("cpu", "bf16") == "bf16"
    with pytest.raises(BallspotError, match="fp16 needs a CUDA device"):
        resolve_precision("cpu", "fp16")
    with pytest.raises(BallspotError, match="unknown precision"):
        resolve_precision("cpu", "int8")


def test_autocast_context_runs_matmuls_in_the_asked_precision():
    a, b = torch.randn(4, 4), torch.randn(4, 4)
    with autocast_context("cpu", "bf16"):
        assert (a @ b).dtype == torch.bfloat16
    with autocast_context("cpu", "fp32"):
        assert (a @ b).dtype == torch.float32


def test_grad_scaler_is_a_pass_through_off_fp16():
    scaler = make_grad_scaler("cpu", "auto")
    assert not scaler.is_enabled()
    loss = torch.tensor(2.0, requires_grad=True)
    assert scaler.scale(loss) is loss


def test_channels_last_setting():
    assert use_channels_last("cpu", "auto") is True
    assert use_channels_last("cpu", False) is False
    with pytest.raises(BallspotError):
        use_channels_last("cpu", "sometimes")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fp16_training_step_on_cuda_scales_and_steps():
    net = small_net().cuda()
    optimizer = build_optimizer(net, "adam", lr=1e-2)
    scaler = make_grad_scaler("cuda", "fp16")
    assert scaler.is_enabled()
    x, y = torch.randn(8, 4, device="cuda"), torch.randint(0, 3, (8,), device="cuda")
    before = [p.detach().clone() for p in net.parameters()]
    with autocast_context("cuda", "fp16"):
        loss = build_loss("focal", 3).cuda()(net(x), y)
    scaler.scale(loss).backward()
    assert math.isfinite(clip_gradients(net.parameters(), 1.0, optimizer, scaler))
    scaler.step(optimizer)
    scaler.update()
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
