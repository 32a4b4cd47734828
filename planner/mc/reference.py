"""The NumPy reference: the same dispatch as the JAX kernel, as a plain loop over hours.

Vectorised over futures and sites, one Python iteration per hour, no JAX.
It is the reference the JAX kernel is tested against and the baseline of the
benchmarks. With `trace=True` it also returns every hourly flow (F, T, S) for
inspection and hand-checked tests (small runs only).
"""

from __future__ import annotations

import numpy as np

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


def dispatch_numpy(inputs: Inputs, futures, trace: bool = False):
    """Final State of the dispatch over all hours (and hourly flows {name: (F, T, S)} if trace)."""
    inputs = Inputs(*(np.asarray(a) for a in inputs))
    futures = type(futures)(*(np.asarray(a) for a in futures))
    n_futures = futures.growth.shape[0]
    n_hours = inputs.ren.shape[0]
    t, hour, day, hours_left = hours_of(n_hours, np)
    state = initial_state(inputs, n_futures, np)
    site_price, site_co2, site_cfe = (
        a[:, inputs.site_area] for a in (inputs.grid_price, inputs.grid_co2, inputs.grid_cfe)
    )
    events = event_bits(futures, inputs.site_area, n_hours, np)
    flows: dict[str, list[np.ndarray]] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(n_hours):
            h = Hour(
                t=t[i],
                hour=hour[i],
                day=day[i],
                hours_left=hours_left[i],
                inference=inputs.inference[i],
                grid_price=site_price[i],
                grid_co2=site_co2[i],
                grid_cfe=site_cfe[i],
            )
            if trace:
                state, hourly = hour_step(state, h, inputs, futures, events, np, trace=True)
                for name, value in hourly.items():
                    flows.setdefault(name, []).append(value)
            else:
                state = hour_step(state, h, inputs, futures, events, np)
    state = finish(State(*state), inputs, futures)
    if not trace:
        return state
    return state, {name: np.stack(values, axis=1) for name, values in flows.items()}
