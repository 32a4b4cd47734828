"""The result file of one suite: what ran, on what, and its measurements.

One JSON file per suite (`mc.json`, `numba.json`, `lp.json`, `e2e.json`, `devices.json`,
`roofline.json`), written atomically. Layout (schema `planner-bench/1`):

    {"schema", "suite", "quick", "started", "finished", "wall_seconds",
     "machine": {...}, "versions": {...},
     "config": {sizes and budgets asked for},
     "records": [{one measurement}, ...],
     "skipped": [{"case": ..., "reason": ...}, ...],
     "notes": ["what a reader must know", ...]}
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.machine import machine_info, now_iso, versions
from planner.io import write_json

SCHEMA = "planner-bench/1"
SUITES = ("mc", "numba", "roofline", "lp", "e2e", "devices")
REQUIRED_KEYS = ("schema", "suite", "machine", "versions", "started", "records", "notes")


@dataclass
class SuiteResult:
    """Collects one suite's records; `write` stamps machine, versions and times."""

    suite: str
    quick: bool = False
    config: dict = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: str = field(default_factory=now_iso)
    _t0: float = field(default_factory=time.perf_counter)

    def add(self, **record) -> dict:
        self.records.append(record)
        return record

    def skip(self, case: str, reason: str) -> None:
        self.skipped.append({"case": case, "reason": reason})

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def as_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "suite": self.suite,
            "quick": self.quick,
            "started": self.started,
            "finished": now_iso(),
            "wall_seconds": round(time.perf_counter() - self._t0, 3),
            "machine": machine_info(),
            "versions": versions(),
            "config": self.config,
            "records": self.records,
            "skipped": self.skipped,
            "notes": self.notes,
        }

    def write(self, out_dir: str | Path) -> Path:
        """Write `<out_dir>/<suite>.json` atomically, replacing an older result."""
        return write_json(self.as_dict(), Path(out_dir) / f"{self.suite}.json", overwrite=True)


def load_results(out_dir: str | Path) -> dict[str, dict]:
    """Every well-formed suite file in `out_dir`, keyed by suite name."""
    found: dict[str, dict] = {}
    for suite in SUITES:
        path = Path(out_dir) / f"{suite}.json"
        if path.exists():
            data = json.loads(path.read_text())
            check_result(data)
            found[suite] = data
    return found


def check_result(data: dict) -> None:
    """Raise ValueError if `data` is not a suite result of this schema."""
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ValueError(f"benchmark result lacks {missing}")
    if data["schema"] != SCHEMA:
        raise ValueError(f"benchmark result schema {data['schema']!r}, expected {SCHEMA!r}")
    if not isinstance(data["records"], list):
        raise ValueError("benchmark result: records must be a list")
