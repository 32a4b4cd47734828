"""Full-year replay: the default study's plan run through its own year, every driver off.

The LP plans on representative days (each cluster's value distribution, linked storage)
with foresight; the Monte Carlo runs the chronological year with the day-ahead rule of
dispatch.py. With every
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
    """Measured (Dec 2026, 12 distribution days + extreme days, linked storage): RE share
    0.5199 vs the LP's 0.5197, grid energy 13.06 vs 12.92 TWh (+1.1 %)."""
    _, plan = default_study
    assert replay["re_share"].item() == pytest.approx(plan.attrs["re_share"], abs=0.01)
    assert replay["grid_energy"].item() == pytest.approx(plan.attrs["grid_energy"], rel=0.03)


def test_replay_meets_the_lps_cfe_score(default_study, replay):
    """Measured (Dec 2026, distribution days, training free to run in the reserve margin):
    MC 0.6969 vs the LP's 0.7000 (-0.3 points). Before: +0.7 points, from two gaps of
    opposite sign: the LP kept the margin free above training too (+1.8; the MC's training
    used it) and rescaled medoid days overstated the hourly match (-1.1)."""
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
    # backup runs only where the grid connection falls short, as the LP's own unserved
    # energy says it does (measured: LP 321 MWh/yr unserved, MC 253 MWh of backup)
    allowed = plan.attrs["unserved_energy"] + 1e-5 * replay["demand_energy"].item()
    assert replay["backup_energy"].item() < allowed
