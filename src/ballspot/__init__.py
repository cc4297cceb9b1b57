"""ballspot: ball action spotting in soccer broadcast video."""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "predict_video": "ballspot.predict.api",
    "predict_scores": "ballspot.predict.api",
    "load_spotter": "ballspot.predict.api",
    "PostprocessParams": "ballspot.predict.postprocess",
}
"""Public names imported on first use, so that `import ballspot` (and `ballspot --help`) never loads torch."""

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ballspot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
