"""Figures of one run: capacity, cost, dispatch on a summer and a winter day, risk."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from planner.report.metrics import SUMMER, WINTER, representative_days, system_dispatch
from planner.report.style import SOURCE_COLOURS, colour, fmt_money, fmt_number, label, new_figure


def draw_cost(plan: xr.Dataset, it_energy_mwh: float):
    """Annual cost by component (bn JPY/yr), largest first."""
    cost = pd.Series(plan["cost"].values, index=[str(c) for c in plan.component.values])
    cost = cost[cost.abs() > 0].sort_values()
    total = float(plan["cost"].sum())
    fig = new_figure(8.0, 1.4 + 0.38 * max(len(cost), 3))
    ax = fig.add_subplot()
    values = cost.values / 1e9
    colours = ["#4c72b0" if v >= 0 else "#27ae60" for v in values]  # revenue (negative): green
    bars = ax.barh([label(c) for c in cost.index], values, color=colours, height=0.65)
    for bar, v in zip(bars, values, strict=True):
        ax.annotate(
            f"{fmt_number(v)}  ({v / (total / 1e9) * 100:.0f}%)",
            (max(v, 0.0), bar.get_y() + bar.get_height() / 2),  # revenue: right of zero
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8,
        )
    low = min(values.min(), 0.0)
    ax.set_xlim(low * 1.15 if low < 0 else 0, max(values.max(), 1e-9) * 1.3)
    ax.axvline(0, color="#333333", lw=0.6)
    ax.set_xlabel("bn JPY per year")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    per_mwh = f", {total / it_energy_mwh:,.0f} JPY per MWh of IT load" if it_energy_mwh > 0 else ""
    ax.set_title(f"Annual cost: {fmt_money(total)}/yr{per_mwh}", fontsize=11)
    return fig


SEASON_MONTHS = {"summer": SUMMER, "winter": WINTER}
BAND_LABELS = {"export": "Exported to the grid", "curtailment": "Curtailed"}


def _band_above(ax, x, base, values, name: str, hatch: str, alpha: float):
    """A hatched band of `values` (MW) drawn on top of `base`; None when it is all zero."""
    if values.sum() <= 1e-9:
        return None
    return ax.fill_between(
        x,
        base,
        base + values,
        color=SOURCE_COLOURS[name],
        alpha=alpha,
        hatch=hatch,
        lw=0,
        label=BAND_LABELS[name],
    )


def draw_dispatch(plan: xr.Dataset, hours: xr.Dataset):
    """System-wide hourly supply stack on a summer and a winter representative day (MW)."""
    days = representative_days(hours)
    fig = new_figure(12.0, 4.6)
    axes = fig.subplots(1, 2, sharey=True)
    handles = None
    for ax, (season, day) in zip(axes, days.items(), strict=True):
        frame = system_dispatch(plan, hours, day)
        weight = float(
            hours["weight"].values[pd.DatetimeIndex(hours.time.values).normalize() == day][0]
        )
        supply = [
            c
            for c in [*map(str, plan.gen.values), "battery", "grid", "unserved"]
            if frame[c].sum() > 1e-9
        ]
        x = frame.index.values
        stack = ax.stackplot(
            x,
            *[frame[c].values for c in supply],
            colors=[colour(c, SOURCE_COLOURS, i) for i, c in enumerate(supply)],
            labels=[label(c) if c != "battery" else "Battery discharge" for c in supply],
            step=None,
            alpha=0.95,
        )
        top = frame[supply].sum(axis=1).values
        exported = _band_above(ax, x, top, frame["export"].values, "export", "\\\\", 0.6)
        top = top + frame["export"].values
        fill = _band_above(ax, x, top, frame["curtailment"].values, "curtailment", "///", 0.5)
        (load,) = ax.plot(
            x, frame["facility_load"].values, color="black", lw=2, label="Facility load (IT x PUE)"
        )
        (charge,) = ax.plot(
            x,
            frame["facility_load"].values + frame["charge"].values,
            color=SOURCE_COLOURS["battery"],
            lw=1.3,
            ls="--",
            label="Load + battery charging",
        )
        in_season = day.month in SEASON_MONTHS[season]
        name = season.capitalize() if in_season else f"No {season} day modelled; nearest"
        ax.set_title(f"{name}: {day:%d %b %Y} (stands for {weight:.0f} days)", fontsize=10)
        ax.set_xlabel("hour of day")
        ax.set_xlim(0, 23)
        ax.set_xticks(range(0, 24, 3))
        ax.grid(alpha=0.3)
        if handles is None or len(stack) > len(handles[0]):
            handles = (list(stack), [h for h in (exported, fill, load, charge) if h is not None])
    axes[0].set_ylabel("MW (all sites)")
    fig.legend(
        handles=handles[0] + handles[1],
        loc="outside lower center",
        ncol=5,
        fontsize=8,
        frameon=False,
    )
    fig.suptitle(
        "Hourly dispatch on representative days, summed over all sites\n"
        "(sites are not interconnected: grid import at one site and curtailment at another "
        "can fall in the same hour)",
        fontsize=10,
    )
    return fig
