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
    forecast_need,
    hour_step,
    hours_of,
    initial_state,
)


def day_ahead(inputs: Inputs, futures, day: int) -> tuple[np.ndarray, np.ndarray]:
    """(F, H, S) battery reserve (MWh) and training pace share of each hour of `day`.

    dispatch.py, steps 3 and 4.
    The forecast covers today and tomorrow (up to 48 hours, less at the
    horizon's end): each future's weather and demand, no events.
    """
    n_hours = inputs.ren.shape[0]
    dtype = inputs.ren.dtype
    n_nodes = inputs.node_share_total.shape[0]
    hours = np.arange(24 * day, min(n_hours, 24 * day + 48))
    days = hours // 24
    source = futures.day_source[:, days] * 24 + hours % 24  # (F, W)
    ren = np.minimum(inputs.ren[source] * futures.weather_noise[:, days], inputs.ren_max)
    pue = inputs.pue[source]
    demand = inputs.inference[hours][None] * futures.growth[:, None, :n_nodes]  # (F, W, N)
    per_link = (demand @ inputs.node_link_onehot) * inputs.link_share
    inference = per_link @ inputs.link_site_onehot  # (F, W, S) on the planned links
    budget = (
        inputs.day_training[days][None, :, None]
        * futures.growth[:, None, n_nodes:]
        * inputs.training_share
    )
    day_len = np.minimum(24, n_hours - 24 * days).astype(dtype)
    must, surplus = forecast_need(
        ren,
        pue,
        inference,
        inputs.it_capacity,
        budget / day_len[None, :, None],
        inputs.grid_capacity,
        inputs.battery_power,
        np,
    )
    # energy the battery must give after each hour, up to the next surplus hour
    reserve = np.zeros_like(must)
    later = np.zeros_like(must[:, 0])
    for k in range(len(hours) - 1, -1, -1):
        reserve[:, k] = later
        later = np.where(surplus[:, k], 0.0, must[:, k] + later)
    # training's pace: the share of its budget for this hour in the day's free IT left
    today = min(24, n_hours - 24 * day)
    room = inputs.it_capacity - np.minimum(inference[:, :today], inputs.it_capacity)
    share = np.zeros_like(room)
    room_left = np.zeros_like(room[:, 0])
    for k in range(today - 1, -1, -1):
        room_left = room[:, k] + room_left
        share[:, k] = np.where(room_left > 0, room[:, k] / room_left, 1.0 / (today - k))
    return reserve[:, :today] / inputs.eta_discharge, share


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
            if hour[i] == 0:
                reserve, pace_share = day_ahead(inputs, futures, int(day[i]))
            h = Hour(
                t=t[i],
                hour=hour[i],
                day=day[i],
                hours_left=hours_left[i],
                inference=inputs.inference[i],
                grid_price=site_price[i],
                grid_co2=site_co2[i],
                grid_cfe=site_cfe[i],
                reserve=reserve[:, hour[i]],
                pace_share=pace_share[:, hour[i]],
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
