"""The JAX kernel: the one jit boundary of the Monte Carlo.

Two jitted pure functions, compiled once per run shape (`Sizes` and array
shapes are the only static information; chunks are padded to a fixed size):

- `sample_chunk(seed, future_ids, params)`: compact futures (drivers.py).
- `dispatch_chunk(inputs, futures)`: the dispatch rule of dispatch.py over the
  whole horizon; returns the accumulators as a State of (F, S) arrays.

`dispatch_chunk` states the same rule as `dispatch.hour_step` (the NumPy
reference runs that), arranged for speed on a CPU:

- layout (sites, futures): futures on the innermost axis, so a chunk of 256
  futures fills the SIMD lanes where 18 sites would not;
- a `lax.scan` over days: each future's source day of renewables and PUE is
  gathered once per day as a (24, S, F) slab, event bits come as one 24-bit
  word per entity and day, and everything that does not depend on the battery
  or the training budget (availability, renewables, inference routing over
  links, the day-ahead forecast, reserve and training pace) is computed for the
  whole day at once. Only the battery and training recursion runs hour by hour,
  in an inner `lax.scan` whose body is a handful of small fusions; its hourly
  flows come back stacked and the day's metrics are summed from them. (Hours
  unrolled in Python instead make XLA's CPU backend fuse the whole day's
  recursion into every consumer and recompute it in each: ~10x slower.)
- the hourly sums into the accumulators are written out hour by hour
  (`_add_hours`): XLA's CPU reduction changes its summation order with the
  chunk shape, which would break bit-identity across chunk sizes.
- the forecast of the next day is made once and carried to the next day; the
  next day's inputs come shifted by one day in the scan's inputs.
- a horizon that does not end on a day boundary runs its last part-day after
  the scan, with the same body and fewer hours.

Both backends sample through `sample_chunk`, so "the same futures" means
bit-identical compact descriptions. Sharding is decided by the caller
(simulate.py) through the sharding of `future_ids` and `futures`: XLA's
propagation keeps the futures axis split over devices through the scan.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from planner.mc.dispatch import (
    LOL_TOLERANCE,
    Inputs,
    State,
    battery_discharge,
    finish,
    forecast_need,
    interval_bits,
)
from planner.mc.drivers import DriverParams, Futures, Sizes, sample_futures

HOURS = 24


@partial(jax.jit, static_argnames=("sizes",))
def sample_chunk(
    seed: jax.Array, future_ids: jax.Array, params: DriverParams, sizes: Sizes
) -> Futures:
    """Compact futures for `future_ids` (F,), drawn from (seed, id) only."""
    return sample_futures(seed, future_ids, params, sizes)


class Forecast(NamedTuple):
    """What the battery reserve foresees of a day (dispatch.py, step 4): weather and demand."""

    source: jax.Array  # (F,)
    noise: jax.Array  # (S, F)
    inference: jax.Array  # (24, N)
    training: jax.Array  # ()
    hours: jax.Array  # () hours of the day within the horizon (0 after the last day)


class Day(NamedTuple):
    """Scan inputs of one day; per-future arrays have futures last."""

    source: jax.Array  # (F,) int source day of renewables and PUE
    noise: jax.Array  # (S, F) weather noise on renewables
    down: jax.Array  # (S, F) uint32 hour bits: site down
    stress: jax.Array  # (S, F) uint32 hour bits: grid stress
    cut: jax.Array  # (L, F) uint32 hour bits: link cut
    inference: jax.Array  # (24, N) MW node demand
    grid_price: jax.Array  # (24, S)
    grid_co2: jax.Array  # (24, S)
    grid_cfe: jax.Array  # (24, S)
    training: jax.Array  # () MWh training energy of the day
    tomorrow: Forecast  # the next day's


def _by_day(hourly: jax.Array, n_days: int) -> jax.Array:
    """(T, ...) -> (n_days, 24, ...), the last part-day padded with zeros."""
    pad = n_days * HOURS - hourly.shape[0]
    padded = jnp.pad(hourly, [(0, pad)] + [(0, 0)] * (hourly.ndim - 1))
    return padded.reshape((n_days, HOURS) + hourly.shape[1:])


def _next_day(by_day: jax.Array) -> jax.Array:
    """Each day's next day along axis 0 (after the last day: zeros, so no hours)."""
    return jnp.concatenate([by_day[1:], jnp.zeros_like(by_day[:1])])


def _hour_bits(words: jax.Array, n_hours: int) -> jax.Array:
    """(X, F) words -> (n_hours, X, F) bool, bit h of the word for hour h of the day."""
    shift = jnp.arange(n_hours, dtype=jnp.uint32)[:, None, None]
    return (jnp.right_shift(words[None], shift) & jnp.uint32(1)) > 0


def _route(inp: Inputs, growth: jax.Array, day: Day, n_hours: int):
    """Inference per site (n_hours, S, F) routed over uncut links, and the unroutable part."""
    dtype = inp.ren.dtype
    n_nodes = inp.node_share_total.shape[0]
    node_demand = day.inference[:n_hours, :, None] * growth[None, :n_nodes]  # (H, N, F)
    ok = ~_hour_bits(day.cut, n_hours)
    weight = inp.link_share[None, :, None] * ok.astype(dtype)  # (H, L, F)
    routed = jnp.einsum("ln,hlf->hnf", inp.link_node_onehot, weight)
    lost = routed <= 0
    total = inp.node_share_total[None, :, None]
    scale = jnp.where(lost, 0.0, total / jnp.where(lost, 1.0, routed))
    served = jnp.einsum("ln,hnf->hlf", inp.link_node_onehot, node_demand * scale) * weight
    dropped = jnp.einsum("ln,hnf->hlf", inp.link_node_onehot, node_demand * lost)
    dropped = dropped * inp.link_share[None, :, None]
    inference = jnp.einsum("ls,hlf->hsf", inp.link_site_onehot, served)
    unroutable = jnp.einsum("ls,hlf->hsf", inp.link_site_onehot, dropped)
    return inference, unroutable


def _forecast(inp: Inputs, growth, node_site, fc: Forecast):
    """(must, keep, room) of each hour (24, S, F) of a day (dispatch.py, steps 3 and 4).

    keep = 0 at a surplus or past the horizon; room is the free IT capacity.
    """
    ren = jnp.transpose(inp.ren[fc.source], (1, 2, 0))
    ren = jnp.minimum(ren * fc.noise[None], inp.ren_max[None, :, None])
    pue = jnp.transpose(inp.pue[fc.source], (1, 2, 0))
    n_nodes = node_site.shape[0]
    demand = fc.inference[:, :, None] * growth[None, :n_nodes]
    planned = jnp.einsum("ns,hnf->hsf", node_site, demand)  # no link cuts foreseen
    pace = fc.training * growth[-1][None] * inp.training_share[:, None]
    pace = pace / jnp.maximum(fc.hours, 1.0)
    site = lambda a: a[None, :, None]  # noqa: E731  (S,) -> (1, S, 1)
    must, surplus = forecast_need(
        ren,
        pue,
        planned,
        site(inp.it_capacity),
        pace[None],
        site(inp.grid_capacity),
        site(inp.battery_power),
        jnp,
    )
    beyond = (jnp.arange(HOURS) >= fc.hours)[:, None, None]
    room = site(inp.it_capacity) - jnp.minimum(planned, site(inp.it_capacity))
    return must, 1.0 - (surplus | beyond).astype(must.dtype), room


def _day_ahead(today, tomorrow, eta_discharge):
    """(H, S, F) battery reserve (MWh) and training pace share of each hour of today.

    today, tomorrow: (must, keep, room) forecasts. The reserve of hour t sums
    must over t+1 .. (next surplus hour or tomorrow's end): a segmented sum run
    backwards over tomorrow's hours, then today's, where the room left in the
    day is summed too (dispatch.py, steps 3 and 4).
    """

    def need(later, hour):  # later: need after this hour; -> need from this hour on
        must, keep = hour
        return keep * (must + later), None

    def back(carry, hour):
        later, room_after = carry
        must, keep, room, left = hour
        room_left = room + room_after
        share = jnp.where(room_left > 0, room / room_left, 1.0 / left)
        return (keep * (must + later), room_left), (later, share)

    zeros = jnp.zeros_like(tomorrow[0][0])
    first, _ = jax.lax.scan(need, zeros, tomorrow[:2], reverse=True)
    left = jnp.arange(today[0].shape[0], 0, -1).astype(zeros.dtype)
    _, (after, share) = jax.lax.scan(back, (first, zeros), (*today, left), reverse=True)
    return after / eta_discharge, share


def _day(carry, day: Day, inp: Inputs, growth: jax.Array, node_site, n_hours: int):
    """Advance one day of `n_hours` (24, or fewer for a last part-day).

    carry: (State of (S, F) arrays, today's forecast (must, keep, room));
    returns the next day's carry (tomorrow's forecast is made here, once).
    """
    state, today = carry
    dtype = inp.ren.dtype
    col = lambda a: a[:, None]  # noqa: E731  (S,) -> (S, 1)
    # the whole day's availability, weather and routing, (H, S, F)
    up = (~_hour_bits(day.down, n_hours)).astype(dtype)
    stress = _hour_bits(day.stress, n_hours)
    grid_avail = col(inp.grid_capacity)[None] * up * jnp.where(stress, inp.stress_factor, 1.0)
    slab = jnp.transpose(inp.ren[day.source], (1, 2, 0))[:n_hours]  # (H, S, F)
    ren = jnp.minimum(slab * day.noise[None], col(inp.ren_max)[None]) * up
    pue = jnp.transpose(inp.pue[day.source], (1, 2, 0))[:n_hours]
    it_cap = col(inp.it_capacity)[None] * up
    inference, unroutable = _route(inp, growth, day, n_hours)
    inference_served = jnp.minimum(inference, it_cap)
    it_unplaced = inference - inference_served + unroutable
    room = it_cap - inference_served
    spare = jnp.maximum(ren - pue * inference_served, 0.0) / pue
    power = col(inp.battery_power)[None] * up
    tomorrow = _forecast(inp, growth, node_site, day.tomorrow)
    today = tuple(a[:n_hours] for a in today)
    reserve, pace_share = _day_ahead(today, tomorrow, inp.eta_discharge)
    budget = day.training * growth[-1][None] * col(inp.training_share)
    hours = Hourly(
        pace_share=pace_share,
        ren=ren,
        pue=pue,
        inference=inference_served,
        room=room,
        spare=spare,
        power=power,
        grid_avail=grid_avail,
        reserve=reserve,
    )
    step = partial(_hour, energy=col(inp.battery_energy), eta=(inp.eta_charge, inp.eta_discharge))
    (soc, budget), flows = jax.lax.scan(step, (state.soc, budget), hours)
    load, curtailment, discharge, grid, unserved_power = flows
    # the day's metrics from its hourly flows
    it_unplaced = it_unplaced.at[-1].add(budget)  # training left at the day's end
    unserved = unserved_power + pue * it_unplaced
    short = (unserved > LOL_TOLERANCE).astype(dtype)
    s = state
    new = State(
        soc=soc,
        budget=s.budget,
        unserved=_add_hours(s.unserved, unserved),
        lol_site=_add_hours(s.lol_site, short),
        lol=_add_hours(s.lol, jnp.max(short, axis=1)),
        demand=_add_hours(s.demand, load + pue * it_unplaced),
        grid=_add_hours(s.grid, grid),
        grid_clean=_add_hours(s.grid_clean, grid * day.grid_cfe[:n_hours, :, None]),
        emissions=_add_hours(s.emissions, grid * day.grid_co2[:n_hours, :, None]),
        cost=_add_hours(s.cost, grid * day.grid_price[:n_hours, :, None]),
        curtailment=_add_hours(s.curtailment, curtailment),
        discharge=_add_hours(s.discharge, discharge),
    )
    return new, tomorrow


def _add_hours(total: jax.Array, hourly: jax.Array) -> jax.Array:
    """total + each hour of `hourly` (H, ...) in turn (not `sum(axis=0)`: see the module doc)."""
    for h in range(hourly.shape[0]):
        total = total + hourly[h]
    return total


class Hourly(NamedTuple):
    """Inner scan inputs: one hour of the day's precomputed (S, F) arrays."""

    pace_share: jax.Array  # share of the training budget left to run at pace this hour
    ren: jax.Array
    pue: jax.Array
    inference: jax.Array  # inference served
    room: jax.Array  # free IT capacity
    spare: jax.Array  # IT load the renewable surplus can power
    power: jax.Array  # battery power available
    grid_avail: jax.Array
    reserve: jax.Array  # MWh held back for later hours


def _hour(carry, h: Hourly, energy, eta):
    """One hour of the training and battery recursion: (soc, budget) and the hour's flows."""
    soc, budget = carry
    eta_charge, eta_discharge = eta
    # training: pulled into spare renewables, else at the even pace that ends the day
    training = jnp.minimum(jnp.minimum(jnp.maximum(h.spare, budget * h.pace_share), h.room), budget)
    budget = budget - training
    load = h.pue * (h.inference + training)
    net = h.ren - load
    surplus = jnp.maximum(net, 0.0)
    deficit = jnp.maximum(-net, 0.0)
    charge = jnp.minimum(jnp.minimum(surplus, h.power), jnp.maximum(energy - soc, 0.0) / eta_charge)
    discharge = battery_discharge(
        deficit, h.power, soc, h.reserve, h.grid_avail, eta_discharge, jnp
    )
    soc = soc + charge * eta_charge - discharge / eta_discharge
    soc = jnp.minimum(jnp.maximum(soc, 0.0), energy)
    grid = jnp.minimum(deficit - discharge, h.grid_avail)
    unserved_power = deficit - discharge - grid
    return (soc, budget), (load, surplus - charge, discharge, grid, unserved_power)


@jax.jit
def dispatch_chunk(inputs: Inputs, futures: Futures) -> State:
    """Run the dispatch over the whole horizon for a chunk; final State of (F, S) arrays."""
    inp = inputs
    n_futures, n_sites = futures.growth.shape[0], inp.it_capacity.shape[0]
    n_hours = inp.ren.shape[0]
    n_full, rest = divmod(n_hours, HOURS)
    n_days = n_full + (rest > 0)
    n_source = max(1, n_full)
    dtype = inp.ren.dtype
    # source days as (day, 24, S) slabs; a horizon under one day is padded to one
    source_rows = jnp.pad(inp.ren, [(0, max(0, HOURS - n_hours)), (0, 0)])
    pue_rows = jnp.pad(inp.pue, [(0, max(0, HOURS - n_hours)), (0, 0)], constant_values=1.0)
    inp = inp._replace(
        ren=source_rows[: n_source * HOURS].reshape(n_source, HOURS, n_sites),
        pue=pue_rows[: n_source * HOURS].reshape(n_source, HOURS, n_sites),
    )

    def day_bits(start, end):  # intervals (F, X, K) -> 24-bit words (day, X, F)
        swap = partial(jnp.swapaxes, axis1=0, axis2=1)
        return interval_bits(swap(start), swap(end), n_hours, jnp, width=HOURS)

    fut = futures
    disaster = day_bits(fut.disaster_start, fut.disaster_end)[:, inp.site_area]
    forecasts = Forecast(
        source=futures.day_source.T,
        noise=jnp.transpose(futures.weather_noise, (1, 2, 0)),
        inference=_by_day(inp.inference, n_days),
        training=inp.day_training,
        hours=jnp.clip(n_hours - HOURS * jnp.arange(n_days), 0, HOURS).astype(dtype),
    )
    days = Day(
        source=futures.day_source.T,
        noise=jnp.transpose(futures.weather_noise, (1, 2, 0)),
        down=day_bits(fut.outage_start, fut.outage_end) | disaster,
        stress=day_bits(fut.stress_start, fut.stress_end)[:, inp.site_area],
        cut=day_bits(fut.cut_start, fut.cut_end),
        inference=_by_day(inp.inference, n_days),
        grid_price=_by_day(inp.grid_price[:, inp.site_area], n_days),
        grid_co2=_by_day(inp.grid_co2[:, inp.site_area], n_days),
        grid_cfe=_by_day(inp.grid_cfe[:, inp.site_area], n_days),
        training=inp.day_training,
        tomorrow=jax.tree.map(_next_day, forecasts),
    )
    growth = futures.growth.T  # (N + 1, F)
    # (N, S) planned shares, for the forecast (no link cuts foreseen)
    node_site = jnp.einsum(
        "ln,l,ls->ns", inp.link_node_onehot, inp.link_share, inp.link_site_onehot
    )
    zeros = jnp.zeros((n_sites, n_futures), inp.ren.dtype)
    state = State(
        soc=inp.soc0 * inp.battery_energy[:, None] + zeros,
        budget=zeros,
        unserved=zeros,
        lol_site=zeros,
        lol=jnp.zeros((n_futures,), inp.ren.dtype),
        **{name: zeros for name in State._fields[5:]},
    )
    first = _forecast(inp, growth, node_site, jax.tree.map(lambda a: a[0], forecasts))
    carry = (state, first)
    if n_full:
        full = jax.tree.map(lambda a: a[:n_full], days)
        one_day = partial(_day, inp=inp, growth=growth, node_site=node_site, n_hours=HOURS)
        carry, _ = jax.lax.scan(lambda c, d: (one_day(c, d), None), carry, full)
    if rest:
        last = jax.tree.map(lambda a: a[n_full], days)
        carry = _day(carry, last, inp, growth, node_site, rest)
    state, _ = carry
    return finish(State(*(a if a.ndim == 1 else a.T for a in state)), inp, futures)
