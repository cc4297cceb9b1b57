"""`ballspot app`: time from starting the command to the first timeline in a browser, for a 2-minute video.

    python benchmarks/bench_app.py                                  # quick-start network, 2-min synthetic game
    python benchmarks/bench_app.py --config default                 # the default network (EfficientNetV2-B0)
    python benchmarks/bench_app.py --model runs/x/weights/best.pt --video match.mp4
    python benchmarks/bench_app.py --model M --video V --screenshot docs/images/app.png

Runs `ballspot app VIDEO --model M --port P` in a child process with fresh data and cache folders, opens it in
headless Chromium (Debian's `chromium` and `chromium-driver`, driven by selenium) and waits for the timeline's
event markers:

- cold: from starting the command to the first timeline, the video predicted on open (server start, page
  load, model load, the network over the whole video, the first drawing);
- warm: a second browser session on the same server opens the kept run (no model run).

It prints the wall time of each (and of the server starting to answer) and the CPU time the server process
used until then (its own and that of the ffmpeg decoders it waited for, from /proc), each against the cold
one (the baseline row, 1x), and for the cold one the seconds of video predicted per wall second and per
CPU second of the server. Without --model the weights are an untrained checkpoint of the chosen
configuration: what the network computes, not what it finds, is what the time depends on. With
--screenshot it clicks the last event of the timeline (the player moves there) and saves the window.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_common import positive_float, save_untrained

MARKERS_JS = """
const markers = [];
for (const trace of document.querySelectorAll('.js-plotly-plot .scatterlayer .trace')) {
  const name = trace.__data__ && trace.__data__[0] && trace.__data__[0].trace.name;
  if (!name || name.startsWith('label')) continue;
  for (const point of trace.querySelectorAll('path.point')) markers.push([point, point.__data__.x]);
}
return markers;
"""
TIMELINE_JS = "return document.querySelectorAll('.js-plotly-plot .scatterlayer path.point').length"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
)


def make_video(folder: Path, minutes: float) -> Path:
    """A synthetic game of `minutes` (224p, SoccerNet's layout, with labels)."""
    from ballspot.synthetic.league import generate_league

    (game,) = generate_league(folder / "league", games=1, minutes=minutes, seed=0, progress=False)
    return folder / "league" / game / "224p.mp4"


def make_checkpoint(path: Path, config_name: str) -> Path:
    """An untrained spotter of the quick-start or default configuration, saved as `ballspot train` saves one."""
    from ballspot.engine.config import TrainConfig, load_yaml
    from ballspot.recipes import recipe_path

    values = load_yaml(recipe_path("quickstart")) if config_name == "quickstart" else {"task": "spot"}
    save_untrained(path, TrainConfig.from_dict(values))
    return path


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and of the children it has waited for (ffmpeg), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, timeout_s: float = 900.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"gave up waiting for {what}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def browser_paths() -> tuple[str, str]:
    """Chromium and its driver, or exit with one line saying what to install (checked before any set-up)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise SystemExit("error: needs selenium to drive the browser (pip install 'ballspot[test]')") from None
    chromium = os.environ.get("BALLSPOT_TEST_CHROMIUM") or shutil.which("chromium")
    driver = os.environ.get("BALLSPOT_TEST_CHROMEDRIVER") or shutil.which("chromedriver")
    if not chromium or not driver:
        raise SystemExit(
            "error: needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        )
    return chromium, driver


def browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def open_until_timeline(url: str, profile: Path, started: float, server: subprocess.Popen):
    """A browser on `url`; returns it with (seconds since `started`, server CPU seconds) at the first timeline."""
    driver = browser(profile)
    driver.get(url)

    def drawn():
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        return driver.execute_script(TIMELINE_JS)

    wait_for(drawn, "the timeline")
    return driver, round(time.perf_counter() - started, 2), round(cpu_seconds(server.pid), 2)


def screenshot(driver, path: Path) -> None:
    """Click the last event of the timeline, wait for the player to move there, save the window."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    def click() -> bool:
        if driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"):
            return False
        try:
            markers = driver.execute_script(MARKERS_JS)
            if not markers:
                return False
            marker, _ = sorted(markers, key=lambda m: m[1])[-max(1, len(markers) // 3)]
            ActionChains(driver).move_to_element(marker).click().perform()
        except StaleElementReferenceException:
            return False
        return True

    wait_for(click, "a click on an event")
    wait_for(
        lambda: any(
            driver.execute_script("return arguments[0].currentTime", v) > 0
            for v in driver.find_elements(By.TAG_NAME, "video")
        ),
        "the player to move",
    )
    time.sleep(1.0)  # the player draws the new frame
    wait_for(lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"), "the page to settle")
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, help="video to open (default: a generated synthetic game)")
    parser.add_argument("--minutes", type=positive_float, default=2.0, help="length of the generated game")
    parser.add_argument("--model", type=Path, help="weights file (default: an untrained checkpoint of --config)")
    parser.add_argument("--config", choices=("quickstart", "default"), default="quickstart")
    parser.add_argument("--screenshot", type=Path, help="also save a screenshot after a click on an event")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    browser_paths()

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        work = Path(tmp)
        video = args.video or make_video(work, args.minutes)
        model = args.model or make_checkpoint(work / "runs" / "bench" / "weights" / "best.pt", args.config)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "BALLSPOT_DATA_DIR": str(work / "data"), "BALLSPOT_CACHE_DIR": str(work / "cache")}
        command = [sys.executable, "-m", "ballspot", "app", str(video), "--model", str(model), "--port", str(port)]
        log = (work / "server.log").open("w")
        started = time.perf_counter()
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        drivers = []
        try:
            wait_for(lambda: healthy(url), "the server")
            serving = round(time.perf_counter() - started, 2)
            serving_cpu = round(cpu_seconds(server.pid), 2)
            cold, cold_s, cold_cpu = open_until_timeline(url, work / "profile-cold", started, server)
            drivers.append(cold)
            warm_started = time.perf_counter()
            warm, warm_s, warm_cpu = open_until_timeline(url, work / "profile-warm", warm_started, server)
            drivers.append(warm)
            if args.screenshot:
                screenshot(warm, args.screenshot)
        finally:
            for driver in drivers:
                driver.quit()
            server.terminate()
            server.wait(timeout=30)
            log.close()
        from ballspot.video.probe import probe

        figures = {
            "video_s": round(probe(video).duration_s, 1),
            "model": str(args.model) if args.model else f"untrained {args.config} configuration",
            "server_answers_s": serving,
            "server_answers_cpu_s": serving_cpu,
            "cold_first_timeline_s": cold_s,
            "cold_server_cpu_s": cold_cpu,
            "warm_first_timeline_s": warm_s,
            "warm_server_cpu_s": round(warm_cpu - cold_cpu, 2),
            "cpu_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
    figures = with_ratios(figures)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"video: {figures['video_s']} s; model: {figures['model']}; {figures['cpu_cores']} CPU cores")
    print(f"load average at the end: {figures['load_average_1min']}\n")
    print("| step | wall s | server CPU s | wall vs cold | CPU vs cold | video s per wall s | video s per CPU s |")
    print("|---|---|---|---|---|---|---|")
    for label, wall, cpu in STEPS:
        cold = wall == COLD[0]
        rates = f"{shown(figures['cold_video_x_realtime'])} | {shown(figures['cold_video_s_per_cpu_s'])}"
        print(
            f"| {label} | {figures[wall]} | {figures[cpu]} | {shown(figures[f'{wall}_vs_cold'])}x "
            f"| {shown(figures[f'{cpu}_vs_cold'])}x | {rates if cold else ' | '} |"
        )


STEPS = (
    ("server answering", "server_answers_s", "server_answers_cpu_s"),
    ("cold: predicted on open, first timeline", "cold_first_timeline_s", "cold_server_cpu_s"),
    ("warm: kept run, new session, first timeline", "warm_first_timeline_s", "warm_server_cpu_s"),
)
"""The timed steps: label, key of the wall seconds, key of the server's CPU seconds."""
COLD = STEPS[1][1:]
"""The baseline step's keys."""


def with_ratios(figures: dict) -> dict:
    """`figures` and the ratios beside them: each step's wall and CPU time against the cold one's (keys
    `*_vs_cold`), and the cold one's seconds of video per wall second (real-time factor) and per server CPU
    second."""
    wall, cpu = (figures[key] for key in COLD)
    ratios = {
        "cold_video_x_realtime": ratio(figures["video_s"], wall),
        "cold_video_s_per_cpu_s": ratio(figures["video_s"], cpu),
    }
    for _, step_wall, step_cpu in STEPS:
        ratios[f"{step_wall}_vs_cold"] = ratio(figures[step_wall], wall)
        ratios[f"{step_cpu}_vs_cold"] = ratio(figures[step_cpu], cpu)
    return {**figures, **ratios}


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator to 2 decimals, None when the denominator is 0."""
    return round(numerator / denominator, 2) if denominator > 0 else None


def shown(value: float | None) -> str:
    """A ratio as printed: n/a where there is none."""
    return "n/a" if value is None else f"{value:g}"


if __name__ == "__main__":
    main()
