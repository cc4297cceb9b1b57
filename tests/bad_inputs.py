"""The bad-input corpus: small generated files and options that every command must refuse in one line.

Each `Case` is one command line built from a `Kit` of generated inputs (made once, lazily). Running a case
(`run_case`) gives an `Outcome`: a clear error (the exit code asked for, one error message on stderr, nothing on
stdout, no traceback, no file or folder left in the output folder, nor that folder made and left empty), a
traceback, a silent acceptance (exit 0), or another failure (a wrong code or message).
tests/test_bad_inputs.py asserts every case is a clear error; benchmarks/bad_inputs.py prints the counts per
command.
"""

from __future__ import annotations

import functools
import json
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from tests.videos import counter_frames, encode, ffmpeg

ALIAS_BOMB = "extra:\n  a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
"""A YAML config of 400 bytes whose aliases of aliases expand to 9**9 values (a "billion laughs")."""
NESTED = "[" * 5000 + "]" * 5000
"""JSON nested 5000 levels deep: Python's parser runs out of stack at about 1000."""
UNWRITABLE = "/proc/ballspot-test/out"
"""A folder no process can create (not even root)."""


def labels_text(annotations: list, **extra) -> str:
    return json.dumps({"UrlLocal": "", "annotations": annotations, **extra})


def damaged_zip(name: str, data: bytes) -> bytes:
    """A zip of one deflated member whose compressed bytes are damaged (its directory intact: zlib fails)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    raw = bytearray(buffer.getvalue())
    start = 30 + len(name.encode())  # the member's compressed bytes follow its local header
    raw[start : start + 40] = bytes(b ^ 0xAA for b in raw[start : start + 40])
    return bytes(raw)


def zip_of(name: str, content: str) -> bytes:
    """A zip holding one file `name` (a zip that torch.save did not write)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def annotation(label: str = "PASS", position: object = "400", game_time: object = "1 - 00:00", **extra) -> dict:
    item = {"gameTime": game_time, "label": label, "position": position, **extra}
    return {k: v for k, v in item.items() if v is not None}


class Kit:
    """Generated inputs under `base`, each made on first use: videos, labels, clips, an index, a tiny model."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._fresh = 0
        (base / "files").mkdir(parents=True, exist_ok=True)  # every case can run alone (`-k`)

    def fresh(self) -> Path:
        """A new folder path (not created) for one case's outputs."""
        self._fresh += 1
        return self.base / "out" / f"case-{self._fresh}"

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.base / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    @functools.cached_property
    def empty_run(self) -> Path:
        """A run folder whose training stopped before its first checkpoint: weights/ holds nothing."""
        folder = self.base / "empty-run"
        (folder / "weights").mkdir(parents=True, exist_ok=True)
        return folder

    # ---- videos

    @functools.cached_property
    def video(self) -> Path:
        """A 2 s 25 fps counter video with audio, Labels-ball.json (two events) beside it."""
        folder = self.base / "match"
        folder.mkdir(parents=True, exist_ok=True)
        encode(folder / "match.mp4", counter_frames(50))
        (folder / "Labels-ball.json").write_text(labels_text([annotation(), annotation("DRIVE", "1200")]))
        return folder / "match.mp4"

    @functools.cached_property
    def labels(self) -> Path:
        return self.video.parent / "Labels-ball.json"

    @functools.cached_property
    def truncated(self) -> Path:
        """The first 30 % of a 10 s MP4 whose index is at the front: the header promises 10 s."""
        whole = encode(self.base / "files" / "whole.mp4", counter_frames(250), extra=["-movflags", "+faststart"])
        data = whole.read_bytes()
        return self.file("truncated.mp4", data[: int(len(data) * 0.3)])

    @functools.cached_property
    def cut_before_index(self) -> Path:
        """The first 70 % of an MP4 whose index comes after its frames (ffmpeg's default): a recording that
        stopped abruptly, an interrupted download."""
        whole = encode(self.base / "files" / "whole-unindexed.mp4", counter_frames(100))
        data = whole.read_bytes()
        return self.file("cut-before-index.mp4", data[: int(len(data) * 0.7)])

    @functools.cached_property
    def audio_only(self) -> Path:
        path = self.base / "files" / "audio.mp4"
        ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "1", "-c:a", "aac", str(path))
        return path

    @functools.cached_property
    def still_image(self) -> Path:
        """A PNG picture named .mp4."""
        path = self.base / "files" / "still.mp4"
        ffmpeg("-f", "lavfi", "-i", "color=c=green:s=64x64", "-frames:v", "1", "-c:v", "png", "-f", "image2pipe",
               str(path))  # fmt: skip
        return path

    @functools.cached_property
    def garbage(self) -> Path:
        return self.file("garbage.mp4", b"\x00not a video" * 300)

    @functools.cached_property
    def empty(self) -> Path:
        return self.file("empty.mp4", b"")

    @functools.cached_property
    def binary(self) -> Path:
        return self.file("binary.bin", bytes(range(256)) * 8)

    @functools.cached_property
    def nested(self) -> Path:
        return self.file("nested.json", NESTED)

    @functools.cached_property
    def a_file(self) -> Path:
        """A plain file, where a folder is expected."""
        return self.file("a-file", "not a folder")

    @functools.cached_property
    def fifo(self) -> Path:
        """A named pipe (reading it blocks until something writes)."""
        import os

        path = self.base / "files" / "pipe.pt"
        os.mkfifo(path)
        return path

    @functools.cached_property
    def link_loop(self) -> Path:
        """A symbolic link that points at itself."""
        path = self.base / "files" / "loop"
        path.symlink_to(path)
        return path

    @functools.cached_property
    def broken_link(self) -> Path:
        """A symbolic link to a path that does not exist."""
        path = self.base / "files" / "broken-link"
        path.symlink_to(self.base / "nowhere")
        return path

    def folder_with_zip(self, name: str, member: str, content: bytes) -> Path:
        """A folder holding only `name`.zip, whose one member is `member` (a submission zip put in a folder)."""
        import zipfile

        folder = self.base / "zip-folders" / name
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(folder / f"{name}.zip", "w") as archive:
            archive.writestr(member, content)
        return folder

    def zip_holding_zip(self, name: str, member: str, content: bytes) -> Path:
        """`name`.zip holding only `inner.zip`, whose one member is `member` (a submission zipped again)."""
        import io
        import zipfile

        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as archive:
            archive.writestr(member, content)
        path = self.base / "files" / f"{name}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("inner.zip", inner.getvalue())
        return path

    def zip_file(self, name: str, members: list[tuple[str, bytes]]) -> Path:
        """A zip under `name` holding `members` (name, content) in that order, a name twice if given twice."""
        import warnings
        import zipfile

        path = self.base / "files" / name
        with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
            warnings.simplefilter("ignore")  # "Duplicate name": wanted here
            for member, content in members:
                archive.writestr(member, content)
        return path

    def predictions_one_folder_deeper(self, as_zip: bool) -> Path:
        """Predictions for every game of `dataset`, all under an extra folder `predictions/` (a zip made with
        `zip -r p.zip predictions/`, or the folder above the predictions root)."""
        import zipfile

        root = self.base / "deeper"
        games = [path.parent.relative_to(self.dataset) for path in self.dataset.rglob("Labels-ball.json")]
        for game in games:
            folder = root / "predictions" / game
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.predictions, folder / "results_spotting.json")
        if not as_zip:
            return root
        with zipfile.ZipFile(self.base / "deeper.zip", "w") as archive:
            for game in games:
                archive.write(
                    root / "predictions" / game / "results_spotting.json",
                    f"predictions/{game.as_posix()}/results_spotting.json",
                )
        return self.base / "deeper.zip"

    def predictions_one_folder_shallower(self) -> Path:
        """A zip of predictions for every game of `dataset` at season/game, without the league folder (a zip
        made from inside it)."""
        import zipfile

        games = [path.parent.relative_to(self.dataset) for path in self.dataset.rglob("Labels-ball.json")]
        with zipfile.ZipFile(self.base / "shallower.zip", "w") as archive:
            for game in games:
                archive.writestr(f"{game.relative_to(game.parts[0]).as_posix()}/results_spotting.json",
                                 self.predictions.read_bytes())  # fmt: skip
        return self.base / "shallower.zip"

    # ---- segment's outputs: clips and an index

    @functools.cached_property
    def clips(self) -> Path:
        """A clips folder as `segment --no-clips` writes it (manifest only)."""
        out = self.base / "clips"
        run_ok(["segment", str(self.video), "--out", str(out), "--no-clips", "-q"])
        return out

    @functools.cached_property
    def manifest(self) -> dict:
        return json.loads((self.clips / "match" / "manifest.json").read_text())

    def clips_with(self, name: str, manifest: object) -> Path:
        """A clips folder holding one manifest (a document, or raw text or bytes)."""
        folder = self.base / "bad-clips" / name / "game"
        folder.mkdir(parents=True, exist_ok=True)
        raw = manifest if isinstance(manifest, str | bytes) else json.dumps(manifest)
        (folder / "manifest.json").write_bytes(raw.encode() if isinstance(raw, str) else raw)
        return folder.parent

    def clips_with_manifest_folder(self) -> Path:
        """A clips folder whose one game's manifest.json is a folder."""
        folder = self.base / "bad-clips" / "manifest-folder" / "game"
        (folder / "manifest.json").mkdir(parents=True, exist_ok=True)
        return folder.parent

    def clips_twice(self) -> Path:
        """A clips folder holding the same game's manifest in two folders (a copied game)."""
        folder = self.base / "bad-clips" / "twice"
        for copy in ("game", "game-copy"):
            (folder / copy).mkdir(parents=True, exist_ok=True)
            (folder / copy / "manifest.json").write_text(json.dumps(self.manifest))
        return folder

    def manifest_clip(self, name: str, **change) -> Path:
        """The good manifest with its first clip changed (a value None removes the key)."""
        document = json.loads(json.dumps(self.manifest))
        clip = document["clips"][0]
        for key, value in change.items():
            if value is None:
                clip.pop(key, None)
            else:
                clip[key] = value
        return self.clips_with(name, document)

    @functools.cached_property
    def index(self) -> Path:
        """An index of a two-game dataset (train and valid splits) for train and tune."""
        root = self.dataset
        clips = self.base / "dataset-clips"
        run_ok(["segment", str(root), "--out", str(clips), "--no-clips", "--window", "1.2", "-q"])
        return Path(run_ok(["index", str(clips), "-q"]).strip())

    @functools.cached_property
    def dataset(self) -> Path:
        """A dataset root: two games (train, valid) with a splits.json."""
        root = self.base / "dataset"
        games = ("league/2020-2021/2020-01-01 - A - B", "league/2020-2021/2020-01-02 - C - D")
        for game in games:
            folder = root / game
            folder.mkdir(parents=True)
            shutil.copy(self.video, folder / "224p.mp4")
            shutil.copy(self.labels, folder / "Labels-ball.json")
        (root / "splits.json").write_text(json.dumps({"train": [games[0]], "valid": [games[1]]}))
        return root

    def dataset_with_splits(self, name: str, splits: str) -> Path:
        root = self.base / "datasets" / name
        shutil.copytree(self.dataset, root)
        (root / "splits.json").write_text(splits)
        return root

    def dataset_with_unreadable_splits(self, kind: str) -> Path:
        """The dataset with its splits.json a folder or a broken link."""
        root = self.base / "datasets" / f"splits-{kind}"
        if not root.exists():
            shutil.copytree(self.dataset, root)
            (root / "splits.json").unlink()
            if kind == "folder":
                (root / "splits.json").mkdir()
            else:
                (root / "splits.json").symlink_to(root / "gone.json")
        return root

    def dataset_with_damaged(self, name: str, file: str, content: bytes) -> Path:
        """The dataset with one file of its second game (224p.mp4, Labels-ball.json) replaced."""
        root = self.base / "datasets" / f"damaged-{name}"
        if not root.exists():
            shutil.copytree(self.dataset, root)
            (root / "league/2020-2021/2020-01-02 - C - D" / file).write_bytes(content)
        return root

    def dataset_with_unreadable_video(self, kind: str) -> Path:
        """The dataset with its second game's 224p.mp4 a broken link or a folder."""
        return self._dataset_with_unreadable("224p.mp4", kind)

    def dataset_with_unreadable_labels(self, kind: str) -> Path:
        """The dataset with its second game's Labels-ball.json a folder or a broken link."""
        return self._dataset_with_unreadable("Labels-ball.json", kind)

    def _dataset_with_unreadable(self, name: str, kind: str) -> Path:
        """The dataset with its second game's file `name` a folder (`kind` "folder") or a broken link."""
        root = self.base / "datasets" / f"{Path(name).suffix.lstrip('.')}-{kind}"
        if not root.exists():
            shutil.copytree(self.dataset, root)
            path = root / "league/2020-2021/2020-01-02 - C - D" / name
            path.unlink()
            if kind == "folder":
                path.mkdir()
            else:
                path.symlink_to(root / f"gone{path.suffix}")
        return root

    @functools.cached_property
    def latin1_video(self) -> Path:
        """The video under a name holding the byte 0xe9 (é on a Latin-1 system), which is not UTF-8."""
        path = self.base / "files" / "caf\udce9.mp4"
        shutil.copy(self.video, path)
        return path

    @functools.cached_property
    def dots_video(self) -> Path:
        """The video named `...mp4` (its stem `..`), its labels beside it."""
        folder = self.base / "dots"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.labels, folder / "Labels-ball.json")
        return Path(shutil.copy(self.video, folder / "...mp4"))

    def dataset_with_latin1_game(self) -> Path:
        """The dataset with its second game's folder named in Latin-1 (not UTF-8)."""
        root = self.base / "datasets" / "latin1"
        if not root.exists():
            shutil.copytree(self.dataset, root)
            season = root / "league/2020-2021"
            (season / "2020-01-02 - C - D").rename(season / "2020-01-02 - C\udce9 - D")
        return root

    def dataset_without_labels(self) -> Path:
        root = self.base / "datasets" / "no-labels"
        folder = root / "league/2020-2021/2020-01-01 - A - B"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.video, folder / "224p.mp4")
        return root

    def index_only(self, split: str) -> Path:
        """The index with the clips of one split only."""
        import pandas as pd

        frame = pd.read_parquet(self.index)
        path = self.base / "files" / f"index-{split}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame[frame["split"] == split].to_parquet(path)
        return path

    def index_with(self, name: str, **columns) -> Path:
        """The index with whole columns replaced (a value, or a function of the column)."""
        import pandas as pd

        frame = pd.read_parquet(self.index)
        for column, value in columns.items():
            frame[column] = value(frame[column]) if callable(value) else value
        path = self.base / "files" / f"index-{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path)
        return path

    def index_rows(self, name: str, change) -> Path:
        """The index with its rows changed by `change` (a function of the frame)."""
        import pandas as pd

        frame = change(pd.read_parquet(self.index)).reset_index(drop=True)
        path = self.base / "files" / f"index-{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path)
        return path

    # ---- a tiny trained model

    @functools.cached_property
    def model(self) -> Path:
        runs = self.base / "runs"
        run_ok(["train", "--index", str(self.index), "--runs-dir", str(runs), "--cache-dir", str(self.base / "cache"),
                *TINY_TRAIN, "--name", "tiny", "-q"])  # fmt: skip
        return runs / "tiny" / "weights" / "best.pt"

    def model_with(self, name: str, **change) -> Path:
        """The tiny model's checkpoint with parts changed (a value None removes the part)."""
        import torch

        data = torch.load(self.model, map_location="cpu", weights_only=False)
        for key, value in change.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        path = self.base / "files" / f"model-{name}.pt"
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(data, path)
        return path

    def model_setting(self, name: str, part: str, **change) -> Path:
        """The tiny model's checkpoint with settings of one part (config, model_config) changed."""
        import torch

        data = torch.load(self.model, map_location="cpu", weights_only=False)
        data[part] = {**data[part], **change}
        path = self.base / "files" / f"model-{name}.pt"
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(data, path)
        return path

    @functools.cached_property
    def clip_classifier(self) -> Path:
        """The tiny model made a clip classifier (--task classify: the 12 classes, no background output)."""
        import torch

        data = torch.load(self.model, map_location="cpu", weights_only=False)
        data["config"] = {**data["config"], "task": "classify"}
        data["model_config"] = {**data["model_config"], "num_classes": 12}
        data["task"], data["classes"] = "classify", data["classes"][:12]
        data["model"] = {key: value[:12] if key.startswith("classifier.") else value
                         for key, value in data["model"].items()}  # fmt: skip
        path = self.base / "files" / "classifier.pt"
        torch.save(data, path)
        return path

    def newer_model(self) -> Path:
        """The tiny model as a later ballspot (99.0.0) might save it, with a setting this version lacks."""
        import torch

        data = torch.load(self.model, map_location="cpu", weights_only=False)
        data["version"], data["config"] = "99.0.0", {**data["config"], "new_setting": 1}
        path = self.base / "files" / "model-newer.pt"
        torch.save(data, path)
        return path

    def damaged_cache(self) -> Path:
        """A copy of the tiny model's frame cache folder with every cached array cut to half its size."""
        folder = self.base / "damaged-cache"
        if not folder.exists():
            self.model  # noqa: B018  (training fills the cache)
            shutil.copytree(self.base / "cache", folder)
            for array in folder.glob("frames-*.npy"):
                array.write_bytes(array.read_bytes()[: array.stat().st_size // 2])
        return folder

    def run_with_params_folder(self) -> Path:
        """A copy of the tiny model's run whose postprocess.json is a folder."""
        run = self.base / "runs-copies" / "params-folder"
        if not run.exists():
            shutil.copytree(self.model.parent.parent, run)
            (run / "postprocess.json").mkdir()
        return run

    def model_folder_with(self, name: str, file: str, content: bytes | None = None) -> Path:
        """The tiny model exported as a model folder (--format hf) with one file replaced (None: by a folder)."""
        folder = self.base / "model-folders" / name
        if not folder.exists():
            run_ok(["export", str(self.model), str(folder), "-q"])
            (folder / file).unlink()
            if content is None:
                (folder / file).mkdir()
            else:
                (folder / file).write_bytes(content)
        return folder

    def folder_config_with(self, **change) -> bytes:
        """The config.json of the tiny model's model folder with training settings changed."""
        document = json.loads((self.model_folder_with("good", "README.md", b"") / "config.json").read_text())
        document["train_config"] = {**document["train_config"], **change}
        return json.dumps(document).encode()

    def run_without_weights(self) -> Path:
        """A copy of the tiny model's run without weights/best.pt (a training stopped before its first epoch)."""
        run = self.base / "runs-copies" / "no-weights"
        if not run.exists():
            shutil.copytree(self.model.parent.parent, run)
            (run / "weights" / "best.pt").unlink()
        return run

    def first_weights(self, n: int) -> dict:
        """The tiny model's first `n` tensors only."""
        import torch

        return dict(list(torch.load(self.model, map_location="cpu", weights_only=False)["model"].items())[:n])

    def nan_weights(self) -> dict:
        """The tiny model's weights with its first tensor NaN (a training that diverged)."""
        import torch

        weights = dict(torch.load(self.model, map_location="cpu", weights_only=False)["model"])
        first = next(iter(weights))
        weights[first] = torch.full_like(weights[first], float("nan"))
        return weights

    def misshapen_weights(self) -> dict:
        """The tiny model's weights with its first tensor replaced by one of the wrong shape."""
        import torch

        weights = dict(torch.load(self.model, map_location="cpu", weights_only=False)["model"])
        weights[next(iter(weights))] = torch.zeros(1)
        return weights

    def tensors_file(self, name: str, tensors: dict[str, list]) -> Path:
        """A torch file holding a plain dict of tensors (weights of some other network)."""
        import torch

        path = self.base / "files" / name
        torch.save({key: torch.tensor(value) for key, value in tensors.items()}, path)
        return path

    # ---- evaluation inputs

    @functools.cached_property
    def predictions(self) -> Path:
        items = [{"label": "PASS", "position": "400", "half": "1", "confidence": "0.9", "gameTime": "1 - 00:00"}]
        return self.file("results_spotting.json", json.dumps({"UrlLocal": "", "predictions": items}))


TINY_TRAIN = [
    *("--task", "spot", "--backbone", "test_efficientnet", "--height", "64", "--width", "112", "--frames", "6"),
    *("--stack-size", "3", "--stride", "2", "--batch-size", "4", "--epochs", "1", "--device", "cpu"),
]

_runner = CliRunner()


def run_ok(args: list[str]) -> str:
    """Run a command that must succeed (building the kit); its stdout."""
    from ballspot.cli.app import app

    result = _runner.invoke(app, args)
    if result.exit_code != 0:
        raise RuntimeError(f"kit command {args[0]} failed: {result.output}")
    return result.stdout


@dataclass(frozen=True)
class Case:
    """One bad command line: what to run, the exit code and message fragment expected."""

    command: str
    name: str
    args: Callable[[Kit, Path], list]
    """(kit, output folder) -> the command line (paths allowed)."""
    code: int = 1
    fragment: str = ""
    env: dict[str, str] = field(default_factory=dict)
    no_cuda: bool = False
    """Run as on a machine without CUDA."""

    @property
    def id(self) -> str:
        return f"{self.command}:{self.name}"


@dataclass(frozen=True)
class Outcome:
    kind: str
    """clear, traceback, accepted or other."""
    detail: str = ""


def run_case(case: Case, kit: Kit) -> Outcome:
    """Run one case in this process and say what it gave."""
    from unittest import mock

    from ballspot.cli.app import app

    out = kit.fresh()
    args = [str(a) for a in case.args(kit, out)]
    with (
        mock.patch("torch.cuda.is_available", return_value=False) if case.no_cuda else _nothing(),
        mock.patch("ballspot.webapp.launch.serve"),  # an `app` case let through returns (accepted), never serves
    ):
        result = _runner.invoke(app, args, env=case.env or None)
    text = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(result.exception))
        return Outcome("traceback", tb.strip().splitlines()[-1])
    if "Traceback" in text:
        return Outcome("traceback", text.strip().splitlines()[-1])
    if result.exit_code == 0:
        return Outcome("accepted", result.stdout.strip()[:200])
    problems = []
    if result.exit_code != case.code:
        problems.append(f"exit {result.exit_code}, expected {case.code}")
    if result.stdout:
        problems.append(f"stdout: {result.stdout[:120]!r}")
    message = _error_message(result.stderr, result.exit_code)
    if message is None:
        problems.append(f"not one error message: {result.stderr[:300]!r}")
    elif case.fragment and case.fragment not in message:
        problems.append(f"{case.fragment!r} not in {message!r}")
    left = list(out.rglob("*")) if out.exists() else []
    if out.is_dir() and not left:  # the output folder itself, made and left empty
        left = [out]
    left += list(kit.base.rglob("*.part"))
    if left:
        problems.append(f"left behind: {[str(p) for p in left[:3]]}")
    return Outcome("other", "; ".join(problems)) if problems else Outcome("clear", message or "")


def _error_message(stderr: str, code: int) -> str | None:
    """The one error message on stderr: a single `error: ` line (exit 1, 2 for usage errors, 130)."""
    lines = stderr.splitlines()
    return lines[0] if len(lines) == 1 and lines[0].startswith("error: ") else None


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(command: str, name: str, args: Callable[[Kit, Path], list], code: int = 1, fragment: str = "", **kw):
        cases.append(Case(command, name, args, code, fragment, **kw))

    # ---------------------------------------------------------------- segment
    def seg(*extra):
        return lambda k, o: ["segment", *[e(k) if callable(e) else e for e in extra], "--out", o]

    def seg_labels(name: str, text: str | Callable[[Kit], Path]):
        def build(k: Kit, o: Path) -> list:
            labels = text(k) if callable(text) else k.file(f"labels-{name}.json", text)
            return ["segment", k.video, "--labels", labels, "--out", o]

        return build

    add("segment", "missing video", seg(lambda k: k.base / "none.mp4"), fragment="not found")
    add("segment", "video named ...mp4 (its game would be the folder above --out)", seg(lambda k: k.dots_video), 1,
        "cannot name a game after '...mp4'")  # fmt: skip
    add("segment", "video name not UTF-8", seg(lambda k: k.latin1_video), 2, "caf\\xe9.mp4: the name is not valid")
    add("segment", "out name not UTF-8", lambda k, o: ["segment", k.video, "--out", o / "clips\udce9"], 2,
        "clips\\xe9: the name is not valid UTF-8")  # fmt: skip
    add("segment", "a game folder's name not UTF-8", seg(lambda k: k.dataset_with_latin1_game()), 1,
        "C\\xe9 - D/224p.mp4: the name is not valid UTF-8")  # fmt: skip
    add("segment", "missing video with a newline in its name", seg(lambda k: k.base / "two\nlines.mp4"), 1,
        "two\\nlines.mp4")  # fmt: skip
    add("segment", "empty video", lambda k, o: ["segment", k.empty, "--labels", k.labels, "--out", o], 1, "empty")
    add("segment", "garbage video", lambda k, o: ["segment", k.garbage, "--labels", k.labels, "--out", o], 1, "video")
    add(
        "segment", "audio only", lambda k, o: ["segment", k.audio_only, "--labels", k.labels, "--out", o], 1, "no video"
    )
    add("segment", "truncated mp4", lambda k, o: ["segment", k.truncated, "--labels", k.labels, "--out", o], 1,
        "truncated")  # fmt: skip
    add("segment", "mp4 cut before its index", lambda k, o: ["segment", k.cut_before_index, "--labels", k.labels,
        "--out", o], 1, "video is truncated: ")  # fmt: skip
    add("segment", "text file", lambda k, o: ["segment", k.file("notes.txt", "hello"), "--labels", k.labels,
        "--out", o], 1, "not a video")  # fmt: skip
    add("segment", "jpeg image", lambda k, o: ["segment", k.file("frame.jpg", b"\xff\xd8\xff\xe0"), "--labels",
        k.labels, "--out", o], 1, "not a video")  # fmt: skip
    add("segment", "png image named .mp4", lambda k, o: ["segment", k.still_image, "--labels", k.labels, "--out", o],
        1, "holds a still image (PNG)")  # fmt: skip
    add("segment", "text as video", lambda k, o: ["segment", k.file("notes.mp4", "hello"), "--labels", k.labels,
        "--out", o], 1, "video")  # fmt: skip
    add("segment", "text named .mkv", lambda k, o: ["segment", k.file("notes.mkv", "hello"), "--labels", k.labels,
        "--out", o], 1, "notes.mkv: Invalid data found when processing input")  # fmt: skip
    add("segment", "no labels beside", lambda k, o: ["segment", k.garbage, "--out", o], 1, "labels not found")
    add("segment", "labels missing", seg_labels("missing", lambda k: k.base / "none.json"), 1, "not found")
    add("segment", "labels a broken link", seg_labels("broken", lambda k: k.broken_link), 1,
        "broken-link is a symbolic link to ")  # fmt: skip
    add("segment", "labels a folder", seg_labels("folder", lambda k: k.base / "files"), 1,
        "files is a folder; give the file itself")  # fmt: skip
    add("segment", "labels not json", seg_labels("notjson", "{annotations: ["), 1, "not valid JSON")
    add("segment", "labels empty", seg_labels("emptyjson", ""), 1, "labels-emptyjson.json: the file is empty")
    add("segment", "labels binary", seg_labels("binary", lambda k: k.binary), 1, "not valid JSON")
    add("segment", "labels nested 5000 deep", seg_labels("nested", lambda k: k.nested), 1, "nested")
    add("segment", "labels a list", seg_labels("list", "[]"), 1, "annotations")
    add("segment", "labels without annotations", seg_labels("noann", "{}"), 1, "annotations")
    add("segment", "annotations not a list", seg_labels("annobj", '{"annotations": {}}'), 1, "annotations")
    add("segment", "annotation a string", seg_labels("annstr", labels_text(["PASS"])), 1, "object")
    add("segment", "unknown label", seg_labels("label", labels_text([annotation("PAS")])), 1, "unknown label")
    add("segment", "label missing", seg_labels("nolabel", labels_text([{"position": "400"}])), 1, "label")
    add("segment", "label a number", seg_labels("labelnum", labels_text([annotation(3)])), 1, "label")
    add("segment", "position negative", seg_labels("neg", labels_text([annotation(position="-40")])), 1, "negative")
    add("segment", "position text", seg_labels("postext", labels_text([annotation(position="abc")])), 1, "position")
    add("segment", "position 5000 digits", seg_labels("posdigits", labels_text([annotation(position=1)]).replace(
        '"position": 1', '"position": 1' + "0" * 5000)), 1, "digits long")  # fmt: skip
    add("segment", "position with an underscore", seg_labels("posunder", labels_text([annotation(position="4_000")])),
        1, "'position' must be an integer number of ms, got '4_000'")  # fmt: skip
    add("segment", "position with a space", seg_labels("posspace", labels_text([annotation(position=" 400")])),
        1, "'position' must be an integer number of ms, got ' 400'")  # fmt: skip
    add("segment", "position given twice", seg_labels("postwice", labels_text([annotation(position="400")]).replace(
        '"position": "400"', '"position": "400", "position": "9000"')), 1, "key 'position' appears twice")  # fmt: skip
    add("segment", "position Infinity", seg_labels("posinf", labels_text([annotation(position=1)]).replace(
        '"position": 1', '"position": Infinity')), 1, "position")  # fmt: skip
    add("segment", "position true", seg_labels("posbool", labels_text([annotation(position=True)])), 1, "position")
    add("segment", "position 4.5 (a number)", seg_labels("posnum", labels_text([annotation(position=4.5)])), 1,
        "position")  # fmt: skip
    add("segment", "position missing", seg_labels("posnone", labels_text([annotation(position=None)])), 1,
        "position")  # fmt: skip
    add("segment", "position a float string", seg_labels("posf", labels_text([annotation(position="4.5")])), 1,
        "position")  # fmt: skip
    add("segment", "position past the end", seg_labels("late", labels_text([annotation(position="9000")])), 1,
        "beyond the video")  # fmt: skip
    add("segment", "gameTime half 9", seg_labels("half9", labels_text([annotation(game_time="9 - 00:00")])), 1,
        "gameTime")  # fmt: skip
    add("segment", "gameTime in words", seg_labels("words", labels_text([annotation(game_time="first half, 0:04")])),
        1, "gameTime")  # fmt: skip
    add("segment", "gameTime a number", seg_labels("gtnum", labels_text([annotation(game_time=1)])), 1, "gameTime")
    add("segment", "gameTime half 0", seg_labels("half0", labels_text([annotation(game_time="0 - 00:00")])), 1,
        "gameTime")  # fmt: skip
    add("segment", "team middle", seg_labels("team", labels_text([annotation(team="middle")])), 1, "team")
    add("segment", "visibility hidden", seg_labels("vis", labels_text([annotation(visibility="hidden")])), 1,
        "visibility")  # fmt: skip
    add("segment", "window 0", seg(lambda k: k.video, "--window", "0"), 1, "--window")
    add("segment", "window 100", seg(lambda k: k.video, "--window", "100"), 1, "--window")
    add("segment", "window text", seg(lambda k: k.video, "--window", "abc"), 2, "--window")
    add("segment", "background -1", seg(lambda k: k.video, "--background", "-1"), 1, "--background")
    add("segment", "background 11", seg(lambda k: k.video, "--background", "11"), 1, "--background")
    add("segment", "background gap -1", seg(lambda k: k.video, "--background-gap", "-1"), 1, "--background-gap")
    add("segment", "background gap nan", seg(lambda k: k.video, "--background-gap", "nan"), 1, "--background-gap")
    add("segment", "background gap inf", seg(lambda k: k.video, "--background-gap", "inf"), 1, "--background-gap")
    add("segment", "jobs 0", seg(lambda k: k.video, "--jobs", "0"), 1, "--jobs")
    add("segment", "jobs 65", seg(lambda k: k.video, "--jobs", "65"), 1, "--jobs")
    add("segment", "jobs 1.5", seg(lambda k: k.video, "--jobs", "1.5"), 2, "--jobs")
    add("segment", "seed -1", seg(lambda k: k.video, "--seed", "-1"), 2, "--seed")
    add("segment", "seed 2**64", seg(lambda k: k.video, "--seed", str(2**64)), 2, "--seed")
    add("segment", "resolution 999p", seg(lambda k: k.dataset, "--resolution", "999p"), 2, "999p")
    add("segment", "resolution with a video file", seg(lambda k: k.video, "--resolution", "720p"), 2, "--resolution")
    add("segment", "classes 7", seg(lambda k: k.video, "--classes", "7"), 2, "7")
    add("segment", "labels with a dataset root", lambda k, o: ["segment", k.dataset, "--labels", k.labels, "--out", o],
        1, "--labels")  # fmt: skip
    add("segment", "root without labels", seg(lambda k: k.dataset_without_labels()), 1, "Labels-ball.json")
    add("segment", "one game's video damaged", seg(lambda k: k.dataset_with_damaged("video", "224p.mp4",
        b"\x00not a video" * 300)), 1, "cannot read video")  # fmt: skip
    add("segment", "one game's video a broken link", seg(lambda k: k.dataset_with_unreadable_video("link")), 1,
        "the game's video is a broken link")  # fmt: skip
    add("segment", "one game's video a folder", seg(lambda k: k.dataset_with_unreadable_video("folder")), 1,
        "the game's video is a folder")  # fmt: skip
    add("segment", "one game's labels a folder", seg(lambda k: k.dataset_with_unreadable_labels("folder")), 1,
        "C - D/Labels-ball.json: the game's labels file is a folder")  # fmt: skip
    add("segment", "one game's labels a broken link", seg(lambda k: k.dataset_with_unreadable_labels("link")), 1,
        "C - D/Labels-ball.json: the game's labels file is a broken link")  # fmt: skip
    add("segment", "one game's labels damaged", seg(lambda k: k.dataset_with_damaged("labels", "Labels-ball.json",
        b"{")), 1, "not valid JSON")  # fmt: skip
    add("segment", "one game's label unknown", seg(lambda k: k.dataset_with_damaged("label", "Labels-ball.json",
        labels_text([annotation("PAS")]).encode())), 1,
        "2020-01-02 - C - D/Labels-ball.json: annotation 0: unknown label 'PAS'")  # fmt: skip
    add("segment", "empty folder", lambda k, o: ["segment", k.base / "files", "--out", o], 1, "no games")
    add("segment", "splits not json", seg(lambda k: k.dataset_with_splits("bad", "{")), 1, "not valid JSON")
    add("segment", "splits nested", seg(lambda k: k.dataset_with_splits("nested", NESTED)), 1, "nested")
    add("segment", "splits unknown split", seg(lambda k: k.dataset_with_splits("unknown", '{"dev": []}')), 1, "dev")
    add("segment", "splits train twice", seg(lambda k: k.dataset_with_splits("traintwice",
        '{"train": [], "train": []}')), 1, "key 'train' appears twice in one object; keep one")  # fmt: skip
    add("segment", "splits a folder", seg(lambda k: k.dataset_with_unreadable_splits("folder")), 1,
        "splits.json is a folder")  # fmt: skip
    add("segment", "splits a broken link", seg(lambda k: k.dataset_with_unreadable_splits("link")), 1,
        "splits.json is a symbolic link to ")  # fmt: skip
    add("segment", "splits a list", seg(lambda k: k.dataset_with_splits("list", "[]")), 1, "splits")
    add("segment", "splits game a number", seg(lambda k: k.dataset_with_splits("number", '{"train": [1]}')), 1, "1")
    add("segment", "splits game in two splits", seg(lambda k: k.dataset_with_splits("twice", json.dumps({"train": [
        "league/2020-2021/2020-01-01 - A - B"], "valid": ["league/2020-2021/2020-01-01 - A - B"]}))), 1,
        "is in split 'train' and 'valid'")  # fmt: skip
    add("segment", "out is a file", lambda k, o: ["segment", k.video, "--out", k.a_file], 1, "a-file")
    add("segment", "out unwritable", lambda k, o: ["segment", k.video, "--out", UNWRITABLE], 1, "cannot")
    add("segment", "labels without an event", seg_labels("noevent", labels_text([])), 1, "no event")
    add("segment", "labels only of half 2, which no video holds", seg_labels("half2only", labels_text([annotation(
        game_time="2 - 00:00")])), 1, "(match: 1 label(s) of half 2 left out: no video holds that half)")  # fmt: skip
    add("segment", "out empty (an unset variable)", lambda k, o: ["segment", k.video, "--out", ""], 2, "an empty path")
    add("segment", "out name too long", lambda k, o: ["segment", k.video, "--out", o / ("x" * 300)], 1, "too long")

    # ---------------------------------------------------------------- index
    def idx(clips: Callable[[Kit], Path], *extra):
        return lambda k, o: ["index", clips(k), "--out", o / "index.parquet", *extra]

    add("index", "clips folder empty", lambda k, o: ["index", "", "--out", o / "index.parquet"], 2,
        "an empty path; give a file or folder (")  # fmt: skip
    add("index", "missing folder", idx(lambda k: k.base / "no-clips"), 1, "not found")
    add("index", "clips folder an index file", lambda k, o: ["index", k.index, "--out", o / "index.parquet"], 1,
        "index.parquet is a file, not a clips folder")  # fmt: skip
    add("index", "no manifests", idx(lambda k: k.base / "files"), 1, "no clip manifests")
    add("index", "manifest a folder", idx(lambda k: k.clips_with_manifest_folder()), 1,
        "error: clip manifest ")  # fmt: skip
    add("index", "manifest not json", idx(lambda k: k.clips_with("notjson", "{")), 1, "not valid JSON")
    add("index", "manifest nested", idx(lambda k: k.clips_with("nested", NESTED)), 1, "nested")
    add("index", "manifest binary", idx(lambda k: k.clips_with("binary", bytes(range(256)))), 1, "manifest")
    add("index", "manifest a list", idx(lambda k: k.clips_with("list", [])), 1, "not a ballspot clip manifest")
    add("index", "manifest without clips", idx(lambda k: k.clips_with("noclips", {"game": "g"})), 1, "manifest")
    add("index", "manifest game out of the dataset", idx(lambda k: k.clips_with("gameup", {**k.manifest,
        "game": "../../x"})), 1, "is not a game id")  # fmt: skip
    add("index", "manifest game an absolute path", idx(lambda k: k.clips_with("gameabs", {**k.manifest,
        "game": "/etc"})), 1, "is not a game id")  # fmt: skip
    add("index", "clips not a list", idx(lambda k: k.clips_with("clipsobj", {**k.manifest, "clips": {}})), 1,
        "manifest")  # fmt: skip
    add("index", "manifest without game", idx(lambda k: k.clips_with("nogame", {**k.manifest, "game": None})), 1,
        "game")  # fmt: skip
    add("index", "clip a string", idx(lambda k: k.clips_with("clipstr", {**k.manifest, "clips": ["x"]})), 1, "clip 0")
    add("index", "clip without label", idx(lambda k: k.manifest_clip("nolabel", label=None)), 1, "label")
    add("index", "clip without file", idx(lambda k: k.manifest_clip("nofile", file=None)), 1, "file")
    add("index", "clip without kind", idx(lambda k: k.manifest_clip("nokind", kind=None)), 1, "kind")
    add("index", "clip unknown label", idx(lambda k: k.manifest_clip("unknown", label="PAS")), 1, "unknown label")
    add("index", "clip start negative", idx(lambda k: k.manifest_clip("neg", start_ms=-5)), 1, "start_ms")
    add("index", "clip start text", idx(lambda k: k.manifest_clip("text", start_ms="400")), 1, "start_ms")
    add("index", "clip event_ms missing", idx(lambda k: k.manifest_clip("noevent", event_ms=None)), 1, "event_ms")
    add("index", "clip ends before start", idx(lambda k: k.manifest_clip("backwards", end_ms=10)), 1, "before")
    add("index", "clip half 3", idx(lambda k: k.manifest_clip("half3", half=3)), 1, "half")
    add("index", "clip file a path", idx(lambda k: k.manifest_clip("path", file="../x.mp4")), 1, "file")
    add("index", "one game in two folders", idx(lambda k: k.clips_twice()), 1, "both hold game")
    add("index", "clip kind bogus", idx(lambda k: k.manifest_clip("kind", kind="bogus")), 1, "kind")
    add("index", "clip team middle", idx(lambda k: k.manifest_clip("team", team="middle")), 1, "team")
    add("index", "clip visibility hidden", idx(lambda k: k.manifest_clip("vis", visibility="hidden")), 1, "visibility")
    add("index", "manifest game empty", idx(lambda k: k.clips_with("gameempty", {**k.manifest, "game": ""})), 1, "game")
    add("index", "manifest split bogus", idx(lambda k: k.clips_with("split", {**k.manifest, "split": "dev"})), 1,
        "split")  # fmt: skip
    add("index", "cut clip missing", idx(lambda k: k.clips_with("cutmissing", {**k.manifest, "cut": True})), 1,
        "missing or empty")  # fmt: skip
    add("index", "out suffix txt", lambda k, o: ["index", k.clips, "--out", o / "i.txt"], 2, "i.txt")
    add("index", "out no suffix", lambda k, o: ["index", k.clips, "--out", o / "index"], 2, "index")
    add("index", "out unwritable", lambda k, o: ["index", k.clips, "--out", "/proc/x.parquet"], 1, "cannot")
    add("index", "out under a file", lambda k, o: ["index", k.clips, "--out", k.a_file / "i.parquet"], 1, "a-file")
    add("index", "out name too long", lambda k, o: ["index", k.clips, "--out", o / ("x" * 300 + ".parquet")], 1,
        "File name too long")  # fmt: skip
    add("index", "classes bogus", idx(lambda k: k.clips, "--classes", "bogus"), 2, "bogus")
    add("index", "clip times past a day", idx(lambda k: k.manifest_clip("huge", start_ms=10**30, end_ms=10**31,
        event_ms=10**30)), 1, "whole number of ms")  # fmt: skip
    add("index", "clip event outside it", idx(lambda k: k.manifest_clip("outside", event_ms=10**7)), 1, "outside")
    add("index", "event clip labelled background", idx(lambda k: k.manifest_clip("bgevent", kind="event",
        label="BACKGROUND")), 1, "labelled")  # fmt: skip
    add("index", "video missing", idx(lambda k: k.clips_with("novideo", {**k.manifest,
        "video": str(k.base / "gone.mp4")})), 1, "gone.mp4 is not a file")  # fmt: skip
    add("index", "clip listed twice", idx(lambda k: k.clips_with("dupclip", {**k.manifest,
        "clips": k.manifest["clips"][:1] * 2})), 1, "more than once")  # fmt: skip
    add("index", "manifest without a clip", idx(lambda k: k.clips_with("zero", {**k.manifest, "clips": []})), 1,
        "no clips")  # fmt: skip

    # ---------------------------------------------------------------- train
    def train(*extra):
        def build(k: Kit, o: Path) -> list:
            items = [e(k) if callable(e) else e for e in extra]
            base = ["train", "--runs-dir", o / "runs", "--cache-dir", k.base / "cache", "--name", "bad", "-q"]
            return base + (items if "--index" in items else ["--index", k.index, *items])

        return build

    def train_config(name: str, text: str | bytes | Callable[[Kit], Path]):
        def path(k: Kit) -> Path:
            return text(k) if callable(text) else k.file(f"config-{name}.yaml", text)

        return train("--config", path, "--device", "cpu")

    add("train", "config missing", train_config("missing", lambda k: k.base / "none.yaml"), 1, "not found")
    add("train", "config a folder", train_config("folder", lambda k: k.base / "files"), 1,
        "files is a folder; give the file itself")  # fmt: skip
    add("train", "config binary", train_config("binary", lambda k: k.binary), 1, "not a text file")
    add("train", "config not yaml", train_config("bad", "epochs: [1, 2\n"), 1, "not valid YAML")
    add("train", "config empty", train_config("empty", ""), 1, "the config file sets nothing")
    add("train", "config only comments", train_config("comments", "# epochs: 3\n"), 1, "sets nothing")
    add("train", "config nested", train_config("nested", "[" * 3000 + "]" * 3000), 1, "YAML")
    add("train", "config month 13", train_config("month", "epochs: 2020-13-45\n"), 1, "month must be in 1..12")
    add("train", "config epochs 5000 digits", train_config("digits", "epochs: 1" + "0" * 5000 + "\n"), 1,
        "5001 digits")  # fmt: skip
    add("train", "config key a list", train_config("listkey", "? [epochs]\n: 1\n"), 1, "unhashable key, line 1")
    add("train", "config aliases of aliases", train_config("bomb", ALIAS_BOMB), 1, "expands to more than")
    add("train", "config of a user that does not exist", train_config("nouser", lambda k: "~nosuchuser/c.yaml"), 1,
        "no such user")  # fmt: skip
    add("train", "config extra holding a date", train_config("extradate", "extra: {when: 2020-01-01}\n"), 1,
        "got datetime.date(2020, 1, 1)")  # fmt: skip
    add("train", "index a symbolic link loop", train("--index", lambda k: k.link_loop, "--device", "cpu"), 1,
        "its symbolic links form a loop")  # fmt: skip
    add("train", "config a list", train_config("list", "- 1\n- 2\n"), 1, "mapping")
    add("train", "config unknown key", train_config("unknown", "epoch: 3\n"), 1, "epoch")
    add("train", "config bad type", train_config("type", "epochs: many\n"), 1, "epochs")
    add("train", "config validate_from 0", train_config("validate", "validate_from: 0\n"), 1, "validate_from")
    add("train", "config zoom 0", train_config("zoom", "zoom: 0\n"), 1, "zoom")
    add("train", "config seed -1", train_config("seed", "seed: -1\n"), 1, "seed")
    add("train", "config key twice", train_config("twice", "epochs: 1\nepochs: 2\n"), 1, "twice")
    add("train", "config one option spelled two ways", train_config("spelled", "batch-size: 2\nbatch_size: 4\n"), 1,
        "'batch-size' and 'batch_size' are the same option; keep one")  # fmt: skip
    add("train", "config epochs in base 60", train_config("base60", "epochs: 1:30\n"), 1,
        "'1:30' reads as a base-60 number in YAML (line 1)")  # fmt: skip
    add("train", "config epochs in octal", train_config("octal", "epochs: 010\n"), 1,
        "'010' reads as an octal number in YAML (line 1)")  # fmt: skip
    add("train", "config foreground_weight .inf", train_config("fginf", "foreground_weight: .inf\n"), 1,
        "foreground-weight")  # fmt: skip
    add("train", "config fps 0.001", train_config("fps", "fps: 0.001\n"), 1, "fps must be between 1 and 120")
    add("train", "config alpha a number", train_config("alpha", "alpha: 0.5\n"), 1, "alpha must be a list of numbers")
    add("train", "config alpha holding text", train_config("alphatext", "alpha: [x]\n"), 1, "alpha[0] must be a number")
    add("train", "config alpha of 2 weights", train_config("alpha2", "alpha: [1, 2]\n"), 1,
        "alpha must be a list of 12 finite, non-negative class weights")  # fmt: skip
    add("train", "config alpha negative", train_config("alphaneg", "alpha: [" + ", ".join(["1"] * 11 + ["-1"]) + "]\n"),
        1, "alpha must be a list of 12")  # fmt: skip
    add("train", "config backbone empty", train_config("backbone", "backbone: ''\n"), 1, "--backbone must name a timm")
    add("train", "config augment yes (text)", train_config("augment", "augment: 'yes'\n"), 1,
        "augment must be true or false")  # fmt: skip
    add("train", "config pretrained a list", train_config("pretrained", "pretrained: [a]\n"), 1,
        "pretrained must be text")  # fmt: skip
    add("train", "config workers true", train_config("workers", "workers: true\n"), 1, "workers must be an integer")
    add("train", "config index a list", train_config("indexlist", "index: [a, b]\n"), 1, "index must be text")
    add("train", "config extra a list", train_config("extralist", "extra: [1]\n"), 1, "extra must be a mapping")
    add("train", "config train_split dev", train_config("split", "train_split: dev\n"), 1, "train_split must name")
    add("train", "config classes 7", train_config("classes", "classes: 7\n"), 1, "--classes must be one of 12, 2")
    add("train", "epochs 0", train("--epochs", "0", "--device", "cpu"), 2, "epochs")
    add("train", "epochs text", train("--epochs", "x"), 2, "--epochs")
    add("train", "batch size 0", train("--batch-size", "0", "--device", "cpu"), 2, "batch")
    add("train", "lr negative", train("--lr", "-1", "--device", "cpu"), 1, "lr")
    add("train", "seed -1", train("--seed", "-1", "--device", "cpu"), 2, "--seed")
    add("train", "warmup nan", train("--warmup-epochs", "nan", "--device", "cpu"), 1, "--warmup-epochs")
    add("train", "gamma nan", train("--gamma", "nan", "--device", "cpu"), 1, "--gamma")
    add("train", "weight decay nan", train("--weight-decay", "nan", "--device", "cpu"), 1, "--weight-decay")
    add("train", "warmup inf", train("--warmup-epochs", "inf", "--device", "cpu"), 1, "--warmup-epochs")
    add("train", "gamma inf", train("--gamma", "inf", "--device", "cpu"), 1, "--gamma")
    add("train", "weight decay inf", train("--weight-decay", "inf", "--device", "cpu"), 1, "--weight-decay")
    add("train", "gamma 1e30", train("--gamma", "1e30", "--device", "cpu"), 1, "--gamma must be at most 10")
    add("train", "weight decay 1e30", train("--weight-decay", "1e30", "--device", "cpu"), 1, "--weight-decay must")
    add("train", "dropout 2", train("--dropout", "2", "--device", "cpu"), 1, "dropout")
    add("train", "frames 0", train("--frames", "0", "--device", "cpu"), 2, "frames")
    add("train", "height 4", train("--height", "4", "--device", "cpu"), 2, "height")
    add("train", "crop 0", train("--crop", "0", "--device", "cpu"), 1, "crop")
    add("train", "task bogus", train("--task", "bogus", "--device", "cpu"), 2, "bogus")
    add("train", "pooling bogus", train("--pooling", "bogus", "--device", "cpu"), 2, "bogus")
    add("train", "loss bogus", train("--loss", "bogus", "--device", "cpu"), 2, "bogus")
    add("train", "backbone unknown", train(*TINY_TRAIN, "--backbone", "no_such_net"), 1, "no_such_net")
    add("train", "device tpu", train("--device", "tpu"), 2, "tpu")
    add("train", "device cuda without cuda", train(*TINY_TRAIN, "--device", "cuda"), 1, "CUDA", no_cuda=True)
    add("train", "index a clips folder", train("--index", lambda k: k.clips, "--device", "cpu"), 1, "is a folder")
    add("train", "index missing", train("--index", lambda k: k.base / "none.parquet", "--device", "cpu"), 1,
        "not found")  # fmt: skip
    add("train", "index garbage", train("--index", lambda k: k.file("garbage.parquet", b"PAR1xx"), "--device", "cpu"),
        1, "index")  # fmt: skip
    add("train", "index csv without columns", train("--index", lambda k: k.file("cols.csv", "a,b\n1,2\n"),
        "--device", "cpu"), 1, "missing columns")  # fmt: skip
    add("train", "index split missing", train(*TINY_TRAIN, "--index", lambda k: k.index_with("nosplit", split=None)),
        1, "'split' must be text")  # fmt: skip
    add("train", "index video missing", train(*TINY_TRAIN, "--index", lambda k: k.index_with("novideo", video=None)),
        1, "'video' must be text")  # fmt: skip
    add("train", "index half 7", train(*TINY_TRAIN, "--index", lambda k: k.index_with("half7", half=7)), 1,
        "'half' must be one of 1, 2, got 7")  # fmt: skip
    add("train", "index kind bogus", train(*TINY_TRAIN, "--index", lambda k: k.index_with("kind", kind="bogus")), 1,
        "'kind' must be one of")  # fmt: skip
    add("train", "index team middle", train(*TINY_TRAIN, "--index", lambda k: k.index_with("team", team="middle")),
        1, "'team' must be one of")  # fmt: skip
    add("train", "index clips end where they start", train(*TINY_TRAIN, "--index", lambda k: k.index_with("ends",
        end_ms=lambda end: 0, start_ms=lambda start: 0, event_ms=lambda event: 0)), 1, "after 'start_ms'")  # fmt: skip
    add("train", "index event outside its clip", train(*TINY_TRAIN, "--index", lambda k: k.index_with("outside",
        event_ms=lambda event: event + 10**6)), 1, "within 'start_ms'..'end_ms'")  # fmt: skip
    add("train", "index events past their video's end", train(*TINY_TRAIN, "--index", lambda k: k.index_with("late",
        event_ms=lambda ms: ms + 10**6, start_ms=lambda ms: ms + 10**6, end_ms=lambda ms: ms + 10**6)), 1,
        "which ends at 2000 ms; was the video replaced since it was segmented?")  # fmt: skip
    add("train", "index events past their video's end, dense", train(*TINY_TRAIN, "--task", "dense", "--frames", "12",
        "--index", lambda k: k.index_with("late", event_ms=lambda ms: ms + 10**6, start_ms=lambda ms: ms + 10**6,
        end_ms=lambda ms: ms + 10**6)), 1, "which ends at 2000 ms; was the video replaced")  # fmt: skip
    add("train", "index row repeated", train(*TINY_TRAIN, "--index", lambda k: k.index_rows("repeat",
        lambda frame: frame.iloc[[*range(len(frame)), 0]])), 1, "repeats row 0")  # fmt: skip
    add("train", "index game in two splits", train(*TINY_TRAIN, "--index", lambda k: k.index_rows("twosplits",
        lambda frame: frame.assign(split=["train", "test", *frame["split"].iloc[2:]]))), 1,
        "is in more than one split (test, train)")  # fmt: skip
    add("train", "WORLD_SIZE without RANK", train(*TINY_TRAIN), 1, "WORLD_SIZE is 2 but RANK is not set",
        env={"WORLD_SIZE": "2"})  # fmt: skip
    add("train", "resume without a run", train(*TINY_TRAIN, "--resume"), 1, "resume")
    add("train", "dense-only option on the spot task", train(*TINY_TRAIN, "--sequence", "gru"), 1, "--task dense")
    add("train", "name with a slash", train(*TINY_TRAIN, "--name", "a/b"), 1, "--name")
    add("train", "name with a newline", train(*TINY_TRAIN, "--name", "two\nlines"), 1, "--name")
    add("train", "name ..", train(*TINY_TRAIN, "--name", ".."), 1, "--name")
    add("train", "name of spaces", train(*TINY_TRAIN, "--name", " "), 1, "surrounding spaces")
    add("train", "name like an option", train(*TINY_TRAIN, "--name", "-x"), 1, "leading '-'")
    add("train", "pretrained empty", train(*TINY_TRAIN, "--pretrained", ""), 1, "--pretrained is empty")
    add("train", "pretrained a ballspot checkpoint", train(*TINY_TRAIN, "--pretrained", lambda k: k.model), 1,
        "it is a ballspot checkpoint; --pretrained takes a timm backbone's weights")  # fmt: skip
    add("train", "pretrained a video", train(*TINY_TRAIN, "--pretrained", lambda k: k.video), 1,
        "not a PyTorch (.pth, .bin) or safetensors weights file")  # fmt: skip
    add("train", "pretrained a folder", train(*TINY_TRAIN, "--pretrained", lambda k: k.base / "files"), 1,
        "files is a folder; give the file itself")  # fmt: skip
    add("train", "pretrained missing", train(*TINY_TRAIN, "--pretrained", lambda k: k.base / "none.pth"), 1,
        "none.pth")  # fmt: skip
    add("train", "pretrained an empty file", train(*TINY_TRAIN, "--pretrained", lambda k: k.file("empty.pth", b"")), 1,
        "empty.pth: the file is empty; copy or download it again")  # fmt: skip
    add("train", "pretrained a zip of other files", train(*TINY_TRAIN, "--pretrained", lambda k: k.file("zip.pth",
        zip_of("notes.txt", "hello"))), 1, "zip.pth: a zip archive of other files (notes.txt), not a file torch.save "
        "wrote")  # fmt: skip
    add("train", "pretrained weights of another network", train(*TINY_TRAIN, "--pretrained", lambda k: k.tensors_file(
        "other-net.pth", {"conv.weight": [[0.0]]})), 1,
        "other-net.pth does not fit backbone test_efficientnet")  # fmt: skip

    # ---------------------------------------------------------------- tune
    def tune(*extra):
        def build(k: Kit, o: Path) -> list:
            items = [e(k) if callable(e) else e for e in extra]
            return ["tune", "--studies-dir", o / "studies", "--runs-dir", o / "runs", "--cache-dir", k.base / "cache",
                    "--index", k.index, *items]  # fmt: skip

        return build

    add("tune", "trials 0", tune("--trials", "0"), 2, "--trials")
    add("tune", "trials text", tune("--trials", "x"), 2, "--trials")
    add("tune", "timeout -1", tune("--timeout", "-1"), 1, "--timeout")
    add("tune", "timeout nan", tune("--timeout", "nan"), 1, "--timeout")
    add("tune", "seed -1", tune("--seed", "-1"), 2, "--seed")
    add("tune", "study name with a slash", tune("--study", "a/b"), 1, "study name")
    add("tune", "metric bogus", tune("--metric", "bogus"), 2, "--metric")
    add("tune", "sampler bogus", tune("--sampler", "bogus"), 2, "--sampler")
    add("tune", "pruner bogus", tune("--pruner", "bogus"), 2, "--pruner")
    add("tune", "storage scheme unknown", tune("--storage", "ftp:x"), 1, "--storage")
    add("tune", "storage sqlite in memory", tune("--storage", "sqlite://"), 1, "in-memory")
    add("tune", "storage empty (an unset variable)", tune("--storage", ""), 1, "--storage is empty")
    add("tune", "storage journal without path", tune("--storage", "journal:"), 1, "journal")
    add("tune", "storage sqlite URL without //", tune("--storage", "sqlite:/tmp/study.db"), 1,
        "a database URL needs '//' after 'sqlite:'")  # fmt: skip
    add("tune", "storage postgresql URL without //", tune("--storage", "postgresql:host/db"), 1, "needs '//'")
    add("tune", "storage journal with a garbage line", tune("--storage", lambda k: "journal:" + str(k.file(
        "garbage.log", "garbage\n{}\n"))), 1, "not an Optuna journal file")  # fmt: skip
    add("tune", "storage journal of other JSON lines", tune("--storage", lambda k: k.file("lines.log", "[1, 2]\n"
        '{"op_code": 99}\n')), 1, "lines.log is not an Optuna journal file")  # fmt: skip
    add("tune", "task dense (its runs report no F1)", tune("--task", "dense", "--frames", "12", "--device", "cpu"), 1,
        "dense runs (task dense) do not measure")  # fmt: skip
    add("tune", "space drawing task dense", tune("--device", "cpu", "--frames", "12", "--space", lambda k: k.file(
        "space-dense.yaml", "task: [spot, dense]\n")), 1, "dense runs (task dense) do not measure")  # fmt: skip
    add("tune", "space missing", tune("--space", lambda k: k.base / "none.yaml"), 1, "not found")
    add("tune", "space binary", tune("--space", lambda k: k.binary), 1, "not a text file")
    add("tune", "space nested", tune("--space", lambda k: k.file("space-nested.yaml", "[" * 3000 + "]" * 3000)), 1,
        "YAML")  # fmt: skip
    add("tune", "space a list", tune("--space", lambda k: k.file("space-list.yaml", "- 1\n")), 1, "mapping")
    add("tune", "space unknown option", tune("--space", lambda k: k.file("space-bad.yaml", "lrr: [1, 2]\n")), 1,
        "lrr")  # fmt: skip
    add("tune", "space range without type", tune("--space", lambda k: k.file("space-notype.yaml",
        "lr: {low: 0.001, high: 0.1}\n")), 1, "lr: no type; add type: float")  # fmt: skip
    add("tune", "space choice inf", tune("--space", lambda k: k.file("space-inf.yaml", "warmup_epochs: [.inf]\n")),
        1, "warmup")  # fmt: skip
    add("tune", "space step larger than the range", tune("--space", lambda k: k.file("space-step.yaml",
        "warmup_epochs: {type: float, low: 0.0, high: 1.0, step: 5}\n")), 1,
        "step 5 is larger than high - low (1.0)")  # fmt: skip
    add("tune", "config extra holding a date", tune("--config", lambda k: k.file("tune-extra.yaml",
        "extra: {when: 2020-01-01}\n")), 1, "extra may hold text")  # fmt: skip
    add("tune", "config binary", tune("--config", lambda k: k.binary), 1, "not a text file")
    add("tune", "index missing", lambda k, o: ["tune", "--index", k.base / "none.parquet", "--studies-dir", o], 1,
        "not found")  # fmt: skip
    add("tune", "index a clips folder", lambda k, o: ["tune", "--index", k.clips, "--studies-dir", o], 1,
        "clips is a folder, not an index file")  # fmt: skip
    add("tune", "index a symbolic link loop", lambda k, o: ["tune", "--index", k.link_loop, "--studies-dir", o], 1,
        "its symbolic links form a loop")  # fmt: skip
    add("tune", "index without a valid split", lambda k, o: ["tune", "--index", k.index_only("train"),
        "--studies-dir", o / "studies", "--runs-dir", o / "runs", "--trials", "1"], 1, "valid")  # fmt: skip
    add("tune", "device cuda without cuda", tune("--device", "cuda"), 1, "CUDA", no_cuda=True)
    add("tune", "WORLD_SIZE not a number", tune("--config", "quickstart", "--device", "cpu"), 1, "WORLD_SIZE is 'two'",
        env={"WORLD_SIZE": "two"})  # fmt: skip
    add("tune", "device tpu", tune("--device", "tpu"), 2, "tpu")
    add("tune", "studies dir a symbolic link loop", lambda k, o: ["tune", "--index", k.index, "--studies-dir",
        k.link_loop], 1, "its symbolic links form a loop")  # fmt: skip
    add("tune", "report with the studies dir a symbolic link loop", lambda k, o: ["tune", "report",
        "--studies-dir", k.link_loop], 1, "its symbolic links form a loop")  # fmt: skip
    add("tune", "report of a missing study", lambda k, o: ["tune", "report", "--study", "none", "--studies-dir", o],
        1, "no study")  # fmt: skip
    add("tune", "report with the studies dir a file", lambda k, o: ["tune", "report", "--studies-dir",
        k.file("studies-file", "x")], 1, "is a file, not a folder")  # fmt: skip
    add("tune", "postprocess missing run", lambda k, o: ["tune", "postprocess", k.base / "no-run"], 1, "not found")
    add("tune", "postprocess batch size 0", lambda k, o: ["tune", "postprocess", k.model, "--batch-size", "0"], 2,
        "--batch-size")  # fmt: skip
    add("tune", "postprocess labels a video file", lambda k, o: ["tune", "postprocess", k.model, "--labels", k.video,
        "--device", "cpu"], 1, "match.mp4 is a file, not a dataset root")  # fmt: skip
    add("tune", "postprocess with a valid game's labels a folder", lambda k, o: ["tune", "postprocess", k.model,
        "--labels", k.dataset_with_unreadable_labels("folder"), "--device", "cpu"], 1,
        "C - D/Labels-ball.json: the game's labels file is a folder")  # fmt: skip
    add("tune", "postprocess weights outside a run", lambda k, o: ["tune", "postprocess", k.model_with("loose"),
        "--device", "cpu"], 1, "model-loose.pt is not in a run's weights folder")  # fmt: skip

    # ---------------------------------------------------------------- evaluate (spotting)
    def ev(labels: Callable[[Kit], Path], predictions: Callable[[Kit], Path], *extra):
        return lambda k, o: ["evaluate", "--labels", labels(k), "--predictions", predictions(k), *extra]

    def good_labels(k: Kit) -> Path:
        return k.labels

    def good_predictions(k: Kit) -> Path:
        return k.predictions

    def doc(name: str, text: str | bytes) -> Callable[[Kit], Path]:
        return lambda k: k.file(f"eval-{name}.json", text)

    add("evaluate", "labels missing", ev(lambda k: k.base / "none.json", good_predictions), 1, "not found")
    add("evaluate", "predictions missing", ev(good_labels, lambda k: k.base / "none.json"), 1, "not found")
    add("evaluate", "labels nested", ev(lambda k: k.nested, good_predictions), 1, "nested")
    add("evaluate", "predictions nested", ev(good_labels, lambda k: k.nested), 1, "nested")
    add("evaluate", "labels not json", ev(doc("lbad", "{"), good_predictions), 1, "not valid JSON")
    add("evaluate", "predictions not json", ev(good_labels, doc("pbad", "{")), 1, "not valid JSON")
    add("evaluate", "labels binary", ev(doc("lbin", bytes(range(256))), good_predictions), 1, "JSON")
    add("evaluate", "predictions binary", ev(good_labels, doc("pbin", bytes(range(256)))), 1, "JSON")
    add("evaluate", "labels a list", ev(doc("llist", "[]"), good_predictions), 1, "annotations")
    add("evaluate", "predictions a list", ev(good_labels, doc("plist", "[]")), 1, "predictions")
    add("evaluate", "predictions without list", ev(good_labels, doc("pnone", "{}")), 1, "predictions")
    add("evaluate", "prediction a string", ev(good_labels, doc("pstr", '{"predictions": ["x"]}')), 1, "prediction")
    add("evaluate", "prediction without position", ev(good_labels, doc("pnopos", json.dumps({"predictions": [
        {"label": "PASS", "half": 1, "confidence": 0.5}]}))), 1, "position")  # fmt: skip
    add("evaluate", "prediction confidence text", ev(good_labels, doc("pconf", json.dumps({"predictions": [
        {"label": "PASS", "position": 400, "half": 1, "confidence": "high"}]}))), 1, "confidence")  # fmt: skip
    add("evaluate", "prediction confidence twice", ev(good_labels, doc("pconf2", json.dumps({"predictions": [
        {"label": "PASS", "position": 400, "half": 1, "confidence": 0.5}]}).replace('"confidence": 0.5',
        '"confidence": 0.5, "confidence": 0.9'))), 1, "key 'confidence' appears twice")  # fmt: skip
    add("evaluate", "prediction half true", ev(good_labels, doc("phalftrue", json.dumps({"predictions": [
        {"label": "PASS", "position": 400, "half": True, "confidence": 0.5}]}))), 1, "has 'half' True")  # fmt: skip
    add("evaluate", "labels position Infinity", ev(doc("linf", labels_text([annotation(position=1)]).replace(
        '"position": 1', '"position": Infinity')), good_predictions), 1, "position")  # fmt: skip
    add("evaluate", "predictions position 5000 digits", ev(good_labels, doc("pdigits", json.dumps({"predictions": [
        {"label": "PASS", "position": 1, "half": 1, "confidence": 0.5}]}).replace('"position": 1',
        '"position": 1' + "0" * 5000))), 1, "digits long")  # fmt: skip
    add("evaluate", "labels without an event", ev(doc("lnone", labels_text([])), good_predictions), 1,
        "hold no event of the 12-class set")  # fmt: skip
    add("evaluate", "labels of other classes only", ev(doc("lother", labels_text([annotation(label="Goal")])),
        good_predictions), 1, "their labels (Goal) are not among them")  # fmt: skip
    add("evaluate", "predictions empty", ev(good_labels, doc("pempty", " \n")), 1,
        "eval-pempty.json: the file is empty; expected a JSON document")  # fmt: skip
    add("evaluate", "labels zip garbage", ev(lambda k: k.file("labels.zip", b"PK\x03\x04garbage"), good_predictions),
        1, "zip")  # fmt: skip
    add("evaluate", "predictions zip with a damaged member", ev(good_labels, lambda k: k.file("damaged.zip",
        damaged_zip("results_spotting.json", k.predictions.read_bytes() * 40))), 1,
        "damaged.zip!results_spotting.json: cannot read (Error -3 while decompressing")  # fmt: skip
    add("evaluate", "predictions a folder holding the zip", ev(good_labels, lambda k: k.folder_with_zip("submission",
        "results_spotting.json", k.predictions.read_bytes())), 1,
        "submission holds submission.zip: give the zip itself (--predictions ")  # fmt: skip
    add("evaluate", "labels a folder holding the zip", ev(lambda k: k.folder_with_zip("labels", "Labels-ball.json",
        k.labels.read_bytes()), good_predictions), 1,
        "labels holds labels.zip: give the zip itself (--labels ")  # fmt: skip
    add("evaluate", "predictions a zip holding the zip", ev(good_labels, lambda k: k.zip_holding_zip("zipped-twice",
        "results_spotting.json", k.predictions.read_bytes())), 1,
        "zipped-twice.zip holds the zip inner.zip: extract it and give that zip (--predictions inner.zip)")  # fmt: skip
    add("evaluate", "labels one game, predictions a root", ev(lambda k: k.dataset / "league/2020-2021/2020-01-01 - A"
        " - B", lambda k: k.predictions_one_folder_deeper(as_zip=False) / "predictions"), 1,
        "; --labels holds one game: give its own predictions (--predictions ")  # fmt: skip
    add("evaluate", "predictions zip one folder deeper", ev(lambda k: k.dataset,
        lambda k: k.predictions_one_folder_deeper(as_zip=True)), 1,
        "its games are under predictions/ inside the zip: make the zip from inside that folder")  # fmt: skip
    add("evaluate", "predictions folder one folder deeper", ev(lambda k: k.dataset,
        lambda k: k.predictions_one_folder_deeper(as_zip=False)), 1,
        "its games are under predictions: give --predictions ")  # fmt: skip
    add("evaluate", "predictions zip without the league folder", ev(lambda k: k.dataset,
        lambda k: k.predictions_one_folder_shallower()), 1,
        "of them are predicted at another path (first: ")  # fmt: skip
    add("evaluate", "predictions zip holding a game twice", ev(lambda k: k.dataset, lambda k: k.zip_file("twice.zip", [
        (f"league/2020-2021/{game}/results_spotting.json", k.predictions.read_bytes())
        for game in ("2020-01-01 - A - B", "2020-01-02 - C - D", "2020-01-01 - A - B")])), 1,
        "twice.zip holds game league/2020-2021/2020-01-01 - A - B's results_spotting.json twice")  # fmt: skip
    add("evaluate", "one game's labels a folder", ev(lambda k: k.dataset_with_unreadable_labels("folder"),
        good_predictions), 1, "C - D/Labels-ball.json: a folder where the game's Labels-ball.json goes")  # fmt: skip
    add("evaluate", "labels a named pipe", ev(lambda k: k.fifo, good_predictions), 1,
        "pipe.pt is not a regular file (a pipe or device)")  # fmt: skip
    add("evaluate", "labels folder without labels", ev(lambda k: k.base / "files", good_predictions), 1,
        "Labels-ball.json")  # fmt: skip
    add("evaluate", "predictions missing a game", ev(lambda k: k.dataset, lambda k: k.base / "files"), 1,
        "results_spotting.json")  # fmt: skip
    add("evaluate", "metric bogus", ev(good_labels, good_predictions, "--metric", "bogus"), 2, "bogus")
    add("evaluate", "bootstrap -1", ev(good_labels, good_predictions, "--bootstrap", "-1"), 2, "--bootstrap")
    add("evaluate", "bootstrap 10**9", ev(good_labels, good_predictions, "--bootstrap", "1000000000"), 2, "--bootstrap")
    add("evaluate", "seed -1", ev(good_labels, good_predictions, "--seed", "-1"), 2, "--seed")
    add("evaluate", "out unwritable", lambda k, o: ["evaluate", "--model", k.model, "--index", k.index,
        "--split", "valid", "--out", UNWRITABLE], 1, "cannot")  # fmt: skip
    add("evaluate", "index a symbolic link loop", lambda k, o: ["evaluate", "--model", k.model, "--index",
        k.link_loop, "--out", o], 1, "its symbolic links form a loop")  # fmt: skip
    add("evaluate", "classes bogus", ev(good_labels, good_predictions, "--classes", "bogus"), 2, "bogus")
    add("evaluate", "model and predictions", lambda k, o: ["evaluate", "--model", k.base / "m.pt", "--predictions",
        k.predictions], 2, "not both")  # fmt: skip
    add("evaluate", "model missing", lambda k, o: ["evaluate", "--model", k.base / "none.pt", "--index", k.index,
        "--out", o], 1, "not found")  # fmt: skip
    add("evaluate", "model a run folder without weights", lambda k, o: ["evaluate", "--model", k.empty_run,
        "--index", k.index, "--out", o], 1, "weights file not found")  # fmt: skip
    add("evaluate", "model a folder of other files", lambda k, o: ["evaluate", "--model", k.video.parent,
        "--index", k.index, "--out", o], 1, "is not a ballspot model")  # fmt: skip
    add("evaluate", "model a symbolic link loop", lambda k, o: ["evaluate", "--model", k.link_loop, "--index",
        k.index, "--out", o], 1, "its symbolic links form a loop")  # fmt: skip
    add("evaluate", "model a broken link", lambda k, o: ["evaluate", "--model", k.broken_link, "--index", k.index,
        "--out", o], 1, "which does not exist")  # fmt: skip
    add("evaluate", "model weights misshapen", lambda k, o: ["evaluate", "--model", k.model_with("shape",
        model=k.misshapen_weights()), "--index", k.index, "--split", "valid", "--out", o], 1, "do not fit")  # fmt: skip
    add("evaluate", "model config stride 0", lambda k, o: ["evaluate", "--model", k.model_setting("stride0", "config",
        stride=0), "--index", k.index, "--split", "valid", "--out", o], 1, "--stride must be between")  # fmt: skip
    add("evaluate", "model classes not its config's", lambda k, o: ["evaluate", "--model", k.model_with("p13",
        classes=["PASS"] * 13), "--index", k.index, "--split", "valid", "--out", o], 1, "classes are not")  # fmt: skip
    add("evaluate", "frame cache cut short", lambda k, o: ["evaluate", "--model", k.model, "--index", k.index,
        "--split", "valid", "--cache-dir", k.damaged_cache(), "--device", "cpu", "--out", o], 1,
        "is damaged (mmap length is greater than file size); delete it and rerun")  # fmt: skip
    add("evaluate", "split with no game in splits.json", ev(lambda k: k.dataset, good_predictions, "--split", "test"),
        1, "splits.json lists no game in split test (splits with games: train, valid)")  # fmt: skip
    add("evaluate", "split bogus", ev(good_labels, good_predictions, "--split", "bogus"), 2, "bogus")

    # ---------------------------------------------------------------- predict
    def pr(video: Callable[[Kit], Path], *extra):
        def build(k: Kit, o: Path) -> list:
            items = [e(k) if callable(e) else e for e in extra]
            model = [] if "--model" in items else ["--model", k.model]
            return ["predict", video(k), *model, "--out", o, "--device", "cpu", "-q", *items]

        return build

    def good_video(k: Kit) -> Path:
        return k.video

    add("predict", "missing video", pr(lambda k: k.base / "none.mp4"), 1, "not found")
    add("predict", "video name not UTF-8", pr(lambda k: k.latin1_video), 1, "caf\\xe9.mp4: the name is not valid")
    add("predict", "a game folder's name not UTF-8", pr(lambda k: k.dataset_with_latin1_game()), 1,
        "C\\xe9 - D/224p.mp4: the name is not valid UTF-8")  # fmt: skip
    add("predict", "model a symbolic link loop", pr(lambda k: k.video, "--model", lambda k: k.link_loop), 1,
        "its symbolic links form a loop")  # fmt: skip
    add("predict", "empty video", pr(lambda k: k.empty), 1, "empty")
    add("predict", "garbage video", pr(lambda k: k.garbage), 1, "video")
    add("predict", "audio only", pr(lambda k: k.audio_only), 1, "no video")
    add("predict", "truncated mp4", pr(lambda k: k.truncated), 1, "truncated")
    add("predict", "mp4 cut before its index", pr(lambda k: k.cut_before_index), 1,
        "cut-before-index.mp4 is an MP4 without its index (the moov box, written last)")  # fmt: skip
    add("predict", "one game's video a broken link", pr(lambda k: k.dataset_with_unreadable_video("link")), 1,
        "the game's video is a broken link")  # fmt: skip
    add("predict", "one game's video damaged", pr(lambda k: k.dataset_with_damaged("video", "224p.mp4",
        b"\x00not a video" * 300)), 1, "cannot read video")  # fmt: skip
    add("predict", "text file", pr(lambda k: k.file("notes.txt", "hello")), 1, "not a video")
    add("predict", "png image named .mp4", pr(lambda k: k.still_image), 1, "holds a still image (PNG)")
    add("predict", "stream URL without --follow", pr(lambda k: "http://127.0.0.1:9/live.ts"), 1,
        "http://127.0.0.1:9/live.ts is a live source")  # fmt: skip
    add("predict", "standard input without --follow", pr(lambda k: "-"), 1, "read it with --follow")
    add("predict", "follow a png image named .mp4", lambda k, o: ["predict", k.still_image, "--model", k.model,
        "--device", "cpu", "-q", "--follow", "--idle-timeout", "1"], 1, "holds a still image (PNG)")  # fmt: skip
    add("predict", "follow a folder", lambda k, o: ["predict", k.base / "files", "--model", k.model, "--device",
        "cpu", "-q", "--follow"], 1, "files; follow a video file, - (standard input")  # fmt: skip
    add("predict", "follow audio only", lambda k, o: ["predict", k.audio_only, "--model", k.model, "--device",
        "cpu", "-q", "--follow", "--idle-timeout", "1"], 1, "no video stream in")  # fmt: skip
    add("predict", "idle timeout without follow", pr(good_video, "--idle-timeout", "3"), 2, "--follow")
    add("predict", "model missing", pr(good_video, "--model", lambda k: k.base / "none.pt"), 1, "not found")
    add("predict", "model empty (an unset variable)", pr(good_video, "--model", ""), 1, "empty model path")
    add("predict", "model of a user that does not exist", pr(good_video, "--model", "~nosuchuser/best.pt"), 1,
        "no such user")  # fmt: skip
    add("predict", "BALLSPOT_DATA_DIR of a user that does not exist", lambda k, o: ["predict", k.video, "--model",
        k.model, "--device", "cpu"], 1, "cannot expand", env={"BALLSPOT_DATA_DIR": "~nosuchuser/data"})  # fmt: skip
    add("predict", "model URL whose host has an empty part", pr(good_video, "--model", "http://127.0.0..1/b.pt"), 1,
        "not a valid URL: http://127.0.0..1/b.pt (not a valid host name)")  # fmt: skip
    add("predict", "model URL with a port that is no number", pr(good_video, "--model", "http://127.0.0.1:abc/b.pt"),
        1, "not a valid URL: http://127.0.0.1:abc/b.pt (nonnumeric port")  # fmt: skip
    add("predict", "model garbage", pr(good_video, "--model", lambda k: k.file("w.pt", b"garbage")), 1, "weights")
    add("predict", "model truncated", pr(good_video, "--model", lambda k: k.file("half.pt", k.model.read_bytes()[
        : k.model.stat().st_size // 2])), 1, "half.pt: the file is truncated or damaged (")  # fmt: skip
    add("predict", "model a zip of other files", pr(good_video, "--model", lambda k: k.file("zip.pt",
        zip_of("notes.txt", "hello"))), 1, "zip.pt: a zip archive of other files (notes.txt), not a file torch.save "
        "wrote")  # fmt: skip
    add("predict", "model of a newer ballspot with a setting this one lacks", pr(good_video, "--model", lambda k:
        k.newer_model()), 1, "upgrade ballspot: pip install -U ballspot")  # fmt: skip
    add("predict", "model a named pipe", pr(good_video, "--model", lambda k: k.fifo), 1,
        "pipe.pt is not a regular file (a pipe or device)")  # fmt: skip
    add("predict", "model without weights", pr(good_video, "--model", lambda k: k.model_with("noweights", model=None)),
        1, "damaged")  # fmt: skip
    add("predict", "model with a short class list", pr(good_video, "--model", lambda k: k.model_with("short",
        classes=["PASS"])), 1, "classes")  # fmt: skip
    add("predict", "model weights misshapen", pr(good_video, "--model", lambda k: k.model_with("shape",
        model=k.misshapen_weights())), 1, "do not fit")  # fmt: skip
    add("predict", "model config stride 0", pr(good_video, "--model", lambda k: k.model_setting("stride0", "config",
        stride=0)), 1, "damaged ballspot checkpoint: --stride")  # fmt: skip
    add("predict", "model config frames 0", pr(good_video, "--model", lambda k: k.model_setting("frames0", "config",
        frames=0)), 1, "damaged ballspot checkpoint: --frames")  # fmt: skip
    add("predict", "model stacks 0", pr(good_video, "--model", lambda k: k.model_setting("stacks0", "model_config",
        stacks=0)), 1, "model-stacks0.pt is a damaged ballspot checkpoint: model stacks")  # fmt: skip
    add("predict", "model weights with tensors missing", pr(good_video, "--model", lambda k: k.model_with("few",
        model=k.first_weights(3))), 1, "tensor(s) missing: classifier.bias, classifier.weight, ")  # fmt: skip
    add("predict", "model weights NaN", pr(good_video, "--model", lambda k: k.model_with("nan",
        model=k.nan_weights())), 1, "hold NaN or infinite values")  # fmt: skip
    add("predict", "sha256 empty", pr(good_video, "--sha256", ""), 1, "not a sha256")
    add("predict", "sha256 with a run folder", pr(good_video, "--model", lambda k: k.model.parent.parent, "--sha256",
        "0" * 64), 1, "a folder")  # fmt: skip
    add("predict", "sha256 with an ONNX export", pr(good_video, "--model", lambda k: k.file("onnx-export/onnx.json",
        "{}").parent, "--sha256", "0" * 64), 1, "--sha256 does not apply to a folder (")  # fmt: skip
    add("predict", "batch size 0", pr(good_video, "--batch-size", "0"), 2, "--batch-size")
    add("predict", "precision fp8", pr(good_video, "--precision", "fp8"), 2, "fp8")
    add("predict", "threshold 1.5", pr(good_video, "--threshold", "1.5"), 1, "threshold")
    add("predict", "phases 0", pr(good_video, "--phases", "0"), 2, "--phases")
    add("predict", "phases 12 (beyond a stack)", pr(good_video, "--phases", "12"), 1, "does not fit")
    add("predict", "smooth -1", pr(good_video, "--smooth", "-1"), 1, "smooth")
    add("predict", "params nested", pr(good_video, "--params", lambda k: k.nested), 1, "nested")
    add("predict", "params binary", pr(good_video, "--params", lambda k: k.binary), 1, "JSON")
    add("predict", "params a folder", pr(good_video, "--params", lambda k: k.base / "files"), 1,
        "files is a folder; give the file itself")  # fmt: skip
    add("predict", "model's postprocess.json a folder", pr(good_video, "--model", lambda k: k.run_with_params_folder()),
        1, "postprocess.json is a folder")  # fmt: skip
    add("predict", "model folder whose postprocess.json is a folder", pr(good_video, "--model", lambda k:
        k.model_folder_with("params-folder", "postprocess.json")), 1, "postprocess.json is a folder")  # fmt: skip
    add("predict", "params threshold twice", pr(good_video, "--params", lambda k: k.file("twice.json",
        '{"threshold": 0.1, "threshold": 0.9}')), 1, "key 'threshold' appears twice")  # fmt: skip
    add("predict", "params unknown key", pr(good_video, "--params", lambda k: k.file("p.json", '{"nms": 1}')), 1,
        "nms")  # fmt: skip
    add("predict", "resolution 999p", pr(lambda k: k.dataset, "--resolution", "999p"), 2, "999p")
    add("predict", "resolution with video files", pr(good_video, "--resolution", "720p"), 2, "leave --resolution out")
    add("predict", "device tpu", lambda k, o: ["predict", k.video, "--model", k.model, "--device", "tpu", "--out", o],
        2, "tpu")  # fmt: skip
    add("predict", "device cuda without cuda", lambda k, o: ["predict", k.video, "--model", k.model, "--device",
        "cuda", "--out", o], 1, "CUDA", no_cuda=True)  # fmt: skip
    add("predict", "out unwritable", lambda k, o: ["predict", k.video, "--model", k.model, "--device", "cpu", "--out",
        UNWRITABLE], 1, "cannot")  # fmt: skip
    add("predict", "no runs", lambda k, o: ["predict", k.video, "--runs-dir", k.base / "no-runs", "--out", o], 1,
        "no trained model")  # fmt: skip
    add("predict", "runs dir a file", lambda k, o: ["predict", k.video, "--runs-dir", k.a_file, "--out", o], 1,
        "a-file is a file, not a folder; point --runs-dir (or BALLSPOT_RUNS_DIR) at a folder")  # fmt: skip
    add("predict", "BALLSPOT_RUNS_DIR a file", lambda k, o: ["predict", k.video, "--out", o], 1,
        "runs folder /proc/version is a file, not a folder", env={"BALLSPOT_RUNS_DIR": "/proc/version"})  # fmt: skip
    add("predict", "WORLD_SIZE not a number", pr(good_video), 1, "WORLD_SIZE is 'two', not a whole number",
        env={"WORLD_SIZE": "two"})  # fmt: skip
    add("predict", "RANK past WORLD_SIZE", pr(lambda k: k.dataset), 1, "RANK is '5', not a whole number from 0 to 1",
        env={"WORLD_SIZE": "2", "RANK": "5"})  # fmt: skip
    add("predict", "out empty (an unset variable)", pr(good_video, "--out", ""), 2, "or leave the option out")
    add("predict", "data dir empty", lambda k, o: ["predict", k.video, "--model", k.model, "--device", "cpu",
        "--data-dir", ""], 2, "--data-dir")  # fmt: skip
    add("predict", "zip is a folder", pr(good_video, "--zip", lambda k: k.base / "files"), 1, "--zip")
    add("predict", "zip unwritable", pr(lambda k: k.dataset, "--zip", UNWRITABLE + "/s.zip"), 1, "cannot")
    add("predict", "zip of a video outside a game folder", pr(good_video, "--zip", lambda k: k.base / "sub.zip"), 1,
        "match.mp4 is not in such a game folder")  # fmt: skip
    add("predict", "zip not a .zip", pr(good_video, "--zip", lambda k: k.base / "sub.txt"), 1, ".zip")

    # ---------------------------------------------------------------- download synthetic
    def syn(*extra, out: Callable[[Kit, Path], Path] | None = None):
        return lambda k, o: ["download", "synthetic", "--out", out(k, o) if out else o, *extra]

    add("download synthetic", "games 0", syn("--games", "0"), 2, "--games")
    add("download synthetic", "games text", syn("--games", "six"), 2, "--games")
    add("download synthetic", "games 100000", syn("--games", "100000"), 2, "--games")
    add("download synthetic", "minutes inf", syn("--minutes", "inf"), 2, "--minutes")
    add("download synthetic", "minutes -1", syn("--minutes", "-1"), 2, "--minutes")
    add("download synthetic", "minutes 1000", syn("--minutes", "1000"), 2, "--minutes")
    add("download synthetic", "minutes nan", syn("--minutes", "nan"), 2, "--minutes")
    add("download synthetic", "minutes 0", syn("--minutes", "0"), 1, "--minutes")
    add("download synthetic", "minutes too short for an event", syn("--minutes", "0.0001"), 1, "no event")
    add("download synthetic", "seed -1", syn("--seed", "-1"), 2, "--seed")
    add("download synthetic", "out is a file", syn("--minutes", "0.05", "--games", "1", out=lambda k, o: k.a_file),
        1, "a-file")  # fmt: skip
    add("download synthetic", "out empty", syn("--minutes", "0.05", "--games", "1", out=lambda k, o: ""), 2,
        "an empty path")  # fmt: skip
    add("download synthetic", "out a dataset root", syn("--minutes", "0.05", "--games", "1", out=lambda k, o:
        k.dataset_with_splits("synthetic-target", '{"train": []}')), 1, "holds no synthetic league")  # fmt: skip
    add("download synthetic", "out name too long", syn("--minutes", "0.05", "--games", "1", out=lambda k, o:
        o / ("x" * 300)), 1, "File name too long")  # fmt: skip
    add("download synthetic", "out unwritable", syn("--minutes", "0.05", out=lambda k, o: Path(UNWRITABLE)), 1,
        "cannot")  # fmt: skip
    add("download synthetic", "out a symbolic link loop", syn("--minutes", "0.05", out=lambda k, o: k.link_loop), 1,
        "loop: its symbolic links form a loop")  # fmt: skip
    add("download synthetic", "out a broken symbolic link", syn("--minutes", "0.05", out=lambda k, o: k.broken_link),
        1, "broken-link is a symbolic link to ")  # fmt: skip
    add("download synthetic", "out under a broken symbolic link", syn("--minutes", "0.05", out=lambda k, o:
        k.broken_link / "league"), 1, "broken-link is a symbolic link to ")  # fmt: skip

    add("download synthetic", "BALLSPOT_DATA_DIR a file", lambda k, o: ["download", "synthetic", "--games", "1",
        "--minutes", "0.05"], 1, "/proc/version/synthetic: Not a directory",
        env={"BALLSPOT_DATA_DIR": "/proc/version"})  # fmt: skip

    # ---------------------------------------------------------------- export
    add("export", "model without config", lambda k, o: ["export", k.model_with("noconfig", model_config=None), o],
        1, "damaged")  # fmt: skip
    add("export", "model empty", lambda k, o: ["export", "", o], 1, "empty model path")
    add("export", "model config with an unknown key", lambda k, o: ["export", k.model_setting("unknownkey", "config",
        bogus=1), o], 1, "its config: unknown key 'bogus'")  # fmt: skip
    add("export", "model of a newer ballspot with a setting this one lacks", lambda k, o: ["export",
        k.newer_model(), o], 1, "model-newer.pt was written by ballspot 99.0.0, newer than this one (")  # fmt: skip
    add("export", "model weights misshapen", lambda k, o: ["export", k.model_with("shape",
        model=k.misshapen_weights()), o], 1, "do not fit")  # fmt: skip
    add("export", "out in a folder that takes no new folder", lambda k, o: ["export", k.model, "/proc/ballspot-test"],
        1, "cannot write into /proc: No such file or directory")  # fmt: skip
    add("export", "model an empty file", lambda k, o: ["export", k.file("empty.pt", b""), o], 1,
        "empty.pt: the file is empty")  # fmt: skip
    add("export", "model a text file", lambda k, o: ["export", k.file("config.pt", "epochs: 3\n"), o], 1,
        "config.pt: not a PyTorch checkpoint")  # fmt: skip
    add("export", "model a zip of other files", lambda k, o: ["export", k.file("zip.pt", zip_of("notes.txt", "hello")),
        o], 1, "zip.pt: a zip archive of other files (notes.txt)")  # fmt: skip
    add("export", "model a named pipe", lambda k, o: ["export", k.fifo, o], 1,
        "pipe.pt is not a regular file (a pipe or device)")  # fmt: skip
    add("export", "model a JSON file", lambda k, o: ["export", k.file("json.pt", '{"a": 1}\n'), o], 1,
        "json.pt: not a PyTorch checkpoint")  # fmt: skip
    add("export", "model an HTML page", lambda k, o: ["export", k.file("page.pt", "<html>\n"), o], 1,
        "page.pt: not a PyTorch checkpoint")  # fmt: skip
    add("export", "model folder whose postprocess.json is a folder", lambda k, o: ["export",
        k.model_folder_with("params-folder", "postprocess.json"), o], 1, "postprocess.json is a folder")  # fmt: skip
    add("export", "model folder whose config.json is damaged", lambda k, o: ["export", k.model_folder_with(
        "config-damaged", "config.json", b"{"), o], 1, "cannot read config.json (")  # fmt: skip
    add("export", "model folder whose classes.json is short", lambda k, o: ["export", k.model_folder_with(
        "classes-short", "classes.json", b'["PASS"]'), o], 1,
        "classes-short is a damaged ballspot model folder: its classes are not the 13 its config")  # fmt: skip
    add("export", "model folder whose config has stride 0", lambda k, o: ["export", k.model_folder_with(
        "stride0", "config.json", k.folder_config_with(stride=0)), o], 1,
        "stride0 is a damaged ballspot model folder: --stride must be between")  # fmt: skip
    add("export", "model folder whose config.json is a folder", lambda k, o: ["export", k.model_folder_with(
        "config-folder", "config.json"), o], 1, "config.json is a folder")  # fmt: skip
    add("export", "model an ONNX export", lambda k, o: ["export", k.file("onnx-export/onnx.json", "{}").parent, o], 1,
        "onnx-export is an ONNX export, which only `ballspot predict --model` reads")  # fmt: skip
    add("export", "run folder without weights/best.pt", lambda k, o: ["export", k.run_without_weights(), o], 1,
        "weights file not found: ")  # fmt: skip
    add("export", "out name too long", lambda k, o: ["export", k.model, o / ("x" * 300)], 1, "File name too long")
    add("export", "model a symbolic link loop", lambda k, o: ["export", k.link_loop, o], 1,
        "loop: its symbolic links form a loop")  # fmt: skip
    add("export", "model URL with an unclosed [", lambda k, o: ["export", "http://[::1/best.pt", o], 1,
        "not a valid URL: http://[::1/best.pt (Invalid IPv6 URL)")  # fmt: skip
    add("export", "out a symbolic link loop", lambda k, o: ["export", k.model, k.link_loop], 1,
        "loop: its symbolic links form a loop")  # fmt: skip

    # ---------------------------------------------------------------- download soccernet (options only: no network)
    add("download soccernet", "edition 2019", lambda k, o: ["download", "soccernet", "--edition", "2019",
        "--data-dir", o], 2, "2019")  # fmt: skip
    add("download soccernet", "split bogus", lambda k, o: ["download", "soccernet", "--split", "bogus",
        "--data-dir", o], 2, "bogus")  # fmt: skip
    add("download soccernet", "data dir a symbolic link loop", lambda k, o: ["download", "soccernet", "-e", "2024",
        "--data-dir", k.link_loop], 1, "its symbolic links form a loop")  # fmt: skip
    add("download soccernet", "data dir name too long", lambda k, o: ["download", "soccernet", "-e", "2024",
        "--data-dir", o / ("x" * 300)], 1, "File name too long")  # fmt: skip
    add("download soccernet", "source bogus", lambda k, o: ["download", "soccernet", "--source", "bogus",
        "--data-dir", o], 2, "bogus")  # fmt: skip

    add("download soccernet", "BALLSPOT_DATA_DIR a file", lambda k, o: ["download", "soccernet", "-e", "2024"], 1,
        "/proc/version: a file of that name is in the way", env={"BALLSPOT_DATA_DIR": "/proc/version"})  # fmt: skip

    # ---------------------------------------------------------------- quickstart (refused before any work)
    def qs(*extra):
        return lambda k, o: ["quickstart", "--workdir", o, *[e(k) if callable(e) else e for e in extra]]

    add("quickstart", "games 0", qs("--games", "0"), 2, "--games")
    add("quickstart", "minutes inf", qs("--minutes", "inf"), 2, "--minutes")
    add("quickstart", "config binary", qs("--config", lambda k: k.binary), 1, "not a text file")
    add("quickstart", "config empty (an unset variable)", qs("--config", "", "--device", "cpu"), 1,
        "no config file or recipe called ''")  # fmt: skip
    add("quickstart", "config a clip classifier", qs("--config", "classify-cpu"), 1, "trains a clip classifier")
    add("quickstart", "device tpu", qs("--device", "tpu"), 2, "tpu")
    add("quickstart", "epochs 0", qs("--epochs", "0"), 2, "epochs")
    add("quickstart", "seed -1", qs("--seed", "-1"), 2, "--seed")
    add("quickstart", "workdir a file", lambda k, o: ["quickstart", "--workdir", k.a_file, "--device", "cpu"], 1,
        "a-file: a file of that name is in the way")  # fmt: skip
    add("quickstart", "cache dir a file (before the league is made)", qs("--cache-dir", lambda k: k.a_file, "--device",
        "cpu"), 1, "a-file: a file of that name is in the way")  # fmt: skip
    add("quickstart", "BALLSPOT_CACHE_DIR a file", qs("--device", "cpu"), 1,
        "/proc/version: a file of that name is in the way", env={"BALLSPOT_CACHE_DIR": "/proc/version"})  # fmt: skip
    add("quickstart", "workdir a symbolic link loop", lambda k, o: ["quickstart", "--workdir", k.link_loop], 1,
        "its symbolic links form a loop")  # fmt: skip

    # ---------------------------------------------------------------- app (refused before the server starts)
    add("app", "model a clip classifier", lambda k, o: ["app", "--model", k.clip_classifier], 1,
        "classifier.pt is a clip classifier (trained with --task classify)")  # fmt: skip
    add("app", "model garbage", lambda k, o: ["app", "--model", k.file("app-w.pt", b"garbage")], 1,
        "app-w.pt: not a PyTorch checkpoint")  # fmt: skip
    add("app", "model missing", lambda k, o: ["app", "--model", k.base / "none.pt"], 1, "weights file not found")
    add("app", "source a text file", lambda k, o: ["app", k.file("notes.txt", "hello")], 1, "not a video file")
    add("app", "source an empty video", lambda k, o: ["app", k.empty], 1, "empty")
    add("app", "source a folder without games", lambda k, o: ["app", k.base / "files"], 1, "no games")
    add("app", "port 0", lambda k, o: ["app", "--port", "0"], 2, "--port")
    add("app", "runs dir a file", lambda k, o: ["app", "--runs-dir", k.a_file], 1, "a-file is a file, not a folder")
    return cases


CASES = _cases()


def counts(outcomes: dict[str, Outcome]) -> dict[str, dict[str, int]]:
    """Per command: cases, clear errors, tracebacks, silent acceptances, other failures."""
    table: dict[str, dict[str, int]] = {}
    for case in CASES:
        if case.id not in outcomes:
            continue
        row = table.setdefault(case.command, {"cases": 0, "clear": 0, "traceback": 0, "accepted": 0, "other": 0})
        row["cases"] += 1
        row[outcomes[case.id].kind] += 1
    return table
