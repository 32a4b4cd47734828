"""report.md of one run: one function per section, figures first, written atomically.

Each section takes the datasets and options it needs and returns Markdown lines;
the energy by site and source is computed once, in `write_report`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from planner.contracts.risk import BY_NAME as RISK_METRICS
from planner.contracts.risk import STATS
from planner.contracts.table import Var
from planner.io import atomic_write_dir, write_text
from planner.report import figures, japan
from planner.report.capacity import draw_capacity
from planner.report.experiments import study_section
from planner.report.html import write_html
from planner.report.metrics import OPEN, check_inputs, on_plan_hours, site_energy
from planner.report.network import backhaul_table, latency_figure
from planner.report.options import ReportOptions
from planner.report.risk_figures import draw_risk
from planner.report.style import fmt_energy, fmt_money, fmt_number, fmt_percent, label, save

# metric -> the name the risk table shows (others: label(metric)); units come from RISK_SCHEMA
RISK_NAMES = {
    "loss_of_load_hours": "Loss-of-load hours",
    "cfe_score": "Hourly CFE score",
    "re_share": "Annual renewable share",
}
# schema units -> units shown, smallest first: a row takes the largest unit its values reach
SHOWN_UNITS = {
    "MWh": (("MWh/yr", 1.0), ("GWh/yr", 1e-3), ("TWh/yr", 1e-6)),
    "h": (("h/yr", 1.0),),
    "tCO2": (("tCO2/yr", 1.0), ("ktCO2/yr", 1e-3), ("MtCO2/yr", 1e-6)),
    "JPY": (("JPY/yr", 1.0), ("M JPY/yr", 1e-6), ("bn JPY/yr", 1e-9), ("trn JPY/yr", 1e-12)),
    "1": (("per yr", 1.0),),
}
SHARES = {"re_share", "cfe_score"}  # shown in % (the annual RE share can pass 100 % with exports)


def write_report(
    out_dir: str | os.PathLike,
    scenario: xr.Dataset,
    plan: xr.Dataset,
    risk: xr.Dataset,
    summary: dict[str, Any],
    *,
    reduced: xr.Dataset | None = None,
    options: ReportOptions | None = None,
    history: xr.Dataset | None = None,
) -> Path:
    """Write figures/*.png, report.md and report.html into `out_dir`; returns report.md's path.

    `summary` is `summarize(scenario, plan, risk, options)`; `reduced` the
    Scenario on the LP's hours (default: the Scenario); `history` planner.harden's
    iterations (a `robust=on` run: its table, figure and verdict). The figures folder
    appears whole or not at all.
    """
    out_dir = Path(out_dir)
    options = options or ReportOptions()
    plan, risk = check_inputs(scenario, plan, risk)
    hours = on_plan_hours(reduced if reduced is not None else scenario, plan)
    energy = site_energy(plan, hours)
    if options.figures:

        def _draw(folder: Path) -> None:
            made = {
                "map": japan.draw_map(plan, scenario, energy, title=options.title),
                "capacity": draw_capacity(plan),
                "cost": figures.draw_cost(plan, summary["energy_MWh_per_yr"]["it_load"]),
                "dispatch": figures.draw_dispatch(plan, hours),
                "risk": draw_risk(risk, options, summary.get("policy")),
            }
            if history is not None:
                made["harden_iterations"] = _hardening().draw_iterations(history)
            for name, fig in made.items():
                save(fig, folder / f"{name}.png", options.dpi)
            latency_figure(scenario, plan, folder / "latency.png", options.dpi)

        atomic_write_dir(out_dir / "figures", _draw, overwrite=True)
    fig = options.figures
    per_year = float(risk.attrs.get("annual_scale", 1.0))  # Monte Carlo totals -> a year
    lines = [
        *heading(summary, plan, options),
        *key_numbers(summary, plan, per_year),
        *_figure("map", "Map of the plan", fig),
        *sites_section(plan, energy),
        *_figure("capacity", "Capacity by site", fig),
        *cost_section(summary),
        *_figure("cost", "Annual cost", fig),
        *backhaul_section(scenario, plan, fig),
        *dispatch_section(fig),
        *study_section(summary, options.study),
        *risk_section(summary, scenario, fig, per_year),
        *(harden_section(history, fig) if history is not None else []),
        *files_section(),
    ]
    text = "\n".join(lines)
    path = write_text(text, out_dir / "report.md", overwrite=True)
    write_html(text, out_dir)  # report.html: the same, figures embedded, tables sortable
    return path


def _figure(name: str, alt: str, drawn: bool) -> list[str]:
    return [f"![{alt}](figures/{name}.png)", ""] if drawn else []


def heading(summary: dict[str, Any], plan: xr.Dataset, options: ReportOptions) -> list[str]:
    """Title, the run in one line, its study, and the LP's warnings."""
    lines = [f"# Data-centre plan: {options.title or summary['scenario'] or 'scenario'}", ""]
    if options.description:
        lines += [options.description, ""]
    if options.study.name:
        lines += [f"Part of the study **{options.study.name}** (see below).", ""]
    for note in filter(None, str(plan.attrs.get("warnings", "")).splitlines()):
        lines += [f"> **Warning from the LP:** {note}", ""]
    return lines


def key_numbers(summary: dict[str, Any], plan: xr.Dataset, per_year: float = 1.0) -> list[str]:
    """Cost, capacities, the LP's own view, risk and the verdict on each risk target.

    `per_year`: the Risk's `annual_scale` (its energies are totals over its hours).
    """
    s, cap, rk = summary, summary["capacity"], summary["risk"]
    rows = [
        ("Plan status", f"{s['status']} ({s['solver']}, {s['solve_seconds']:.1f} s)"),
        ("Total annual cost", f"{fmt_money(s['objective'])}/yr"),
        ("Cost per MWh of IT load", f"{s['cost_per_MWh_it_JPY']:,.0f} JPY/MWh"),
        *_lp_rows(plan),
        ("Sites opened", f"{len(s['sites_open'])}: {', '.join(s['sites_open'])}"),
        ("IT capacity", f"{cap['it_MW']:,.0f} MW"),
        *[(f"{label(str(g))} capacity", f"{cap[f'{g}_MW']:,.0f} MW") for g in plan.gen.values],
        *[
            (f"{label(str(g))} off-site PPA", f"{cap[f'ppa_{g}_MW']:,.0f} MW")
            for g in plan.gen.values
            if cap.get(f"ppa_{g}_MW", 0.0) > 0
        ],
        ("Battery", f"{cap['battery_MW']:,.0f} MW / {cap['battery_MWh']:,.0f} MWh"),
        ("Grid connection", f"{cap['grid_MW']:,.0f} MW"),
        *([("Backup generation", f"{cap['backup_MW']:,.0f} MW")] if "backup_MW" in cap else []),
        (
            "Backhaul",
            ", ".join(
                f"{label(str(b))} {cap[f'{b}_Gbps']:,.0f} Gbps"
                for b in plan.backhaul.values
                if cap[f"{b}_Gbps"] > 0
            )
            or "none",
        ),
        (
            "Unserved energy p50 / p95",
            f"{fmt_energy(rk['unserved_energy']['p50'] * per_year)} / "
            f"{fmt_energy(rk['unserved_energy']['p95'] * per_year)} per yr",
        ),
        (
            "Hourly CFE score p5 / p50",
            f"{rk['cfe_score']['p5']:.1%} / {rk['cfe_score']['p50']:.1%}",
        ),
    ]
    for key, t in s["risk_targets"].items():
        metric, stat = key.removesuffix("_MWh").rsplit("_", 1)
        name = f"Risk target: {_name(metric)[:1].lower() + _name(metric)[1:]} {stat}"
        if "target_max" in t:
            value, bound = fmt_energy(t["value"]), f"<= {fmt_energy(t['target_max'])}"
        else:
            value, bound = fmt_percent(t["value"]), f">= {fmt_percent(t['target_min'])}"
        verdict = "met" if t["met"] else "**MISSED**"
        rows.append((name, f"{verdict}: {value} (target {bound})"))
    if h := s.get("harden"):
        rows.append(
            (
                "Hardening (planner.harden)",
                f"{'accepted' if h['accepted'] else '**not accepted**'} after "
                f"{len(h['iterations'])} iteration{'s' if len(h['iterations']) != 1 else ''} "
                "(see Hardening below)",
            )
        )
    return ["## Key numbers", "", "| | |", "|---|---|", *[f"| {a} | {b} |" for a, b in rows], ""]


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
                "LP: hourly CFE score / annual RE share (of total load)",
                f"{float(a['cfe_score']):.1%} / {float(a['re_share']):.1%}",
            )
        )
    if "export_energy" in a and "grid_energy" in a:
        rows.append(
            (
                "LP: grid import / export",
                f"{fmt_energy(float(a['grid_energy']))}/yr / "
                f"{fmt_energy(float(a['export_energy']))}/yr",
            )
        )
    for key, name in (("re_shortfall", "annual RE"), ("cfe_shortfall", "hourly CFE")):
        if key in a and float(a[key]) > 0.0:
            rows.append((f"LP: {name} target missed by", f"{fmt_energy(float(a[key]))}/yr"))
    return rows


def sites_section(plan: xr.Dataset, energy: xr.DataArray) -> list[str]:
    """One row per open site: capacities and the renewable share of its supply."""
    gens = [str(g) for g in plan.gen.values]
    head = [
        "site",
        "area",
        "IT MW",
        *[f"{label(g)} MW" for g in gens],
        *(["PPA MW"] if "ppa_capacity" in plan else []),
        "battery MW / MWh",
        "grid MW",
        *(["backup MW"] if "backup_power" in plan else []),
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
        cells = [
            str(site),
            str(p["site_area"].item()) if "site_area" in p else "",
            f"{float(p['it_capacity']):,.0f}",
            *[f"{float(p['gen_capacity'].sel(gen=g)):,.0f}" for g in gens],
            *([f"{float(p['ppa_capacity'].sum()):,.0f}"] if "ppa_capacity" in p else []),
            f"{float(p['battery_power']):,.0f} / {float(p['battery_energy']):,.0f}",
            f"{float(p['grid_capacity']):,.0f}",
            *([f"{float(p['backup_power']):,.0f}"] if "backup_power" in p else []),
            f"{re:.0%}",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return ["## Sites", "", *rows, ""]


def cost_section(summary: dict[str, Any]) -> list[str]:
    """Annual cost by component, largest first, with shares."""
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
    return ["## Cost", "", *rows, ""]


def backhaul_section(scenario: xr.Dataset, plan: xr.Dataset, with_figure: bool) -> list[str]:
    """Every link the plan uses (latency class, technology, Gbps, km, latency against budget),
    and the latency figure."""
    return [
        "## Backhaul and latency",
        "",
        "Each demand node's inference share by latency class, the site that serves it and the "
        "technology that carries it; Gbps is the link's capacity split by class traffic, latency "
        "one way, budget the class's (capped by the node's).",
        "",
        backhaul_table(scenario, plan),
        *_figure(
            "latency", "Latency budget and latency served, traffic by technology", with_figure
        ),
    ]


def _hardening():
    """planner.hardening.report, imported when used: it imports planner.report.style, so a
    top-level import here would make the two packages import each other."""
    from planner.hardening import report

    return report


def harden_section(history: xr.Dataset, with_figure: bool) -> list[str]:
    """planner.harden's iterations (cost, LP periods, each target in-sample and held out), the
    figure and the verdict."""
    return [
        "## Hardening: plan, stress-test, re-plan",
        "",
        f"Each plan was run through {int(history.attrs['n_futures']):,} futures of the full year; "
        f"a plan meeting every target was checked on {int(history.attrs['n_holdout']):,} held-out "
        "futures (a fresh seed) and accepted only if the targets held there too. Energies per "
        "year.",
        "",
        *_hardening().iterations_table(history),
        *_figure("harden_iterations", "Risk and cost by iteration", with_figure),
    ]


NOT_INTERCONNECTED = (
    "Sites are not interconnected: each balances its own load with its own generation, battery "
    "and grid connection, so grid import at one site and curtailment at another can show in the "
    "same hour."
)


def dispatch_section(with_figure: bool) -> list[str]:
    """The dispatch figure and what it shows."""
    if not with_figure:
        return ["## Dispatch", ""]
    return [
        "## Dispatch",
        "",
        "Hourly supply summed over all sites on a summer (Jun-Aug) and a winter (Dec-Feb) "
        "representative day of the LP. Hatched: renewable output exported or curtailed. "
        f"{NOT_INTERCONNECTED}",
        "",
        *_figure("dispatch", "Dispatch on representative days", True),
    ]


def risk_section(
    summary: dict[str, Any], scenario: xr.Dataset, with_figure: bool, per_year: float = 1.0
) -> list[str]:
    """Statistics of every Risk metric over futures (totals x `per_year`, the Risk's
    `annual_scale`: per year), and how the Monte Carlo ran."""
    risk = summary["risk"]
    rows = ["| metric | unit | " + " | ".join(STATS) + " |", "|---|---|" + "---:|" * len(STATS)]
    for metric, stats in risk.items():
        unit, scale = _shown_unit(RISK_METRICS[metric], [stats[st] for st in STATS], per_year)
        vals = [stats[st] * scale for st in STATS]
        rows.append(f"| {_name(metric)} | {unit} | " + " | ".join(map(fmt_number, vals)) + " |")
    worse_low = [
        _name(m)[:1].lower() + _name(m)[1:] for m in risk if RISK_METRICS[m].worse == "low"
    ]
    lines = [
        "## Risk over the full year",
        "",
        *rows,
        "",
        "p5/p50/p95: percentiles over futures; cvar95: mean of the worst 5 % of futures "
        f"(the highest values; the lowest for {', '.join(worse_low)}).",
        "",
    ]
    n_hours = scenario.sizes["time"]
    if n_hours != 8760:
        lines += [
            f"The scenario covers {n_hours} hours, not a year: the table scales the Monte "
            f"Carlo's totals (energies, hours, emissions, costs, cycles) to a year "
            f"(x {per_year:,.2f}), as the plan's costs and the risk targets are; the figure "
            f"shows them over the {n_hours} hours.",
            "",
        ]
    lines += _figure("risk", "Risk over futures", with_figure)
    mc = summary["monte_carlo"]
    lines += [
        f"Monte Carlo: {_count(mc.get('n_futures'), 'future')}, seed {mc.get('seed', '?')}, "
        f"backend {mc.get('backend', '?')} on {_count(mc.get('devices'), 'device')}, "
        f"{float(mc.get('seconds', float('nan'))):.1f} s.",
        "",
    ]
    return lines


def _count(n: Any, noun: str) -> str:
    """`1,000 futures`, `1 device`, `? devices` when unknown."""
    if not isinstance(n, int | float):
        return f"? {noun}s"
    return f"{int(n):,} {noun}{'' if int(n) == 1 else 's'}"


def _name(metric: str) -> str:
    return RISK_NAMES.get(metric, label(metric))


def _shown_unit(metric: Var, values: list[float], per_year: float = 1.0) -> tuple[str, float]:
    """The unit a row is shown in and its scale from the schema units: % for shares, else
    totals x `per_year` in the smallest SI step in which the largest is below 10,000
    (5,394,650 MWh -> 5,395 GWh)."""
    if metric.rule == "fraction" or metric.name in SHARES:
        return "%", 100.0
    steps = SHOWN_UNITS.get(metric.units, ((metric.units, 1.0),))
    largest = max((abs(v) * per_year for v in values if np.isfinite(v)), default=0.0)
    for unit, scale in steps:
        if largest * scale < 1e4:
            return unit, scale * per_year
    return steps[-1][0], steps[-1][1] * per_year


def files_section() -> list[str]:
    """What the run folder holds and how to reload it."""
    return [
        "## Files",
        "",
        "`report.html` (this report in one file, figures embedded, tables sortable by a click "
        "on a header), `scenario.nc` (the validated full-year Scenario), `plan.nc`, `risk.nc`, "
        "`summary.json` (these key numbers), `.hydra/config.yaml` (the composed config, for a `planner` run). "
        "Reload with `xarray.load_dataset(path)`.",
        "",
    ]
