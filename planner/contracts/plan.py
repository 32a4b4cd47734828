"""The Plan contract: one table of every Plan variable, its validator, and hand-made Plans.

The LP writes every row (`planner.lp.results`); the Monte Carlo needs only the
required ones (capacities and share), which is all `plan_from_capacities` makes.
Dims: site, gen, node, backhaul, time (the modelled hours), component.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.contracts.table import Var, apply_attrs, check_dims, check_values, missing_text
from planner.errors import PlanError

SHARE_TOLERANCE = 1e-3  # a demanded node's shares must sum to 1 within this
BOUND_TOLERANCE = 1e-6  # solver values may miss a bound (share <= 1) by this
LABEL_DIMS = ("site", "node", "gen", "backhaul")  # labels that must be the scenario's

_SITE_HOURS = ("site", "time")

PLAN_SCHEMA: tuple[Var, ...] = (
    # capacities
    Var(
        "site_open",
        ("site",),
        "1",
        "fraction",
        "1 if the site is opened (fractional under relaxed siting)",
        required=False,
    ),
    Var("it_capacity", ("site",), "MW", "nonneg", "IT capacity built"),
    Var("gen_capacity", ("site", "gen"), "MW", "nonneg", "on-site generator capacity built"),
    Var(
        "ppa_capacity",
        ("site", "gen"),
        "MW",
        "nonneg",
        "off-site PPA generator capacity contracted, its output counted at the site",
        required=False,
    ),
    Var("battery_power", ("site",), "MW", "nonneg", "battery inverter power"),
    Var("battery_energy", ("site",), "MWh", "nonneg", "battery storage energy"),
    Var("grid_capacity", ("site",), "MW", "nonneg", "grid connection capacity"),
    Var(
        "share",
        ("node", "site"),
        "1",
        "fraction",
        "share of the node's inference demand served by the site",
    ),
    Var(
        "backhaul_capacity",
        ("node", "site", "backhaul"),
        "Gbps",
        "nonneg",
        "backhaul capacity built for the node-site link",
        required=False,
    ),
    Var(
        "class_share",
        ("node", "latency_class", "site"),
        "1",
        "fraction",
        "share of the node's inference demand in the latency class served by the site",
        required=False,
    ),
    Var(
        "link_share",
        ("node", "latency_class", "site", "backhaul"),
        "1",
        "fraction",
        "class_share split by the backhaul technology that carries it",
        required=False,
    ),
    Var(
        "backup_power",
        ("site",),
        "MW",
        "nonneg",
        "backup genset power, run only when the site or its grid is down",
        required=False,
    ),
    # dispatch on the modelled hours
    Var("it_load", _SITE_HOURS, "MW", "nonneg", "IT load (inference shares + training)", False),
    Var("facility_load", _SITE_HOURS, "MW", "nonneg", "facility load, pue x it_load", False),
    Var(
        "generation",
        ("site", "gen", "time"),
        "MW",
        "nonneg",
        "renewable generation available at the site, (gen_capacity + ppa_capacity) x cf",
        required=False,
    ),
    Var("training_load", _SITE_HOURS, "MW", "nonneg", "training IT load placed at the site", False),
    Var("grid_import", _SITE_HOURS, "MW", "nonneg", "power imported from the grid", False),
    Var("export", _SITE_HOURS, "MW", "nonneg", "power sold to the grid at the area price", False),
    Var("charge", _SITE_HOURS, "MW", "nonneg", "battery charging power", False),
    Var("discharge", _SITE_HOURS, "MW", "nonneg", "battery discharging power", False),
    Var("soc", _SITE_HOURS, "MWh", "nonneg", "battery state of charge", False),
    Var("curtailment", _SITE_HOURS, "MW", "nonneg", "renewable power not used", False),
    Var(
        "unserved",
        _SITE_HOURS,
        "MW",
        "nonneg",
        "facility power not supplied (priced at VOLL)",
        required=False,
    ),
    # costs
    Var(
        "cost",
        ("component",),
        "JPY/yr",
        "any",
        "annual cost by component (annualised capital + O&M + energy + penalties)",
        required=False,
    ),
    Var(
        "capital_cost",
        ("component",),
        "JPY",
        "any",
        "overnight capital by component, net of subsidy",
        required=False,
    ),
    # the modelled hours
    Var(
        "weight",
        ("time",),
        "h",
        "positive",
        "hours of the year each modelled hour stands for, as given",
        required=False,
    ),
    Var("period", ("time",), "-", "nonneg", "representative period of each modelled hour", False),
)

BY_NAME: dict[str, Var] = {v.name: v for v in PLAN_SCHEMA}
CAPACITIES: tuple[Var, ...] = tuple(v for v in PLAN_SCHEMA if v.required)


def validate_plan(plan: xr.Dataset, scenario: xr.Dataset | None = None) -> xr.Dataset:
    """Check `plan` against the Plan contract; return a copy with the schema's attrs.

    Without a scenario, only the plan's own checks (required variables, dims,
    NaN, value rules); with one, also its site/node/gen/backhaul labels both
    ways and that each demanded node's shares sum to 1. Raises `PlanError`
    listing every problem.
    """
    if not isinstance(plan, xr.Dataset):
        raise PlanError(f"plan must be an xarray.Dataset, got {type(plan).__name__}")
    problems: list[str] = []
    shaped: dict[str, xr.DataArray] = {}
    for var in PLAN_SCHEMA:
        if var.name not in plan:
            problems += [missing_text(var)] if var.required else []
            continue
        da = plan[var.name]
        dims = check_dims(var, da)
        problems += dims or check_values(var, da, BOUND_TOLERANCE)
        if not dims:
            shaped[var.name] = da
    if scenario is not None:
        problems += _check_labels(plan, shaped, scenario)
        problems += _check_share(shaped, scenario)
    if problems:
        raise PlanError(problems)
    return apply_attrs(plan, PLAN_SCHEMA)


def _check_labels(plan: xr.Dataset, shaped: dict, scenario: xr.Dataset) -> list[str]:
    """Coordinate labels of the plan that the scenario lacks, and the other way round."""
    problems = []
    for dim in LABEL_DIMS:
        names = [name for name, da in shaped.items() if dim in da.dims]
        names.sort(key=lambda name: not BY_NAME[name].required)  # name a capacity first
        if not names or dim not in scenario.coords:
            continue
        who = names[0] + (f" (and {len(names) - 1} more on {dim})" if len(names) > 1 else "")
        if dim not in plan.coords:
            problems.append(f"{who}: dimension {dim!r} has no coordinate labels")
            continue
        ours, theirs = list(map(str, plan[dim].values)), list(map(str, scenario[dim].values))
        problems += [
            f"{who}: {dim} {x!r} is not a {dim} of the scenario" for x in ours if x not in theirs
        ]
        problems += [
            f"{who}: {dim} {x!r} of the scenario is missing from the plan"
            for x in theirs
            if x not in ours
        ]
    return problems


def _check_share(shaped: dict, scenario: xr.Dataset) -> list[str]:
    """Each node with inference demand must have shares summing to 1 over sites."""
    if "share" not in shaped or "inference_demand" not in scenario or "node" not in scenario.coords:
        return []
    share = shaped["share"]
    demand = scenario["inference_demand"].max(
        [d for d in scenario["inference_demand"].dims if d != "node"]
    )
    problems = []
    for node, peak in zip(scenario["node"].values, demand.values, strict=True):
        if peak <= 0 or "node" not in share.coords or node not in share["node"].values:
            continue
        row = np.asarray(share.sel(node=node).values, dtype=float)
        total = row.sum()
        if np.isnan(total) or abs(total - 1.0) <= SHARE_TOLERANCE:
            continue  # a NaN share is reported by the value checks
        problems.append(
            f"share[node={node}]: sums to {total:.6g} over sites; the shares of a node with "
            f"inference demand must sum to 1 (tolerance {SHARE_TOLERANCE:g})"
        )
    return problems


def plan_from_capacities(
    scenario: xr.Dataset,
    it_capacity,
    gen_capacity,
    share,
    battery_power=0.0,
    battery_energy=0.0,
    grid_capacity=0.0,
) -> xr.Dataset:
    """A Plan Dataset from capacities: arrays in the scenario's coord order, scalars broadcast.

    it_capacity, battery_power (MW), battery_energy (MWh), grid_capacity (MW): (site,);
    gen_capacity (MW): (site, gen); share (1): (node, site), each node's row summing to 1.
    `site_open` is 1 where it_capacity > 0. Not validated: see `validate_plan`.
    """
    values = {
        "it_capacity": it_capacity,
        "gen_capacity": gen_capacity,
        "battery_power": battery_power,
        "battery_energy": battery_energy,
        "grid_capacity": grid_capacity,
        "share": share,
    }
    coords = {d: scenario[d].values for d in ("site", "gen", "node")}
    data = {}
    for var in CAPACITIES:
        shape = [len(coords[d]) for d in var.dims]
        array = np.broadcast_to(np.asarray(values[var.name], dtype=float), shape)
        data[var.name] = xr.DataArray(array.copy(), dims=var.dims)
    data["site_open"] = xr.DataArray((data["it_capacity"].values > 0).astype(float), dims=("site",))
    plan = xr.Dataset(data, coords=coords)
    plan["site_area"] = scenario["site_area"]
    plan.attrs = {"status": "hand-made", "solver": "none"}
    return apply_attrs(plan, PLAN_SCHEMA)
