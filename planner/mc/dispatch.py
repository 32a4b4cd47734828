"""The hourly dispatch rule: its statement, the types and the elementwise pieces both kernels share.

Two implementations state the rule: the NumPy reference (`reference.py`,
`hour_step`, hour by hour) and the JAX kernel (`kernel.py`, arranged for speed:
days of 24 hours, futures innermost). They share the types and the elementwise
pieces below (`forecast_need`, `battery_discharge`, `interval_bits`,
`event_bits`, `active`, `start_state`, `finish`); the tests hold the two to
agreement.
Shapes: F futures, S sites, N nodes, A areas, L node-site links, K event
slots; all power in MW, one step is one hour (MWh).

The rule, for every future and site in hour t:

1. Availability. A site is up unless an outage spell or a disaster in its area
   is active. A down site has lost its power system: no renewables, battery
   power or grid (its IT halls stand; only backup generation, step 5, can power
   them). Grid available = grid_capacity x (stress factor during a grid-stress
   event), 0 at a down site.
2. Inference load. Node demand x growth is split over the node's links by the
   plan's `share`; a cut link's share is re-routed to the node's other links in
   proportion to their shares; with every link of a node cut, the node's load
   is unroutable: unmet demand (step 6) at the sites it was planned for (their
   power was there, the demand could not reach them). Inference above the
   site's built IT capacity is unmet demand too.
3. Training load (flexible within its day, fixed in place by the plan's
   training split). At the day's first hour the site's budget R is reset to the
   day's training energy. Each hour it runs
   train = min(R, room, max(spare, pace)), where room is the free IT capacity,
   spare is the IT load the renewable surplus (after inference) can power, and
   pace = R x room_f(t) / (room_f over t .. the day's last hour) spreads what
   is left over the day's remaining free IT capacity as forecast (room_f: the
   day-ahead forecast of step 4, inference on the planned links, sites up; with
   no forecast room left, R / hours left). With a flat room_f that is the even
   rate R / hours left. So training is pulled into hours of spare renewables,
   the rest fills the free capacity in proportion and finishes by the day's
   end when the forecast holds. Whatever is left after the day's last hour (IT
   room taken by more inference than forecast) is unmet demand.
4. Day-ahead battery reserve. Like a day-ahead schedule, each site knows its
   own weather (renewables with the day's noise, PUE) and demand for the rest
   of today and all of tomorrow; events (outages, disasters, grid stress, link
   cuts) are not foreseen. From that forecast (sites up, full grid, inference
   on the planned links, training at the day's even rate) each hour's
   must = min(max(0, forecast deficit - grid_capacity), battery_power) is the
   energy only the battery can supply (`forecast_need`). The reserve of hour t
   is the sum of `must` over the hours after t up to the next forecast hour
   with a surplus (when the battery can recharge) or the end of tomorrow,
   divided by the discharge efficiency: energy kept in store for later.
5. Power. load = pue x (inference + training). Renewables (on-site and PPA,
   counted at the site) first; a surplus charges the battery (charge efficiency
   sqrt(round trip)) up to its power and free energy, then is exported (step 5a),
   then curtailed. A deficit discharges the battery (discharge efficiency
   sqrt(round trip)) by max(deficit - grid available, (soc - reserve) x eta),
   within its power and stored energy (`battery_discharge`): what the grid
   cannot cover may use all the stored energy, anything more only what lies
   above the reserve. So the battery still goes first (renewable share is kept)
   but does not empty before hours the grid cannot carry. The grid then imports
   up to what is available. What is still short runs the backup generation
   (step 5b); the rest is unserved energy.
   a. Export: each site offers min(surplus left after charging, grid available)
      to the grid; the sites together export at most what is left of the
      year's export allowance, export_share_max x the expected facility load
      (prepare.py: pue x (inference on the planned links within IT capacity +
      training at each site's split) over the scenario's year, demand growth 1).
      The allowance is fixed before the year starts, as an export contract
      would be, so the rule needs no foresight of the year's load; when the
      offers exceed what is left, each site exports the same fraction of its
      offer. Exports earn the area price (net off `energy_cost`), count for
      `re_share` and never for `cfe_score`. A site never imports and exports
      in one hour (it has either a surplus or a deficit).
   b. Backup (emergency only, never for price): backup = min(what renewables,
      battery and available grid leave short, backup_power, fuel in store).
      The tank holds backup_fuel_hours x backup_power MWh of electricity; the
      hour backup starts running with no delivery pending, a delivery is
      ordered and refills the tank at the end of the hour backup_refuel_hours
      later. Backup burns fuel at backup_fuel_cost and emits backup_co2 per MWh.
   Energy balance each hour: renewables + discharge + grid + backup +
   unserved_power = load + charge + export + curtailment.
6. Two shortfalls, measured apart. Unserved energy (`unserved_energy`,
   `loss_of_load_hours`): load of IT placed within built capacity that could
   not be powered (after battery, grid and backup). Unmet demand
   (`unmet_demand`, `unmet_demand_hours`): pue x IT demand the built IT
   capacity could not take or no uncut link could reach (steps 2, 3), the
   facility energy it would have drawn. Both scores are on the total load of
   placed IT (served + unserved, as the LP's on its total load): shedding
   never raises them; unmet demand is outside them.
7. Metrics accumulate per future and site over the hours; grid import is
   costed and charged with emissions at the area's hourly price and factor, and
   the future's year-long price and CO2 shocks multiply the sums once at the
   end (`finish`), which also adds the import-only `grid_energy_charge`, backup
   fuel cost and emissions, and keeps results bit-identical across chunk sizes.

Events (outages, disasters, grid stress, link cuts) arrive as intervals and are
expanded once per chunk into hour bits (`event_bits`): 1/32 of the memory of
an hourly array, and one bit test per entity and hour in the loop. The battery
starts the year at `soc0` of its energy (prepare.py).
"""

from __future__ import annotations

from typing import NamedTuple

LOL_TOLERANCE = 1e-3  # MW: an hour counts as loss of load above 1 kW unserved


class Inputs(NamedTuple):
    """Per-run constants (the scenario and plan as arrays)."""

    ren: object  # (T, S) MW renewables available = sum_g (gen_capacity + ppa_capacity) x cf
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
    backup_power: object  # (S,) MW
    backup_fuel: object  # (S,) MWh of electricity a full tank makes
    refuel_hours: object  # () whole hours from backup starting to the delivery (>= 1)
    backup_co2: object  # () tCO2/MWh
    backup_fuel_cost: object  # () JPY/MWh
    export_cap: object  # () MWh the sites may export over the horizon (inf: no cap)
    grid_energy_charge: object  # (A,) JPY/MWh paid on import only


class Hour(NamedTuple):
    """One hour's inputs of the NumPy reference's step (reference.hour_step)."""

    t: object  # () int hour index
    hour: object  # () int hour of day
    day: object  # () int day index
    hours_left: object  # () int hours after this one in its day
    inference: object  # (N,)
    grid_price: object  # (S,) of each site's area
    grid_co2: object  # (S,)
    grid_cfe: object  # (S,)
    reserve: object  # (F, S) MWh battery energy held back for later hours (step 4)
    pace_share: object  # (F, S) share of the training budget left to run this hour (step 3)


# State fields that are per future (F,); every other field is per future and site (F, S).
PER_FUTURE = ("export_left", "lol", "unmet_hours", "backup_hours")


class State(NamedTuple):
    """Scan carry: battery, fuel, training budget, export allowance and metric sums.

    Each (F, S) unless named in PER_FUTURE ((F,)). backup_emissions and backup_cost
    stay 0 in the hour loop; `finish` makes them from `backup`.
    """

    soc: object
    budget: object
    fuel: object  # MWh of electricity in the backup tank
    due: object  # hours until the pending fuel delivery (0: none pending)
    export_left: object  # (F,) MWh of the export allowance left
    unserved: object
    lol_site: object
    lol: object  # (F,)
    unmet: object
    unmet_site_hours: object
    unmet_hours: object  # (F,)
    demand: object  # load of placed IT: served + unserved
    grid: object
    grid_clean: object
    emissions: object
    cost: object
    export: object
    export_revenue: object
    curtailment: object
    discharge: object
    backup: object
    backup_site_hours: object
    backup_hours: object  # (F,)
    backup_emissions: object
    backup_cost: object


def start_state(inp: Inputs, zeros, per_future_zeros, site_column) -> State:
    """The State at the year's start (any layout): battery at soc0, full tanks, sums zero.

    zeros: the per-site arrays' zeros ((F, S) or (S, F)); per_future_zeros: (F,);
    site_column: (S,) -> broadcastable against zeros.
    """
    per_site = {name: zeros for name in State._fields if name not in PER_FUTURE}
    per_future = {name: per_future_zeros for name in PER_FUTURE}
    return State(**(per_site | per_future))._replace(
        soc=inp.soc0 * site_column(inp.battery_energy) + zeros,
        fuel=site_column(inp.backup_fuel) + zeros,
        export_left=inp.export_cap + per_future_zeros,
    )


class Events(NamedTuple):
    """Event activity of a chunk as hour bits: (W, F, X) uint32, bit h % 32 of word h // 32."""

    down: object  # X = site: an outage at the site or a disaster in its area
    stress: object  # X = site: a grid-stress event in the site's area
    cut: object  # X = link


def interval_bits(start, end, n_hours: int, xp, width: int = 32):
    """(W, F, X) uint32 hour bits of the union of the [start, end) intervals (F, X, K).

    Expanded once per chunk, `width` hours to a word (32; the JAX kernel takes
    24, one word per day): 1/32 of an hourly float array, and a step then tests
    one bit per entity instead of K intervals.
    """
    n_words = -(-n_hours // width)
    base = (width * xp.arange(n_words, dtype=xp.int32))[:, None, None]
    full = xp.asarray(0xFFFFFFFF, dtype=xp.uint32)

    def below(n):  # words with the n lowest bits set, n in 0..32
        shifted = xp.left_shift(xp.asarray(1, dtype=xp.uint32), xp.minimum(n, 31).astype(xp.uint32))
        return xp.where(n >= 32, full, shifted - xp.asarray(1, dtype=xp.uint32))

    bits = xp.zeros((n_words,) + start.shape[:2], dtype=xp.uint32)
    for k in range(start.shape[2]):
        lo = xp.clip(start[None, :, :, k] - base, 0, width)
        hi = xp.clip(end[None, :, :, k] - base, 0, width)
        bits = bits | (below(hi) & ~below(lo))
    return bits


def event_bits(fut, site_area, n_hours: int, xp, width: int = 32) -> Events:
    """Hour bits of every event driver of a chunk of futures, area events mapped to sites."""
    disaster = interval_bits(fut.disaster_start, fut.disaster_end, n_hours, xp, width)
    outage = interval_bits(fut.outage_start, fut.outage_end, n_hours, xp, width)
    stress = interval_bits(fut.stress_start, fut.stress_end, n_hours, xp, width)
    return Events(
        down=outage | disaster[:, :, site_area],
        stress=stress[:, :, site_area],
        cut=interval_bits(fut.cut_start, fut.cut_end, n_hours, xp, width),
    )


def active(bits, t, xp):
    """(F, X) True where an event covers hour t."""
    word = bits[t // 32]
    return (xp.right_shift(word, (t % 32).astype(xp.uint32)) & xp.asarray(1, dtype=xp.uint32)) > 0


def forecast_need(ren, pue, inference, it_capacity, pace, grid_capacity, battery_power, xp):
    """Forecast (must, surplus) of one hour: MW only the battery can give, bool net surplus.

    Elementwise (arguments broadcast together, any layout): the forecast load is
    pue x (inference served + training at its even `pace`, within IT capacity).
    """
    served = xp.minimum(inference, it_capacity)
    training = xp.minimum(pace, it_capacity - served)
    net = ren - pue * (served + training)
    must = xp.minimum(xp.maximum(-net - grid_capacity, 0.0), battery_power)
    return must, net > 0


def battery_discharge(deficit, power, soc, reserve, grid_avail, eta_discharge, xp):
    """MW discharged: what the grid cannot cover, or more while the store stays above the reserve.

    max(deficit - grid_avail, (soc - reserve) x eta), within deficit, power and soc x eta.
    """
    allowed = xp.maximum(xp.maximum(deficit - grid_avail, (soc - reserve) * eta_discharge), 0.0)
    return xp.minimum(xp.minimum(deficit, power), xp.minimum(soc * eta_discharge, allowed))


def export_fraction(offered, left, xp):
    """(fraction of each site's offer exported, MWh taken off the allowance) of one hour.

    offered: the sites' offers summed (any layout); left: the allowance left.
    """
    take = xp.minimum(offered, left)
    over = offered > take
    return xp.where(over, take / xp.where(over, offered, 1.0), 1.0), take


def run_backup(short, power, fuel, due, full, refuel_hours, xp):
    """(backup MW, fuel, due) of one hour: backup serves `short` within its power and fuel.

    A delivery is ordered the hour backup starts running with none pending and
    refills the tank at the end of the hour `refuel_hours` later (step 5b).
    """
    backup = xp.minimum(xp.minimum(short, power), fuel)
    pending = due > 0.0
    due = xp.where(pending, due - 1.0, xp.where(backup > LOL_TOLERANCE, refuel_hours, 0.0))
    fuel = xp.where(pending & (due <= 0.0), full, xp.maximum(fuel - backup, 0.0))
    return backup, fuel, due


def finish(state: State, inp: Inputs, fut) -> State:
    """Apply the year-long shocks; add the import energy charge, export revenue, backup fuel.

    cost becomes the net energy cost: grid x (price x shock + grid_energy_charge)
    - export x price x shock; backup_emissions and backup_cost come from `backup`.
    """
    price_shock = fut.price_shock[:, inp.site_area]
    export_revenue = state.export_revenue * price_shock
    return state._replace(
        emissions=state.emissions * fut.co2_shock[:, inp.site_area],
        cost=state.cost * price_shock
        + state.grid * inp.grid_energy_charge[inp.site_area][None]
        - export_revenue,
        export_revenue=export_revenue,
        backup_emissions=state.backup * inp.backup_co2,
        backup_cost=state.backup * inp.backup_fuel_cost,
    )
