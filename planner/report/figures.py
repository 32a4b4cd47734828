"""Figures of one run: capacity, cost, dispatch on a summer and a winter day, risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from planner.report.metrics import OPEN, representative_days, risk_stat, system_dispatch
from planner.report.options import ReportOptions
from planner.report.style import RISK_COLOUR, SOURCE_COLOURS, colour, label, new_figure


def draw_capacity(plan: xr.Dataset):
    """Power capacity built at each open site (MW), stacked by technology; IT capacity marked."""
    sites = [s for s in plan.site.values if float(plan["site_open"].sel(site=s)) > OPEN]
    p = plan.sel(site=sites)
    parts: dict[str, np.ndarray] = {
        str(g): p["gen_capacity"].sel(gen=g).values for g in p.gen.values
    }
    parts["battery"] = p["battery_power"].values
    parts["grid"] = p["grid_capacity"].values
    parts = {k: v for k, v in parts.items() if v.sum() > 0}
    fig = new_figure(9.0, 1.5 + 0.32 * max(len(sites), 2))
    ax = fig.add_subplot()
    y = np.arange(len(sites))
    left = np.zeros(len(sites))
    for i, (name, values) in enumerate(parts.items()):
        legend = (
            "Grid connection"
            if name == "grid"
            else f"{label(name)} (power)"
            if name == "battery"
            else label(name)
        )
        ax.barh(
            y, values, left=left, color=colour(name, SOURCE_COLOURS, i), label=legend, height=0.7
        )
        left += values
    ax.scatter(
        p["it_capacity"].values, y, marker="D", color="black", s=28, zorder=3, label="IT capacity"
    )
    ax.set_yticks(
        y,
        [
            f"{s} ({p['site_area'].sel(site=s).item()})" if "site_area" in p else str(s)
            for s in sites
        ],
    )
    ax.invert_yaxis()
    ax.set_xlabel("MW")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncol=min(len(parts) + 1, 6), fontsize=8, frameon=False)
    ax.set_title("Capacity built at each open site", fontsize=11)
    return fig


def draw_cost(plan: xr.Dataset, it_energy_mwh: float):
    """Annual cost by component (bn JPY/yr), largest first."""
    cost = pd.Series(plan["cost"].values, index=[str(c) for c in plan.component.values])
    cost = cost[cost.abs() > 0].sort_values()
    total = float(plan["cost"].sum())
    fig = new_figure(8.0, 1.4 + 0.38 * max(len(cost), 3))
    ax = fig.add_subplot()
    values = cost.values / 1e9
    bars = ax.barh([label(c) for c in cost.index], values, color="#4c72b0", height=0.65)
    for bar, v in zip(bars, values, strict=True):
        ax.annotate(
            f"{v:,.2f}  ({v / (total / 1e9) * 100:.0f}%)",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, max(values.max(), 1e-9) * 1.3)
    ax.set_xlabel("bn JPY per year")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    per_mwh = f", {total / it_energy_mwh:,.0f} JPY per MWh of IT load" if it_energy_mwh > 0 else ""
    ax.set_title(f"Annual cost: {total / 1e9:,.2f} bn JPY/yr{per_mwh}", fontsize=11)
    return fig


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
        ax.set_title(
            f"{season.capitalize()}: {day:%d %b %Y} (stands for {weight:.0f} days)", fontsize=10
        )
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
    fig.suptitle("Hourly dispatch on representative days", fontsize=11)
    return fig


def energy_unit(largest_mwh: float) -> tuple[str, float]:
    """Panel title and scale for unserved energy: MWh, GWh or TWh per year."""
    for unit, scale in (("TWh", 1e-6), ("GWh", 1e-3)):
        if largest_mwh * scale >= 1.0:
            return f"Unserved energy ({unit}/yr)", scale
    return "Unserved energy (MWh/yr)", 1.0


RISK_PANELS = (  # metric, title, scale
    ("unserved_energy", "Unserved energy (MWh/yr)", 1.0),
    ("cfe_score", "Hourly CFE score", 1.0),
    ("energy_cost", "Energy cost (bn JPY/yr)", 1e-9),
)


def risk_target(options: ReportOptions, metric: str) -> tuple[str, float] | None:
    """The target on a metric: (statistic, bound), p95 at most or p5 at least; None: no target."""
    if metric == "unserved_energy":
        return "p95", options.max_unserved_p95
    if metric == "cfe_score" and options.min_cfe_p5 is not None:
        return "p5", options.min_cfe_p5
    return None


def draw_risk(risk: xr.Dataset, options: ReportOptions):
    """Distributions over futures with p5/p50/p95 and the risk targets marked."""
    fig = new_figure(4.2 * len(RISK_PANELS), 3.8)
    axes = fig.subplots(1, len(RISK_PANELS))
    for ax, (metric, title, scale) in zip(axes, RISK_PANELS, strict=True):
        if metric == "unserved_energy":
            title, scale = energy_unit(float(np.max(risk[metric].values, initial=0.0)))
        if metric == "energy_cost" and float(np.max(risk[metric].values, initial=0.0)) < 1e9:
            title, scale = "Energy cost (M JPY/yr)", 1e-6
        values = np.asarray(risk[metric].values, dtype=float) * scale
        n = len(values)
        if np.ptp(values) > 0:
            ax.hist(values, bins=min(40, max(10, n // 15)), color="#8fa9c8", ec="white", lw=0.4)
        else:
            ax.bar([values[0]], [n], width=max(abs(values[0]) * 0.02, 0.01), color="#8fa9c8")
            ax.annotate(
                f"all {n} futures: {values[0]:,.3g}",
                (0.5, 0.9),
                xycoords="axes fraction",
                ha="center",
                fontsize=8,
            )
        if metric == "unserved_energy" and n and (values <= 0).mean() > 0.05:
            ax.plot([], [], " ", label=f"{(values <= 0).mean():.0%} of futures: none unserved")
        for stat, ls in (("p5", ":"), ("p50", "-"), ("p95", "--")):
            v = risk_stat(risk, metric, stat) * scale
            ax.axvline(v, color="#333333", ls=ls, lw=1.2, label=f"{stat} = {v:,.3g}")
        target = risk_target(options, metric)
        if target is not None:
            stat, bound = target
            value = risk_stat(risk, metric, stat)
            ok = value <= bound if stat == "p95" else value >= bound
            ax.axvline(
                bound * scale,
                color=RISK_COLOUR,
                lw=2.2,
                label=(
                    f"target: {stat} {'<=' if stat == 'p95' else '>='} {bound:,.4g}"
                    f"{' MWh' if metric == 'unserved_energy' else ''} ({'met' if ok else 'MISSED'})"
                ),
            )
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("futures")
        ax.legend(
            fontsize=7.5,
            loc="best",
            framealpha=0.9,
        )
        ax.grid(axis="y", alpha=0.3)
    n_f = int(risk.attrs.get("n_futures", risk.sizes.get("future", 0)))
    fig.suptitle(f"Monte Carlo over {n_f:,} futures of the full year", fontsize=11)
    return fig
