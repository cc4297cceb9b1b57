"""The ratios benchmarks print beside their figures (benchmarks/bench_synthetic.py, benchmarks/bench_app.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_app  # noqa: E402
import bench_synthetic  # noqa: E402


def test_synthetic_stages_give_video_seconds_per_wall_and_per_cpu_second():
    figures = {f"{stage}_s_per_min": 30.0 for stage in bench_synthetic.STAGES}
    figures |= {f"{stage}_cpu_s_per_min": 15.0 for stage in bench_synthetic.STAGES}
    figures["simulate_cpu_s_per_min"] = 0.0  # too short for the clock: no ratio rather than a division error
    ratios = bench_synthetic.with_ratios(figures)
    assert (ratios["render_x_realtime"], ratios["render_x_realtime_per_cpu"]) == (2.0, 4.0)
    assert ratios["generate_league_cores_busy"] == 0.5
    assert ratios["simulate_x_realtime_per_cpu"] is None
    assert "= 2.0x real time, 4.0 video s per CPU s" in bench_synthetic.speed(ratios, "render")
    assert "n/a video s per CPU s" in bench_synthetic.speed(ratios, "simulate")


def test_app_steps_are_given_against_the_cold_one():
    figures = {
        "video_s": 120.0,
        "server_answers_s": 4.0,
        "server_answers_cpu_s": 2.0,
        "cold_first_timeline_s": 40.0,
        "cold_server_cpu_s": 30.0,
        "warm_first_timeline_s": 2.0,
        "warm_server_cpu_s": 0.0,
    }
    ratios = bench_app.with_ratios(figures)
    assert ratios["cold_first_timeline_s_vs_cold"] == ratios["cold_server_cpu_s_vs_cold"] == 1.0
    assert (ratios["server_answers_s_vs_cold"], ratios["warm_first_timeline_s_vs_cold"]) == (0.1, 0.05)
    assert ratios["warm_server_cpu_s_vs_cold"] == 0.0
    assert (ratios["cold_video_x_realtime"], ratios["cold_video_s_per_cpu_s"]) == (3.0, 4.0)


@pytest.mark.parametrize(("value", "text"), [(None, "n/a"), (0.05, "0.05"), (1.0, "1")])
def test_app_ratios_are_printed_plainly(value, text):
    assert bench_app.shown(value) == text
