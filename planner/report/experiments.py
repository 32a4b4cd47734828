"""Sections of the comparison report for the named studies (configs/experiment/)."""

from __future__ import annotations

from typing import Any

from planner.report.runs import risk_value, total_cost, unserved_share


def _cfe_premium(runs: list[dict[str, Any]], labels: list[str]) -> list[str]:
    base = next((r for r in runs if r["settings"]["policy"]["name"] == "annual_re100"), None)
    lines = ["## The cost of 24/7 carbon-free energy", ""]
    if base is None:
        return lines + ["(No `annual_re100` run in this sweep, so no premium to measure.)", ""]
    ref = total_cost(base)
    lines += [
        "Premium of each policy over annual RE100 matching (same scenario, demand and siting):",
        "",
        "| policy | cost bn JPY/yr | premium bn JPY/yr | premium % | JPY/MWh IT | CFE p50 | battery MWh | LP unserved |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        c = total_cost(r)
        lines.append(
            f"| {r['settings']['policy']['name']} | {c / 1e9:,.2f} | {(c - ref) / 1e9:+,.2f} | "
            f"{(c / ref - 1) * 100:+.1f}% | {r['cost_per_MWh_it_JPY']:,.0f} | "
            f"{risk_value(r, 'cfe_score', 'p50'):.1%} | {r['capacity']['battery_MWh']:,.0f} | "
            f"{unserved_share(r):.1%} |"
        )
    return lines + [""]


def _watt_bit(runs: list[dict[str, Any]], labels: list[str]) -> list[str]:
    lines = [
        "## Watt-bit: near power or near demand?",
        "",
        "Cost split into what siting trades off: power (generation, battery, grid energy and "
        "connection) against the network (backhaul) and the latency users see. Costs are net of "
        "any siting subsidy (a transfer from the state, not a saving to the country). "
        "Near power: Hokkaido, Tohoku, Kyushu; near demand: Tokyo, Chubu, Kansai.",
        "",
        "| siting | total bn JPY/yr | power bn JPY/yr | backhaul bn JPY/yr | mean latency ms | worst latency ms | Gbps x km | IT MW near power / near demand / elsewhere | unserved p95 MWh |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        cost = r["cost_JPY_per_yr"]
        backhaul = sum(v for k, v in cost.items() if "backhaul" in k)
        power = sum(
            v
            for k, v in cost.items()
            if any(w in k for w in ("gen", "battery", "grid", "solar", "wind", "energy"))
        )
        net = r.get("network", {})
        lines.append(
            f"| {r['settings']['siting']['name']} | {total_cost(r) / 1e9:,.2f} | {power / 1e9:,.2f} | "
            f"{backhaul / 1e9:,.3f} | {net.get('mean_latency_ms', float('nan')):.2f} | "
            f"{net.get('max_latency_ms', float('nan')):.2f} | {net.get('gbps_km', 0):,.0f} | "
            f"{_split(r.get('it_MW_by_area', {}))} | {risk_value(r, 'unserved_energy', 'p95'):,.1f} |"
        )
    return lines + [""]


POWER_AREAS = ("hokkaido", "tohoku", "kyushu")
DEMAND_AREAS = ("tokyo", "chubu", "kansai")


def _split(it_by_area: dict[str, float]) -> str:
    power = sum(v for a, v in it_by_area.items() if a in POWER_AREAS)
    demand = sum(v for a, v in it_by_area.items() if a in DEMAND_AREAS)
    rest = sum(it_by_area.values()) - power - demand
    return f"{power:,.0f} / {demand:,.0f} / {rest:,.0f}"


def _demand_uncertainty(runs: list[dict[str, Any]], labels: list[str]) -> list[str]:
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


EXPERIMENT_SECTIONS = {
    "cfe_premium": _cfe_premium,
    "watt_bit": _watt_bit,
    "demand_uncertainty": _demand_uncertainty,
}


def _premium_pct(runs: list[dict[str, Any]]):
    base = next((r for r in runs if r["settings"]["policy"]["name"] == "annual_re100"), None)
    ref = total_cost(base) if base else float("nan")
    return lambda r: (total_cost(r) / ref - 1) * 100


def _backhaul_cost(r: dict[str, Any]) -> float:
    return sum(v for k, v in r["cost_JPY_per_yr"].items() if "backhaul" in k) / 1e9


EXPERIMENT_PANELS = {
    "cfe_premium": [
        ("Cost premium over annual RE100 (%)", _premium_pct),
        ("Battery energy (MWh)", lambda runs: lambda r: r["capacity"]["battery_MWh"]),
        (
            "Hourly CFE score p50 (%)",
            lambda runs: lambda r: risk_value(r, "cfe_score", "p50") * 100,
        ),
    ],
    "watt_bit": [
        ("Total cost (bn JPY/yr)", lambda runs: lambda r: total_cost(r) / 1e9),
        ("Backhaul cost (bn JPY/yr)", lambda runs: _backhaul_cost),
        (
            "Mean latency (ms)",
            lambda runs: lambda r: r.get("network", {}).get("mean_latency_ms", float("nan")),
        ),
    ],
    "demand_uncertainty": [
        ("IT capacity (MW)", lambda runs: lambda r: r["capacity"]["it_MW"]),
        ("Cost per MWh of IT load (JPY)", lambda runs: lambda r: r["cost_per_MWh_it_JPY"]),
        (
            "Unserved energy p95 (GWh/yr)",
            lambda runs: lambda r: risk_value(r, "unserved_energy", "p95") / 1e3,
        ),
    ],
}


def run_section(summary: dict[str, Any], settings: Any) -> list[str]:
    """This run's answer to its study's question (Markdown lines), for the run's own report."""
    name = settings.experiment.name
    if name not in EXPERIMENT_SECTIONS:
        return []
    lines = [f"## Study: {name}", "", f"**Question.** {settings.experiment.question}", ""]
    it = summary.get("it_MW_by_area", {})
    risk_u = summary.get("risk", {}).get("unserved_energy", {})
    if name == "cfe_premium":
        target = settings.policy.cfe_target
        rows = [
            ("Policy", settings.policy.name),
            (
                "Hourly CFE target",
                f"{target:.0%}" if target is not None else "none (annual RE matching)",
            ),
            (
                "CFE score over futures p5 / p50",
                f"{risk_value(summary, 'cfe_score', 'p5'):.1%} / {risk_value(summary, 'cfe_score', 'p50'):.1%}",
            ),
            ("Battery energy", f"{summary['capacity']['battery_MWh']:,.0f} MWh"),
            ("Cost per MWh of IT load", f"{summary['cost_per_MWh_it_JPY']:,.0f} JPY"),
        ]
    elif name == "watt_bit":
        net = summary.get("network", {})
        rows = [
            ("Siting", f"{settings.siting.name}: {settings.siting.description}"),
            ("IT MW near power / near demand / elsewhere", _split(it)),
            ("Backhaul cost", f"{_backhaul_cost(summary):,.3f} bn JPY/yr"),
            (
                "Mean / worst latency",
                f"{net.get('mean_latency_ms', float('nan')):.2f} / {net.get('max_latency_ms', float('nan')):.2f} ms",
            ),
        ]
    else:
        rows = [
            ("AI-demand growth", settings.demand.level),
            (
                "IT capacity built",
                f"{summary['capacity']['it_MW']:,.0f} MW at {len(summary['sites_open'])} sites",
            ),
            (
                "Unserved energy over futures p50 / p95",
                f"{risk_u.get('p50', float('nan')):,.0f} / {risk_u.get('p95', float('nan')):,.0f} MWh/yr",
            ),
        ]
    lines += ["| | |", "|---|---|", *[f"| {a} | {b} |" for a, b in rows], ""]
    lines.append(
        "The other runs of the study and the comparison are in the multirun folder's "
        "`comparison/report.md`."
    )
    return [*lines, ""]
