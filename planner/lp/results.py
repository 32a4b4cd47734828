"""Read a solved model back into the Plan Dataset (plain JPY, units in attrs).

Also `dispatch_metrics`: the renewable share, CFE score, emissions and
unserved energy recomputed from a Plan's dispatch and its Scenario, with the
definitions of `planner.lp.policy`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.periods import Periods
from planner.lp.power import model_cf

HOURLY = ("training_load", "grid_import", "charge", "discharge", "soc", "curtailment", "unserved")
DESCRIPTIONS = {
    "site_open": "1 if the site is opened (fractional under relaxed siting)",
    "it_capacity": "IT capacity built",
    "gen_capacity": "generator capacity built",
    "battery_power": "battery inverter power",
    "battery_energy": "battery storage energy",
    "grid_capacity": "grid connection capacity",
    "share": "share of the node's inference demand served by the site",
    "backhaul_capacity": "backhaul capacity built for the node-site link",
    "it_load": "IT load (inference shares + training)",
    "facility_load": "facility load, pue x it_load",
    "generation": "on-site renewable generation available, capacity x cf",
    "training_load": "training IT load placed at the site",
    "grid_import": "power imported from the grid",
    "charge": "battery charging power",
    "discharge": "battery discharging power",
    "soc": "battery state of charge",
    "curtailment": "renewable power not used",
    "unserved": "facility power not supplied (priced at VOLL)",
    "cost": "annual cost by component (annualised capital + O&M + energy + penalties)",
    "capital_cost": "overnight capital by component, net of subsidy",
    "weight": "hours of the year each modelled hour stands for, as given",
    "period": "representative period of each modelled hour",
}


def block_values(m: Model, name: str) -> np.ndarray:
    """Solved values of a block (0 where a variable does not exist), clipped at 0."""
    b = m.blocks[name]
    get = np.frompyfunc(lambda v: 0.0 if v is None or v.varValue is None else v.varValue, 1, 1)
    return np.clip(get(b.vars).astype(float), 0.0, None)


def register_values(m: Model, register: str, values: dict[str, np.ndarray]) -> dict[str, float]:
    """JPY of each component of a cost register at the solved values."""
    return {
        component: MONEY * float(sum((coef * values[block]).sum() for block, coef in terms))
        for component, terms in getattr(m, register).items()
    }


def to_plan(m: Model, ds: xr.Dataset, periods: Periods) -> xr.Dataset:
    """The Plan Dataset of a solved model (attrs about the solve are added by the caller)."""
    values = {name: block_values(m, name) for name in m.blocks}
    costs = register_values(m, "costs", values)
    costs = {c: costs[c] for c in sorted(costs, key=_component_rank)}
    capital = register_values(m, "capital", values)
    capital = {c: capital.get(c, 0.0) for c in costs}
    demand = ds["inference_demand"].transpose("node", "time").values
    it_load = np.einsum("ns,nt->st", values["share"], demand) + values["training_load"]
    pue = ds["pue"].transpose("site", "time").values
    cf = model_cf(ds)
    data = {
        name: (m.blocks[name].dims, values[name], m.blocks[name].units)
        for name in (
            "site_open",
            "it_capacity",
            "gen_capacity",
            "battery_power",
            "battery_energy",
            "grid_capacity",
            "share",
            "backhaul_capacity",
            *HOURLY,
        )
    }
    data["it_load"] = (("site", "time"), it_load, "MW")
    data["facility_load"] = (("site", "time"), pue * it_load, "MW")
    data["generation"] = (
        ("site", "gen", "time"),
        values["gen_capacity"][:, :, None] * cf,
        "MW",
    )
    data["cost"] = (("component",), np.array(list(costs.values())), "JPY/yr")
    data["capital_cost"] = (("component",), np.array(list(capital.values())), "JPY")
    data["weight"] = (("time",), periods.weight, "h")
    data["period"] = (("time",), periods.label, "-")
    plan = xr.Dataset(
        {
            name: xr.DataArray(
                v, dims=dims, attrs={"units": units, "description": DESCRIPTIONS[name]}
            )
            for name, (dims, v, units) in data.items()
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
    order = ["sites", "it", "gen_", "battery", "grid_connection", "grid_energy", "backhaul"]
    order += ["unserved", "carbon"]
    rank = next((i for i, c in enumerate(order) if component.startswith(c)), len(order))
    return rank, component


def dispatch_metrics(plan: xr.Dataset, scenario: xr.Dataset) -> dict[str, float]:
    """RE share, CFE score, emissions, grid and unserved energy of a Plan's dispatch (per year).

    Sums over sites and modelled hours weighted by hours per year (`weight`
    scaled to 8760 h). See `planner.lp.policy` for the definitions.
    """
    w = plan["weight"] * float(plan.attrs.get("annual_scale", 1.0))
    areas = scenario["grid_cfe"].sel(area=plan["site_area"])
    co2 = scenario["grid_co2"].sel(area=plan["site_area"])
    served = float((w * (plan["facility_load"] - plan["unserved"])).sum())
    grid = float((w * plan["grid_import"]).sum())
    dirty = float((w * (1 - areas) * plan["grid_import"]).sum())
    return {
        "served_energy": served,
        "unserved_energy": float((w * plan["unserved"]).sum()),
        "grid_energy": grid,
        "re_share": 1.0 - grid / served if served > 0 else float("nan"),
        "cfe_score": 1.0 - dirty / served if served > 0 else float("nan"),
        "emissions": float((w * co2 * plan["grid_import"]).sum()),
    }
