"""Build the shipped `japan_2030` Scenario from the CSV tables in `japan_2030/`.

    python -m planner.datasets.build_japan_2030 [--jepx /work/shared/data/jepx]
        [--data-dir DIR] [--out FILE]

With `--jepx`, the real JEPX spot files are first reduced to the shipped
`jepx_hourly_2030.csv.gz` (10 areas x 8760 h, JPY/MWh, energy only) and
`jepx_day_map_2030.csv`; without it the build uses the shipped ones, so it runs
without the raw files. Every random stream derives from the `seed` parameter:
the same inputs give the same NetCDF. See `japan_2030/SOURCES.md`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time as clock
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.io import atomic_write
from planner.scenario import profiles
from planner.scenario.schema import apply_attrs

DATA_DIR = Path(__file__).parent / "japan_2030"
YEAR = 2030
JEPX_CSV = "jepx_hourly_2030.csv.gz"
DAY_MAP_CSV = "jepx_day_map_2030.csv"
CALIBRATION_CSV = "calibration_2030.csv"
GENS = ("solar", "wind_onshore", "wind_offshore")
BACKHAUL = ("fibre", "microwave", "5g", "6g")
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
EARTH_RADIUS_KM = 6371.0088
# Random streams (fold the stream id into the seed so adding one never shifts another)
STREAM = {"jepx": 0, "cloud_daily": 1, "cloud_hourly": 2, "wind": 3, "temperature": 4}


def hours() -> pd.DatetimeIndex:
    """The 8760 hour-beginning JST timestamps of 2030 (naive, local)."""
    return pd.date_range(f"{YEAR}-01-01", periods=8760, freq="h", name="time")


def rng_for(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, STREAM[stream]])


def read_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The human-readable input tables, indexed by their first column."""
    names = ("sites", "nodes", "areas", "generators", "backhaul", "parameters")
    names += ("temperature_monthly", "clearness_monthly", "inference_shape")
    return {n: pd.read_csv(data_dir / f"{n}.csv", index_col=0) for n in names}


# JEPX -------------------------------------------------------------------------------------------


def read_jepx(folder: Path, areas: pd.DataFrame) -> pd.DataFrame:
    """Observed hourly area prices (JPY/MWh) from the 30-min JEPX spot files, mainland areas."""
    columns = areas["jepx_column"].dropna()
    frames = []
    for path in sorted(Path(folder).glob("spot_summary_*.csv")):
        raw = pd.read_csv(path, encoding="utf-8")
        date = pd.to_datetime(raw.iloc[:, 0], format="mixed")
        slot = raw.iloc[:, 1].astype(int)
        stamp = date + pd.to_timedelta((slot - 1) // 2, unit="h")
        prices = raw[columns.to_list()].set_axis(columns.index, axis=1).astype(float)
        frames.append(prices.groupby(stamp.to_numpy()).mean() * 1000.0)  # JPY/kWh -> JPY/MWh
    observed = pd.concat(frames).sort_index()
    day = observed.index.normalize()
    complete = pd.Series(1, index=observed.index).groupby(day).transform("size") == 24
    return observed[complete.to_numpy() & observed.notna().all(axis=1).to_numpy()]


def derive_jepx_2030(
    observed: pd.DataFrame, areas: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map observed JEPX days onto the 2030 calendar; Okinawa gets the hourly mainland maximum.

    Returns (hourly prices JPY/MWh, time x area) and the day map (2030 date -> observed date).
    """
    observed_days = pd.DatetimeIndex(observed.index.normalize().unique())
    target_days = pd.date_range(f"{YEAR}-01-01", periods=365, freq="D")
    picks = profiles.match_days(observed_days, target_days, rng_for(seed, "jepx"))
    offsets = pd.to_timedelta(np.tile(np.arange(24), 365), unit="h")
    source_hours = picks.repeat(24) + offsets
    prices = observed.reindex(source_hours).set_axis(hours(), axis=0)
    for area in areas.index[areas["jepx_column"].isna()]:
        prices[area] = prices.max(axis=1)  # no JEPX price: proxy documented in SOURCES.md
    prices = prices[areas.index].round(1)
    day_map = pd.DataFrame(
        {"date": target_days.strftime("%Y-%m-%d"), "jepx_date": picks.strftime("%Y-%m-%d")}
    )
    return prices, day_map


def write_jepx(prices: pd.DataFrame, day_map: pd.DataFrame, data_dir: Path) -> None:
    out = prices.copy()
    out.index = out.index.strftime("%Y-%m-%dT%H:%M")
    out.to_csv(data_dir / JEPX_CSV, compression={"method": "gzip", "mtime": 0})
    day_map.to_csv(data_dir / DAY_MAP_CSV, index=False)


def read_jepx_2030(data_dir: Path) -> pd.DataFrame:
    prices = pd.read_csv(data_dir / JEPX_CSV, index_col=0)
    prices.index = pd.to_datetime(prices.index)
    return prices


# Weather ----------------------------------------------------------------------------------------


def weather(tables: dict[str, pd.DataFrame], time: pd.DatetimeIndex, seed: int) -> dict:
    """Temperature (site, time), capacity factors (site, gen, time) and the calibration table."""
    sites, par = tables["sites"], tables["parameters"]["value"]
    n_days = len(time) // 24
    days = pd.date_range(time[0], periods=n_days, freq="D")
    region = sites["area"].to_numpy()

    # Temperature: normals + regional/national daily anomaly (sd 2 C, persistence 0.7) + diurnal
    normals = tables["temperature_monthly"].loc[sites["temp_station"], MONTHS].to_numpy()
    z_temp = profiles.correlated_factor(
        rng_for(seed, "temperature"), n_days, region, (0.7, 0.7, 0.5), (0.5, 0.35, 0.15)
    )
    temp = profiles.temperature(time, normals, sites["daily_temp_range_c"].to_numpy(), 2.0 * z_temp)

    # Solar: daily clear-sky index (Beta marginal, persistence 0.5 day to day) + hourly noise
    clim = tables["clearness_monthly"].loc[sites["climate"], MONTHS].to_numpy()
    z_cloud = profiles.correlated_factor(
        rng_for(seed, "cloud_daily"), n_days, region, (0.5, 0.5, 0.3), (0.4, 0.4, 0.2)
    )
    kc_daily = profiles.clear_sky_index(z_cloud, profiles.monthly_to_daily(clim, days))
    noise = profiles.ar1(rng_for(seed, "cloud_hourly"), len(time), 0.8, len(sites))
    kc = np.clip(profiles.daily_to_hourly(kc_daily) * np.exp(0.15 * noise - 0.01125), 0.0, 1.1)

    # Wind: hourly factor, synoptic persistence (~30 h national), shared by onshore and offshore
    z_wind = profiles.correlated_factor(
        rng_for(seed, "wind"), len(time), region, (0.97, 0.95, 0.9), (0.45, 0.35, 0.2)
    )
    season = profiles.seasonal_cycle(time, float(par["wind_winter_amplitude"]))
    onshore_mod = season * profiles.diurnal_cycle(time, 0.05)
    shape = float(par["wind_weibull_k"])

    cf = np.zeros((len(sites), len(GENS), len(time)))
    rows = []
    for i, (name, s) in enumerate(sites.iterrows()):
        raw = profiles.solar_cf(
            time,
            s["lat"],
            s["lon"],
            kc[i],
            temp[i],
            tilt=float(par["pv_tilt_deg"]),
            dc_ac_ratio=float(par["pv_dc_ac_ratio"]),
            losses=float(par["pv_losses"]),
            gamma_pdc=float(par["pv_gamma_pdc"]),
        )
        cf[i, 0], solar_scale = profiles.calibrate_scale(raw, s["solar_cf_target"])
        cf[i, 1], on_scale = profiles.wind_cf(z_wind[i], onshore_mod, s["onshore_cf_target"], shape)
        off_scale = np.nan
        if s["offshore_potential_mw"] > 0:
            cf[i, 2], off_scale = profiles.wind_cf(
                z_wind[i], season, s["offshore_cf_target"], shape, curve={"rated": 12.0}
            )
        rows.append(
            {
                "site": name,
                "solar_raw_cf": raw.mean(),
                "solar_scale": solar_scale,
                "solar_cf": cf[i, 0].mean(),
                "onshore_weibull_scale_ms": on_scale,
                "onshore_cf": cf[i, 1].mean(),
                "offshore_weibull_scale_ms": off_scale,
                "offshore_cf": cf[i, 2].mean(),
                "temp_mean_c": temp[i].mean(),
                "temp_jul_aug_c": temp[i, (time.month == 7) | (time.month == 8)].mean(),
            }
        )
    return {"temp": temp, "cf": cf, "calibration": pd.DataFrame(rows).set_index("site")}


# Assembly ---------------------------------------------------------------------------------------


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance (km) between broadcast coordinate arrays in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def capital_recovery(rate: float, years: float) -> float:
    return rate / (1.0 - (1.0 + rate) ** -years)


def occto_path(par: pd.Series, fy: float) -> float:
    """New DC grid load (GW) on OCCTO's path, linear between FY2025 and FY2034."""
    g25, g34 = float(par["occto_dc_gw_fy2025"]), float(par["occto_dc_gw_fy2034"])
    return g25 + (g34 - g25) * (fy - 2025) / 9.0


def demand(tables: dict[str, pd.DataFrame], time: pd.DatetimeIndex) -> dict:
    """Base-case inference (node, time) and training (time,) IT demand in MW, and the scenarios."""
    par, nodes, shape = tables["parameters"]["value"], tables["nodes"], tables["inference_shape"]
    load_factor = par["occto_dc_twh_fy2034"] * 1e3 / (par["occto_dc_gw_fy2034"] * 8760)
    grid_gw = occto_path(par, par["demand_year_fy"])
    grid_twh = grid_gw * load_factor * 8.76
    it_mw = grid_twh * 1e6 / par["fleet_pue"] / 8760
    relative = profiles.diurnal_demand(
        time, shape["weekday"].to_numpy(), shape["weekend"].to_numpy()
    )
    share = nodes["inference_share"].to_numpy()[:, None] / nodes["inference_share"].sum()
    inference = (1 - par["training_share"]) * it_mw * share * relative[None, :]
    training = np.full(len(time), par["training_share"] * it_mw)
    scenarios = {
        "low": round(occto_path(par, par["low_year_fy"]) / grid_gw, 3),
        "base": 1.0,
        "high": round(occto_path(par, par["high_year_fy"]) / grid_gw, 3),
    }
    band = {"grid_gw_fy2030": grid_gw, "load_factor": load_factor, "grid_twh": grid_twh}
    band["it_twh"] = grid_twh / par["fleet_pue"]
    return {"inference": inference, "training": training, "scenarios": scenarios, "band": band}


def build(data_dir: Path = DATA_DIR) -> tuple[xr.Dataset, pd.DataFrame]:
    """The japan_2030 Scenario (contract units) and the calibration table."""
    tables = read_tables(data_dir)
    sites, nodes, areas = tables["sites"], tables["nodes"], tables["areas"]
    gens, backhaul, par = tables["generators"], tables["backhaul"], tables["parameters"]["value"]
    seed = int(par["seed"])
    time = hours()
    fx = float(par["fx_jpy_per_usd"])
    rate = float(par["discount_rate"])

    wx = weather(tables, time, seed)
    dem = demand(tables, time)
    jepx = read_jepx_2030(data_dir).reindex(time)[areas.index]
    pue = profiles.pue_from_temperature(
        wx["temp"], float(par["pue_floor"]), float(par["pue_free_cooling_c"]), par["pue_at_35c"]
    )
    build_cost = sites["dc_build_usd_per_w"].to_numpy() * 1e6 * fx  # JPY per MW of IT
    it_capex = (1 - par["shell_share"]) * build_cost
    basic_jpy_per_mw_yr = areas["wheeling_basic_jpy_per_kw_month"] * 12 * 1000
    crf_grid = capital_recovery(rate, float(par["grid_connection_lifetime"]))
    distance = par["route_factor"] * great_circle_km(
        nodes["lat"].to_numpy()[:, None],
        nodes["lon"].to_numpy()[:, None],
        sites["lat"].to_numpy()[None, :],
        sites["lon"].to_numpy()[None, :],
    )
    potential = sites[["solar_potential_mw", "onshore_potential_mw", "offshore_potential_mw"]]
    battery_power = par["battery_capex_power_usd_per_kw"] * 1000 * fx
    battery_energy = par["battery_capex_energy_usd_per_kwh"] * 1000 * fx
    flat = np.ones(len(time))

    f32 = np.float32
    ds = xr.Dataset(
        {
            "site_area": ("site", sites["area"].to_numpy().astype(object)),
            "site_lat": ("site", sites["lat"].to_numpy()),
            "site_lon": ("site", sites["lon"].to_numpy()),
            "site_it_max": ("site", sites["it_max_mw"].to_numpy(float)),
            "site_fixed_capex": (
                "site",
                par["shell_share"] * build_cost * par["shell_reference_mw"] * sites["land_factor"],
            ),
            "site_lifetime": float(par["site_lifetime"]),
            "it_capex": ("site", it_capex),
            "it_fom": ("site", par["it_fom_share"] * it_capex),
            "it_lifetime": float(par["it_lifetime"]),
            "pue": (("site", "time"), pue.astype(f32)),
            "cf": (("site", "gen", "time"), wx["cf"].astype(f32)),
            "gen_potential": (("site", "gen"), potential.to_numpy(float)),
            "gen_capex": ("gen", gens.loc[list(GENS), "capex_jpy_per_mw"].to_numpy(float)),
            "gen_fom": ("gen", gens.loc[list(GENS), "fom_jpy_per_mw_yr"].to_numpy(float)),
            "gen_lifetime": ("gen", gens.loc[list(GENS), "lifetime_yr"].to_numpy(float)),
            "battery_capex_power": float(battery_power),
            "battery_capex_energy": float(battery_energy),
            "battery_efficiency": float(par["battery_efficiency"]),
            "battery_fom": float(par["battery_fom_share"] * (battery_power + 4 * battery_energy)),
            "battery_lifetime": float(par["battery_lifetime"]),
            "grid_price": (
                ("area", "time"),
                (
                    jepx.to_numpy().T
                    + 1000 * areas["wheeling_energy_jpy_per_kwh"].to_numpy()[:, None]
                ).astype(f32),
            ),
            "grid_co2": (
                ("area", "time"),
                (areas["co2_t_per_mwh"].to_numpy()[:, None] * flat).astype(f32),
            ),
            "grid_cfe": (("area", "time"), (areas["cfe"].to_numpy()[:, None] * flat).astype(f32)),
            "grid_headroom": ("area", areas["headroom_mw"].to_numpy(float)),
            "grid_connection_capex": (
                "area",
                (areas["connection_works_jpy_per_mw"] + basic_jpy_per_mw_yr / crf_grid).to_numpy(),
            ),
            "grid_connection_lifetime": float(par["grid_connection_lifetime"]),
            "inference_demand": (("node", "time"), dem["inference"].astype(f32)),
            "training_demand": ("time", dem["training"].astype(f32)),
            "traffic_per_mw": ("node", nodes["traffic_gbps_per_mw"].to_numpy(float)),
            "node_latency_budget": ("node", nodes["latency_budget_ms"].to_numpy(float)),
            "node_lat": ("node", nodes["lat"].to_numpy()),
            "node_lon": ("node", nodes["lon"].to_numpy()),
            "distance": (("node", "site"), distance.round(1)),
            "backhaul_capex_per_gbps_km": (
                "backhaul",
                backhaul["capex_jpy_per_gbps_km"].to_numpy(float),
            ),
            "backhaul_fixed_capex": (
                "backhaul",
                backhaul["fixed_capex_jpy_per_gbps"].to_numpy(float),
            ),
            "backhaul_max_km": ("backhaul", backhaul["max_km"].to_numpy(float)),
            "backhaul_latency_per_km": ("backhaul", backhaul["latency_ms_per_km"].to_numpy(float)),
            "backhaul_base_latency": ("backhaul", backhaul["base_latency_ms"].to_numpy(float)),
            "backhaul_lifetime": ("backhaul", backhaul["lifetime_yr"].to_numpy(float)),
            "discount_rate": rate,
        },
        coords={
            "site": sites.index.to_list(),
            "area": areas.index.to_list(),
            "node": nodes.index.to_list(),
            "gen": list(GENS),
            "backhaul": backhaul.loc[list(BACKHAUL)].index.to_list(),
            "time": time,
        },
        attrs={
            "name": "japan_2030",
            "description": (
                "Japan AI data-centre build-out 2030: 18 candidate sites in 10 grid areas, "
                "10 metro demand nodes, 8760 h of 2030 (JST, hour-beginning); see SOURCES.md"
            ),
            "timezone": "Asia/Tokyo (JST, UTC+9), naive local hour-beginning timestamps",
            "demand_scenarios": json.dumps(dem["scenarios"]),
            "demand_band": json.dumps({k: round(float(v), 4) for k, v in dem["band"].items()}),
            "seed": seed,
            "sources": "planner/datasets/japan_2030/SOURCES.md",
        },
    )
    return apply_attrs(ds), wx["calibration"]


def encoding(ds: xr.Dataset) -> dict:
    """zlib-compressed float32 for the time series; everything else as is."""
    return {
        name: {"zlib": True, "complevel": 9, "shuffle": True}
        for name, da in ds.data_vars.items()
        if "time" in da.dims
    }


def save(ds: xr.Dataset, path: Path) -> Path:
    """Write the Scenario atomically (replacing an older build)."""
    enc = encoding(ds)
    return atomic_write(
        path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf", encoding=enc), overwrite=True
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jepx", type=Path, help="folder with JEPX spot_summary_*.csv (optional)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder of input CSVs")
    parser.add_argument("--out", type=Path, help="output .nc (default DATA_DIR/japan_2030.nc)")
    args = parser.parse_args(argv)
    start = clock.perf_counter()
    if args.jepx:
        tables = read_tables(args.data_dir)
        areas, seed = tables["areas"], int(tables["parameters"].loc["seed", "value"])
        prices, day_map = derive_jepx_2030(read_jepx(args.jepx, areas), areas, seed)
        write_jepx(prices, day_map, args.data_dir)
    ds, calibration = build(args.data_dir)
    out = args.out or args.data_dir / "japan_2030.nc"
    save(ds, out)
    calibration.round(4).to_csv(out.parent / CALIBRATION_CSV)
    size = out.stat().st_size / 1e6
    print(f"wrote {out} ({size:.2f} MB) in {clock.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["build", "derive_jepx_2030", "read_jepx", "main", "save"]
