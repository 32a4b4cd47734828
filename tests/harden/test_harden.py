"""planner.harden on the toy: a missed target fixed by re-planning, an impossible one reported."""

import json

import numpy as np
import pytest

import planner
from planner import PolicyError
from planner.hardening import harden, harden_run
from planner.hardening.stress import failure_causes, futures_of, stress_days

N = 64  # futures: enough for a p95 on the toy, seconds per iteration


@pytest.fixture(scope="module")
def scn():
    return planner.validate(planner.load_scenario("toy"))


@pytest.fixture(scope="module")
def reduced(scn):
    return planner.reduce_time(scn, n_days=3)


def test_missed_unmet_demand_is_fixed_by_the_it_margin_and_holds_on_held_out_futures(scn, reduced):
    # no margin: AI demand growth (sigma 0.15, training 0.3) overruns the IT halls
    plan, history = harden(
        scn,
        {"cfe_target": 0.7, "reserve_margin": 0.0},
        {"max_unmet_demand_p95": 100.0, "max_unserved_p95": 1000.0},
        n_futures=N,
        max_iterations=3,
        reduced=reduced,
    )
    holds = history["holds"].sel(target="max_unmet_demand_p95").values
    assert holds[0] == 0.0  # the first plan misses
    assert history.attrs["accepted"] == 1 and history.attrs["accepted_iteration"] <= 2
    last = history.isel(iteration=-1)
    assert float(last["holdout_holds"].sel(target="max_unmet_demand_p95")) == 1.0
    assert float(last["holdout_seed"]) != history.attrs["seed"]  # a fresh seed
    assert float(last["reserve_margin"]) > 0.0 and "reserve_margin" in str(last["change"].values)
    assert float(last["it_capacity"]) > float(history["it_capacity"][0])
    assert plan.attrs["harden_status"] == "accepted"
    # the history's values are the Risk's per-year p95 (the toy is one week)
    first = history["risk"].sel(iteration=0, metric="unmet_demand", stat="p95")
    assert float(history["value"].sel(iteration=0, target="max_unmet_demand_p95")) == float(first)


def test_outages_without_backup_raise_backup_coverage(scn, reduced):
    plan, history = harden(
        scn,
        {"cfe_target": 0.7, "backup_coverage": 0.0},
        {"max_unserved_p95": 100.0},
        n_futures=N,
        max_iterations=2,
        reduced=reduced,
        uncertainty={"site_outages": {"failure_rate_per_year": 30.0}},
    )
    assert history["holds"].values[0, 0] == 0.0 and history.attrs["accepted"] == 1
    assert "backup_coverage 0.00 -> 1.00" in str(history["change"].values[-1])
    assert float(plan["backup_power"].sum()) > 0.0


@pytest.mark.slow
def test_an_impossible_target_is_reported_with_its_shortfall(scn, reduced):
    plan, history = harden(
        scn,
        {"cfe_target": 0.7},
        {"min_cfe_p5": 0.995},
        n_futures=N,
        max_iterations=3,
        reduced=reduced,
    )
    assert history.attrs["accepted"] == 0 and plan.attrs["harden_status"] == "missed"
    short = float(history["shortfall"].isel(iteration=-1).sel(target="min_cfe_p5"))
    p5 = float(history["risk"].isel(iteration=-1).sel(metric="cfe_score", stat="p5"))
    assert short == pytest.approx(0.995 - p5) and short > 0
    assert "min_cfe_p5" in history.attrs["verdict"] and "short by" in history.attrs["verdict"]
    assert history["cfe_target"].values[-1] > 0.7  # the LP's target was tightened


def test_failure_causes_add_up_to_the_monte_carlo_of_that_future(scn, reduced):
    """The NumPy trace's split (outage, capacity, power) sums to the JAX kernel's totals."""
    plan = planner.plan(reduced, policy={"reserve_margin": 0.0, "backup_coverage": 0.0})
    unc = {"site_outages": {"failure_rate_per_year": 30.0}}
    risk = planner.simulate(scn, plan, n_futures=8, seed=3, uncertainty=unc, progress=False)
    for f in {
        int(np.argmax(risk["unserved_energy"].values)),
        int(np.argmax(risk["unmet_demand"].values)),
    }:
        causes = failure_causes(scn, plan, f, 3, unc).sum("day")
        power = float(causes.sel(cause="outage") + causes.sel(cause="power"))
        assert power == pytest.approx(float(risk["unserved_energy"][f]), rel=1e-3, abs=1e-3)
        assert float(causes.sel(cause="capacity")) == pytest.approx(
            float(risk["unmet_demand"][f]), rel=1e-3, abs=1e-3
        )
    assert float(causes.sel(cause="outage") + causes.sel(cause="capacity")) > 0


def test_a_stress_day_is_the_futures_day(scn, reduced):
    """Drivers off: the scenario's own day; demand growth only: demand times that growth."""
    plan = planner.plan(reduced)
    none = futures_of(scn, plan, [0], 0, planner.Uncertainty.none(), "float64")
    same = stress_days(scn, none, 0, [2])
    for name in ("cf", "pue", "inference_demand", "grid_price", "grid_co2"):
        np.testing.assert_allclose(
            same[name].values, scn[name].isel(time=slice(48, 72)).values, rtol=1e-12
        )
    grow = planner.Uncertainty.none().model_dump()
    grow["demand_growth"]["enabled"] = True
    draws = futures_of(scn, plan, [5], 0, grow, "float64")
    day = stress_days(scn, draws, 0, [2])
    ratio = day["inference_demand"] / scn["inference_demand"].isel(time=slice(48, 72))
    np.testing.assert_allclose(ratio.max("time").values, draws.growth[0, :-1], rtol=1e-9)
    assert not np.allclose(draws.growth[0], 1.0)


def test_bad_arguments_are_refused_before_solving(scn):
    with pytest.raises(PolicyError, match="holdout_seed = 4 equals seed"):
        harden(scn, targets={"max_unserved_p95": 1.0}, seed=4, holdout_seed=4)
    with pytest.raises(PolicyError, match="max_iterations"):
        harden(scn, targets={"max_unserved_p95": 1.0}, max_iterations=0)
    with pytest.raises(PolicyError, match="min_cfe_p5"):
        harden(scn, targets={"min_cfe_p5": 2.0})


@pytest.mark.slow
def test_power_short_days_become_lp_periods_and_cut_the_shortfall(scn):
    """No grid (headroom 0), no backup: the futures' dull days short of power become stress
    periods; the LP builds for them, and the full year's p95 shortfall falls."""
    islanded = scn.copy()
    islanded["grid_headroom"] = scn["grid_headroom"] * 0.0
    red = planner.reduce_time(islanded, n_days=3)
    result = harden_run(
        islanded,
        {"reserve_margin": 0.0, "backup_coverage": 0.0},
        {"max_unserved_p95": 50.0},
        n_futures=N,
        max_iterations=3,
        reduced=red,
        uncertainty={
            "site_outages": {"enabled": False},
            "disasters": {"enabled": False},
            "demand_growth": {"enabled": False},
        },
    )
    h = result.history
    value = h["value"].sel(target="max_unserved_p95").values
    assert value[0] > 50.0 and value[1] < value[0]
    assert "stress days added" in str(h["change"].values[1])
    assert h["n_periods"].values[1] > h["n_periods"].values[0]
    assert h["gen_capacity"].values[1] > h["gen_capacity"].values[0]  # built for the dull days
    stress = json.loads(result.reduced.attrs["stress_days"])
    assert stress and all(s["source"].startswith("future ") for s in stress)
    assert float(result.reduced["weight"].sum()) == float(red["weight"].sum())
    assert result.reduced.sizes["time"] == result.plan.sizes["time"]
