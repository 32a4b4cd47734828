"""`python -m benchmarks.run [--quick] [--only SUITE ...] [--out DIR]`: run suites, write JSON, report.

Suites: mc (Monte Carlo throughput), numba (the JAX kernel against the Numba
comparator, benchmarks/numba_port.py), roofline (machine peaks and the kernel's
place under them), lp (LP build/solve scaling), e2e (default study stage
times), devices (CPU device-count scaling in subprocesses). Each writes
`<out>/<suite>.json` atomically; the report `REPORT.md` (beside `<out>`) and its
figures are then regenerated from all JSON files present.

As an entry point it sets XLA's flags (a CPU device per core, fast math;
`planner.mc.devices.configure_devices`) before any suite starts JAX.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results"
ORDER = ("roofline", "mc", "numba", "lp", "e2e", "devices")
# Seconds each suite may take in a full run (total ~ 40 min on a 2-core machine).
FULL_BUDGET = {"roofline": 30, "mc": 900, "numba": 400, "lp": 1100, "e2e": 120, "devices": 150}
QUICK_BUDGET = {"roofline": 10, "mc": 40, "numba": 40, "lp": 20, "e2e": 20, "devices": 20}


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test, < 60 s)")
    ap.add_argument("--only", nargs="+", choices=ORDER, help="run only these suites")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="folder for the JSON results")
    ap.add_argument(
        "--report", default=None, help="report path (default: REPORT.md beside the results folder)"
    )
    ap.add_argument("--no-report", action="store_true", help="write JSON only")
    ap.add_argument(
        "--reuse-plan",
        action="store_true",
        help="mc: time the plan cached in <out>/.cache (under six hours old) instead of solving",
    )
    ap.add_argument(
        "--budget-scale",
        type=float,
        default=1.0,
        help="multiply every suite's time budget (e.g. 2 on a slow or busy machine)",
    )
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from benchmarks.progress import Clock
    from planner.mc.devices import configure_devices

    configure_devices()

    suites = args.only or list(ORDER)
    base = QUICK_BUDGET if args.quick else FULL_BUDGET
    budgets = {s: b * args.budget_scale for s, b in base.items()}
    clock = Clock(sum(budgets[s] for s in suites))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = []
    for suite in suites:
        clock.log(suite, f"start (budget {budgets[suite]} s)")
        try:
            run_suite(suite, out, clock, args.quick, budgets[suite], args.reuse_plan)
        except Exception:  # one broken suite must not lose the others' results
            failed.append(suite)
            traceback.print_exc()
            clock.log(suite, "FAILED (traceback above); continuing")
        clock.log(suite, "done")
    if not args.no_report:
        from benchmarks.report import write_report

        path = write_report(out, report_path(out, args.report))
        clock.log("report", f"wrote {path}")
    if failed:
        print(f"benchmark suites failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


def report_path(out: Path, report: str | None) -> Path:
    if report:
        return Path(report)
    return out.parent / "REPORT.md"


def run_suite(suite: str, out: Path, clock, quick: bool, budget: float, reuse_plan: bool = False):
    if suite == "mc":
        from benchmarks import mc

        sizes = mc.QUICK if quick else mc.FULL
        sizes.budget_seconds = budget
        return mc.run(out, clock, quick, sizes, reuse_plan=reuse_plan)
    if suite == "numba":
        from benchmarks import numba_suite

        return numba_suite.run(out, clock, quick)
    if suite == "roofline":
        from benchmarks import roofline

        return roofline.run(out, clock, quick)
    if suite == "lp":
        from benchmarks import lp

        return lp.run(out, clock, quick, budget)
    if suite == "e2e":
        from benchmarks import e2e

        return e2e.run(out, clock, quick)
    if suite == "devices":
        from benchmarks import devices

        return devices.run(out, clock, quick, budget)
    raise ValueError(suite)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
