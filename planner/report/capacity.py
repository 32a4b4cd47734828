"""Capacity built, one panel per kind of capacity: per site in a run, per run in a comparison.

Generation (on-site and off-site PPA, by type), battery power and energy, IT,
grid connection and backup each get their own axis and unit, so no bar adds MW
of one thing to MW (or MWh) of another.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from planner.report.metrics import OPEN, capacity_table
from planner.report.style import SOURCE_COLOURS, colour, fmt_number, label, new_figure

BACKUP_COLOUR = "#5d4037"
# panel title, unit, the columns of a capacity table it shows (besides generation)
SINGLE_PANELS = (
    ("Battery power", "MW", "battery_MW", SOURCE_COLOURS["battery"]),
    ("Battery energy", "MWh", "battery_MWh", "#c39bd3"),
    ("IT capacity", "MW", "it_MW", "#222222"),
    ("Grid connection", "MW", "grid_MW", SOURCE_COLOURS["grid"]),
    ("Backup generation", "MW", "backup_MW", BACKUP_COLOUR),
)
NOT_GENERATION = {key for *_, key, _ in SINGLE_PANELS}


def generation_types(columns) -> list[str]:
    """The generator types among a capacity table's columns (on-site or PPA)."""
    out = []
    for c in columns:
        if c.endswith("_MW") and c not in NOT_GENERATION:
            g = c.removeprefix("ppa_")[:-3]
            if g not in out:
                out.append(g)
    return out


def draw_capacity(plan: xr.Dataset):
    """Capacity built at each open site: generation by type (incl. PPA), battery, IT, grid, backup."""
    sites = [str(s) for s in plan.site.values if float(plan["site_open"].sel(site=s)) > OPEN]
    table = capacity_table(plan, sites)
    if "site_area" in plan:
        table.index = [f"{s} ({plan['site_area'].sel(site=s).item()})" for s in sites]
    return draw_capacity_panels(table, "Capacity built at each open site")


def draw_capacity_comparison(runs: list[Mapping], labels: list[str]):
    """Capacity built in each run (its summary's `capacity`), one panel per kind of capacity."""
    rows = [{k: v for k, v in r["capacity"].items() if k.endswith(("_MW", "_MWh"))} for r in runs]
    table = pd.DataFrame(rows, index=labels).fillna(0.0)
    return draw_capacity_panels(table, "Capacity built in each run")


def draw_capacity_panels(table: pd.DataFrame, title: str):
    """Horizontal bars, one row per site or run, one panel per capacity kind with its own unit."""
    gens = generation_types(table.columns)
    panels: list[tuple[str, str, list[tuple[str, str, str | None]]]] = []
    parts = []  # (column, legend, hatch) stacked in the generation panel
    for i, g in enumerate(gens):
        for col, hatch in ((f"{g}_MW", None), (f"ppa_{g}_MW", "///")):
            if col in table and table[col].sum() > 0:
                parts.append((col, f"{label(g)}{' (off-site PPA)' if hatch else ''}", hatch, i))
    if parts:
        panels.append(("Generation", "MW", parts))
    empty = []
    for name, unit, col, col_colour in SINGLE_PANELS:
        if col not in table:
            continue
        if table[col].sum() > 0 or col == "it_MW":
            panels.append((name, unit, [(col, name, None, col_colour)]))
        else:
            empty.append(name.lower())
    n = len(table)
    ncols = len(panels) if len(panels) <= 4 else -(-len(panels) // 2)  # 5-6 panels: 2 rows
    nrows = -(-len(panels) // ncols)
    fig = new_figure(2.9 * ncols + 1.6, 0.6 + nrows * (1.3 + 0.34 * max(n, 2)))
    grid = np.atleast_2d(fig.subplots(nrows, ncols, sharey=True, squeeze=False))
    for ax in grid.flat[len(panels) :]:
        ax.set_visible(False)
    axes = grid.flat[: len(panels)]
    y = np.arange(n)
    handles: dict[str, object] = {}
    for ax, (name, unit, cols) in zip(axes, panels, strict=True):
        left = np.zeros(n)
        for col, legend, hatch, c in cols:
            values = table[col].to_numpy(dtype=float)
            fc = colour(gens[c], SOURCE_COLOURS, c) if isinstance(c, int) else c
            bars = ax.barh(
                y, values, left=left, color=fc, hatch=hatch, ec="white", lw=0.5, height=0.7
            )
            if name == "Generation":
                handles.setdefault(legend, bars)
            left += values
        for yi, total in zip(y, left, strict=True):
            ax.annotate(
                fmt_number(total),
                (total, yi),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
        ax.set_xlim(0, max(left.max(), 1e-9) * 1.32)
        ax.set_title(f"{name} ({unit})", fontsize=9.5)
        ax.set_xlabel(unit, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
    for row in grid:
        row[0].set_yticks(y, list(table.index), fontsize=8)
    grid[0, 0].invert_yaxis()  # shared: every panel lists the first site at the top
    if handles:
        fig.legend(
            list(handles.values()),
            list(handles.keys()),
            loc="outside lower center",
            ncol=min(len(handles), 6),
            fontsize=8,
            frameon=False,
            title="Generation",
            title_fontsize=8,
        )
    note = f" (none built: {', '.join(empty)})" if empty else ""
    fig.suptitle(title + note, fontsize=11)
    return fig
