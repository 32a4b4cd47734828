"""Shared fixtures: the toy Scenario."""

import pytest

import planner


@pytest.fixture
def toy():
    """A fresh, validated toy Scenario (3 sites, 2 nodes, 168 h)."""
    return planner.validate(planner.load_scenario("toy"))
