"""The Japan 2030 plan on 12 representative days plus extreme days: invariants hold."""

from __future__ import annotations

import warnings

import pytest

import planner
from planner.lp import PlanWarning
from tests.lp.conftest import check_invariants

POLICY = {
    "re_share": 0.4,
    "cfe_target": 0.75,
    "subsidy": {"hokkaido": 0.25, "kyushu": 0.25},
    "carbon_price": 2000.0,
}


@pytest.fixture(scope="module")
def japan():
    try:
        ds = planner.load_scenario("japan_2030")
    except planner.ScenarioError as err:
        pytest.skip(f"japan_2030 data set not available yet: {err}")
    return planner.validate(planner.reduce_time(ds, n_days=12))


@pytest.mark.slow
def test_japan_2030_plan_invariants(japan):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlanWarning)  # the Japan plan serves all load
        plan = planner.plan(japan, policy=POLICY)
    assert plan.attrs["status"] == "optimal"
    assert plan.sizes["time"] == japan.sizes["time"]
    check_invariants(plan, japan, POLICY)
    # Sites open are whole under binary siting.
    opens = plan["site_open"].values
    assert ((opens < 1e-6) | (opens > 1 - 1e-6)).all()
