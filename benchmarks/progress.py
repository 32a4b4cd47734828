"""Progress log and time budget for an unattended benchmark run.

Each line shows elapsed time against the whole run's budget, so a lead
watching `make bench` sees where it is and what is left.
"""

from __future__ import annotations

import sys
import time


class Clock:
    """Wall-clock budget shared by all suites of one run."""

    def __init__(self, budget_seconds: float) -> None:
        self.t0 = time.perf_counter()
        self.budget = budget_seconds

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    @property
    def left(self) -> float:
        return self.budget - self.elapsed

    def log(self, suite: str, message: str) -> None:
        el = self.elapsed
        frac = min(el / self.budget, 1.0) if self.budget > 0 else 0.0
        bar = "#" * int(20 * frac) + "." * (20 - int(20 * frac))
        print(
            f"[{_mmss(el)} / {_mmss(self.budget)} {bar}] {suite:8s} {message}",
            file=sys.stderr,
            flush=True,
        )


class Budget:
    """A suite's own slice of time: `fits(estimate)` says whether a case can still run."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        self.clock = clock
        self.t0 = time.perf_counter()
        self.seconds = seconds

    @property
    def left(self) -> float:
        return self.seconds - (time.perf_counter() - self.t0)

    def fits(self, estimate_seconds: float) -> bool:
        return estimate_seconds <= self.left


def _mmss(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
