"""report.md of one run: key numbers, tables and the figures, written atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from planner.io import atomic_write_dir, write_text
from planner.report import figures, japan
from planner.report.experiments import run_section
from planner.report.metrics import OPEN, on_plan_hours, site_energy, summarize
from planner.report.style import fmt_energy, fmt_money, label, save

FIGURES = {
    "map": "Where to build",
    "capacity": "Capacity by site",
    "cost": "Annual cost",
    "dispatch": "Dispatch on representative days",
    "risk": "Risk over futures",
}
RISK_ROWS = (
    ("unserved_energy", "Unserved energy", "MWh/yr", 1.0),
    ("loss_of_load_hours", "Loss-of-load hours", "h/yr", 1.0),
    ("cfe_score", "Hourly CFE score", "%", 100.0),
    ("re_share", "Annual renewable share", "%", 100.0),
    ("grid_energy", "Grid energy", "GWh/yr", 1e-3),
    ("emissions", "Emissions", "ktCO2/yr", 1e-3),
    ("energy_cost", "Energy cost", "bn JPY/yr", 1e-9),
    ("curtailment", "Curtailment", "GWh/yr", 1e-3),
    ("battery_cycles", "Battery cycles", "per yr", 1.0),
)


def write_report(
    out_dir: str | os.PathLike,
    scenario: xr.Dataset,
    plan: xr.Dataset,
    risk: xr.Dataset,
    *,
    reduced: xr.Dataset | None = None,
    settings: Any = None,
    summary: dict[str, Any] | None = None,
) -> Path:
    """Write figures/*.png then report.md into `out_dir`; returns the report path.

    `settings` is a `planner.config.RunSettings` (for titles, dpi, risk targets)
    or None. The figures folder appears whole or not at all.
    """
    out_dir = Path(out_dir)
    targets = settings.report if settings is not None else None
    summary = summary or summarize(scenario, plan, risk, targets)
    hours = on_plan_hours(reduced if reduced is not None else scenario, plan)
    draw = targets is None or targets.figures
    if draw:
        dpi = targets.dpi if targets is not None else 130
        energy = site_energy(plan, hours)
        it_energy = summary["energy_MWh_per_yr"]["it_load"]

        def _draw(folder: Path) -> None:
            made = {
                "map": japan.draw_map(plan, scenario, energy, title=_map_title(settings)),
                "capacity": figures.draw_capacity(plan),
                "cost": figures.draw_cost(plan, it_energy),
                "dispatch": figures.draw_dispatch(plan, hours),
                "risk": figures.draw_risk(risk, targets),
            }
            for name, fig in made.items():
                save(fig, folder / f"{name}.png", dpi)

        atomic_write_dir(out_dir / "figures", _draw, overwrite=True)
    text = render(summary, plan, risk, hours, settings, with_figures=draw)
    return write_text(text, out_dir / "report.md", overwrite=True)


def _map_title(settings: Any) -> str:
    if settings is None:
        return ""
    return (
        f"{settings.scenario.name}: {settings.policy.name} policy, "
        f"{settings.demand.level} demand, siting {settings.siting.name}"
    )


def render(
    summary: dict[str, Any],
    plan: xr.Dataset,
    risk: xr.Dataset,
    hours: xr.Dataset,
    settings: Any = None,
    with_figures: bool = True,
) -> str:
    """The Markdown text of the report."""
    s = summary
    cap = s["capacity"]
    lines = [f"# Data-centre plan: {s['scenario'] or 'scenario'}", ""]
    if settings is not None:
        lines += [
            f"Policy **{settings.policy.name}**, AI demand **{settings.demand.level}**, "
            f"siting **{settings.siting.name}**, LP on "
            + (
                f"{settings.time.n_days} representative days"
                + (" plus extreme days" if settings.time.extreme_days else "")
                if settings.time.n_days
                else "every hour"
            )
            + f", solver {settings.solver.name}, {settings.montecarlo.n_futures:,} Monte Carlo futures "
            f"(seed {settings.montecarlo.seed}).",
            "",
        ]
        if settings.experiment.name:
            lines += [f"Part of the study **{settings.experiment.name}** (see below).", ""]
    for note in filter(None, str(plan.attrs.get("warnings", "")).splitlines()):
        lines += [f"> **Warning from the LP:** {note}", ""]
    lines += ["## Key numbers", "", "| | |", "|---|---|"]
    rows = [
        ("Plan status", f"{s['status']} ({s['solver']}, {s['solve_seconds']:.1f} s)"),
        ("Total annual cost", f"{fmt_money(s['objective'])}/yr"),
        ("Cost per MWh of IT load", f"{s['cost_per_MWh_it_JPY']:,.0f} JPY/MWh"),
        *_lp_rows(plan),
        ("Sites opened", f"{len(s['sites_open'])}: {', '.join(s['sites_open'])}"),
        ("IT capacity", f"{cap['it_MW']:,.0f} MW"),
    ]
    for g in plan.gen.values:
        rows.append((f"{label(str(g))} capacity", f"{cap[f'{g}_MW']:,.0f} MW"))
    rows += [
        ("Battery", f"{cap['battery_MW']:,.0f} MW / {cap['battery_MWh']:,.0f} MWh"),
        ("Grid connection", f"{cap['grid_MW']:,.0f} MW"),
        (
            "Backhaul",
            ", ".join(
                f"{label(str(b))} {cap[f'{b}_Gbps']:,.0f} Gbps"
                for b in plan.backhaul.values
                if cap[f"{b}_Gbps"] > 0
            )
            or "none",
        ),
    ]
    rk = s["risk"]
    if "unserved_energy" in rk:
        rows.append(
            (
                "Unserved energy p50 / p95",
                f"{fmt_energy(rk['unserved_energy']['p50'])} / {fmt_energy(rk['unserved_energy']['p95'])} per yr",
            )
        )
    if "cfe_score" in rk:
        rows.append(
            (
                "Hourly CFE score p5 / p50",
                f"{rk['cfe_score']['p5']:.1%} / {rk['cfe_score']['p50']:.1%}",
            )
        )
    for key, t in s.get("risk_targets", {}).items():
        if key.startswith("unserved"):
            name = "Risk target: unserved energy p95"
            value, bound = fmt_energy(t["value"]), f"<= {fmt_energy(t['target_max'])}"
        else:
            name = "Risk target: hourly CFE score p5"
            value, bound = f"{t['value']:.1%}", f">= {t['target_min']:.1%}"
        verdict = "met" if t["met"] else "**MISSED**"
        rows.append((name, f"{verdict}: {value} (target {bound})"))
    lines += [f"| {a} | {b} |" for a, b in rows]
    lines.append("")

    if with_figures:
        lines += ["![Map of the plan](figures/map.png)", ""]
    lines += ["## Sites", "", _site_table(plan, hours), ""]
    if with_figures:
        lines += ["![Capacity by site](figures/capacity.png)", ""]
    lines += ["## Cost", "", _cost_table(s), ""]
    if with_figures:
        lines += ["![Annual cost](figures/cost.png)", ""]
    lines += ["## Backhaul", "", _backhaul_table(plan, hours), ""]
    lines += ["## Dispatch", ""]
    if with_figures:
        lines += [
            "System-wide hourly supply on a summer and a winter representative day of the LP. "
            "Hatched: renewable output curtailed.",
            "",
            "![Dispatch on representative days](figures/dispatch.png)",
            "",
        ]
    if settings is not None:
        lines += run_section(s, settings)
    lines += ["## Risk over the full year", "", _risk_table(rk), ""]
    n_hours = int(risk.attrs.get("n_hours", risk.sizes.get("time", 8760)) or 8760)
    if n_hours != 8760:
        lines += [
            f"The scenario covers {n_hours} hours, not a year: Monte Carlo energies and costs "
            f"are totals over those {n_hours} hours, while the plan's costs are annualised.",
            "",
        ]
    if with_figures:
        lines += ["![Risk over futures](figures/risk.png)", ""]
    mc = s.get("monte_carlo", {})
    if mc:
        lines += [
            f"Monte Carlo: {mc.get('n_futures', '?')} futures, seed {mc.get('seed', '?')}, "
            f"backend {mc.get('backend', '?')} on {mc.get('devices', '?')} device(s), "
            f"{float(mc.get('seconds', float('nan'))):.1f} s.",
            "",
        ]
    lines += [
        "## Files",
        "",
        "`scenario.nc` (the validated full-year Scenario), `plan.nc`, `risk.nc`, `summary.json` "
        "(these key numbers), `.hydra/config.yaml` (the composed config). "
        "Reload with `xarray.load_dataset(path)`.",
        "",
    ]
    return "\n".join(lines)


def _lp_rows(plan: xr.Dataset) -> list[tuple[str, str]]:
    """The LP's own view of its modelled year (attrs the LP sets), when present."""
    a = plan.attrs
    rows = []
    if "unserved_energy" in a and "served_energy" in a:
        load = float(a["served_energy"]) + float(a["unserved_energy"])
        share = float(a["unserved_energy"]) / load if load > 0 else 0.0
        rows.append(
            (
                "LP: unserved energy",
                f"{fmt_energy(float(a['unserved_energy']))}/yr ({share:.2%} of load)",
            )
        )
    if "cfe_score" in a and "re_share" in a:
        rows.append(
            (
                "LP: hourly CFE score / annual RE share",
                f"{float(a['cfe_score']):.1%} / {float(a['re_share']):.1%}",
            )
        )
    return rows


def _site_table(plan: xr.Dataset, hours: xr.Dataset) -> str:
    energy = site_energy(plan, hours)
    gens = [str(g) for g in plan.gen.values]
    head = [
        "site",
        "area",
        "IT MW",
        *[f"{label(g)} MW" for g in gens],
        "battery MW / MWh",
        "grid MW",
        "renewable share of supply",
    ]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for site in plan.site.values:
        p = plan.sel(site=site)
        if float(p["site_open"]) <= OPEN:
            continue
        e = energy.sel(site=site)
        total = float(e.sum())
        re = float(e.sel(source=gens).sum()) / total if total > 0 else float("nan")
        area = str(p["site_area"].item()) if "site_area" in p else ""
        cells = [
            str(site),
            area,
            f"{float(p['it_capacity']):,.0f}",
            *[f"{float(p['gen_capacity'].sel(gen=g)):,.0f}" for g in gens],
            f"{float(p['battery_power']):,.0f} / {float(p['battery_energy']):,.0f}",
            f"{float(p['grid_capacity']):,.0f}",
            f"{re:.0%}",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _cost_table(summary: dict[str, Any]) -> str:
    cost = summary["cost_JPY_per_yr"]
    total = sum(cost.values())
    rows = ["| component | bn JPY/yr | share |", "|---|---:|---:|"]
    for name, v in sorted(cost.items(), key=lambda kv: -kv[1]):
        rows.append(
            f"| {label(name)} | {v / 1e9:,.3f} | {v / total:.1%} |"
            if total
            else f"| {name} | {v / 1e9:,.3f} | |"
        )
    rows.append(f"| **Total** | **{total / 1e9:,.3f}** | |")
    return "\n".join(rows)


def _backhaul_table(plan: xr.Dataset, hours: xr.Dataset) -> str:
    cap = plan["backhaul_capacity"].transpose("node", "site", "backhaul")
    share = plan["share"].transpose("node", "site")
    rows = [
        "| demand node | site | technology | Gbps | km | share of node's inference |",
        "|---|---|---|---:|---:|---:|",
    ]
    dist = hours["distance"] if "distance" in hours else None
    for n, s, b in zip(*np.nonzero(cap.values > 1e-6), strict=True):
        node, site, tech = (
            str(cap.node.values[n]),
            str(cap.site.values[s]),
            str(cap.backhaul.values[b]),
        )
        km = f"{float(dist.sel(node=node, site=site)):,.0f}" if dist is not None else ""
        rows.append(
            f"| {node} | {site} | {label(tech)} | {float(cap.values[n, s, b]):,.1f} | {km} | "
            f"{float(share.values[n, s]):.0%} |"
        )
    if len(rows) == 2:
        rows.append("| (no backhaul built) | | | | | |")
    return "\n".join(rows)


def _risk_table(risk_summary: dict[str, dict[str, float]]) -> str:
    stats = ["mean", "p5", "p50", "p95", "cvar95"]
    rows = ["| metric | unit | " + " | ".join(stats) + " |", "|---|---|" + "---:|" * len(stats)]
    for metric, name, unit, scale in RISK_ROWS:
        if metric not in risk_summary:
            continue
        vals = [risk_summary[metric].get(st, float("nan")) * scale for st in stats]
        rows.append(f"| {name} | {unit} | " + " | ".join(f"{v:,.4g}" for v in vals) + " |")
    rows.append("")
    rows.append(
        "p5/p50/p95: percentiles over futures; cvar95: mean of the worst 5 % of futures "
        "(highest for costs and shortfalls, lowest for CFE and renewable shares)."
    )
    return "\n".join(rows)
