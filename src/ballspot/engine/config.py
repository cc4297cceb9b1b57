"""Training configuration: built-in defaults < a `--config` YAML < command-line options."""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ballspot.errors import BallspotError
from ballspot.soccernet.splits import SPLITS, split_names

if TYPE_CHECKING:
    from ballspot.video.decode import FrameFormat

TASKS = ("classify", "spot", "dense")
RUN_CONFIG_FILE = "config.yaml"
"""A run folder's configuration (`runs/<name>/config.yaml`, beside `weights/`), written as training starts."""
SEQUENCES = ("conv", "gru", "attention", "none")
COLORS = ("grey", "rgb")
POOLINGS = ("netvlad", "gem")
LOSSES = ("focal", "ce")
OPTIMIZERS = ("adam", "adamw")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")
DENSE_ONLY = (
    "event_clips",
    "event_balance",
    "clips_per_epoch",
    "every_frame",
    "mixup",
    "speed",
    "target_radius",
    "foreground_weight",
    "team",
    "team_weight",
    "offset_weight",
    "sequence",
    "sequence_layers",
    "sequence_channels",
)
"""Options only the dense task reads: set on another task they would do nothing, so they are refused."""


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved in the run folder and inside every checkpoint."""

    # data
    index: str = ""
    train_split: str = "train"
    """The split(s) trained on: one, or several joined by commas (`train,valid` for a final fit on both)."""
    valid_split: str = "valid"
    classes: str = "12"
    task: str = "classify"
    frames: int = 15
    stride: int = 2
    stack_size: int = 3
    color: str = "grey"
    height: int = 224
    width: int = 398
    fps: float = 25.0
    crop: float = 1.0
    """Share of the picture's width and height kept, centred, before resizing (1.0: the whole picture)."""
    jitter: int = 2
    augment: bool = True
    zoom: float = 0.88
    """Augmentation: half the training samples keep a random part of the picture, at least this share of its
    width and height, resized back (1.0: no zoom)."""
    motion: bool = False
    """Feed each grey stack as its middle frame and the differences between its consecutive frames."""
    camera: bool = False
    """Dense task: the team side also reads how far the picture moves in each stack (the camera's pan); no
    effect without the team side."""
    # dense task: clips of `frames` sampled frames anywhere in a game, a target for every frame
    event_clips: float = 0.75
    """Share of training clips placed around a random event (the others start anywhere)."""
    event_balance: float = 0.0
    """How an event-centred clip picks its event: each event weighs (events of its class)^-balance, so 0 picks
    every event alike and 1 every class alike (rare actions seen as often as passes)."""
    clips_per_epoch: int = 0
    """Training clips per epoch (0: as many as cover the training videos once)."""
    every_frame: bool = False
    """Training clips start on any frame at `fps`, not only every `stride`-th one, so the frames between the
    sampled ones are trained on too (the training videos' cache then holds every frame)."""
    speed: float = 0.0
    """Training clips play at a random speed between 1 - speed and 1 + speed (frames picked further apart or
    closer together, targets moved with them); 0 = off."""
    mixup: float = 0.0
    """Share of training clips blended with a second clip, pictures and targets alike (weight ~ Beta(0.4, 0.4))."""
    target_radius: int = 1
    """Frames either side of an event that also learn its class, with a weight falling off linearly."""
    foreground_weight: float = 5.0
    """Loss weight of the action classes against background (when `alpha` is not given)."""
    team: bool = True
    """Also learn the side (left/right) of the acting team, from the labels' `team`."""
    team_weight: float = 1.0
    phases: int = 1
    """Dense scoring (validation and predict): stack the video from this many starting frames spread over one
    stack and average the scores (1: stacks from the first frame only; 2 also from half a stack in)."""
    offset_weight: float = 1.0
    """Loss weight of placing an event on its frame inside its stack, against recognising it."""
    sequence: str = "conv"
    """The layer mixing stacks along time in the dense head: conv, gru, attention or none."""
    sequence_layers: int = 3
    sequence_channels: int = 256
    # model
    backbone: str = "tf_efficientnetv2_b0"
    pretrained: str | None = None
    """A timm weights file, "hub" (timm downloads the backbone's ImageNet weights), or None/"none"."""
    pooling: str = "netvlad"
    dropout: float = 0.4
    drop_path: float = 0.0
    """Stochastic depth in the encoder: the chance its deepest residual block is skipped in a training step
    (timm's drop_path_rate, lower for earlier blocks); 0 = off."""
    # optimisation
    epochs: int = 10
    validate_from: int = 1
    """First epoch (counted from 1) that ends with validation; the ones before only train, as the weights of
    an early epoch are rarely the best and validating a dense run costs a share of its time. The last epoch
    always validates, so fewer epochs than this still give a best model."""
    batch_size: int = 8
    lr: float = 1e-3
    optimizer: str = "adam"
    weight_decay: float = 0.0
    warmup_epochs: float = 1.0
    loss: str = "focal"
    gamma: float = 2.0
    alpha: list[float] | None = None
    grad_clip: float = 1.0
    ema: float = 0.0
    """Validate, keep and predict with a moving average of the weights, each step weighing the old average by
    this much (e.g. 0.99: about the last 100 steps; warmed up over the first steps); 0: the weights as trained."""
    precision: str = "auto"
    # runtime
    device: str = "auto"
    workers: int | None = None
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stacks(self) -> int:
        return self.frames // self.stack_size if self.color == "grey" else self.frames

    @property
    def in_chans(self) -> int:
        return self.stack_size if self.color == "grey" else 3

    def check(self) -> None:
        """Refuse values no run could use, with the option's name in the message."""
        choices = {
            "task": TASKS,
            "color": COLORS,
            "pooling": POOLINGS,
            "loss": LOSSES,
            "optimizer": OPTIMIZERS,
            "precision": PRECISIONS,
            "device": DEVICES,
            "classes": ("12", "2"),
            "sequence": SEQUENCES,
        }
        for name, allowed in choices.items():
            value = str(getattr(self, name))
            if value not in allowed:
                raise BallspotError(f"--{name.replace('_', '-')} must be one of {', '.join(allowed)}, got {value!r}")
        ranges = {
            "frames": (1, 256),
            "stride": (1, 50),
            "stack_size": (1, 16),
            "height": (32, 1080),
            "width": (32, 1920),
            "jitter": (0, 50),
            "epochs": (1, 10_000),
            "batch_size": (1, 4096),
            "clips_per_epoch": (0, 10_000_000),
            "target_radius": (0, 25),
            "sequence_layers": (1, 12),
            "sequence_channels": (4, 4096),
            "seed": (0, 2**32 - 1),
        }
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise BallspotError(f"--{spec.name.replace('_', '-')} must be a finite number, got {value}")
        for name, (low, high) in ranges.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise BallspotError(f"--{name.replace('_', '-')} must be between {low} and {high}, got {value}")
        for name in ("train_split", "valid_split"):
            value = getattr(self, name)
            if not all(part in SPLITS for part in split_names(str(value))):
                raise BallspotError(
                    f"{name} must name splits among {', '.join(SPLITS)}, joined by commas (train,valid), got {value!r}"
                )
        if self.validate_from < 1:
            raise BallspotError(f"validate_from must be at least 1, got {self.validate_from}")
        if self.workers is not None and not 0 <= self.workers <= 64:
            raise BallspotError(f"--workers must be between 0 and 64, got {self.workers}")
        if not 0 < self.lr <= 1:
            raise BallspotError(f"--lr must be in (0, 1], got {self.lr}")
        if not 0 <= self.dropout < 1:
            raise BallspotError(f"--dropout must be in [0, 1), got {self.dropout}")
        if not 0 <= self.drop_path < 1:
            raise BallspotError(f"drop_path must be in [0, 1), got {self.drop_path}")
        if not all(v >= 0 for v in (self.gamma, self.weight_decay, self.grad_clip, self.warmup_epochs)):  # NaN too
            raise BallspotError("--gamma, --weight-decay, --grad-clip and --warmup-epochs must be >= 0")
        if self.gamma > 10:
            raise BallspotError(f"--gamma must be at most 10 (0 to 5 is usual), got {self.gamma}")
        if self.weight_decay > 1:
            raise BallspotError(f"--weight-decay must be at most 1 (1e-4 to 0.05 is usual), got {self.weight_decay}")
        if not 0.0 <= self.event_clips <= 1.0:
            raise BallspotError(f"--event-clips must be between 0 and 1, got {self.event_clips}")
        group = self.stack_size if self.color == "grey" else 1
        if not 1 <= self.phases <= group or (self.phases > 1 and self.task != "dense"):
            raise BallspotError(
                f"--phases must be between 1 and the frames of a stack ({group}), and above 1 only for the dense "
                f"task; got {self.phases}"
            )
        if not 0.0 <= self.ema < 1.0:
            raise BallspotError(f"ema must be at least 0 and below 1, got {self.ema}")
        if not 0.0 <= self.speed <= 0.5:
            raise BallspotError(f"speed must be between 0 and 0.5, got {self.speed}")
        if not 0.0 <= self.mixup <= 1.0:
            raise BallspotError(f"--mixup must be between 0 and 1, got {self.mixup}")
        if not 0.0 <= self.event_balance <= 1.0:
            raise BallspotError(f"--event-balance must be between 0 and 1, got {self.event_balance}")
        if not (self.foreground_weight > 0 and self.team_weight >= 0 and self.offset_weight >= 0):
            raise BallspotError("--foreground-weight must be > 0, and --team-weight and --offset-weight >= 0")
        if self.task != "dense":
            default = TrainConfig()
            changed = [name for name in DENSE_ONLY if getattr(self, name) != getattr(default, name)]
            if changed:
                names = ", ".join(
                    f"--{'no-' if getattr(self, name) is False else ''}{name.replace('_', '-')}" for name in changed
                )
                raise BallspotError(
                    f"{names} only appl{'ies' if len(changed) == 1 else 'y'} to --task dense "
                    f"(this run's task is {self.task})"
                )
        if self.task == "dense" and self.stacks < 4:
            raise BallspotError(f"the dense task needs clips of at least 4 stacks (--frames), got {self.stacks}")
        if self.camera and (self.task != "dense" or self.color != "grey" or self.stack_size < 2):
            raise BallspotError("--camera needs --task dense and stacks of at least 2 grey frames")
        if self.motion and (self.color != "grey" or self.stack_size < 2):
            raise BallspotError("--motion needs stacks of at least 2 grey frames (--color grey, --stack-size >= 2)")
        if not 0.1 <= self.crop <= 1.0:
            raise BallspotError(f"--crop must be between 0.1 and 1, got {self.crop}")
        if not 0.1 <= self.zoom <= 1.0:
            raise BallspotError(f"zoom must be between 0.1 and 1, got {self.zoom}")
        if not 1 <= self.fps <= 120:  # below 1 a clip or a short video decodes to no frame at all
            raise BallspotError(f"fps must be between 1 and 120 frames a second, got {self.fps}")
        if self.color == "grey" and self.frames % self.stack_size:
            raise BallspotError(
                f"--frames ({self.frames}) must be a multiple of --stack-size ({self.stack_size}) for grey stacks"
            )
        if not isinstance(self.backbone, str) or not self.backbone.strip():
            raise BallspotError(f"--backbone must name a timm model, got {self.backbone!r}")
        self._check_alpha()

    def _check_alpha(self) -> None:
        """Class weights: one finite, non-negative number per output class (checked before any data is read)."""
        if self.alpha is None:
            return
        from ballspot.engine.data import output_classes

        outputs = len(output_classes(self))
        numbers = isinstance(self.alpha, list) and all(
            isinstance(a, int | float) and not isinstance(a, bool) and math.isfinite(a) and a >= 0 for a in self.alpha
        )
        if not numbers or len(self.alpha) != outputs:
            raise BallspotError(
                f"alpha must be a list of {outputs} finite, non-negative class weights (one per output class of "
                f"--task {self.task} with {self.classes} classes), got {self.alpha!r}"
            )

    def frame_format(self) -> FrameFormat:
        """The frames the network reads, as decoded for training and predict alike."""
        from ballspot.video.decode import FrameFormat

        return FrameFormat(
            height=self.height,
            width=self.width,
            fps=self.fps,
            grey=self.color == "grey",
            crop=self.crop,
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> TrainConfig:
        """A config from a dict, refusing unknown keys with a suggestion."""
        known = {f.name for f in dataclasses.fields(cls)}
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise BallspotError(f"{source}: unknown key {key!r}{hint}")
        types = {f.name: str(f.type) for f in dataclasses.fields(cls)}
        coerced = {key: _coerce(key, value, types[key], source) for key, value in values.items()}
        return cls(**{**dataclasses.asdict(cls()), **coerced})

    def merged(self, overrides: dict[str, Any], source: str = "options") -> TrainConfig:
        """A copy with `overrides` applied (keys checked like `from_dict`)."""
        return TrainConfig.from_dict({**self.to_dict(), **overrides}, source)


def _coerce(key: str, value: Any, annotation: str, source: str) -> Any:
    """The value as its field's type, or a one-line error.

    YAML 1.1 reads `1e-3` as a string (it wants `1.0e-3`) and `classes: 12` as an int: both are accepted.
    """
    kinds = [part.strip() for part in annotation.split("|")]
    if value is None:
        if "None" in kinds:
            return None
        raise BallspotError(f"{source}: {key} needs a value")
    kind = kinds[0]
    if kind in ("int", "float") and not isinstance(value, bool) and isinstance(value, int | float | str):
        try:
            number = float(value) if kind == "float" or isinstance(value, float) else int(str(value).strip())
        except ValueError:
            number = None
        if kind == "float" and number is not None:
            return number
        if kind == "int" and number is not None and float(number).is_integer():
            return int(number)
    elif kind == "str" and not isinstance(value, bool) and isinstance(value, str | int | float):
        return str(value)
    elif kind == "bool" and isinstance(value, bool):
        return value
    elif kind.startswith("list") and isinstance(value, list):
        return [_coerce(f"{key}[{i}]", item, "float", source) for i, item in enumerate(value)]
    elif kind.startswith("dict") and isinstance(value, dict):
        odd = _not_plain(value)
        if odd is not None:  # runs, checkpoints and tune's study keep the config as YAML or JSON
            raise BallspotError(
                f"{source}: {key} may hold text, finite numbers, true/false, lists and mappings with text keys; "
                f"got {odd!r}"
            )
        return value
    wanted = {"int": "an integer", "float": "a number", "str": "text", "bool": "true or false"}
    described = wanted.get(kind, "a list of numbers" if kind.startswith("list") else "a mapping")
    raise BallspotError(f"{source}: {key} must be {described}, got {value!r}")


def _not_plain(value: Any) -> Any:
    """The first value JSON cannot hold as it is (a date, bytes, NaN, a non-text key), or None."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return key
            odd = _not_plain(item)
            if odd is not None:
                return odd
        return None
    if isinstance(value, list):
        return next((odd for odd in map(_not_plain, value) if odd is not None), None)
    if isinstance(value, float) and not math.isfinite(value):
        return value
    return None if value is None or isinstance(value, str | int | float | bool) else value


def load_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping of config keys (dashes or underscores)."""
    from ballspot.inputfiles import read_yaml

    data = read_yaml(path, "config file")
    if data is None:  # an empty file or only comments: most likely the wrong file, not "all defaults"
        raise BallspotError(f"{path}: the config file sets nothing (write at least one option: value)")
    if not isinstance(data, dict):
        raise BallspotError(f"{path}: expected a mapping of option: value")
    refuse_spellings_of_one_option([str(key) for key in data], str(path))
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def refuse_spellings_of_one_option(keys: list[str], where: str) -> None:
    """`batch-size` and `batch_size` name one option: given both in one file, one would silently win."""
    seen: dict[str, str] = {}
    for key in keys:
        name = key.replace("-", "_")
        if name in seen:
            raise BallspotError(f"{where}: {seen[name]!r} and {key!r} are the same option; keep one")
        seen[name] = key


def trained_task(weights: Path) -> str | None:
    """The task (classify, spot or dense) of the run whose `weights/<name>.pt` `weights` is, from the run's
    config.yaml; None when that cannot be told (weights outside a run folder, a missing or unreadable config)."""
    from ballspot.inputfiles import read_yaml

    if weights.parent.name != "weights":
        return None
    config = weights.parent.parent / RUN_CONFIG_FILE
    if not config.is_file():
        return None
    try:
        data = read_yaml(config, "run configuration")
    except BallspotError:
        return None
    task = data.get("task") if isinstance(data, dict) else None
    return task if task in TASKS else None


def _yaml_settings(yaml_path: str | Path | None) -> tuple[dict[str, Any], str]:
    """The settings of a YAML file (a path or a shipped recipe's name) and the name its errors give; none and
    "config" without a file."""
    from ballspot.recipes import find_config

    if yaml_path is None:
        return {}, "config"
    path = find_config(yaml_path)
    return load_yaml(path), str(path)


def _given(options: dict[str, Any]) -> dict[str, Any]:
    """The options that were given (None: not given)."""
    return {key: value for key, value in options.items() if value is not None}


RESUME_FREE = ("device", "workers")
"""Settings a resumed run may take from the command line: where it continues, not what it learns."""


def resumed_config(saved: TrainConfig, requested: dict[str, Any], run_name: str) -> TrainConfig:
    """The saved settings of a run being resumed, with `RESUME_FREE` ones from `requested`; any other
    requested setting that differs from the saved one is an error naming it."""
    asked = saved.merged(requested, "options")
    changed = [
        f"{key} {getattr(saved, key)!r} -> {getattr(asked, key)!r}"
        for key in requested
        if key not in RESUME_FREE and getattr(asked, key) != getattr(saved, key)
    ]
    if changed:
        raise BallspotError(
            f"--resume continues run {run_name} with the settings it started with, so it cannot change "
            f"{', '.join(changed)}; drop those options, or start a new run with another --name"
        )
    return saved.merged({key: requested[key] for key in RESUME_FREE if key in requested})


def resolve_config(yaml_path: str | Path | None, options: dict[str, Any]) -> TrainConfig:
    """Defaults < YAML file (a path or a shipped recipe's name) < options that were given (None: not given)."""
    return resolve_settings(yaml_path, options)[0]


def resolve_settings(yaml_path: str | Path | None, options: dict[str, Any]) -> tuple[TrainConfig, dict[str, Any]]:
    """The checked config of `resolve_config` and the settings the command line asks for (its YAML file's,
    then the options that were given, as `resumed_config` compares them), from one reading of the file."""
    values, source = _yaml_settings(yaml_path)
    given = _given(options)
    from_file = TrainConfig.from_dict(values, source)
    config = from_file.merged(given)
    try:
        config.check()
    except BallspotError as exc:
        raise _naming_the_file(exc, from_file, source) from None
    return config, {**values, **given}


def _naming_the_file(exc: BallspotError, from_file: TrainConfig, source: str) -> BallspotError:
    """The error of a value the YAML file set (the file's settings alone fail the same way) with the file
    named: its message spells settings as options, which the command line may not have given."""
    if source == "config":
        return exc
    try:
        from_file.check()
    except BallspotError as alone:
        if str(alone) == str(exc):
            return BallspotError(f"{exc} (set in {source})")
    return exc
