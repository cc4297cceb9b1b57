"""The search space of `ballspot tune`: a YAML file of training options and their ranges.

Each key is a key of `ballspot train --config`; each value says how Optuna draws it (see default_space.yaml).
The file is checked as a whole before the first trial, so a typo fails at once with a one-line error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ballspot.engine.config import TrainConfig, refuse_spellings_of_one_option
from ballspot.errors import BallspotError

DEFAULT_SPACE = Path(__file__).with_name("default_space.yaml")
KINDS = ("float", "int", "categorical")
CHECKED_INTS = 64
"""An int range of at most this many values has each of them checked, not only its bounds."""
FIXED_KEYS = ("index", "train_split", "valid_split", "classes", "device", "workers", "extra", "pretrained")
"""Options that say what to train on or where, not how: never tuned."""


@dataclass(frozen=True)
class ParamSpec:
    """One tuned option: its distribution."""

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()

    def suggest(self, trial) -> Any:
        """Draw a value through an Optuna trial (which records it)."""
        if self.kind == "categorical":
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), step=int(self.step or 1), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, step=self.step, log=self.log)

    def distribution(self):
        """The Optuna distribution `suggest` draws from."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.kind == "categorical":
            return CategoricalDistribution(list(self.choices))
        if self.kind == "int":
            return IntDistribution(int(self.low), int(self.high), step=int(self.step or 1), log=self.log)
        return FloatDistribution(self.low, self.high, step=self.step, log=self.log)

    def largest(self) -> Any:
        """The largest value a trial can draw: the largest choice, or the last step of a range."""
        if self.kind == "categorical":
            return max(self.choices)
        if self.kind == "int":
            return range(int(self.low), int(self.high) + 1, int(self.step or 1))[-1]
        return self.high

    def checked_values(self) -> list[Any]:
        """The values checked against the training config before any trial: every choice, every value of an int
        range of at most CHECKED_INTS (a value inside can break a rule the bounds keep: stack_size 2 with 15
        frames), else the bounds."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.kind == "int":
            values = range(int(self.low), int(self.high) + 1, int(self.step or 1))
            return list(values) if len(values) <= CHECKED_INTS else [int(self.low), int(self.high)]
        return [self.low, self.high]


def load_space(path: Path | None = None, base: TrainConfig | None = None) -> list[ParamSpec]:
    """The search space in `path` (default: the built-in one), checked against `base` (the trials' config)."""
    from ballspot.inputfiles import read_yaml

    path = path or DEFAULT_SPACE
    data = read_yaml(path, "search space file")
    if not isinstance(data, dict) or not data:
        raise BallspotError(f"{path}: expected a mapping of training option: range (see `ballspot tune --help`)")
    refuse_spellings_of_one_option([str(key) for key in data], path.name)  # Optuna refuses drawing one twice
    specs = [parse_entry(str(key).replace("-", "_"), value, path.name) for key, value in data.items()]
    check_against(specs, base or TrainConfig(), path.name)
    return specs


def parse_entry(name: str, value: Any, where: str) -> ParamSpec:
    """One `name: {type: ..., ...}` (or `name: [choices]`) entry as a ParamSpec, or a one-line error."""
    known = [f.name for f in dataclasses.fields(TrainConfig)]
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise BallspotError(f"{where}: {name!r} is not a training option{hint}")
    if name in FIXED_KEYS:
        raise BallspotError(f"{where}: {name!r} cannot be tuned (give it to `ballspot tune` as an option instead)")
    if isinstance(value, list):
        value = {"type": "categorical", "choices": value}
    if not isinstance(value, dict):
        raise BallspotError(f"{where}: {name}: expected {{type: float|int|categorical, ...}} or a list of choices")
    kind = value.get("type")
    if "type" not in value:  # {low: 0.001, high: 0.1} alone: say what is missing, not "got None"
        raise BallspotError(f"{where}: {name}: no type; add type: {' | '.join(KINDS)} (or give a list of choices)")
    if kind not in KINDS:
        raise BallspotError(f"{where}: {name}: type must be one of {', '.join(KINDS)}, got {kind!r}")
    allowed = {"type", "choices"} if kind == "categorical" else {"type", "low", "high", "log", "step"}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise BallspotError(f"{where}: {name}: unknown key(s) {', '.join(unknown)} for type {kind}")
    if kind == "categorical":
        choices = value.get("choices")
        if not isinstance(choices, list) or not choices:
            raise BallspotError(f"{where}: {name}: choices must be a non-empty list")
        if any(not isinstance(c, bool | int | float | str) for c in choices):
            raise BallspotError(f"{where}: {name}: choices must be distinct numbers, text or true/false")
        if pair := _repeated_choice(choices):
            first, second = (_shown(c) for c in pair)
            raise BallspotError(f"{where}: {name}: choices {first} and {second} are the same value; keep one")
        return ParamSpec(name, kind, choices=tuple(choices))
    if kind == "float" and _field_kind(name) == "int":  # whole bounds pass the check; trials draw 5.5 and fail
        raise BallspotError(
            f"{where}: {name} takes whole numbers: use type: int (float would draw values such as 5.5, which every "
            "trial refuses)"
        )
    low, high = _number(value, "low", name, where), _number(value, "high", name, where)
    log = value.get("log", False)
    if not isinstance(log, bool):
        raise BallspotError(f"{where}: {name}: log must be true or false")
    step = value.get("step")
    if step is not None:
        step = _number(value, "step", name, where)
        if step <= 0:
            raise BallspotError(f"{where}: {name}: step must be > 0")
        if log:
            raise BallspotError(f"{where}: {name}: step and log cannot be combined")
    if kind == "int" and not all(float(v).is_integer() for v in (low, high, step or 1)):
        raise BallspotError(f"{where}: {name}: low, high and step of an int must be whole numbers")
    if not low < high:
        raise BallspotError(f"{where}: {name}: low ({low}) must be below high ({high})")
    if log and low <= 0:
        raise BallspotError(f"{where}: {name}: a log scale needs low > 0, got {low}")
    if step is not None:
        _check_step(kind, low, high, step, value["step"], name, where)
    return ParamSpec(name, kind, low=low, high=high, log=log, step=step)


def _repeated_choice(choices: list[Any]) -> tuple[Any, Any] | None:
    """The first two choices that are equal (4 and 4.0, 1 and true: Optuna records either as the first), if any."""
    for i, earlier in enumerate(choices):
        for later in choices[i + 1 :]:
            if earlier == later:
                return earlier, later
    return None


def _shown(choice: Any) -> str:
    """A choice as the YAML file spells it."""
    return str(choice).lower() if isinstance(choice, bool) else repr(choice)


def _field_kind(name: str) -> str:
    """The type of training option `name` as its config field declares it: int, float, str ..."""
    annotation = next(str(f.type) for f in dataclasses.fields(TrainConfig) if f.name == name)
    return annotation.split("|")[0].strip()


def _check_step(kind: str, low: float, high: float, step: float, given: Any, name: str, where: str) -> None:
    """The range must be whole steps long: Optuna would lower `high` to the last whole step with only a warning
    (down to `low` alone for a step larger than the range). Worked out in decimals, as Optuna does."""
    number = int if kind == "int" else float
    d_low, d_step = Decimal(str(number(low))), Decimal(str(number(step)))
    span = Decimal(str(number(high))) - d_low
    if d_step > span:
        raise BallspotError(
            f"{where}: {name}: step {given} is larger than high - low ({span}); use a smaller step or a wider range"
        )
    if span % d_step:
        last = number((span // d_step) * d_step + d_low)
        raise BallspotError(
            f"{where}: {name}: step {given} does not divide high - low ({span}), so the range would end at {last}; "
            "make high - low a whole number of steps"
        )


def _number(entry: dict, key: str, name: str, where: str) -> float:
    value = entry.get(key)
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BallspotError(f"{where}: {name}: {key} must be a number, got {value!r}")
    return float(value)


def check_against(specs: list[ParamSpec], base: TrainConfig, where: str) -> None:
    """Every bound and choice must make a config `train` accepts (alone, on top of `base`)."""
    for spec in specs:
        for value in spec.checked_values():
            try:
                base.merged({spec.name: value}, f"{where}: {spec.name}").check()
            except BallspotError as exc:
                raise BallspotError(f"{where}: {spec.name} = {value!r} would fail: {exc}") from None


def suggest(trial, specs: list[ParamSpec]) -> dict[str, Any]:
    """One value per tuned option, drawn through `trial`."""
    return {spec.name: spec.suggest(trial) for spec in specs}
