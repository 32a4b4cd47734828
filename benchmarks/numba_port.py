"""A Numba port of the hourly dispatch rule: the benchmarks' strongest CPU comparator.

Not a backend of the library: the benchmarks time it beside the JAX kernel to
show what a performance-minded CPU user would write instead (the rule is
dispatch.py's; the NumPy reference checks it in tests/benchmarks/test_numba_port.py).
Arranged for speed on a CPU:

- `prange` over blocks of BLOCK futures (one block per iteration, a thread each);
  inside a block every array is (..., sites, BLOCK) so the innermost loop runs
  over BLOCK futures in SIMD lanes (16 float32 lanes fill an AVX-512 register);
- the day-ahead forecast of tomorrow is made once and carried to the next day
  as its "today" (two buffers swapped by day parity), not made again;
- float32 throughout, fastmath (no NaNs assumed, as XLA's fast math; infinities
  kept since the export allowance may be infinite); every division is guarded.

`dispatch_numba(inputs, futures)` takes the Inputs and Futures of the kernels
(NumPy or JAX arrays, one dtype) and returns the final State of (F, S) arrays,
as `reference.dispatch_numpy` does.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from planner.mc.dispatch import LOL_TOLERANCE, Inputs, State, finish

BLOCK = 16  # futures per inner iteration: one AVX-512 register of float32
FASTMATH = {"nnan", "nsz", "arcp", "contract", "afn", "reassoc"}
HOURS = 24
# accumulator rows of a block's (ACC, S, BLOCK) array, in this order
SITE_SUMS = (
    "unserved",
    "lol_site",
    "unmet",
    "unmet_site_hours",
    "demand",
    "grid",
    "grid_clean",
    "emissions",
    "cost",
    "export",
    "export_revenue",
    "curtailment",
    "discharge",
    "backup",
    "backup_site_hours",
)
FUTURE_SUMS = ("lol", "unmet_hours", "backup_hours")
(
    UNSERVED,
    LOL_SITE,
    UNMET,
    UNMET_SITE_HOURS,
    DEMAND,
    GRID,
    GRID_CLEAN,
    EMISSIONS,
    COST,
    EXPORT,
    EXPORT_REVENUE,
    CURTAILMENT,
    DISCHARGE,
    BACKUP,
    BACKUP_SITE_HOURS,
    SOC,
    BUDGET,
    FUEL,
    DUE,
    OFFER,
    LEFT,
    ROUTED_IN,
    UNROUTABLE,
) = range(len(SITE_SUMS) + 8)
# A block's per-site lane state is one flat array, (site, field, lane) with NF fields: with
# compile-time strides LLVM sees that no two fields overlap and vectorises the lane loops
# (separate arrays would need more runtime alias checks than it makes).
NF = UNROUTABLE + 1
EXPORT_LEFT, LOL, UNMET_HOURS, BACKUP_HOURS, SHORT_ANY, UNMET_ANY, RUNNING_ANY, OFFERED = range(8)
NFF = OFFERED + 1  # per-future lane fields, (field, lane)


@njit(fastmath=FASTMATH, error_model="numpy", cache=True)
def _forecast_day(
    day, n_hours, f0, growth, day_source, noise, ren, ren_max, pue, inference, day_training,
    it_capacity, grid_capacity, battery_power, training_share, link_node, link_site, link_share,
    must, keep, room, ren_f, pue_f,
):  # fmt: skip
    """Fill one day's forecast (24, S, BLOCK) buffers of the block at future f0 (dispatch.py, 4).

    keep is 1 where the battery cannot recharge (no forecast surplus), 0 at a
    surplus; hours past the horizon are left as they are (never read).
    """
    n_sites = it_capacity.shape[0]
    n_nodes = inference.shape[1]
    hours = min(HOURS, n_hours - HOURS * day)
    zero = np.float32(0.0)
    one = np.float32(1.0)
    planned = np.empty((n_sites, BLOCK), np.float32)
    pace = np.empty((n_sites, BLOCK), np.float32)
    src = np.empty(BLOCK, np.int64)
    training = day_training[day] / np.float32(max(hours, 1))
    for s in range(n_sites):
        for b in range(BLOCK):
            pace[s, b] = training * growth[n_nodes, b] * training_share[s]
    for b in range(BLOCK):
        src[b] = day_source[day, f0 + b] * HOURS
    for k in range(hours):
        t = HOURS * day + k
        planned[:] = zero
        for link in range(link_node.shape[0]):
            node, site = link_node[link], link_site[link]
            weight = inference[t, node] * link_share[link]
            for b in range(BLOCK):
                planned[site, b] += weight * growth[node, b]
        for s in range(n_sites):
            cap = it_capacity[s]
            for b in range(BLOCK):
                r = min(ren[src[b] + k, s] * noise[day, s, f0 + b], ren_max[s])
                p = pue[src[b] + k, s]
                served = min(planned[s, b], cap)
                net = r - p * (served + min(pace[s, b], cap - served))
                must[k, s, b] = min(max(-net - grid_capacity[s], zero), battery_power[s])
                keep[k, s, b] = zero if net > zero else one
                room[k, s, b] = cap - served
                ren_f[k, s, b] = r
                pue_f[k, s, b] = p


@njit(fastmath=FASTMATH, error_model="numpy", cache=True)
def _day_ahead(hours, hours_next, must, keep, room, must_next, keep_next, eta_d, reserve, share):
    """Battery reserve (MWh) and training pace share (24, S, BLOCK) of today's hours.

    The reserve of hour t sums must over t+1 .. (next surplus hour or tomorrow's
    end), over the discharge efficiency; the pace share is the hour's room over
    the room left in the day (1 / hours left with none).
    """
    n_sites = must.shape[1]
    zero = np.float32(0.0)
    later = np.zeros((n_sites, BLOCK), np.float32)
    room_left = np.zeros((n_sites, BLOCK), np.float32)
    for k in range(hours_next - 1, -1, -1):
        for s in range(n_sites):
            for b in range(BLOCK):
                later[s, b] = keep_next[k, s, b] * (must_next[k, s, b] + later[s, b])
    for k in range(hours - 1, -1, -1):
        even = np.float32(1.0) / np.float32(hours - k)
        for s in range(n_sites):
            for b in range(BLOCK):
                reserve[k, s, b] = later[s, b] / eta_d
                later[s, b] = keep[k, s, b] * (must[k, s, b] + later[s, b])
                left = room[k, s, b] + room_left[s, b]
                room_left[s, b] = left
                share[k, s, b] = room[k, s, b] / left if left > zero else even


@njit(fastmath=FASTMATH, error_model="numpy", cache=True)
def _uncut_scale(link_node, link_share, node_total, n_nodes):
    """(N,) each node's share total over the sum of its links' shares (0: none), links in order."""
    zero = np.float32(0.0)
    routed = np.zeros(n_nodes, np.float32)
    for link in range(link_node.shape[0]):
        routed[link_node[link]] += link_share[link]
    scale = np.zeros(n_nodes, np.float32)
    for n in range(n_nodes):
        scale[n] = zero if routed[n] <= zero else node_total[n] / routed[n]
    return scale


@njit(fastmath=FASTMATH, error_model="numpy", cache=True)
def _route(t, word, bit, f0, growth, inference, cut, link_node, link_site, link_share,
           node_total, uncut_scale, lane, scratch):  # fmt: skip
    """Inference routed to each site and unroutable there (lane fields) in hour t (dispatch.py, 2).

    scratch: flat (link weights (L, lane), uncut share of each node, its demand routed
    and its demand dropped (N, lane) each). With no link of the block cut this hour (most
    hours) the uncut scale of each node is the plan's (`uncut_scale`): the same sums.
    """
    zero = np.float32(0.0)
    n_links = link_node.shape[0]
    n_nodes = inference.shape[1]
    n_sites = lane.shape[0] // (NF * BLOCK)
    nodes = n_links * BLOCK  # where the node rows of scratch start
    served, dropped = nodes + n_nodes * BLOCK, nodes + 2 * n_nodes * BLOCK
    for s in range(n_sites):
        for b in range(BLOCK):
            lane[(s * NF + ROUTED_IN) * BLOCK + b] = zero
            lane[(s * NF + UNROUTABLE) * BLOCK + b] = zero
    any_cut = np.uint32(0)
    for link in range(n_links):
        for b in range(BLOCK):
            any_cut |= cut[word, link, f0 + b] >> bit
    if (any_cut & np.uint32(1)) == 0:
        for n in range(n_nodes):
            demand, scale = inference[t, n], uncut_scale[n]
            for b in range(BLOCK):
                scratch[served + n * BLOCK + b] = demand * growth[n, b] * scale
        for link in range(n_links):
            into = (link_site[link] * NF + ROUTED_IN) * BLOCK
            row, share = served + link_node[link] * BLOCK, link_share[link]
            for b in range(BLOCK):
                lane[into + b] += scratch[row + b] * share
        return
    for i in range(nodes, served):
        scratch[i] = zero
    for link in range(n_links):
        node = nodes + link_node[link] * BLOCK
        share = link_share[link]
        for b in range(BLOCK):
            is_cut = (cut[word, link, f0 + b] >> bit) & np.uint32(1)
            w = zero if is_cut else share
            scratch[link * BLOCK + b] = w
            scratch[node + b] += w
    for n in range(n_nodes):
        demand, total = inference[t, n], node_total[n]
        for b in range(BLOCK):
            d = demand * growth[n, b]
            r = scratch[nodes + n * BLOCK + b]
            lost = r <= zero
            scale = zero if lost else total / (r if not lost else np.float32(1.0))
            scratch[served + n * BLOCK + b] = d * scale
            scratch[dropped + n * BLOCK + b] = d if lost else zero
    for link in range(n_links):
        node, site = link_node[link], link_site[link]
        share = link_share[link]
        into, lost_at = (site * NF + ROUTED_IN) * BLOCK, (site * NF + UNROUTABLE) * BLOCK
        for b in range(BLOCK):
            lane[into + b] += scratch[served + node * BLOCK + b] * scratch[link * BLOCK + b]
            lane[lost_at + b] += scratch[dropped + node * BLOCK + b] * share


@njit(parallel=True, error_model="numpy", cache=True)
def _interval_words(start, end, n_words):
    """(W, X, F) uint32 hour bits (bit h % 32 of word h // 32) of the [start, end) intervals (F, X, K).

    dispatch.interval_bits, laid out futures last.
    """
    n_futures, n_things, n_slots = start.shape
    words = np.zeros((n_words, n_things, n_futures), np.uint32)
    for f in prange(n_futures):
        for x in range(n_things):
            for k in range(n_slots):
                for h in range(max(start[f, x, k], 0), min(end[f, x, k], 32 * n_words)):
                    words[h // 32, x, f] |= np.uint32(1) << np.uint32(h % 32)
    return words


@njit(fastmath=FASTMATH, error_model="numpy", cache=True)
def _hour(k, t, hours, f0, ren_f, pue_f, reserve, share, lane, fl, c):
    """One hour of training, battery, export and backup for a block (dispatch.py, 3 and 5-7).

    lane: the block's flat (site, field, lane) state; fl: its (field, lane) per-future state.
    """
    (
        down, stress, it_capacity, battery_power, battery_energy, grid_capacity, backup_power,
        backup_fuel, price, co2, cfe, stress_factor, eta_c, eta_d, refuel,
    ) = c  # fmt: skip
    zero = np.float32(0.0)
    one = np.float32(1.0)
    tol = np.float32(LOL_TOLERANCE)
    word, bit = t // 32, np.uint32(t % 32)
    n_sites = it_capacity.shape[0]
    last = one if k == hours - 1 else zero
    for b in range(BLOCK):
        fl[SHORT_ANY * BLOCK + b] = zero
        fl[UNMET_ANY * BLOCK + b] = zero
        fl[RUNNING_ANY * BLOCK + b] = zero
        fl[OFFERED * BLOCK + b] = zero
    for s in range(n_sites):
        cap, bpow, benergy, gcap = (
            it_capacity[s],
            battery_power[s],
            battery_energy[s],
            grid_capacity[s],
        )
        bkp, full = backup_power[s], backup_fuel[s]
        p_s, co2_s, cfe_s = price[t, s], co2[t, s], cfe[t, s]
        row = s * NF * BLOCK
        for b in range(BLOCK):
            is_down = (down[word, s, f0 + b] >> bit) & np.uint32(1)
            is_stress = (stress[word, s, f0 + b] >> bit) & np.uint32(1)
            up = zero if is_down else one
            grid_avail = gcap * up * (stress_factor if is_stress else one)
            r = ren_f[k, s, b] * up
            p = pue_f[k, s, b]
            rin = lane[row + ROUTED_IN * BLOCK + b]
            inference = min(rin, cap)
            it_unmet = rin - inference + lane[row + UNROUTABLE * BLOCK + b]
            room = cap - inference
            spare = max(r - p * inference, zero) / p
            bud = lane[row + BUDGET * BLOCK + b]
            training = min(min(max(spare, bud * share[k, s, b]), room), bud)
            bud = bud - training
            it_unmet += last * bud
            lane[row + BUDGET * BLOCK + b] = bud - last * bud
            load = p * (inference + training)
            net = r - load
            surplus = max(net, zero)
            deficit = max(-net, zero)
            power = bpow * up
            st = lane[row + SOC * BLOCK + b]
            charge = min(min(surplus, power), max(benergy - st, zero) / eta_c)
            left = surplus - charge
            o = min(left, grid_avail)
            lane[row + OFFER * BLOCK + b] = o
            lane[row + LEFT * BLOCK + b] = left
            fl[OFFERED * BLOCK + b] += o
            allowed = max(max(deficit - grid_avail, (st - reserve[k, s, b]) * eta_d), zero)
            discharge = min(min(deficit, power), min(st * eta_d, allowed))
            st = st + charge * eta_c - discharge / eta_d
            lane[row + SOC * BLOCK + b] = min(max(st, zero), benergy)
            grid = min(deficit - discharge, grid_avail)
            short = deficit - discharge - grid
            fuel = lane[row + FUEL * BLOCK + b]
            backup = min(min(short, bkp), fuel)
            d = lane[row + DUE * BLOCK + b]
            pending = d > zero
            d = d - one if pending else (refuel if backup > tol else zero)
            lane[row + DUE * BLOCK + b] = d
            burnt = max(fuel - backup, zero)
            lane[row + FUEL * BLOCK + b] = full if (pending and d <= zero) else burnt
            unserved = short - backup
            unmet = p * it_unmet
            is_short = one if unserved > tol else zero
            is_unmet = one if unmet > tol else zero
            is_running = one if backup > tol else zero
            fl[SHORT_ANY * BLOCK + b] = max(fl[SHORT_ANY * BLOCK + b], is_short)
            fl[UNMET_ANY * BLOCK + b] = max(fl[UNMET_ANY * BLOCK + b], is_unmet)
            fl[RUNNING_ANY * BLOCK + b] = max(fl[RUNNING_ANY * BLOCK + b], is_running)
            lane[row + UNSERVED * BLOCK + b] += unserved
            lane[row + LOL_SITE * BLOCK + b] += is_short
            lane[row + UNMET * BLOCK + b] += unmet
            lane[row + UNMET_SITE_HOURS * BLOCK + b] += is_unmet
            lane[row + DEMAND * BLOCK + b] += load
            lane[row + GRID * BLOCK + b] += grid
            lane[row + GRID_CLEAN * BLOCK + b] += grid * cfe_s
            lane[row + EMISSIONS * BLOCK + b] += grid * co2_s
            lane[row + COST * BLOCK + b] += grid * p_s
            lane[row + DISCHARGE * BLOCK + b] += discharge
            lane[row + BACKUP * BLOCK + b] += backup
            lane[row + BACKUP_SITE_HOURS * BLOCK + b] += is_running
    for b in range(BLOCK):  # the export allowance (dispatch.py, 5a)
        offered = fl[OFFERED * BLOCK + b]
        take = min(offered, fl[EXPORT_LEFT * BLOCK + b])
        over = offered > take
        fl[OFFERED * BLOCK + b] = take / (offered if over else one) if over else one  # fraction
        fl[EXPORT_LEFT * BLOCK + b] -= take
        fl[LOL * BLOCK + b] += fl[SHORT_ANY * BLOCK + b]
        fl[UNMET_HOURS * BLOCK + b] += fl[UNMET_ANY * BLOCK + b]
        fl[BACKUP_HOURS * BLOCK + b] += fl[RUNNING_ANY * BLOCK + b]
    for s in range(n_sites):
        p_s = price[t, s]
        row = s * NF * BLOCK
        for b in range(BLOCK):
            export = lane[row + OFFER * BLOCK + b] * fl[OFFERED * BLOCK + b]
            lane[row + EXPORT * BLOCK + b] += export
            lane[row + EXPORT_REVENUE * BLOCK + b] += export * p_s
            lane[row + CURTAILMENT * BLOCK + b] += lane[row + LEFT * BLOCK + b] - export


@njit(fastmath=FASTMATH, error_model="numpy", cache=True)
def _block(
    f0, n_hours, growth_all, day_source, noise, ren, ren_max, pue, inference, day_training,
    training_share, link_node, link_site, link_share, node_total, cut, c, soc0, export_cap,
    out_sites, out_state, out_futures,
):  # fmt: skip
    """The whole horizon for the block of futures f0 .. f0 + BLOCK - 1; writes its outputs."""
    (
        down, stress, it_capacity, battery_power, battery_energy, grid_capacity, backup_power,
        backup_fuel, price, co2, cfe, stress_factor, eta_c, eta_d, refuel,
    ) = c  # fmt: skip
    n_sites = it_capacity.shape[0]
    n_nodes = inference.shape[1]
    n_links = link_node.shape[0]
    n_days = -(-n_hours // HOURS)
    growth = np.empty((growth_all.shape[0], BLOCK), np.float32)
    for n in range(growth_all.shape[0]):
        for b in range(BLOCK):
            growth[n, b] = growth_all[n, f0 + b]
    # two days of forecast buffers, swapped by day parity: tomorrow's becomes today's
    shape = (2, HOURS, n_sites, BLOCK)
    must, keep, room = (
        np.empty(shape, np.float32),
        np.empty(shape, np.float32),
        np.empty(shape, np.float32),
    )
    ren_f, pue_f = np.empty(shape, np.float32), np.empty(shape, np.float32)
    reserve = np.empty((HOURS, n_sites, BLOCK), np.float32)
    share = np.empty((HOURS, n_sites, BLOCK), np.float32)
    lane = np.zeros(n_sites * NF * BLOCK, np.float32)
    fl = np.zeros(NFF * BLOCK, np.float32)
    for s in range(n_sites):
        for b in range(BLOCK):
            lane[(s * NF + SOC) * BLOCK + b] = soc0 * battery_energy[s]
            lane[(s * NF + FUEL) * BLOCK + b] = backup_fuel[s]
    for b in range(BLOCK):
        fl[EXPORT_LEFT * BLOCK + b] = export_cap
    scratch = np.zeros((n_links + 3 * n_nodes) * BLOCK, np.float32)
    uncut_scale = _uncut_scale(link_node, link_share, node_total, n_nodes)
    for day in range(n_days):
        if day == 0:
            _forecast_day(
                0, n_hours, f0, growth, day_source, noise, ren, ren_max, pue, inference,
                day_training, it_capacity, grid_capacity, battery_power, training_share,
                link_node, link_site, link_share, must[0], keep[0], room[0], ren_f[0], pue_f[0],
            )  # fmt: skip
        today, nxt = day % 2, (day + 1) % 2
        hours = min(HOURS, n_hours - HOURS * day)
        hours_next = max(0, min(HOURS, n_hours - HOURS * (day + 1)))
        if hours_next > 0:
            _forecast_day(
                day + 1, n_hours, f0, growth, day_source, noise, ren, ren_max, pue, inference,
                day_training, it_capacity, grid_capacity, battery_power, training_share,
                link_node, link_site, link_share, must[nxt], keep[nxt], room[nxt], ren_f[nxt],
                pue_f[nxt],
            )  # fmt: skip
        _day_ahead(
            hours, hours_next, must[today], keep[today], room[today], must[nxt], keep[nxt],
            eta_d, reserve, share,
        )  # fmt: skip
        for s in range(n_sites):
            for b in range(BLOCK):
                lane[(s * NF + BUDGET) * BLOCK + b] = (
                    day_training[day] * growth[n_nodes, b] * training_share[s]
                )
        for k in range(hours):
            t = HOURS * day + k
            _route(
                t, t // 32, np.uint32(t % 32), f0, growth, inference, cut, link_node, link_site,
                link_share, node_total, uncut_scale, lane, scratch,
            )  # fmt: skip
            _hour(k, t, hours, f0, ren_f[today], pue_f[today], reserve, share, lane, fl, c)
    for i in range(len(SITE_SUMS)):
        for s in range(n_sites):
            for b in range(BLOCK):
                out_sites[i, f0 + b, s] = lane[(s * NF + i) * BLOCK + b]
    for i, field in enumerate((SOC, BUDGET, FUEL, DUE)):
        for s in range(n_sites):
            for b in range(BLOCK):
                out_state[i, f0 + b, s] = lane[(s * NF + field) * BLOCK + b]
    for i, field in enumerate((EXPORT_LEFT, LOL, UNMET_HOURS, BACKUP_HOURS)):
        for b in range(BLOCK):
            out_futures[i, f0 + b] = fl[field * BLOCK + b]


@njit(parallel=True, fastmath=FASTMATH, error_model="numpy", cache=True)
def _dispatch(
    n_hours, growth, day_source, noise, ren, ren_max, pue, inference, day_training,
    training_share, link_node, link_site, link_share, node_total, cut, c, soc0, export_cap,
    out_sites, out_state, out_futures,
):  # fmt: skip
    """All blocks of futures, one `prange` iteration (a thread's work item) each."""
    n_blocks = growth.shape[1] // BLOCK
    for i in prange(n_blocks):
        _block(
            i * BLOCK, n_hours, growth, day_source, noise, ren, ren_max, pue, inference,
            day_training, training_share, link_node, link_site, link_share, node_total, cut,
            c, soc0, export_cap, out_sites, out_state, out_futures,
        )  # fmt: skip


def _futures_last(a: np.ndarray, pad: int) -> np.ndarray:
    """(F, ...) -> (..., F + pad), contiguous, the last future repeated as padding."""
    a = np.asarray(a)
    if pad:
        a = np.concatenate([a, np.repeat(a[-1:], pad, axis=0)])
    return np.ascontiguousarray(np.moveaxis(a, 0, -1))


def dispatch_numba(inputs: Inputs, futures) -> State:
    """Final State (F, S) of the dispatch over the whole horizon, as `reference.dispatch_numpy`.

    inputs, futures: the kernels' Inputs and Futures (any array type; floats float32).
    """
    inp = inputs._replace(**{k: np.asarray(v) for k, v in inputs._asdict().items()})
    fut = type(futures)(*[np.asarray(a) for a in futures])
    dtype = np.float32
    n_futures, n_sites = fut.growth.shape[0], inp.it_capacity.shape[0]
    n_hours = inp.inference.shape[0]
    pad = -n_futures % BLOCK
    f32 = lambda a: np.ascontiguousarray(a, dtype=dtype)  # noqa: E731
    n_words = -(-n_hours // 32)

    def words(start, end):  # (F, X, K) intervals -> (W, X, F + pad) hour bits
        pad_ = lambda a: np.concatenate([a, np.repeat(a[-1:], pad, axis=0)]) if pad else a  # noqa: E731
        return _interval_words(
            np.ascontiguousarray(pad_(start), np.int64),
            np.ascontiguousarray(pad_(end), np.int64),
            n_words,
        )

    disaster = words(fut.disaster_start, fut.disaster_end)[:, inp.site_area]
    down = np.ascontiguousarray(words(fut.outage_start, fut.outage_end) | disaster)
    stress = np.ascontiguousarray(words(fut.stress_start, fut.stress_end)[:, inp.site_area])
    cut = words(fut.cut_start, fut.cut_end)
    site = inp.site_area
    consts = (
        down,
        stress,
        f32(inp.it_capacity),
        f32(inp.battery_power),
        f32(inp.battery_energy),
        f32(inp.grid_capacity),
        f32(inp.backup_power),
        f32(inp.backup_fuel),
        f32(inp.grid_price[:, site]),
        f32(inp.grid_co2[:, site]),
        f32(inp.grid_cfe[:, site]),
        dtype(inp.stress_factor),
        dtype(inp.eta_charge),
        dtype(inp.eta_discharge),
        dtype(inp.refuel_hours),
    )
    n_total = n_futures + pad
    out_sites = np.zeros((len(SITE_SUMS), n_total, n_sites), dtype)
    out_state = np.zeros((4, n_total, n_sites), dtype)
    out_futures = np.zeros((1 + len(FUTURE_SUMS), n_total), dtype)
    _dispatch(
        n_hours,
        f32(_futures_last(fut.growth, pad)),  # (N + 1, F)
        np.ascontiguousarray(_futures_last(fut.day_source, pad), dtype=np.int64),  # (D, F)
        f32(_futures_last(fut.weather_noise, pad)),  # (D, S, F)
        f32(inp.ren),
        f32(inp.ren_max),
        f32(inp.pue),
        f32(inp.inference),
        f32(inp.day_training),
        f32(inp.training_share),
        np.asarray(inp.link_node_onehot).argmax(axis=1).astype(np.int64),
        np.asarray(inp.link_site_onehot).argmax(axis=1).astype(np.int64),
        f32(inp.link_share),
        f32(inp.node_share_total),
        cut,
        consts,
        dtype(inp.soc0),
        dtype(inp.export_cap),
        out_sites,
        out_state,
        out_futures,
    )
    keep = slice(0, n_futures)
    zeros = np.zeros((n_futures, n_sites), dtype)
    state = State(
        soc=out_state[0, keep],
        budget=out_state[1, keep],
        fuel=out_state[2, keep],
        due=out_state[3, keep],
        export_left=out_futures[0, keep],
        lol=out_futures[1, keep],
        unmet_hours=out_futures[2, keep],
        backup_hours=out_futures[3, keep],
        backup_emissions=zeros,
        backup_cost=zeros,
        **{name: out_sites[i, keep] for i, name in enumerate(SITE_SUMS)},
    )
    return finish(state, inp, fut)
