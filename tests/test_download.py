"""`ballspot download soccernet` against local stand-ins for SoccerNet's servers (spec §7): nothing leaves
the machine. Most tests replace the SDK's `snapshot_download` (option 1); the integration tests run
huggingface_hub's real code against a stand-in Hub on 127.0.0.1 (option 2, with a gated 401) and the SDK's
legacy ownCloud path against a stand-in share (option 4)."""

from __future__ import annotations

import fnmatch
import functools
import json
import logging
import os
import shutil
import socket
import struct
import subprocess
import sys
import urllib.request
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ballspot.cli.download_soccernet as cli_module
from ballspot.cli.app import app
from ballspot.data import unzip
from ballspot.data.download import Credentials, download_soccernet
from ballspot.errors import BallspotError
from ballspot.soccernet.labels import Annotation, labels_document, read_labels
from ballspot.soccernet.splits import OFFICIAL_SPLITS
from ballspot.video.ffmpeg_bin import ffmpeg_exe
from ballspot.video.probe import probe

SoccerNetDownloader = pytest.importorskip("SoccerNet.Downloader", reason="needs the SoccerNet package")
pytestmark = pytest.mark.soccernet

PASSWORD = "nda-s3cret"
TOKEN = "hf_t0kenvalue"
runner = CliRunner()


# --- fixture data ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory) -> bytes:
    """A real 1 s, 64x36 H.264 video, so the unpacked 224p.mp4 can be probed."""
    path = tmp_path_factory.mktemp("video") / "tiny.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=64x36:rate=25:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path.read_bytes()


def labels_bytes(game_id: str) -> bytes:
    annotations = [
        Annotation("PASS", 120, team="left"),
        Annotation("DRIVE", 640, team="right"),
    ]
    return json.dumps(labels_document(annotations, url_local=game_id)).encode()


def split_members(split: str, video: bytes, labels: bool = True, videos: bool = True) -> dict[str, bytes]:
    """The members of a split's zip: every official game of the split, league folder first."""
    members = {}
    for game_id in OFFICIAL_SPLITS[split]:
        if videos:
            members[f"{game_id}/224p.mp4"] = video
            members[f"{game_id}/720p.mp4"] = b"not really a video " * 50
        if labels:
            members[f"{game_id}/Labels-ball.json"] = labels_bytes(game_id)
    return members


def zip_bytes(members: dict[str, bytes], method: str = "plain", password: str = PASSWORD) -> bytes:
    """A zip of `members`: plain (deflated), AES (WinZip, like the 2025 NDA zips) or ZipCrypto."""
    import io

    import pyzipper

    buffer = io.BytesIO()
    if method == "zipcrypto":
        return zipcrypto_zip(members, password.encode())
    if method == "aes":
        with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as z:
            z.setpassword(password.encode())
            for name, data in members.items():
                z.writestr(name, data)
    else:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(name, data)
    return buffer.getvalue()


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def zipcrypto_zip(members: dict[str, bytes], password: bytes) -> bytes:
    """A stored zip with legacy PKWARE (ZipCrypto) encryption; neither zipfile nor pyzipper writes one."""
    mask = 0xFFFFFFFF

    def crc_byte(crc: int, b: int) -> int:
        return _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)

    def encrypt(data: bytes) -> bytes:
        keys = [0x12345678, 0x23456789, 0x34567890]

        def update(b: int) -> None:
            keys[0] = crc_byte(keys[0], b)
            keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & mask
            keys[2] = crc_byte(keys[2], keys[1] >> 24)

        for b in password:
            update(b)
        out = bytearray()
        for b in data:
            t = (keys[2] | 2) & 0xFFFF
            out.append(b ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            update(b)
        return bytes(out)

    body, central = bytearray(), bytearray()
    for name, data in members.items():
        crc = zlib.crc32(data) & mask
        payload = encrypt(os.urandom(11) + bytes([crc >> 24]) + data)
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 1, 0, 0, 0x21, crc, len(payload), len(data),
                            len(encoded), 0) + encoded + payload  # fmt: skip
        central += struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 1, 0, 0, 0x21, crc, len(payload),
                               len(data), len(encoded), 0, 0, 0, 0, 0, offset) + encoded  # fmt: skip
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(body), 0)
    return bytes(body + central + end)


class FakeHub:
    """Stands in for `snapshot_download`: copies matching files of a fixture repo into `local_dir`."""

    def __init__(self, repos: dict[str, dict[str, bytes]], deny_without_token: bool = False) -> None:
        self.repos = repos
        self.deny_without_token = deny_without_token
        self.fail_with: BaseException | None = None
        self.hub_warning: str | None = None
        """Logged on huggingface_hub's logger during the call, as its retries ("Trying to resume download...")."""
        self.calls: list[dict] = []

    def __call__(self, repo_id, repo_type=None, revision=None, local_dir=None, allow_patterns=None, token=None):
        self.calls.append(dict(repo_id=repo_id, repo_type=repo_type, revision=revision, local_dir=local_dir,
                               allow_patterns=allow_patterns, token=token))  # fmt: skip
        if self.hub_warning is not None:
            logging.getLogger("huggingface_hub.file_download").warning(self.hub_warning)
        if self.fail_with is not None:
            raise self.fail_with
        if self.deny_without_token and not token:
            raise PermissionError(f"Could not download from '{repo_id}' on Hugging Face (401 Client Error)")
        for name, data in self.repos[repo_id].items():
            if any(fnmatch.fnmatch(name, pattern) for pattern in allow_patterns):
                target = Path(local_dir) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        return local_dir


@pytest.fixture
def fake_hub(monkeypatch, tiny_mp4) -> FakeHub:
    hub = FakeHub(
        {
            "SoccerNet/SN-BAS-2025": {
                "train.zip": zip_bytes(split_members("train", tiny_mp4), "aes"),
                "valid.zip": zip_bytes(split_members("valid", tiny_mp4), "aes"),
                "challenge.zip": zip_bytes(split_members("challenge", tiny_mp4, labels=False), "aes"),
                "ExtraLabelsActionSpotting500games/train_labels.zip": b"must not be fetched",
                "README.md": b"# SN-BAS-2025",
            },
            "SoccerNet/SN-BAS-2024": {
                "valid.zip": zip_bytes(split_members("valid", tiny_mp4)),
                "test.zip": zip_bytes(split_members("test", tiny_mp4, labels=False)),
            },
            "SoccerNet/SN-GroundTruth": {
                "spotting-ball-2024/test-private.zip": zip_bytes(split_members("test", b"", videos=False)),
            },
        }
    )
    monkeypatch.setattr(SoccerNetDownloader, "snapshot_download", hub)
    for variable in (*cli_module.TOKEN_VARIABLES, *cli_module.PASSWORD_VARIABLES):
        monkeypatch.delenv(variable, raising=False)
    return hub


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None):  # noqa: A002
    return runner.invoke(app, ["download", "soccernet", *args], env=env, input=input)


def one_error_line(result) -> str:
    """The single `error: ...` line a failed command printed; fails on a traceback or several lines."""
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def game_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*/*") if p.is_dir())


# --- unzip -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["plain", "zipcrypto", "aes"])
def test_unzip_reads_plain_zipcrypto_and_aes(tmp_path, method):
    members = split_members("valid", b"video bytes " * 100) | {"README.md": b"hello"}
    zip_path = tmp_path / "valid.zip"
    zip_path.write_bytes(zip_bytes(members, method))
    root = tmp_path / "out"
    password = None if method == "plain" else PASSWORD
    with unzip.open_zip(zip_path, password) as archive:
        index = unzip.index_zip(archive, zip_path)
        assert index.encrypted == (method != "plain")
        assert [g.game_id for g in index.games] == list(OFFICIAL_SPLITS["valid"])
        for game in index.games:
            unzip.extract_game(archive, game, root, password)
        for member in index.loose:
            unzip.extract_loose(archive, member, root, password)
    for name, data in members.items():
        assert (root / name).read_bytes() == data
    assert unzip.files_complete(root / index.games[0].game_id, index.games[0].files())


@pytest.mark.parametrize("method", ["zipcrypto", "aes"])
def test_wrong_password_extracts_nothing(tmp_path, method):
    zip_path = tmp_path / "train.zip"
    zip_path.write_bytes(zip_bytes(split_members("train", b"v" * 1000), method))
    root = tmp_path / "out"
    with unzip.open_zip(zip_path, "not-the-password") as archive, pytest.raises(BallspotError) as caught:
        for game in unzip.index_zip(archive, zip_path).games:
            unzip.extract_game(archive, game, root, "not-the-password")
    assert "wrong NDA password" in str(caught.value) or "integrity check" in str(caught.value)
    assert "not-the-password" not in str(caught.value)
    assert [p for p in root.rglob("*") if p.is_file()] == []
    assert not list(root.glob("*/*/*"))


def test_encrypted_zip_without_password_says_so(tmp_path):
    zip_path = tmp_path / "train.zip"
    zip_path.write_bytes(zip_bytes(split_members("valid", b"v"), "aes"))
    with unzip.open_zip(zip_path) as archive, pytest.raises(BallspotError, match="needs SoccerNet's NDA password"):
        unzip.extract_game(archive, unzip.index_zip(archive, zip_path).games[0], tmp_path / "out")


def test_interrupted_extraction_leaves_no_half_game(tmp_path, monkeypatch):
    zip_path = tmp_path / "valid.zip"
    zip_path.write_bytes(zip_bytes(split_members("valid", b"v" * 1000)))
    root = tmp_path / "out"
    real_copy = unzip._copy_member
    copied = []

    def copy_then_die(archive, member, target, password):
        if copied:
            raise KeyboardInterrupt  # the second file of the game never arrives
        copied.append(member.filename)
        real_copy(archive, member, target, password)

    monkeypatch.setattr(unzip, "_copy_member", copy_then_die)
    with unzip.open_zip(zip_path) as archive, pytest.raises(KeyboardInterrupt):
        unzip.extract_game(archive, unzip.index_zip(archive, zip_path).games[0], root)
    assert copied and not any(root.rglob("*.mp4")) and not any(root.rglob("*.json"))
    # a SIGKILL leaves the hidden staging folder behind instead; the next run sweeps it away
    leftover = root / "england_efl" / "2019-2020" / f".game{unzip.STAGING_TAG}1234"
    leftover.mkdir(parents=True)
    (leftover / "224p.mp4").write_bytes(b"half")
    assert unzip.remove_leftovers(root) == [leftover]
    assert not leftover.exists()


def test_a_game_killed_between_its_two_renames_is_put_back(tmp_path):
    """Installing into an existing game moves the old folder aside, then the new one in: a SIGKILL between
    the two leaves only hidden folders. The next run puts the old folder back (it holds files no zip brings,
    the user's own among them) instead of deleting it."""
    game = tmp_path / "out" / "england_efl" / "2019-2020" / "game"
    retired = game.with_name(f".game{unzip.RETIRED_TAG}1234abcd")
    staging = game.with_name(f".game{unzip.STAGING_TAG}5678abcd")
    for folder in (retired, staging):
        folder.mkdir(parents=True)
        (folder / "224p.mp4").write_bytes(b"video")
    (retired / "my-notes.txt").write_text("mine")
    unzip.remove_leftovers(tmp_path / "out")
    assert sorted(p.name for p in game.parent.iterdir()) == ["game"]
    assert (game / "my-notes.txt").read_text() == "mine" and (game / "224p.mp4").read_bytes() == b"video"


def test_unsafe_member_is_refused(tmp_path):
    zip_path = tmp_path / "evil.zip"
    zip_path.write_bytes(zip_bytes({"../../outside.txt": b"x"}))
    with unzip.open_zip(zip_path) as archive, pytest.raises(BallspotError, match="unsafe member path"):
        unzip.index_zip(archive, zip_path)


def test_damaged_zip_is_one_line_error(tmp_path):
    zip_path = tmp_path / "train.zip"
    zip_path.write_bytes(zip_bytes(split_members("valid", b"v"))[:50])
    with (
        pytest.raises(BallspotError, match="not a complete zip file.*Delete it and run again"),
        unzip.open_zip(zip_path),
    ):
        pass


def test_a_zip_made_on_windows_unpacks_into_the_game_folder(tmp_path):
    """Members named with backslashes (league\\season\\game\\file) are grouped into games and extracted as such."""
    game = OFFICIAL_SPLITS["valid"][0]
    zip_path = tmp_path / "valid.zip"
    zip_path.write_bytes(zip_bytes({f"{game}/Labels-ball.json".replace("/", "\\"): labels_bytes(game)}))
    root = tmp_path / "root"
    with unzip.open_zip(zip_path) as archive:
        (entry,) = unzip.index_zip(archive, zip_path).games
        assert entry.game_id == game and entry.files() == {"Labels-ball.json": len(labels_bytes(game))}
        unzip.extract_game(archive, entry, root)
    assert read_labels(root / game / "Labels-ball.json").annotations


def test_a_file_where_a_game_folder_goes_is_an_error_and_is_kept(tmp_path):
    game = OFFICIAL_SPLITS["valid"][0]
    zip_path = tmp_path / "valid.zip"
    zip_path.write_bytes(zip_bytes({f"{game}/Labels-ball.json": labels_bytes(game)}))
    (tmp_path / "root" / game).parent.mkdir(parents=True)
    (tmp_path / "root" / game).write_text("mine")
    with unzip.open_zip(zip_path) as archive:
        (entry,) = unzip.index_zip(archive, zip_path).games
        with pytest.raises(BallspotError, match="a file of that name is in the way"):
            unzip.extract_game(archive, entry, tmp_path / "root")
    assert [p.name for p in (tmp_path / "root" / game).parent.iterdir()] == [game.rsplit("/", 1)[-1]]
    assert (tmp_path / "root" / game).read_text() == "mine"


def test_member_that_does_not_decompress_is_one_line_error(tmp_path):
    """A zip whose directory is intact but one member's deflated bytes are damaged (zlib raises, not zipfile)."""
    game = OFFICIAL_SPLITS["valid"][0]
    name = f"{game}/Labels-ball.json"
    data = bytearray(zip_bytes({name: bytes(range(256)) * 64}))
    start = 30 + len(name.encode())  # the member's compressed bytes follow its local header
    data[start : start + 40] = bytes(b ^ 0xAA for b in data[start : start + 40])
    zip_path = tmp_path / "valid.zip"
    zip_path.write_bytes(bytes(data))
    root = tmp_path / "root"
    with unzip.open_zip(zip_path) as archive:
        (entry,) = unzip.index_zip(archive, zip_path).games
        with pytest.raises(BallspotError, match="valid.zip is damaged .*; delete it and run again"):
            unzip.extract_game(archive, entry, root)
    assert not root.exists()  # nor the league and season folders it would have gone in


def test_labels_zip_merges_into_existing_game(tmp_path):
    """2023/2024: test-private.zip brings labels to games whose videos came in test.zip."""
    game_id = OFFICIAL_SPLITS["test"][0]
    root = tmp_path / "out"
    (root / game_id).mkdir(parents=True)
    (root / game_id / "224p.mp4").write_bytes(b"video")
    zip_path = tmp_path / "test-private.zip"
    zip_path.write_bytes(zip_bytes({f"{game_id}/Labels-ball.json": labels_bytes(game_id)}))
    with unzip.open_zip(zip_path) as archive:
        unzip.extract_game(archive, unzip.index_zip(archive, zip_path).games[0], root)
    assert sorted(p.name for p in (root / game_id).iterdir()) == ["224p.mp4", "Labels-ball.json"]
    assert not list((root / game_id).parent.glob(".*"))


def test_a_file_the_download_did_not_write_is_kept_and_one_it_wrote_is_repaired(tmp_path, fake_hub):
    """A game folder that held the user's own labels before the first download: the zip's labels go in and the
    user's are kept beside them, said in a warning. A file the download wrote and that was damaged since is
    written again on the rerun, with nothing kept of it."""
    data = tmp_path / "data"
    game = data / "spotting-ball-2025" / OFFICIAL_SPLITS["train"][0]
    game.mkdir(parents=True)
    (game / "Labels-ball.json").write_text('{"annotations": "my own"}')
    (game / "notes.txt").write_text("mine")
    env = {"BALLSPOT_NDA_PASSWORD": PASSWORD}
    args = ("-e", "2025", "-s", "train", "--data-dir", str(data), "--json")
    first = run_cli(*args, env=env)
    assert first.exit_code == 0, first.output
    assert (game / "Labels-ball.json").read_bytes() == labels_bytes(OFFICIAL_SPLITS["train"][0])
    assert (game / "Labels-ball.json.before-download").read_text() == '{"annotations": "my own"}'
    assert (game / "notes.txt").read_text() == "mine"
    assert "Labels-ball.json.before-download" in " ".join(first.stderr.split())
    video = (game / "224p.mp4").read_bytes()
    (game / "224p.mp4").write_bytes(video[: len(video) // 2])  # a file the download wrote, cut short since
    repaired = run_cli(*args, env=env)
    assert repaired.exit_code == 0, repaired.output
    assert (game / "224p.mp4").read_bytes() == video
    assert sorted(p.name for p in game.iterdir()) == [
        "224p.mp4", "720p.mp4", "Labels-ball.json", "Labels-ball.json.before-download", "notes.txt"
    ]  # fmt: skip


# --- the command, with the SDK's Hugging Face call replaced (spec §7 option 1) --------------------


def test_2025_download_unpacks_games_and_prints_the_table(tmp_path, fake_hub):
    data = tmp_path / "data"
    env = {"BALLSPOT_NDA_PASSWORD": PASSWORD, "BALLSPOT_HF_TOKEN": TOKEN}
    result = run_cli("-e", "2025", "-s", "train", "-s", "challenge", "--data-dir", str(data), "--json", env=env)
    assert result.exit_code == 0, result.output
    root = data / "spotting-ball-2025"
    assert fake_hub.calls == [
        dict(repo_id="SoccerNet/SN-BAS-2025", repo_type="dataset", revision="main", local_dir=str(root),
             allow_patterns=[pattern], token=TOKEN)
        for pattern in ("*train.zip", "*challenge.zip")
    ]  # fmt: skip
    report = json.loads(result.stdout)
    rows = {g["game"]: g for g in report["games"]}
    assert list(rows) == [*OFFICIAL_SPLITS["train"], *OFFICIAL_SPLITS["challenge"]]
    for game_id in OFFICIAL_SPLITS["train"]:
        assert rows[game_id] == {"edition": 2025, "split": "train", "game": game_id, "path": str(root / game_id),
                                 "videos": ["224p.mp4", "720p.mp4"], "labels": True}  # fmt: skip
    for game_id in OFFICIAL_SPLITS["challenge"]:
        assert rows[game_id]["videos"] == ["224p.mp4", "720p.mp4"] and rows[game_id]["labels"] is False
    assert report["editions"] == {"2025": str(root)}
    game = root / OFFICIAL_SPLITS["train"][0]
    assert probe(game / "224p.mp4").fps == pytest.approx(25)
    assert [a.label for a in read_labels(game / "Labels-ball.json").annotations] == ["PASS", "DRIVE"]
    assert not list(root.glob("*.zip")) and not (root / "ExtraLabelsActionSpotting500games").exists()
    assert PASSWORD not in result.output and TOKEN not in result.output


def test_rerun_skips_complete_splits_and_repairs_a_missing_game(tmp_path, fake_hub):
    data = tmp_path / "data"
    env = {"BALLSPOT_NDA_PASSWORD": PASSWORD}
    args = ("-e", "2025", "-s", "train", "--data-dir", str(data), "--json")
    first = run_cli(*args, env=env)
    assert first.exit_code == 0, first.output
    assert len(fake_hub.calls) == 1
    again = run_cli(*args)  # no password needed: nothing to download or decrypt
    assert again.exit_code == 0, again.output
    assert len(fake_hub.calls) == 1 and json.loads(again.stdout) == json.loads(first.stdout)

    root = data / "spotting-ball-2025"
    kept, lost = root / OFFICIAL_SPLITS["train"][0], root / OFFICIAL_SPLITS["train"][1]
    inode = (kept / "224p.mp4").stat().st_ino
    for f in lost.iterdir():
        f.unlink()
    lost.rmdir()
    repaired = run_cli(*args, env=env)
    assert repaired.exit_code == 0, repaired.output
    assert len(fake_hub.calls) == 2
    assert (kept / "224p.mp4").stat().st_ino == inode  # complete games are not rewritten
    assert sorted(p.name for p in lost.iterdir()) == ["224p.mp4", "720p.mp4", "Labels-ball.json"]


def test_a_second_download_into_the_same_edition_waits_its_turn(tmp_path, fake_hub, monkeypatch):
    """A second `download soccernet` started (another terminal, another split) while the first unpacks would
    sweep away the first one's half-extracted game as a killed run's leftover; it is refused instead."""
    data = tmp_path / "data"
    real_copy = unzip._copy_member
    copied: list[str] = []
    second: list[BaseException | None] = []

    def copy_and_start_another(archive, member, target, password):
        if copied and not second:  # the game's first file is in the staging folder
            second.append(None)
            try:
                download_soccernet((2024,), ("test",), data)
            except BallspotError as exc:
                second[0] = exc
        copied.append(member.filename)
        real_copy(archive, member, target, password)

    monkeypatch.setattr(unzip, "_copy_member", copy_and_start_another)
    report = download_soccernet((2024,), ("valid",), data)
    assert [(g.videos, g.labels) for g in report.games] == [(("224p.mp4", "720p.mp4"), True)]
    assert "being written by another `download soccernet`" in str(second[0])


def test_2024_plain_zip_needs_no_password_and_prints_roots(tmp_path, fake_hub):
    data = tmp_path / "data"
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(data), "--keep-zips")
    assert result.exit_code == 0, result.output
    root = data / "spotting-ball-2024"
    assert [c["allow_patterns"] for c in fake_hub.calls] == [["valid.zip"]]
    assert fake_hub.calls[0]["token"] is None
    assert result.stdout.strip() == str(root)
    assert (root / "valid.zip").is_file()
    assert (root / OFFICIAL_SPLITS["valid"][0] / "Labels-ball.json").is_file()


def test_the_python_function_takes_one_edition_and_split_as_given(tmp_path, fake_hub):
    report = download_soccernet(editions=2024, splits="valid", data_dir=tmp_path / "data")
    assert [c["allow_patterns"] for c in fake_hub.calls] == [["valid.zip"]]  # not splits "v", "a", "l" ...
    assert report.roots == {2024: tmp_path / "data" / "spotting-ball-2024"} and report.games


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"editions": ("2025",)}, "unknown edition '2025'"),
        ({"editions": ()}, "no edition chosen"),
        ({"credentials": {"nda_password": "x"}}, "credentials must be Credentials(hf_token=..., nda_password=...)"),
        ({"data_dir": 5}, "data_dir must be a str or pathlib.Path, got int"),
    ],
)
def test_the_python_function_names_an_argument_of_the_wrong_type(tmp_path, fake_hub, arguments, message):
    with pytest.raises(BallspotError) as caught:
        download_soccernet(**({"editions": (2024,), "splits": ("valid",), "data_dir": tmp_path / "d"} | arguments))
    assert message in str(caught.value)
    assert fake_hub.calls == []


def test_credentials_that_are_not_text_are_refused_at_once():
    with pytest.raises(BallspotError, match="Credentials nda_password must be text"):  # was a TypeError mid-download
        Credentials(nda_password=1234)
    with pytest.raises(BallspotError, match="Credentials hf_token must be text"):
        Credentials(hf_token=b"hf_x")


def test_2024_test_labels_join_the_test_videos(tmp_path, fake_hub):
    data = tmp_path / "data"
    result = run_cli("-e", "2024", "-s", "test", "-s", "test_labels", "--data-dir", str(data), "--json")
    assert result.exit_code == 0, result.output
    assert [(c["repo_id"], c["local_dir"], c["allow_patterns"]) for c in fake_hub.calls] == [
        ("SoccerNet/SN-BAS-2024", str(data / "spotting-ball-2024"), ["test.zip"]),
        ("SoccerNet/SN-GroundTruth", str(data), ["spotting-ball-2024/test-private.zip"]),
    ]
    games = json.loads(result.stdout)["games"]
    expected = [("test", ["224p.mp4", "720p.mp4"], True)] * len(OFFICIAL_SPLITS["test"])
    assert [(g["split"], g["videos"], g["labels"]) for g in games] == expected


def test_wrong_password_is_one_line_and_leaves_no_game(tmp_path, fake_hub):
    data = tmp_path / "data"
    args = ("-e", "2025", "-s", "train", "--data-dir", str(data))
    result = run_cli(*args, "--password", "wrong-guess")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "wrong NDA password" in line and "wrong-guess" not in result.output
    assert "--password" in line and "BALLSPOT_NDA_PASSWORD" in line  # how to give the right one
    root = data / "spotting-ball-2025"
    assert game_folders(root) == []
    assert (root / "train.zip").is_file()  # kept, so the rerun with the right password downloads nothing new
    fixed = run_cli(*args, env={"SOCCERNET_PASSWORD": PASSWORD})
    assert fixed.exit_code == 0, fixed.output
    assert len(game_folders(root)) == len(OFFICIAL_SPLITS["train"])


def test_a_zip_without_games_is_an_error_and_the_split_is_not_recorded_complete(tmp_path, fake_hub):
    fake_hub.repos["SoccerNet/SN-BAS-2024"]["valid.zip"] = zip_bytes({"README.md": b"nothing here"})
    args = ("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "data"))
    result = run_cli(*args)
    assert result.exit_code == 1
    assert "valid.zip holds no game folder" in one_error_line(result)
    fake_hub.repos["SoccerNet/SN-BAS-2024"]["valid.zip"] = zip_bytes(split_members("valid", b"video"))
    (tmp_path / "data" / "spotting-ball-2024" / "valid.zip").unlink()
    assert run_cli(*args).exit_code == 0
    assert len(game_folders(tmp_path / "data" / "spotting-ball-2024")) == len(OFFICIAL_SPLITS["valid"])


def test_2025_without_password_fails_before_downloading(tmp_path, fake_hub):
    result = run_cli("-e", "2025", "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert "needs the NDA password" in one_error_line(result)
    assert "--password" in result.stderr and "BALLSPOT_NDA_PASSWORD" in result.stderr
    assert fake_hub.calls == []


def test_password_from_a_hidden_prompt_at_a_terminal(tmp_path, fake_hub, monkeypatch):
    monkeypatch.setattr(cli_module, "_stdin_is_tty", lambda: True)
    result = run_cli("-e", "2025", "-s", "valid", "--data-dir", str(tmp_path / "data"), input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "NDA password" in result.stderr and PASSWORD not in result.output
    assert result.stdout.strip() == str(tmp_path / "data" / "spotting-ball-2025")


def test_token_asked_after_hugging_face_refuses(tmp_path, fake_hub, monkeypatch):
    fake_hub.deny_without_token = True
    monkeypatch.setattr(cli_module, "_stdin_is_tty", lambda: True)
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "data"), input=TOKEN + "\n")
    assert result.exit_code == 0, result.output
    assert [c["token"] for c in fake_hub.calls] == [None, TOKEN]
    assert TOKEN not in result.output


def test_no_access_is_one_line_with_what_to_do(tmp_path, fake_hub):
    fake_hub.deny_without_token = True
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "no access to SoccerNet/SN-BAS-2024" in line
    assert "https://huggingface.co/datasets/SoccerNet/SN-BAS-2024" in line and "log in" in line


def test_a_refused_token_is_said_to_be_refused(tmp_path, fake_hub):
    fake_hub.fail_with = PermissionError("Could not download from 'SoccerNet/SN-BAS-2024' (403 Client Error)")
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "data"), "--hf-token", "hf_wrong")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "Hugging Face refused the token" in line and "SoccerNet/SN-BAS-2024" in line
    assert "another token" in line and "log in" not in line and "hf_wrong" not in result.output


def test_local_permission_error_is_not_taken_for_a_hub_refusal(tmp_path, fake_hub):
    fake_hub.fail_with = PermissionError(13, "Permission denied", "/somewhere/valid.zip")
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "could not download valid.zip of spotting-ball-2024 (PermissionError: [Errno 13]" in line
    assert "no access" not in line


def test_hugging_face_log_lines_follow_quiet(tmp_path, fake_hub):
    """huggingface_hub logs its retries to stderr through its own handler (bound to the stderr of its import):
    with --json or --quiet they must not appear; otherwise they are shown as ballspot's own log lines."""
    seen: list[str] = []
    recorder = logging.Handler()
    recorder.emit = lambda record: seen.append(record.getMessage())  # stands in for the Hub's stderr handler
    hub_logger = logging.getLogger("huggingface_hub")
    hub_logger.addHandler(recorder)
    fake_hub.hub_warning = "Trying to resume download..."
    try:
        quiet = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "a"), "--json")
        shown = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "b"), env={"BALLSPOT_QUIET": ""})
    finally:
        hub_logger.removeHandler(recorder)
    assert quiet.exit_code == 0 and shown.exit_code == 0, quiet.output + shown.output
    assert seen == []
    assert "Trying to resume" not in quiet.stderr and json.loads(quiet.stdout)["games"]
    assert "Trying to resume download..." in shown.stderr


def test_missing_sdk_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "SoccerNet", None)
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert "pip install 'ballspot[soccernet]'" in one_error_line(result)


def test_unwritable_data_folder(tmp_path, fake_hub):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(blocker / "data"))
    assert result.exit_code == 1
    assert "cannot create folder" in one_error_line(result)
    assert fake_hub.calls == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("-e", "2022"), 2, "'2022' is not one of"),
        (("-s", "val"), 2, "'val' is not one of"),
        (("--source", "ftp"), 2, "'ftp' is not one of"),
        (("-e", "2025", "-s", "test_labels"), 1, "2025 has no test_labels split"),
        (("-e", "2025", "--source", "owncloud"), 1, "only on Hugging Face"),
    ],
)
def test_out_of_range_options(tmp_path, fake_hub, args, code, message):
    result = run_cli(*args, "--data-dir", str(tmp_path / "data"), env={"BALLSPOT_NDA_PASSWORD": PASSWORD})
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    if code == 1:
        one_error_line(result)
    assert fake_hub.calls == []


# --- integration: huggingface_hub's real code against a stand-in Hub (spec §7 option 2) -----------


@pytest.fixture
def isolated_hf(tmp_path, monkeypatch):
    """No stored Hugging Face login and no token in the environment."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf-home" / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "hf-home" / "stored_tokens"))
    for variable in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", *cli_module.TOKEN_VARIABLES,
                     *cli_module.PASSWORD_VARIABLES):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)


def test_standin_hub_gated_repo(tmp_path, monkeypatch, isolated_hf, tiny_mp4):
    import huggingface_hub

    from tests.hub_standin import StandinRepo, hub_standin

    repo = StandinRepo(
        {
            "train.zip": zip_bytes(split_members("train", tiny_mp4), "aes"),
            "ExtraLabelsActionSpotting500games/train_labels.zip": b"not ours",
        },
        gated=True,
        token=TOKEN,
    )
    hub = hub_standin({"SoccerNet/SN-BAS-2025": repo})
    try:
        endpoint_call = functools.partial(huggingface_hub.snapshot_download, endpoint=hub.url)
        monkeypatch.setattr(SoccerNetDownloader, "snapshot_download", endpoint_call)
        data = tmp_path / "data"
        args = ("-e", "2025", "-s", "train", "--data-dir", str(data), "--json")
        refused = run_cli(*args, env={"BALLSPOT_NDA_PASSWORD": PASSWORD})
        assert refused.exit_code == 1
        assert "no access to SoccerNet/SN-BAS-2025 on Hugging Face" in one_error_line(refused)
        assert [auth for _method, _path, auth in hub.requests] == [None]

        result = run_cli(*args, env={"BALLSPOT_NDA_PASSWORD": PASSWORD, "HF_TOKEN": TOKEN})
        assert result.exit_code == 0, result.output
        assert all(auth == f"Bearer {TOKEN}" for _method, _path, auth in hub.requests[1:])
        fetched = [path for method, path, _auth in hub.requests if method == "GET" and "/resolve/" in path]
        assert len(fetched) == 1 and fetched[0].endswith("/train.zip")
        games = json.loads(result.stdout)["games"]
        assert [(g["videos"], g["labels"]) for g in games] == [(["224p.mp4", "720p.mp4"], True)] * 4
        assert TOKEN not in result.output

        seen = len(hub.requests)
        assert run_cli(*args).exit_code == 0  # complete: no password, no token, no request
        assert len(hub.requests) == seen
    finally:
        hub.close()


def test_standin_hub_server_error_and_no_network(tmp_path, monkeypatch, isolated_hf):
    import huggingface_hub

    from tests.hub_standin import StandinRepo, hub_standin

    hub = hub_standin({"SoccerNet/SN-BAS-2024": StandinRepo({"valid.zip": b"x"}, broken=True)})
    data = tmp_path / "data"
    try:
        endpoint_call = functools.partial(huggingface_hub.snapshot_download, endpoint=hub.url)
        monkeypatch.setattr(SoccerNetDownloader, "snapshot_download", endpoint_call)
        result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(data))
        assert result.exit_code == 1
        line = one_error_line(result)
        assert "could not download valid.zip of spotting-ball-2024" in line and "500" in line
        assert "no access" not in line
    finally:
        hub.close()
    # nothing listens on a port that was just freed: the connection is refused
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        free_port = probe_socket.getsockname()[1]
    offline_call = functools.partial(huggingface_hub.snapshot_download, endpoint=f"http://127.0.0.1:{free_port}")
    monkeypatch.setattr(SoccerNetDownloader, "snapshot_download", offline_call)
    result = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(data))
    assert result.exit_code == 1
    assert "check your internet connection" in one_error_line(result)


def test_standin_hub_fault_after_an_earlier_split_is_still_an_error(tmp_path, monkeypatch, isolated_hf):
    """huggingface_hub returns a local_dir that holds anything (here the games and records of an earlier
    split) when the Hub answers an error, as if the download were done: the fault must still be reported."""
    import huggingface_hub

    from tests.hub_standin import StandinRepo, hub_standin

    files = {f"{split}.zip": zip_bytes(split_members(split, b"video")) for split in ("valid", "test")}
    repo = StandinRepo(files)
    hub = hub_standin({"SoccerNet/SN-BAS-2024": repo})
    data = tmp_path / "data"
    try:
        endpoint_call = functools.partial(huggingface_hub.snapshot_download, endpoint=hub.url)
        monkeypatch.setattr(SoccerNetDownloader, "snapshot_download", endpoint_call)
        first = run_cli("-e", "2024", "-s", "valid", "--data-dir", str(data))
        assert first.exit_code == 0, first.output
        repo.broken = True
        result = run_cli("-e", "2024", "-s", "test", "--data-dir", str(data))
        assert result.exit_code == 1
        line = one_error_line(result)
        assert "could not download test.zip of spotting-ball-2024" in line and "500" in line
        repo.broken, repo.gated, repo.token = False, True, TOKEN
        result = run_cli("-e", "2024", "-s", "test", "--data-dir", str(data))
        assert result.exit_code == 1
        assert "no access to SoccerNet/SN-BAS-2024 on Hugging Face" in one_error_line(result)
        # without the Hub's own records of the earlier download, it does not even raise: it only logs
        shutil.rmtree(data / "spotting-ball-2024" / ".cache")
        for broken, gated, message in ((True, False, "500"), (False, True, "no access to SoccerNet/SN-BAS-2024")):
            repo.broken, repo.gated = broken, gated
            result = run_cli("-e", "2024", "-s", "test", "--data-dir", str(data))
            assert result.exit_code == 1
            assert message in one_error_line(result)
    finally:
        hub.close()


# --- integration: the SDK's legacy ownCloud path against a stand-in share (spec §7 option 4) ------


def test_owncloud_wrong_then_right_password(tmp_path, monkeypatch, tiny_mp4):
    import requests

    from tests.hub_standin import owncloud_standin

    def analytics_offline(*args, **kwargs):
        raise requests.ConnectionError("no route to www.google-analytics.com")

    monkeypatch.setattr(SoccerNetDownloader, "report", analytics_offline)
    monkeypatch.setattr(urllib.request, "_opener", None)  # the SDK installs a global opener; undo it after
    share = owncloud_standin({"train.zip": zip_bytes(split_members("train", tiny_mp4))}, "5yhG5AtySHFNU4T", PASSWORD)
    try:
        server = share.url + "/public.php/webdav/"
        data = tmp_path / "data"

        def download(password: str):
            return download_soccernet(
                (2024,), ("train",), data, Credentials(nda_password=password), source="owncloud", owncloud_server=server
            )

        with pytest.raises(BallspotError, match="ownCloud refused train.zip .*401.*NDA password is wrong"):
            download("wrong-guess")
        root = data / "spotting-ball-2024"
        assert not (root / "train.zip").exists() and game_folders(root) == []

        report = download(PASSWORD)
        assert [(g.split, g.videos, g.labels) for g in report.games] == [
            ("train", ("224p.mp4", "720p.mp4"), True)
        ] * len(OFFICIAL_SPLITS["train"])
        assert not (root / "train.zip").exists()
    finally:
        share.close()


@pytest.mark.parametrize("status", [401, 403])
def test_owncloud_refusal_says_the_password_is_wrong_and_how_to_give_it(tmp_path, monkeypatch, status):
    from tests.hub_standin import owncloud_standin

    monkeypatch.setattr(urllib.request, "_opener", None)  # the SDK installs a global opener; undo it after
    share = owncloud_standin({"train.zip": b"unused"}, "5yhG5AtySHFNU4T", PASSWORD, refusal=status)
    try:
        with pytest.raises(BallspotError) as caught:
            download_soccernet((2024,), ("train",), tmp_path / "data", Credentials(nda_password="wrong-guess"),
                               source="owncloud", owncloud_server=share.url + "/public.php/webdav/")  # fmt: skip
    finally:
        share.close()
    message = str(caught.value)
    assert f"ownCloud refused train.zip of spotting-ball-2024 ({status}" in message
    assert "NDA password is wrong" in message and "--password" in message and "BALLSPOT_NDA_PASSWORD" in message
    assert "wrong-guess" not in message


def test_a_zip_left_half_downloaded_is_fetched_again(tmp_path, monkeypatch, tiny_mp4):
    """The SDK's ownCloud path writes the zip in place: a killed run (SIGKILL) leaves part of it there, which the
    SDK then takes for downloaded. The rerun fetches it anew instead of failing on it."""
    from tests.hub_standin import owncloud_standin

    monkeypatch.setattr(SoccerNetDownloader, "report", lambda *args, **kwargs: None)  # no analytics call
    monkeypatch.setattr(urllib.request, "_opener", None)  # the SDK installs a global opener; undo it after
    whole = zip_bytes(split_members("train", tiny_mp4))
    share = owncloud_standin({"train.zip": whole}, "5yhG5AtySHFNU4T", PASSWORD)
    root = tmp_path / "data" / "spotting-ball-2024"
    root.mkdir(parents=True)
    (root / "train.zip").write_bytes(whole[: len(whole) // 2])
    try:
        report = download_soccernet((2024,), ("train",), tmp_path / "data", Credentials(nda_password=PASSWORD),
                                    source="owncloud", owncloud_server=share.url + "/public.php/webdav/")  # fmt: skip
    finally:
        share.close()
    _method, path, auth = share.requests[-1]
    assert path == "/public.php/webdav/train.zip" and auth is not None  # downloaded again, with the password
    assert all(g.videos and g.labels for g in report.games) and len(game_folders(root)) == len(report.games)
    assert not (root / "train.zip").exists()
