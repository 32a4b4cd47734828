"""Monte Carlo stress test of a Plan over futures of the full chronological year.

uncertainty.py  the drivers' parameters (`Uncertainty`) and Japanese defaults
drivers.py      sampling each future's compact description from (seed, i)
dispatch.py     the hourly dispatch rule, written once for jax.numpy and numpy
kernel.py       the jit boundary: sampling and `lax.scan` over hours
reference.py    the NumPy reference kernel (tests, benchmark baseline)
metrics.py      per-future and per-site metrics, summary with CVaR95
prepare.py      Scenario + Plan -> the kernels' complete inputs (`prepare`, `KernelInputs`)
simulate.py     chunking, sharding, progress, the Risk dataset
devices.py      `configure_devices`: XLA CPU flags (a device per core, fast math), for entry
                points; the chunk size per device
"""

from planner.mc.devices import configure_devices
from planner.mc.prepare import KernelInputs, prepare
from planner.mc.simulate import dispatch_trace, simulate
from planner.mc.uncertainty import Uncertainty

__all__ = [
    "KernelInputs",
    "Uncertainty",
    "configure_devices",
    "dispatch_trace",
    "prepare",
    "simulate",
]
