"""The JAX kernel: the one jit boundary of the Monte Carlo.

Two jitted pure functions, compiled once per run shape (`Sizes`, array shapes
and the plan's `LinkPattern` are the only static information; chunks are
padded to a fixed size):

- `sample_chunk(seed, future_ids, params)`: compact futures (drivers.py).
- `dispatch_chunk(inputs, futures, pattern)`: the dispatch rule of dispatch.py
  over the whole horizon; returns the accumulators as a State of (F, S) arrays.

`dispatch_chunk` states the same rule as `reference.hour_step` (the NumPy
reference), arranged for speed on a CPU, where the cost is passes
through memory more than arithmetic:

- layout (sites, futures): futures on the innermost axis, so a chunk of 256
  futures fills the SIMD lanes where 18 sites would not;
- a `lax.scan` over days. Per day, what looks ahead is made for a whole day at
  once as (24, S, F) arrays: tomorrow's forecast (each future's source day of
  renewables and PUE gathered, inference on the planned links, `forecast_need`),
  carried in the scan to be today's the next day (the first day's is made
  before the scan), and from today's and tomorrow's the battery reserve and the
  training pace of each hour (`_day_ahead`, two backward recursions of 24
  hours, unrolled so that XLA fuses each into a few loops).
- an inner `lax.scan` over the day's hours for everything else: availability,
  grid stress and link cuts from one 24-bit word per entity and day, routing
  over the uncut links, training, the battery recursion and the metric sums,
  which the hour loop carries and adds to hour by hour (in hour order, as the
  NumPy reference). Its arrays are (S, F) or (L, F) and stay in cache, where
  every (24, S, F) array made for the whole day would cost a pass through
  memory (moving routing into the hour loop made the kernel 1.5x faster;
  summing the metrics there instead of over the day's stacked hourly flows
  1.25x). Hours unrolled in Python instead make XLA's CPU backend fuse the
  recursion into every consumer: ~10x slower (measured before multi-output fusion).
- on a CPU, XLA's multi-output fusion (set by devices.configure_devices): without
  it every result of the hour step is a fused loop of its own that repeats the
  elementwise chain feeding it (with the step's eight flows and four carried
  arrays of the time, the chain ran about ten times per hour step); with it one
  loop writes several results and the step ran 1.7x faster on one core. Shared values materialised
  by hand (a division by a 1 XLA cannot fold) gained 1.2x without it and lost
  to it with it: the kernel leaves the grouping to XLA.
- bit-identical for any chunk size and device count: nothing sums over
  futures; sums over links, hours and layers of links run in a fixed order
  (`_sum_rows`, the hour loop's carry, `_planned`), not as matrix products or XLA
  reductions, whose order of summation may change with the shape; and the
  caller keeps whole SIMD vectors of futures per device (simulate.chunk_for).
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
import numpy as np

from planner.mc.dispatch import (
    LOL_TOLERANCE,
    Inputs,
    State,
    battery_discharge,
    export_fraction,
    finish,
    forecast_need,
    interval_bits,
    run_backup,
    start_state,
)
from planner.mc.drivers import DriverParams, Futures, Sizes, sample_futures

HOURS = 24


@partial(jax.jit, static_argnames=("sizes",))
def sample_chunk(
    seed: jax.Array, future_ids: jax.Array, params: DriverParams, sizes: Sizes
) -> Futures:
    """Compact futures for `future_ids` (F,), drawn from (seed, id) only."""
    return sample_futures(seed, future_ids, params, sizes)


class LinkPattern(NamedTuple):
    """Which links share a node, and which links reach each site: static, hashable.

    Routing sums rows of (L, F) link arrays over these groups, one row after
    another: a matrix product with the 0/1 link matrices would do the same, but
    its order of summation may change with the number of futures, and results
    must be bit-identical across chunk sizes. Part of the compiled shape: a
    plan with other links compiles once more.
    """

    peers: tuple[tuple[int, ...], ...]  # for each link, the links leaving its node
    site_links: tuple[tuple[int, ...], ...]  # for each site, the links reaching it


def link_pattern(inputs: Inputs) -> LinkPattern:
    """The static link pattern of `inputs` (from its one-hot link matrices)."""
    node = np.asarray(inputs.link_node_onehot).argmax(axis=1)
    site_onehot = np.asarray(inputs.link_site_onehot)
    site = site_onehot.argmax(axis=1)
    links = range(len(node))
    return LinkPattern(
        peers=tuple(tuple(k for k in links if node[k] == node[j]) for j in links),
        site_links=tuple(
            tuple(k for k in links if site[k] == s) for s in range(site_onehot.shape[1])
        ),
    )


class Links(NamedTuple):
    """Per-chunk link constants for routing, from the plan's one-hot link matrices."""

    growth: jax.Array  # (L, F) demand growth of each link's node
    total: jax.Array  # (L, 1) share total of each link's node (1 for a complete plan)
    site_growth: jax.Array  # (K, S, F) growth of the node of each site's k-th link (0: none)


class Forecast(NamedTuple):
    """What the battery reserve foresees of a day (dispatch.py, step 4): weather and demand."""

    source: jax.Array  # (F,)
    noise: jax.Array  # (S, F)
    inference: jax.Array  # (24, N)
    training: jax.Array  # ()
    hours: jax.Array  # () hours of the day within the horizon (0 after the last day)


class Day(NamedTuple):
    """Scan inputs of one day; per-future arrays have futures last."""

    down: jax.Array  # (S, F) uint32 hour bits: site down
    stress: jax.Array  # (S, F) uint32 hour bits: grid stress
    cut: jax.Array  # (L, F) uint32 hour bits: link cut
    inference: jax.Array  # (24, N) MW node demand
    grid_price: jax.Array  # (24, S)
    grid_co2: jax.Array  # (24, S)
    grid_cfe: jax.Array  # (24, S)
    training: jax.Array  # () MWh training energy of the day
    ahead: Forecast  # the next day's, on a leading axis of 1 (after the last day: no hours)


class Hourly(NamedTuple):
    """Inner scan inputs: one hour of the day's precomputed (S, F) arrays."""

    bit: jax.Array  # () uint32 hour of the day: its bit in the event words
    pace_share: jax.Array  # share of the training budget left to run at pace this hour
    ren: jax.Array  # renewables with the day's noise (availability is applied in the step)
    pue: jax.Array
    link_demand: jax.Array  # (L,) MW inference demand of each link's node (before growth)
    reserve: jax.Array  # MWh held back for later hours (its day-ahead forecast)
    grid_price: jax.Array  # (S, 1) of each site's area
    grid_co2: jax.Array  # (S, 1)
    grid_cfe: jax.Array  # (S, 1)
    last: jax.Array  # () True in the day's last hour (training left over is unmet)


class Site(NamedTuple):
    """Inner scan constants: the day's event words (S, F) or (L, F) and the plan (S, 1) or (L, 1)."""

    down: jax.Array
    stress: jax.Array
    cut: jax.Array  # (L, F) link cut words
    link_growth: jax.Array  # (L, F) demand growth of each link's node
    link_share: jax.Array  # (L, 1)
    link_total: jax.Array  # (L, 1) share total of each link's node (1 for a complete plan)
    it_capacity: jax.Array
    battery_power: jax.Array
    battery_energy: jax.Array
    grid_capacity: jax.Array
    backup_power: jax.Array
    backup_fuel: jax.Array
    refuel_hours: jax.Array
    stress_factor: jax.Array
    eta_charge: jax.Array
    eta_discharge: jax.Array


def _by_day(hourly: jax.Array, n_days: int) -> jax.Array:
    """(T, ...) -> (n_days, 24, ...), the last part-day padded with zeros."""
    pad = n_days * HOURS - hourly.shape[0]
    padded = jnp.pad(hourly, [(0, pad)] + [(0, 0)] * (hourly.ndim - 1))
    return padded.reshape((n_days, HOURS) + hourly.shape[1:])


def _next_day(by_day: jax.Array) -> jax.Array:
    """Each day's next day along axis 0 (after the last day: zeros, so no hours)."""
    return jnp.concatenate([by_day[1:], jnp.zeros_like(by_day[:1])])


def _site_layers(pattern) -> tuple[np.ndarray, np.ndarray]:
    """(K, S) index of the k-th link reaching each site (0 if none) and its 0/1 mask."""
    depth = max(len(group) for group in pattern.site_links)
    index = np.zeros((depth, len(pattern.site_links)), dtype=np.int32)
    mask = np.zeros(index.shape, dtype=np.float32)
    for site, group in enumerate(pattern.site_links):
        index[: len(group), site] = group
        mask[: len(group), site] = 1.0
    return index, mask


def _sum_rows(rows: jax.Array, groups: tuple[tuple[int, ...], ...]) -> jax.Array:
    """(len(groups), F): for each group, its rows of `rows` (L, F) summed in order (0 if none)."""
    zero = jnp.zeros_like(rows[:1])
    sums = {}
    out = []
    for group in groups:
        if group not in sums:
            total = zero
            for k in group:
                total = rows[k : k + 1] if total is zero else total + rows[k : k + 1]
            sums[group] = total
        out.append(sums[group])
    return jnp.concatenate(out, axis=0)


def _planned(inp: Inputs, links, pattern, inference: jax.Array) -> jax.Array:
    """(H, S, F) inference on the plan's links with none cut (what the forecast assumes).

    inference: (H, N) node demand before growth. Each site sums its links in
    layers (its k-th link), k in order: elementwise, so exact and the same for
    any number of futures (a matrix product's order of summation is not).
    """
    index, _ = _site_layers(pattern)
    weighted = (inference @ inp.link_node_onehot.T) * inp.link_share[None]  # (H, L), exact
    total = None
    for k in range(index.shape[0]):
        layer = weighted[:, index[k], None] * links.site_growth[k][None]
        total = layer if total is None else total + layer
    return total


def _forecast(inp: Inputs, growth, links, pattern, fc: Forecast):
    """(must, keep, room, ren, pue) of each hour (24 x days, S, F) of the days in `fc`.

    dispatch.py, steps 3 and 4. `fc` holds Forecast inputs of one or more days
    on a leading axis. keep = 0 at a surplus or past the horizon; room is the
    free IT capacity; ren (with the day's noise, before availability) and pue
    are the weather. `_day` makes tomorrow's and carries it to the next day,
    one day's forecast a day: 1.11x faster than making today's and tomorrow's
    afresh each day (which had been as fast before XLA's multi-output fusion).
    """
    lead = fc.source.shape[0]
    n = lead * HOURS
    shape = (n,) + fc.noise.shape[1:]
    ren = jnp.transpose(inp.ren[fc.source], (0, 2, 3, 1))  # (days, 24, S, F)
    ren = jnp.minimum(ren * fc.noise[:, None], inp.ren_max[None, None, :, None]).reshape(shape)
    pue = jnp.transpose(inp.pue[fc.source], (0, 2, 3, 1)).reshape(shape)
    planned = _planned(inp, links, pattern, fc.inference.reshape(n, -1))  # no cuts foreseen
    pace = fc.training[:, None, None] * growth[-1][None, None] * inp.training_share[None, :, None]
    pace = pace / jnp.maximum(fc.hours, 1.0)[:, None, None]  # (days, S, F)
    pace = jnp.broadcast_to(pace[:, None], (lead, HOURS) + pace.shape[1:]).reshape(shape)
    site = lambda a: a[None, :, None]  # noqa: E731  (S,) -> (1, S, 1)
    must, surplus = forecast_need(
        ren,
        pue,
        planned,
        site(inp.it_capacity),
        pace,
        site(inp.grid_capacity),
        site(inp.battery_power),
        jnp,
    )
    beyond = (jnp.arange(HOURS)[None] >= fc.hours[:, None]).reshape(n, 1, 1)
    room = site(inp.it_capacity) - jnp.minimum(planned, site(inp.it_capacity))
    return must, 1.0 - (surplus | beyond).astype(must.dtype), room, ren, pue


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
    first, _ = jax.lax.scan(need, zeros, tomorrow[:2], reverse=True, unroll=True)
    left = jnp.arange(today[0].shape[0], 0, -1).astype(zeros.dtype)
    _, (after, share) = jax.lax.scan(
        back, (first, zeros), (*today, left), reverse=True, unroll=True
    )
    return after / eta_discharge, share


def _day(carry, day: Day, inp: Inputs, growth: jax.Array, links: Links, pattern, n_hours: int):
    """Advance one day of `n_hours` (24, or fewer for a last part-day).

    carry: the State of (S, F) arrays and today's forecast (`_forecast`, 24 hours);
    returns the next day's: the State after the day and tomorrow's forecast.
    """
    state, made = carry  # made: today's forecast, made yesterday
    tomorrow = _forecast(inp, growth, links, pattern, day.ahead)  # (24, S, F)
    today = tuple(a[:n_hours] for a in made)
    col = lambda a: a[:, None]  # noqa: E731  (S,) -> (S, 1)
    # what looks ahead, for the whole day (H, S, F); the rest runs hour by hour in `_hour`
    reserve, pace_share = _day_ahead(today[:3], tomorrow[:3], inp.eta_discharge)
    budget = day.training * growth[-1][None] * col(inp.training_share)
    hours = Hourly(
        bit=jnp.arange(n_hours, dtype=jnp.uint32),
        pace_share=pace_share,
        ren=today[3],
        pue=today[4],
        link_demand=day.inference[:n_hours] @ inp.link_node_onehot.T,
        reserve=reserve,
        grid_price=day.grid_price[:n_hours, :, None],
        grid_co2=day.grid_co2[:n_hours, :, None],
        grid_cfe=day.grid_cfe[:n_hours, :, None],
        last=jnp.arange(n_hours) == n_hours - 1,
    )
    site = Site(
        down=day.down,
        stress=day.stress,
        cut=day.cut,
        link_growth=links.growth,
        link_share=col(inp.link_share),
        link_total=links.total,
        it_capacity=col(inp.it_capacity),
        battery_power=col(inp.battery_power),
        battery_energy=col(inp.battery_energy),
        grid_capacity=col(inp.grid_capacity),
        backup_power=col(inp.backup_power),
        backup_fuel=col(inp.backup_fuel),
        refuel_hours=inp.refuel_hours,
        stress_factor=inp.stress_factor,
        eta_charge=inp.eta_charge,
        eta_discharge=inp.eta_discharge,
    )
    carry = (state._replace(export_left=state.export_left[None]), budget)
    (state, _), _ = jax.lax.scan(partial(_hour, site=site, pattern=pattern), carry, hours)
    return state._replace(export_left=state.export_left[0]), tomorrow


def _hour(carry, h: Hourly, site: Site, pattern: LinkPattern):
    """One hour of routing, training, battery, export and backup, its flows added to the sums.

    carry: the State (its export allowance left as (1, F)) and the day's training
    budget left (S, F); returns them after the hour.

    Availability and routing are worked here, in the loop, from the day's event
    words: every (H, S, F) array made for the whole day costs a pass through
    memory, an (S, F) step stays in cache. Routing (dispatch.py, step 2): a
    node's share of a cut link goes to its uncut links in proportion to their
    shares, from one (L, L) product; the sums per site from one (S, L) product.
    """
    state, budget = carry
    soc, fuel, due, export_left = state.soc, state.fuel, state.due, state.export_left
    dtype = h.ren.dtype
    bit = lambda words: (jnp.right_shift(words, h.bit) & jnp.uint32(1)) > 0  # noqa: E731
    up = (~bit(site.down)).astype(dtype)
    grid_avail = site.grid_capacity * up * jnp.where(bit(site.stress), site.stress_factor, 1.0)
    weight = jnp.where(bit(site.cut), 0.0, site.link_share)  # (L, F)
    routed = _sum_rows(weight, pattern.peers)  # the uncut share of each link's node
    demand = h.link_demand[:, None] * site.link_growth
    lost = routed <= 0
    served = jnp.where(lost, 0.0, demand * site.link_total / jnp.where(lost, 1.0, routed))
    dropped = jnp.where(lost, demand * site.link_share, 0.0)
    routed_in = _sum_rows(served * weight, pattern.site_links)  # (S, F)
    unroutable = _sum_rows(dropped, pattern.site_links)
    it_cap = site.it_capacity
    inference = jnp.minimum(routed_in, it_cap)
    it_unmet = routed_in - inference + unroutable
    room = it_cap - inference
    ren = h.ren * up
    spare = jnp.maximum(ren - h.pue * inference, 0.0) / h.pue
    power = site.battery_power * up
    energy = site.battery_energy
    # training: pulled into spare renewables, else at the even pace that ends the day
    training = jnp.minimum(jnp.minimum(jnp.maximum(spare, budget * h.pace_share), room), budget)
    budget = budget - training
    load = h.pue * (inference + training)
    net = ren - load
    surplus = jnp.maximum(net, 0.0)
    deficit = jnp.maximum(-net, 0.0)
    charge = jnp.minimum(
        jnp.minimum(surplus, power), jnp.maximum(energy - soc, 0.0) / site.eta_charge
    )
    left = surplus - charge
    offer = jnp.minimum(left, grid_avail)  # export, within the year's allowance
    all_sites = (tuple(range(offer.shape[0])),)
    fraction, take = export_fraction(_sum_rows(offer, all_sites), export_left, jnp)
    export = offer * fraction
    discharge = battery_discharge(
        deficit, power, soc, h.reserve, grid_avail, site.eta_discharge, jnp
    )
    soc = soc + charge * site.eta_charge - discharge / site.eta_discharge
    soc = jnp.minimum(jnp.maximum(soc, 0.0), energy)
    grid = jnp.minimum(deficit - discharge, grid_avail)
    backup, fuel, due = run_backup(
        deficit - discharge - grid,
        site.backup_power,
        fuel,
        due,
        site.backup_fuel,
        site.refuel_hours,
        jnp,
    )
    unserved = deficit - discharge - grid - backup
    unmet = h.pue * it_unmet
    unmet = jnp.where(h.last, unmet + h.pue * budget, unmet)  # training left at the day's end
    short = (unserved > LOL_TOLERANCE).astype(dtype)
    unmet_short = (unmet > LOL_TOLERANCE).astype(dtype)
    running = (backup > LOL_TOLERANCE).astype(dtype)
    s = state
    state = s._replace(
        soc=soc,
        fuel=fuel,
        due=due,
        export_left=export_left - take,
        unserved=s.unserved + unserved,
        lol_site=s.lol_site + short,
        lol=s.lol + jnp.max(short, axis=0),
        unmet=s.unmet + unmet,
        unmet_site_hours=s.unmet_site_hours + unmet_short,
        unmet_hours=s.unmet_hours + jnp.max(unmet_short, axis=0),
        demand=s.demand + load,
        grid=s.grid + grid,
        grid_clean=s.grid_clean + grid * h.grid_cfe,
        emissions=s.emissions + grid * h.grid_co2,
        cost=s.cost + grid * h.grid_price,
        export=s.export + export,
        export_revenue=s.export_revenue + export * h.grid_price,
        curtailment=s.curtailment + (left - export),
        discharge=s.discharge + discharge,
        backup=s.backup + backup,
        backup_site_hours=s.backup_site_hours + running,
        backup_hours=s.backup_hours + jnp.max(running, axis=0),
    )
    return (state, budget), None


@partial(jax.jit, static_argnames=("pattern",))
def dispatch_chunk(inputs: Inputs, futures: Futures, pattern: LinkPattern) -> State:
    """Run the dispatch over the whole horizon for a chunk; final State of (F, S) arrays.

    pattern: `link_pattern(inputs)`, the plan's links as static structure.
    """
    inp = inputs
    n_futures, n_sites = futures.growth.shape[0], inp.it_capacity.shape[0]
    n_hours = inp.inference.shape[0]  # the horizon; ren and pue may hold several weather years
    n_rows = inp.ren.shape[0]
    n_full, rest = divmod(n_hours, HOURS)
    n_days = n_full + (rest > 0)
    n_source = max(1, n_rows // HOURS)
    dtype = inp.ren.dtype
    # source days as (day, 24, S) slabs; a horizon under one day is padded to one
    source_rows = jnp.pad(inp.ren, [(0, max(0, HOURS - n_rows)), (0, 0)])
    pue_rows = jnp.pad(inp.pue, [(0, max(0, HOURS - n_rows)), (0, 0)], constant_values=1.0)
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
        down=day_bits(fut.outage_start, fut.outage_end) | disaster,
        stress=day_bits(fut.stress_start, fut.stress_end)[:, inp.site_area],
        cut=day_bits(fut.cut_start, fut.cut_end),
        inference=_by_day(inp.inference, n_days),
        grid_price=_by_day(inp.grid_price[:, inp.site_area], n_days),
        grid_co2=_by_day(inp.grid_co2[:, inp.site_area], n_days),
        grid_cfe=_by_day(inp.grid_cfe[:, inp.site_area], n_days),
        training=inp.day_training,
        ahead=jax.tree.map(lambda a: _next_day(a)[:, None], forecasts),  # tomorrow's
    )
    growth = futures.growth.T  # (N + 1, F)
    n_nodes = inp.link_node_onehot.shape[1]
    link_growth = inp.link_node_onehot @ growth[:n_nodes]  # exact: one term per link
    index, mask = _site_layers(pattern)
    links = Links(
        growth=link_growth,
        total=(inp.link_node_onehot @ inp.node_share_total)[:, None],
        site_growth=link_growth[index] * mask.astype(dtype)[:, :, None],
    )
    zeros = jnp.zeros((n_sites, n_futures), inp.ren.dtype)
    carry = start_state(inp, zeros, jnp.zeros((n_futures,), inp.ren.dtype), lambda a: a[:, None])
    first_day = _forecast(inp, growth, links, pattern, jax.tree.map(lambda a: a[:1], forecasts))
    carry = (carry, first_day)
    if n_full:
        full = jax.tree.map(lambda a: a[:n_full], days)
        one_day = partial(_day, inp=inp, growth=growth, links=links, pattern=pattern, n_hours=HOURS)
        carry, _ = jax.lax.scan(lambda c, d: (one_day(c, d), None), carry, full)
    if rest:
        last = jax.tree.map(lambda a: a[n_full], days)
        carry = _day(carry, last, inp, growth, links, pattern, rest)
    carry, _ = carry  # the State; the forecast of the day after the horizon is not needed
    by_future = carry._replace(  # (S, F) -> (F, S), as the reference lays them out
        **{name: a.T for name, a in carry._asdict().items() if a.ndim == 2}
    )
    return finish(by_future, inp, futures)
