"""Power block: on-site and PPA generation, grid connection, import and export, hourly balance.

Variables: gen_capacity (site, gen, MW) on site within gen_potential; ppa_capacity
(site, gen, MW) off-site PPA within ppa_potential; grid_capacity (site, MW); hourly
grid_import, export, curtailment, unserved, it_load (site, time, MW).
Constraints, for every site and modelled hour:
  inference_load = sum_n share[n, s] inference_demand[n, t]
    (its own row and column, so the dense share columns enter one row per site-hour)
  it_load = inference_load + training_load[s, t] <= it_capacity[s]
  (1 + margin) inference_load <= it_capacity[s]  (at the hours no other hour's
    demand matches at every node: `undominated_hours`)
  (1 + training_margin) sum_{t in p} it_load <= hours(p) it_capacity[s]  (each period)
  pue it_load + charge + curtailment + export
      = sum_g (gen_capacity + ppa_capacity) cf + grid_import + discharge + unserved
  grid_import + export + margin pue inference_load <= grid_capacity;
  gen_capacity <= gen_potential x site_open; ppa_capacity <= ppa_potential x site_open;
per area: sum of grid_capacity of its sites <= grid_headroom; and over the year:
  sum export <= export_share_max x total facility load (Riepin & Brown's 20 %).
Import and export share one connection row: a connection of C MW carries at
most C MW either way, and importing and exporting in the same hour never pays
(the import costs the price the export earns, plus carbon, and counts against
the CFE score), so at an optimum import + export is the connection's flow. The
reserve margin is kept free in export hours too: conservative (growing load
would first cut the export) but no extra row per site-hour.
`unserved` is facility power (MW, PUE included) not supplied, priced at VOLL.
`margin` is the policy's reserve_margin: IT halls and a firm grid connection
sized for inference demand growth the plan does not see (0 plans to the modelled
load). The margin sizes the halls for inference growth at its peak hour; in the
modelled year, without that growth, training may run in the margin, as the Monte
Carlo's training fills whatever IT capacity inference leaves (`_add_it_margin`
gives the measurements that chose this).
Capacity factors below `CF_FLOOR` (dawn and dusk slivers) are taken as 0.
PPA output is counted at the site like on-site output (a physical off-site PPA
delivered through the TSO's network); its delivery is not charged to the site's
connection row (the Monte Carlo counts it the same way).
Costs (the subsidy reduces capital only):
- `gen_<type>`: on-site generators, annualised capex less subsidy, plus fom;
- `ppa_<type>`: PPA generators, annualised capex plus fom, the developer's cost
  recovered through the PPA price: no subsidy (off site), not in capex_budget;
- `ppa_wheeling`: ppa_wheeling_charge x all PPA output (curtailed or not: a PPA is
  paid as produced), a per-MW coefficient since output is capacity x cf;
- `grid_connection`: connection works, annualised, less subsidy (capital);
- `grid_wheeling`: the TSO's basic charge per MW of connection per year, not
  subsidised, not capital (so not in capex_budget);
- `grid_energy`: grid_price x weighted import; `grid_energy_charge`: the energy part
  of the wheeling tariff on import only, so importing and exporting at one site in
  one hour loses that charge and the LP never does both;
- `export_revenue`: minus grid_price x weighted export (sold at the hourly price);
- `unserved` (VOLL), `carbon` (carbon price x weighted emissions; exports earn no
  carbon credit).
Charges a Scenario lacks (`grid_wheeling_charge`, `grid_energy_charge`,
`ppa_wheeling_charge`, `ppa_potential`) are 0 (`optional`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import MONEY, Model
from planner.lp.objective import crf_of, site_subsidy
from planner.lp.periods import Periods
from planner.lp.policy_options import Policy
from planner.scenario.schema import BY_NAME

CF_FLOOR = 1e-4  # capacity factors below this are taken as 0 (keeps the matrix well scaled)
ENERGY = 1.0e3  # MWh per unit in yearly energy rows (GWh), for conditioning


def model_cf(ds: xr.Dataset) -> np.ndarray:
    """Capacity factors as the LP uses them, (site, gen, time), tiny values set to 0."""
    cf = ds["cf"].transpose("site", "gen", "time").values.astype(float)
    return np.where(cf < CF_FLOOR, 0.0, cf)


def optional(ds: xr.Dataset, name: str) -> np.ndarray:
    """An optional Scenario variable in the schema's dim order, 0 where the Scenario lacks it."""
    dims = BY_NAME[name].dims
    if name in ds:
        return ds[name].transpose(*dims).values.astype(float)
    return np.zeros(tuple(ds.sizes[d] for d in dims))


def site_area_index(ds: xr.Dataset) -> np.ndarray:
    """Position in the `area` coordinate of each site's area, shape (site,)."""
    areas = list(map(str, ds["area"].values))
    return np.array([areas.index(str(a)) for a in ds["site_area"].values])


def by_site(ds: xr.Dataset, name: str) -> np.ndarray:
    """An (area, time) Scenario variable seen per site: shape (site, time)."""
    return ds[name].transpose("area", "time").values[site_area_index(ds)]


def undominated_hours(demand: np.ndarray) -> np.ndarray:
    """(time,) bool: the hours whose node demands no other hour matches or exceeds at every node.

    demand: (node, time). A site's inference load is sum_n share[n, s] demand[n, t] with
    shares >= 0, so an hour at which every node's demand is at most another hour's cannot
    hold a site's peak: a row over inference load alone ((1 + m) inference <= it_capacity)
    is needed only at the undominated hours (one hour on japan_2030's days, where every
    node peaks at once). Of equal hours the first is kept. The skyline is built in order
    of falling total demand, since only an hour with as much in total can dominate.
    """
    order = np.argsort(-demand.sum(axis=0), kind="stable")
    front: list[int] = []
    for t in order:
        column = demand[:, t]
        if not any((demand[:, f] >= column).all() for f in front):
            front.append(int(t))
    keep = np.zeros(demand.shape[1], dtype=bool)
    keep[front] = True
    return keep


def _inference_load(m: Model, ds: xr.Dataset):
    """Terms of scale x (placed inference, sum_n share x inference_demand) in (site, time) rows.

    The sum is its own `inference_load` column per site-hour (one row each), so the
    share columns (node x site, the densest) enter one row per site-hour, not three.
    """
    demand = ds["inference_demand"].transpose("node", "time").values  # (node, time)
    coef = -np.broadcast_to(demand.T[None, :, :], (ds.sizes["site"], *demand.T.shape))
    m.add_variables("inference_load", ("site", "time"), "MW")
    m.add_constraints(
        "inference_load_sum",
        ("site", "time"),
        [("inference_load", 1.0), ("share", coef)],  # share coef: (site, time, node)
        "==",
    )
    return lambda scale: [("inference_load", scale)]


def _add_it_margin(m: Model, ds: xr.Dataset, periods: Periods, policy: Policy, inference) -> None:
    """IT halls sized for growth: (1 + reserve_margin) x inference at its peak, and with a
    `training_margin` t, (1 + t) x each period's mean IT load.

    - (1 + reserve_margin) inference_load <= it_capacity at the undominated hours.
    - (1 + t) sum_{h in p} it_load <= hours(p) it_capacity for each period p (a day):
      training, flexible within its day, grows into any hour inference leaves, so it
      needs room in the day's energy, not in every hour.
    In the modelled year, without growth, training may run in either margin, as the
    Monte Carlo's training fills whatever IT capacity inference leaves. Measured on the
    default study's full-year replay (issue #11; LP CFE 0.700, reserve margin 0.2): a
    margin above all IT load in every hour, MC +0.7 points; margin above inference and
    t = 0.2, MC -1.3 points (larger halls let the LP time training and grid imports to the
    grid's clean hours and move training between sites day by day, which the Monte
    Carlo's day-ahead rule does not); margin above inference alone (t = 0), MC -0.3.
    """
    if policy.reserve_margin > 0:
        peaks = undominated_hours(ds["inference_demand"].transpose("node", "time").values)
        m.add_constraints(
            "it_capacity_margin",
            ("site", "time"),
            [*inference(1.0 + policy.reserve_margin), ("it_capacity", -1.0)],
            "<=",
            row_mask=np.broadcast_to(peaks, (ds.sizes["site"], ds.sizes["time"])),
        )
    if policy.training_margin > 0:
        scale = 1.0 + policy.training_margin
        load = m.blocks["inference_load"].vars
        training = m.blocks["training_load"].vars
        capacity = m.blocks["it_capacity"].vars
        rows = []
        for hours in periods.group:
            t = np.flatnonzero(hours)
            for s in range(ds.sizes["site"]):
                pairs = [(int(c), scale) for c in (*load[s, t], *training[s, t])]
                rows.append(([*pairs, (int(capacity[s]), -float(len(t)))], "<=", 0.0))
        m.add_rows("it_capacity_energy", rows)


def add_power(m: Model, ds: xr.Dataset, periods: Periods, policy: Policy) -> None:
    """Add generation, grid and balance variables and constraints, and their costs."""
    potential = ds["gen_potential"].transpose("site", "gen").values
    ppa_potential = optional(ds, "ppa_potential")
    cf = model_cf(ds)
    pue = ds["pue"].transpose("site", "time").values
    m.add_variables("gen_capacity", ("site", "gen"), "MW", upper=potential, mask=potential > 0)
    m.add_variables(
        "ppa_capacity", ("site", "gen"), "MW", upper=ppa_potential, mask=ppa_potential > 0
    )
    m.add_variables("grid_capacity", ("site",), "MW")
    for name in ("grid_import", "curtailment", "unserved"):
        m.add_variables(name, ("site", "time"), "MW")
    m.add_variables("export", ("site", "time"), "MW", upper=_export_bound(policy))

    m.add_constraints(
        "gen_open",
        ("site", "gen"),
        [("gen_capacity", 1.0), ("site_open", -potential)],
        "<=",
        row_mask=potential > 0,
    )
    m.add_constraints(
        "ppa_open",
        ("site", "gen"),
        [("ppa_capacity", 1.0), ("site_open", -ppa_potential)],
        "<=",
        row_mask=ppa_potential > 0,
    )
    margin = policy.reserve_margin
    inference = _inference_load(m, ds)

    def it_load(scale):
        return [*inference(scale), ("training_load", scale)]

    m.add_constraints(
        "it_capacity_use",
        ("site", "time"),
        [*it_load(1.0), ("it_capacity", -1.0)],
        "<=",
    )
    _add_it_margin(m, ds, periods, policy, inference)
    m.add_constraints(
        "power_balance",
        ("site", "time"),
        [
            *it_load(pue),
            ("charge", 1.0),
            ("curtailment", 1.0),
            ("export", 1.0),
            ("gen_capacity", -cf.transpose(0, 2, 1)),  # (site, time, gen)
            ("ppa_capacity", -cf.transpose(0, 2, 1)),
            ("grid_import", -1.0),
            ("discharge", -1.0),
            ("unserved", -1.0),
        ],
        "==",
    )
    firm_reserve = inference(margin * pue) if margin > 0 else []
    m.add_constraints(
        "grid_import_max",
        ("site", "time"),
        [("grid_import", 1.0), ("export", 1.0), *firm_reserve, ("grid_capacity", -1.0)],
        "<=",
    )
    _add_export_cap(m, ds, periods, policy)
    area_of_site = site_area_index(ds)
    member = (area_of_site[None, :] == np.arange(ds.sizes["area"])[:, None]).astype(float)
    m.add_constraints(
        "grid_headroom",
        ("area",),
        [("grid_capacity", member)],
        "<=",
        ds["grid_headroom"].values,
    )
    _add_power_costs(m, ds, periods, policy)


def _add_power_costs(m: Model, ds: xr.Dataset, periods: Periods, policy: Policy) -> None:
    keep = 1.0 - site_subsidy(ds, policy.subsidy)
    gen_crf = crf_of(ds, "gen_lifetime")
    for g, gen in enumerate(map(str, ds["gen"].values)):
        capex = np.zeros((ds.sizes["site"], ds.sizes["gen"]))
        annual = np.zeros_like(capex)
        capex[:, g] = float(ds["gen_capex"][g]) * keep / MONEY
        annual[:, g] = capex[:, g] * gen_crf[g] + float(ds["gen_fom"][g]) / MONEY
        m.add_cost("costs", f"gen_{gen}", "gen_capacity", annual)
        m.add_cost("capital", f"gen_{gen}", "gen_capacity", capex)
    _add_ppa_costs(m, ds, periods)
    area = site_area_index(ds)
    connection = ds["grid_connection_capex"].values[area] * keep / MONEY
    m.add_cost(
        "costs",
        "grid_connection",
        "grid_capacity",
        connection * crf_of(ds, "grid_connection_lifetime"),
    )
    m.add_cost("capital", "grid_connection", "grid_capacity", connection)
    m.add_cost(
        "costs",
        "grid_wheeling",
        "grid_capacity",
        optional(ds, "grid_wheeling_charge")[area] / MONEY,
    )
    w = periods.year_weight[None, :]
    m.add_cost("costs", "grid_energy", "grid_import", w * by_site(ds, "grid_price") / MONEY)
    energy_charge = optional(ds, "grid_energy_charge")[area][:, None]
    m.add_cost("costs", "grid_energy_charge", "grid_import", w * energy_charge / MONEY)
    m.add_cost("costs", "export_revenue", "export", -w * by_site(ds, "grid_price") / MONEY)
    m.add_cost("costs", "unserved", "unserved", w * policy.voll / MONEY)
    m.add_cost(
        "costs", "carbon", "grid_import", w * by_site(ds, "grid_co2") * policy.carbon_price / MONEY
    )


def _add_ppa_costs(m: Model, ds: xr.Dataset, periods: Periods) -> None:
    """PPA generators at cost (no subsidy, no capital register) and wheeling on all output."""
    gen_crf = crf_of(ds, "gen_lifetime")
    annual = (ds["gen_capex"].values * gen_crf + ds["gen_fom"].values) / MONEY  # (gen,)
    for g, gen in enumerate(map(str, ds["gen"].values)):
        coef = np.zeros((ds.sizes["site"], ds.sizes["gen"]))
        coef[:, g] = annual[g]
        m.add_cost("costs", f"ppa_{gen}", "ppa_capacity", coef)
    output = np.einsum("sgt,t->sg", model_cf(ds), periods.year_weight)  # MWh/yr per MW
    charge = optional(ds, "ppa_wheeling_charge")[site_area_index(ds)][:, None]
    m.add_cost("costs", "ppa_wheeling", "ppa_capacity", output * charge / MONEY)


def load_terms(ds: xr.Dataset, periods: Periods, scale: float) -> list:
    """Terms of scale x (weighted total facility load, served or not), summed over sites and hours.

    Total load is pue x it_load, MWh/yr; unserved energy is part of it.
    """
    w = periods.year_weight[None, :] * scale
    pue = ds["pue"].transpose("site", "time").values
    demand = ds["inference_demand"].transpose("node", "time").values
    share = np.einsum("st,nt->ns", w * pue, demand)  # weighted energy per unit share
    return [("share", share), ("training_load", w * pue)]


def _export_bound(policy: Policy) -> float | None:
    return 0.0 if policy.export_share_max == 0.0 else None


def _add_export_cap(m: Model, ds: xr.Dataset, periods: Periods, policy: Policy) -> None:
    """Yearly exports <= export_share_max x total load (GWh rows, like the policy rows)."""
    if policy.export_share_max is None:
        return
    if policy.export_share_max == 0.0:
        return  # the export variables are bounded at 0
    w = periods.year_weight[None, :] / ENERGY
    m.add_constraints(
        "export_cap",
        (),
        [("export", w), *load_terms(ds, periods, -policy.export_share_max / ENERGY)],
        "<=",
    )
