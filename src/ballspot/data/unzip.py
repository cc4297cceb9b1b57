"""Unpack SoccerNet's split zips into the dataset layout, one game at a time, atomically.

The zips may be plain, ZipCrypto or WinZip AES (the 2025 NDA zips); `pyzipper` reads all three, where
the standard `zipfile` cannot read AES. Members start at the league folder (`league/season/game/file`),
so a game is the first three parts of a member's path. Each game is extracted into a hidden sibling
folder and renamed into place: a game folder is either absent or complete, whatever stops the
extraction (a wrong password, a full disk, a killed process).
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import uuid
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ballspot import console
from ballspot.atomic import atomic_path, removed_if_left_empty
from ballspot.errors import BallspotError

GAME_DEPTH = 3
"""league/season/game"""

STAGING_TAG = ".part-"
RETIRED_TAG = ".old-"
KEPT_SUFFIX = ".before-download"
"""Added to the name of a user's own file that a zip brings a file of the same name for."""
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveGame:
    """One game's files inside a zip."""

    game_id: str
    members: tuple[zipfile.ZipInfo, ...]

    def files(self) -> dict[str, int]:
        """Path inside the game folder -> size in bytes."""
        return {_inside_game(m.filename): m.file_size for m in self.members}


@dataclass(frozen=True)
class ArchiveIndex:
    """What a zip holds: games, and loose files outside any game folder (a README)."""

    path: Path
    games: tuple[ArchiveGame, ...]
    loose: tuple[zipfile.ZipInfo, ...]
    encrypted: bool


class WrongPassword(BallspotError):
    """An encrypted member did not decrypt: most likely a wrong password (a caller adds how to give one)."""


def _inside_game(name: str) -> str:
    """A member's path inside its game folder; `\\` separates as `/` does (a zip made on Windows), as in
    `_safe_parts`, which groups the members into games."""
    return "/".join(PurePosixPath(name.replace("\\", "/")).parts[GAME_DEPTH:])


def _safe_parts(name: str, zip_path: Path) -> tuple[str, ...]:
    """A member's path parts, refusing names that would land outside the destination."""
    normalised = name.replace("\\", "/")
    parts = PurePosixPath(normalised).parts
    if normalised.startswith("/") or not parts or any(p in ("..", "") for p in parts) or ":" in parts[0]:
        raise BallspotError(f"{zip_path.name}: refusing the unsafe member path {name!r}")
    return parts


@contextlib.contextmanager
def open_zip(zip_path: Path, password: str | None = None) -> Iterator[zipfile.ZipFile]:
    """Open a zip with pyzipper (plain, ZipCrypto or AES); a damaged file is a one-line error."""
    import pyzipper

    try:
        archive = pyzipper.AESZipFile(zip_path)
    except FileNotFoundError:
        raise BallspotError(f"zip not found: {zip_path}") from None
    except (zipfile.BadZipFile, pyzipper.BadZipFile, EOFError) as exc:
        raise BallspotError(
            f"{zip_path} is not a complete zip file ({exc}); an interrupted download? Delete it and run again"
        ) from None
    except OSError as exc:
        raise BallspotError(f"cannot read {zip_path}: {exc.strerror or exc}") from None
    try:
        if password:
            archive.setpassword(password.encode("utf-8"))
        yield archive
    finally:
        archive.close()


def index_zip(archive: zipfile.ZipFile, zip_path: Path) -> ArchiveIndex:
    """Group a zip's files by game folder."""
    by_game: dict[str, list[zipfile.ZipInfo]] = {}
    loose: list[zipfile.ZipInfo] = []
    encrypted = False
    for member in archive.infolist():
        parts = _safe_parts(member.filename, zip_path)
        if member.is_dir():
            continue
        encrypted = encrypted or bool(member.flag_bits & 0x1)
        if len(parts) > GAME_DEPTH:
            by_game.setdefault("/".join(parts[:GAME_DEPTH]), []).append(member)
        else:
            loose.append(member)
    games = tuple(ArchiveGame(game_id, tuple(members)) for game_id, members in sorted(by_game.items()))
    return ArchiveIndex(path=zip_path, games=games, loose=tuple(loose), encrypted=encrypted)


def files_complete(folder: Path, files: dict[str, int]) -> bool:
    """True when every file is in `folder` with the expected size."""
    for relative, size in files.items():
        try:
            if (folder / relative).stat().st_size != size:
                return False
        except OSError:
            return False
    return True


def remove_leftovers(root: Path) -> list[Path]:
    """Delete half-extracted and retired game folders an earlier, killed run left behind; returns them.

    A retired folder whose game folder is missing was moved aside by a run killed before it moved the new
    one in (`_install`): it is put back, since it may hold files no zip brings.
    """
    removed = []
    for path in root.glob(f"*/*/.*{RETIRED_TAG}*"):
        final = path.with_name(path.name[1:].rsplit(RETIRED_TAG, 1)[0])
        if not os.path.lexists(final):
            os.replace(path, final)
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    for path in root.glob(f"*/*/.*{STAGING_TAG}*"):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _read_error(exc: Exception, zip_path: Path, member: str, password: str | None) -> BallspotError:
    """Turn what pyzipper raises while reading a member into one line a user can act on."""
    text = str(exc)
    if isinstance(exc, RuntimeError) and ("password required" in text or "requires a password" in text):
        return BallspotError(f"{zip_path.name} is encrypted: it needs SoccerNet's NDA password")
    if isinstance(exc, RuntimeError) and "Bad password" in text:
        return WrongPassword(f"wrong NDA password for {zip_path.name} (it did not decrypt {member!r})")
    inflate = isinstance(exc, zlib.error)  # compressed data that does not decompress: damaged, or a wrong password
    if isinstance(exc, zipfile.BadZipFile | zlib.error) and password and ("CRC" in text or "HMAC" in text or inflate):
        return WrongPassword(
            f"{zip_path.name}: {member!r} failed its integrity check; a wrong NDA password or a damaged zip"
        )
    if isinstance(exc, NotImplementedError):
        return BallspotError(f"{zip_path.name}: {member!r} uses a compression or encryption ballspot cannot read")
    if isinstance(exc, (zipfile.BadZipFile, EOFError, zlib.error)):
        return BallspotError(f"{zip_path.name} is damaged ({text}); delete it and run again")
    if isinstance(exc, OSError):
        return BallspotError(f"cannot write {exc.filename or 'a file'} from {zip_path.name}: {exc.strerror or exc}")
    return BallspotError(f"{zip_path.name}: cannot extract {member!r} ({type(exc).__name__}: {text})")


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, password: str | None) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink, _COPY_CHUNK)
    except (RuntimeError, zipfile.BadZipFile, EOFError, NotImplementedError, OSError, zlib.error) as exc:
        raise _read_error(exc, Path(archive.filename or "zip"), member.filename, password) from exc


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _install(staging: Path, final: Path, ours: Collection[str] = ()) -> None:
    """Rename `staging` to `final`, keeping files of an existing `final` the zip did not hold.

    The merge matters when one zip adds to another's games (2023/2024 `test-private.zip` brings labels
    to the games `test.zip` brought videos for). Kept files are hard links, so the merge costs no copy. A file
    the zip also holds is replaced when an earlier download wrote it (`ours`, paths inside the game folder: a
    repair); any other that differs is the user's own, kept beside the zip's (`_kept_aside`).
    """
    if not final.exists():
        os.replace(staging, final)
        return
    for old in final.rglob("*"):
        relative = old.relative_to(final)
        new = staging / relative
        if not old.is_file():
            continue
        if not new.exists():
            _link_or_copy(old, new)
        elif relative.as_posix() not in ours and not _same_content(old, new):
            _link_or_copy(old, _kept_aside(new, final / relative))
    retired = final.with_name(f".{final.name}{RETIRED_TAG}{uuid.uuid4().hex[:8]}")
    os.replace(final, retired)
    os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)


def _same_content(old: Path, new: Path) -> bool:
    """True when both are files with the same bytes (one that cannot be read counts as different)."""
    try:
        return new.is_file() and filecmp.cmp(old, new, shallow=False)
    except OSError:
        return False


def _kept_aside(staged: Path, old: Path) -> Path:
    """Where in `staging` the user's own file `old` goes when the zip brings a file of its name: the name plus
    `KEPT_SUFFIX` (numbered when taken, in the old folder or the new), said in a warning."""
    number = 1
    while True:
        name = f"{staged.name}{KEPT_SUFFIX}" + (f"-{number}" if number > 1 else "")
        if not (staged.with_name(name).exists() or old.with_name(name).exists()):
            break
        number += 1
    console.warn(f"{old} was not written by a download and differs from the zip's: kept as {name}")
    return staged.with_name(name)


def extract_game(
    archive: zipfile.ZipFile,
    game: ArchiveGame,
    root: Path,
    password: str | None = None,
    on_file: Callable[[str], None] | None = None,
    ours: Collection[str] = (),
) -> Path:
    """Extract one game under `root` atomically; returns the game folder. `ours`: the paths inside the game
    folder an earlier download wrote (replaced when they differ); other files the zip holds too are kept."""
    final = root / game.game_id
    if final.exists() and not final.is_dir():  # it would be moved aside and left as a hidden file
        raise BallspotError(f"cannot create folder {final}: a file of that name is in the way")
    staging = final.with_name(f".{final.name}{STAGING_TAG}{uuid.uuid4().hex[:8]}")
    with removed_if_left_empty(final.parent):  # a game that fails leaves no empty league or season folder
        try:
            try:
                staging.mkdir()
            except OSError as exc:
                raise BallspotError(f"cannot create folder {staging.parent}: {exc.strerror or exc}") from exc
            for member in game.members:
                _copy_member(archive, member, staging / _inside_game(member.filename), password)
                if on_file is not None:
                    on_file(member.filename)
            _install(staging, final, ours)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return final


def extract_loose(archive: zipfile.ZipFile, member: zipfile.ZipInfo, root: Path, password: str | None = None) -> Path:
    """Extract a file that sits outside any game folder (a README), atomically."""
    target = root.joinpath(*_safe_parts(member.filename, Path(archive.filename or "zip")))
    with atomic_path(target) as tmp:
        _copy_member(archive, member, tmp, password)
    return target
