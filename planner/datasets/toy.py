"""The `toy` Scenario: 3 sites, 2 areas, 2 nodes, 2 generator types, one week.

Small and regular enough to reason about by hand in tests: constant demand and
PUE, a clean sine-shaped solar day, flat grid prices per area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from planner.scenario.schema import apply_attrs

HOURS = 168
DEMAND_SCENARIOS = {"low": 0.7, "base": 1.0, "high": 1.3}


def solar_shape(hours: np.ndarray) -> np.ndarray:
    """Capacity factor of a clear day: sin from 06:00 to 18:00, zero at night."""
    h = hours % 24
    return np.where((h >= 6) & (h < 18), np.sin(np.pi * (h - 6) / 12), 0.0)


def make_toy() -> xr.Dataset:
    """Build the toy Scenario (all values in contract units)."""
    time = pd.date_range("2030-01-01", periods=HOURS, freq="h")
    hours = np.arange(HOURS)
    site = ["alpha", "bravo", "charlie"]
    node = ["city_a", "city_b"]
    gen = ["solar", "wind_onshore"]
    area = ["north", "south"]
    backhaul = ["fibre", "5g"]

    solar = solar_shape(hours)
    wind = 0.35 + 0.25 * np.sin(2 * np.pi * hours / 37.0)
    cf = np.stack(
        [
            np.stack([0.8 * solar, wind], axis=0),  # alpha: northern, windy
            np.stack([0.9 * solar, 0.8 * wind], axis=0),  # bravo
            np.stack([1.0 * solar, 0.5 * wind], axis=0),  # charlie: southern, sunny
        ]
    )
    ds = xr.Dataset(
        {
            "site_area": ("site", np.array(["north", "north", "south"], dtype=object)),
            "site_lat": ("site", [43.0, 40.0, 33.5]),
            "site_lon": ("site", [141.5, 140.5, 130.5]),
            "site_it_max": ("site", [40.0, 40.0, 40.0]),
            "site_fixed_capex": ("site", [2.0e9, 1.5e9, 1.0e9]),
            "site_lifetime": 30.0,
            "it_capex": ("site", [1.5e9, 1.6e9, 1.4e9]),
            "it_fom": ("site", [3.0e7, 3.0e7, 3.0e7]),
            "it_lifetime": 15.0,
            "pue": (("site", "time"), np.repeat([[1.2], [1.3], [1.25]], HOURS, axis=1)),
            "cf": (("site", "gen", "time"), cf),
            "gen_potential": (("site", "gen"), [[100.0, 100.0], [100.0, 50.0], [200.0, 20.0]]),
            "gen_capex": ("gen", [1.2e8, 3.0e8]),
            "gen_fom": ("gen", [2.0e6, 6.0e6]),
            "gen_lifetime": ("gen", [25.0, 20.0]),
            "battery_capex_power": 3.0e7,
            "battery_capex_energy": 3.0e7,
            "battery_efficiency": 0.9,
            "battery_fom": 1.0e6,
            "battery_lifetime": 15.0,
            "grid_price": (("area", "time"), np.repeat([[12000.0], [14000.0]], HOURS, axis=1)),
            "grid_co2": (("area", "time"), np.repeat([[0.5], [0.45]], HOURS, axis=1)),
            "grid_cfe": (("area", "time"), np.repeat([[0.3], [0.2]], HOURS, axis=1)),
            "grid_headroom": ("area", [50.0, 50.0]),
            "grid_connection_capex": ("area", [5.0e7, 5.0e7]),
            "grid_connection_lifetime": 40.0,
            "inference_demand": (("node", "time"), np.repeat([[10.0], [5.0]], HOURS, axis=1)),
            "training_demand": ("time", np.full(HOURS, 6.0)),
            "traffic_per_mw": ("node", [2.0, 2.0]),
            "node_latency_budget": ("node", [3.0, 5.0]),
            "node_lat": ("node", [42.0, 33.6]),
            "node_lon": ("node", [141.0, 130.4]),
            "distance": (("node", "site"), [[50.0, 300.0, 800.0], [700.0, 500.0, 30.0]]),
            "backhaul_capex_per_gbps_km": ("backhaul", [2.0e4, 0.0]),
            "backhaul_fixed_capex": ("backhaul", [1.0e6, 2.0e7]),
            "backhaul_max_km": ("backhaul", [2000.0, 30.0]),
            "backhaul_latency_per_km": ("backhaul", [0.005, 0.0033]),
            "backhaul_base_latency": ("backhaul", [0.5, 4.0]),
            "backhaul_lifetime": ("backhaul", [20.0, 10.0]),
            "discount_rate": 0.05,
            # backup gensets: round numbers near planner.scenario.defaults
            "backup_capex": 1.0e8,
            "backup_fom": 2.0e6,
            "backup_lifetime": 20.0,
            "backup_fuel_cost": 40000.0,
            "backup_co2": 0.7,
            "backup_fuel_hours": 48.0,
            "backup_refuel_hours": 24.0,
        },
        coords={
            "site": site,
            "node": node,
            "gen": gen,
            "area": area,
            "backhaul": backhaul,
            "time": time,
        },
        attrs={
            "name": "toy",
            "description": "3 sites, 2 nodes, one week: a hand-checkable test scenario",
            "demand_scenarios": '{"low": 0.7, "base": 1.0, "high": 1.3}',
        },
    )
    return apply_attrs(ds)
