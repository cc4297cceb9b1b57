"""Download a weights file over http(s) once into the cache, checked against a sha256 when one is given."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from ballspot.atomic import atomic_path, removed_if_left_empty
from ballspot.digests import file_sha256
from ballspot.errors import BallspotError

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
PLAIN_NAME = re.compile(r"\w[\w.+-]{0,99}")
TIMEOUT_S = 30.0


def split_sha256(url: str) -> tuple[str, str | None]:
    """(url without its fragment, sha256) from `https://host/file.pt#sha256=<hex>`; None when absent."""
    base, _, fragment = url.partition("#")
    if not fragment:
        return base, None
    key, _, value = fragment.partition("=")
    if key != "sha256":
        raise BallspotError(f"unknown URL fragment #{fragment}; the one understood is #sha256=<64 hex digits>")
    return base, check_sha256(value)


def check_sha256(value: str) -> str:
    """A lower-case 64-digit hex sha256, or a one-line error."""
    value = value.strip().lower()
    if not SHA256_PATTERN.match(value):
        raise BallspotError(f"not a sha256 (64 hex digits): {value!r}")
    return value


def cache_name(url_path: str) -> str:
    """The cached file's name: the URL's last path segment when it is a plain file name (letters, digits,
    `. _ + -`, at most 100), else `model.pt` (`..`, a NUL or a newline, a name too long for the disk)."""
    name = PurePosixPath(unquote(url_path)).name
    return name if PLAIN_NAME.fullmatch(name) else "model.pt"


def cached_download(
    url: str, cache: Path, sha256: str | None = None, check: Callable[[Path], None] | None = None
) -> Path:
    """The file at `url`, fetched once into `cache/<hash of the URL>/<file name>`.

    With `sha256`, a cached copy is used only when it matches, and a fresh download that does not match is
    deleted with an error; the file only appears under its final name once complete and checked (`check`
    raises on a file that is not what the caller wants).
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "Invalid IPv6 URL" (an unclosed [), a port that is no number
        raise BallspotError(f"not a valid URL: {url} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BallspotError(f"not an http(s) URL: {url}")
    target = cache / hashlib.sha256(url.encode()).hexdigest()[:16] / cache_name(parts.path)
    if target.is_file() and (sha256 is None or file_sha256(target) == sha256):
        return target
    with removed_if_left_empty(target.parent), atomic_path(target) as tmp:  # a failed download leaves no folder
        _fetch(url, tmp)
        if sha256 is not None:
            got = file_sha256(tmp)
            if got != sha256:
                raise BallspotError(f"sha256 mismatch for {url}: expected {sha256}, downloaded {got}")
        if check is not None:
            check(tmp)
    return target


def _fetch(url: str, into: Path) -> None:
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "ballspot"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, into.open("wb") as out:
            promised = response.headers.get("Content-Length")
            _copy_with_progress(response, out, _length(promised), f"downloading {cache_name(urlsplit(url).path)}")
            _check_length(url, promised, out.tell())
    except urllib.error.HTTPError as exc:
        raise BallspotError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise BallspotError(f"cannot download {url}: {_reason(exc.reason)}") from None
    except (OSError, TimeoutError) as exc:
        raise BallspotError(f"cannot download {url}: {_reason(exc)}") from None
    except http.client.InvalidURL as exc:  # a port that is no number, a space in the host
        raise BallspotError(f"not a valid URL: {url} ({exc})") from None
    except UnicodeError:  # a host name with an empty or too long part ("127.0.0..1"): the IDNA codec refuses it
        raise BallspotError(f"not a valid URL: {url} (not a valid host name)") from None
    except http.client.HTTPException as exc:  # a reply that is no HTTP at all
        raise BallspotError(f"cannot download {url}: {type(exc).__name__} {_reason(exc)}") from None


def _copy_with_progress(source: BinaryIO, out: BinaryIO, total: int | None, description: str) -> None:
    """Copy `source` into `out` in 1 MiB blocks, with a progress bar of bytes on stderr."""
    from ballspot import console

    with console.transfer_progress() as bar:
        task = bar.add_task(description, total=total)
        for block in iter(lambda: source.read(1 << 20), b""):
            out.write(block)
            bar.advance(task, len(block))


def _length(promised: str | None) -> int | None:
    """A Content-Length header's byte count; None when absent or not a number."""
    return int(promised) if promised is not None and promised.strip().isdigit() else None


def _check_length(url: str, promised: str | None, got: int) -> None:
    """A body shorter than the server's Content-Length is a cut connection, never a complete file."""
    expected = _length(promised)
    if expected is not None and got < expected:
        raise BallspotError(f"cannot download {url}: the server sent {got} of {expected} bytes (connection cut?)")


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__
