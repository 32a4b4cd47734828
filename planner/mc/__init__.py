"""Monte Carlo stress test of a Plan over futures of the full chronological year.

uncertainty.py  the drivers' parameters (`Uncertainty`) and Japanese defaults
drivers.py      sampling each future's compact description from (seed, i)
dispatch.py     the hourly dispatch rule, written once for jax.numpy and numpy
kernel.py       the jit boundary: sampling and `lax.scan` over hours
reference.py    the NumPy reference kernel (tests, benchmark baseline)
metrics.py      per-future and per-site metrics, summary with CVaR95
inputs.py       Scenario + Plan -> arrays; `plan_from_capacities`
simulate.py     chunking, sharding, progress, the Risk dataset
devices.py      `configure_devices`: XLA CPU flags (a device per core, fast math), for entry points
"""

from planner.mc.inputs import PlanError, plan_from_capacities
from planner.mc.simulate import dispatch_trace, simulate
from planner.mc.uncertainty import Uncertainty

__all__ = [
    "PlanError",
    "Uncertainty",
    "dispatch_trace",
    "plan_from_capacities",
    "simulate",
]
