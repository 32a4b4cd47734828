"""Read a solved model back into the Plan Dataset (plain JPY, units in attrs).

Also `dispatch_metrics`: the renewable share, CFE score, emissions, exports and
unserved energy recomputed from a Plan's dispatch and its Scenario, with the
definitions of `planner.lp.policy`; and `shortfalls`, the targets' missing MWh.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.contracts.plan import BY_NAME
from planner.lp.core import MONEY, Model
from planner.lp.periods import Periods
from planner.lp.policy import SHORTFALLS
from planner.lp.power import ENERGY, model_cf

BUILT = (  # capacity blocks, read as solved
    "site_open",
    "it_capacity",
    "gen_capacity",
    "ppa_capacity",
    "battery_power",
    "battery_energy",
    "grid_capacity",
    "share",
    "backhaul_capacity",
)
HOURLY = (
    "training_load",
    "grid_import",
    "export",
    "charge",
    "discharge",
    "soc",
    "curtailment",
    "unserved",
)


def block_values(m: Model, name: str) -> np.ndarray:
    """Solved values of a block (0 where a variable does not exist), clipped at 0."""
    b = m.blocks[name]
    x = m.prob.solution
    values = np.where(b.mask, x[np.maximum(b.vars, 0)], 0.0) if x is not None else 0.0 * b.mask
    return np.clip(values, 0.0, None)


def register_values(m: Model, register: str, values: dict[str, np.ndarray]) -> dict[str, float]:
    """JPY of each component of a cost register at the solved values."""
    return {
        component: MONEY * float(sum((coef * values[block]).sum() for block, coef in terms))
        for component, terms in getattr(m, register).items()
    }


def to_plan(m: Model, ds: xr.Dataset, periods: Periods) -> xr.Dataset:
    """The Plan Dataset of a solved model (attrs about the solve are added by the caller).

    Dims, units and descriptions come from `planner.contracts.plan.PLAN_SCHEMA`.
    """
    values = {name: block_values(m, name) for name in m.blocks}
    costs = register_values(m, "costs", values)
    costs = {c: costs[c] for c in sorted(costs, key=_component_rank)}
    capital = register_values(m, "capital", values)
    capital = {c: capital.get(c, 0.0) for c in costs}
    demand = ds["inference_demand"].transpose("node", "time").values
    it_load = np.einsum("ns,nt->st", values["share"], demand) + values["training_load"]
    pue = ds["pue"].transpose("site", "time").values
    cf = model_cf(ds)
    data = {name: values[name] for name in BUILT + HOURLY}
    data["it_load"] = it_load
    data["facility_load"] = pue * it_load
    data["generation"] = (values["gen_capacity"] + values["ppa_capacity"])[:, :, None] * cf
    data["cost"] = np.array(list(costs.values()))
    data["capital_cost"] = np.array(list(capital.values()))
    data["weight"] = periods.weight
    data["period"] = periods.label
    plan = xr.Dataset(
        {
            name: xr.DataArray(
                value,
                dims=BY_NAME[name].dims,
                attrs={"units": BY_NAME[name].units, "description": BY_NAME[name].description},
            )
            for name, value in data.items()
        },
        coords={
            "site": ds["site"].values,
            "gen": ds["gen"].values,
            "node": ds["node"].values,
            "backhaul": ds["backhaul"].values,
            "time": ds["time"].values,
            "component": list(costs),
            "site_area": ("site", ds["site_area"].values.astype(str)),
        },
    )
    plan.attrs["objective"] = float(sum(costs.values()))
    plan.attrs["annual_scale"] = periods.annual_scale
    return plan


def _component_rank(component: str) -> tuple[int, str]:
    order = ["sites", "it", "gen_", "ppa_", "ppa_wheeling", "battery", "grid_connection"]
    order += ["grid_wheeling", "grid_energy", "grid_energy_charge", "export_revenue", "backhaul"]
    order += ["unserved", "target_shortfall", "carbon"]
    exact = [i for i, c in enumerate(order) if component == c]
    rank = next((i for i, c in enumerate(order) if component.startswith(c)), len(order))
    rank = exact[0] if exact else rank
    return rank, component


def dispatch_metrics(plan: xr.Dataset, scenario: xr.Dataset) -> dict[str, float]:
    """RE share, CFE score, emissions, grid, export and unserved energy of a Plan (per year).

    Sums over sites and modelled hours weighted by hours per year (`weight`
    scaled to 8760 h). Both scores are on total load (served + unserved), so
    shedding never raises them; see `planner.lp.policy` for the definitions.
    """
    w = plan["weight"] * float(plan.attrs.get("annual_scale", 1.0))
    areas = scenario["grid_cfe"].sel(area=plan["site_area"])
    co2 = scenario["grid_co2"].sel(area=plan["site_area"])
    total = float((w * plan["facility_load"]).sum())
    unserved = float((w * plan["unserved"]).sum())
    grid = float((w * plan["grid_import"]).sum())
    export = float((w * plan["export"]).sum())
    dirty = float((w * (1 - areas) * plan["grid_import"]).sum())
    return {
        "served_energy": total - unserved,
        "unserved_energy": unserved,
        "grid_energy": grid,
        "export_energy": export,
        "re_share": 1.0 - (grid - export + unserved) / total if total > 0 else float("nan"),
        "cfe_score": 1.0 - (dirty + unserved) / total if total > 0 else float("nan"),
        "emissions": float((w * co2 * plan["grid_import"]).sum()),
    }


def shortfalls(m: Model) -> dict[str, float]:
    """MWh/yr by which the renewable and CFE targets are missed (0 where met or not set)."""
    return {
        block: float(block_values(m, block)) * ENERGY if block in m.blocks else 0.0
        for block in SHORTFALLS.values()
    }
