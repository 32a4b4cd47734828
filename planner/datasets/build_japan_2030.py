"""Build the shipped `japan_2030` Scenario from the tables and derived profiles in `japan_2030/`.

    python -m planner.datasets.build_japan_2030 [--real-data ../shared/data/japan_real]
        [--data-dir DIR] [--out FILE]

With `--real-data`, the raw TSO, JEPX, JMA and capacity files are first reduced to the
shipped derived files `observed_profiles.nc` (area-level hourly shapes of every real weather
year, FY2024 grid carbon, station temperatures; `planner.datasets.observed`),
`jepx_hourly_2030.csv.gz` and `jepx_day_map_2030.csv`; without it the build uses the shipped
ones, so it runs without the raw files. The same inputs give the same NetCDF.
See `japan_2030/SOURCES.md`.
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

from planner.datasets import observed, years
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
BACKUP = {  # Scenario scalar -> parameters.csv row
    "backup_capex": "backup_capex_jpy_per_mw",
    "backup_fom": "backup_fom_jpy_per_mw_yr",
    "backup_lifetime": "backup_lifetime",
    "backup_fuel_cost": "backup_fuel_cost_jpy_per_mwh",
    "backup_co2": "backup_co2_t_per_mwh",
    "backup_fuel_hours": "backup_fuel_hours",
    "backup_refuel_hours": "backup_refuel_hours",
}


def hours() -> pd.DatetimeIndex:
    """The 8760 hour-beginning JST timestamps of 2030 (naive, local)."""
    return pd.date_range(f"{YEAR}-01-01", periods=8760, freq="h", name="time")


def read_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The human-readable input tables, indexed by their first column."""
    names = ("sites", "nodes", "areas", "generators", "backhaul", "parameters")
    names += ("temperature_monthly", "inference_shape", "latency_classes")
    return {n: pd.read_csv(data_dir / f"{n}.csv", index_col=0) for n in names}


# Derived observed files ---------------------------------------------------------------------------


def write_jepx(prices: pd.DataFrame, day_map: pd.DataFrame, data_dir: Path) -> None:
    out = prices.copy()
    out.index = out.index.strftime("%Y-%m-%dT%H:%M")
    out.to_csv(data_dir / JEPX_CSV, compression={"method": "gzip", "mtime": 0})
    day_map.to_csv(data_dir / DAY_MAP_CSV, index=False)


def read_jepx_2030(data_dir: Path) -> pd.DataFrame:
    prices = pd.read_csv(data_dir / JEPX_CSV, index_col=0)
    prices.index = pd.to_datetime(prices.index)
    return prices


def write_observed(ds: xr.Dataset, data_dir: Path) -> Path:
    """The derived observed profiles, as int16 with a scale factor (about 2 MB)."""
    # wind is relative to its trend (peaks ~6); the rest are shares, degC or MWh
    scale = {"temperature": 0.01, "wind": 2e-4, "observed_solar_mwh": 1.0}
    scale["observed_wind_mwh"] = 1.0
    enc = {
        name: {
            "dtype": "int16" if name not in scale or scale[name] < 1 else "int32",
            "scale_factor": scale.get(name, 1e-4),
            "_FillValue": -32768 if name not in scale or scale[name] < 1 else -2147483648,
            "zlib": True,
            "complevel": 9,
            "shuffle": True,
        }
        for name in ds.data_vars
    }
    path = data_dir / years.PROFILES_NC
    return atomic_write(
        path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf", encoding=enc), overwrite=True
    )


def weather(tables: dict[str, pd.DataFrame], data_dir: Path) -> dict:
    """Temperature (site, time), capacity factors (site, gen, time), grid carbon (area, time)
    and the calibration table, all of the scenario's weather year (FY2024)."""
    profiles_ds = xr.load_dataset(data_dir / years.PROFILES_NC, engine="h5netcdf")
    offshore = gen_potential(tables["sites"], tables["areas"])["wind_offshore"]
    by_year, calibration = years.from_tables(profiles_ds, tables, offshore)
    one = by_year.sel(year=observed.SCENARIO_YEAR)
    cf = one["cf"].transpose("site", "gen", "time").to_numpy()
    temp = one["temperature"].transpose("site", "time").to_numpy().astype(float)
    calibration["solar_cf"] = cf[:, 0].mean(axis=1)
    calibration["onshore_cf"] = cf[:, 1].mean(axis=1)
    calibration["offshore_cf"] = cf[:, 2].mean(axis=1)
    calibration["temp_mean_c"] = temp.mean(axis=1)
    july_august = one["time"].dt.month.isin([7, 8]).to_numpy()
    calibration["temp_jul_aug_c"] = temp[:, july_august].mean(axis=1)
    calibration.index.name = "site"
    areas = list(tables["areas"].index)
    carbon = profiles_ds[["grid_cfe", "grid_co2"]].sel(area=areas)
    return {"temp": temp, "cf": cf, "carbon": carbon, "calibration": calibration}


# Off-site PPA -----------------------------------------------------------------------------------

ONSITE_COLUMNS = ("solar_potential_mw", "onshore_potential_mw", "offshore_potential_mw")
PPA_COLUMNS = ("ppa_solar_mw", "ppa_onshore_mw", "ppa_offshore_mw")


def ppa_split(sites: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Each site's share (MW, site x gen) of its area's off-site PPA potential.

    The area potential is split between the candidate sites of the area in proportion to
    their IT max (SOURCES.md, "Off-site PPA potential").
    """
    it_max = sites["it_max_mw"].astype(float)
    share = it_max / it_max.groupby(sites["area"]).transform("sum")
    area_ppa = areas.loc[sites["area"], list(PPA_COLUMNS)].to_numpy(float)
    return pd.DataFrame(area_ppa * share.to_numpy()[:, None], index=sites.index, columns=GENS)


def onsite_potential(sites: pd.DataFrame) -> pd.DataFrame:
    """`gen_potential` (MW, site x gen): on-site / private-line potential only."""
    return sites[list(ONSITE_COLUMNS)].set_axis(list(GENS), axis=1).astype(float)


def gen_potential(sites: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Every generator capacity a site can draw on (MW, site x gen): on site + its PPA share.

    Where this is positive the site gets a profile of that type (e.g. offshore wind
    reached only by PPA); the Scenario keeps the two parts apart (`gen_potential`
    on site, `ppa_potential`).
    """
    return onsite_potential(sites) + ppa_split(sites, areas)


# Assembly ---------------------------------------------------------------------------------------


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance (km) between broadcast coordinate arrays in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


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


def latency_class_vars(classes: pd.DataFrame, nodes: pd.DataFrame) -> dict:
    """Latency classes (latency_classes.csv) and each node's demand share per class (nodes.csv)."""
    share = nodes[[f"share_{c}" for c in classes.index]].to_numpy(float)
    return {
        "class_demand_share": (("node", "latency_class"), share),
        "class_latency_budget": ("latency_class", classes["budget_ms"].to_numpy(float)),
        "class_traffic_factor": ("latency_class", classes["traffic_factor"].to_numpy(float)),
    }


def build(data_dir: Path = DATA_DIR) -> tuple[xr.Dataset, pd.DataFrame]:
    """The japan_2030 Scenario (contract units) and the calibration table."""
    tables = read_tables(data_dir)
    sites, nodes, areas = tables["sites"], tables["nodes"], tables["areas"]
    gens, backhaul, par = tables["generators"], tables["backhaul"], tables["parameters"]["value"]
    seed = int(par["seed"])
    time = hours()
    fx = float(par["fx_jpy_per_usd"])
    rate = float(par["discount_rate"])

    wx = weather(tables, data_dir)
    dem = demand(tables, time)
    jepx = read_jepx_2030(data_dir).reindex(time)[areas.index]
    pue = profiles.pue_from_temperature(
        wx["temp"], float(par["pue_floor"]), float(par["pue_free_cooling_c"]), par["pue_at_35c"]
    )
    build_cost = sites["dc_build_usd_per_w"].to_numpy() * 1e6 * fx  # JPY per MW of IT
    it_capex = (1 - par["shell_share"]) * build_cost
    # TSO high-voltage wheeling tariff (facts 1): basic JPY/kW-month -> JPY/MW/yr, and the
    # energy part JPY/kWh -> JPY/MWh, paid on grid import and on the PPA energy wheeled in.
    basic_jpy_per_mw_yr = areas["wheeling_basic_jpy_per_kw_month"].to_numpy(float) * 12 * 1000
    energy_jpy_per_mwh = areas["wheeling_energy_jpy_per_kwh"].to_numpy(float) * 1000
    distance = par["route_factor"] * great_circle_km(
        nodes["lat"].to_numpy()[:, None],
        nodes["lon"].to_numpy()[:, None],
        sites["lat"].to_numpy()[None, :],
        sites["lon"].to_numpy()[None, :],
    )
    potential = onsite_potential(sites)
    ppa = areas[list(PPA_COLUMNS)].set_axis(list(GENS), axis=1).astype(float)
    ppa = {area: row.to_dict() for area, row in ppa.iterrows()}
    battery_power = par["battery_capex_power_usd_per_kw"] * 1000 * fx
    battery_energy = par["battery_capex_energy_usd_per_kwh"] * 1000 * fx

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
            "ppa_potential": (("site", "gen"), ppa_split(sites, areas).to_numpy(float)),
            "gen_capex": ("gen", gens.loc[list(GENS), "capex_jpy_per_mw"].to_numpy(float)),
            "gen_fom": ("gen", gens.loc[list(GENS), "fom_jpy_per_mw_yr"].to_numpy(float)),
            "gen_lifetime": ("gen", gens.loc[list(GENS), "lifetime_yr"].to_numpy(float)),
            "battery_capex_power": float(battery_power),
            "battery_capex_energy": float(battery_energy),
            "battery_efficiency": float(par["battery_efficiency"]),
            "battery_fom": float(par["battery_fom_share"] * (battery_power + 4 * battery_energy)),
            "battery_lifetime": float(par["battery_lifetime"]),
            "grid_price": (("area", "time"), jepx.to_numpy().T.astype(f32)),
            "grid_co2": (("area", "time"), wx["carbon"]["grid_co2"].to_numpy().astype(f32)),
            "grid_cfe": (("area", "time"), wx["carbon"]["grid_cfe"].to_numpy().astype(f32)),
            "grid_headroom": ("area", areas["headroom_mw"].to_numpy(float)),
            "grid_connection_capex": ("area", areas["connection_works_jpy_per_mw"].to_numpy(float)),
            "grid_connection_lifetime": float(par["grid_connection_lifetime"]),
            "grid_wheeling_charge": ("area", basic_jpy_per_mw_yr),
            "grid_energy_charge": ("area", energy_jpy_per_mwh),
            "ppa_wheeling_charge": ("area", energy_jpy_per_mwh),
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
            "backhaul_route_factor": ("backhaul", backhaul["route_factor"].to_numpy(float)),
            **latency_class_vars(tables["latency_classes"], nodes),
            **{name: float(par[column]) for name, column in BACKUP.items()},
            "discount_rate": rate,
        },
        coords={
            "site": sites.index.to_list(),
            "area": areas.index.to_list(),
            "node": nodes.index.to_list(),
            "gen": list(GENS),
            "backhaul": backhaul.loc[list(BACKHAUL)].index.to_list(),
            "latency_class": tables["latency_classes"].index.to_list(),
            "time": time,
        },
        attrs={
            "name": "japan_2030",
            "description": (
                "Japan AI data-centre build-out 2030: 21 candidate sites (3 city edge sites) "
                "in 10 grid areas, "
                "10 metro demand nodes, 8760 h of 2030 (JST, hour-beginning); generator potential "
                "on site and off-site PPA (share of the area) apart; weather, grid carbon and prices "
                "of the observed year FY2024 laid on the 2030 calendar; see SOURCES.md"
            ),
            "weather_year": observed.SCENARIO_YEAR,
            "timezone": "Asia/Tokyo (JST, UTC+9), naive local hour-beginning timestamps",
            "demand_scenarios": json.dumps(dem["scenarios"]),
            "demand_band": json.dumps({k: round(float(v), 4) for k, v in dem["band"].items()}),
            "ppa_potential": json.dumps(ppa),
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
    parser.add_argument(
        "--real-data", type=Path, help="folder of raw Japanese files (shared/data/japan_real)"
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder of input CSVs")
    parser.add_argument("--out", type=Path, help="output .nc (default DATA_DIR/japan_2030.nc)")
    args = parser.parse_args(argv)
    start = clock.perf_counter()
    if args.real_data:
        areas = list(read_tables(args.data_dir)["areas"].index)
        write_observed(observed.derive(args.real_data, areas), args.data_dir)
        prices, day_map = observed.jepx_2030(args.real_data / "jepx_30min_cy2021_2024", areas)
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


__all__ = [
    "build",
    "gen_potential",
    "main",
    "onsite_potential",
    "ppa_split",
    "read_jepx_2030",
    "save",
    "weather",
]
