"""Hourly profile generation: weather factors, solar and wind capacity factors, temperature, PUE.

Everything here is a pure function of arrays and a `numpy.random.Generator`,
so a build with a fixed seed is reproducible. Arrays are (site, time) unless
said; `time` is one year of hourly, hour-beginning, local (JST) timestamps.

Spatial correlation: every weather series is a sum of a national factor, a
regional (grid-area) factor and a local factor, so sites see the same weather
on the same day; a Monte Carlo that resamples whole days across all sites
keeps that correlation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
from scipy import signal, special, stats

TZ = "Asia/Tokyo"


def ar1(rng: np.random.Generator, n: int, phi: float, size: int = 1) -> np.ndarray:
    """`size` independent stationary AR(1) series of length `n`, unit variance: (size, n)."""
    eps = rng.standard_normal((size, n))
    eps[:, 0] /= np.sqrt(1.0 - phi**2)  # start in the stationary distribution
    return signal.lfilter([np.sqrt(1.0 - phi**2)], [1.0, -phi], eps, axis=1)


def correlated_factor(
    rng: np.random.Generator,
    n: int,
    region: np.ndarray,
    phi: tuple[float, float, float],
    weights: tuple[float, float, float],
) -> np.ndarray:
    """Unit-variance Gaussian series per site: national + regional + local AR(1) parts.

    `region` (site,) labels the region of each site; `phi` and `weights`
    (variance shares, summing to 1) are for the national, regional and local
    parts. Returns (site, n).
    """
    labels, index = np.unique(region, return_inverse=True)
    national = ar1(rng, n, phi[0], 1)
    regional = ar1(rng, n, phi[1], len(labels))[index]
    local = ar1(rng, n, phi[2], len(region))
    w = np.sqrt(np.asarray(weights) / np.sum(weights))
    return w[0] * national + w[1] * regional + w[2] * local


def monthly_to_daily(monthly: np.ndarray, days: pd.DatetimeIndex) -> np.ndarray:
    """Interpolate (site, 12) monthly means, placed mid-month, to (site, day), periodic in the year."""
    mid = pd.DatetimeIndex([pd.Timestamp(days[0].year, m, 15) for m in range(1, 13)])
    x = np.concatenate([mid.day_of_year - 365, mid.day_of_year, mid.day_of_year + 365])
    y = np.concatenate([monthly, monthly, monthly], axis=1)
    return np.stack([np.interp(days.day_of_year, x, row) for row in y])


def daily_to_hourly(daily: np.ndarray) -> np.ndarray:
    """Repeat (site, day) values to (site, day * 24)."""
    return np.repeat(daily, 24, axis=1)


def clear_sky_index(
    z_daily: np.ndarray, mean_daily: np.ndarray, concentration: float = 4.0
) -> np.ndarray:
    """Daily clear-sky index from a Gaussian weather factor via a Beta marginal.

    `z_daily` (site, day) unit-variance Gaussian; `mean_daily` (site, day) the
    climatological mean index. The Beta(mean * c, (1 - mean) * c) marginal
    spans overcast to clear days; the Gaussian copula keeps the factor's
    persistence and spatial correlation.
    """
    u = np.clip(special.ndtr(z_daily), 1e-6, 1 - 1e-6)
    a = mean_daily * concentration
    b = (1.0 - mean_daily) * concentration
    return stats.beta.ppf(u, a, b)


def solar_cf(
    time: pd.DatetimeIndex,
    lat: float,
    lon: float,
    clear_index: np.ndarray,
    temp_air: np.ndarray,
    tilt: float = 20.0,
    dc_ac_ratio: float = 1.25,
    losses: float = 0.14,
    gamma_pdc: float = -0.004,
) -> np.ndarray:
    """AC capacity factor (per MW of inverter) of fixed south-facing PV at one site, (time,).

    Sun position and Ineichen clear-sky irradiance (pvlib, Linke turbidity
    climatology) at the half hour of each hour-beginning step, GHI = clear-sky
    GHI x `clear_index`, Erbs split into beam and diffuse, isotropic transposition
    to the tilted plane, Faiman cell temperature, PVWatts DC model, inverter
    clipping at 1.
    """
    mid = time.tz_localize(TZ) + pd.Timedelta(minutes=30)
    loc = pvlib.location.Location(lat, lon, tz=TZ)
    sun = loc.get_solarposition(mid)
    clear = loc.get_clearsky(mid, model="ineichen", solar_position=sun)
    ghi = clear["ghi"].to_numpy() * clear_index
    split = pvlib.irradiance.erbs(ghi, sun["zenith"].to_numpy(), mid)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt,
        180.0,
        sun["apparent_zenith"].to_numpy(),
        sun["azimuth"].to_numpy(),
        dni=np.nan_to_num(np.asarray(split["dni"])),
        ghi=ghi,
        dhi=np.nan_to_num(np.asarray(split["dhi"])),
        model="isotropic",
    )["poa_global"]
    poa = np.nan_to_num(np.asarray(poa, dtype=float)).clip(min=0.0)
    t_cell = pvlib.temperature.faiman(poa, temp_air, wind_speed=2.0)
    dc = pvlib.pvsystem.pvwatts_dc(poa, t_cell, pdc0=1.0, gamma_pdc=gamma_pdc)
    return np.clip(dc * dc_ac_ratio * (1.0 - losses), 0.0, 1.0)


def calibrate_scale(raw: np.ndarray, target: float, iters: int = 60) -> tuple[np.ndarray, float]:
    """Scale (time,) capacity factors so the clipped annual mean is `target`; returns (cf, scale)."""
    lo, hi = 0.0, 10.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.minimum(mid * raw, 1.0).mean() < target else (lo, mid)
    scale = 0.5 * (lo + hi)
    return np.minimum(scale * raw, 1.0), scale


def power_curve(
    speed: np.ndarray, cut_in: float = 3.0, rated: float = 12.5, cut_out: float = 25.0
) -> np.ndarray:
    """Generic turbine output per MW rated: cubic from cut-in to rated, 1 to cut-out, 0 beyond."""
    ramp = (speed**3 - cut_in**3) / (rated**3 - cut_in**3)
    out = np.where(speed < cut_in, 0.0, np.where(speed < rated, ramp, 1.0))
    return np.where(speed >= cut_out, 0.0, out)


def weibull_speed(z: np.ndarray, scale: np.ndarray | float, shape: float) -> np.ndarray:
    """Wind speed (m/s) with a Weibull(scale, shape) marginal from a unit Gaussian factor."""
    u = np.clip(special.ndtr(z), 1e-9, 1 - 1e-9)
    return scale * (-np.log1p(-u)) ** (1.0 / shape)


def wind_cf(
    z: np.ndarray,
    modulation: np.ndarray,
    target: float,
    shape: float = 2.0,
    availability: float = 0.97,
    curve: dict | None = None,
    iters: int = 50,
) -> tuple[np.ndarray, float]:
    """Capacity factor (time,) calibrated to annual mean `target`; returns (cf, Weibull scale m/s).

    Speed = Weibull-transformed factor `z` x `modulation` (seasonal and diurnal
    cycle, mean ~1); the Weibull scale is found by bisection so the mean CF
    after the power curve and `availability` equals `target`.
    """
    curve = curve or {}
    base = weibull_speed(z, 1.0, shape) * modulation

    def mean_cf(scale: float) -> float:
        return availability * power_curve(scale * base, **curve).mean()

    lo, hi = 0.5, 20.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mean_cf(mid) < target else (lo, mid)
    scale = 0.5 * (lo + hi)
    return availability * power_curve(scale * base, **curve), scale


def seasonal_cycle(time: pd.DatetimeIndex, amplitude: float, peak_doy: int = 15) -> np.ndarray:
    """1 + amplitude x cos over the year, peaking on day `peak_doy`: (time,)."""
    return 1.0 + amplitude * np.cos(2 * np.pi * (time.day_of_year.to_numpy() - peak_doy) / 365.0)


def diurnal_cycle(time: pd.DatetimeIndex, amplitude: float, peak_hour: float = 14.0) -> np.ndarray:
    """1 + amplitude x cos over the day, peaking at `peak_hour` local time: (time,)."""
    return 1.0 + amplitude * np.cos(2 * np.pi * (time.hour.to_numpy() - peak_hour) / 24.0)


def temperature(
    time: pd.DatetimeIndex, monthly: np.ndarray, daily_range: np.ndarray, anomaly: np.ndarray
) -> np.ndarray:
    """Hourly air temperature (degC), (site, time).

    Monthly normals (site, 12) interpolated to days, plus a daily anomaly
    (site, day) in degC, plus a cosine diurnal cycle of `daily_range` (site,)
    peaking at 14:00 and lowest at 02:00.
    """
    days = pd.date_range(time[0], periods=len(time) // 24, freq="D")
    mean = daily_to_hourly(monthly_to_daily(monthly, days) + anomaly)
    cycle = 0.5 * np.asarray(daily_range)[:, None] * (diurnal_cycle(time, 1.0) - 1.0)[None, :]
    return mean + cycle


def pue_from_temperature(
    temp: np.ndarray, floor: float = 1.15, free_cooling_c: float = 18.0, at_35c: float = 1.40
) -> np.ndarray:
    """PUE from outdoor temperature: `floor` up to `free_cooling_c`, linear to `at_35c` at 35 C and beyond."""
    slope = (at_35c - floor) / (35.0 - free_cooling_c)
    return floor + slope * np.clip(temp - free_cooling_c, 0.0, None)


def diurnal_demand(time: pd.DatetimeIndex, weekday: np.ndarray, weekend: np.ndarray) -> np.ndarray:
    """Relative demand (time,) from 24-hour weekday and weekend shapes, normalised to mean 1."""
    hour = time.hour.to_numpy()
    shape = np.where(time.day_of_week.to_numpy() >= 5, weekend[hour], weekday[hour])
    return shape / shape.mean()


def match_days(
    observed: pd.DatetimeIndex,
    target: pd.DatetimeIndex,
    rng: np.random.Generator,
    window: int = 3,
    fill_pool: int = 4,
) -> pd.DatetimeIndex:
    """Pick an observed day for each target day, same weekday, nearest in the season.

    Seasonal distance is the circular day-of-year distance. A target day
    within `window` days of observed days of the same weekday takes one of
    them at random (one per observed year, typically); a day outside the
    observed season (winter) takes one at random from the `fill_pool`
    nearest same-weekday observed days.
    """
    obs_doy = observed.day_of_year.to_numpy()
    obs_dow = observed.day_of_week.to_numpy()
    picks = []
    for day in target:
        same = np.flatnonzero(obs_dow == day.day_of_week)
        gap = np.abs(obs_doy[same] - day.day_of_year)
        gap = np.minimum(gap, 365 - gap)
        order = np.argsort(gap, kind="stable")
        near = same[order][gap[order] <= window]
        pool = near if len(near) else same[order][:fill_pool]
        picks.append(observed[rng.choice(pool)])
    return pd.DatetimeIndex(picks)
