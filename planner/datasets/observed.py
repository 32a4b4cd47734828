"""Derive the shipped observed profiles of `japan_2030` from the raw Japanese files.

Run by `python -m planner.datasets.build_japan_2030 --real-data PATH` only; the package ships
the derived `observed_profiles.nc` (area-level capacity-factor shapes per weather year, FY2024
grid carbon per area, station temperatures per year) and `jepx_hourly_2030.csv.gz`, never the
raw files. Every weather year is laid onto the scenario's 2030 calendar by month, day and hour
(fiscal years: April-December of Y then January-March of Y+1; 29 February dropped).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.datasets import jepx, jma, tso

# weather years and where each starts; FY2024 is the scenario's own year
YEARS = {f"FY{y}": pd.Timestamp(f"{y}-04-01") for y in range(2016, 2023)}
YEARS |= {"CY2023": pd.Timestamp("2023-01-01"), "FY2024": pd.Timestamp("2024-04-01")}
SCENARIO_YEAR = "FY2024"
# areas without observed hourly data in a year take the mean of these neighbours' shapes
NEIGHBOURS = {"tokyo": ("tohoku", "chubu"), "okinawa": ("kyushu",)}
# JMA stations with hourly files (lat, lon): PUE comes from the nearest one
STATIONS = {
    "sapporo": (43.060, 141.329),
    "sendai": (38.262, 140.897),
    "tokyo": (35.692, 139.750),
    "nagoya": (35.167, 136.965),
    "kanazawa": (36.588, 136.633),
}
STATION_NORMAL = {"sapporo": "Sapporo", "sendai": "Sendai", "tokyo": "Tokyo", "nagoya": "Nagoya"}
# fossil lifecycle intensity, tCO2/MWh (facts 1: CRIEPI via Denki Carbon); thermal "other"
# (by-product gases, mixed fuels) at oil's value is an assumption
FOSSIL_T_PER_MWH = {"coal": 0.943, "oil": 0.738, "lng": 0.474, "thermal_other": 0.738}
CLEAN = ("nuclear", "hydro", "geothermal", "biomass", "solar", "wind")


def calendar_2030(start: pd.Timestamp) -> pd.DatetimeIndex:
    """The 8760 observed hours that land on 2030-01-01 00:00 .. 2030-12-31 23:00, in that order."""
    target = pd.date_range("2030-01-01", periods=8760, freq="h")
    year = np.where(target.month >= start.month, start.year, start.year + 1)
    stamps = pd.to_datetime(
        {"year": year, "month": target.month, "day": target.day, "hour": target.hour}
    )
    return pd.DatetimeIndex(stamps)


def on_2030(da: xr.DataArray, start: pd.Timestamp) -> xr.DataArray:
    """`da` (..., time) for the weather year starting at `start`, on the 2030 hours."""
    hours = calendar_2030(start)
    out = da.reindex(time=hours)
    return out.assign_coords(time=pd.date_range("2030-01-01", periods=8760, freq="h"))


def solar_capacity(path: Path) -> pd.DataFrame:
    """Installed solar (MW) per area at the end of each December 2014-2023 (FIT portal)."""
    table = pd.read_csv(path)
    columns = [c for c in table.columns if c.startswith("PV_")]
    by_year = table[columns].T.groupby(lambda c: int(c.rsplit("_", 1)[1])).sum().T
    return by_year.groupby(table["epco"]).sum() / 1000.0  # kW -> MW


def capacity_at(capacity: pd.DataFrame, time: pd.DatetimeIndex) -> pd.DataFrame:
    """Capacity (time x area) linear between year ends, extrapolated with the last slope."""
    year_end = pd.to_datetime([f"{y}-12-31" for y in capacity.columns]).as_unit("s")
    year_end = year_end.astype("int64").to_numpy()
    t = pd.DatetimeIndex(time).as_unit("s").astype("int64").to_numpy()
    out = {}
    for area, row in capacity.iterrows():
        v = row.to_numpy(float)
        slope = (v[-1] - v[-2]) / (year_end[-1] - year_end[-2])
        out[area] = np.where(t > year_end[-1], v[-1] + slope * (t - year_end[-1]), 0.0) + np.where(
            t > year_end[-1], 0.0, np.interp(t, year_end, v)
        )
    return pd.DataFrame(out, index=time)


def _fill_neighbours(da: xr.DataArray, areas: list[str]) -> xr.DataArray:
    """(area, time) on all `areas`; an area without data takes its neighbours' mean shape."""
    da = da.reindex(area=areas)
    for area, near in NEIGHBOURS.items():
        if area in areas and bool(da.sel(area=area).isnull().all()):
            da.loc[{"area": area}] = da.sel(area=list(near)).mean("area")
    return da


def shapes(balance: xr.Dataset, capacity: pd.DataFrame, areas: list[str]) -> xr.Dataset:
    """Solar CF (output + curtailment over installed capacity) and relative wind output.

    Returns `solar` and `wind` (year, area, time) on the 2030 calendar. Wind has no yearly
    capacity table: each area's output + curtailment is divided by its log-linear trend over
    the years (fleet growth), so a year's level relative to the trend is kept; FY2024's
    trend value is 1.
    """
    time = pd.DatetimeIndex(balance["time"].values)
    cap = capacity_at(capacity, time).reindex(columns=list(balance["area"].values))
    cap = xr.DataArray(cap.to_numpy().T, dims=("area", "time"), coords={"area": cap.columns})
    cap = cap.assign_coords(time=balance["time"])
    solar = (balance["solar"] + balance["solar_curtailment"].fillna(0.0)) / cap
    wind = balance["wind"] + balance["wind_curtailment"].fillna(0.0)
    solar_y, wind_y = [], []
    for start in YEARS.values():
        solar_y.append(_fill_neighbours(on_2030(solar, start), areas))
        wind_y.append(on_2030(wind, start).reindex(area=areas))
    solar = xr.concat(solar_y, dim="year").assign_coords(year=list(YEARS))
    wind = xr.concat(wind_y, dim="year").assign_coords(year=list(YEARS))
    # trend of annual wind energy per area: log-linear in the year's mid-point
    mid = np.array([(s - YEARS[SCENARIO_YEAR]).days / 365.25 for s in YEARS.values()]) + 0.5
    energy = wind.mean("time")
    trend = xr.zeros_like(energy)
    for area in areas:
        e = energy.sel(area=area).to_numpy()
        ok = np.isfinite(e) & (e > 0)
        if ok.sum() >= 2:
            slope, level = np.polyfit(mid[ok] - 0.5, np.log(e[ok]), 1)
            trend.loc[{"area": area}] = np.exp(level + slope * (mid - 0.5))
        elif ok.sum() == 1:  # one observed year (Okinawa: FY2024): its own mean
            trend.loc[{"area": area}] = e[ok][0]
    wind = wind / trend.where(trend > 0)
    wind = xr.concat(
        [_fill_neighbours(wind.sel(year=y), areas) for y in YEARS], dim="year"
    ).assign_coords(year=list(YEARS))
    return xr.Dataset({"solar": solar.clip(0, None), "wind": wind.clip(0, None)}).fillna(0.0)


def grid_carbon(balance: xr.Dataset) -> xr.Dataset:
    """Hourly carbon-free share and CO2 intensity (area, time) of each area's own generation.

    CFE = carbon-free output / (carbon-free + fossil output); CO2 = fossil emissions over the
    same denominator, with fossil lifecycle factors and carbon-free sources at 0, so that
    CO2 / (1 - CFE) is the fossil mix's intensity (<= coal's 0.943 t/MWh) by construction.
    Storage, interconnector flows and "other" are left out (an area's own mix, not imports).
    """
    fy = balance.fillna(0.0)
    if "lng" not in fy:
        raise ValueError("grid carbon needs the fuel split (lng, coal, oil, thermal_other)")
    clean = sum(fy[name].clip(0, None) for name in CLEAN)
    fossil = sum(fy[name].clip(0, None) for name in FOSSIL_T_PER_MWH)
    co2 = sum(fy[name].clip(0, None) * f for name, f in FOSSIL_T_PER_MWH.items())
    total = clean + fossil
    return xr.Dataset({"grid_cfe": clean / total, "grid_co2": co2 / total})


def temperatures(folder: Path) -> xr.DataArray:
    """Hourly temperature (year, station, time) on the 2030 calendar; gaps filled by neighbours.

    A station-year with gaps is interpolated over up to 6 missing hours; longer gaps (Kanazawa
    after 2022) take Nagoya's hour plus the two stations' mean difference over common hours.
    """
    series = {s: jma.read_hourly(folder / f"{s}.csv")["temperature"] for s in STATIONS}
    time = pd.date_range("2030-01-01", periods=8760, freq="h", name="time")
    per_year = []
    for start in YEARS.values():
        frame = pd.DataFrame(
            {s: series[s].reindex(time=calendar_2030(start)).to_numpy() for s in STATIONS},
            index=time,
        )
        frame = frame.interpolate(limit=6, limit_area="inside")
        shift = (frame["kanazawa"] - frame["nagoya"]).mean()
        if not np.isfinite(shift):  # no common hour this year: the all-years mean difference
            shift = float((series["kanazawa"] - series["nagoya"]).mean())
        frame["kanazawa"] = frame["kanazawa"].fillna(frame["nagoya"] + shift)
        per_year.append(frame.interpolate(limit_direction="both").to_numpy().T)
    return xr.DataArray(
        np.stack(per_year),
        dims=("year", "station", "time"),
        coords={"year": list(YEARS), "station": list(STATIONS), "time": time},
    )


def jepx_2030(folder: Path, area_order: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hourly area prices (time x area, JPY/MWh) of the weather year FY2024 on the 2030 hours.

    JEPX files end in December 2024: January-March take January-March 2024 (the winter before,
    29 February dropped). Okinawa (no JEPX price) takes the hourly mainland maximum.
    """
    spot = jepx.read_spot(folder)["price"]
    target = pd.date_range("2030-01-01", periods=8760, freq="h")
    source = calendar_2030(YEARS[SCENARIO_YEAR])
    source = source.where(source.month >= 4, source - pd.DateOffset(years=1))
    prices = spot.reindex(time=source).to_pandas().T.set_axis(target, axis=0)
    if prices.isna().any().any():
        raise ValueError("JEPX prices missing for some hours of the mapped year")
    prices["okinawa"] = prices.max(axis=1)
    days = pd.DataFrame(
        {
            "date": target[::24].strftime("%Y-%m-%d"),
            "jepx_date": source[::24].strftime("%Y-%m-%d"),
        }
    )
    return prices[area_order].round(1), days


def read_balances(real: Path) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """The raw area balances: OCCTO FY2024 (10 areas), FY2016-CY2023 (8), TEPCO FY2019."""
    return (
        tso.read_area_balance(real / "tso_area_30min_fy2024"),
        tso.read_area_balance(real / "tso_area_hourly_fy2016_cy2023"),
        tso.read_area_balance(real / "tso_tokyo_hourly_fy2019" / "area-2019.csv"),
    )


def derive(real: Path, areas: list[str]) -> xr.Dataset:
    """The shipped observed-profile set from the raw folder (see module docstring)."""
    fy2024, older, tokyo19 = read_balances(real)
    keep = ["solar", "solar_curtailment", "wind", "wind_curtailment"]
    older = older[keep].combine_first(tokyo19[keep])
    late = fy2024[keep].sel(time=slice("2024-04-01", None))
    balance = older.combine_first(late)
    capacity = solar_capacity(real / "installed_capacity" / "pv_muni_params.csv")
    out = shapes(balance, capacity, areas)
    carbon = grid_carbon(fy2024.sel(time=slice("2024-04-01", "2025-03-31T23:00")))
    for name, da in carbon.items():
        out[name] = on_2030(da, YEARS[SCENARIO_YEAR]).reindex(area=areas)
    out["temperature"] = temperatures(real / "jma_hourly")
    observed = xr.Dataset(
        {
            "solar": on_2030(fy2024["solar"], YEARS[SCENARIO_YEAR]).reindex(area=areas),
            "wind": on_2030(fy2024["wind"], YEARS[SCENARIO_YEAR]).reindex(area=areas),
        }
    )
    daily = observed.coarsen(time=24).sum()  # MWh a day: aggregated, for the checks
    daily = daily.assign_coords(time=daily["time"].dt.floor("D")).rename(time="day")
    out["observed_solar_mwh"] = daily["solar"]
    out["observed_wind_mwh"] = daily["wind"]
    attrs = {
        "solar": ("1", "solar (output + curtailment) / installed capacity, per area"),
        "wind": ("1", "wind (output + curtailment) / log-linear trend of annual output"),
        "grid_cfe": ("1", "carbon-free share of the area's own generation, FY2024"),
        "grid_co2": ("tCO2/MWh", "fossil emissions over the area's own generation, FY2024"),
        "temperature": ("degC", "JMA hourly temperature (出典：気象庁ホームページ, processed)"),
        "observed_solar_mwh": ("MWh", "observed FY2024 daily solar output (net), for checks"),
        "observed_wind_mwh": ("MWh", "observed FY2024 daily wind output (net), for checks"),
    }
    for name, (units, text) in attrs.items():
        out[name] = out[name].astype(np.float32).assign_attrs(units=units, description=text)
    out.attrs = {
        "description": "derived hourly profiles of real weather years on the 2030 calendar",
        "years": ", ".join(YEARS),
        "neighbours": str(NEIGHBOURS),
        "sources": "planner/datasets/japan_2030/SOURCES.md (Observed data)",
    }
    return out


__all__ = ["YEARS", "calendar_2030", "derive", "grid_carbon", "jepx_2030", "on_2030", "shapes"]
