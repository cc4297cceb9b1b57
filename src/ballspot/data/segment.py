"""Cut a game into event clips (and background clips), and write the game's clip manifest.

Two ways to cut:
- `next` (the seed's): a clip runs from an event to the next one, extended by 1 s;
- `window`: a window of `window_s` seconds centred on each event.
Background clips are windows whose centre lies at least `background_gap_s` from every event.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from ballspot.atomic import held_alone, refuse_folders_in_the_way, removed_if_left_empty, write_json
from ballspot.classes import BACKGROUND, CLASSES_12
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json, require_file
from ballspot.paths import absolute_as_named
from ballspot.soccernet.labels import (
    LABEL_SLACK_MS,
    LABELS_FILE,
    TEAMS,
    VISIBILITIES,
    Annotation,
    off_clock_warning,
    read_labels,
    repeats_in_their_frame,
    repeats_message,
)
from ballspot.soccernet.layout import (
    UNNAMED_VIDEO,
    find_games,
    is_labelled,
    is_video_file,
    soccernet_video_half,
    unnamed_videos,
    unread_half_videos,
)
from ballspot.soccernet.splits import HOLD_OUT_HINT, SPLITS, SPLITS_FILE, load_splits, split_of
from ballspot.video.cut import cut_clip
from ballspot.video.probe import frame_times, probe

MANIFEST_FILE = "manifest.json"
MODES = ("next", "window")
SEED_EXTENSION_S = 1.0


@dataclass(frozen=True)
class SegmentOptions:
    """How to cut: mode, window, background share, whether to write clip files at all."""

    mode: str = "next"
    window_s: float = 2.0
    background_per_event: float = 0.25
    background_gap_s: float = 1.5
    cut: bool = True
    jobs: int = 2
    seed: int = 0
    classes: tuple[str, ...] = CLASSES_12
    warn_few_background: bool = True
    """Warn when a video has room for fewer background clips than asked, naming the options that change it
    (off where no option does: the quick start chooses them itself)."""

    def check(self) -> None:
        if self.mode not in MODES:
            raise BallspotError(f"unknown mode {self.mode!r}; choose one of: {', '.join(MODES)}")
        if not 0.2 <= self.window_s <= 60:
            raise BallspotError(f"--window must be between 0.2 and 60 seconds, got {self.window_s}")
        if not 0 <= self.background_per_event <= 10:
            raise BallspotError(f"--background must be between 0 and 10, got {self.background_per_event}")
        if not 0 <= self.background_gap_s < math.inf:  # NaN and inf too
            raise BallspotError(f"--background-gap must be >= 0 seconds (and finite), got {self.background_gap_s}")
        if not 1 <= self.jobs <= 64:
            raise BallspotError(f"--jobs must be between 1 and 64, got {self.jobs}")


@dataclass(frozen=True)
class ClipSpec:
    """One clip to cut: its file name, what it shows, and its time range in the source video."""

    file: str
    label: str
    kind: str
    """"event" or "background"."""
    event_ms: int
    start_ms: int
    end_ms: int
    half: int = 1
    team: str | None = None
    visibility: str = "visible"


def event_clips(
    events: list[Annotation], duration_ms: int, opts: SegmentOptions, half: int, last_frame_ms: int | None = None
) -> list[ClipSpec]:
    """Clip ranges around each event, by the chosen mode, clamped to the video: a clip starts at the latest on
    the last frame (`last_frame_ms`), so an event in the labels' slack past the end still gets that frame."""
    last_start = duration_ms - 1 if last_frame_ms is None else min(last_frame_ms, duration_ms - 1)
    clips = []
    for i, event in enumerate(events):
        if opts.mode == "next":
            start = event.position_ms
            nxt = events[i + 1].position_ms if i + 1 < len(events) else event.position_ms
            end = nxt + int(SEED_EXTENSION_S * 1000)
        else:
            half_window = int(opts.window_s * 500)
            start, end = event.position_ms - half_window, event.position_ms + half_window
        start = max(0, min(start, last_start))
        end = max(start + 1, min(duration_ms, end))
        name = f"h{half}_{event.position_ms:09d}_{event.label.replace(' ', '_')}.mp4"
        clips.append(
            ClipSpec(name, event.label, "event", event.position_ms, start, end, half, event.team, event.visibility)
        )
    return clips


def _once_each(events: list[Annotation], where: str) -> list[Annotation]:
    """The events with the first of each (40 ms frame, action) kept, with a warning when the labels repeat some:
    SoccerNet's evaluator (and `evaluate`) counts one action in one frame once, so a repeat would be cut as a
    second clip of that event (over its twin, at the same time) and trained on twice."""
    halves, positions = [e.half for e in events], [e.position_ms for e in events]
    repeats = repeats_in_their_frame(halves, positions, [e.label for e in events])
    kept = [event for event, repeat in zip(events, repeats, strict=True) if not repeat]
    if len(kept) < len(events):
        from ballspot.console import warn

        warn(f"{repeats_message(where, len(events) - len(kept))}; each is cut once")
    return kept


def background_clips(
    events: list[Annotation], duration_ms: int, opts: SegmentOptions, half: int, rng: np.random.Generator
) -> list[ClipSpec]:
    """Windows centred at least `background_gap_s` from any event, spread at random over the video."""
    count = int(round(opts.background_per_event * len(events)))
    if count == 0:
        return []
    half_window = int(opts.window_s * 500)
    gap = int(opts.background_gap_s * 1000)
    positions = np.array(sorted(e.position_ms for e in events), dtype=np.int64)
    grid = np.arange(half_window, max(half_window + 1, duration_ms - half_window), 40, dtype=np.int64)
    if len(positions):
        grid = grid[_nearest_distance(grid, positions) >= gap]
    if len(grid) == 0:
        return []
    centres = np.sort(rng.choice(grid, size=min(count, len(grid)), replace=False))
    return [
        ClipSpec(
            f"h{half}_{c:09d}_{BACKGROUND}.mp4",
            BACKGROUND,
            "background",
            int(c),
            int(max(0, c - half_window)),
            int(min(duration_ms, c + half_window)),
            half,
        )
        for c in centres
    ]


def _nearest_distance(grid: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Distance from each grid point to the nearest of the sorted `positions`."""
    idx = np.clip(np.searchsorted(positions, grid), 1, len(positions) - 1)
    return np.minimum(np.abs(grid - positions[idx - 1]), np.abs(grid - positions[idx]))


def dataset_root_of(video: Path) -> Path | None:
    """The dataset root when `video` has a SoccerNet name (`224p.mp4`, `1_224p.mkv`) at root/league/season/game/.

    Any other video is a user's own match, whatever the depth of the folder it sits in.
    """
    if soccernet_video_half(video.name) is None:
        return None
    parents = absolute_as_named(video).parents  # a linked video belongs to the game folder it is linked into
    return parents[3] if len(parents) > 3 else None


def _warn_if_replacing(manifest_path: Path, video: Path, what: str) -> None:
    """Warn when the manifest's folder holds the clips of a video in another folder, which this run replaces:
    two videos of one name (`a/match.mp4`, `b/match.mp4`) are one game. Another video of the same game folder
    (`720p.mp4` after `224p.mp4`) replaces them quietly."""
    before = _video_cut_before(manifest_path)
    if before is None or Path(before).parent == video.resolve().parent:
        return
    from ballspot.console import warn

    warn(
        f"{what}: the clips in {manifest_path.parent} were cut from {before}; this run replaces them with those "
        f"of {video.resolve()} (if these are two games, rename one video or give another --out)"
    )


def _video_cut_before(manifest_path: Path) -> str | None:
    """The video the last run cut into this manifest's folder; None when there is no (readable) manifest."""
    if not manifest_path.is_file():
        return None
    try:
        return read_manifest(manifest_path)["video"]
    except BallspotError:
        return None


def _cut_before(manifest_path: Path, video: Path) -> dict[str, tuple[int, int]] | None:
    """file -> (start_ms, end_ms) of the clips the last run cut from `video` into this folder.

    None when no manifest is there (a first run, maybe interrupted: files present are trusted); an empty
    dict when that run wrote no clips or cut another video (every clip is cut again).
    """
    if not manifest_path.is_file():
        return None
    try:
        previous = read_manifest(manifest_path)
    except BallspotError:
        return {}
    if not previous.get("cut", True) or previous.get("video") != str(video.resolve()):
        return {}
    return {c["file"]: (int(c["start_ms"]), int(c["end_ms"])) for c in previous["clips"]}


def segment_game(
    video: Path,
    labels_path: Path,
    out_dir: Path,
    game_id: str,
    split: str,
    opts: SegmentOptions,
    half: int = 1,
    on_clip: Callable[[], None] | None = None,
) -> dict:
    """Cut one video's clips into `out_dir` (skipping those already there) and write its manifest."""
    opts.check()
    info = probe(video)
    labels = read_labels(  # its warnings were said by `check_jobs`, once per game
        labels_path, opts.classes, duration_ms=info.duration_ms, slack_ms=LABEL_SLACK_MS, half=half, warn=False
    )
    events = _once_each(labels.for_half(half), f"{labels_path}" + ("" if half == 1 else f" (half {half})"))
    rng = np.random.default_rng([opts.seed, half, len(events)])
    last_frame_ms = int(info.last_frame_s * 1000)
    background = background_clips(events, info.duration_ms, opts, half, rng)
    wanted = int(round(opts.background_per_event * len(events)))
    if len(background) < wanted and opts.warn_few_background:
        from ballspot.console import warn

        warn(
            f"{video.name}: {len(background)} of {wanted} background clips: the video has too few places "
            f"{opts.background_gap_s:g} s or more from every event (lower --background or --background-gap)"
        )
    clips = event_clips(events, info.duration_ms, opts, half, last_frame_ms) + background
    busy = f"{game_id} (half {half}) is being segmented into {out_dir} by another process; wait for it"
    with (
        removed_if_left_empty(out_dir),  # a game that fails (ffmpeg, a full disk) leaves no empty folder
        held_alone(out_dir / f".segment-h{half}.lock", busy),  # two cuts with other options would mix clips
    ):
        return _cut_game(video, labels_path, out_dir, game_id, split, opts, half, on_clip, info, clips)


def _cut_game(video, labels_path, out_dir, game_id, split, opts, half, on_clip, info, clips) -> dict:
    """Cut `clips` into `out_dir` (skipping those already cut over the same range) and write the manifest.

    The manifest is written before cutting, once the clips it no longer describes are deleted: a run stopped
    half way leaves only clip files it describes (the index names those missing), never an older manifest
    vouching for a clip recut over another range."""
    manifest_path = out_dir / MANIFEST_FILE if half == 1 else out_dir / f"manifest_h{half}.json"
    refuse_folders_in_the_way(manifest_path)  # before cutting clips no manifest would list
    had_manifest = manifest_path.is_file()
    _warn_if_replacing(manifest_path, video, f"{game_id} (half {half})")
    manifest = {
        "game": game_id,
        "split": split,
        "video": str(video.resolve()),
        "labels": str(labels_path.resolve()),
        "half": half,
        "fps": info.fps,
        "duration_ms": info.duration_ms,
        "mode": opts.mode,
        "window_s": opts.window_s,
        "cut": opts.cut,
        "clips": [asdict(c) for c in clips],
    }
    todo = _clips_to_cut(clips, out_dir, manifest_path, video) if opts.cut else []
    for clip in todo:
        if (out_dir / clip.file).is_file():  # cut over another range: the new manifest does not describe it
            (out_dir / clip.file).unlink()
    write_json(manifest_path, manifest)
    if not opts.cut:
        return manifest
    try:
        _cut_clips(video, out_dir, todo, opts.jobs, on_clip)
    except BaseException:
        if not had_manifest and not any((out_dir / c.file).exists() for c in clips):
            manifest_path.unlink(missing_ok=True)  # nothing cut: a first run that fails leaves no folder
        raise
    if on_clip:
        for _ in range(len(clips) - len(todo)):
            on_clip()
    return manifest


def _clips_to_cut(clips: list[ClipSpec], out_dir: Path, manifest_path: Path, video: Path) -> list[ClipSpec]:
    """The clips missing from `out_dir`, or cut there over another range than now (options may have changed)."""
    cut_before = _cut_before(manifest_path, video)
    return [
        c
        for c in clips
        if not (out_dir / c.file).is_file()
        or (cut_before is not None and cut_before.get(c.file) != (c.start_ms, c.end_ms))
    ]


def _cut_clips(video: Path, out_dir: Path, todo: list[ClipSpec], jobs: int, on_clip: Callable[[], None] | None) -> None:
    """Cut each of `todo` from `video` into `out_dir`, `jobs` at a time."""
    times = frame_times(video) if todo else None

    def cut(clip: ClipSpec) -> None:
        start_s, duration_s = clip.start_ms / 1000, (clip.end_ms - clip.start_ms) / 1000
        cut_clip(video, out_dir / clip.file, start_s, duration_s, frame_times=times)
        if on_clip:
            on_clip()

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(cut, todo))


@dataclass(frozen=True)
class GameJob:
    """One video to segment: where it is, its labels, and where its clips go."""

    video: Path
    labels: Path
    game_id: str
    split: str
    half: int = 1


def plan_jobs(source: Path, labels: Path | None, resolution: str = "224p") -> list[GameJob]:
    """The videos to segment for a video file or a dataset root."""
    if source.is_dir():
        if labels is not None:
            raise BallspotError("--labels applies to a single video; a dataset root uses each game's labels")
        return _plan_root(source, resolution)
    if not source.exists():
        raise BallspotError(f"video not found: {source}")
    if not is_video_file(source):
        raise BallspotError(f"not a video file (expected .mp4, .mkv, ...): {source}")
    labels = labels or source.parent / LABELS_FILE
    if labels.exists() or labels.is_symlink():
        require_file(labels, "labels")  # a folder, a pipe or a broken link says what it is, not "not found"
    if not labels.is_file():
        raise BallspotError(f"labels not found: {labels} (give them with --labels)")
    root = dataset_root_of(source)
    folder = absolute_as_named(source).parent
    if root is not None and absolute_as_named(labels).parent == folder:
        game_id = folder.relative_to(root).as_posix()
        split = split_of(game_id, load_splits(root))
    elif soccernet_video_half(source.name) is not None:  # 224p.mp4 outside a dataset: the folder names the game
        game_id, split = folder.name or source.stem, "train"
    else:
        game_id, split = source.stem, "train"
    if game_id in ("", ".", ".."):  # the game's clips go to <out>/<game id>: this would be <out> or above it
        raise BallspotError(f"cannot name a game after {source.name!r}; rename the video (e.g. match.mp4)")
    half = soccernet_video_half(source.name) or 1
    return [GameJob(source, labels, game_id, split, half)]


def _plan_root(source: Path, resolution: str) -> list[GameJob]:
    """The videos to segment in a dataset root: every half video of each game holding labels; games left out
    for want of a video or of labels are named in a warning (the challenge's, whose labels are never public,
    quietly)."""
    splits = load_splits(source)
    jobs, unwatched, unlabelled = [], [], []
    for game in find_games(source, resolution):
        split = split_of(game.game_id, splits)
        if game.labels is not None and not game.videos:
            unwatched.append(game)
        elif not is_labelled(game) and split != "challenge":
            unlabelled.append(game.game_id)
        if not is_labelled(game) or not game.videos:
            continue
        for half, video in game.videos.items():
            jobs.append(GameJob(video, game.labels, game.game_id, split, half))
    misnamed = next((video for game in unwatched for video in unnamed_videos(game.folder)), None)
    hint = f"; {misnamed.relative_to(source).as_posix()} is {UNNAMED_VIDEO}" if misnamed else ""
    if not jobs:
        raise BallspotError(f"no game under {source} has both a video and {LABELS_FILE}{hint}")
    _warn_left_out([game.game_id for game in unwatched], "with labels but no video", hint)
    _warn_left_out(unlabelled, f"with a video but no {LABELS_FILE}")
    return jobs


def _warn_left_out(game_ids: list[str], why: str, hint: str = "") -> None:
    """Warn that these games give no clip, and why, naming the first three."""
    if game_ids:
        from ballspot.console import warn

        more = " ..." if len(game_ids) > 3 else ""
        warn(f"{len(game_ids)} game(s) {why} left out: {', '.join(game_ids[:3])}{more}{hint}")


def unlisted_games(source: Path, jobs: list[GameJob]) -> str | None:
    """A warning when games of a dataset root are in no list of its splits.json (they go to train): a typo
    there would put a test game into training without a word; and when a root without one sends several games,
    all of them, to train (training then finds no validation game). None otherwise."""
    if not source.is_dir():
        return None
    if not (source / SPLITS_FILE).is_file():
        games = {job.game_id for job in jobs}
        if len(games) < 2 or any(job.split != "train" for job in jobs):
            return None
        return f"no {SPLITS_FILE} in {source}: all {len(games)} games go to train; to hold some out, {HOLD_OUT_HINT}"
    splits = load_splits(source)
    game_ids = sorted({job.game_id for job in jobs})
    listed = {game for games in splits.values() for game in games}
    unlisted = [game for game in game_ids if game not in listed]
    if not unlisted:
        return _listed_but_absent(source, splits)
    absent = sorted(listed - set(game_ids))
    hint = f"; it lists {len(absent)} game(s) not found here, first: {absent[0]!r}" if absent else ""
    return f"{len(unlisted)} game(s) in no list of {SPLITS_FILE} go to train, first: {unlisted[0]!r}{hint}"


def stale_manifests(out_root: Path, source: Path, jobs: list[GameJob]) -> str | None:
    """A warning when `out_root` holds manifests an earlier run cut from games of the dataset root `source`
    that this run does not cut (their folder, labels or video gone since): `index` would still read them.
    None otherwise, and for a single video (several are often cut into one clips folder)."""
    if not source.is_dir() or not out_root.is_dir():
        return None
    from ballspot.data.index import find_manifests

    try:
        manifests = find_manifests(out_root)
    except BallspotError:  # none there yet
        return None
    root, cut_now = source.resolve(), {(job.game_id, job.half) for job in jobs}
    stale = [path for path in manifests if _cut_from(path, root) - cut_now]
    if not stale:
        return None
    return (
        f"{len(stale)} clip manifest(s) under {out_root} come from games of {source} this run does not cut, first: "
        f"{stale[0].parent.relative_to(out_root).as_posix()} ({stale[0].name}); `index` still reads them: delete "
        "their folders to leave them out"
    )


def _cut_from(manifest_path: Path, root: Path) -> set[tuple[str, int]]:
    """{(game, half)} of a manifest cut from labels under `root`; empty for another's or an unreadable one."""
    try:
        manifest = read_json(manifest_path, "clip manifest")
    except BallspotError:
        return set()
    if not isinstance(manifest, dict):
        return set()
    labels, game, half = manifest.get("labels"), manifest.get("game"), manifest.get("half", 1)
    if not isinstance(labels, str) or not isinstance(game, str) or half not in (1, 2):
        return set()
    return {(game, int(half))} if Path(labels).is_relative_to(root) else set()


def _listed_but_absent(source: Path, splits: dict[str, tuple[str, ...]]) -> str | None:
    """A warning when the splits file lists games with no folder under `source` (not downloaded, or a typo in
    an id): their split goes without them. None otherwise."""
    absent = [(game, name) for name, games in splits.items() for game in games if not (source / game).is_dir()]
    if not absent:
        return None
    game, name = absent[0]
    return (
        f"{SPLITS_FILE} lists {len(absent)} game(s) not found under {source}, first: {game!r} in {name!r}; "
        "that split goes without them (check the ids: league/season/game)"
    )


def _why_no_video(job: GameJob, halves: set[int], used: list[Path]) -> str:
    """Why labels of `halves` have no video: none at all, or per-half videos left unread beside a whole one."""
    unread = unread_half_videos(job.video.parent, halves, used) if job.video.parent.is_dir() else []
    if not unread:
        return "no video holds that half"
    return (
        f"{unread[0].name} is not read, as the game's whole video {job.video.name} is "
        "(a game folder holds one whole-game video or one video per half, not both)"
    )


def check_jobs(jobs: list[GameJob], classes: tuple[str, ...] = CLASSES_12) -> None:
    """Probe every video and read its labels before anything is cut, so that a damaged game anywhere in a
    dataset fails before the clips of the games ahead of it are written. Labels of a half that has no video
    (a whole-match video with labels of half 2, or a 2023 game missing one half) are left out, with a warning."""
    from ballspot.console import warn

    halves: dict[str, set[int]] = {}
    for job in jobs:
        halves.setdefault(job.game_id, set()).add(job.half)
    events, warnings, eventless = 0, [], []
    sideless = []  # events read without a side: said after the warnings, one of which may say why no event is cut
    for job in jobs:
        info = probe(job.video)
        labels = read_labels(
            job.labels, classes, duration_ms=info.duration_ms, slack_ms=LABEL_SLACK_MS, half=job.half, warn=False
        )
        events += sum(a.half in halves[job.game_id] for a in labels.annotations)
        if job.half != min(halves[job.game_id]):
            continue  # one warning per game
        sideless.extend(labels.warnings)
        if not labels.annotations:
            eventless.append(job.game_id)
        if clock := off_clock_warning(labels):
            warnings.append(clock)
        orphans = [a for a in labels.annotations if a.half not in halves[job.game_id]]
        if orphans:
            left_out = " and ".join(str(h) for h in sorted({a.half for a in orphans}))
            count = len(orphans)
            why = _why_no_video(job, {a.half for a in orphans}, [j.video for j in jobs if j.game_id == job.game_id])
            warnings.append(f"{job.game_id}: {count} label(s) of half {left_out} left out: {why}")
    if jobs and not events:  # the first warning says why, in the one error line
        where = jobs[0].labels if len(jobs) == 1 else "any game's labels"
        why = f" ({warnings[0]}{' ...' if len(warnings) > 1 else ''})" if warnings else ""
        raise BallspotError(f"no event in {where}{why}: nothing to cut (clips are cut around the labelled events)")
    if eventless and len(eventless) < len(halves):  # one game of a dataset labelled with nothing gives no clip
        warnings.append(
            f"{len(eventless)} game(s) whose labels hold no event give no clip, first: {eventless[0]}"
            + ("" if len(eventless) == 1 else " ...")
        )
    for warning in warnings + sideless:
        warn(warning)


def read_manifest(path: Path) -> dict:
    """A manifest written by `segment_game`."""
    require_file(path, "clip manifest")  # a folder, a broken link, a loop: said as it is, not "cannot read"
    try:
        data = read_json(path, "clip manifest")
    except BallspotError as exc:
        raise BallspotError(f"cannot read clip manifest {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("clips"), list):
        raise BallspotError(f"{path} is not a ballspot clip manifest")
    for key in MANIFEST_TEXT_KEYS:
        if not isinstance(data.get(key), str) or not data[key]:
            raise BallspotError(f"{path}: manifest without a {key!r} text; cut the game again with `ballspot segment`")
    if data["split"] not in SPLITS:
        raise BallspotError(f"{path}: unknown split {data['split']!r}; expected one of: {', '.join(SPLITS)}")
    game = PurePosixPath(data["game"])
    if game.is_absolute() or ".." in game.parts:  # it is joined onto a labels root to find the game's labels
        raise BallspotError(
            f"{path}: game {data['game']!r} is not a game id (league/season/game inside a dataset); cut the game "
            "again with `ballspot segment`"
        )
    files: set[str] = set()
    for i, clip in enumerate(data["clips"]):
        _check_clip(clip, f"{path}: clip {i}")
        if clip["file"] in files:
            raise BallspotError(f"{path}: clip {clip['file']} is listed more than once; cut the game again")
        files.add(clip["file"])
    return data


MANIFEST_TEXT_KEYS = ("game", "split", "video")
CLIP_TEXT_KEYS = ("file", "label", "kind")
CLIP_MS_KEYS = ("event_ms", "start_ms", "end_ms")
CLIP_KINDS = ("event", "background")
MAX_CLIP_MS = 24 * 3600 * 1000
"""A day: no video of a game is longer."""


def _check_clip(clip: object, where: str) -> None:
    """A manifest's clip entry has the fields the index reads, of the right types."""
    if not isinstance(clip, dict):
        raise BallspotError(f"{where}: expected an object, got {type(clip).__name__}")
    for key in CLIP_TEXT_KEYS:
        if not isinstance(clip.get(key), str) or not clip[key]:
            raise BallspotError(f"{where}: no {key!r}; cut the game again with `ballspot segment`")
    for key in CLIP_MS_KEYS:
        value = clip.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CLIP_MS:
            raise BallspotError(f"{where}: {key!r} must be a whole number of ms from 0 to {MAX_CLIP_MS}, got {value!r}")
    if clip["end_ms"] <= clip["start_ms"]:
        raise BallspotError(f"{where}: ends ({clip['end_ms']} ms) before it starts ({clip['start_ms']} ms)")
    if not clip["start_ms"] <= clip["event_ms"] <= clip["end_ms"] + LABEL_SLACK_MS:  # a label in the slack past
        raise BallspotError(f"{where}: its event ({clip['event_ms']} ms) lies outside the clip")  # the video's end
    if clip["kind"] not in CLIP_KINDS:
        raise BallspotError(f"{where}: 'kind' must be one of {', '.join(CLIP_KINDS)}, got {clip['kind']!r}")
    if (clip["kind"] == "background") != (clip["label"] == BACKGROUND):
        raise BallspotError(f"{where}: a {clip['kind']} clip labelled {clip['label']!r}")
    if clip.get("team") not in (None, *TEAMS):
        raise BallspotError(f"{where}: 'team' must be 'left', 'right' or null, got {clip['team']!r}")
    if clip.get("visibility", "visible") not in VISIBILITIES:
        raise BallspotError(f"{where}: 'visibility' must be 'visible' or 'not shown', got {clip['visibility']!r}")
    half = clip.get("half", 1)
    if half not in (1, 2) or isinstance(half, bool):
        raise BallspotError(f"{where}: 'half' must be 1 or 2, got {half!r}")
    if "/" in clip["file"] or "\\" in clip["file"] or clip["file"].startswith("."):
        raise BallspotError(f"{where}: 'file' must be a file name in the manifest's folder, got {clip['file']!r}")
