"""Content hashes of files, read in blocks of 1 MiB (model weights run to hundreds of MB)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

BLOCK = 1 << 20


def update_with_file(digest: Any, path: Path) -> None:
    """Feed a file's bytes into a hashlib digest."""
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)


def file_sha256(path: Path) -> str:
    """sha256 of a file's content (hex)."""
    digest = hashlib.sha256()
    update_with_file(digest, path)
    return digest.hexdigest()
