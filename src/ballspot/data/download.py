"""Fetch SoccerNet's ball-action data through SoccerNet's own SDK, then unpack it game by game.

The SDK knows where each edition lives (Hugging Face repos, the legacy ownCloud shares) and follows
SoccerNet's changes; it only downloads zips. ballspot adds the rest: unzipping (the 2025 zips are AES
encrypted with the NDA password), atomic per-game installs, skipping what is already complete, and
one-line errors where the SDK raises, prints or silently returns (docs/download.md).

Secrets (the Hugging Face token, the NDA password) are passed to the SDK and pyzipper only: they are
never logged, and any text relayed from the SDK is scrubbed of them.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from ballspot import console
from ballspot.arguments import path_argument
from ballspot.atomic import ensure_dir, held_alone, write_json
from ballspot.data import unzip
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json
from ballspot.soccernet.labels import LABELS_FILE
from ballspot.soccernet.layout import is_video_file
from ballspot.soccernet.splits import OFFICIAL_SPLITS

EDITIONS = (2023, 2024, 2025)
SPLITS = ("train", "valid", "test", "challenge", "test_labels")
"""`test_labels`: the 2023/2024 test labels, published apart from the test videos (`test-private.zip`)."""
DEFAULT_SPLITS = ("train", "valid", "test", "challenge")
SOURCES = ("huggingface", "owncloud")
INSTALL_HINT = "pip install 'ballspot[soccernet]'"
LOCK_SUFFIX = ".download.lock"
"""`<data>/.<task>.download.lock` is held while that edition's folder is written: a second download into it
fails at once instead (its sweep of leftovers would take the first one's half-made games)."""
MARKER_DIR = ".ballspot-download"
"""Per-split records of what each zip held, so a rerun knows what is complete without the zip."""

PASSWORD_HINT = "pass --password or set BALLSPOT_NDA_PASSWORD"
"""How a user gives the NDA password (the option and the variable of `download soccernet`)."""
_SDK_SOURCE = {"huggingface": "HuggingFace", "owncloud": "EXRCSDrive"}
_SDK_DEFAULT_PASSWORD = "SoccerNet"
"""What the SDK expects when no password applies; anything else makes it warn for Hugging Face tasks."""


def task_name(edition: int) -> str:
    """The SDK's task name and the dataset folder under the data folder."""
    return f"spotting-ball-{edition}"


def zip_name(split: str) -> str:
    return "test-private.zip" if split == "test_labels" else f"{split}.zip"


def hf_repo(edition: int, split: str) -> str:
    return "SoccerNet/SN-GroundTruth" if split == "test_labels" else f"SoccerNet/SN-BAS-{edition}"


@dataclass
class Credentials:
    """The Hugging Face token and the NDA password, each given or asked for when first needed."""

    hf_token: str | None = None
    nda_password: str | None = None
    ask_hf_token: Callable[[], str | None] | None = None
    """Asks for a token after Hugging Face refused access without one; None where nobody can answer."""
    ask_nda_password: Callable[[], str | None] | None = None
    _asked_token: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("hf_token", "nda_password"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise BallspotError(f"Credentials {name} must be text (a str), got {type(value).__name__}")

    def secrets(self) -> list[str]:
        return [s for s in (self.hf_token, self.nda_password) if s]

    def scrub(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text

    def password(self, why: str) -> str:
        """The NDA password, asking for it once if a prompt is available."""
        if not self.nda_password and self.ask_nda_password is not None:
            self.nda_password = self.ask_nda_password() or None
        if not self.nda_password:
            raise BallspotError(f"{why} needs the NDA password SoccerNet sent you: {PASSWORD_HINT}")
        return self.nda_password

    def new_token(self) -> bool:
        """After Hugging Face said no: ask once for a token (if nobody gave one); True if there is one to try."""
        if self._asked_token or self.hf_token or self.ask_hf_token is None:
            return False
        self._asked_token = True
        self.hf_token = self.ask_hf_token() or None
        return self.hf_token is not None


@dataclass(frozen=True)
class GameStatus:
    """What one game folder holds after the download."""

    edition: int
    split: str
    game_id: str
    path: Path
    videos: tuple[str, ...]
    labels: bool

    def to_json(self) -> dict:
        return {
            "edition": self.edition,
            "split": self.split,
            "game": self.game_id,
            "path": str(self.path),
            "videos": list(self.videos),
            "labels": self.labels,
        }


@dataclass(frozen=True)
class DownloadReport:
    data_dir: Path
    roots: dict[int, Path]
    """edition -> dataset root (`<data>/spotting-ball-<edition>`)"""
    games: tuple[GameStatus, ...]

    def to_json(self) -> dict:
        return {
            "data_dir": str(self.data_dir),
            "editions": {str(edition): str(root) for edition, root in self.roots.items()},
            "games": [g.to_json() for g in self.games],
        }


def load_sdk() -> ModuleType:
    """`SoccerNet.Downloader`, or a one-line error saying how to install it."""
    try:
        from SoccerNet import Downloader
    except ImportError as exc:
        missing = f" ({exc.name} is missing)" if exc.name and exc.name != "SoccerNet" else ""
        raise BallspotError(f"the SoccerNet package is not installed{missing}: {INSTALL_HINT}") from None
    return Downloader


def _sdk_has_ball_on_hf(sdk: ModuleType) -> bool:
    """SoccerNet >= 0.2 serves 2023/2024 from Hugging Face; 0.1.x only from ownCloud."""
    return hasattr(sdk, "_snapshot_download_or_explain")


def _several(values: object, kind: type) -> tuple:
    """`editions=2025` or `splits="train"` as given to download_soccernet: one of them, not its characters."""
    return (values,) if isinstance(values, kind) else tuple(values)


def check_request(editions: tuple[int, ...], splits: tuple[str, ...], source: str) -> None:
    """Refuse combinations SoccerNet does not offer, before anything is downloaded."""
    for edition in editions:
        if edition not in EDITIONS or isinstance(edition, bool):
            raise BallspotError(f"unknown edition {edition!r}; expected one of {', '.join(map(str, EDITIONS))}")
    for split in splits:
        if split not in SPLITS:
            raise BallspotError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    if source not in SOURCES:
        raise BallspotError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not splits:
        raise BallspotError("no split chosen")
    if not editions:
        raise BallspotError("no edition chosen")
    if 2025 in editions and "test_labels" in splits:
        raise BallspotError("2025 has no test_labels split: its test.zip carries the test labels")
    if 2025 in editions and source == "owncloud":
        raise BallspotError("the 2025 edition is only on Hugging Face: drop --source owncloud")


# --- what is on disk -------------------------------------------------------------------------------


def _marker_path(root: Path, split: str) -> Path:
    return root / MARKER_DIR / f"{split}.json"


def _read_marker(root: Path, split: str) -> dict[str, dict[str, int]] | None:
    """game id -> {file: size} as the split's zip held them, or None if the split was never unpacked."""
    path = _marker_path(root, split)
    try:
        data = read_json(path, "download marker")
        return {str(g): {str(f): int(s) for f, s in files.items()} for g, files in data["games"].items()}
    except (BallspotError, ValueError, KeyError, TypeError, AttributeError):
        return None


def written_files(root: Path) -> dict[str, set[str]]:
    """game id -> the paths inside its folder that a download unpacked (those its splits' records list)."""
    written: dict[str, set[str]] = {}
    for split in SPLITS:
        for game_id, files in (_read_marker(root, split) or {}).items():
            written.setdefault(game_id, set()).update(files)
    return written


def split_complete(root: Path, split: str) -> bool:
    """True when this split was unpacked before and every file it brought is still there."""
    games = _read_marker(root, split)
    return games is not None and all(unzip.files_complete(root / g, files) for g, files in games.items())


def game_status(edition: int, split: str, root: Path, game_id: str) -> GameStatus:
    folder = root / game_id
    videos = tuple(sorted(p.name for p in folder.glob("*") if p.is_file() and is_video_file(p)))
    return GameStatus(
        edition=edition,
        split=split,
        game_id=game_id,
        path=folder,
        videos=videos,
        labels=(folder / LABELS_FILE).is_file(),
    )


def present_games(edition: int, root: Path, splits: tuple[str, ...]) -> list[GameStatus]:
    """One row per game of the chosen splits: the official games plus any other game a zip brought."""
    rows: dict[str, GameStatus] = {}
    for split in splits:
        shown_split = "test" if split == "test_labels" else split
        game_ids = list(OFFICIAL_SPLITS.get(shown_split, ())) + list(_read_marker(root, split) or {})
        for game_id in game_ids:
            rows.setdefault(game_id, game_status(edition, shown_split, root, game_id))
    return list(rows.values())


# --- the SDK call ----------------------------------------------------------------------------------


_HUB_REFUSAL = re.compile(r"\b40[13]\b|Repository Not Found|gated repo", re.IGNORECASE)
"""How the Hub's error text says no access (a URL's port such as :44013 is no 401)."""
_RETURNED_LOCAL_DIR = re.compile(r"remote repo cannot be accessed in `snapshot_download` \((.*)\)\.?\s*$", re.DOTALL)
"""huggingface_hub's warning when it returns a local_dir after failing to reach the Hub; the error is inside."""


class HubUnreachable(Exception):
    """huggingface_hub could not reach the repo but returned the local folder as if done (it does so for any
    folder that holds files); `denied` when the Hub refused access (401, 403, gated, not found)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.denied = _HUB_REFUSAL.search(reason) is not None


class _HubLogToConsole(logging.Handler):
    """huggingface_hub's log records (its retries: "Trying to resume download...") as ballspot's log lines,
    scrubbed of secrets, so that `--quiet` and `--json` silence them like the rest of the chatter. Keeps the
    error the Hub only logged (`HubUnreachable`)."""

    def __init__(self, scrub: Callable[[str], str]) -> None:
        super().__init__(logging.INFO)
        self.scrub = scrub
        self.unreachable: HubUnreachable | None = None

    def emit(self, record: logging.LogRecord) -> None:
        message = self.scrub(record.getMessage())
        if found := _RETURNED_LOCAL_DIR.search(message):
            self.unreachable = HubUnreachable(_first_line(found.group(1)))
        console.log(f"Hugging Face: {_first_line(message)}", style="dim")


@contextlib.contextmanager
def _hub_log_to_console(scrub: Callable[[str], str]) -> Iterator[_HubLogToConsole]:
    """Route huggingface_hub's logger to a `_HubLogToConsole` (yielded) for the block: its own handler writes
    to the stderr it saw at import, past any redirection and past `--quiet`."""
    hub_logger = logging.getLogger("huggingface_hub")
    handlers, propagate = hub_logger.handlers[:], hub_logger.propagate
    ours = _HubLogToConsole(scrub)
    hub_logger.handlers, hub_logger.propagate = [ours], False
    try:
        yield ours
    finally:
        hub_logger.handlers, hub_logger.propagate = handlers, propagate


@dataclass
class _SdkOutput:
    """What an SDK call said: its prints, and the error huggingface_hub only logged."""

    printed: io.StringIO
    hub_log: _HubLogToConsole


@contextlib.contextmanager
def _sdk_session(sdk: ModuleType, credentials: Credentials) -> Iterator[_SdkOutput]:
    """Run SDK calls with our token, its prints captured (stdout is for results), warnings muted, the Hub's
    log lines scrubbed of secrets and shown as ours.

    The SDK takes no token argument; both its versions call the module-level `snapshot_download`, so
    the token is bound there for the duration of the call and the original restored afterwards.
    """
    captured = io.StringIO()
    original = sdk.snapshot_download
    token = credentials.hf_token
    if token:
        sdk.snapshot_download = functools.partial(original, token=token)
    hf_bars = _HfProgressBars(enabled=not console.quiet())
    try:
        with (
            hf_bars,
            _hub_log_to_console(credentials.scrub) as hub_log,
            warnings.catch_warnings(),
            contextlib.redirect_stdout(captured),
            contextlib.redirect_stderr(io.StringIO()) if console.quiet() else contextlib.nullcontext(),
        ):
            warnings.simplefilter("ignore")
            yield _SdkOutput(captured, hub_log)
    finally:
        sdk.snapshot_download = original


class _HfProgressBars:
    """Turn huggingface_hub's progress bars off while quiet, restoring the previous setting."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.was_disabled: bool | None = None

    def __enter__(self) -> None:
        if self.enabled:
            return
        from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars

        self.was_disabled = are_progress_bars_disabled()
        disable_progress_bars()

    def __exit__(self, *exc: object) -> None:
        if self.was_disabled is False:
            from huggingface_hub.utils import enable_progress_bars

            enable_progress_bars()


def _access_denied(exc: BaseException) -> bool:
    """True for Hugging Face's 'no access' answers (401, 403, gated or private repo).

    SoccerNet 0.2 re-raises every HTTP error of the Hub as a bare `PermissionError` (its cause is the
    Hub's error); 0.1.x lets the Hub's error through. A `PermissionError` with an errno is the local
    disk refusing a write, not the Hub.
    """
    try:
        from huggingface_hub.utils import HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError
    except ImportError:  # pragma: no cover - huggingface_hub comes with the SDK
        return isinstance(exc, PermissionError) and exc.errno is None
    if isinstance(exc, HubUnreachable):
        return exc.denied
    if isinstance(exc, PermissionError) and exc.errno is None:
        if exc.__cause__ is None:
            return True
        exc = exc.__cause__
    if isinstance(exc, LocalEntryNotFoundError) and exc.__cause__ is not None:
        exc = exc.__cause__  # a local copy missing files, the Hub's answer inside
    if isinstance(exc, RepositoryNotFoundError):  # also what a private repo answers without a token
        return True
    if isinstance(exc, HfHubHTTPError):
        return getattr(getattr(exc, "response", None), "status_code", None) in (401, 403)
    return False


def _failure(exc: BaseException, credentials: Credentials) -> str:
    """The root cause of a failed SDK call, in a few words, without secrets."""
    if isinstance(exc, PermissionError) and exc.errno is None and exc.__cause__ is not None:
        exc = exc.__cause__  # the SDK's wrapper around any Hub HTTP error
    text = credentials.scrub(_first_line(str(exc)))
    hint = "; check your internet connection" if "connect" in text.lower() or "timed out" in text.lower() else ""
    return f"{type(exc).__name__}: {text}{hint}"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _drop_partial_zip(zip_path: Path) -> None:
    """Delete a zip that lacks its end (a killed ownCloud download, which the SDK writes in place and would
    then take for complete), so that it is fetched anew."""
    import zipfile

    if zip_path.is_file() and not zipfile.is_zipfile(zip_path):
        console.warn(f"{zip_path} is not a complete zip (an interrupted download?): downloading it again")
        zip_path.unlink()


def fetch_zip(
    sdk: ModuleType,
    data_dir: Path,
    edition: int,
    split: str,
    source: str,
    credentials: Credentials,
    owncloud_server: str | None = None,
) -> Path:
    """Have the SDK download one split's zip (it skips a zip already there); return the zip's path."""
    task = task_name(edition)
    zip_path = data_dir / task / zip_name(split)
    repo = hf_repo(edition, split)
    _drop_partial_zip(zip_path)
    while True:
        error: BaseException | None = None
        with _sdk_session(sdk, credentials) as output:
            try:
                extra = {"OwnCloudServer": owncloud_server} if owncloud_server else {}
                downloader = sdk.SoccerNetDownloader(str(data_dir), **extra)
                password = credentials.nda_password if source == "owncloud" else _SDK_DEFAULT_PASSWORD
                downloader.downloadDataTask(
                    task=task, split=[split], verbose=False, password=password, source=_SDK_SOURCE[source]
                )
            except Exception as exc:  # the SDK is a black box: map what it raises, below
                error = exc
        said = credentials.scrub(output.printed.getvalue())
        if error is None and not zip_path.is_file():
            error = output.hub_log.unreachable
        if said.strip():
            console.log(f"SoccerNet: {_first_line(said)}", style="dim")
        if zip_path.is_file():
            if error is not None:
                # e.g. the SDK's analytics call after an ownCloud download, which fails offline
                console.warn(
                    f"the SoccerNet SDK failed after {zip_path.name} was saved ({type(error).__name__}); "
                    "going on with it"
                )
            return zip_path
        if error is not None and _access_denied(error):
            if credentials.new_token():
                continue
            if credentials.hf_token:  # given (option, variable or prompt) and still refused
                raise BallspotError(
                    f"Hugging Face refused the token for {repo}: request access at "
                    f"https://huggingface.co/datasets/{repo} with the account the token belongs to, or give another "
                    "token (--hf-token or HF_TOKEN)"
                ) from error
            raise BallspotError(
                f"no access to {repo} on Hugging Face: request access at https://huggingface.co/datasets/{repo}, "
                "then log in (`hf auth login`) or pass a token (--hf-token or HF_TOKEN)"
            ) from error
        if error is not None:
            raise BallspotError(
                f"could not download {zip_name(split)} of {task} ({_failure(error, credentials)})"
            ) from error
        if source == "owncloud":
            refused = next((code for code in ("401", "403") if f"HTTP Error {code}" in said), None)
            if refused:
                raise BallspotError(
                    f"ownCloud refused {zip_name(split)} of {task} ({refused}): the NDA password is wrong; "
                    f"{PASSWORD_HINT} with the one SoccerNet e-mailed you"
                )
            raise BallspotError(
                f"ownCloud did not deliver {zip_name(split)} of {task}" + (f" ({_first_line(said)})" if said else "")
            )
        raise BallspotError(f"{repo} on Hugging Face holds no {zip_name(split)}; nothing to unpack for {split}")


# --- unpacking -------------------------------------------------------------------------------------


def unpack_zip(
    zip_path: Path, root: Path, split: str, credentials: Credentials, needs_password: bool = False
) -> tuple[int, int]:
    """Extract every incomplete game of a split's zip, then record what it held; (extracted, skipped)."""
    password = credentials.password(zip_path.name) if needs_password else credentials.nda_password
    with unzip.open_zip(zip_path, password) as archive:
        index = unzip.index_zip(archive, zip_path)
        if not index.games:  # recorded as complete, the split would never be fetched again
            raise BallspotError(
                f"{zip_path} holds no game folder (league/season/game/...): delete it and download again"
            )
        if index.encrypted and not password:
            password = credentials.password(f"{zip_path.name} is encrypted: it")
            archive.setpassword(password.encode("utf-8"))
        todo = [g for g in index.games if not unzip.files_complete(root / g.game_id, g.files())]
        ours = written_files(root)
        with console.progress() as bar:
            task = bar.add_task(f"{root.name} {split}", total=sum(len(g.members) for g in todo))
            for game in todo:
                bar.update(task, description=f"{split}: {game.game_id.rsplit('/', 1)[-1]}")
                try:
                    unzip.extract_game(
                        archive,
                        game,
                        root,
                        password,
                        on_file=lambda _name: bar.advance(task),
                        ours=ours.get(game.game_id, set()),
                    )
                except unzip.WrongPassword as exc:
                    raise BallspotError(f"{exc}; {PASSWORD_HINT} with the one SoccerNet e-mailed you") from exc
        for member in index.loose:
            unzip.extract_loose(archive, member, root, password)
    write_json(
        _marker_path(root, split),
        {"zip": zip_path.name, "games": {g.game_id: g.files() for g in index.games}},
    )
    return len(todo), len(index.games) - len(todo)


def download_edition(
    data_dir: Path,
    edition: int,
    splits: tuple[str, ...],
    source: str,
    credentials: Credentials,
    keep_zips: bool = False,
    owncloud_server: str | None = None,
) -> Path:
    """Download and unpack the chosen splits of one edition; returns its dataset root.

    Splits recorded as complete are skipped without loading the SDK or touching the network.
    """
    task = task_name(edition)
    root = ensure_dir(data_dir / task)
    busy = f"{root} is being written by another `download soccernet`; wait for it to finish"
    # beside the folder, not in it: huggingface_hub takes a local_dir holding anything for a finished download
    # when the Hub cannot be reached
    with held_alone(data_dir / f".{task}{LOCK_SUFFIX}", busy):
        _download_splits(data_dir, root, edition, splits, source, credentials, keep_zips, owncloud_server)
    return root


def _download_splits(
    data_dir: Path,
    root: Path,
    edition: int,
    splits: tuple[str, ...],
    source: str,
    credentials: Credentials,
    keep_zips: bool,
    owncloud_server: str | None,
) -> None:
    """`download_edition` once it holds the edition's folder alone."""
    task = task_name(edition)
    unzip.remove_leftovers(root)
    todo = [s for s in splits if not split_complete(root, s)]
    for split in splits:
        if split not in todo:
            console.log(f"{task} {split}: complete, skipped")
    if not todo:
        return
    sdk = load_sdk()
    if source == "huggingface" and edition < 2025 and not _sdk_has_ball_on_hf(sdk):
        console.log(f"this SoccerNet SDK serves {edition} from ownCloud only: using it")
        source = "owncloud"
    needs_password = edition == 2025
    if needs_password or source == "owncloud":
        credentials.password(task)  # ask before a long download, not after it
    for split in todo:
        console.log(f"{task} {split}: fetching {zip_name(split)}")
        zip_path = fetch_zip(sdk, data_dir, edition, split, source, credentials, owncloud_server)
        extracted, skipped = unpack_zip(zip_path, root, split, credentials, needs_password)
        console.log(f"{task} {split}: {extracted} game(s) unpacked, {skipped} already complete")
        if not keep_zips:
            zip_path.unlink(missing_ok=True)


def download_soccernet(
    editions: tuple[int, ...],
    splits: tuple[str, ...] = DEFAULT_SPLITS,
    data_dir: Path | None = None,
    credentials: Credentials | None = None,
    source: str = "huggingface",
    keep_zips: bool = False,
    owncloud_server: str | None = None,
) -> DownloadReport:
    """Download SoccerNet ball-action editions into `<data>/spotting-ball-<edition>/league/season/game/`.

    A rerun downloads nothing for splits whose games are all complete. `owncloud_server` overrides the
    SDK's ownCloud address (tests point it at a local stand-in).
    """
    from ballspot.paths import data_dir as default_data_dir

    editions = tuple(dict.fromkeys(_several(editions, int)))
    splits = tuple(dict.fromkeys(_several(splits, str)))
    check_request(editions, splits, source)
    if credentials is not None and not isinstance(credentials, Credentials):
        given = type(credentials).__name__
        raise BallspotError(f"credentials must be Credentials(hf_token=..., nda_password=...), got {given}")
    data_dir = ensure_dir(path_argument(data_dir, "data_dir") if data_dir is not None else default_data_dir())
    credentials = credentials or Credentials()
    roots: dict[int, Path] = {}
    games: list[GameStatus] = []
    for edition in editions:
        roots[edition] = download_edition(data_dir, edition, splits, source, credentials, keep_zips, owncloud_server)
        games.extend(present_games(edition, roots[edition], splits))
    return DownloadReport(data_dir=data_dir, roots=roots, games=tuple(games))
