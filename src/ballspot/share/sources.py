"""What `--model` accepts, resolved to a local checkpoint file.

- a checkpoint file (`best.pt`), or a run folder (its `weights/best.pt`);
- a model folder written by `ballspot export --format hf` (or a Hub snapshot of one);
- `hf-hub:org/name` (optionally `@revision`): downloaded through huggingface_hub into its own cache;
- an http(s) URL of a checkpoint, downloaded once into ballspot's cache, checked against a sha256 given as
  `URL#sha256=<hex>` or separately.
"""

from __future__ import annotations

from pathlib import Path

from ballspot.errors import BallspotError
from ballspot.inputfiles import require_file
from ballspot.paths import expand_user
from ballspot.share.download import cached_download, check_sha256, split_sha256
from ballspot.share.model_folder import CONFIG_FILE, WEIGHTS_FILE, folder_checkpoint, is_model_folder

HUB_PREFIX = "hf-hub:"
MODEL_HELP = (
    "Weights: a checkpoint (best.pt), a run folder, an exported model folder, hf-hub:ORG/NAME\\[@REVISION], "
    "or an http(s) URL (URL#sha256=HEX checks it)."
)


def models_cache() -> Path:
    """Where downloaded and converted models live (under ballspot's cache folder; safe to delete)."""
    from ballspot import paths

    return paths.cache_dir() / "models"


def resolve_model(spec: str | Path, sha256: str | None = None) -> Path:
    """A local checkpoint path for a `--model` value; downloads and conversions happen once, into caches."""
    text = str(spec)
    if not text.strip():  # an unset $MODEL: not the current folder, not the newest run
        raise BallspotError(
            "empty model path or address: give a checkpoint file, a run or model folder, hf-hub:ORG/NAME or a URL"
        )
    expected = check_sha256(sha256) if sha256 is not None else None  # --sha256 "" is an error, not no check
    if text.startswith(HUB_PREFIX):
        _refuse_sha(expected, "hf-hub: models", "the Hub checks its own files")
        folder = hub_snapshot(text[len(HUB_PREFIX) :])
        return folder_checkpoint(folder, models_cache() / "converted", text)
    if text.startswith(("http://", "https://")):
        url, in_url = split_sha256(text)
        if in_url and expected and in_url != expected:
            raise BallspotError("two different sha256 values: one in the URL, one in --sha256")
        return cached_download(url, models_cache() / "downloads", in_url or expected, _checkpoint_check(url))
    if "://" in text:
        raise BallspotError(f"unsupported model address {text}: use a path, hf-hub:ORG/NAME or an http(s) URL")
    path = expand_user(text)
    if expected:
        from ballspot.digests import file_sha256

        got = file_sha256(path) if path.is_file() else expected
        if got != expected:
            raise BallspotError(f"sha256 mismatch for {path}: expected {expected}, the file has {got}")
    if path.is_dir():
        _refuse_sha(expected, f"a folder ({path})", "it checks one file; give the checkpoint file (weights/best.pt)")
        if is_model_folder(path):
            return folder_checkpoint(path, models_cache() / "converted", str(path))
        best = path / "weights" / "best.pt"
        if (path / "weights").is_dir() or best.is_symlink():  # a run folder: its best.pt missing or no file
            require_file(best, "weights file")
            return best
        if (path / CONFIG_FILE).exists() or (path / WEIGHTS_FILE).exists():  # a damaged model folder: say how
            return folder_checkpoint(path, models_cache() / "converted", str(path))
        from ballspot.export.onnx import TORCHSCRIPT_MANIFEST, is_onnx_folder

        if is_onnx_folder(path):  # predict reads it (ONNX Runtime) before it comes here; nothing converts it back
            raise BallspotError(
                f"{path} is an ONNX export, which only `ballspot predict --model` reads; give the checkpoint it was "
                "exported from (weights/best.pt), its run folder or an hf export"
            )
        if (path / TORCHSCRIPT_MANIFEST).is_file():
            raise BallspotError(
                f"{path} is a TorchScript export, for torch.jit.load outside ballspot; give the checkpoint it was "
                "exported from (weights/best.pt), its run folder, an hf export or an ONNX export"
            )
        raise BallspotError(f"{path} is not a ballspot model (neither an exported model folder nor a run folder)")
    return path


def _checkpoint_check(url: str):
    def check(path: Path) -> None:
        from ballspot.engine.checkpoint import load_checkpoint

        try:
            load_checkpoint(path)
        except BallspotError as exc:
            reason = str(exc).replace(str(path), "the download")
            raise BallspotError(f"{url} is not a ballspot model ({reason})") from None

    return check


def _refuse_sha(expected: str | None, what: str, why: str) -> None:
    if expected:
        raise BallspotError(f"--sha256 does not apply to {what}: {why}")


def hub_snapshot(repo: str) -> Path:
    """The local snapshot folder of a Hub model repo (`org/name[@revision]`), from huggingface_hub's cache."""
    repo_id, _, revision = repo.partition("@")
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise BallspotError(f"hf-hub: expects ORG/NAME[@REVISION], got {repo!r}")
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError
    except ImportError:
        raise BallspotError("hf-hub: models need huggingface_hub: pip install 'ballspot[hub]'") from None
    try:
        return Path(snapshot_download(repo_id=repo_id, revision=revision or None))
    except RepositoryNotFoundError:
        raise BallspotError(f"hf-hub:{repo}: no such model repository (or it is private: log in first)") from None
    except LocalEntryNotFoundError:
        raise BallspotError(
            f"hf-hub:{repo}: not in the local Hub cache and the Hub cannot be reached (offline?)"
        ) from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise BallspotError(f"hf-hub:{repo}: {str(exc).splitlines()[0]}") from None
