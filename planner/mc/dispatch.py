"""The hourly dispatch rule, written once for any array module (`jax.numpy` or `numpy`).

Both kernels (`kernel.py`: `lax.scan` under `jax.jit`; `reference.py`: a plain
NumPy loop) call `hour_step` with `xp` set to their array module, so there is
one statement of the rule. Shapes: F futures, S sites, N nodes, A areas, L
node-site links, K event slots; all power in MW, one step is one hour (MWh).

The rule, for every future and site in hour t:

1. Availability. A site is up unless an outage spell or a disaster in its area
   is active. A down site has no IT, renewables, battery power or grid.
   Grid available = grid_capacity x (stress factor during a grid-stress event).
2. Inference load. Node demand x growth is split over the node's links by the
   plan's `share`; a cut link's share is re-routed to the node's other links in
   proportion to their shares; with every link of a node cut, the node's load
   is unroutable and counted unserved at the sites it was planned for.
   Inference above the site's available IT capacity is unserved.
3. Training load (flexible within its day, fixed in place by the plan's
   training split). At the day's first hour the site's budget R is reset to the
   day's training energy. Each hour it runs
   train = min(R, room, max(spare, pace)), where room is the free IT capacity,
   spare is the IT load the renewable surplus (after inference) can power, and
   pace = R / (hours left in the day, this one included) is the even rate that
   finishes the budget by the day's end. So training is pulled into hours of
   spare renewables, and what is not runs evenly over the rest of the day (a
   causal rule: no foresight of later sun, no end-of-day spike). Whatever is
   left after the day's last hour (IT room, outages) is unserved.
4. Power. load = pue x (inference + training). Renewables first; a surplus
   charges the battery (charge efficiency sqrt(round trip)) up to its power
   and free energy, then curtails; a deficit discharges the battery (discharge
   efficiency sqrt(round trip)) up to its power and stored energy, then imports
   from the grid up to what is available; the rest is unserved. Unserved
   energy also includes pue x IT load that could not be placed (steps 2, 3).
   Energy balance each hour: renewables + discharge + grid + unserved_power =
   load + charge + curtailment (unserved_power excludes the unplaced IT load).
5. Metrics accumulate per future and site over the hours; grid import is
   costed and charged with emissions at the area's hourly price and factor, and
   the future's year-long price and CO2 shocks multiply the sums once at the
   end (`finish`), which also keeps results bit-identical across chunk sizes.

Events (outages, disasters, grid stress, link cuts) arrive as intervals and are
expanded once per chunk into hour bits (`event_bits`): 1/32 of the memory of
an hourly array, and one bit test per entity and hour in the loop. The battery
starts the year at `soc0` of its energy (inputs.py).
"""

from __future__ import annotations

from typing import NamedTuple

LOL_TOLERANCE = 1e-3  # MW: an hour counts as loss of load above 1 kW unserved


class Inputs(NamedTuple):
    """Per-run constants (the scenario and plan as arrays)."""

    ren: object  # (T, S) MW renewables available = sum_g gen_capacity x cf
    ren_max: object  # (S,) MW installed renewables (noise clip)
    pue: object  # (T, S)
    inference: object  # (T, N) MW
    grid_price: object  # (T, A) JPY/MWh
    grid_co2: object  # (T, A) tCO2/MWh
    grid_cfe: object  # (T, A) 1
    day_training: object  # (D,) MWh training energy of each day
    site_area: object  # (S,) int
    it_capacity: object  # (S,) MW
    battery_power: object  # (S,) MW
    battery_energy: object  # (S,) MWh
    grid_capacity: object  # (S,) MW
    training_share: object  # (S,) 1, sums to 1
    node_link_onehot: object  # (N, L) 0/1
    link_site_onehot: object  # (L, S) 0/1
    link_node_onehot: object  # (L, N) 0/1
    link_share: object  # (L,)
    node_share_total: object  # (N,) sum of shares (1 for a complete plan)
    stress_factor: object  # ()
    eta_charge: object  # ()
    eta_discharge: object  # ()
    soc0: object  # () initial state of charge, fraction of energy


class Hour(NamedTuple):
    """Per-hour scan inputs."""

    t: object  # () int hour index
    hour: object  # () int hour of day
    day: object  # () int day index
    hours_left: object  # () int hours after this one in its day
    inference: object  # (N,)
    grid_price: object  # (S,) of each site's area
    grid_co2: object  # (S,)
    grid_cfe: object  # (S,)


class State(NamedTuple):
    """Scan carry: battery, training budget and metric accumulators, each (F, S) unless said."""

    soc: object
    budget: object
    unserved: object
    lol_site: object
    lol: object  # (F,)
    demand: object
    grid: object
    grid_clean: object
    emissions: object
    cost: object
    curtailment: object
    discharge: object


ACCUMULATORS = State._fields[2:]


def hours_of(n_hours: int, xp):
    """Integer hour, hour of day, day and hours left in the day, each (T,)."""
    t = xp.arange(n_hours, dtype=xp.int32)
    hour = t % 24
    day = t // 24
    day_len = xp.minimum(24, n_hours - day * 24)
    return t, hour, day, day_len - 1 - hour


def initial_state(inp: Inputs, n_futures: int, xp) -> State:
    shape = (n_futures, inp.it_capacity.shape[0])
    zeros = xp.zeros(shape, inp.ren.dtype)
    soc = inp.soc0 * inp.battery_energy[None] + zeros
    return State(
        soc,
        zeros,
        *[zeros] * 2,
        xp.zeros((n_futures,), inp.ren.dtype),
        *[zeros] * 7,
    )


class Events(NamedTuple):
    """Event activity of a chunk as hour bits: (W, F, X) uint32, bit h % 32 of word h // 32."""

    down: object  # X = site: an outage at the site or a disaster in its area
    stress: object  # X = site: a grid-stress event in the site's area
    cut: object  # X = link


def interval_bits(start, end, n_hours: int, xp):
    """(W, F, X) uint32 hour bits of the union of the [start, end) intervals (F, X, K).

    Expanded once per chunk, 32 hours to a word: 1/32 of an hourly float array,
    and a step then tests one bit per entity instead of K intervals.
    """
    n_words = -(-n_hours // 32)
    base = (32 * xp.arange(n_words, dtype=xp.int32))[:, None, None]
    full = xp.asarray(0xFFFFFFFF, dtype=xp.uint32)

    def below(n):  # words with the n lowest bits set, n in 0..32
        shifted = xp.left_shift(xp.asarray(1, dtype=xp.uint32), xp.minimum(n, 31).astype(xp.uint32))
        return xp.where(n >= 32, full, shifted - xp.asarray(1, dtype=xp.uint32))

    bits = xp.zeros((n_words,) + start.shape[:2], dtype=xp.uint32)
    for k in range(start.shape[2]):
        lo = xp.clip(start[None, :, :, k] - base, 0, 32)
        hi = xp.clip(end[None, :, :, k] - base, 0, 32)
        bits = bits | (below(hi) & ~below(lo))
    return bits


def event_bits(fut, site_area, n_hours: int, xp) -> Events:
    """Hour bits of every event driver of a chunk of futures, area events mapped to sites."""
    disaster = interval_bits(fut.disaster_start, fut.disaster_end, n_hours, xp)
    outage = interval_bits(fut.outage_start, fut.outage_end, n_hours, xp)
    stress = interval_bits(fut.stress_start, fut.stress_end, n_hours, xp)
    return Events(
        down=outage | disaster[:, :, site_area],
        stress=stress[:, :, site_area],
        cut=interval_bits(fut.cut_start, fut.cut_end, n_hours, xp),
    )


def active(bits, t, xp):
    """(F, X) True where an event covers hour t."""
    word = bits[t // 32]
    return (xp.right_shift(word, (t % 32).astype(xp.uint32)) & xp.asarray(1, dtype=xp.uint32)) > 0


def hour_step(state: State, h: Hour, inp: Inputs, fut, ev: Events, xp, trace: bool = False):
    """Advance one hour for all futures and sites; return the new state (and flows if trace)."""
    dtype = inp.ren.dtype
    # 1. availability and weather
    up = ~active(ev.down, h.t, xp)
    upf = up.astype(dtype)
    stress = active(ev.stress, h.t, xp)
    grid_avail = (
        inp.grid_capacity[None] * upf * xp.where(stress, inp.stress_factor, 1.0).astype(dtype)
    )
    src = fut.day_source[:, h.day] * 24 + h.hour
    noise = fut.weather_noise[:, h.day, :]
    ren = xp.minimum(inp.ren[src] * noise, inp.ren_max[None]) * upf
    pue = inp.pue[src]
    it_cap = inp.it_capacity[None] * upf

    # 2. inference routing over links
    n_nodes = inp.node_share_total.shape[0]
    node_demand = fut.growth[:, :n_nodes] * h.inference[None]
    ok = ~active(ev.cut, h.t, xp)
    weight = inp.link_share[None] * ok.astype(dtype)
    routed = weight @ inp.link_node_onehot
    lost = routed <= 0
    scale = xp.where(lost, 0.0, inp.node_share_total[None] / xp.where(lost, 1.0, routed))
    # three small matmuls: node -> link for (routed, unroutable), link -> site for both
    n_futures = node_demand.shape[0]
    per_link = (
        xp.concatenate([node_demand * scale, node_demand * lost], axis=0) @ inp.node_link_onehot
    )
    per_link = per_link * xp.concatenate(
        [weight, xp.broadcast_to(inp.link_share[None], weight.shape)]
    )
    per_site = per_link @ inp.link_site_onehot
    inference, unroutable = per_site[:n_futures], per_site[n_futures:]
    inference_served = xp.minimum(inference, it_cap)
    it_unplaced = inference - inference_served + unroutable

    # 3. training within its day
    day_budget = inp.day_training[h.day] * fut.growth[:, n_nodes:] * inp.training_share[None]
    budget = xp.where(h.hour == 0, day_budget, state.budget)
    room = it_cap - inference_served
    spare = xp.maximum(ren - pue * inference_served, 0.0) / pue
    pace = budget / (h.hours_left + 1).astype(dtype)
    training = xp.minimum(xp.minimum(xp.maximum(spare, pace), room), budget)
    budget = budget - training
    day_end = h.hours_left == 0
    it_unplaced = it_unplaced + xp.where(day_end, budget, 0.0)
    budget = xp.where(day_end, 0.0, budget)

    # 4. power balance
    load = pue * (inference_served + training)
    net = ren - load
    surplus = xp.maximum(net, 0.0)
    deficit = xp.maximum(-net, 0.0)
    power = inp.battery_power[None] * upf
    room_energy = xp.maximum(inp.battery_energy[None] - state.soc, 0.0)
    charge = xp.minimum(xp.minimum(surplus, power), room_energy / inp.eta_charge)
    curtailment = surplus - charge
    discharge = xp.minimum(xp.minimum(deficit, power), state.soc * inp.eta_discharge)
    soc = state.soc + charge * inp.eta_charge - discharge / inp.eta_discharge
    soc = xp.minimum(xp.maximum(soc, 0.0), inp.battery_energy[None])
    grid = xp.minimum(deficit - discharge, grid_avail)
    unserved_power = deficit - discharge - grid
    unserved = unserved_power + pue * it_unplaced

    # metrics
    cfe = h.grid_cfe[None]
    # the year-long price and CO2 shocks are applied once in `finish`
    co2 = h.grid_co2[None]
    price = h.grid_price[None]
    short = unserved > LOL_TOLERANCE
    new = State(
        soc=soc,
        budget=budget,
        unserved=state.unserved + unserved,
        lol_site=state.lol_site + short.astype(dtype),
        lol=state.lol + xp.any(short, axis=1).astype(dtype),
        demand=state.demand + load + pue * it_unplaced,
        grid=state.grid + grid,
        grid_clean=state.grid_clean + grid * cfe,
        emissions=state.emissions + grid * co2,
        cost=state.cost + grid * price,
        curtailment=state.curtailment + curtailment,
        discharge=state.discharge + discharge,
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
        grid_import=grid,
        unserved_power=unserved_power,
        unserved=unserved,
        up=upf,
    )
    return new, flows


def finish(state: State, inp: Inputs, fut) -> State:
    """Apply the futures' year-long price and CO2 shocks to the cost and emission sums."""
    return state._replace(
        emissions=state.emissions * fut.co2_shock[:, inp.site_area],
        cost=state.cost * fut.price_shock[:, inp.site_area],
    )
