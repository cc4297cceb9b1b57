"""Run the bad-input corpus (tests/bad_inputs.py) and print, per command: cases, clear one-line errors,
tracebacks, silent acceptances and other failures, with wall and CPU time.

    python benchmarks/bad_inputs.py [--verbose] [--slowest N] [--only COMMAND] [--skip COMMAND]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench_common import Clock, non_negative_int

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bad_inputs import CASES, Kit, counts, run_case  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every case that is not a clear error")
    parser.add_argument("--slowest", type=non_negative_int, default=0, help="print the N slowest cases")
    parser.add_argument("--only", help="run the cases of one command")
    parser.add_argument("--skip", action="append", default=[], help="leave out a command's cases (repeatable)")
    args = parser.parse_args()
    os.environ.setdefault("BALLSPOT_QUIET", "1")
    os.environ.pop("BALLSPOT_DEBUG", None)
    outcomes, times = {}, {}
    with Clock() as clock, tempfile.TemporaryDirectory() as tmp:
        for variable in ("DATA", "CACHE", "RUNS", "STUDIES"):
            os.environ[f"BALLSPOT_{variable}_DIR"] = str(Path(tmp) / variable.lower())
        kit = Kit(Path(tmp) / "kit")
        for case in CASES:
            if (args.only and case.command != args.only) or case.command in args.skip:
                continue
            start = time.perf_counter()
            outcomes[case.id] = run_case(case, kit)
            times[case.id] = time.perf_counter() - start
            if args.verbose and outcomes[case.id].kind != "clear":
                print(f"{case.id}: {outcomes[case.id].kind}: {outcomes[case.id].detail}", file=sys.stderr)
    table = counts(outcomes)
    columns = ("cases", "clear", "traceback", "accepted", "other")
    print(f"{'command':<20}" + "".join(f"{c:>11}" for c in columns))
    for command, row in table.items():
        print(f"{command:<20}" + "".join(f"{row[c]:>11}" for c in columns))
    total = {c: sum(row[c] for row in table.values()) for c in columns}
    print(f"{'all':<20}" + "".join(f"{total[c]:>11}" for c in columns))
    print(f"wall {clock.wall_s:.1f} s, CPU {clock.cpu_s:.1f} s (this process and its finished children)")
    for case_id, seconds in sorted(times.items(), key=lambda item: -item[1])[: args.slowest]:
        print(f"  {seconds:6.2f} s  {case_id}")


if __name__ == "__main__":
    main()
