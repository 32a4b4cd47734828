"""Risk over Monte Carlo futures: exceedance curves of shortfalls, score curves, energy cost.

Shortfalls are heavy-tailed (most futures serve everything, a few lose TWh), so
they are drawn as exceedance curves on a log axis: the height at 5 % of futures
is the p95 a target bounds. Scores (hourly CFE, annual RE share) are drawn in
percent as the tables show them, as the share of futures at or below each score.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.ticker import MaxNLocator

from planner.report.options import ReportOptions
from planner.report.style import RISK_COLOUR, fmt_number, fmt_percent, new_figure

SHORTFALLS = (  # metric, legend, colour, ReportOptions field of its p95 target
    ("unserved_energy", "Unserved energy (within built capacity)", "#c0392b", "max_unserved_p95"),
    ("unmet_demand", "Unmet demand (above built IT capacity)", "#e67e22", "max_unmet_demand_p95"),
)
SCORES = (  # metric, legend, colour, ReportOptions field of its p5 target, Policy field (LP)
    ("cfe_score", "Hourly CFE score", "#1f77b4", "min_cfe_p5", "cfe_target"),
    ("re_share", "Annual renewable share", "#2ca02c", "min_re_share_p5", "re_share"),
)


def energy_scale(largest_mwh: float) -> tuple[str, float]:
    """The unit and scale for energies up to `largest_mwh`: MWh, GWh or TWh."""
    for unit, scale in (("TWh", 1e-6), ("GWh", 1e-3)):
        if largest_mwh * scale >= 1.0:
            return unit, scale
    return "MWh", 1.0


def draw_risk(risk: xr.Dataset, options: ReportOptions, policy: dict[str, Any] | None = None):
    """Shortfall exceedance curves, score curves and energy cost over futures, targets marked.

    `policy`: the plan's policy (summary["policy"]); its hourly CFE and annual RE
    targets are the LP's, marked apart from the report's p5 risk targets.
    """
    fig = new_figure(15.0, 4.6)
    axes = fig.subplots(1, 3, width_ratios=(1.25, 1.1, 0.9))
    _shortfall_panel(axes[0], risk, options)
    _score_panel(axes[1], risk, options, policy or {})
    _cost_panel(axes[2], risk)
    n_f = int(risk.attrs.get("n_futures", risk.sizes.get("future", 0)))
    n_h = int(risk.attrs.get("n_hours", 8760))
    span = "the full year (8760 h)" if n_h == 8760 else f"the scenario's {n_h} hours"
    fig.suptitle(f"Monte Carlo over {n_f:,} futures of {span}", fontsize=11)
    return fig


def _per(risk: xr.Dataset) -> str:
    """'per year', or 'in the N hours' for a scenario shorter than a year (totals, not annual)."""
    n_h = int(risk.attrs.get("n_hours", 8760))
    return "per year" if n_h == 8760 else f"in the {n_h} hours"


def _stat(risk: xr.Dataset, metric: str, stat: str) -> float:
    """A statistic from the Risk's `summary` (as the tables show it), else from the futures."""
    if "summary" in risk and metric in risk["summary"].metric.values:
        return float(risk["summary"].sel(metric=metric, stat=stat))
    q = {"p5": 0.05, "p50": 0.5, "p95": 0.95}[stat]
    return float(np.quantile(risk[metric].values, q))


def _shortfall_panel(ax, risk: xr.Dataset, options: ReportOptions) -> None:
    present = [s for s in SHORTFALLS if s[0] in risk]
    per_year = float(risk.attrs.get("annual_scale", 1.0))  # targets are per year, risk per horizon
    largest = max(float(np.max(risk[m].values, initial=0.0)) for m, *_ in present)
    largest = max(
        [largest]
        + [
            (getattr(options, f, None) or 0.0) / per_year
            for *_, f in present
            if hasattr(options, f)
        ]
    )
    unit, scale = energy_scale(largest)
    n = risk.sizes["future"]
    share = (np.arange(n) + 1) / n * 100.0
    lowest = np.inf
    notes = []
    for metric, legend, c, field in present:
        values = np.sort(np.asarray(risk[metric].values, dtype=float))[::-1] * scale
        positive = values > 0
        none = 1.0 - positive.mean()
        notes.append(f"{legend.split(' (')[0]}: none in {none:.0%} of futures")
        if positive.any():
            ax.step(share[positive], values[positive], where="post", color=c, lw=1.8, label=legend)
            lowest = min(lowest, values[positive].min())
            p95 = _stat(risk, metric, "p95") * scale
            if p95 > 0:
                ax.plot([5.0], [p95], "o", color=c, ms=5)
        target = getattr(options, field, None)
        if target is not None:  # a per-year limit, drawn on the Risk's horizon
            p95 = _stat(risk, metric, "p95")
            ok = "met" if p95 * per_year <= target else "MISSED"
            drawn = target / per_year * scale
            also = "" if per_year == 1.0 else f" = {fmt_number(target * scale)} {unit}/yr"
            ax.axhline(
                max(drawn, 1e-12),
                color=c,
                ls="--",
                lw=1.3,
                label=f"{legend.split(' (')[0]} target: p95 <= {fmt_number(drawn)} "
                f"{unit}{also} ({ok})",
            )
            lowest = min(lowest, drawn) if target > 0 else lowest
    ax.axvline(5.0, color="#555555", lw=0.8, ls=":", label="5 % of futures (p95)")
    ax.set_xscale("log")
    ax.set_xlim(100.0 / n * 0.8, 100.0)
    ax.set_yscale("log")
    if np.isfinite(lowest):
        ax.set_ylim(bottom=lowest / 3)
    else:  # no shortfall in any future
        ax.set_ylim(0.1, 10)
        ax.text(0.5, 0.5, "no shortfall in any future", transform=ax.transAxes, ha="center")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g} %")
    ax.yaxis.set_major_formatter(lambda v, _: fmt_number(v))
    ax.set_xlabel("share of futures with at least this much (exceedance, log)")
    ax.set_ylabel(f"{unit} {_per(risk)} (log)")
    ax.set_title("Energy short of demand", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.text(
        0.02, 0.02, "\n".join(notes), transform=ax.transAxes, fontsize=7, va="bottom", ha="left"
    )
    ax.legend(fontsize=7, loc="upper right", framealpha=0.9)


def _score_panel(ax, risk: xr.Dataset, options: ReportOptions, policy: dict[str, Any]) -> None:
    n = risk.sizes["future"]
    share = (np.arange(n) + 1) / n * 100.0
    for metric, legend, c, field, policy_field in SCORES:
        if metric not in risk:
            continue
        values = np.sort(np.asarray(risk[metric].values, dtype=float)) * 100.0
        p5 = _stat(risk, metric, "p5") * 100.0
        ax.step(values, share, where="post", color=c, lw=1.8, label=f"{legend} (p5 {p5:.1f} %)")
        target = getattr(options, field, None)
        if target is not None:
            ok = "met" if p5 >= target * 100 else "MISSED"
            ax.axvline(
                target * 100,
                color=c,
                ls="--",
                lw=1.3,
                label=f"{legend.split(' ', 1)[1]} risk target: p5 >= {fmt_percent(target)} ({ok})",
            )
        lp = policy.get(policy_field)
        if lp is not None:
            ax.axvline(
                float(lp) * 100,
                color=c,
                ls=":",
                lw=1.3,
                label=f"{legend.split(' ', 1)[1]} policy target (LP year): {fmt_percent(float(lp))}",
            )
    ax.axhline(5.0, color="#555555", lw=0.8, ls=":", label="5 % of futures (p5)")
    ax.set_ylim(0, 100)
    ax.set_xlabel("score (%)")
    ax.set_ylabel("share of futures at or below (%)")
    ax.set_title("Clean-energy scores", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", framealpha=0.9)


def _cost_panel(ax, risk: xr.Dataset) -> None:
    values = np.asarray(risk["energy_cost"].values, dtype=float)
    unit, scale = ("bn JPY", 1e-9) if np.max(values, initial=0.0) >= 1e9 else ("M JPY", 1e-6)
    values = values * scale
    if np.ptp(values) > 0:
        ax.hist(values, bins=min(40, max(10, len(values) // 15)), color="#8fa9c8", ec="white")
    else:
        ax.axvline(values[0], color="#8fa9c8", lw=4)
    for stat, ls in (("p5", ":"), ("p50", "-"), ("p95", "--")):
        v = _stat(risk, "energy_cost", stat) * scale
        ax.axvline(v, color="#333333", ls=ls, lw=1.1, label=f"{stat} = {fmt_number(v)} {unit}")
    ax.set_xlabel(f"{unit} {_per(risk)}")
    ax.set_ylabel("futures")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Energy cost (grid, fuel, less export revenue)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper right", framealpha=0.9)


COMPARED = (  # metric, title, kind: energy (log axis) | score (%) | money
    ("unserved_energy", "Unserved energy", "energy"),
    ("unmet_demand", "Unmet demand", "energy"),
    ("cfe_score", "Hourly CFE score", "score"),
    ("re_share", "Annual renewable share", "score"),
    ("energy_cost", "Energy cost", "money"),
)


def draw_risk_comparison(runs: list[dict[str, Any]], labels: list[str]):
    """p5-p95 range and p50 of each risk per run (summaries' `risk`), each run's targets marked."""
    panels = [c for c in COMPARED if any(c[0] in r.get("risk", {}) for r in runs)]
    fig = new_figure(max(12.0, 2.2 * len(panels) + 0.5 * len(runs) * len(panels)), 4.8)
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    x = np.arange(len(runs))
    for ax, (metric, title, kind) in zip(axes, panels, strict=True):
        stats = {
            st: np.array([r.get("risk", {}).get(metric, {}).get(st, np.nan) for r in runs])
            for st in ("p5", "p50", "p95")
        }
        if kind == "energy":
            unit, scale = energy_scale(float(np.nanmax(stats["p95"], initial=0.0)))
        elif kind == "score":
            unit, scale = "%", 100.0
        else:
            big = float(np.nanmax(stats["p95"], initial=0.0)) >= 1e9
            unit, scale = ("bn JPY", 1e-9) if big else ("M JPY", 1e-6)
        lo, mid, hi = (stats[st] * scale for st in ("p5", "p50", "p95"))
        if kind == "energy":  # log axis: zeros sit on its floor
            bounds = [
                t.get("target_max", 0.0) * scale
                for r in runs
                for k, t in r.get("risk_targets", {}).items()
                if k.startswith(metric + "_")
            ]
            positive = [v for v in (*lo, *mid, *hi, *bounds) if np.isfinite(v) and v > 0]
            floor = min(positive, default=1.0) / 3
            lo, mid, hi = (np.where(v > floor, v, floor) for v in (lo, mid, hi))
            ax.set_yscale("log")
            ax.set_ylim(bottom=floor)
            ax.yaxis.set_major_formatter(lambda v, _: fmt_number(v))
        ax.vlines(x, lo, hi, color="#4c72b0", lw=7, alpha=0.45, label="p5 to p95")
        ax.scatter(x, mid, color="#1f3b73", zorder=3, label="p50")
        for i, r in enumerate(runs):
            for key, t in r.get("risk_targets", {}).items():
                if not key.startswith(metric + "_"):
                    continue
                bound = t.get("target_max", t.get("target_min")) * scale
                ax.hlines(bound, i - 0.35, i + 0.35, color=RISK_COLOUR, lw=2)
                ax.annotate(
                    "met" if t["met"] else "MISSED",
                    (i, bound),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    fontsize=6.5,
                    color=RISK_COLOUR,
                )
        policy_field = {m: f for m, _, _, _, f in SCORES}.get(metric)
        for i, r in enumerate(runs):
            lp = (r.get("policy") or {}).get(policy_field) if policy_field else None
            if lp is not None:
                ax.hlines(float(lp) * scale, i - 0.35, i + 0.35, color="#333333", lw=1.5, ls=":")
        ax.plot([], [], color=RISK_COLOUR, lw=2, label="risk target")
        ax.plot([], [], color="#333333", lw=1.5, ls=":", label="policy target (LP year)")
        ax.set_ylabel(f"{unit}{'' if kind == 'score' else ' per year'}", fontsize=8)
        ax.set_title(f"{title} ({unit})", fontsize=10)
        ax.set_xlim(-0.6, len(runs) - 0.4)
        long = max(len(s) for s in labels) > 10
        ax.set_xticks(
            x, labels, rotation=30 if long else 0, ha="right" if long else "center", fontsize=8
        )
        ax.grid(axis="y", alpha=0.3)
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="outside lower center",
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    fig.suptitle("Risk over Monte Carlo futures, by run (energies on log axes)", fontsize=11)
    return fig
