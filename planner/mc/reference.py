"""The NumPy reference: the same dispatch as the JAX kernel, as a plain loop over hours.

Vectorised over futures and sites, one Python iteration per hour (`hour_step`,
the rule of dispatch.py for one hour), no JAX.
It is the reference the JAX kernel is tested against and the baseline of the
benchmarks. With `trace=True` it also returns every hourly flow (F, T, S) for
inspection and hand-checked tests (small runs only).
"""

from __future__ import annotations

import numpy as np

from planner.mc.dispatch import (
    LOL_TOLERANCE,
    Events,
    Hour,
    Inputs,
    State,
    active,
    battery_discharge,
    event_bits,
    export_fraction,
    finish,
    forecast_need,
    run_backup,
    start_state,
)


def _as_numpy(arrays):
    """A NamedTuple of arrays (Inputs, Futures) with every field as a NumPy array."""
    return arrays._replace(**{name: np.asarray(a) for name, a in arrays._asdict().items()})


def hours_of(n_hours: int):
    """Integer hour, hour of day, day and hours left in the day, each (T,)."""
    t = np.arange(n_hours, dtype=np.int32)
    hour = t % 24
    day = t // 24
    day_len = np.minimum(24, n_hours - day * 24)
    return t, hour, day, day_len - 1 - hour


def _route(h: Hour, inp: Inputs, fut, ev: Events):
    """(F, S) MW inference routed to each site and (F, S) MW unroutable there (step 2).

    A cut link's share goes to its node's uncut links in proportion to their
    shares; a node with every link cut is unroutable at the sites it was planned for.
    """
    n_nodes = inp.node_share_total.shape[0]
    dtype = inp.ren.dtype
    node_demand = fut.growth[:, :n_nodes] * h.inference[None]
    ok = ~active(ev.cut, h.t, np)
    weight = inp.link_share[None] * ok.astype(dtype)
    routed = weight @ inp.link_node_onehot
    lost = routed <= 0
    scale = np.where(lost, 0.0, inp.node_share_total[None] / np.where(lost, 1.0, routed))
    # three small matmuls: node -> link for (routed, unroutable), link -> site for both
    n_futures = node_demand.shape[0]
    per_link = (
        np.concatenate([node_demand * scale, node_demand * lost], axis=0) @ inp.node_link_onehot
    )
    per_link = per_link * np.concatenate(
        [weight, np.broadcast_to(inp.link_share[None], weight.shape)]
    )
    per_site = per_link @ inp.link_site_onehot
    return per_site[:n_futures], per_site[n_futures:]


def hour_step(state: State, h: Hour, inp: Inputs, fut, ev: Events, trace: bool = False):
    """Advance one hour for all futures and sites; return the new state (and flows if trace)."""
    dtype = inp.ren.dtype
    # 1. availability and weather
    up = ~active(ev.down, h.t, np)
    upf = up.astype(dtype)
    stress = active(ev.stress, h.t, np)
    grid_avail = (
        inp.grid_capacity[None] * upf * np.where(stress, inp.stress_factor, 1.0).astype(dtype)
    )
    src = fut.day_source[:, h.day] * 24 + h.hour
    noise = fut.weather_noise[:, h.day, :]
    ren = np.minimum(inp.ren[src] * noise, inp.ren_max[None]) * upf
    pue = inp.pue[src]
    it_cap = inp.it_capacity[None]

    # 2. inference routing over links
    n_nodes = inp.node_share_total.shape[0]
    inference, unroutable = _route(h, inp, fut, ev)
    inference_served = np.minimum(inference, it_cap)
    it_unmet = inference - inference_served + unroutable

    # 3. training within its day
    day_budget = inp.day_training[h.day] * fut.growth[:, n_nodes:] * inp.training_share[None]
    budget = np.where(h.hour == 0, day_budget, state.budget)
    room = it_cap - inference_served
    spare = np.maximum(ren - pue * inference_served, 0.0) / pue
    pace = budget * h.pace_share
    training = np.minimum(np.minimum(np.maximum(spare, pace), room), budget)
    budget = budget - training
    day_end = h.hours_left == 0
    it_unmet = it_unmet + np.where(day_end, budget, 0.0)
    budget = np.where(day_end, 0.0, budget)

    # 5. power balance (4, the reserve, comes in h.reserve)
    load = pue * (inference_served + training)
    net = ren - load
    surplus = np.maximum(net, 0.0)
    deficit = np.maximum(-net, 0.0)
    power = inp.battery_power[None] * upf
    room_energy = np.maximum(inp.battery_energy[None] - state.soc, 0.0)
    charge = np.minimum(np.minimum(surplus, power), room_energy / inp.eta_charge)
    left = surplus - charge
    offer = np.minimum(left, grid_avail)  # 5a
    fraction, take = export_fraction(offer.sum(axis=1), state.export_left, np)
    export = offer * fraction[:, None]
    curtailment = left - export
    discharge = battery_discharge(
        deficit, power, state.soc, h.reserve, grid_avail, inp.eta_discharge, np
    )
    soc = state.soc + charge * inp.eta_charge - discharge / inp.eta_discharge
    soc = np.minimum(np.maximum(soc, 0.0), inp.battery_energy[None])
    grid = np.minimum(deficit - discharge, grid_avail)
    backup, fuel, due = run_backup(  # 5b
        deficit - discharge - grid,
        inp.backup_power[None],
        state.fuel,
        state.due,
        inp.backup_fuel[None],
        inp.refuel_hours,
        np,
    )
    unserved = deficit - discharge - grid - backup
    unmet = pue * it_unmet

    # 6, 7. metrics; the year-long price and CO2 shocks are applied once in `finish`
    short = unserved > LOL_TOLERANCE
    unmet_short = unmet > LOL_TOLERANCE
    running = backup > LOL_TOLERANCE
    new = state._replace(
        soc=soc,
        budget=budget,
        fuel=fuel,
        due=due,
        export_left=state.export_left - take,
        unserved=state.unserved + unserved,
        lol_site=state.lol_site + short.astype(dtype),
        lol=state.lol + np.any(short, axis=1).astype(dtype),
        unmet=state.unmet + unmet,
        unmet_site_hours=state.unmet_site_hours + unmet_short.astype(dtype),
        unmet_hours=state.unmet_hours + np.any(unmet_short, axis=1).astype(dtype),
        demand=state.demand + load,
        grid=state.grid + grid,
        grid_clean=state.grid_clean + grid * h.grid_cfe[None],
        emissions=state.emissions + grid * h.grid_co2[None],
        cost=state.cost + grid * h.grid_price[None],
        export=state.export + export,
        export_revenue=state.export_revenue + export * h.grid_price[None],
        curtailment=state.curtailment + curtailment,
        discharge=state.discharge + discharge,
        backup=state.backup + backup,
        backup_site_hours=state.backup_site_hours + running.astype(dtype),
        backup_hours=state.backup_hours + np.any(running, axis=1).astype(dtype),
    )
    if not trace:
        return new
    flows = dict(
        renewables=ren,
        pue=pue,
        inference=inference_served,
        training=training,
        load=load,
        charge=charge,
        discharge=discharge,
        soc=soc,
        curtailment=curtailment,
        export=export,
        grid_import=grid,
        backup=backup,
        unserved_power=unserved,
        unserved=unserved,
        unmet=unmet,
        up=upf,
        reserve=h.reserve,
    )
    return new, flows


def day_ahead(inputs: Inputs, futures, day: int) -> tuple[np.ndarray, np.ndarray]:
    """(F, H, S) battery reserve (MWh) and training pace share of each hour of `day`.

    dispatch.py, steps 3 and 4.
    The forecast covers today and tomorrow (up to 48 hours, less at the
    horizon's end): each future's weather and demand, no events.
    """
    n_hours = inputs.inference.shape[0]  # ren may hold several weather years
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
    inputs, futures = _as_numpy(inputs), _as_numpy(futures)
    n_futures, n_sites = futures.growth.shape[0], inputs.it_capacity.shape[0]
    n_hours = inputs.inference.shape[0]  # ren may hold several weather years
    t, hour, day, hours_left = hours_of(n_hours)
    zeros = np.zeros((n_futures, n_sites), inputs.ren.dtype)
    state = start_state(inputs, zeros, np.zeros((n_futures,), inputs.ren.dtype), lambda a: a[None])
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
                state, hourly = hour_step(state, h, inputs, futures, events, trace=True)
                for name, value in hourly.items():
                    flows.setdefault(name, []).append(value)
            else:
                state = hour_step(state, h, inputs, futures, events)
    state = finish(state, inputs, futures)
    if not trace:
        return state
    return state, {name: np.stack(values, axis=1) for name, values in flows.items()}
