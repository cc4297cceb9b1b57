"""The loaded network, kept by the Streamlit server across pages and reruns while its file is unchanged."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ballspot.predict.api import LoadedModel


@st.cache_resource(show_spinner="Loading the model ...", max_entries=2)
def _load(path: str, size: int, mtime_ns: int) -> LoadedModel:
    from ballspot.predict.api import load_spotter

    return load_spotter(path, "auto")


def spotter_for(model: Path) -> LoadedModel:
    """`load_spotter(model)`, loaded once per weights file."""
    stat = model.stat()
    return _load(str(model.resolve()), stat.st_size, stat.st_mtime_ns)
