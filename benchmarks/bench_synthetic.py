"""Synthetic league speed: seconds per minute of 224p video, split into simulate, render and encode.

    python benchmarks/bench_synthetic.py                 # 1 minute of video, seed 0
    python benchmarks/bench_synthetic.py --minutes 2 --json

Each stage is timed on its own (render keeps the frames in memory, encode pipes those frames to ffmpeg),
then the whole of `generate_league` for one game, where rendering and encoding overlap (ffmpeg runs in its
own process). The panorama (the static scene, drawn once per process and size) is a fixed cost, shown apart.
Every stage is given in wall seconds and CPU seconds (keys `*_cpu_*` in --json): CPU time is this process's
own (all its threads) plus that of its finished child processes, so encode counts ffmpeg's. Beside them, the
ratios: seconds of video made per wall second (`x real time`, key `*_x_realtime`) and per CPU second (key
`*_x_realtime_per_cpu`), and for the end-to-end run the CPU seconds per wall second (cores kept busy).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from bench_common import Clock, positive_float

from ballspot.synthetic.league import generate_league
from ballspot.synthetic.panorama import panorama
from ballspot.synthetic.render import SIZE_224P, Renderer, Scene
from ballspot.synthetic.simulate import simulate_match
from ballspot.synthetic.writer import write_video


def measure(minutes: float, seed: int) -> dict[str, float]:
    # the CPUs this process may run on (taskset, a container's cpuset), not all the machine's
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    figures: dict[str, float] = {"minutes": minutes, "cpus": cpus}
    with Clock() as clock:
        panorama(*SIZE_224P)
    figures["panorama_s_once"] = clock.wall_s
    figures["panorama_cpu_s_once"] = clock.cpu_s

    with Clock() as clock:
        match = simulate_match(seed, minutes)
    figures["simulate_s_per_min"] = clock.wall_s / minutes
    figures["simulate_cpu_s_per_min"] = clock.cpu_s / minutes

    with Clock() as clock:
        renderer = Renderer(Scene.of(match), SIZE_224P)
        frames = np.stack(list(renderer.frames()))
    figures["render_s_per_min"] = clock.wall_s / minutes
    figures["render_ms_per_frame"] = 1000 * clock.wall_s / len(frames)
    figures["render_cpu_s_per_min"] = clock.cpu_s / minutes
    figures["render_cpu_ms_per_frame"] = 1000 * clock.cpu_s / len(frames)

    with tempfile.TemporaryDirectory() as tmp:
        with Clock() as clock:
            write_video(Path(tmp) / "224p.mp4", iter(frames), fps=match.fps, n_frames=len(frames))
        figures["encode_s_per_min"] = clock.wall_s / minutes
        figures["encode_cpu_s_per_min"] = clock.cpu_s / minutes
        del frames

        with Clock() as clock:
            generate_league(Path(tmp) / "league", games=1, minutes=minutes, seed=seed, progress=False)
        figures["generate_league_s_per_min"] = clock.wall_s / minutes
        figures["generate_league_cpu_s_per_min"] = clock.cpu_s / minutes
    return with_ratios(figures)


def with_ratios(figures: dict[str, float]) -> dict[str, float | None]:
    """`figures` and each stage's seconds of video per wall second and per CPU second, and the CPU seconds
    per wall second of the end-to-end run (None where a time was too short to measure)."""
    busy = ratio(figures["generate_league_cpu_s_per_min"], figures["generate_league_s_per_min"])
    ratios: dict[str, float | None] = {"generate_league_cores_busy": busy}
    for stage in STAGES:
        ratios[f"{stage}_x_realtime"] = ratio(60, figures[f"{stage}_s_per_min"])
        ratios[f"{stage}_x_realtime_per_cpu"] = ratio(60, figures[f"{stage}_cpu_s_per_min"])
    return {**figures, **ratios}


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is 0 (a clock too coarse for the stage)."""
    return numerator / denominator if denominator > 0 else None


STAGES = ("simulate", "render", "encode", "generate_league")
"""The timed stages whose figures are per minute of video."""


def speed(figures: dict, stage: str) -> str:
    """A stage's ratios: seconds of video made per wall second and per CPU second."""
    wall, cpu = figures[f"{stage}_x_realtime"], figures[f"{stage}_x_realtime_per_cpu"]
    return f"   = {shown(wall)}x real time, {shown(cpu)} video s per CPU s"


def shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=positive_float, default=1.0, help="Minutes of video to time (default 1).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    figures = measure(args.minutes, args.seed)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"synthetic league, {args.minutes:g} min of 224p video on {figures['cpus']} CPUs")
    print(
        f"  panorama (once per process)   {figures['panorama_s_once']:6.2f} s"
        f"   CPU {figures['panorama_cpu_s_once']:.2f} s"
    )
    print(
        f"  simulate                      {figures['simulate_s_per_min']:6.2f} s per minute of video"
        f"   CPU {figures['simulate_cpu_s_per_min']:.2f} s" + speed(figures, "simulate")
    )
    print(
        f"  render                        {figures['render_s_per_min']:6.2f} s per minute "
        f"({figures['render_ms_per_frame']:.2f} ms/frame)"
        f"   CPU {figures['render_cpu_s_per_min']:.2f} s ({figures['render_cpu_ms_per_frame']:.2f} ms/frame)"
        + speed(figures, "render")
    )
    print(
        f"  encode (H.264 + AAC)          {figures['encode_s_per_min']:6.2f} s per minute"
        f"   CPU {figures['encode_cpu_s_per_min']:.2f} s" + speed(figures, "encode")
    )
    print(
        f"  generate_league, end to end   {figures['generate_league_s_per_min']:6.2f} s per minute"
        f"   CPU {figures['generate_league_cpu_s_per_min']:.2f} s"
        + speed(figures, "generate_league")
        + f", {shown(figures['generate_league_cores_busy'])} cores busy"
    )


if __name__ == "__main__":
    main()
