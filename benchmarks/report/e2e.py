"""The report's end-to-end section: the default study's wall time by stage."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report.markdown import img, not_measured, skipped, table
from benchmarks.report.plots import plt, save


def e2e_section(e2e: dict, fig_dir: Path, report: Path) -> str:
    recs = [r for r in e2e["records"] if r.get("seconds") is not None]
    if not recs:
        return not_measured("End to end: the default study", e2e)
    total = sum(r["seconds"] for r in recs)
    rows = [
        [r["stage"], r["seconds"], f"{100 * r['seconds'] / total:.0f}%", r.get("what", "")]
        for r in recs
    ]
    text = "## End to end: the default study\n\n"
    text += table(["stage", "seconds", "share", "what"], rows) + "\n"
    stages = [(r["stage"], r["seconds"]) for r in recs]
    text += img(e2e_breakdown(stages, fig_dir / "e2e_breakdown.png"), report, "e2e breakdown")
    return text + skipped(e2e)


def e2e_breakdown(stages: list[tuple[str, float]], path: Path) -> Path | None:
    """Horizontal bar of wall seconds per stage of the default study."""
    if not stages:
        return None
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(stages) + 1.4))
    names, secs = zip(*stages, strict=True)
    total = sum(secs)
    ax.barh(range(len(stages)), secs, color="tab:cyan")
    for i, s in enumerate(secs):
        shown = f"{s:.1f}" if s >= 1 else f"{s:.2g}"
        ax.text(s, i, f" {shown} s ({100 * s / total:.0f}%)", va="center", fontsize=9)
    ax.set_yticks(range(len(stages)), names)
    ax.invert_yaxis()
    ax.set_xlabel("seconds")
    ax.set_xlim(0, max(secs) * 1.35)
    ax.set_title(f"Default study, end to end: {total:.1f} s")
    return save(fig, path)
