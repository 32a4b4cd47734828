"""The Scenario contract: one table of every variable (dims, units, rule, meaning).

This table is the single source of metadata: validation, attrs and the README's
data table are all derived from it. Rows are `planner.contracts.table.Var`, as
in the Plan and Risk contracts.
"""

from __future__ import annotations

import xarray as xr

from planner.contracts import table
from planner.contracts.table import RULES, Var
from planner.errors import ScenarioError

__all__ = [
    "BY_NAME",
    "DIMS",
    "HOURS_PER_YEAR",
    "RULES",
    "SCHEMA",
    "Var",
    "apply_attrs",
    "markdown_table",
]

DIMS: tuple[str, ...] = ("site", "area", "node", "gen", "backhaul", "time")

HOURS_PER_YEAR = 8760


SCHEMA: tuple[Var, ...] = (
    # sites
    Var("site_area", ("site",), "-", "area_label", "grid area the site connects to"),
    Var("site_lat", ("site",), "degree", "latitude", "site latitude (WGS84)"),
    Var("site_lon", ("site",), "degree", "longitude", "site longitude (WGS84)"),
    Var("site_it_max", ("site",), "MW", "nonneg", "most IT load the site can hold"),
    Var(
        "site_fixed_capex",
        ("site",),
        "JPY",
        "nonneg",
        "cost to open the site (land, shell, substation)",
    ),
    Var("site_lifetime", (), "yr", "positive", "economic life of site works"),
    Var(
        "it_capex",
        ("site",),
        "JPY/MW",
        "nonneg",
        "IT hall cost per MW of IT load (cooling, power train)",
    ),
    Var("it_fom", ("site",), "JPY/MW/yr", "nonneg", "IT hall fixed O&M"),
    Var("it_lifetime", (), "yr", "positive", "economic life of IT halls"),
    Var(
        "pue",
        ("site", "time"),
        "-",
        "pue",
        "power usage effectiveness by hour (from outdoor temperature)",
    ),
    # generators
    Var(
        "cf",
        ("site", "gen", "time"),
        "1",
        "fraction",
        "hourly capacity factor of each generator type at the site",
    ),
    Var(
        "gen_potential",
        ("site", "gen"),
        "MW",
        "nonneg",
        "most generator capacity buildable for the site",
    ),
    Var(
        "ppa_potential",
        ("site", "gen"),
        "MW",
        "nonneg",
        "most off-site PPA capacity the site can contract in its area (absent: 0)",
        required=False,
    ),
    Var("gen_capex", ("gen",), "JPY/MW", "nonneg", "generator overnight capital cost"),
    Var("gen_fom", ("gen",), "JPY/MW/yr", "nonneg", "generator fixed O&M"),
    Var("gen_lifetime", ("gen",), "yr", "positive", "generator economic life"),
    # batteries
    Var("battery_capex_power", (), "JPY/MW", "nonneg", "battery cost per MW of inverter power"),
    Var("battery_capex_energy", (), "JPY/MWh", "nonneg", "battery cost per MWh of storage"),
    Var("battery_efficiency", (), "1", "efficiency", "battery round-trip efficiency"),
    Var("battery_fom", (), "JPY/MW/yr", "nonneg", "battery fixed O&M per MW"),
    Var("battery_lifetime", (), "yr", "positive", "battery economic life"),
    # grid
    Var(
        "grid_price",
        ("area", "time"),
        "JPY/MWh",
        "nonneg",
        "energy price of grid import and of export (wheeling charges apart)",
    ),
    Var("grid_co2", ("area", "time"), "tCO2/MWh", "nonneg", "emission factor of grid import"),
    Var("grid_cfe", ("area", "time"), "1", "fraction", "carbon-free share of grid import"),
    Var("grid_headroom", ("area",), "MW", "nonneg", "new load the area's grid can take"),
    Var(
        "grid_connection_capex",
        ("area",),
        "JPY/MW",
        "nonneg",
        "capital cost of grid connection works (the wheeling tariff is apart)",
    ),
    Var("grid_connection_lifetime", (), "yr", "positive", "economic life of grid connections"),
    Var(
        "grid_wheeling_charge",
        ("area",),
        "JPY/MW/yr",
        "nonneg",
        "basic wheeling charge per MW of grid connection, a yearly cost, not capital (absent: 0)",
        required=False,
    ),
    Var(
        "grid_energy_charge",
        ("area",),
        "JPY/MWh",
        "nonneg",
        "energy part of the wheeling tariff, paid on grid import, not on export (absent: 0)",
        required=False,
    ),
    Var(
        "ppa_wheeling_charge",
        ("area",),
        "JPY/MWh",
        "nonneg",
        "wheeling charge on every MWh of off-site PPA output (absent: 0)",
        required=False,
    ),
    # demand
    Var(
        "inference_demand", ("node", "time"), "MW", "nonneg", "latency-bound IT demand at the node"
    ),
    Var(
        "training_demand",
        ("time",),
        "MW",
        "nonneg",
        "latency-tolerant IT demand, movable in place and within its day",
    ),
    Var(
        "traffic_per_mw",
        ("node",),
        "Gbps/MW",
        "nonneg",
        "backhaul traffic per MW of inference load",
    ),
    Var(
        "node_latency_budget",
        ("node",),
        "ms",
        "positive",
        "one-way network latency allowed to the node",
    ),
    Var("node_lat", ("node",), "degree", "latitude", "demand node latitude (WGS84)"),
    Var("node_lon", ("node",), "degree", "longitude", "demand node longitude (WGS84)"),
    Var("distance", ("node", "site"), "km", "nonneg", "network route distance node to site"),
    # backhaul
    Var(
        "backhaul_capex_per_gbps_km",
        ("backhaul",),
        "JPY/Gbps/km",
        "nonneg",
        "distance-proportional backhaul capital cost",
    ),
    Var(
        "backhaul_fixed_capex",
        ("backhaul",),
        "JPY/Gbps",
        "nonneg",
        "distance-independent backhaul cost (terminal and radio equipment)",
    ),
    Var("backhaul_max_km", ("backhaul",), "km", "nonneg", "longest link the technology can make"),
    Var(
        "backhaul_latency_per_km",
        ("backhaul",),
        "ms/km",
        "nonneg",
        "one-way propagation latency per km",
    ),
    Var(
        "backhaul_base_latency",
        ("backhaul",),
        "ms",
        "nonneg",
        "one-way latency of equipment and radio access",
    ),
    Var("backhaul_lifetime", ("backhaul",), "yr", "positive", "economic life of backhaul"),
    Var(
        "backhaul_route_factor",
        ("backhaul",),
        "1",
        "positive",
        "path km per km of `distance` (a straighter radio path < 1; absent: 1)",
        required=False,
    ),
    # latency classes (absent: one class, the node's budget and traffic)
    Var(
        "class_demand_share",
        ("node", "latency_class"),
        "1",
        "fraction",
        "share of the node's inference demand in each latency class (sums to 1 per node)",
        required=False,
    ),
    Var(
        "class_latency_budget",
        ("latency_class",),
        "ms",
        "positive",
        "one-way network latency allowed to the class (capped by node_latency_budget)",
        required=False,
    ),
    Var(
        "class_traffic_factor",
        ("latency_class",),
        "1",
        "nonneg",
        "class traffic per MW as a multiple of the node's traffic_per_mw",
        required=False,
    ),
    # backup generation (absent: the defaults of planner/scenario/defaults.py)
    Var("backup_capex", (), "JPY/MW", "nonneg", "backup genset capital cost", required=False),
    Var("backup_fom", (), "JPY/MW/yr", "nonneg", "backup genset fixed O&M", required=False),
    Var("backup_lifetime", (), "yr", "positive", "backup genset economic life", required=False),
    Var(
        "backup_fuel_cost",
        (),
        "JPY/MWh",
        "nonneg",
        "backup fuel cost per MWh of electricity made",
        required=False,
    ),
    Var("backup_co2", (), "tCO2/MWh", "nonneg", "backup emissions per MWh made", required=False),
    Var(
        "backup_fuel_hours",
        (),
        "h",
        "nonneg",
        "full-power hours of fuel stored on site",
        required=False,
    ),
    Var(
        "backup_refuel_hours",
        (),
        "h",
        "positive",
        "hours after backup starts running until a fuel delivery refills the tank",
        required=False,
    ),
    # finance
    Var("discount_rate", (), "1", "rate", "real discount rate for annualising capital"),
    # added by time reduction
    Var(
        "weight",
        ("time",),
        "h",
        "positive",
        "hours of the year each modelled hour stands for",
        required=False,
    ),
    Var(
        "period",
        ("time",),
        "-",
        "nonneg",
        "representative period (day) each hour belongs to",
        required=False,
    ),
    Var(
        "day_cluster",
        ("day",),
        "-",
        "nonneg",
        "period that stands for each day of the full year, in calendar order (links storage)",
        required=False,
    ),
)

BY_NAME: dict[str, Var] = {v.name: v for v in SCHEMA}


def apply_attrs(ds: xr.Dataset) -> xr.Dataset:
    """Set `units` and `description` attrs of every schema variable present in `ds`.

    A variable that says it is in other units is not relabelled (that hid kW
    read as MW): ScenarioError; `planner.validate` converts what converts.
    """
    wrong = table.unit_mismatches(ds, SCHEMA)
    if wrong:
        raise ScenarioError([f"{w}; planner.validate converts what converts" for w in wrong])
    return table.apply_attrs(ds, SCHEMA)


def markdown_table() -> str:
    """The schema as a Markdown table (for README and docs)."""
    return table.markdown_table(SCHEMA)
