"""Report: figures and Markdown from the Scenario, Plan and Risk datasets; multirun comparison.

    summary = summarize(scenario, plan, risk, options)      # key numbers, JSON-ready
    write_report(out_dir, scenario, plan, risk, summary, reduced=reduced, options=options)

`options` is a `ReportOptions` (titles, figures, dpi, risk targets, the named study).
"""

from planner.report.compare import compare_runs
from planner.report.markdown import write_report
from planner.report.metrics import summarize
from planner.report.options import ReportOptions, StudyOptions

__all__ = ["ReportOptions", "StudyOptions", "compare_runs", "summarize", "write_report"]
