"""Storage across days: a battery carries a sunny day's surplus into the dull days after it.

One site (alpha, PUE 1.2) serving city_a (10 MW), solar only, no grid (headroom 0):
every MWh of the dull days must come out of the battery, charged on the sunny day.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import planner
from planner import PolicyError
from planner.lp import PlanWarning
from planner.lp.model import build_model
from planner.lp.periods import time_structure
from planner.lp.policy_options import as_policy
from tests.lp.conftest import square_solar

LOAD = 1.2 * 10  # MW of facility load, every hour
ETA = 0.9  # toy round-trip efficiency


def islanded_days(order: str):
    """Full scenario of len(order) days: 's' sunny (cf 1 from 06:00 to 18:00), 'd' dull (cf 0)."""
    toy = planner.load_scenario("toy")
    ds = toy.isel(site=[0], node=[0], time=slice(0, 24 * len(order)))
    ds["training_demand"][:] = 0.0
    ds["pue"][:] = 1.2
    ds["gen_potential"][:] = [[1000.0, 0.0]]  # solar only
    sunny = np.repeat([c == "s" for c in order], 24)
    ds["cf"][0, 0, :] = square_solar(ds.sizes["time"]) * sunny
    ds["cf"][0, 1, :] = 0.0
    ds["grid_headroom"][:] = 0.0  # no grid: what the battery does not carry is unserved
    return ds


@pytest.mark.parametrize(
    ("order", "dull_days"),
    [("sd", 1), ("sdd", 2)],  # day order: sunny then dull (then dull again), cyclic over the year
)
def test_linked_battery_carries_the_sunny_surplus_across_dull_days(order, dull_days):
    red = planner.reduce_time(islanded_days(order), n_days=2, extreme_days=False)
    assert list(red["day_cluster"].values) == [0] + [1] * dull_days  # sunny, dull, (dull)
    assert list(red["weight"].values[::24]) == [1.0, float(dull_days)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlanWarning)  # all load served
        plan = planner.plan(red)
    assert plan.attrs["storage_linking"] == "linked"

    # The battery delivers the load in the sunny day's 12 dark hours and all dull hours.
    delivered = (12 + 24 * dull_days) * LOAD  # MWh at the bus: 432 (sd) or 720 (sdd)
    stored = delivered / np.sqrt(ETA)  # MWh drawn from storage: the battery's size
    charged = delivered / ETA  # MWh from solar into the battery, in the 12 sunny hours
    solar = (12 * LOAD + charged) / 12  # MW: 52 (sd) or 78.67 (sdd)
    assert float(plan["gen_capacity"].sel(gen="solar")[0]) == pytest.approx(solar, rel=1e-6)
    assert float(plan["battery_energy"][0]) == pytest.approx(stored, rel=1e-6)
    assert float(plan["battery_power"][0]) == pytest.approx(solar - LOAD, rel=1e-6)  # 40 MW
    assert plan.attrs["unserved_energy"] == pytest.approx(0.0, abs=1e-6)
    # Full at 18:00 of the sunny day; on its own date (the day after) the first dull day ends
    # 6 evening hours and 24 dull hours of load lower.
    soc = plan["soc"].values[0]
    assert soc[24 + 23] == pytest.approx(stored - (6 + 24) * LOAD / np.sqrt(ETA), rel=1e-6)
    assert soc[17] == pytest.approx(stored, rel=1e-6)


@pytest.mark.parametrize(("order", "dull_days"), [("sd", 1), ("sdd", 2)])
def test_cyclic_days_cannot_carry_energy_and_shed_the_dull_days(order, dull_days):
    red = planner.reduce_time(islanded_days(order), n_days=2, extreme_days=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanWarning)  # it sheds load, and says so
        linked = planner.plan(red)
        cyclic = planner.plan(red, storage_linking="cyclic")
    assert cyclic.attrs["storage_linking"] == "cyclic"
    # Each dull day is dark and its battery must end where it started: all of it is shed.
    year = 8760 / (24 * len(order))  # the days stand for the year by repetition
    assert cyclic.attrs["unserved_energy"] == pytest.approx(24 * dull_days * LOAD * year, rel=1e-6)
    # The sunny day alone: solar for its 12 light hours and the battery for its 12 dark ones.
    night = 12 * LOAD / np.sqrt(ETA)  # MWh stored
    assert float(cyclic["battery_energy"][0]) == pytest.approx(night, rel=1e-6)
    assert float(cyclic["gen_capacity"].sel(gen="solar")[0]) == pytest.approx(
        (12 * LOAD + 12 * LOAD / ETA) / 12, rel=1e-6
    )
    assert cyclic.attrs["objective"] > linked.attrs["objective"]


def test_linked_level_stays_within_the_battery_on_every_day_of_the_year():
    """Walk the level through the year's day order from the plan's hourly charge and discharge."""
    red = planner.reduce_time(islanded_days("sdsdds"), n_days=2, extreme_days=False)
    plan = planner.plan(red)
    periods = time_structure(red)
    soc, energy = plan["soc"].values[0], float(plan["battery_energy"][0])
    net = np.sqrt(ETA) * plan["charge"].values[0] - plan["discharge"].values[0] / np.sqrt(ETA)
    hours = [np.flatnonzero(periods.position == p) for p in range(len(periods.first))]
    days = periods.n_days
    h0 = int(periods.home_day[periods.day_cluster[0]])
    start = soc[hours[periods.day_cluster[h0]][0]] - net[hours[periods.day_cluster[h0]][0]]
    first_start, levels = start, []
    for d in (h0 + np.arange(days)) % days:
        p = periods.day_cluster[d]
        path = start + np.cumsum(net[hours[p]])
        if d == periods.home_day[p]:  # the plan's soc is the level on each period's own date
            np.testing.assert_allclose(path, soc[hours[p]], atol=1e-6 * energy)
        levels.append(path)
        start = path[-1]
    assert start == pytest.approx(first_start, abs=1e-6 * energy)  # cyclic over the year
    levels = np.concatenate(levels)
    assert levels.min() >= -1e-6 * energy and levels.max() <= energy * (1 + 1e-6)
    assert levels.max() - levels.min() > 0.9 * energy  # the battery is used across days
    assert plan.attrs["unserved_energy"] == pytest.approx(0.0, abs=1e-6)


def test_linking_needs_a_day_order(toy):
    with pytest.raises(PolicyError, match="no day_cluster"):
        planner.plan(toy, storage_linking="linked")
    with pytest.raises(PolicyError, match="unknown"):
        planner.plan(toy, storage_linking="weekly")
    plan = planner.plan(toy)
    assert plan.attrs["storage_linking"] == "cyclic"  # no day order: cyclic within the week


def test_linking_adds_a_level_per_run_of_days_not_per_hour():
    red = planner.validate(
        planner.reduce_time(islanded_days("sdsdds"), n_days=2, extreme_days=False)
    )
    policy = as_policy(None)
    linked = build_model(red, policy, storage_linking="linked")
    cyclic = build_model(red, policy, storage_linking="cyclic")
    runs, periods, hours = 5, 2, 48  # s | d | s | d d | s
    assert linked.n_cols - cyclic.n_cols == runs + 2 * periods  # soc_run, soc_high, soc_low
    # soc_low per hour; soc_run balance, first-day max and min per run, last-day ones for d d.
    assert linked.n_rows - cyclic.n_rows == hours + 3 * runs + 2
