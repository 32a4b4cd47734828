"""Report pieces of `planner.harden`: the iterations table and figure of a run, the frontier of a sweep.

A run's report (`planner robust=true`): `iterations_table(history)` (Markdown
lines) and `draw_iterations(history)` (a Figure: each target's statistic by
iteration, in-sample and held out, its limit drawn; cost by iteration).
`harden_summary(history)` is the JSON-ready `summary.json["harden"]` of a run.

A sweep's comparison (`experiment=reliability_frontier`): `frontier_points(runs)`
from the runs' summary.json (their `harden` sections), `frontier_table(runs)`
(cost against the risk reached, and the marginal cost of each step: JPY per MWh
of unserved energy avoided, M JPY/yr per CFE point) and `draw_frontier(runs)`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import xarray as xr

from planner.contracts.targets import BY_TARGET
from planner.report.style import fmt_energy, fmt_number, new_figure

Run = dict[str, Any]  # a run's summary.json
TARGET_LABEL = {
    "max_unserved_p95": "Unserved energy p95 (MWh/yr)",
    "max_unmet_demand_p95": "Unmet demand p95 (MWh/yr)",
    "min_cfe_p5": "Hourly CFE score p5",
    "min_re_share_p5": "RE share p5",
}


def _fmt_value(target: str, value: float) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return fmt_energy(value) if BY_TARGET[target].per_year else f"{value:.1%}"


def harden_summary(history: xr.Dataset) -> dict[str, Any]:
    """The run's harden result as plain values: accepted, verdict, targets, one row per iteration."""
    targets = [str(t) for t in history["target"].values]
    rows = []
    for it in history["iteration"].values:
        h = history.sel(iteration=it)
        rows.append(
            {
                "iteration": int(it),
                "objective_JPY_per_yr": float(h["objective"]),
                "n_periods": int(h["n_periods"]),
                "reserve_margin": float(h["reserve_margin"]),
                "cfe_target": _plain(float(h["cfe_target"])),
                "value": {t: _plain(float(h["value"].sel(target=t))) for t in targets},
                "holdout_value": {
                    t: _plain(float(h["holdout_value"].sel(target=t))) for t in targets
                },
                "change": str(h["change"].values),
                "seconds": float(h["seconds"]),
            }
        )
    last = rows[-1]
    final = {
        t: last["holdout_value"][t] if last["holdout_value"][t] is not None else last["value"][t]
        for t in targets
    }
    return {
        "accepted": bool(history.attrs["accepted"]),
        "accepted_iteration": int(history.attrs["accepted_iteration"]),
        "verdict": str(history.attrs["verdict"]),
        "targets": json.loads(history.attrs["targets"]),
        "n_futures": int(history.attrs["n_futures"]),
        "n_holdout": int(history.attrs["n_holdout"]),
        "first_objective_JPY_per_yr": rows[0]["objective_JPY_per_yr"],
        "objective_JPY_per_yr": last["objective_JPY_per_yr"],
        "final_value": final,  # held out where the last plan was checked on held-out futures
        "iterations": rows,
    }


def _plain(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def iterations_table(history: xr.Dataset) -> list[str]:
    """Markdown lines: one row per iteration (cost, periods, margin, each target in and out of sample)."""
    targets = [str(t) for t in history["target"].values]
    first = float(history["objective"][0])
    head = [
        "iteration",
        "cost bn JPY/yr",
        "vs first",
        "LP periods",
        "reserve margin",
        "LP CFE target",
    ]
    for t in targets:
        head += [
            f"{t} (limit {_fmt_value(t, float(history['limit'].sel(target=t)))})",
            f"{t} held out",
        ]
    head += ["change made for this plan"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * (len(head) - 1) + "---|"]
    for it in history["iteration"].values:
        h = history.sel(iteration=it)
        cfe = float(h["cfe_target"])
        cells = [
            str(int(it)),
            f"{float(h['objective']) / 1e9:,.2f}",
            f"{(float(h['objective']) / first - 1) * 100:+.1f}%",
            str(int(h["n_periods"])),
            f"{float(h['reserve_margin']):.2f}",
            "off" if not np.isfinite(cfe) else f"{cfe:.1%}",
        ]
        for t in targets:
            for prefix in ("", "holdout_"):
                value = float(h[prefix + "value"].sel(target=t))
                holds = float(h[prefix + "holds"].sel(target=t))
                mark = "" if not np.isfinite(holds) else (" ✓" if holds else " ✗")
                cells.append(_fmt_value(t, value) + mark)
        cells.append(str(h["change"].values))
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, "", f"**Verdict.** {history.attrs['verdict']}", ""]


def draw_iterations(history: xr.Dataset):
    """Figure: one panel per target (statistic by iteration, in-sample and held out, limit
    dashed), and one of the plan's cost by iteration."""
    targets = [str(t) for t in history["target"].values]
    n = len(targets) + 1
    fig = new_figure(3.4 * n, 3.2)
    its = history["iteration"].values
    for k, t in enumerate(targets):
        ax = fig.add_subplot(1, n, k + 1)
        scale = 1.0 if BY_TARGET[t].per_year else 100.0
        ax.plot(its, history["value"].sel(target=t) * scale, "o-", label="in-sample")
        ax.plot(
            its,
            history["holdout_value"].sel(target=t) * scale,
            "s",
            ms=8,
            mfc="none",
            label="held out",
        )
        ax.axhline(
            float(history["limit"].sel(target=t)) * scale, ls="--", color="#c44e52", label="target"
        )
        if BY_TARGET[t].per_year:
            values = np.asarray(history["value"].sel(target=t), dtype=float)
            if np.nanmax(values, initial=0) > 100 * max(float(history["limit"].sel(target=t)), 1):
                ax.set_yscale("symlog", linthresh=max(float(history["limit"].sel(target=t)), 1.0))
        if BY_TARGET[t].per_year:
            ax.set_ylim(bottom=0.0)
        ax.set_title(TARGET_LABEL[t] + ("" if BY_TARGET[t].per_year else " (%)"), fontsize=9)
        ax.set_xlabel("iteration")
        ax.set_xticks(its)
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(fontsize=7)
    ax = fig.add_subplot(1, n, n)
    ax.plot(its, history["objective"] / 1e9, "o-", color="#55a868")
    ax.set_title("Plan cost (bn JPY/yr)", fontsize=9)
    ax.set_xlabel("iteration")
    ax.set_xticks(its)
    ax.grid(alpha=0.3)
    return fig


# ---- the reliability frontier (a sweep of targets, one harden run each) -------------------------


def frontier_points(runs: list[Run]) -> list[dict[str, Any]]:
    """One point per run with a `harden` section: its targets, cost and the risk it reached."""
    points = []
    for r in runs:
        h = r.get("harden")
        if not h:
            continue
        final = h["final_value"]
        points.append(
            {
                "targets": h["targets"],
                "accepted": h["accepted"],
                "cost": float(h["objective_JPY_per_yr"]),
                "unserved_p95": final.get("max_unserved_p95"),
                "cfe_p5": final.get("min_cfe_p5"),
                "iterations": len(h["iterations"]),
                "verdict": h["verdict"],
            }
        )
    return points


def _swept(points: list[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """(target, reached key, unit) of each target whose limit differs between the points."""
    out = []
    for target, key, unit in (
        ("max_unserved_p95", "unserved_p95", 1.0),
        ("min_cfe_p5", "cfe_p5", 0.01),
    ):
        limits = {p["targets"].get(target) for p in points}
        if len(limits - {None}) > 1:
            out.append((target, key, unit))
    return out


def _series(points, target: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Points grouped by the other targets' limits (one frontier each), loosest to tightest."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        others = {k: v for k, v in p["targets"].items() if k != target and v is not None}
        key = ", ".join(f"{k} = {_fmt_value(k, v)}" for k, v in sorted(others.items()))
        groups.setdefault(key, []).append(p)
    sign = -1.0 if target.startswith("max") else 1.0
    return [(k, sorted(g, key=lambda p: sign * p["targets"][target])) for k, g in groups.items()]


def frontier_table(runs: list[Run]) -> list[str]:
    """Markdown lines: per swept target (and per setting of the others), the runs from loosest to
    tightest, with the marginal cost of each step (JPY/yr per MWh/yr of unserved energy avoided,
    or M JPY/yr per point of CFE score)."""
    points = frontier_points(runs)
    lines = []
    for target, key, unit in _swept(points):
        per = "JPY per MWh avoided" if target.startswith("max") else "M JPY/yr per CFE point"
        for others, tight in _series(points, target):
            lines += [
                f"### Cost of reliability: {target}" + (f" ({others})" if others else ""),
                "",
                f"| {target} | accepted | iterations | cost bn JPY/yr | reached | "
                f"marginal cost ({per}) |",
                "|---:|---|---:|---:|---:|---:|",
            ]
            prev = None
            for p in tight:
                lines.append(_frontier_row(p, prev, target, key, unit))
                prev = p
            lines.append("")
    return lines


def _frontier_row(p, prev, target: str, key: str, unit: float) -> str:
    marginal = "-"
    reached = p[key]
    if prev is not None and reached is not None and prev[key] is not None:
        gain = (prev[key] - reached) if target.startswith("max") else (reached - prev[key])
        gain /= unit
        if gain > 0:
            m = (p["cost"] - prev["cost"]) / gain
            marginal = f"{m:,.0f}" if target.startswith("max") else fmt_number(m / 1e6)
        else:
            marginal = "no gain"
    limit = p["targets"][target]
    return (
        f"| {_fmt_value(target, limit)} | {'yes' if p['accepted'] else '**no**'} | "
        f"{p['iterations']} | {p['cost'] / 1e9:,.2f} | "
        f"{_fmt_value(target, reached) if reached is not None else '-'} | {marginal} |"
    )


def draw_frontier(runs: list[Run]):
    """Figure: cost against the risk reached, one panel per swept target (None: nothing swept)."""
    points = frontier_points(runs)
    swept = _swept(points)
    if not swept:
        return None
    fig = new_figure(4.6 * len(swept), 3.6)
    for k, (target, key, _) in enumerate(swept):
        ax = fig.add_subplot(1, len(swept), k + 1)
        scale = 1.0 if target.startswith("max") else 100.0
        series = _series(points, target)
        for i, (others, group) in enumerate(series):
            pts = sorted((p for p in group if p[key] is not None), key=lambda p: p[key])
            x = [p[key] * scale for p in pts]
            y = [p["cost"] / 1e9 for p in pts]
            line = ax.plot(x, y, "-", alpha=0.6, color=f"C{i}", label=others or None)[0]
            limits: dict[tuple[float, float], list[str]] = {}  # runs on one point share a label
            for p, xi, yi in zip(pts, x, y, strict=True):
                missed = "#c44e52"
                ax.plot(
                    xi,
                    yi,
                    "o" if p["accepted"] else "x",
                    ms=7,
                    color=line.get_color() if p["accepted"] else missed,
                )
                text = _fmt_value(target, p["targets"][target])
                limits.setdefault((round(xi, 6), round(yi, 6)), []).append(text)
            for (xi, yi), texts in limits.items():
                ax.annotate(
                    "target " + ", ".join(texts),
                    (xi, yi),
                    xytext=(4, 4),
                    textcoords="offset points",
                    fontsize=7,
                )
        ax.margins(0.15)  # room for the labels of the outermost points
        if any(others for others, _ in series):
            ax.legend(fontsize=7)
        if target.startswith("max"):
            ax.set_xscale("symlog", linthresh=100.0)
            ax.set_xlabel("unserved energy p95 reached (MWh/yr, held out)")
        else:
            ax.set_xlabel("hourly CFE score p5 reached (%, held out)")
        ax.set_ylabel("plan cost (bn JPY/yr)")
        ax.set_title(f"Reliability frontier: {target} (x: target missed)", fontsize=9)
        ax.grid(alpha=0.3)
    return fig


def write_harden_report(out_dir, history: xr.Dataset, dpi: int = 110) -> dict[str, Any]:
    """Write harden.md (iterations table, figure) and figures/harden_iterations.png into `out_dir`;
    return `harden_summary(history)` for summary.json."""
    from pathlib import Path

    from planner.io import atomic_write
    from planner.report.style import save

    out_dir = Path(out_dir)
    save(draw_iterations(history), out_dir / "figures" / "harden_iterations.png", dpi)
    lines = [
        "# Hardening: plan, stress-test, re-plan",
        "",
        f"Each plan was run through {history.attrs['n_futures']:,} futures of the full year; a plan "
        f"meeting every target was checked on {history.attrs['n_holdout']:,} held-out futures "
        "(a fresh seed) and accepted only if the targets held there too. Energies per year.",
        "",
        *iterations_table(history),
        "![Risk and cost by iteration](figures/harden_iterations.png)",
        "",
    ]
    text = "\n".join(lines)
    atomic_write(
        out_dir / "harden.md",
        lambda tmp: Path(tmp).write_text(text, encoding="utf-8"),
        overwrite=True,
    )
    return harden_summary(history)
