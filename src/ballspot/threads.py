"""How many CPU threads the network may use, and how idle threads wait.

The default is the number of CPUs this process may run on (its CPU affinity, which a container, `taskset`
or a batch scheduler sets), not the number the machine has. Idle OpenMP threads sleep instead of spinning:
with another busy process on the same cores, spinning threads burn the CPU time the others need while
waiting at every barrier (measured with benchmarks/bench_threads.py, table in docs/predict.md).
"""

from __future__ import annotations

import os

WAIT_POLICY = "OMP_WAIT_POLICY"


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS has one, else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def passive_waiting() -> None:
    """Make OpenMP's idle threads sleep rather than spin, unless the user chose a policy.

    OpenMP reads the variable once, when torch first loads it, so this must run before `import torch`:
    importing the `ballspot.cli` package calls it, before any command module is imported.
    """
    os.environ.setdefault(WAIT_POLICY, "PASSIVE")


def use_threads(threads: int | None = None) -> int:
    """Give torch `threads` intra-op threads (default: the CPUs this process may use); returns the number."""
    import torch

    count = threads or available_cpus()
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count
