"""Plan contract, invariants on a solved toy plan, solvers agreeing, policy errors."""

from __future__ import annotations

import inspect
import json
import logging
import re

import numpy as np
import pytest
import xarray as xr

import planner
from planner.io import write_netcdf
from planner.lp import PlanWarning, Policy
from planner.lp.solve import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT
from tests.lp.conftest import check_invariants

POLICY = {"re_share": 0.8, "cfe_target": 0.9, "carbon_price": 5000.0, "co2_cap": 20000.0}

PLAN_VARS = {
    "site_open": ("site",),
    "it_capacity": ("site",),
    "gen_capacity": ("site", "gen"),
    "ppa_capacity": ("site", "gen"),
    "battery_power": ("site",),
    "battery_energy": ("site",),
    "grid_capacity": ("site",),
    "share": ("node", "site"),
    "backhaul_capacity": ("node", "site", "backhaul"),
    "it_load": ("site", "time"),
    "training_load": ("site", "time"),
    "grid_import": ("site", "time"),
    "charge": ("site", "time"),
    "discharge": ("site", "time"),
    "soc": ("site", "time"),
    "curtailment": ("site", "time"),
    "unserved": ("site", "time"),
    "export": ("site", "time"),
    "cost": ("component",),
}


@pytest.fixture(scope="module")
def toy_plan():
    ds = planner.load_scenario("toy")
    return ds, planner.plan(ds, policy=POLICY)


def test_plan_has_the_contract_vars_dims_units_and_attrs(toy_plan, tmp_path):
    _, plan = toy_plan
    for name, dims in PLAN_VARS.items():
        assert plan[name].dims == dims, name
        assert plan[name].attrs["units"], name
    assert plan["cost"].attrs["units"] == "JPY/yr"
    for attr in ("status", "objective", "solver", "solve_seconds", "build_seconds", "mip_gap"):
        assert attr in plan.attrs, attr
    assert plan.attrs["n_rows"] > 0 and plan.attrs["n_cols"] > 0 and plan.attrs["n_nonzeros"] > 0
    assert json.loads(plan.attrs["policy"])["re_share"] == 0.8
    assert list(plan["site_area"].values) == ["north", "north", "south"]
    expected = {"sites", "it", "gen_solar", "gen_wind_onshore", "battery", "grid_connection"}
    expected |= {"grid_energy", "export_revenue", "backhaul", "unserved", "carbon"}
    expected |= {"target_shortfall"}  # 0 here: the targets are met
    expected |= {"ppa_solar", "ppa_wind_onshore", "ppa_wheeling"}  # 0: the toy has no PPA
    expected |= {"grid_wheeling", "grid_energy_charge"}  # 0: the toy has no wheeling tariff
    expected |= {"backup", "backhaul_latency"}
    assert set(plan["component"].values) == expected
    write_netcdf(plan, tmp_path / "plan.nc")  # attrs are NetCDF-safe
    back = xr.open_dataset(tmp_path / "plan.nc")
    assert back.attrs["objective"] == pytest.approx(plan.attrs["objective"])


def test_toy_plan_invariants(toy_plan):
    ds, plan = toy_plan
    assert plan.attrs["status"] == "optimal"
    check_invariants(plan, ds, POLICY)
    assert plan.attrs["unserved_energy"] < 1e-6
    # The carbon component is the carbon price times the emissions.
    assert float(plan["cost"].sel(component="carbon")) == pytest.approx(
        5000.0 * plan.attrs["emissions"], rel=1e-9
    )


def test_policy_targets_bind_when_they_cost_something(toy_plan):
    ds, plan = toy_plan
    free = planner.plan(ds)
    assert free.attrs["cfe_score"] < 0.9
    assert plan.attrs["objective"] > free.attrs["objective"]
    # A target above what is free binds exactly (more would cost more).
    for field, metric, target in (("re_share", "re_share", 0.9), ("cfe_target", "cfe_score", 0.85)):
        assert free.attrs[metric] < target
        bound = planner.plan(ds, policy={field: target})
        assert bound.attrs[metric] == pytest.approx(target, abs=1e-6)


def dear_sites(ds):
    """Site fixed costs so high that the LP relaxation opens sites fractionally."""
    ds = ds.copy()
    ds["site_fixed_capex"] = ds["site_fixed_capex"] * 50
    return ds


@pytest.mark.parametrize("dear", [False, True], ids=["toy", "toy-dear-sites"])
def test_highs_and_cbc_agree_on_the_toy_objective(dear):
    ds = planner.load_scenario("toy")
    ds = dear_sites(ds) if dear else ds
    highs = planner.plan(ds, policy={"cfe_target": 0.8}, solver="highs", mip_gap=0.0)
    cbc = planner.plan(ds, policy={"cfe_target": 0.8}, solver="cbc", mip_gap=0.0)
    assert cbc.attrs["solver"] == "cbc" and cbc.attrs["status"] == "optimal"
    assert cbc.attrs["objective"] == pytest.approx(highs.attrs["objective"], rel=1e-6)
    check_invariants(cbc, ds, {"cfe_target": 0.8})


def test_fractional_relaxation_goes_to_branch_and_bound():
    ds = dear_sites(planner.load_scenario("toy"))
    relaxed = planner.plan(ds, relax_siting=True)
    opens = relaxed["site_open"].values
    assert ((opens > 1e-6) & (opens < 1 - 1e-6)).any()  # the relaxation is fractional
    binary = planner.plan(ds)
    assert "LP relaxation integral" not in binary.attrs["solver_status"]
    np.testing.assert_allclose(binary["site_open"], np.round(binary["site_open"]), atol=1e-6)
    assert binary.attrs["objective"] > relaxed.attrs["objective"] * (1 + 1e-6)
    check_invariants(binary, ds, {})


def test_rounded_relaxation_is_accepted_within_a_loose_gap_and_its_gap_is_proven():
    ds = dear_sites(planner.load_scenario("toy"))
    relaxed = planner.plan(ds, relax_siting=True)
    exact = planner.plan(ds, mip_gap=0.0)
    rounded = planner.plan(ds, mip_gap=0.5)
    status = rounded.attrs["solver_status"]
    assert "fractional sites of the LP relaxation opened" in status
    opens = rounded["site_open"].values
    np.testing.assert_array_equal(opens, np.round(opens))
    # the relaxation opens two sites partly (0.25, 0.275); rounding up opens both and site
    # pruning closes one again, which is the exact optimum here; a site it did not open stays shut
    partly = relaxed["site_open"].values > 1e-9
    assert partly.sum() == 2 and opens[partly].sum() == 1 and opens[~partly].sum() == 0
    assert "1 of 2 closed again by site pruning" in status
    lower, upper = relaxed.attrs["objective"], rounded.attrs["objective"]
    assert upper == pytest.approx(exact.attrs["objective"], rel=1e-9)
    # the proven gap is against a bound no lower than the relaxation's
    assert 0 < rounded.attrs["mip_gap"] <= (upper - lower) / upper * (1 + 1e-9)
    assert lower <= exact.attrs["objective"] * (1 + 1e-9) <= upper * (1 + 1e-9)
    check_invariants(rounded, ds, {})


def test_relaxed_siting_is_a_lower_bound(toy_plan):
    ds, plan = toy_plan
    relaxed = planner.plan(ds, policy=POLICY, relax_siting=True)
    assert relaxed.attrs["relax_siting"] == 1
    assert relaxed.attrs["objective"] <= plan.attrs["objective"] * (1 + 1e-9)
    check_invariants(relaxed, ds, POLICY)


def test_weights_and_periods_are_respected():
    ds = planner.load_scenario("toy")
    day = np.arange(ds.sizes["time"]) // 24
    ds["period"] = ("time", day)
    ds["weight"] = ("time", np.where(day < 3, 60.0, 30.0))  # days stand for unequal parts of a year
    plan = planner.plan(ds, policy={"cfe_target": 0.9})
    assert plan.attrs["annual_scale"] == pytest.approx(8760 / (72 * 60 + 96 * 30))
    check_invariants(plan, ds, {"cfe_target": 0.9})  # soc cyclic per day, training per day
    # Grid energy cost is each hour's import x price x hours it stands for in the year.
    w = ds["weight"] * plan.attrs["annual_scale"]
    price = ds["grid_price"].sel(area=plan["site_area"])
    assert float(plan["cost"].sel(component="grid_energy")) == pytest.approx(
        float((w * price * plan["grid_import"]).sum()), rel=1e-9
    )


def test_min_and_max_sites(toy_plan):
    ds, _ = toy_plan
    assert float(planner.plan(ds, policy={"min_sites": 3})["site_open"].sum()) == pytest.approx(3)
    assert float(planner.plan(ds, policy={"max_sites": 1})["site_open"].sum()) == pytest.approx(1)


def test_capex_budget_binds(toy_plan):
    ds, plan = toy_plan
    spent = float(plan["capital_cost"].sum())
    tight = planner.plan(ds, policy={**POLICY, "capex_budget": 0.97 * spent})
    assert float(tight["capital_cost"].sum()) <= 0.97 * spent * (1 + 1e-6)


@pytest.mark.parametrize(
    "policy, field",
    [
        ({"re_share": 1.5}, "re_share"),
        ({"cfe_target": -0.1}, "cfe_target"),
        ({"co2_cap": -1.0}, "co2_cap"),
        ({"voll": 0.0}, "voll"),
        ({"cfe": 0.5}, "cfe"),
        ({"subsidy": {"north": 1.2}}, "subsidy[north]"),
        ({"subsidy": {"kanto": 0.2}}, "subsidy[kanto]"),
        ({"min_sites": 3, "max_sites": 2}, "min_sites"),
        ({"min_sites": 4}, "min_sites"),
        ({"max_sites": 0}, "max_sites"),
    ],
)
def test_bad_policy_raises_policy_error_naming_the_field(policy, field):
    ds = planner.load_scenario("toy")
    with pytest.raises(planner.PolicyError, match=field.replace("[", r"\[")):
        planner.plan(ds, policy=policy)


@pytest.mark.parametrize(
    "option, value", [("solver", "gurobi"), ("time_limit", 0.0), ("mip_gap", 1.5)]
)
def test_bad_options_raise_policy_error(option, value):
    ds = planner.load_scenario("toy")
    with pytest.raises(planner.PolicyError, match=option):
        planner.plan(ds, **{option: value})


def test_policy_object_is_frozen_and_forbids_extras():
    with pytest.raises(planner.PolicyError, match="re_shares"):
        Policy(re_shares=0.5)
    policy = Policy(re_share=0.5, subsidy={"north": 0.1})
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        policy.re_share = 0.9
    assert planner.plan(planner.load_scenario("toy"), policy=policy).attrs["re_share"] >= 0.5 - 1e-9


def test_hard_limits_that_cannot_hold_raise_solver_error_quoting_the_solver():
    ds = planner.load_scenario("toy")
    ds["site_it_max"][:] = 15.0  # 21 MW of IT demand needs two sites
    with pytest.raises(planner.SolverError, match="(?i)infeasible.*max_sites"):
        planner.plan(ds, policy={"max_sites": 1})


def test_time_limit_with_an_incumbent_warns_and_returns_the_plan(monkeypatch):
    import dataclasses

    import planner.lp.model as model

    real_solve = model.solve

    def stopped_early(*args, **kwargs):  # the solver's answer as if the clock ran out
        solved = real_solve(*args, **kwargs)
        return dataclasses.replace(solved, status="time_limit", mip_gap=0.05)

    monkeypatch.setattr(model, "solve", stopped_early)
    with pytest.warns(planner.lp.PlanWarning, match="time limit"):
        plan = planner.plan(planner.load_scenario("toy"), time_limit=10.0)
    assert plan.attrs["status"] == "time_limit"
    assert plan.attrs["mip_gap"] == 0.05
    assert "time limit" in plan.attrs["warnings"]


def test_highs_interior_point_finds_the_same_plan(toy_plan):
    """highs_options reach HiGHS: interior point (with crossover) gives the simplex optimum."""
    ds, plan = toy_plan
    ipm = planner.plan(ds, policy=POLICY, highs_options={"solver": "ipm"})
    assert ipm.attrs["objective"] == pytest.approx(plan.attrs["objective"], rel=1e-6)


@pytest.mark.parametrize(
    ("options", "solver", "fragment"),
    [
        ({"solver": "simplexx"}, "highs", "highs_options['solver'] = 'simplexx'"),
        ({"no_such_option": 1}, "highs", "highs_options['no_such_option'] = 1"),
        ({"solver": "ipm"}, "cbc", "only for solver 'highs'"),
    ],
)
def test_bad_highs_options_are_refused_before_building(toy, options, solver, fragment):
    with pytest.raises(planner.PolicyError, match=re.escape(fragment)):
        planner.plan(toy, solver=solver, highs_options=options)


def test_plan_defaults_are_the_apps_and_the_proven_gap_is_logged(caplog):
    defaults = inspect.signature(planner.plan).parameters
    assert defaults["mip_gap"].default == DEFAULT_MIP_GAP == 1e-3
    assert defaults["time_limit"].default == DEFAULT_TIME_LIMIT == 600.0
    with caplog.at_level(logging.INFO, logger="planner.lp.model"):
        plan = planner.plan(dear_sites(planner.load_scenario("toy")))
    assert plan.attrs["mip_gap_requested"] == 1e-3 and plan.attrs["time_limit"] == 600.0
    assert 0.0 <= plan.attrs["mip_gap"] <= 1e-3
    assert f"proven relative gap {plan.attrs['mip_gap']:.3g}" in caplog.text


def test_rounded_plan_is_kept_when_branch_and_bound_finds_nothing_in_time(monkeypatch):
    import planner.lp.solve as solve_module

    ds = dear_sites(planner.load_scenario("toy"))
    rounded = planner.plan(ds, mip_gap=0.5)  # the rounded relaxation, accepted, with its gap
    assert rounded.attrs["mip_gap"] > 0
    real_run = solve_module._run

    def no_incumbent(prob, solver, time_limit, mip_gap, mip, highs_options=None, phase="lp"):
        if mip:
            raise planner.SolverError("highs: no usable plan within the time limit")
        return real_run(prob, solver, time_limit, mip_gap, mip, highs_options, phase)

    monkeypatch.setattr(solve_module, "_run", no_incumbent)
    with pytest.warns(PlanWarning, match="time limit"):
        plan = planner.plan(ds, mip_gap=0.0, time_limit=60.0)
    assert plan.attrs["status"] == "time_limit"
    assert "branch and bound stopped" in plan.attrs["solver_status"]
    assert plan.attrs["objective"] == pytest.approx(rounded.attrs["objective"], rel=1e-9)
    assert plan.attrs["mip_gap"] == pytest.approx(rounded.attrs["mip_gap"], rel=1e-9)
    check_invariants(plan, ds, {})
