"""Shared fixtures: the toy Scenario. The suite's devices: a CPU device per core, fast math."""

from planner.mc.devices import configure_devices

# An entry point sets XLA's flags before JAX starts its backends; for the test suite this is it.
# Subprocesses inherit the flags through os.environ.
configure_devices()

import pytest  # noqa: E402

import planner  # noqa: E402


@pytest.fixture
def toy():
    """A fresh, validated toy Scenario (3 sites, 2 nodes, 168 h)."""
    return planner.validate(planner.load_scenario("toy"))
