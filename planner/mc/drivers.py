"""Sampling futures: each future's compact description, drawn from (seed, future index) only.

A future is not stored hour by hour. It is a compact description that both
dispatch kernels (JAX and NumPy) expand inside their hour loop:

- `growth` (node+1,): lognormal multipliers, mean 1, on each node's inference
  demand and (last entry) on training demand; equicorrelated normals underneath.
- `day_source` (day,): the source day whose weather (renewable output and PUE)
  every site sees that day, drawn uniformly within +-`window_days` of the day
  (wrapping round the year). One index for all sites keeps spatial correlation.
  With `weather.years`, a future first draws one weather year y of the pool and
  its days index y * full_days + day: a whole real year, dull or windy.
- `weather_noise` (day, site): multiplier max(0, 1 + sigma z) on a site's renewables.
- `price_shock`, `co2_shock` (area,): year-long lognormal multipliers, mean 1,
  equicorrelated across areas.
- events as integer hour intervals [start, end), K per entity (K fixed per run;
  an entity with more than K events in the horizon is truncated, which happens
  with probability < 1e-6 by the choice of K, see `event_slots`):
  `stress_start/_end` (area, K): grid-stress events, a Poisson process;
  `outage_start/_end` (site, K): the down spells of a two-state Markov chain
  (exponential up times at the failure rate, exponential repairs), starting up;
  `disaster_start/_end` (area, K): earthquakes then typhoons, Poisson, whole days;
  `cut_start/_end` (link, K): backhaul link cuts, Poisson.

Future i uses `fold_in(key(seed), i)` and one uniform draw cut into a slice per
driver (`_segments`), so results do not depend on chunk size, device count or
backend. Growth, weather and shocks come first, so their draws never depend on
the event drivers' settings; changing an event driver's rate (hence its K)
re-deals the event drivers after it. A switched-off event driver has K = 0
slots and costs nothing in the kernels.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats

from planner.errors import PolicyError
from planner.mc.uncertainty import Uncertainty

HOURS_PER_YEAR = 8760.0
TRUNCATION = 1e-6  # probability that an entity has more events than it has slots


class Sizes(NamedTuple):
    """Static sizes of a run (hashable: jit compiles once per Sizes)."""

    n_hours: int
    n_sites: int
    n_days: int
    n_full_days: int
    window_days: int
    k_stress: int
    k_outage: int
    k_quake: int
    k_typhoon: int
    k_cut: int
    n_years: int = 1  # weather years in the source pool (inputs.ren holds n_years x n_hours rows)


class DriverParams(NamedTuple):
    """Numeric driver parameters as arrays (rates per hour, durations in hours)."""

    growth_chol: np.ndarray  # (node+1, node+1) scaled Cholesky factor of log-growth covariance
    noise_sigma: np.ndarray  # ()
    shock_chol: np.ndarray  # (2, area, area): price, co2
    stress_rate: np.ndarray  # (area,) per hour
    stress_hours: np.ndarray  # (2,) int min, max
    outage_rate: np.ndarray  # () failures per hour
    repair_hours: np.ndarray  # () mean repair time
    quake_rate: np.ndarray  # (area,) per hour
    quake_days: np.ndarray  # (2,) int
    typhoon_rate: np.ndarray  # (area,) per hour
    typhoon_days: np.ndarray  # (2,) int
    cut_rate: np.ndarray  # (link,) per hour
    cut_hours: np.ndarray  # (2,) int


class Futures(NamedTuple):
    """Compact description of a chunk of futures (leading axis: future)."""

    growth: jax.Array
    day_source: jax.Array
    weather_noise: jax.Array
    price_shock: jax.Array
    co2_shock: jax.Array
    stress_start: jax.Array
    stress_end: jax.Array
    outage_start: jax.Array
    outage_end: jax.Array
    disaster_start: jax.Array
    disaster_end: jax.Array
    cut_start: jax.Array
    cut_end: jax.Array


def event_slots(rate_per_hour: np.ndarray | float, n_hours: int, enabled: bool = True) -> int:
    """Slots K such that P(more than K events in the horizon) < TRUNCATION for the largest rate."""
    lam = float(np.max(rate_per_hour, initial=0.0)) * n_hours
    if not enabled or lam <= 0:
        return 0
    return max(1, int(stats.poisson.isf(TRUNCATION, lam)) + 1)


def _equicorrelated_chol(sigma: np.ndarray, rho: float) -> np.ndarray:
    n = len(sigma)
    corr = np.full((n, n), rho) + (1.0 - rho) * np.eye(n)
    return np.diag(sigma) @ np.linalg.cholesky(corr)


def driver_params(
    unc: Uncertainty,
    n_hours: int,
    areas: list[str],
    n_nodes: int,
    n_sites: int,
    link_km: np.ndarray,
    n_years: int = 1,
) -> tuple[DriverParams, Sizes]:
    """Driver parameters and static sizes from an Uncertainty and the scenario's shape.

    n_years: weather years in the source pool (> 1 only with `weather.years`).
    """
    per_hour = 1.0 / HOURS_PER_YEAR
    n_areas = len(areas)
    dg, we, gs = unc.demand_growth, unc.weather, unc.grid_shocks
    growth_sigma = np.r_[np.full(n_nodes, dg.sigma), dg.training_sigma] * dg.enabled
    shock = np.stack(
        [
            _equicorrelated_chol(np.full(n_areas, gs.price_sigma * gs.enabled), gs.correlation),
            _equicorrelated_chol(np.full(n_areas, gs.co2_sigma * gs.enabled), gs.correlation),
        ]
    )
    st, so, di, bc = unc.grid_stress, unc.site_outages, unc.disasters, unc.backhaul_cuts
    hit = np.ones(n_areas)
    if di.areas is not None:
        unknown = sorted(set(di.areas) - set(areas))
        if unknown:
            raise PolicyError(f"disasters.areas: {unknown} are not areas of the scenario {areas}")
        hit = np.isin(areas, di.areas).astype(float)
    params = DriverParams(
        growth_chol=_equicorrelated_chol(growth_sigma, dg.correlation),
        noise_sigma=np.asarray(we.noise_sigma * we.enabled),
        shock_chol=shock,
        stress_rate=np.full(n_areas, st.rate_per_year * per_hour),
        stress_hours=np.array([st.min_hours, st.max_hours]),
        outage_rate=np.asarray(so.failure_rate_per_year * per_hour),
        repair_hours=np.asarray(so.mean_repair_hours),
        quake_rate=hit * di.earthquake_rate_per_year * per_hour,
        quake_days=np.array([di.earthquake_min_days, di.earthquake_max_days]),
        typhoon_rate=hit * di.typhoon_rate_per_year * per_hour,
        typhoon_days=np.array([di.typhoon_min_days, di.typhoon_max_days]),
        cut_rate=(bc.rate_per_year + bc.rate_per_1000km_year * link_km / 1000.0) * per_hour,
        cut_hours=np.array([bc.min_hours, bc.max_hours]),
    )
    # outages alternate up and down spells: at most ~ (failures in the horizon) spells
    sizes = Sizes(
        n_hours=n_hours,
        n_sites=n_sites,
        n_days=-(-n_hours // 24),
        n_full_days=max(1, n_hours // 24),
        window_days=we.window_days if we.enabled else 0,
        k_stress=event_slots(params.stress_rate, n_hours, st.enabled),
        k_outage=event_slots(params.outage_rate, n_hours, so.enabled),
        k_quake=event_slots(params.quake_rate, n_hours, di.enabled),
        k_typhoon=event_slots(params.typhoon_rate, n_hours, di.enabled),
        k_cut=event_slots(params.cut_rate, n_hours, bc.enabled and len(link_km) > 0),
        n_years=n_years if we.enabled and we.years else 1,
    )
    return params, sizes


def _lognormal_mean_one(z, chol):
    """exp(chol @ z - sigma^2 / 2): lognormal with mean 1 and covariance from `chol`."""
    sigma2 = jnp.sum(chol * chol, axis=1)
    return jnp.exp(chol @ z - 0.5 * sigma2)


def _exponential(u):
    """Unit exponential from uniform [0, 1) (never inf)."""
    return -jnp.log1p(-u)


def _uniform_int(u, low, high):
    """Integer uniform on [low, high] from uniform [0, 1)."""
    return jnp.minimum(low + jnp.floor(u * (high - low + 1)), high)


def _intervals(start, length, n_hours):
    """Integer [start, end) from float starts (inf: never) and lengths, clipped to the horizon."""
    start = jnp.floor(jnp.minimum(start, n_hours)).astype(jnp.int32)
    end = jnp.minimum(start + length.astype(jnp.int32), n_hours)
    return start, end


def _poisson_events(u, rate, n_hours, min_len, max_len):
    """[start, end) hours of a Poisson process per entity; u (entity, 2K) uniforms, rate per hour."""
    k = u.shape[1] // 2
    safe = jnp.where(rate > 0, rate, 1.0)[:, None]
    arrival = jnp.cumsum(_exponential(u[:, :k]), axis=1) / safe
    arrival = jnp.where(rate[:, None] > 0, arrival, jnp.inf)
    return _intervals(arrival, _uniform_int(u[:, k:], min_len, max_len), n_hours)


def _markov_outages(u, rate, repair_hours, n_hours):
    """Down spells of a two-state continuous-time Markov chain per site, starting up; u (site, 2K)."""
    k = u.shape[1] // 2
    up = jnp.where(rate > 0, _exponential(u[:, :k]) / jnp.where(rate > 0, rate, 1.0), jnp.inf)
    down = _exponential(u[:, k:]) * repair_hours
    # spell j starts after j + 1 up times and j down times
    start = jnp.cumsum(up, axis=1) + jnp.cumsum(down, axis=1) - down
    return _intervals(start, jnp.maximum(1.0, jnp.ceil(down)), n_hours)


def _segments(sizes: Sizes, n_nodes1: int, n_sites: int, n_areas: int, n_links: int):
    """(name, shape) of each driver's slice of a future's uniforms, in order."""
    d = sizes.n_days
    return [
        ("growth", (n_nodes1,)),
        ("day_offset", (d,)),
        ("weather_noise", (d, n_sites)),
        ("shocks", (2, n_areas)),
        ("stress", (n_areas, 2 * sizes.k_stress)),
        ("outage", (n_sites, 2 * sizes.k_outage)),
        ("quake", (n_areas, 2 * sizes.k_quake)),
        ("typhoon", (n_areas, 2 * sizes.k_typhoon)),
        ("cut", (n_links, 2 * sizes.k_cut)),
    ] + ([("year", (1,))] if sizes.n_years > 1 else [])  # last: one year leaves the rest as is


def _normal(u):
    """Standard normal from uniform [0, 1) by the inverse CDF (u kept off 0)."""
    tiny = jnp.finfo(u.dtype).eps
    return jnp.sqrt(2.0).astype(u.dtype) * jax.scipy.special.erfinv(
        2.0 * jnp.clip(u, tiny, 1.0 - tiny) - 1.0
    )


def sample_future(key, params: DriverParams, sizes: Sizes) -> Futures:
    """One future's compact description from its own key (see module docstring).

    One uniform draw per future, cut into one slice per driver (`_segments`):
    a single threefry call keeps compile time low. Growth, weather and shocks
    come first, so their draws never depend on the event drivers' settings.
    """
    dtype = params.noise_sigma.dtype
    n_areas, n_links = params.stress_rate.shape[0], params.cut_rate.shape[0]
    segments = _segments(sizes, params.growth_chol.shape[0], sizes.n_sites, n_areas, n_links)
    total = sum(int(np.prod(shape)) for _, shape in segments)
    flat = jax.random.uniform(key, (total,), dtype)
    u, at = {}, 0
    for name, shape in segments:
        size = int(np.prod(shape))
        u[name] = flat[at : at + size].reshape(shape)
        at += size

    growth = _lognormal_mean_one(_normal(u["growth"]), params.growth_chol)
    w = sizes.window_days
    offset = _uniform_int(u["day_offset"], -w, w).astype(jnp.int32)
    day_source = jnp.mod(jnp.arange(sizes.n_days) + offset, sizes.n_full_days).astype(jnp.int32)
    if sizes.n_years > 1:  # a whole weather year first: its days follow one another in the pool
        year = _uniform_int(u["year"][0], 0, sizes.n_years - 1).astype(jnp.int32)
        day_source = day_source + year * sizes.n_full_days
    weather_noise = jnp.maximum(0.0, 1.0 + params.noise_sigma * _normal(u["weather_noise"]))
    shock = _normal(u["shocks"])
    price_shock = _lognormal_mean_one(shock[0], params.shock_chol[0])
    co2_shock = _lognormal_mean_one(shock[1], params.shock_chol[1])

    n = sizes.n_hours
    stress = _poisson_events(u["stress"], params.stress_rate, n, *params.stress_hours)
    outage = _markov_outages(u["outage"], params.outage_rate, params.repair_hours, n)
    quake = _poisson_events(u["quake"], params.quake_rate, n, *(24 * params.quake_days))
    typhoon = _poisson_events(u["typhoon"], params.typhoon_rate, n, *(24 * params.typhoon_days))
    cut = _poisson_events(u["cut"], params.cut_rate, n, *params.cut_hours)
    return Futures(
        growth=growth,
        day_source=day_source,
        weather_noise=weather_noise,
        price_shock=price_shock,
        co2_shock=co2_shock,
        stress_start=stress[0],
        stress_end=stress[1],
        outage_start=outage[0],
        outage_end=outage[1],
        disaster_start=jnp.concatenate([quake[0], typhoon[0]], axis=1),
        disaster_end=jnp.concatenate([quake[1], typhoon[1]], axis=1),
        cut_start=cut[0],
        cut_end=cut[1],
    )


def sample_futures(
    seed: jax.Array, future_ids: jax.Array, params: DriverParams, sizes: Sizes
) -> Futures:
    """Compact descriptions of the futures `future_ids` (vmapped `sample_future`)."""
    base = jax.random.key(seed)
    return jax.vmap(lambda i: sample_future(jax.random.fold_in(base, i), params, sizes))(future_ids)
