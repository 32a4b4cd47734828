"""The same config and seed give the same numbers as the stored runs (made before the refactor of #10).

`data/*.summary.json` are summary.json files of toy runs (first written before #10
moved the study pipeline into the library; rewritten after #11 (exports, scores on total load, rescaled days, linked storage) and #13 (observed data) changed the numbers on purpose, and twice after #18 (XLA's multi-output fusion, then the metric sums run hour by hour in
the kernel's hour loop: the Monte Carlo's float32 rounding, Risk numbers moved by about 1e-7
relative; the plan did not move); rewrite them with
`python -m tests.app.regen_stored`), with the settings, wall
times and Monte Carlo seconds taken out. Each run is repeated as a user types
it and every number compared.
"""

import json
import math
from pathlib import Path

import pytest

from tests.app.test_run import run_planner

DATA = Path(__file__).parent / "data"
RUNS = {
    "toy_quick": ("scenario=toy", "montecarlo=quick"),
    "toy_quick_re100_high": (
        "scenario=toy",
        "montecarlo=quick",
        "policy=annual_re100",
        "demand=high",
    ),
}
NOT_COMPARED = ("settings", "seconds", "solve_seconds")


def differences(stored, new, path: str = "") -> list[str]:
    """Every place where `new` differs from `stored` (numbers within 1e-9 relative)."""
    if isinstance(stored, dict):
        if not isinstance(new, dict):
            return [f"{path}: {new!r} is not a table"]
        out = [f"{path}.{k}: missing" for k in stored if k not in new]
        out += [f"{path}.{k}: new key" for k in new if k not in stored]
        for k in stored:
            if k in new:
                out += differences(stored[k], new[k], f"{path}.{k}")
        return out
    if isinstance(stored, list):
        if not isinstance(new, list) or len(new) != len(stored):
            return [f"{path}: {new!r} != {stored!r}"]
        return [
            d
            for i, (a, b) in enumerate(zip(stored, new, strict=True))
            for d in differences(a, b, f"{path}[{i}]")
        ]
    if isinstance(stored, float) or isinstance(new, float):
        if isinstance(stored, bool) or isinstance(new, bool):
            return [] if stored == new else [f"{path}: {new!r} != {stored!r}"]
        if math.isnan(stored) and math.isnan(new):
            return []
        ok = math.isclose(new, stored, rel_tol=1e-9, abs_tol=1e-9)
        return [] if ok else [f"{path}: {new!r} != {stored!r}"]
    return [] if stored == new else [f"{path}: {new!r} != {stored!r}"]


def comparable(summary: dict) -> dict:
    """`summary` (a run's summary.json) without what is not compared: settings, times."""
    for key in NOT_COMPARED:
        summary.pop(key, None)
    summary.get("monte_carlo", {}).pop("seconds", None)
    return summary


def test_differences_finds_a_changed_number():
    stored = {"a": 1.0, "b": [1, "x"], "c": {"d": 2.5}}
    assert differences(stored, json.loads(json.dumps(stored))) == []
    assert differences(stored, {"a": 1.0 + 1e-6, "b": [1, "x"], "c": {"d": 2.5}}) == [
        ".a: 1.000001 != 1.0"
    ]
    assert differences(stored, {"a": 1.0, "b": [1, "y"], "c": {}}) == [
        ".b[1]: 'y' != 'x'",
        ".c.d: missing",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RUNS))
def test_toy_run_gives_the_stored_numbers(name, tmp_path):
    run_dir = tmp_path / "run"
    proc = run_planner(*RUNS[name], f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    new = comparable(json.loads((run_dir / "summary.json").read_text()))
    stored = json.loads((DATA / f"{name}.summary.json").read_text())
    assert differences(stored, new) == []
