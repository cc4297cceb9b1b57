"""The page: choose a game and a model in the sidebar, run (or reopen) the prediction, then watch it.

Everything shown comes from the core package through the other `ballspot.webapp` modules; this module only
lays out widgets and keeps the session's state (the runs made, where the player should be).
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path

import streamlit as st

from ballspot import paths
from ballspot.errors import BallspotError
from ballspot.inputfiles import require_file
from ballspot.paths import expand_user
from ballspot.predict.postprocess import PostprocessParams
from ballspot.predict.run import VideoJob
from ballspot.soccernet.layout import VIDEO_SUFFIXES
from ballspot.webapp.markdown import plain
from ballspot.webapp.model_cache import spotter_for
from ballspot.webapp.runs import GameRun, cached_run, run_game, run_key
from ballspot.webapp.settings import LaunchSettings
from ballspot.webapp.sources import GameSource, open_target, save_upload


def main() -> None:
    """The whole page; an error is one line in the page (the traceback of an unexpected one goes to stderr)."""
    st.set_page_config(page_title="ballspot", layout="wide")
    try:
        page()
    except BallspotError as exc:
        st.error(f"error: {plain(exc)}")
    except Exception as exc:  # never a traceback in the browser
        traceback.print_exc()
        st.error(f"error: {type(exc).__name__}: {plain(exc)}")


def page() -> None:
    settings = LaunchSettings.from_env()
    with st.sidebar:
        st.header("Run")
        game = choose_game(settings)
        model = choose_model(settings)
        params = choose_params(model) if model else None
        clicked = st.button("Run", type="primary", disabled=game is None or model is None, key="run")
    if game is None or model is None or params is None:
        st.title("ballspot")
        st.info("Choose a video (a path, a game of a dataset root, or an upload) and a model in the sidebar.")
        return
    out_root = paths.data_dir() / "predictions"
    cache = paths.cache_dir() / "app"
    key = run_key(game, model, params, out_root)
    runs: dict[str, GameRun] = st.session_state.setdefault("runs", {})
    run = runs.get(key) or cached_run(game, model, params, out_root, cache)
    if run is None and (clicked or _autorun(settings, game)):
        run = predict(game, model, params, out_root, cache)
    if run is None:
        st.title(plain(game.game_id))
        st.info("Press **Run** to spot the events of this game; the results are kept, so reopening it is instant.")
        return
    runs[key] = run
    from ballspot.webapp.view import show_run

    show_run(game, run, key, model)


def choose_game(settings: LaunchSettings) -> GameSource | None:
    """A path (a video or a dataset root) or an upload; a dataset root offers its games."""
    typed = st.text_input(
        "Video or dataset root",
        value=str(settings.source) if settings.source else "",
        key="source",
        help="A path on this machine: a video file, or a folder of league/season/game folders.",
    )
    upload = st.file_uploader("…or upload a video", type=[s.lstrip(".") for s in VIDEO_SUFFIXES], key="upload")
    if upload is not None:
        saved: dict[str, str] = st.session_state.setdefault("uploads", {})
        if upload.file_id not in saved:  # the uploader hands the same file to every rerun: save it once
            saved[upload.file_id] = str(save_upload(upload.name, upload, paths.data_dir() / "uploads"))
        target = Path(saved[upload.file_id])
    elif typed.strip():
        target = expand_user(typed.strip())
    else:
        return None
    games = open_target(target)
    if len(games) == 1:
        return games[0]
    ids = [g.game_id for g in games]
    chosen = st.selectbox(f"Game ({len(ids)} with a video)", ids, key="game")
    return games[ids.index(chosen)]


def choose_model(settings: LaunchSettings) -> Path | None:
    """The weights file: the command line's, else best.pt of the newest spotting run (as `ballspot predict`
    picks)."""
    from ballspot.defaults import newest_spotter

    default = settings.model
    if default is None:
        try:
            default = newest_spotter()
        except BallspotError as exc:
            st.warning(plain(exc))
    typed = st.text_input("Model (weights file)", value=str(default) if default else "", key="model")
    if not typed.strip():
        return None
    model = expand_user(typed.strip())
    require_file(model, "weights file")
    return model


def choose_params(model: Path) -> PostprocessParams:
    """The run's post-processing (its tuned postprocess.json when it has one, else the defaults for the model's
    kind, as `ballspot predict` picks them), smoothing and window adjustable."""
    from ballspot.predict.api import default_params

    params = default_params(model, spotter_for(model).dense)
    with st.expander("Post-processing"):
        params.smooth_s = st.number_input("Smoothing (s)", 0.0, 10.0, float(params.smooth_s), 0.04)
        params.nms_window_s = st.number_input("Suppression window (s)", 0.04, 60.0, float(params.nms_window_s), 0.1)
    params.check()
    return params


def _autorun(settings: LaunchSettings, game: GameSource) -> bool:
    """True once per session for the video given on the command line."""
    if not settings.autorun or st.session_state.get("autorun_done"):
        return False
    st.session_state["autorun_done"] = True
    return settings.source is not None and settings.source.resolve() in {v.resolve() for v in game.videos.values()}


def predict(game: GameSource, model: Path, params: PostprocessParams, out_root: Path, cache: Path) -> GameRun:
    """Run the model over the game with a progress bar showing frames/s."""
    spotter = spotter_for(model)
    bar = st.progress(0.0, text=f"Spotting {plain(game.game_id)} ...")
    started: dict[int, tuple[float, int]] = {}

    def on_progress(job: VideoJob, done: int, total: int | None) -> None:
        now = time.perf_counter()
        first_time, first_done = started.setdefault(job.half, (now, done))
        rate = (done - first_done) / (now - first_time) if now > first_time else 0.0
        half = f"half {job.half}: " if len(game.jobs) > 1 else ""
        bar.progress(min(1.0, done / max(total or done, 1)), text=f"{half}{done}/{total} frames, {rate:.0f} frames/s")

    run = run_game(game, spotter, params, out_root, cache, on_progress)
    bar.empty()
    return run
