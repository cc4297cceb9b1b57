"""Live delay of `predict --follow`: seconds from an event's frame leaving ffmpeg to the event's JSON line.

    python benchmarks/bench_live.py                          # untrained default model, 60 s stream, CPU
    python benchmarks/bench_live.py --batch-size 8 --seconds 120
    python benchmarks/bench_live.py --model runs/x/weights/best.pt --device cuda

An ffmpeg paced at real time (`-re`) sends an MPEG-TS stream of a 224p test video (testsrc2, x264 without
B-frames) to its stdout; this script forwards it to `ballspot predict - --follow` and notes, for every
video frame (a PES packet with its PTS), the moment it came out of ffmpeg. For each JSON line, the delay is
its arrival time minus the moment the frame at the event's position left ffmpeg. `--event-threshold 0`
prints every candidate, so an untrained model gives as many events as a trained one would. Events that only
became final because the stream ended are reported apart. Prints the delays (median, 90th percentile, max),
the bound predict logs, and the wall and CPU time of the follower.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_common import positive_float, positive_int, require_device

FPS = 25
TS_PACKET = 188


def make_stream(path: Path, seconds: float) -> Path:
    from ballspot.video.ffmpeg_bin import ffmpeg_exe

    source = f"testsrc2=size=398x224:rate={FPS}:duration={seconds}"
    encode = ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", str(FPS), "-pix_fmt", "yuv420p"]
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, *encode]
    subprocess.run([*command, "-f", "mpegts", str(path)], check=True)
    return path


def video_pts(packet: bytes) -> int | None:
    """The PTS (90 kHz) of a video PES starting in this TS packet, else None."""
    if packet[0] != 0x47 or not packet[1] & 0x40:
        return None
    offset = 4
    if (packet[3] >> 4) & 2:
        offset += 1 + packet[4]
    pes = packet[offset:]
    if len(pes) < 14 or pes[:3] != b"\x00\x00\x01" or not 0xE0 <= pes[3] <= 0xEF or not pes[7] & 0x80:
        return None
    b = pes[9:14]
    return ((b[0] >> 1) & 7) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1


def forward(source, sink, left_ffmpeg: dict[int, float]) -> None:
    """Copy the stream to the follower, noting when each video frame (by PTS) came out of ffmpeg."""
    pending = b""
    while block := source.read1(1 << 16):
        now = time.perf_counter()
        pending += block
        whole = len(pending) - len(pending) % TS_PACKET
        for start in range(0, whole, TS_PACKET):
            pts = video_pts(pending[start : start + TS_PACKET])
            if pts is not None:
                left_ffmpeg.setdefault(pts, now)
        sink.write(pending[:whole])
        sink.flush()
        pending = pending[whole:]
    sink.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="weights (default: an untrained checkpoint of the default configuration)")
    parser.add_argument("--backbone", default="tf_efficientnetv2_b0", help="backbone of the untrained checkpoint")
    parser.add_argument("--seconds", type=positive_float, default=60.0, help="stream length")
    parser.add_argument("--batch-size", type=positive_int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    require_device(args.device)
    from ballspot.video.ffmpeg_bin import ffmpeg_exe

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = args.model
        if model is None:
            from bench_predict import make_checkpoint

            model = str(folder / "best.pt")
            make_checkpoint(Path(model), args.backbone)
        stream = make_stream(folder / "stream.ts", args.seconds)
        pacer = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-re", "-i", str(stream), "-c", "copy"]
        pacer += ["-f", "mpegts", "-flush_packets", "1", "pipe:1"]
        follower = [sys.executable, "-m", "ballspot", "predict", "-", "--follow", "-m", model]
        follower += ["--event-threshold", "0", "--device", args.device, "--batch-size", str(args.batch_size)]
        left_ffmpeg: dict[int, float] = {}
        started = time.perf_counter()
        follow = subprocess.Popen(follower, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # the follower loads its model first; the stream starts once it logs its bound (it is ready to read)
        log = []
        for raw in follow.stderr:
            log.append(raw.decode().strip())
            if "compute time" in log[-1]:
                break
        else:  # the follower ended before it was ready: say why in one line
            follow.wait()
            sys.exit(f"error: predict --follow failed: {log[-1] if log else f'exit status {follow.returncode}'}")
        bound = " ".join(log)
        threading.Thread(target=follow.stderr.read, daemon=True).start()
        server = subprocess.Popen(pacer, stdout=subprocess.PIPE)
        copier = threading.Thread(target=forward, args=(server.stdout, follow.stdin, left_ffmpeg), daemon=True)
        copier.start()
        arrivals = [(time.perf_counter(), json.loads(line)) for line in follow.stdout]
        stream_end = max(left_ffmpeg.values())
        follow.wait()
        server.wait()
        wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    first_pts = min(left_ffmpeg)
    live, at_end = [], []
    for arrived, event in arrivals:
        pts = first_pts + round(event["position"] * 90)
        nearest = min(left_ffmpeg, key=lambda p: abs(p - pts))
        delay = arrived - left_ffmpeg[nearest]
        (live if arrived < stream_end else at_end).append(delay)
    print(
        f"stream {args.seconds:.0f} s at {FPS} fps, model {Path(model).name} ({args.backbone}), device "
        f"{args.device}, batch size {args.batch_size}"
    )
    print(f"follower: {bound}")
    if live:
        ordered = sorted(live)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        print(
            f"events printed while streaming: {len(live)}; delay median {statistics.median(live):.2f} s, "
            f"90th percentile {p90:.2f} s, max {max(live):.2f} s"
        )
    print(f"events printed after the stream ended (final because it ended): {len(at_end)}")
    print(
        f"wall {wall:.1f} s (includes model loading), CPU of ffmpeg + follower {usage.ru_utime + usage.ru_stime:.1f} s"
    )


if __name__ == "__main__":
    main()
