"""Property tests: invariants hold on randomly perturbed toy scenarios and policies."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner.lp import PlanWarning
from tests.lp.conftest import check_invariants

targets = st.one_of(st.none(), st.floats(0.0, 1.0))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.floats(0.2, 2.0),
    sun=st.floats(0.0, 1.0),
    efficiency=st.floats(0.5, 1.0),
    re_share=targets,
    cfe_target=targets,
    carbon_price=st.floats(0.0, 2.0e4),
    relax=st.booleans(),
)
def test_invariants_on_perturbed_toys(
    demand, sun, efficiency, re_share, cfe_target, carbon_price, relax
):
    ds = planner.load_scenario("toy")
    ds["inference_demand"] = ds["inference_demand"] * demand
    ds["cf"].loc[{"gen": "solar"}] = ds["cf"].sel(gen="solar") * sun
    ds["battery_efficiency"] = efficiency
    policy = {"re_share": re_share, "cfe_target": cfe_target, "carbon_price": carbon_price}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanWarning)  # high targets may leave load unserved
        plan = planner.plan(ds, policy=policy, relax_siting=relax)
    check_invariants(plan, ds, policy)
