"""Fixtures for the contract tests: hand-made and solved toy Plans, a real toy Risk."""

import pytest

import planner

CAPACITIES = {
    "it_capacity": [14.0, 6.0, 11.0],
    "gen_capacity": [[30.0, 10.0], [10.0, 10.0], [20.0, 5.0]],
    "share": [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]],
    "battery_power": 2.0,
    "battery_energy": 8.0,
    "grid_capacity": 5.0,
}


@pytest.fixture(scope="session")
def toy_scenario():
    """The validated toy Scenario, shared: tests must not change it."""
    return planner.validate(planner.load_scenario("toy"))


@pytest.fixture
def hand_plan(toy_scenario):
    """A fresh hand-made Plan that passes every check (3 sites, 2 gens, 2 nodes)."""
    return planner.plan_from_capacities(toy_scenario, **CAPACITIES)


@pytest.fixture(scope="session")
def solved_plan(toy_scenario):
    """The LP's Plan of the toy year with a renewable target (shared)."""
    return planner.plan(toy_scenario, policy={"re_share": 0.8, "cfe_target": 0.8})


@pytest.fixture(scope="session")
def real_risk(toy_scenario, solved_plan):
    """`planner.simulate` of the solved plan, a few futures (shared)."""
    return planner.simulate(toy_scenario, solved_plan, n_futures=8, seed=3, progress=False)


@pytest.fixture
def risk(real_risk):
    """A fresh deep copy of the real Risk, to break in a test."""
    return real_risk.copy(deep=True)
