"""What `ballspot app` passes to the page: the video or dataset root to open, the weights to use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SOURCE_ENV = "BALLSPOT_APP_SOURCE"
MODEL_ENV = "BALLSPOT_APP_MODEL"


@dataclass(frozen=True)
class LaunchSettings:
    """The command line's choices; the page opens with them and lets the user change them."""

    source: Path | None = None
    model: Path | None = None

    @classmethod
    def from_env(cls) -> LaunchSettings:
        source, model = os.environ.get(SOURCE_ENV), os.environ.get(MODEL_ENV)
        return cls(Path(source) if source else None, Path(model) if model else None)

    def to_env(self) -> dict[str, str]:
        """The variables that carry these settings to the page (Streamlit runs it in this process)."""
        return {
            SOURCE_ENV: str(self.source.resolve()) if self.source else "",
            MODEL_ENV: str(self.model.resolve()) if self.model else "",
        }

    @property
    def autorun(self) -> bool:
        """A single video given on the command line is predicted as soon as the page opens."""
        return self.source is not None and self.source.is_file()
