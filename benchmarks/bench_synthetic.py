"""Synthetic league speed: seconds per minute of 224p video, split into simulate, render and encode.

    python benchmarks/bench_synthetic.py                 # 1 minute of video, seed 0
    python benchmarks/bench_synthetic.py --minutes 2 --json

Each stage is timed on its own (render keeps the frames in memory, encode pipes those frames to ffmpeg),
then the whole of `generate_league` for one game, where rendering and encoding overlap (ffmpeg runs in its
own process). The panorama (the static scene, drawn once per process and size) is a fixed cost, shown apart.
Every stage is given in wall seconds and CPU seconds (keys `*_cpu_*` in --json): CPU time is this process's
own (all its threads) plus that of its finished child processes, so encode counts ffmpeg's.
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
    return figures


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
        f"   CPU {figures['simulate_cpu_s_per_min']:.2f} s"
    )
    print(
        f"  render                        {figures['render_s_per_min']:6.2f} s per minute "
        f"({figures['render_ms_per_frame']:.2f} ms/frame)"
        f"   CPU {figures['render_cpu_s_per_min']:.2f} s ({figures['render_cpu_ms_per_frame']:.2f} ms/frame)"
    )
    print(
        f"  encode (H.264 + AAC)          {figures['encode_s_per_min']:6.2f} s per minute"
        f"   CPU {figures['encode_cpu_s_per_min']:.2f} s"
    )
    print(
        f"  generate_league, end to end   {figures['generate_league_s_per_min']:6.2f} s per minute"
        f"   CPU {figures['generate_league_cpu_s_per_min']:.2f} s"
    )


if __name__ == "__main__":
    main()
