"""Comparison report across the runs of a multirun (`planner -m ...`).

Reads each run folder's summary.json (written last, so only finished runs
count), labels runs by the settings that differ between them, and writes
`<multirun>/comparison/report.md` with figures, atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from planner.io import atomic_write_dir
from planner.report.capacity import draw_capacity_comparison
from planner.report.compare_figures import draw_cost_comparison, draw_metric_panels
from planner.report.experiments import (
    EXPERIMENT_FIGURES,
    EXPERIMENT_PANELS,
    EXPERIMENT_SECTIONS,
    study_from_runs,
)
from planner.report.html import write_html
from planner.report.options import ReportOptions, StudyOptions
from planner.report.risk_figures import draw_risk_comparison
from planner.report.runs import (
    common_section,
    load_runs,
    risk_value,
    run_labels,
    total_cost,
    unserved_share,
)
from planner.report.style import save


def compare_runs(multirun_dir: str | os.PathLike, dpi: int | None = None) -> Path:
    """Write `<multirun_dir>/comparison/report.md` and its figures; returns the report path.

    `dpi`: of the figures (default: the runs' own `report.dpi`, or ReportOptions').
    """
    root = Path(multirun_dir)
    runs, unfinished = load_runs(root)
    labels, keys = run_labels(runs)
    study = study_from_runs(common_section(runs, "experiment"))
    dpi = dpi or common_section(runs, "report").get("dpi") or ReportOptions().dpi

    def _write(folder: Path) -> None:
        (folder / "figures").mkdir()
        figs = {
            "cost": draw_cost_comparison(runs, labels),
            "capacity": draw_capacity_comparison(runs, labels),
            "risk": draw_risk_comparison(runs, labels),
        }
        panels = EXPERIMENT_PANELS.get(study.name)
        if panels:
            figs["experiment"] = draw_metric_panels(runs, labels, panels, study)
        for name, draw in EXPERIMENT_FIGURES.get(study.name, {}).items():
            if (fig := draw(runs)) is not None:
                figs[name] = fig
        for name, fig in figs.items():
            save(fig, folder / "figures" / f"{name}.png", dpi)
        text = render(runs, labels, keys, unfinished, study)
        (folder / "report.md").write_text(text, encoding="utf-8")
        write_html(text, folder)

    out = atomic_write_dir(root / "comparison", _write, overwrite=True)
    return out / "report.md"


def render(
    runs: list[dict[str, Any]],
    labels: list[str],
    keys: list[str],
    unfinished: list[Path],
    study: StudyOptions,
) -> str:
    """The Markdown text of the comparison report."""
    lines = [f"# Comparison: {study.name or 'multirun'}", ""]
    if study.question:
        lines += [f"**Question.** {study.question}", ""]
    lines += [
        f"{len(runs)} finished run{'s' if len(runs) != 1 else ''}"
        + (f", labelled by {', '.join(f'`{k}`' for k in keys)}" if keys else "")
        + ". Each run's own report is in its folder. Costs include unserved energy at the value "
        "of lost load: a run whose LP leaves load unserved could not meet its targets with the "
        "scenario's sites, potentials and grid.",
        "",
    ]
    if unfinished:
        lines += [
            f"Not included (no summary.json, so unfinished or failed): {', '.join(p.name for p in unfinished)}.",
            "",
        ]
    head = [
        "run",
        "status",
        "LP unserved",
        "cost bn JPY/yr",
        "JPY/MWh IT",
        "sites",
        "IT MW",
        "battery MWh",
        "unserved p95 MWh",
        "CFE p50",
        "RE share p50",
        "emissions p50 ktCO2",
        "mean latency ms",
        "risk targets",
        "report",
    ]
    lines += ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * 11 + "---|---|"]
    for lab, r in zip(labels, runs, strict=True):
        targets = r.get("risk_targets", {})
        ok = "met" if all(t["met"] for t in targets.values()) else "**missed**"
        cells = [
            f"**{lab}**",
            r["status"],
            f"{unserved_share(r):.1%}",
            f"{total_cost(r) / 1e9:,.2f}",
            f"{r['cost_per_MWh_it_JPY']:,.0f}",
            str(len(r["sites_open"])),
            f"{r['capacity']['it_MW']:,.0f}",
            f"{r['capacity']['battery_MWh']:,.0f}",
            f"{risk_value(r, 'unserved_energy', 'p95'):,.1f}",
            f"{risk_value(r, 'cfe_score', 'p50'):.1%}",
            f"{risk_value(r, 're_share', 'p50'):.1%}",
            f"{risk_value(r, 'emissions', 'p50') / 1e3:,.1f}",
            f"{r.get('network', {}).get('mean_latency_ms', float('nan')):.2f}",
            ok if targets else "",
            f"[{r['_dir'].split('_', 1)[0]}](<../{r['_dir']}/report.md>)",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "![Cost by run](figures/cost.png)",
        "",
        "![Capacity by run](figures/capacity.png)",
        "",
        "![Risk by run](figures/risk.png)",
        "",
    ]
    section = EXPERIMENT_SECTIONS.get(study.name)
    if section is not None:
        lines += section(runs, study)
        if study.name in EXPERIMENT_PANELS:
            lines += ["![The study's key numbers by run](figures/experiment.png)", ""]
    lines += ["## Sites opened", ""]
    for lab, r in zip(labels, runs, strict=True):
        lines.append(f"- **{lab}**: {', '.join(r['sites_open']) or '(none)'}")
    lines.append("")
    return "\n".join(lines)
