"""validate_plan: one test per rule, the issue's two-problem case, real plans, hand-made plans."""

import numpy as np
import pytest

import planner
from planner.contracts.plan import CAPACITIES, PLAN_SCHEMA, SHARE_TOLERANCE, validate_plan
from planner.errors import PlannerError
from tests.contracts.conftest import CAPACITIES as HAND


def problems_of(plan, scenario=None) -> list[str]:
    with pytest.raises(planner.PlanError) as err:
        validate_plan(plan, scenario)
    return err.value.problems


def test_a_hand_made_plan_passes_and_gets_the_schema_attrs(hand_plan, toy_scenario):
    out = validate_plan(hand_plan, toy_scenario)
    assert out is not hand_plan
    for var in PLAN_SCHEMA:
        if var.name in out:
            assert out[var.name].attrs == {"units": var.units, "description": var.description}
    assert validate_plan(hand_plan)["it_capacity"].equals(hand_plan["it_capacity"])


def test_the_solved_toy_plan_passes_against_its_scenario_and_a_reduced_one(
    solved_plan, toy_scenario
):
    assert solved_plan.attrs["status"] == "optimal"
    validate_plan(solved_plan, toy_scenario)
    validate_plan(solved_plan, planner.reduce_time(toy_scenario, n_days=2))
    validate_plan(solved_plan)


@pytest.mark.parametrize("name", [v.name for v in CAPACITIES])
def test_a_missing_required_variable_is_named_with_its_dims(hand_plan, name):
    (problem,) = problems_of(hand_plan.drop_vars(name))
    var = next(v for v in CAPACITIES if v.name == name)
    assert problem.startswith(f"{name}: missing (required")
    assert f"units {var.units}" in problem


def test_the_capacities_and_share_are_exactly_what_the_monte_carlo_needs():
    assert [v.name for v in CAPACITIES] == [
        "it_capacity",
        "gen_capacity",
        "battery_power",
        "battery_energy",
        "grid_capacity",
        "share",
    ]


def test_a_missing_optional_variable_is_fine(hand_plan, toy_scenario):
    validate_plan(hand_plan.drop_vars("site_open"), toy_scenario)


def test_wrong_dims_are_refused_but_dim_order_is_free(hand_plan, toy_scenario):
    validate_plan(
        hand_plan.assign(share=hand_plan["share"].transpose("site", "node")), toy_scenario
    )
    flat = hand_plan.assign(gen_capacity=hand_plan["gen_capacity"].sum("gen"))
    (problem,) = problems_of(flat)
    assert problem == "gen_capacity: has dims (site), the contract says (site, gen)"


def test_nan_is_refused_with_its_coordinate(hand_plan):
    hand_plan["battery_energy"].loc[{"site": "charlie"}] = np.nan
    (problem,) = problems_of(hand_plan)
    assert problem.startswith("battery_energy[site=charlie] = nan: NaN is not allowed")


def test_a_negative_capacity_is_refused_with_coordinate_value_and_rule(hand_plan):
    hand_plan["gen_capacity"].loc[{"site": "bravo", "gen": "wind_onshore"}] = -3.0
    (problem,) = problems_of(hand_plan)
    assert problem == "gen_capacity[site=bravo, gen=wind_onshore] = -3.0: must be >= 0 (units MW)"


def test_a_share_above_one_breaks_the_fraction_rule_but_solver_noise_does_not(hand_plan):
    noisy = hand_plan.copy(deep=True)
    noisy["share"].loc[{"node": "city_a", "site": "alpha"}] = 1.0 + 1e-9
    validate_plan(noisy)
    hand_plan["share"].loc[{"node": "city_a", "site": "alpha"}] = 1.2
    (problem,) = problems_of(hand_plan)
    assert problem == "share[node=city_a, site=alpha] = 1.2: must lie in [0, 1] (units 1)"


def test_shares_of_a_demanded_node_must_sum_to_one_only_against_a_scenario(hand_plan, toy_scenario):
    hand_plan["share"].loc[{"node": "city_b"}] = [0.0, 0.3, 0.3]  # sums to 0.6
    validate_plan(hand_plan)  # the plan alone cannot know which nodes have demand
    (problem,) = problems_of(hand_plan, toy_scenario)
    assert problem.startswith("share[node=city_b]: sums to 0.6 over sites")
    assert f"tolerance {SHARE_TOLERANCE:g}" in problem
    hand_plan["share"].loc[{"node": "city_b"}] = [0.0, 0.5, 0.5 + 0.5 * SHARE_TOLERANCE]
    validate_plan(hand_plan, toy_scenario)


def test_a_node_without_demand_may_have_no_shares(hand_plan, toy_scenario):
    quiet = toy_scenario.copy()
    quiet["inference_demand"] = quiet["inference_demand"].where(quiet["node"] != "city_b", 0.0)
    hand_plan["share"].loc[{"node": "city_b"}] = 0.0
    validate_plan(hand_plan, quiet)
    assert problems_of(hand_plan, toy_scenario)[0].startswith("share[node=city_b]: sums to 0")


def test_a_site_the_scenario_lacks_and_one_the_plan_misses_are_both_named(hand_plan, toy_scenario):
    renamed = hand_plan.assign_coords(site=["alpha", "bravo", "zeta"])
    validate_plan(renamed)  # no scenario: the plan's own checks only
    problems = problems_of(renamed, toy_scenario)
    assert problems == [
        "it_capacity (and 6 more on site): site 'zeta' is not a site of the scenario",
        "it_capacity (and 6 more on site): site 'charlie' of the scenario is missing from the plan",
    ]


@pytest.mark.parametrize("dim, label", [("node", "city_c"), ("gen", "geothermal")])
def test_node_and_gen_labels_are_checked_too(hand_plan, toy_scenario, dim, label):
    labels = list(hand_plan[dim].values[:-1]) + [label]
    problems = problems_of(hand_plan.assign_coords({dim: labels}), toy_scenario)
    assert any(f"{dim} {label!r} is not a {dim} of the scenario" in p for p in problems)
    assert any("of the scenario is missing from the plan" in p for p in problems)


def test_nan_capacity_and_unknown_site_give_one_error_naming_both(hand_plan, toy_scenario):
    """The issue's case: a NaN it_capacity and a site the scenario lacks, in one PlanError."""
    hand_plan["it_capacity"].loc[{"site": "bravo"}] = np.nan
    bad = hand_plan.assign_coords(site=["alpha", "bravo", "zeta"])
    with pytest.raises(planner.PlanError) as err:
        planner.validate_plan(bad, toy_scenario)
    text = str(err.value)
    assert text.startswith("3 problems in plan:\n  - ")
    assert "it_capacity[site=bravo] = nan: NaN is not allowed" in text
    assert "site 'zeta' is not a site of the scenario" in text
    assert len(err.value.problems) == 3


def test_plan_error_is_a_value_error_of_the_planner_with_a_problem_list():
    err = planner.PlanError("one thing")
    assert isinstance(err, ValueError) and isinstance(err, PlannerError)
    assert err.problems == ["one thing"] and str(err) == "1 problem in plan:\n  - one thing"
    with pytest.raises(planner.PlanError, match="must be an xarray.Dataset, got dict"):
        validate_plan({"it_capacity": [1.0]})


def test_plan_from_capacities_broadcasts_in_the_scenario_order(toy_scenario):
    plan = planner.plan_from_capacities(
        toy_scenario, it_capacity=[0.0, 6.0, 11.0], gen_capacity=4.0, share=1 / 3
    )
    assert list(plan.data_vars) == [*(v.name for v in CAPACITIES), "site_open", "site_area"]
    for var in CAPACITIES:
        assert plan[var.name].dims == var.dims and plan[var.name].attrs["units"] == var.units
    assert list(plan["site"].values) == list(toy_scenario["site"].values)
    np.testing.assert_array_equal(plan["gen_capacity"].values, np.full((3, 2), 4.0))
    np.testing.assert_array_equal(plan["share"].sum("site").values, [1.0, 1.0])
    np.testing.assert_array_equal(plan["battery_energy"].values, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(plan["site_open"].values, [0.0, 1.0, 1.0])
    assert plan.attrs == {"status": "hand-made", "solver": "none"}
    assert list(plan["site_area"].values) == list(toy_scenario["site_area"].values)


def test_plan_from_capacities_keeps_the_given_numbers(hand_plan):
    np.testing.assert_array_equal(hand_plan["share"].values, HAND["share"])
    np.testing.assert_array_equal(hand_plan["grid_capacity"].values, [5.0, 5.0, 5.0])
