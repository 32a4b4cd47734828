"""planner: site, size and stress-test renewable-powered AI data centres.

import planner
planner.configure_devices()               # optional: a CPU device per core, fast math (XLA_FLAGS)
scn  = planner.load_scenario("japan_2030")
scn  = planner.validate(scn)
red  = planner.reduce_time(scn, n_days=12)
plan = planner.plan(red, policy={"re_share": 1.0})
plan = planner.validate_plan(plan, scn)   # raises planner.PlanError
risk = planner.simulate(scn, plan, n_futures=1000, seed=0)
risk = planner.validate_risk(risk)        # raises planner.RiskError
plan, history = planner.harden(scn, policy, {"max_unserved_p95": 1000}, n_futures=500)
"""

from planner.contracts.plan import plan_from_capacities, validate_plan
from planner.contracts.risk import validate_risk
from planner.errors import (
    ConfigError,
    OutputExistsError,
    PlanError,
    PlannerError,
    PolicyError,
    RiskError,
    ScenarioError,
    ScenarioWarning,
    SolverError,
    UncertaintyError,
)
from planner.hardening import harden
from planner.lp import Policy, plan
from planner.mc import Uncertainty, simulate
from planner.mc.devices import configure_devices
from planner.scenario import load_scenario, reduce_time, save_scenario, validate

__all__ = [
    "ConfigError",
    "OutputExistsError",
    "PlanError",
    "PlannerError",
    "Policy",
    "PolicyError",
    "RiskError",
    "ScenarioError",
    "ScenarioWarning",
    "SolverError",
    "Uncertainty",
    "UncertaintyError",
    "configure_devices",
    "harden",
    "load_scenario",
    "plan",
    "plan_from_capacities",
    "reduce_time",
    "save_scenario",
    "simulate",
    "validate",
    "validate_plan",
    "validate_risk",
]
