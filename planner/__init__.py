"""planner: site, size and stress-test renewable-powered AI data centres.

import planner
scn  = planner.load_scenario("japan_2030")
scn  = planner.validate(scn)
red  = planner.reduce_time(scn, n_days=12)
plan = planner.plan(red, policy={"re_share": 1.0})
risk = planner.simulate(scn, plan, n_futures=1000, seed=0)
"""

from planner.errors import ConfigError, PlannerError, PolicyError, ScenarioError, SolverError
from planner.lp import Policy, plan
from planner.mc import Uncertainty, simulate
from planner.scenario import load_scenario, reduce_time, save_scenario, validate

__all__ = [
    "ConfigError",
    "PlannerError",
    "Policy",
    "PolicyError",
    "ScenarioError",
    "SolverError",
    "Uncertainty",
    "load_scenario",
    "plan",
    "reduce_time",
    "save_scenario",
    "simulate",
    "validate",
]
