"""Shared models: `ballspot export --format hf`, and `--model` from a model folder, a Hub snapshot or a URL.

Everything is offline: the Hub is a fake cache read with HF_HUB_OFFLINE=1, URLs point at a threaded HTTP
server on loopback.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from ballspot.cli.app import app
from ballspot.engine.checkpoint import load_checkpoint
from ballspot.errors import BallspotError
from ballspot.share.sources import resolve_model
from tests.assertions import assert_one_error_line
from tests.tiny_run import game_video

runner = CliRunner()
HUB_COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return game_video(tmp_path_factory.mktemp("clip") / "match.mp4", frames=100)


@pytest.fixture(scope="module")
def exported(tiny_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "tiny-spotter"
    result = runner.invoke(app, ["export", str(tiny_run["best"]), "--format", "hf", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    return out


@pytest.fixture(scope="module")
def reference(tiny_run, clip) -> dict:
    """predict's document for the clip with the run's own checkpoint."""
    return predict_json(clip, str(tiny_run["best"]))


def predict_json(clip: Path, model: str, *extra: str) -> dict:
    result = runner.invoke(app, ["predict", str(clip), "-m", model, "--device", "cpu", "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def server(tmp_path):
    """A threaded HTTP server on loopback serving `tmp_path/www`; records the paths requested."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            requests.append(self.path)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    yield {"root": root, "url": f"http://{host}:{port}", "requests": requests}
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


# --- export ---------------------------------------------------------------------------------------------------


def test_export_writes_an_upload_ready_folder(tiny_run, exported):
    from safetensors.torch import load_file

    assert sorted(p.name for p in exported.iterdir()) == [
        "README.md",
        "classes.json",
        "config.json",
        "model.safetensors",
        "postprocess.json",
    ]
    checkpoint = load_checkpoint(tiny_run["best"])
    weights = load_file(str(exported / "model.safetensors"))
    assert weights.keys() == checkpoint["model"].keys()
    assert all(torch.equal(weights[k], checkpoint["model"][k]) for k in weights)
    config = json.loads((exported / "config.json").read_text())
    assert config["format"] == "ballspot-model" and config["model_config"] == checkpoint["model_config"]
    assert config["train_config"]["index"] == "index.parquet"  # no local path leaks into a shared model
    assert json.loads((exported / "classes.json").read_text()) == checkpoint["classes"]
    assert json.loads((exported / "postprocess.json").read_text())["nms_window_s"] == 1.0

    card = (exported / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: ballspot\n")
    summary = json.loads((tiny_run["root"] / "summary.json").read_text())
    assert f"macro-F1 {summary['best_valid_macro_f1']:.4f}" in card
    assert "from tiny/summary.json and metrics.csv" in card
    assert "`train`: 10 clips from 1 game(s): `league/2020-2021/2020-01-01 - Alpha - Beta`" in card
    epochs = (tiny_run["root"] / "metrics.csv").read_text().splitlines()
    assert card.count("\n| 1 | ") == len(epochs) - 1  # one row per epoch of metrics.csv


def test_an_export_folder_that_cannot_be_made_leaves_no_folder_made_for_it(tiny_run, tmp_path):
    out = tmp_path / "new" / ("x" * 300)  # its parent is made before the long name fails
    result = runner.invoke(app, ["export", str(tiny_run["best"]), str(out)])
    assert_one_error_line(result, "File name too long")
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_to_clobber_and_leaves_nothing_on_failure(tiny_run, exported, tmp_path):
    result = runner.invoke(app, ["export", str(tiny_run["best"]), str(exported)])
    assert_one_error_line(result, "not empty", "--overwrite")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"nope")
    assert_one_error_line(runner.invoke(app, ["export", str(bad), str(tmp_path / "out")]), "cannot read weights file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pt"]
    result = runner.invoke(app, ["export", str(tiny_run["best"]), "--format", "tflite", str(tmp_path / "out")])
    assert result.exit_code == 2 and "tflite" in result.stderr


def test_export_never_overwrites_its_own_model_or_a_folder_of_folders(tiny_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(tiny_run["root"], run)
    before = sorted(str(p.relative_to(run)) for p in run.rglob("*"))
    for out in (run, tmp_path):  # the run itself, and a folder above it
        result = runner.invoke(app, ["export", str(run), str(out), "--overwrite"])
        assert_one_error_line(result, "inside it")
    assert sorted(str(p.relative_to(run)) for p in run.rglob("*")) == before
    home = tmp_path / "home"
    (home / "photos").mkdir(parents=True)
    (home / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["export", str(run), str(home), "--overwrite"])
    assert_one_error_line(result, "holds folders")
    assert (home / "notes.txt").read_text() == "mine" and (home / "photos").is_dir()
    (home / "photos").rmdir()  # a folder of the user's files only: no earlier export to replace
    result = runner.invoke(app, ["export", str(run), str(home), "--overwrite"])
    assert_one_error_line(result, "holds files but no earlier export")
    assert sorted(p.name for p in home.iterdir()) == ["notes.txt"]


def test_export_never_overwrites_the_model_folder_it_reads(exported, tmp_path):
    """A model folder is read through its converted copy in the cache: OUT being the folder must still be refused."""
    folder = Path(shutil.copytree(exported, tmp_path / "models" / "tiny"))
    before = sorted(p.name for p in folder.iterdir())
    for out in (folder, folder.parent):  # the folder itself, and a folder above it
        result = runner.invoke(app, ["export", str(folder), str(out), "--format", "onnx", "--overwrite"])
        assert_one_error_line(result, f"cannot export into {out}: the model {folder} is inside it")
    assert sorted(p.name for p in folder.iterdir()) == before


def test_export_into_a_link_to_a_folder_fills_that_folder_and_keeps_the_link(tiny_run, tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "models")
    for _ in range(2):  # into the empty folder, then over that export
        result = runner.invoke(app, ["export", str(tiny_run["best"]), str(tmp_path / "link"), "--overwrite"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "link").is_symlink() and (tmp_path / "models" / "model.safetensors").is_file()


def test_export_of_a_run_whose_summary_is_not_an_object_uses_the_checkpoint_history(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run["root"], run)
    (run / "summary.json").write_text("[]")
    result = runner.invoke(app, ["export", str(run), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "from the checkpoint's own history" in (tmp_path / "out" / "README.md").read_text()


def test_predict_from_an_exported_folder_equals_the_checkpoint(exported, reference, clip):
    assert predict_json(clip, str(exported)) == reference
    assert predict_json(clip, str(exported)) == reference  # the second time from the converted cache copy


def test_the_exported_post_processing_is_the_default(exported, clip, tmp_path, reference):
    folder = tmp_path / "tuned"
    shutil.copytree(exported, folder)
    (folder / "postprocess.json").write_text(json.dumps({"nms_window_s": 3.0, "threshold": 0.02}))
    tuned = predict_json(clip, str(folder))
    assert 0 < len(tuned["predictions"]) < len(reference["predictions"])
    (folder / "postprocess.json").write_text(json.dumps({"nms": 3.0}))
    result = runner.invoke(app, ["predict", str(clip), "-m", str(folder)])
    assert_one_error_line(result, "unknown post-processing key")


def test_a_model_folders_post_processing_that_records_its_tuning_weights_is_read(exported, clip, tmp_path):
    """A run's postprocess.json records the weights it was tuned on; copied into a model folder it still loads,
    and the folder's converted checkpoint (other bytes than the run's best.pt) is not warned about."""
    folder = tmp_path / "tuned"
    shutil.copytree(exported, folder)
    record = {"weights": "best.pt", "sha256": "0" * 64}
    (folder / "postprocess.json").write_text(json.dumps({"nms_window_s": 3.0, "tuned_on": record}))
    result = runner.invoke(app, ["predict", str(clip), "-m", str(folder), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_not_a_model_folder(tmp_path, clip, exported):
    (tmp_path / "notes").mkdir()
    result = runner.invoke(app, ["predict", str(clip), "-m", str(tmp_path / "notes")])
    assert_one_error_line(result, "not a ballspot model")
    broken = tmp_path / "broken"
    shutil.copytree(exported, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 100)
    assert_one_error_line(runner.invoke(app, ["predict", str(clip), "-m", str(broken)]), "model.safetensors")
    (broken / "config.json").unlink()  # an export without its config: say which file is missing
    assert_one_error_line(runner.invoke(app, ["predict", str(clip), "-m", str(broken)]), "no config.json")


# --- Hugging Face Hub (offline, a fake cache) ----------------------------------------------------------------------


@pytest.fixture
def hub_cache(tmp_path, monkeypatch) -> Path:
    """An empty Hub cache, with huggingface_hub offline (as HF_HUB_OFFLINE=1 makes it)."""
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


def add_to_hub_cache(cache: Path, repo_id: str, folder: Path) -> Path:
    """Lay `folder` out as huggingface_hub caches a downloaded repo: blobs, a snapshot of links, refs/main."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / HUB_COMMIT
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir()
    for file in folder.iterdir():
        blob = repo / "blobs" / hashlib.sha256(file.read_bytes()).hexdigest()
        shutil.copyfile(file, blob)
        (snapshot / file.name).symlink_to(Path("..", "..", "blobs", blob.name))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(HUB_COMMIT)
    return snapshot


def test_predict_from_a_hub_snapshot(hub_cache, exported, clip, reference):
    add_to_hub_cache(hub_cache, "ballspot-test/tiny-spotter", exported)
    assert predict_json(clip, "hf-hub:ballspot-test/tiny-spotter") == reference
    assert predict_json(clip, f"hf-hub:ballspot-test/tiny-spotter@{HUB_COMMIT}") == reference


def test_hub_errors_are_one_line(hub_cache, tmp_path, clip):
    readme_only = tmp_path / "readme-only"
    readme_only.mkdir()
    (readme_only / "README.md").write_text("# some other model\n")
    add_to_hub_cache(hub_cache, "someone/other-model", readme_only)
    for model, fragment in (
        ("hf-hub:someone/other-model", "not a ballspot model"),
        ("hf-hub:ballspot-test/absent", "not in the local Hub cache"),
        ("hf-hub:no-slash", "ORG/NAME"),
    ):
        assert_one_error_line(runner.invoke(app, ["predict", str(clip), "-m", model]), fragment)


# --- URLs (a loopback HTTP server) ----------------------------------------------------------------------------


def test_predict_from_a_url_downloads_once(server, tiny_run, clip, reference):
    shutil.copyfile(tiny_run["best"], server["root"] / "best.pt")
    url = f"{server['url']}/best.pt"
    assert predict_json(clip, url) == reference
    assert predict_json(clip, url) == reference
    assert server["requests"] == ["/best.pt"]


def test_a_url_with_a_matching_sha256(server, tiny_run, clip, reference):
    shutil.copyfile(tiny_run["best"], server["root"] / "best.pt")
    digest = hashlib.sha256(tiny_run["best"].read_bytes()).hexdigest()
    url = f"{server['url']}/best.pt"
    assert predict_json(clip, f"{url}#sha256={digest}") == reference
    assert predict_json(clip, url, "--sha256", digest.upper()) == reference
    assert server["requests"] == ["/best.pt"]
    # a cached copy that no longer matches is fetched again
    cached = resolve_model(url, digest)
    cached.write_bytes(b"damaged")
    assert resolve_model(url, digest) == cached and cached.read_bytes() == tiny_run["best"].read_bytes()
    assert server["requests"] == ["/best.pt", "/best.pt"]


def test_url_errors_are_one_line_and_leave_no_file(server, tiny_run, clip, isolated_dirs):
    shutil.copyfile(tiny_run["best"], server["root"] / "best.pt")
    (server["root"] / "notes.pt").write_text("not weights")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    wrong = "0" * 64
    cases = [
        ([f"{server['url']}/best.pt#sha256={wrong}"], "sha256 mismatch"),
        ([f"{server['url']}/best.pt", "--sha256", wrong], "sha256 mismatch"),
        ([f"{server['url']}/missing.pt"], "HTTP 404"),
        ([f"http://127.0.0.1:{closed_port}/best.pt"], "cannot download"),
        ([f"{server['url']}/notes.pt"], "not a ballspot model"),
        ([f"{server['url']}/best.pt#md5=abc"], "#sha256="),
        ([f"{server['url']}/best.pt", "--sha256", "xyz"], "not a sha256"),
        (["ftp://example.org/best.pt"], "unsupported model address"),
    ]
    for model, fragment in cases:
        result = runner.invoke(app, ["predict", str(clip), "-m", *model])
        assert_one_error_line(result, fragment)
    downloads = isolated_dirs / "cache" / "models" / "downloads"
    assert not list(downloads.rglob("*"))  # no file, and no empty folder either


@pytest.fixture
def odd_server():
    """A loopback server that sends the same 1000 bytes for any path, or (under /short) promises 1000 and sends 100."""
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * (100 if self.path.startswith("/short") else 1000))
            self.close_connection = True  # hangs up

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_a_body_shorter_than_its_content_length_is_never_cached(odd_server, tmp_path):
    from ballspot.errors import BallspotError
    from ballspot.share.download import cached_download

    with pytest.raises(BallspotError, match="100 of 1000 bytes"):
        cached_download(f"{odd_server}/short.pt", tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("*"))


@pytest.mark.parametrize("path", ["/%00.pt", "/a/%2E%2E", "/a/..", "/%0A.pt", "/" + "x" * 300 + ".pt"])
def test_a_url_whose_file_name_cannot_name_a_file_is_cached_under_a_plain_name(odd_server, tmp_path, path):
    from ballspot.share.download import cached_download

    cached = cached_download(f"{odd_server}{path}", tmp_path / "cache")
    assert cached.name == "model.pt" and cached.read_bytes() == b"x" * 1000


def test_an_overwrite_that_fails_at_the_swap_keeps_the_earlier_export(tiny_run, tmp_path, monkeypatch):
    """The new export takes the old one's place in one rename; the old folder goes only once that has worked."""
    import os

    from ballspot.share import export as export_module

    out = tmp_path / "out"
    assert runner.invoke(app, ["export", str(tiny_run["best"]), str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(src).is_dir() and str(src).endswith(".part"):  # the finished export moving into place
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(export_module.os, "replace", failing_replace)
    result = runner.invoke(app, ["export", str(tiny_run["best"]), str(out), "--overwrite"])
    assert_one_error_line(result, f"cannot write {out}", "No space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left beside it


def test_a_folder_exported_by_a_newer_ballspot_says_upgrade_not_damaged(exported, clip, tmp_path):
    folder = Path(shutil.copytree(exported, tmp_path / "newer"))
    config = json.loads((folder / "config.json").read_text())
    config["ballspot_version"] = "99.0.0"
    config["model_config"]["a_later_setting"] = 1
    (folder / "config.json").write_text(json.dumps(config))
    result = runner.invoke(app, ["predict", str(clip), "-m", str(folder)])
    assert_one_error_line(result, f"{folder} was written by ballspot 99.0.0, newer than this one", "pip install -U")


class Bar:
    """Stands in for the download's progress bar: records the total and the bytes, can stop after a block."""

    def __init__(self, interrupt: bool = False) -> None:
        self.total, self.done, self.interrupt = None, 0, interrupt

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def add_task(self, description: str, total: int | None = None) -> int:
        self.total = total
        return 0

    def advance(self, task: int, amount: int) -> None:
        self.done += amount
        if self.interrupt:
            raise KeyboardInterrupt  # Ctrl-C after the first block


def test_a_download_shows_its_bytes_on_a_progress_bar(server, tmp_path, monkeypatch):
    from ballspot import console
    from ballspot.share.download import cached_download

    (server["root"] / "best.pt").write_bytes(b"x" * 3_000_000)  # three blocks
    bar = Bar()
    monkeypatch.setattr(console, "transfer_progress", lambda: bar)
    cached_download(f"{server['url']}/best.pt", tmp_path / "cache")
    assert bar.total == bar.done == 3_000_000


def test_ctrl_c_mid_download_leaves_no_cache_entry(server, tmp_path, monkeypatch):
    from ballspot import console
    from ballspot.share.download import cached_download

    (server["root"] / "best.pt").write_bytes(b"x" * 3_000_000)
    monkeypatch.setattr(console, "transfer_progress", lambda: Bar(interrupt=True))
    with pytest.raises(KeyboardInterrupt):
        cached_download(f"{server['url']}/best.pt", tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("*"))


def test_an_export_stopped_between_its_two_renames_is_put_back_by_the_next_run(tiny_run, tmp_path):
    """A kill after the earlier export was set aside and before the new one took its place left the earlier
    one hidden as `.out.*.old`: the next export puts it back (and, without --overwrite, keeps it)."""
    out = tmp_path / "out"
    assert runner.invoke(app, ["export", str(tiny_run["best"]), str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    out.rename(tmp_path / ".out.k1ll3d.old")
    result = runner.invoke(app, ["export", str(tiny_run["best"]), str(out)])
    lines = result.stderr.splitlines()  # other warnings may come first (a library's, once per process)
    assert result.exit_code == 1, result.stderr
    assert any(line.startswith("warning: put ") and "set it aside" in line for line in lines), result.stderr
    assert lines[-1].startswith("error: ") and "exists and is not empty" in lines[-1], result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    (tmp_path / ".out.l4t3r.old").mkdir()  # killed after the new export was in place: the copy is stale
    assert runner.invoke(app, ["export", str(tiny_run["best"]), str(out), "--overwrite"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_export_killed_while_writing_leaves_nothing_for_the_next_export(tiny_run, tmp_path):
    """The hidden `.out.<pid>.*.part` folder of an export that was killed is deleted by the next export into the
    same folder; one whose process is still running (another export writing now) is left alone."""
    import os

    killed = tmp_path / ".out.999999999.x1y2.part"  # no process has that id
    killed.mkdir()
    (killed / "weights.safetensors").write_bytes(b"half" * 100)
    running = tmp_path / f".out.{os.getpid()}.a3b4.part"
    running.mkdir()
    result = runner.invoke(app, ["export", str(tiny_run["best"]), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", running.name])


def test_the_card_of_a_dense_run_reports_its_spotting_map(tmp_path):
    """A dense run validates by mAP@1 on whole videos, not by clip classification: its card gives the mAP."""
    from ballspot.share.card import model_card

    run = tmp_path / "dense-run"
    run.mkdir()
    summary = {"task": "dense", "best_epoch": 2, "best_valid_map": 0.8125, "best_valid_team_map": 0.75}
    summary["ap_per_class"] = {"PASS": 0.875, "DRIVE": None}
    (run / "summary.json").write_text(json.dumps(summary))
    (run / "metrics.csv").write_text(
        "epoch,train_loss,train_accuracy,valid_map,valid_team_map,lr,seconds\n"
        "1,7.5,0.5,,,0.004,8.5\n2,6.25,0.625,0.8125,0.75,0.0,9.0\n"
    )
    checkpoint = {
        "config": {"index": str(tmp_path / "absent.parquet"), "valid_split": "valid"},
        "classes": ["PASS", "DRIVE", "BACKGROUND"],
        "task": "dense",
        "best": {"epoch": 2, "scores": {"mAP@1": 0.8125, "team_mAP@1": 0.75, "ap_per_class": summary["ap_per_class"]}},
        "history": [],
    }
    from_run = model_card("spotter", run / "weights" / "best.pt", checkpoint, {"threshold": 0.01}, "0")
    assert "| 2 | 6.2500 | 0.8125 | 0.7500 |" in from_run  # metrics.csv's validation columns, per epoch
    (run / "summary.json").unlink()  # the checkpoint's own best, as for a best.pt outside its run folder
    from_checkpoint = model_card("spotter", run / "weights" / "best.pt", checkpoint, {"threshold": 0.01}, "0")
    for card in (from_run, from_checkpoint):
        assert "best epoch 2: mAP@1 0.8125, Team-mAP@1 0.7500" in card, card
        assert "macro-F1" not in card and "clip classification" not in card
        assert "| PASS | 0.8750 |" in card and "| DRIVE | n/a |" in card


def test_a_local_file_with_another_sha256_names_the_one_it_has(tmp_path):
    """As for a download, the error gives both digests: the one expected and the file's own."""
    weights = tmp_path / "best.pt"
    weights.write_bytes(b"weights")
    own = hashlib.sha256(b"weights").hexdigest()
    with pytest.raises(BallspotError, match=f"sha256 mismatch for {weights}: expected {'0' * 64}, the file has {own}"):
        resolve_model(str(weights), "0" * 64)
