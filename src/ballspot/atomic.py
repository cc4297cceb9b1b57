"""Write files atomically: into a temporary sibling, then rename over the target."""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ballspot.errors import BallspotError
from ballspot.paths import absolute

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import: os.umask can only be read by setting it, which races with threads


def ensure_dir(path: Path) -> Path:
    """Create `path` (and parents), with a one-line error when that is not possible; a failure leaves none of
    the folders it made (parents made before a name too long, say)."""
    made = [folder for folder in (path, *path.parents) if not os.path.lexists(folder)]  # deepest first
    try:
        _make_dir(path)
    except BallspotError:
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only an empty folder goes
        raise
    if not os.access(path, os.W_OK):
        raise BallspotError(f"folder is not writable: {path}")
    return path


def _make_dir(path: Path) -> None:
    """`path` and its parents made, or a one-line error saying what is in the way."""
    try:
        if path.exists() and not path.is_dir():
            raise BallspotError(f"cannot create folder {path}: a file of that name is in the way")
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        for link in (path, *path.parents):  # a link that leads nowhere: mkdir finds the name taken, exists() not
            if link.is_symlink() and not link.exists():
                absolute(link)  # a loop of links is its own one-line error
                raise BallspotError(
                    f"cannot create folder {path}: {link} is a symbolic link to {os.readlink(link)}, which does not "
                    "exist; remove the link or create its target"
                ) from None
        raise BallspotError(f"cannot create folder {path}: a file is in the way") from None
    except OSError as exc:
        raise BallspotError(f"cannot create folder {path}: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def removed_if_left_empty(*folders: Path) -> Iterator[None]:
    """Create `folders` for the block; when it fails (an error, Ctrl-C, SIGTERM), remove again those of them,
    and of their parents, that the block made and left empty, so a failed job leaves no empty folder."""
    made = sorted(
        {path for folder in folders for path in (folder, *folder.parents) if not path.exists()},
        key=lambda path: len(path.parts),
        reverse=True,
    )
    try:
        for folder in folders:
            ensure_dir(folder)
        yield
    except BaseException:
        for path in made:  # deepest first, so a parent is empty once its children are gone
            with contextlib.suppress(OSError):
                path.rmdir()  # only an empty folder goes
        raise


@contextlib.contextmanager
def held_alone(lock: Path, busy: str) -> Iterator[None]:
    """Hold the lock file `lock` for the block (removed after it): another process asking for the same lock
    meanwhile fails at once with the one-line error `busy`, instead of writing the same files. The lock goes
    with the process, so one killed leaves nothing to clean up. No-op where the OS has no `flock`."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    ensure_dir(lock.parent)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BallspotError(f"cannot create lock file {lock}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BallspotError(busy) from None
        if _same_file(fd, lock):
            break
        os.close(fd)  # its holder removed it as this process opened it: take the one there now
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()  # while still held: a process that opened it meanwhile sees another file and retries
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def refuse_folders_in_the_way(*targets: Path) -> None:
    """Before writing a set of files that belong together: none of them may be a folder (writing the others
    first would leave the set half made)."""
    for target in targets:
        if target.is_dir():
            raise BallspotError(f"cannot write {target}: a folder of that name is in the way")


@contextlib.contextmanager
def atomic_path(target: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success rename it to `target`, else delete it.

    The temporary name is hidden, holds this process's id and ends in `<target's suffix, or suffix>.part`, so
    a half-written file is never taken for a finished one, and the next writer of `target` deletes the part
    files of killed writers; a tool that guesses the format from the extension must be told it
    (ffmpeg `-f mp4`). The finished file gets the usual mode (0666 less the umask), not mkstemp's 0600.
    """
    target = Path(target)
    ensure_dir(target.parent)
    part_suffix = (suffix if suffix is not None else target.suffix) + ".part"
    remove_stale_parts(target, part_suffix)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=part_suffix, dir=target.parent)
    except OSError as exc:
        raise BallspotError(f"cannot write into {target.parent}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        try:
            os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it owner-only; give it a normal file's mode
            os.replace(tmp, target)
        except OSError as exc:
            raise BallspotError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def remove_stale_parts(target: Path, part_suffix: str = ".part") -> list[Path]:
    """Delete the temporary files (or folders) that writers of `target` left when they were killed (their
    process is gone).

    A temporary name holds its writer's process id; a part of a live process (another worker writing the same
    file right now) is left alone.
    """
    removed = []
    for part in target.parent.glob(f".{glob.escape(target.name)}.*{glob.escape(part_suffix)}"):
        pid = part.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                if part.is_dir() and not part.is_symlink():
                    shutil.rmtree(part)
                else:
                    part.unlink()
                removed.append(part)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def reserve_space(path: Path, what: str) -> None:
    """Allocate the disk space of the (sparse) file at `path` now. Writing through a memory map into a full
    disk kills the process with SIGBUS, no error and no clean-up; here it is one `cannot write` line."""
    if not hasattr(os, "posix_fallocate"):  # pragma: no cover - macOS, Windows
        return
    with open(path, "r+b") as file:
        size = os.fstat(file.fileno()).st_size
        try:
            os.posix_fallocate(file.fileno(), 0, size)
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL):  # a file system that cannot: written as before
                return
            raise BallspotError(
                f"cannot write {what} into {path.parent}: {exc.strerror or exc} ({size / 2**20:.1f} MiB needed)"
            ) from None


def write_text(target: Path | str, text: str) -> Path:
    """Write `text` to `target` atomically, as UTF-8."""
    return write_bytes(target, text.encode("utf-8"))


def write_bytes(target: Path | str, data: bytes) -> Path:
    """Write `data` to `target` atomically. Serialise into memory first and write with this: a full disk is
    then one `cannot write` error (torch.save and torch.jit.save to a file fail deep in C++ on it, the latter
    by aborting the process)."""
    with atomic_path(target) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as exc:
            raise BallspotError(f"cannot write {target}: {exc.strerror or exc}") from None
    return Path(target)


def write_json(target: Path | str, data: Any, indent: int | None = 2) -> Path:
    """Write `data` as JSON to `target` atomically."""
    return write_text(target, json.dumps(data, indent=indent) + "\n")
