"""Figures comparing the runs of a multirun: cost, capacity, risk and an experiment's key numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.report.figures import energy_unit
from planner.report.options import StudyOptions
from planner.report.runs import risk_value
from planner.report.style import RISK_COLOUR, SOURCE_COLOURS, colour, label, new_figure


def _number(x: float) -> str:
    """A bar label: 4,005 / 41,988 / 12.3 / 0.816."""
    if not np.isfinite(x):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _bar_frame(n: int):
    fig = new_figure(max(6.0, 1.2 + 0.9 * n), 4.6)
    return fig, fig.add_subplot()


def _xticks(ax, labels: list[str]) -> None:
    long = max(len(s) for s in labels) > 10
    ax.set_xticks(
        range(len(labels)),
        labels,
        rotation=30 if long else 0,
        ha="right" if long else "center",
        fontsize=8,
    )


def draw_cost_comparison(runs: list[dict[str, Any]], labels: list[str]):
    """Stacked annual cost by component for each run (bn JPY/yr)."""
    components = list(dict.fromkeys(c for r in runs for c in r["cost_JPY_per_yr"]))
    components = [c for c in components if any(r["cost_JPY_per_yr"].get(c, 0.0) > 0 for r in runs)]
    fig, ax = _bar_frame(len(runs))
    bottom = np.zeros(len(runs))
    cmap = [
        "#4c72b0",
        "#dd8452",
        "#55a868",
        "#c44e52",
        "#8172b3",
        "#937860",
        "#da8bc3",
        "#8c8c8c",
        "#ccb974",
        "#64b5cd",
    ]
    for i, c in enumerate(components):
        v = np.array([r["cost_JPY_per_yr"].get(c, 0.0) for r in runs]) / 1e9
        ax.bar(
            range(len(runs)),
            v,
            bottom=bottom,
            label=label(c),
            color=cmap[i % len(cmap)],
            width=0.65,
        )
        bottom += v
    for i, total in enumerate(bottom):
        ax.annotate(
            f"{total:,.1f}",
            (i, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    _xticks(ax, labels)
    ax.set_ylabel("bn JPY per year")
    ax.set_ylim(0, bottom.max() * 1.12 if bottom.max() > 0 else 1)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Annual cost by component", fontsize=11)
    return fig


def draw_capacity_comparison(runs: list[dict[str, Any]], labels: list[str]):
    """Generation, battery and grid capacity per run (MW), IT capacity marked."""
    techs = [k[:-3] for k in runs[0]["capacity"] if k.endswith("_MW") and k not in ("it_MW",)]
    fig, ax = _bar_frame(len(runs))
    bottom = np.zeros(len(runs))
    for i, t in enumerate(techs):
        v = np.array([r["capacity"].get(f"{t}_MW", 0.0) for r in runs])
        if v.sum() <= 0:
            continue
        name = (
            "Grid connection" if t == "grid" else "Battery (power)" if t == "battery" else label(t)
        )
        ax.bar(
            range(len(runs)),
            v,
            bottom=bottom,
            label=name,
            color=colour(t, SOURCE_COLOURS, i),
            width=0.65,
        )
        bottom += v
    it = [r["capacity"]["it_MW"] for r in runs]
    ax.scatter(range(len(runs)), it, marker="D", color="black", zorder=3, label="IT capacity")
    ax.set_ylim(0, max(bottom.max(), max(it)) * 1.08 or 1.0)
    _xticks(ax, labels)
    ax.set_ylabel("MW")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Capacity built", fontsize=11)
    return fig


def draw_risk_comparison(runs: list[dict[str, Any]], labels: list[str]):
    """p5-p95 range and p50 of unserved energy, CFE score and energy cost per run."""
    panels = (
        ("unserved_energy", "Unserved energy (MWh/yr)", 1.0),
        ("cfe_score", "Hourly CFE score (%)", 100.0),
        ("energy_cost", "Energy cost (bn JPY/yr)", 1e-9),
    )
    fig = new_figure(max(10.0, 3.0 + 1.2 * len(runs)), 4.2)
    axes = fig.subplots(1, len(panels))
    x = np.arange(len(runs))
    for ax, (metric, title, scale) in zip(axes, panels, strict=True):
        if metric == "unserved_energy":
            title, scale = energy_unit(max(risk_value(r, metric, "p95") for r in runs))
        if metric == "energy_cost" and max(risk_value(r, metric, "p95") for r in runs) < 1e9:
            title, scale = "Energy cost (M JPY/yr)", 1e-6
        p5 = np.array([risk_value(r, metric, "p5") for r in runs]) * scale
        p50 = np.array([risk_value(r, metric, "p50") for r in runs]) * scale
        p95 = np.array([risk_value(r, metric, "p95") for r in runs]) * scale
        ax.vlines(x, p5, p95, color="#4c72b0", lw=6, alpha=0.45, label="p5 to p95")
        ax.scatter(x, p50, color="#1f3b73", zorder=3, label="p50")
        if metric == "unserved_energy":
            targets = [
                r.get("risk_targets", {}).get("unserved_energy_p95_MWh", {}).get("target_max")
                for r in runs
            ]
            if targets and targets[0] is not None and all(t == targets[0] for t in targets):
                ax.axhline(
                    targets[0] * scale,
                    color=RISK_COLOUR,
                    lw=1.5,
                    label=f"target p95 <= {targets[0]:,.4g} MWh",
                )
        ax.set_title(title, fontsize=10)
        ax.set_xlim(-0.6, len(runs) - 0.4)
        _xticks(ax, labels)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle("Risk over Monte Carlo futures", fontsize=11)
    return fig


def draw_metric_panels(runs: list[dict[str, Any]], labels: list[str], panels, study: StudyOptions):
    """One bar panel per key number of a study (`experiments.EXPERIMENT_PANELS`), runs side by side."""
    fig = new_figure(max(10.0, 3.0 + 1.1 * len(runs)), 3.8)
    axes = fig.subplots(1, len(panels))
    x = np.arange(len(runs))
    for ax, (title, make) in zip(axes, panels, strict=True):
        value = make(runs, study)
        v = np.array([value(r) for r in runs], dtype=float)
        bars = ax.bar(x, np.nan_to_num(v), color="#4c72b0", width=0.6)
        for bar, val in zip(bars, v, strict=True):
            below = val < 0
            ax.annotate(
                _number(val),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, -2 if below else 2),
                textcoords="offset points",
                ha="center",
                va="top" if below else "bottom",
                fontsize=7.5,
            )
        finite = v[np.isfinite(v)]
        lo, hi = min(0.0, *finite, 0.0), max(0.0, *finite, 0.0)
        pad = 0.15 * (hi - lo) or 1.0
        ax.set_ylim(lo - (pad if lo < 0 else 0), hi + pad)
        ax.axhline(0, color="#333333", lw=0.6)
        ax.set_title(title, fontsize=9.5)
        ax.set_xlim(-0.6, len(runs) - 0.4)
        _xticks(ax, labels)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle(f"{study.name}: key numbers by run", fontsize=11)
    return fig
