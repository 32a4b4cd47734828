"""`python -m benchmarks.report [--results DIR] [--out REPORT.md]`: the report from result JSON alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.report import write_report

BENCHMARKS = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    ap.add_argument("--results", default=str(BENCHMARKS / "results"))
    ap.add_argument("--out", default=str(BENCHMARKS / "REPORT.md"))
    args = ap.parse_args(argv)
    print(write_report(args.results, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
