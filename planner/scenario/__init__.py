"""Scenario: the data contract, its validation, loaders and time reduction."""

from planner.scenario.load import load_scenario, save_scenario
from planner.scenario.reduce import reduce_time
from planner.scenario.schema import SCHEMA
from planner.scenario.validate import validate

__all__ = ["SCHEMA", "load_scenario", "reduce_time", "save_scenario", "validate"]
