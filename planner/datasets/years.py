"""Per-site capacity factors and PUE of every real weather year: `weather_years("japan_2030")`.

The shipped `observed_profiles.nc` holds area-level shapes (solar CF, relative wind output)
and station temperatures per weather year; this module turns them into the scenario's
per-site `cf` (year, site, gen, time) and `pue` (year, site, time). The japan_2030 build uses
the same function for its own year (FY2024), so the scenario equals `weather_years(...)`'s
FY2024 slice by construction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.errors import ScenarioError
from planner.scenario import profiles

GENS = ("solar", "wind_onshore", "wind_offshore")
PROFILES_NC = "observed_profiles.nc"
EARTH_RADIUS_KM = 6371.0088
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def nearest_station(sites: pd.DataFrame, stations: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Each site's nearest JMA hourly station and its distance (km)."""
    names = list(stations)
    lat = np.array([stations[n][0] for n in names])
    lon = np.array([stations[n][1] for n in names])
    km = _km(sites["lat"].to_numpy()[:, None], sites["lon"].to_numpy()[:, None], lat, lon)
    best = km.argmin(axis=1)
    return pd.DataFrame(
        {"station": np.array(names)[best], "station_km": km[np.arange(len(sites)), best]},
        index=sites.index,
    )


def site_temperature(
    observed: xr.Dataset, sites: pd.DataFrame, normals: pd.DataFrame, stations: dict
) -> tuple[xr.DataArray, pd.DataFrame]:
    """Hourly temperature (year, site, time): nearest station's hour + monthly-normal offset.

    The offset is the site's own normal (`temp_station` in sites.csv) minus the JMA station's
    normal, interpolated from mid-month to days; 0 where the station has no normal (Kanazawa).
    """
    near = nearest_station(sites, stations)
    time = pd.DatetimeIndex(observed["time"].values)
    days = time[::24]
    station_normal = {"sapporo": "Sapporo", "sendai": "Sendai", "tokyo": "Tokyo"}
    station_normal |= {"nagoya": "Nagoya"}
    own = normals.loc[sites["temp_station"], MONTHS].to_numpy(float)
    ref = np.stack(
        [
            normals.loc[station_normal[s], MONTHS].to_numpy(float) if s in station_normal else row
            for s, row in zip(near["station"], own, strict=True)
        ]
    )
    offset = profiles.daily_to_hourly(profiles.monthly_to_daily(own - ref, days))
    base = observed["temperature"].sel(
        station=xr.DataArray(near["station"].to_numpy(), dims="site")
    )
    temp = base.drop_vars("station") + xr.DataArray(offset, dims=("site", "time"))
    near["offset_mean_c"] = offset.mean(axis=1)
    return temp.assign_coords(site=sites.index.to_list()), near


def site_cf(
    observed: xr.Dataset, sites: pd.DataFrame, offshore: pd.Series, year: str
) -> tuple[xr.DataArray, pd.DataFrame]:
    """Capacity factors (year, site, gen, time): the site's area shape x one scale per gen.

    Sites in one area share the area's hourly shape and differ in their annual mean: the scale
    is set (bisection, clipped at 1) so that the `year` mean equals the site's target in
    sites.csv; offshore takes the onshore shape scaled to the offshore target.
    """
    area = xr.DataArray(sites["area"].to_numpy(), dims="site")
    shape = {
        "solar": observed["solar"].sel(area=area).drop_vars("area"),
        "wind": observed["wind"].sel(area=area).drop_vars("area"),
    }
    plan = [
        ("solar", "solar", "solar_cf_target"),
        ("wind_onshore", "wind", "onshore_cf_target"),
        ("wind_offshore", "wind", "offshore_cf_target"),
    ]
    out, rows = [], {}
    for gen, kind, column in plan:
        ref = shape[kind].sel(year=year).to_numpy().astype(float)
        scale = np.array(
            [profiles.calibrate_scale(ref[i], t)[1] for i, t in enumerate(sites[column])]
        )
        if gen == "wind_offshore":
            scale = np.where(offshore.reindex(sites.index).to_numpy() > 0, scale, 0.0)
        rows[f"{gen}_scale"] = scale
        scaled = shape[kind].astype(float) * xr.DataArray(scale, dims="site")
        out.append(np.minimum(scaled, 1.0))
    cf = xr.concat(out, dim="gen").assign_coords(gen=list(GENS), site=sites.index.to_list())
    return cf.transpose("year", "site", "gen", "time"), pd.DataFrame(rows, index=sites.index)


def from_tables(observed: xr.Dataset, tables: dict, offshore: pd.Series) -> xr.Dataset:
    """`cf` and `pue` per weather year from the observed profiles and the build's tables."""
    from planner.datasets.observed import SCENARIO_YEAR, STATIONS

    sites, par = tables["sites"], tables["parameters"]["value"]
    cf, scales = site_cf(observed, sites, offshore, SCENARIO_YEAR)
    temp, near = site_temperature(observed, sites, tables["temperature_monthly"], STATIONS)
    pue = profiles.pue_from_temperature(
        temp.to_numpy(),
        float(par["pue_floor"]),
        float(par["pue_free_cooling_c"]),
        par["pue_at_35c"],
    )
    ds = xr.Dataset(
        {
            "cf": cf.astype(np.float32).assign_attrs(units="1", description="capacity factor"),
            "pue": (("year", "site", "time"), pue.astype(np.float32)),
            "temperature": temp.astype(np.float32).assign_attrs(units="degC"),
        }
    )
    ds["pue"].attrs = {"units": "1", "description": "PUE from the site's hourly temperature"}
    ds.attrs = {"scenario_year": SCENARIO_YEAR, "years": list(map(str, ds["year"].values))}
    return ds, scales.join(near)


def weather_years(name: str = "japan_2030") -> xr.Dataset:
    """Real weather years of a shipped scenario: `cf` (year, site, gen, time), `pue`, `temperature`.

    Only `japan_2030` has them (FY2016-FY2022, CY2023, FY2024 on the 2030 calendar).
    """
    from planner.datasets import build_japan_2030 as build

    if name != "japan_2030":
        raise ScenarioError(
            f"weather years: only japan_2030 ships real weather years, not {name!r}"
        )
    data = Path(build.DATA_DIR)
    observed = xr.load_dataset(data / PROFILES_NC, engine="h5netcdf")
    tables = build.read_tables(data)
    offshore = build.gen_potential(tables["sites"], tables["areas"])["wind_offshore"]
    return from_tables(observed, tables, offshore)[0]


__all__ = ["from_tables", "nearest_station", "site_cf", "site_temperature", "weather_years"]
