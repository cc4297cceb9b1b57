"""`ballspot app` in a real browser: the command serves the page on a free loopback port, headless Chromium
opens it, the prediction of the video given on the command line runs to the end, a click on an event of the
timeline moves the video player there, and a screenshot is saved.

Needs Debian's `chromium` and `chromium-driver` (`.ci/browser` installs them in CI and exports their paths in
BALLSPOT_TEST_CHROMIUM and BALLSPOT_TEST_CHROMEDRIVER) and selenium; skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("streamlit", reason="the app's extra is not installed: pip install 'ballspot[app]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from tests.test_webapp import moving_square_video, tiny_checkpoint  # noqa: E402

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
DEADLINE_S = 300
"""How long any one step may take before the test gives up (a hung server, not a speed check)."""


def browser_paths() -> tuple[str, str]:
    chromium = os.environ.get("BALLSPOT_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("BALLSPOT_TEST_CHROMEDRIVER") or shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip(
            "Chromium and its WebDriver were not found (Debian: apt-get install chromium chromium-driver; "
            "CI installs them in .ci/browser)"
        )
    return chromium, driver


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, server: subprocess.Popen | None = None):
    """Poll `condition` until it returns something true; fail naming `what` (and the server's exit)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode} while waiting for {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"gave up waiting for {what}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def server(tmp_path, isolated_dirs):
    """`ballspot app VIDEO --model M --port P` in its own process; a run whose tuned post-processing shows every
    candidate (the untrained network's confidences are low), so the timeline has events to click."""
    model = tiny_checkpoint(tmp_path / "runs" / "tiny" / "weights" / "best.pt")
    (model.parent.parent / "postprocess.json").write_text(json.dumps({"event_threshold": 0.0}))
    video = moving_square_video(tmp_path / "match.mp4")
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "ballspot", "app", str(video), "--model", str(model), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(url), "the server to answer", process)
        yield {"url": url, "process": process, "data": isolated_dirs / "data", "log": tmp_path / "server.log"}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Streamlit stops cleanly on Ctrl-C
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


@pytest.fixture
def browser(tmp_path):
    chromium, driver_path = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


RUNNING = "[data-testid='stStatusWidget']"
"""Shown while the page's script runs."""
PREDICTION_MARKERS_JS = """
const markers = [];
for (const trace of document.querySelectorAll('.js-plotly-plot .scatterlayer .trace')) {
  const name = trace.__data__ && trace.__data__[0] && trace.__data__[0].trace.name;
  if (!name || name.startsWith('label')) continue;
  for (const point of trace.querySelectorAll('path.point')) markers.push([point, point.__data__.x]);
}
return markers;
"""


def idle(browser) -> bool:
    """True when the page's script is not running (no status widget)."""
    return not browser.find_elements(By.CSS_SELECTOR, RUNNING)


def player_time(browser) -> float | None:
    """The player's currentTime once it has its video's metadata; None before (or while it is re-created)."""
    try:
        players = browser.find_elements(By.TAG_NAME, "video")
        ready = players and browser.execute_script("return arguments[0].readyState >= 1", players[0])
        return browser.execute_script("return arguments[0].currentTime", players[0]) if ready else None
    except StaleElementReferenceException:
        return None


def click_an_event(browser) -> int | None:
    """Click the predicted event two thirds along the timeline and return its position in ms; None when the
    page is running or re-rendered the marker under the click."""
    if not idle(browser):
        return None
    try:
        markers = sorted(browser.execute_script(PREDICTION_MARKERS_JS), key=lambda m: m[1])
        marker, position_ms = markers[2 * len(markers) // 3]
        ActionChains(browser).move_to_element(marker).click().perform()
    except (StaleElementReferenceException, IndexError):
        return None
    return int(round(position_ms))


def click_until_the_player_moves(browser) -> tuple[int, float]:
    """Click an event; click again when a click was lost (the page idle 10 s later, the player still at 0).
    Returns (the event's position in ms, the player's currentTime)."""
    clicked: dict[str, float] = {}

    def moved():
        current = player_time(browser)
        if "ms" in clicked and current:
            return int(clicked["ms"]), current
        if idle(browser) and time.monotonic() - clicked.get("at", -1e9) > 10:
            position_ms = click_an_event(browser)
            if position_ms is not None:
                clicked.update(ms=position_ms, at=time.monotonic())
        return None

    return wait_until(moved, "the player to move to a clicked event")


def test_the_page_runs_a_prediction_and_a_click_on_an_event_moves_the_player(server, browser, tmp_path):
    browser.get(server["url"])
    wait_until(lambda: browser.execute_script(PREDICTION_MARKERS_JS), "the timeline's event markers", server["process"])
    results = server["data"] / "predictions" / "match" / "results_spotting.json"
    assert results.is_file(), server["log"].read_text()
    captions = " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid='stCaptionContainer']"))
    assert "predicted in" in captions and str(results) in captions
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
    assert wait_until(lambda: player_time(browser) is not None, "the video to load") and player_time(browser) == 0

    position_ms, current = click_until_the_player_moves(browser)
    assert position_ms >= 1000  # the player had to move
    assert current == position_ms // 1000  # the player starts on the event's second
    seconds, millis = divmod(position_ms, 1000)
    caption = f"event at {seconds // 60:02d}:{seconds % 60:02d}.{millis:03d}"
    wait_until(lambda: caption in browser.find_element(By.TAG_NAME, "body").text, "the player's caption")

    shot = tmp_path / "app.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
