"""Sections for the named studies (configs/experiment/): in each run's report and in the comparison.

The study's facts (its baseline policy, its area groups) come from `StudyOptions`:
a run's report gets them from `ReportOptions.study`, the comparison from the
runs' summary.json settings (`settings.experiment`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.report.options import StudyOptions
from planner.report.runs import risk_value, total_cost, unserved_share
from planner.report.style import fmt_energy, label

Run = dict[str, Any]  # a run's summary.json, with its settings


def study_from_runs(experiment: dict[str, Any]) -> StudyOptions:
    """The study of a comparison, from the runs' common `settings.experiment` (older runs: defaults)."""
    return StudyOptions(**{k: v for k, v in experiment.items() if k in StudyOptions.model_fields})


# ---- the comparison report ------------------------------------------------------------------


def _baseline(runs: list[Run], study: StudyOptions) -> Run | None:
    name = study.baseline_policy
    return next((r for r in runs if r["settings"]["policy"]["name"] == name), None)


def _cfe_premium(runs: list[Run], study: StudyOptions) -> list[str]:
    base = _baseline(runs, study)
    lines = ["## The cost of 24/7 carbon-free energy", ""]
    if base is None:
        missing = f"`{study.baseline_policy}` run" if study.baseline_policy else "baseline policy"
        return lines + [f"(No {missing} in this sweep, so no premium to measure.)", ""]
    ref = total_cost(base)
    lines += [
        f"Premium of each policy over `{study.baseline_policy}` (same scenario, demand and siting):",
        "",
        "| policy | cost bn JPY/yr | premium bn JPY/yr | premium % | JPY/MWh IT | CFE p50 | battery MWh | LP export GWh/yr | LP unserved |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        c = total_cost(r)
        lines.append(
            f"| {r['settings']['policy']['name']} | {c / 1e9:,.2f} | {(c - ref) / 1e9:+,.2f} | "
            f"{(c / ref - 1) * 100:+.1f}% | {r['cost_per_MWh_it_JPY']:,.0f} | "
            f"{risk_value(r, 'cfe_score', 'p50'):.1%} | {r['capacity']['battery_MWh']:,.0f} | "
            f"{r['energy_MWh_per_yr'].get('export', 0.0) / 1e3:,.0f} | {unserved_share(r):.1%} |"
        )
    return lines + [""]


def _watt_bit(runs: list[Run], study: StudyOptions) -> list[str]:
    groups = "; ".join(
        f"{label(g)}: {', '.join(a.capitalize() for a in areas)}"
        for g, areas in study.area_groups.items()
    )
    lines = [
        "## Watt-bit: near power or near demand?",
        "",
        "Cost split into what siting trades off: power (on-site generation, PPAs and their "
        "wheeling, battery, backup, grid connection, wheeling and energy, carbon, net of export "
        "revenue) against the network (backhaul) and the latency users see. Costs are net of "
        "any siting subsidy (a transfer from the state, not a saving to the country). "
        + (f"{groups}." if groups else "(The study names no area groups.)"),
        "",
        "| siting | total bn JPY/yr | power bn JPY/yr | backhaul bn JPY/yr | mean latency ms | "
        f"worst latency ms | Gbps x km | {split_header(study)} | unserved p95 MWh |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        net = r.get("network", {})
        lines.append(
            f"| {r['settings']['siting']['name']} | {total_cost(r) / 1e9:,.2f} | {power_cost(r):,.2f} | "
            f"{backhaul_cost(r):,.3f} | {net.get('mean_latency_ms', float('nan')):.2f} | "
            f"{net.get('max_latency_ms', float('nan')):.2f} | {net.get('gbps_km', 0):,.0f} | "
            f"{split_it(r.get('it_MW_by_area', {}), study)} | "
            f"{risk_value(r, 'unserved_energy', 'p95'):,.1f} |"
        )
    return lines + [""]


def split_header(study: StudyOptions) -> str:
    """`IT MW near power / near demand / elsewhere` for the study's area groups."""
    return "IT MW " + " / ".join([*(label(g).lower() for g in study.area_groups), "elsewhere"])


def split_it(it_by_area: dict[str, float], study: StudyOptions) -> str:
    """IT capacity (MW) in each of the study's area groups, then elsewhere."""
    parts = [sum(it_by_area.get(a, 0.0) for a in areas) for areas in study.area_groups.values()]
    rest = sum(it_by_area.values()) - sum(parts)
    return " / ".join(f"{v:,.0f}" for v in [*parts, rest])


# cost components (summary.json's cost_JPY_per_yr) that are the cost of power, by prefix:
# gen_<gen> (older runs: generation), ppa_<gen> and ppa_wheeling, battery, backup,
# grid_connection, grid_wheeling, grid_energy, grid_energy_charge, carbon, export_revenue (< 0)
POWER_PREFIXES = ("gen", "ppa_", "battery", "backup", "grid_", "carbon", "export_revenue")


def power_cost(r: Run) -> float:
    """Annual cost of power of a run (bn JPY/yr): the components in POWER_PREFIXES."""
    return sum(v for k, v in r["cost_JPY_per_yr"].items() if k.startswith(POWER_PREFIXES)) / 1e9


def backhaul_cost(r: Run) -> float:
    """Annual backhaul cost of a run (bn JPY/yr)."""
    return sum(v for k, v in r["cost_JPY_per_yr"].items() if "backhaul" in k) / 1e9


def _demand_uncertainty(runs: list[Run], study: StudyOptions) -> list[str]:
    lines = [
        "## Plan and risk across AI-demand growth",
        "",
        "| demand | IT MW | sites | cost bn JPY/yr | JPY/MWh IT | unserved p50 / p95 MWh | CFE p5 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r['settings']['demand']['level']} | {r['capacity']['it_MW']:,.0f} | {len(r['sites_open'])} | "
            f"{total_cost(r) / 1e9:,.2f} | {r['cost_per_MWh_it_JPY']:,.0f} | "
            f"{risk_value(r, 'unserved_energy', 'p50'):,.1f} / {risk_value(r, 'unserved_energy', 'p95'):,.1f} | "
            f"{risk_value(r, 'cfe_score', 'p5'):.1%} |"
        )
    sites = [set(r["sites_open"]) for r in runs]
    robust = set.intersection(*sites) if sites else set()
    lines += [
        "",
        f"Sites opened at every demand level (no-regret): {', '.join(sorted(robust)) or '(none)'}.",
        "",
    ]
    return lines


def _hardening():
    """planner.hardening.report, imported when used: it imports planner.report.style, so a
    top-level import here would make the two packages import each other."""
    from planner.hardening import report

    return report


def _reliability_frontier(runs: list[Run], study: StudyOptions) -> list[str]:
    lines = [
        "## Reliability frontier: what each step of reliability costs",
        "",
        "Every run hardened its plan (`planner.harden`: plan, stress-test over the full year, "
        "re-plan until the targets hold on held-out futures) for one pair of targets. One table "
        "per swept target and setting of the other, loosest first; the risk reached is the "
        "last plan's on the held-out futures, and the marginal cost prices each step against "
        "the one before.",
        "",
    ]
    table = _hardening().frontier_table(runs)
    if not table:
        return lines + ["(No target differs between the hardened runs, so no frontier.)", ""]
    return lines + table + ["![Cost against the risk reached](figures/frontier.png)", ""]


def _draw_frontier(runs: list[Run]):
    return _hardening().draw_frontier(runs)


EXPERIMENT_SECTIONS: dict[str, Callable[[list[Run], StudyOptions], list[str]]] = {
    "cfe_premium": _cfe_premium,
    "watt_bit": _watt_bit,
    "demand_uncertainty": _demand_uncertainty,
    "reliability_frontier": _reliability_frontier,
}
# study -> its own figures of the comparison: name -> draw(runs) (a Figure, or None: not drawn)
EXPERIMENT_FIGURES = {"reliability_frontier": {"frontier": _draw_frontier}}


def _premium_pct(runs: list[Run], study: StudyOptions) -> Callable[[Run], float]:
    base = _baseline(runs, study)
    ref = total_cost(base) if base else float("nan")
    return lambda r: (total_cost(r) / ref - 1) * 100


# study -> panels of its comparison figure: (title, (runs, study) -> (run -> value))
EXPERIMENT_PANELS = {
    "cfe_premium": [
        ("Cost premium over the baseline policy (%)", _premium_pct),
        ("Battery energy (MWh)", lambda runs, study: lambda r: r["capacity"]["battery_MWh"]),
        (
            "Hourly CFE score p50 (%)",
            lambda runs, study: lambda r: risk_value(r, "cfe_score", "p50") * 100,
        ),
    ],
    "watt_bit": [
        ("Total cost (bn JPY/yr)", lambda runs, study: lambda r: total_cost(r) / 1e9),
        ("Backhaul cost (bn JPY/yr)", lambda runs, study: backhaul_cost),
        (
            "Mean latency (ms)",
            lambda runs, study: lambda r: r.get("network", {}).get("mean_latency_ms", float("nan")),
        ),
    ],
    "demand_uncertainty": [
        ("IT capacity (MW)", lambda runs, study: lambda r: r["capacity"]["it_MW"]),
        ("Cost per MWh of IT load (JPY)", lambda runs, study: lambda r: r["cost_per_MWh_it_JPY"]),
        (
            "Unserved energy p95 (GWh/yr)",
            lambda runs, study: lambda r: risk_value(r, "unserved_energy", "p95") / 1e3,
        ),
    ],
}


# ---- a run's own report ---------------------------------------------------------------------


def study_section(summary: dict[str, Any], study: StudyOptions) -> list[str]:
    """This run's answer to its study's question (Markdown lines), for the run's own report."""
    if study.name not in EXPERIMENT_SECTIONS:
        return []
    if study.name == "cfe_premium":
        target = summary["policy"].get("cfe_target")
        rows = [
            ("Hourly CFE target", f"{target:.0%}" if target is not None else "none"),
            ("Baseline policy", study.baseline_policy or "(none named)"),
            (
                "CFE score over futures p5 / p50",
                f"{risk_value(summary, 'cfe_score', 'p5'):.1%} / "
                f"{risk_value(summary, 'cfe_score', 'p50'):.1%}",
            ),
            ("Battery energy", f"{summary['capacity']['battery_MWh']:,.0f} MWh"),
            ("Cost per MWh of IT load", f"{summary['cost_per_MWh_it_JPY']:,.0f} JPY"),
        ]
    elif study.name == "watt_bit":
        net = summary["network"]
        rows = [
            (split_header(study), split_it(summary["it_MW_by_area"], study)),
            ("Backhaul cost", f"{backhaul_cost(summary):,.3f} bn JPY/yr"),
            (
                "Mean / worst latency",
                f"{net['mean_latency_ms']:.2f} / {net['max_latency_ms']:.2f} ms",
            ),
        ]
    else:
        unserved = summary["risk"]["unserved_energy"]
        rows = [
            ("AI-demand growth", summary["demand"]),
            (
                "IT capacity built",
                f"{summary['capacity']['it_MW']:,.0f} MW at {len(summary['sites_open'])} "
                + ("site" if len(summary["sites_open"]) == 1 else "sites"),
            ),
            (
                "Unserved energy over futures p50 / p95",
                f"{fmt_energy(unserved['p50'])} / {fmt_energy(unserved['p95'])} per yr",
            ),
        ]
    return [
        f"## Study: {study.name}",
        "",
        f"**Question.** {study.question}",
        "",
        "| | |",
        "|---|---|",
        *[f"| {a} | {b} |" for a, b in rows],
        "",
        "The other runs of the study and the comparison are in the multirun folder's "
        "`comparison/report.md`.",
        "",
    ]
