"""Shared fixtures: every test gets its own data, cache and runs folders."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """Point every default folder at a fresh temporary one, and keep progress bars quiet."""
    base = tmp_path_factory.mktemp("ballspot-home")
    for variable, sub in (
        ("BALLSPOT_DATA_DIR", "data"),
        ("BALLSPOT_CACHE_DIR", "cache"),
        ("BALLSPOT_RUNS_DIR", "runs"),
        ("BALLSPOT_STUDIES_DIR", "studies"),
    ):
        monkeypatch.setenv(variable, str(base / sub))
    monkeypatch.delenv("BALLSPOT_DEBUG", raising=False)
    monkeypatch.setenv("BALLSPOT_QUIET", "1")
    return base


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> dict:
    """A tiny trained spotting run and the two-game league it was trained on (shared: do not modify)."""
    from tests.tiny_run import make_league, train_tiny_run

    base = tmp_path_factory.mktemp("tiny-run")
    league = make_league(base / "league")
    root = train_tiny_run(league, base)
    return {"root": root, "best": root / "weights" / "best.pt", "league": league}
