"""The JAX kernel: the one jit boundary of the Monte Carlo.

Two jitted pure functions, compiled once per run shape (`Sizes` and array
shapes are the only static information; chunks are padded to a fixed size):

- `sample_chunk(seed, future_ids, params)`: compact futures (drivers.py).
- `dispatch_chunk(inputs, futures)`: `lax.scan` over hours of `hour_step`
  (dispatch.py), futures and sites as array axes; returns the accumulators.

Both backends sample through `sample_chunk`, so "the same futures" means
bit-identical compact descriptions. Sharding is decided by the caller
(simulate.py) through the sharding of `future_ids` and `futures`: XLA's
propagation keeps the futures axis split over devices through the scan.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from planner.mc.dispatch import (
    Hour,
    Inputs,
    State,
    event_bits,
    finish,
    hour_step,
    hours_of,
    initial_state,
)
from planner.mc.drivers import DriverParams, Futures, Sizes, sample_futures

SCAN_UNROLL = 1


@partial(jax.jit, static_argnames=("sizes",))
def sample_chunk(
    seed: jax.Array, future_ids: jax.Array, params: DriverParams, sizes: Sizes
) -> Futures:
    """Compact futures for `future_ids` (F,), drawn from (seed, id) only."""
    return sample_futures(seed, future_ids, params, sizes)


@jax.jit
def dispatch_chunk(inputs: Inputs, futures: Futures) -> State:
    """Run the hourly dispatch over the whole horizon for a chunk; final State (F, S) arrays."""
    n_futures = futures.growth.shape[0]
    n_hours = inputs.ren.shape[0]
    t, hour, day, hours_left = hours_of(n_hours, jnp)
    hours = Hour(
        t=t,
        hour=hour,
        day=day,
        hours_left=hours_left,
        inference=inputs.inference,
        grid_price=inputs.grid_price[:, inputs.site_area],
        grid_co2=inputs.grid_co2[:, inputs.site_area],
        grid_cfe=inputs.grid_cfe[:, inputs.site_area],
    )

    events = event_bits(futures, inputs.site_area, n_hours, jnp)

    def step(state, h):
        return hour_step(state, h, inputs, futures, events, jnp), None

    final, _ = jax.lax.scan(step, initial_state(inputs, n_futures, jnp), hours, unroll=SCAN_UNROLL)
    return finish(final, inputs, futures)
