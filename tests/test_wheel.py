"""The package as PyPI would ship it: the wheel and sdist hold what the commands need (recipes, search spaces,
py.typed, the licence), and the wheel, installed into a fresh virtual environment, works outside the clone.

Nothing is downloaded: the wheel is built with the hatchling of this environment (`--no-build-isolation
--no-index`), installed without dependencies, and the fresh environment borrows this one's dependencies
through a .pth file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from ballspot import __version__

REPO = Path(__file__).resolve().parents[1]
SHIPPED = (
    "ballspot/py.typed",
    "ballspot/recipes/quickstart.yaml",
    "ballspot/tune/default_space.yaml",
    "ballspot/tune/cpu_space.yaml",
    "ballspot/cli/app.py",
)

pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (the test extra)")


def run(*args: str | Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env or os.environ.copy(), timeout=300
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        dist,
        REPO,
        cwd=dist,
    )
    (built,) = dist.glob("ballspot-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=venv.parent)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "borrowed_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return venv / "bin"


def outside_env() -> dict:
    """The environment of a user's shell: no PYTHONPATH pointing into the clone."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def test_the_wheel_holds_what_the_commands_need_and_the_licence(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for shipped in SHIPPED:
        assert shipped in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in metadata
    assert "Project-URL: Source, https://github.com/ballspot/ballspot" in metadata
    assert "Classifier: Typing :: Typed" in metadata and "Keywords:" in metadata
    assert "Provides-Extra: docs" in metadata


def test_the_sdist_holds_the_licence_and_the_sources(tmp_path):
    run(sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", tmp_path, cwd=REPO)
    (sdist,) = tmp_path.glob("ballspot-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"} <= names
    assert {f"src/{shipped}" for shipped in SHIPPED} <= names
    assert "examples/predict_api.py" in names


@pytest.mark.slow
def test_the_installed_wheel_works_outside_the_clone(installed, tmp_path):
    env = outside_env()
    where = run(installed / "python", "-c", "import ballspot; print(ballspot.__file__)", cwd=tmp_path, env=env)
    assert str(installed.parent) in where.stdout and str(REPO) not in where.stdout
    assert run(installed / "ballspot", "--version", cwd=tmp_path, env=env).stdout.strip() == f"ballspot {__version__}"
    assert "quickstart" in run(installed / "ballspot", "--help", cwd=tmp_path, env=env).stdout
    assert "--games" in run(installed / "ballspot", "quickstart", "-h", cwd=tmp_path, env=env).stdout
    recipe = run(
        installed / "python",
        "-c",
        "from ballspot.recipes import find_config; from ballspot.engine.config import resolve_config; "
        "from ballspot.tune.machine import CPU_SPACE; from ballspot.tune.space import load_space; "
        "print(find_config('quickstart')); print(resolve_config('quickstart', {}).backbone); "
        "print(len(load_space(base=resolve_config('quickstart', {}))), len(load_space(CPU_SPACE)))",
        cwd=tmp_path,
        env=env,
    ).stdout.split()
    assert recipe[0].startswith(str(installed.parent)) and recipe[0].endswith("recipes/quickstart.yaml")
    # `train --config quickstart` resolves the recipe inside the installed package: what fails is the index
    failed = subprocess.run(
        [str(installed / "ballspot"), "train", "--config", "quickstart", "--index", "nowhere.parquet"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "BALLSPOT_DATA_DIR": str(tmp_path / "data")},
        timeout=300,
    )
    assert failed.returncode == 1 and failed.stderr.startswith("error: ") and "nowhere.parquet" in failed.stderr
    assert "recipe" not in failed.stderr and "config" not in failed.stderr
