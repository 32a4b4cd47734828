"""Figures comparing the runs of a multirun: cost, capacity, risk and an experiment's key numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.report.options import StudyOptions
from planner.report.style import fmt_number, label, new_figure


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
                fmt_number(val),
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
