"""The benchmark report (REPORT.md and figures/), rebuilt from the suites' result JSON alone.

One module per section: headline, findings, machine, mc (throughput), profile
(the kernel's time), roofline, lp, e2e, devices; markdown and plots hold what
they all share; document puts them in order.
"""

from benchmarks.report.document import build_report, write_report

__all__ = ["build_report", "write_report"]
