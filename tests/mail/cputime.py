"""Time limits measured as this process's CPU time (``time.process_time``), not wall time.

The limits guard against runaway work (quadratic regexes, unbounded MIME trees): that work
is CPU spent by this process, and it counts in full however busy the machine is. Wall time
also counts the time other processes held the CPU, so on a shared machine at load 10 a
0.5 s parse could take 3 s of wall time and fail for no fault of its own. Time spent waiting
(disk, a database server) is not counted; what these tests bound is our own computation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def cpu_seconds(action: Callable[[], Any]) -> float:
    """CPU seconds this process spent running ``action()``."""
    start = time.process_time()
    action()
    return time.process_time() - start


class CpuTimer:
    """``with CpuTimer() as timer: ...`` then ``timer.seconds``."""

    seconds: float = 0.0

    def __enter__(self) -> CpuTimer:
        self._start = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.process_time() - self._start
