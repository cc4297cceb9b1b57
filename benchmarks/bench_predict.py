"""Predict throughput and memory: frames/s, real-time factor, decode vs model time, peak RSS over video length.

    python benchmarks/bench_predict.py                                   # default model, 10 min; 5 and 20 min
    python benchmarks/bench_predict.py --device cuda --batch-size 32
    python benchmarks/bench_predict.py --minutes 2 --memory-minutes      # quicker: no memory runs
    python benchmarks/bench_predict.py --backbone mobilenetv3_small_050 --memory-minutes 5 20

Builds a 224p video (a 1-minute synthetic game from `ballspot.synthetic` looped to length, or ffmpeg's
testsrc2 with `--source testsrc`), an untrained checkpoint of the default model configuration (only
`--backbone` changed) saved the way `ballspot train` saves one, then runs `predict_video` in a fresh child
process per video so each peak RSS is that run's own:

- throughput (`--minutes`): frames/s at 25 fps, real-time factor, and where the time goes: inside the
  network (encoder + head, timed around the calls) against everything else (waiting for ffmpeg, stacking,
  post-processing); a separate decode-only pass over the same video gives ffmpeg's own speed;
- memory (`--memory-minutes`): peak RSS of the Python process and of ffmpeg for each length. Streaming
  keeps them flat; holding the decoded frames would grow by the last column.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_common import Clock, non_negative_float, positive_float, positive_int, require_device, save_untrained

FPS = 25


def make_base(folder: Path, source: str) -> Path:
    """A 1-minute 224p video: a synthetic game when that generator is installed, else testsrc2."""
    if source == "synthetic":
        try:
            from ballspot.synthetic.league import generate_league
        except ImportError:
            source = "testsrc"
            print("ballspot.synthetic is not available: using ffmpeg's testsrc2", file=sys.stderr)
        else:
            (game,) = generate_league(folder / "league", games=1, minutes=1.0, seed=0, progress=False)
            return folder / "league" / game / "224p.mp4"
    base = folder / "base.mp4"
    pattern = f"testsrc2=size=398x224:rate={FPS}:duration=60"
    ffmpeg("-f", "lavfi", "-i", pattern, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(base))
    return base


def ffmpeg(*args: str) -> None:
    from ballspot.video.ffmpeg_bin import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def looped(base: Path, minutes: float, folder: Path) -> Path:
    """`base` repeated to `minutes` long, stream-copied (no re-encoding, same content statistics)."""
    out = folder / f"video-{minutes:g}min.mp4"
    if not out.is_file():
        ffmpeg("-stream_loop", "-1", "-i", str(base), "-t", f"{minutes * 60:.3f}", "-c", "copy", str(out))
    return out


def make_checkpoint(path: Path, backbone: str) -> dict:
    """An untrained spotter of the default configuration, saved through the trainer's checkpoint writer."""
    from ballspot.engine.config import TrainConfig

    config = save_untrained(path, TrainConfig(backbone=backbone, task="spot"))
    return {k: config.to_dict()[k] for k in ("backbone", "height", "width", "frames", "stride", "stack_size")}


def child(video: Path, weights: Path, device: str, batch_size: int, decode_pass: bool) -> dict:
    """One measured run, in its own process: decode-only pass (optional), then predict_video."""
    import torch

    from ballspot.predict.api import load_spotter, predict_video
    from ballspot.predict.spotter import sampled_frames
    from ballspot.video.probe import probe

    result: dict = {"video_s": round(probe(video).duration_s, 2)}
    spotter = load_spotter(weights, device)
    result["rss_after_load_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    watcher = FfmpegMemory()
    if decode_pass:
        frames = 0
        with Clock() as clock:
            for _, decoded in sampled_frames(video, spotter.config):
                frames = decoded
        result["decode_only_s"] = round(clock.wall_s, 2)
        result["decode_only_cpu_s"] = round(clock.cpu_s, 2)
        result["decode_only_fps"] = round(frames / result["decode_only_s"], 1)
    model_s = [0.0]
    sync = torch.cuda.synchronize if spotter.device.type == "cuda" else (lambda: None)

    def timed(call):
        def wrapper(*args, **kwargs):
            sync()
            started = time.perf_counter()
            out = call(*args, **kwargs)
            sync()
            model_s[0] += time.perf_counter() - started
            return out

        return wrapper

    spotter.model.encode = timed(spotter.model.encode)
    spotter.model.head = timed(spotter.model.head)
    decoded = [0]
    with Clock() as clock:
        events = sum(
            1
            for _ in predict_video(
                video, spotter, batch_size=batch_size, on_progress=lambda d, t: decoded.__setitem__(0, d)
            )
        )
    total = clock.wall_s
    result.update(
        frames=decoded[0],
        events=events,
        wall_s=round(total, 2),
        cpu_s=round(clock.cpu_s, 2),
        model_s=round(model_s[0], 2),
        other_s=round(total - model_s[0], 2),
        fps=round(decoded[0] / total, 1),
        realtime_x=round(decoded[0] / FPS / total, 2),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        ffmpeg_peak_rss_mb=watcher.stop(),
    )
    if spotter.device.type == "cuda":
        result["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return result


class FfmpegMemory:
    """Peak RSS (VmHWM) of this process's ffmpeg children, polled from /proc (Linux; None elsewhere).

    `RUSAGE_CHILDREN` would not do: a forked child counts the parent's pages until it execs ffmpeg.
    """

    def __init__(self, every_s: float = 0.2) -> None:
        self.peak_kb: int | None = None
        self.every_s = every_s
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        if Path("/proc/self/status").is_file():
            self.thread.start()

    def _poll(self) -> None:
        me = str(os.getpid())
        while not self.done.wait(self.every_s):
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    fields = dict(
                        line.split(":", 1)
                        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                        if ":" in line
                    )
                except OSError:
                    continue
                if fields.get("PPid", "").strip() == me and fields.get("Name", "").strip().startswith("ffmpeg"):
                    hwm = int(fields.get("VmHWM", "0 kB").split()[0])
                    self.peak_kb = max(self.peak_kb or 0, hwm)

    def stop(self) -> float | None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()
        return None if self.peak_kb is None else round(self.peak_kb / 1024, 1)


def run_child(video: Path, weights: Path, args, decode_pass: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(video), str(weights), "--device", args.device]
    command += ["--batch-size", str(args.batch_size)] + (["--decode-pass"] if decode_pass else [])
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "BALLSPOT_QUIET": "1"})
    if done.returncode != 0:
        raise SystemExit(f"child run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--minutes", type=non_negative_float, default=10.0, help="length of the throughput video (0: no throughput run)"
    )
    parser.add_argument(
        "--memory-minutes", type=positive_float, nargs="*", default=[5.0, 20.0], help="lengths for peak RSS"
    )
    parser.add_argument("--backbone", default="tf_efficientnetv2_b0", help="timm backbone of the throughput run")
    parser.add_argument("--memory-backbone", default=None, help="backbone of the memory runs (default: --backbone)")
    parser.add_argument(
        "--batch-size", type=positive_int, default=8, help="stacks encoded per batch (predict's default)"
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument("--source", choices=("synthetic", "testsrc"), default="synthetic")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("VIDEO", "WEIGHTS"), help=argparse.SUPPRESS)
    parser.add_argument("--decode-pass", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(
            json.dumps(child(Path(args.child[0]), Path(args.child[1]), args.device, args.batch_size, args.decode_pass))
        )
        return

    import torch

    require_device(args.device)
    results: dict = {"device": args.device, "threads": torch.get_num_threads(), "batch_size": args.batch_size}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        base = make_base(folder, args.source)
        results["source"] = args.source if "league" in str(base) else "testsrc"
        results["video_setup_s"] = round(time.perf_counter() - started, 1)
        if args.minutes > 0:
            weights = folder / "throughput.pt"
            results["model"] = make_checkpoint(weights, args.backbone)
            results["throughput"] = run_child(looped(base, args.minutes, folder), weights, args, decode_pass=True)
        if args.memory_minutes:
            backbone = args.memory_backbone or args.backbone
            weights = folder / "memory.pt"
            make_checkpoint(weights, backbone)
            frame_mb = 224 * 398 / 2**20
            memory = {"backbone": backbone, "runs": []}
            for minutes in args.memory_minutes:
                run = run_child(looped(base, minutes, folder), weights, args, decode_pass=False)
                run["minutes"] = minutes
                run["all_frames_grey_mb"] = round(run["frames"] * frame_mb, 1)
                memory["runs"].append(run)
            peaks = [r["peak_rss_mb"] for r in memory["runs"]]
            memory["peak_rss_ratio_longest_over_shortest"] = round(peaks[-1] / peaks[0], 3)
            results["memory"] = memory
    if args.json:
        print(json.dumps(results))
        return
    report(results)


def report(results: dict) -> None:
    print(f"device {results['device']}, {results['threads']} threads, batch {results['batch_size']} stacks, "
          f"video: {results['source']} (set-up {results['video_setup_s']} s)")  # fmt: skip
    if "throughput" in results:
        t, m = results["throughput"], results["model"]
        print(f"\nthroughput, {m['backbone']} at {m['height']}x{m['width']}, {m['frames']} frames x stride "
              f"{m['stride']}, video {t['video_s'] / 60:.1f} min ({t['frames']} frames at {FPS} fps)")  # fmt: skip
        print(f"  {t['fps']} frames/s = {t['realtime_x']}x real time; wall {t['wall_s']} s, CPU {t['cpu_s']} s")
        share = 100 * t["model_s"] / t["wall_s"]
        print(f"  network (encoder + head) {t['model_s']} s ({share:.0f}%), rest {t['other_s']} s ({100 - share:.0f}%)")
        print(f"  decode-only pass: {t['decode_only_s']} s = {t['decode_only_fps']} frames/s, "
              f"CPU {t['decode_only_cpu_s']} s")  # fmt: skip
        if "peak_gpu_memory_mb" in t:
            print(f"  peak GPU memory {t['peak_gpu_memory_mb']} MB")
        print(f"  peak RSS {t['peak_rss_mb']} MB ({t['rss_after_load_mb']} MB once the model is loaded; ffmpeg "
              f"{t['ffmpeg_peak_rss_mb']} MB), {t['events']} candidates")  # fmt: skip
    if "memory" in results:
        m = results["memory"]
        print(f"\npeak memory, {m['backbone']}")
        print(f"  {'minutes':>7} {'frames':>7} {'wall s':>7} {'CPU s':>7} {'frames/s':>8} {'loaded MB':>9} "
              f"{'peak RSS MB':>11} {'ffmpeg MB':>9} {'all frames MB':>13}")  # fmt: skip
        for r in m["runs"]:
            print(f"  {r['minutes']:>7g} {r['frames']:>7} {r['wall_s']:>7} {r['cpu_s']:>7} {r['fps']:>8} "
                  f"{r['rss_after_load_mb']:>9} {r['peak_rss_mb']:>11} {r['ffmpeg_peak_rss_mb']!s:>9} "
                  f"{r['all_frames_grey_mb']:>13}")  # fmt: skip
        print(f"  peak RSS, longest / shortest: {m['peak_rss_ratio_longest_over_shortest']}")


if __name__ == "__main__":
    main()
