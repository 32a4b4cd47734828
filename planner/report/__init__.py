"""Report: figures and Markdown from the Scenario, Plan and Risk datasets; multirun comparison."""

from planner.report.compare import compare_runs
from planner.report.markdown import write_report
from planner.report.metrics import summarize

__all__ = ["compare_runs", "summarize", "write_report"]
