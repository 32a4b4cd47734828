"""The shipped japan_2030 Scenario: sizes, calibration targets, sources-consistent totals, rebuild."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import planner
from planner.datasets import build_japan_2030 as build
from planner.datasets import observed
from planner.scenario.validate import class_reachable, link_latency, scenario_reachable

DATA = build.DATA_DIR
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "japan_real"


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    return planner.validate(planner.load_scenario("japan_2030"))


@pytest.fixture(scope="module")
def sites() -> pd.DataFrame:
    return pd.read_csv(DATA / "sites.csv", index_col=0)


def test_sizes(ds):
    assert ds.sizes["site"] >= 15
    assert len(np.unique(ds["site_area"].values)) >= 9
    assert ds.sizes["area"] == 10
    assert ds.sizes["node"] >= 8
    assert ds.sizes["time"] == 8760
    assert list(ds["gen"].values) == ["solar", "wind_onshore", "wind_offshore"]
    assert list(ds["backhaul"].values) == ["fibre", "microwave", "5g", "6g"]
    assert list(ds["latency_class"].values) == ["realtime", "interactive", "standard"]
    step = np.diff(ds["time"].values).astype("timedelta64[h]").astype(int)
    assert (step == 1).all()
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2030-01-01 00:00")


def test_sites_can_hold_the_high_case(ds):
    high = planner.load_scenario("japan_2030", demand="high")
    peak_it = float((high["inference_demand"].sum("node") + high["training_demand"]).max())
    assert float(ds["site_it_max"].sum()) > peak_it
    # Tokyo's grid is tight: its headroom cannot carry the high case's Tokyo inference at PUE 1.2
    tokyo_peak = float(high["inference_demand"].sel(node="tokyo").max())
    assert float(ds["grid_headroom"].sel(area="tokyo")) < 1.2 * tokyo_peak


def test_units_on_every_variable(ds):
    missing = [name for name in ds.data_vars if "units" not in ds[name].attrs]
    assert missing == []


def test_time_series_stored_as_float32():
    raw = xr.open_dataset(DATA / "japan_2030.nc", engine="h5netcdf")
    try:
        for name in ("cf", "pue", "grid_price", "inference_demand"):
            assert raw[name].dtype == np.float32
            assert raw[name].encoding.get("zlib") or raw[name].encoding.get("compression")
    finally:
        raw.close()


def _it_energy_twh(scn: xr.Dataset) -> float:
    return float(scn["inference_demand"].sum() + scn["training_demand"].sum()) / 1e6


def test_base_demand_matches_occto_interpolation(ds):
    # OCCTO (facts 4): new DC load 0.47 GW FY2025 -> 6.16 GW / 44 TWh FY2034, linear to FY2030
    gw_2030 = 0.47 + (6.16 - 0.47) * 5 / 9
    grid_twh = gw_2030 * 8.76 * 44.0 / (6.16 * 8.76)
    fleet_pue = 1.3  # parameters.csv
    assert _it_energy_twh(ds) * fleet_pue == pytest.approx(grid_twh, rel=0.02)
    assert 20.0 < grid_twh < 30.0


def test_demand_scenarios_ordered():
    totals = {
        d: _it_energy_twh(planner.load_scenario("japan_2030", demand=d))
        for d in ("low", "base", "high")
    }
    assert totals["low"] < totals["base"] < totals["high"]
    # the high case reaches OCCTO's FY2034 44 TWh of grid energy (at fleet PUE 1.3)
    assert totals["high"] * 1.3 == pytest.approx(44.0, rel=0.02)


def test_training_flat_and_inference_diurnal(ds):
    training = ds["training_demand"].values
    assert np.ptp(training) < 1e-3 * training.mean()
    tokyo = ds["inference_demand"].sel(node="tokyo").to_series()
    by_hour = tokyo.groupby(tokyo.index.hour).mean()
    assert by_hour.idxmin() in (3, 4, 5)
    assert by_hour.max() / by_hour.min() > 1.5


def test_solar_and_wind_calibrated(ds, sites):
    mean = ds["cf"].mean("time").to_pandas()
    np.testing.assert_allclose(mean["solar"], sites["solar_cf_target"], atol=0.002)
    np.testing.assert_allclose(mean["wind_onshore"], sites["onshore_cf_target"], atol=0.002)
    # an offshore profile wherever offshore can be built, on site or by off-site PPA
    offshore = build.gen_potential(sites, pd.read_csv(DATA / "areas.csv", index_col=0))
    offshore = offshore["wind_offshore"] > 0
    np.testing.assert_allclose(
        mean.loc[offshore, "wind_offshore"], sites.loc[offshore, "offshore_cf_target"], atol=0.002
    )
    assert (mean.loc[~offshore, "wind_offshore"] == 0).all()
    assert (mean.loc[offshore, "wind_offshore"] > mean.loc[offshore, "wind_onshore"]).all()
    pot = ds["gen_potential"].to_pandas()
    national = {g: (mean[g] * pot[g]).sum() / pot[g].sum() for g in ("solar", "wind_onshore")}
    assert national["solar"] == pytest.approx(0.172, abs=0.005)  # METI Cost WG 17.2 %
    assert national["wind_onshore"] == pytest.approx(0.291, abs=0.01)  # committee 29.1 %


def test_gen_potential_is_onsite_plus_area_ppa(ds, sites):
    areas = pd.read_csv(DATA / "areas.csv", index_col=0)
    ppa = areas[["ppa_solar_mw", "ppa_onshore_mw", "ppa_offshore_mw"]].set_axis(
        list(build.GENS), axis=1
    )
    onsite = sites[["solar_potential_mw", "onshore_potential_mw", "offshore_potential_mw"]]
    onsite = onsite.set_axis(list(build.GENS), axis=1).groupby(sites["area"]).sum()
    # on site apart from the PPA share (ppa_potential); together they are the area's total
    np.testing.assert_allclose(
        ds["gen_potential"].to_pandas(), sites[list(build.ONSITE_COLUMNS)].to_numpy(float)
    )
    total = (ds["gen_potential"] + ds["ppa_potential"]).to_pandas()
    model = total.groupby(ds["site_area"].values).sum()
    expected = (onsite + ppa).loc[model.index]
    np.testing.assert_allclose(model.to_numpy(), expected.to_numpy(), rtol=1e-9)
    # every area with candidate sites gets its PPA potential, and the attr records it
    assert set(model.index) == set(areas.index)
    attr = pd.DataFrame(json.loads(ds.attrs["ppa_potential"])).T.loc[ppa.index, ppa.columns]
    np.testing.assert_allclose(attr.to_numpy(), ppa.to_numpy())
    # within an area the PPA part is split in proportion to IT max (SOURCES.md)
    share = total - sites[
        ["solar_potential_mw", "onshore_potential_mw", "offshore_potential_mw"]
    ].set_axis(list(build.GENS), axis=1)
    tohoku = sites.index[sites["area"] == "tohoku"]
    per_mw = share.loc[tohoku, "solar"] / sites.loc[tohoku, "it_max_mw"]
    assert np.ptp(per_mw.to_numpy()) < 1e-9
    # sized so that renewables can carry the base load ~3x over and the high case ~2x
    re_mw = float((ds["cf"].mean("time") * (ds["gen_potential"] + ds["ppa_potential"])).sum())
    high = planner.load_scenario("japan_2030", demand="high")
    for scn, low, up in ((ds, 3.0, 4.0), (high, 1.7, 2.5)):
        facility = float(
            (
                (scn["inference_demand"].sum("node") + scn["training_demand"])
                * scn["pue"].mean("site")
            ).mean()
        )
        assert low < re_mw / facility < up
    text = (DATA / "SOURCES.md").read_text()
    assert "Off-site PPA potential" in text


def test_solar_is_zero_at_night_and_peaks_at_noon(ds):
    solar = ds["cf"].sel(gen="solar", site="inzai").to_series()
    by_hour = solar.groupby(solar.index.hour).mean()
    assert by_hour[[0, 1, 2, 3, 21, 22, 23]].max() == 0.0
    assert by_hour.idxmax() in (11, 12)


def test_weather_is_spatially_correlated(ds):
    daily = ds["cf"].coarsen(time=24).mean()
    solar = np.corrcoef(daily.sel(gen="solar").values)
    wind = np.corrcoef(daily.sel(gen="wind_onshore").values)
    i, j = list(ds["site"].values).index("ishikari"), list(ds["site"].values).index("tomakomai")
    assert solar[i, j] > 0.6 and wind[i, j] > 0.6
    off_diagonal = solar[~np.eye(len(solar), dtype=bool)]
    assert off_diagonal.mean() > 0.3


def test_hokkaido_beats_tokyo_on_summer_pue(ds):
    summer = ds["pue"].sel(time=ds["time"].dt.month.isin([7, 8])).mean("time")
    area = ds["site_area"]
    assert float(summer.where(area == "hokkaido", drop=True).max()) < float(
        summer.where(area == "tokyo", drop=True).min()
    )


def test_grid_price_matches_shipped_jepx_profile(ds):
    jepx = pd.read_csv(DATA / build.JEPX_CSV, index_col=0)
    areas = pd.read_csv(DATA / "areas.csv", index_col=0)
    # the energy part of the wheeling tariff is apart (grid_energy_charge), not in the price
    adder = areas["wheeling_energy_jpy_per_kwh"] * 1000
    np.testing.assert_allclose(ds["grid_energy_charge"].to_pandas()[adder.index], adder)
    model = ds["grid_price"].mean("time").to_pandas()
    np.testing.assert_allclose(model[jepx.columns], jepx.mean(), rtol=0.002)
    # the mapped year stays between the 2023 and 2024 partial-year JEPX means (facts 1, JPY/kWh)
    facts_2023 = {"hokkaido": 11.64, "tokyo": 12.41, "kansai": 9.26, "kyushu": 8.52}
    facts_2024 = {"hokkaido": 12.22, "tokyo": 13.72, "kansai": 11.31, "kyushu": 10.69}
    for area, low in facts_2023.items():
        assert 0.9 * low * 1000 < jepx[area].mean() < 1.1 * facts_2024[area] * 1000


def test_every_node_reachable_and_tokyo_reaches_hokkaido_by_fibre(ds):
    ok = scenario_reachable(ds)
    assert bool(ok.any(("site", "backhaul")).all())
    assert bool(ok.sel(node="tokyo", site="ishikari", backhaul="fibre"))
    assert not bool(ok.sel(node="tokyo", site="ishikari", backhaul="5g"))
    # Okinawa serves Tokyo's standard class only (fibre 2 + 0.0049 x ~2,000 km > 5 ms)
    by_class = class_reachable(ds).sel(node="tokyo", site="urasoe").any("backhaul")
    assert by_class.values.tolist() == [False, False, True]


def test_every_nodes_realtime_class_has_an_edge_site_by_radio_only(ds):
    ok = class_reachable(ds)
    realtime = ok.sel(latency_class="realtime")
    assert bool(realtime.any(("site", "backhaul")).all())  # validate says so too
    assert not bool(realtime.sel(backhaul=["fibre", "microwave"]).any())
    # 5G to an edge site meets 1.5 ms: 1.0 + 0.0049 x route km (Otemachi is 1 km off Tokyo)
    lat = link_latency(ds).sel(node="tokyo", site="otemachi", backhaul="5g")
    assert float(lat) == pytest.approx(
        1.0 + 0.0049 * float(ds["distance"].sel(node="tokyo", site="otemachi"))
    )
    # Niigata is reached only through its new edge site
    niigata = realtime.sel(node="niigata").any("backhaul")
    assert niigata["site"].values[niigata.values].tolist() == ["niigata_edge"]
    np.testing.assert_allclose(ds["class_demand_share"].sum("latency_class"), 1.0)


def test_interactive_tokyo_cannot_reach_hokkaido_by_fibre_but_microwave_reaches_tomakomai(ds):
    ok = class_reachable(ds).sel(node="tokyo", latency_class="interactive")
    assert not bool(ok.sel(site=["ishikari", "tomakomai"], backhaul="fibre").any())
    assert bool(ok.sel(site="tomakomai", backhaul="microwave"))
    assert bool(
        class_reachable(ds).sel(
            node="tokyo", latency_class="standard", site="ishikari", backhaul="fibre"
        )
    )


def test_backup_parameters_are_the_documented_ones(ds):
    for name, column in build.BACKUP.items():
        assert float(ds[name]) == float(build.read_tables(DATA)["parameters"].loc[column, "value"])
    assert float(ds["backup_co2"]) == pytest.approx(0.738)


def test_nc_equals_rebuild_from_shipped_csvs(tmp_path):
    data = tmp_path / "japan_2030"
    data.mkdir()
    derived = list(DATA.glob("*.csv")) + list(DATA.glob("*.csv.gz"))
    for path in derived + [DATA / "observed_profiles.nc"]:
        shutil.copy(path, data / path.name)
    assert build.main(["--data-dir", str(data), "--out", str(tmp_path / "rebuilt.nc")]) == 0
    shipped = xr.load_dataset(DATA / "japan_2030.nc", engine="h5netcdf")
    rebuilt = xr.load_dataset(tmp_path / "rebuilt.nc", engine="h5netcdf")
    # same structure, coords and attrs; values to float32 precision (library versions may
    # differ in the last bit between the machine that built the file and this one)
    assert shipped.attrs == rebuilt.attrs
    assert set(shipped.data_vars) == set(rebuilt.data_vars)
    xr.testing.assert_allclose(shipped, rebuilt, rtol=1e-6, atol=1e-6)
    assert (shipped["site_area"].values == rebuilt["site_area"].values).all()


@pytest.mark.skipif(not REAL.is_dir(), reason=f"raw data folder {REAL} not present")
def test_shipped_jepx_profile_rederives_from_raw_files():
    areas = list(pd.read_csv(DATA / "areas.csv", index_col=0).index)
    prices, day_map = observed.jepx_2030(REAL / "jepx_30min_cy2021_2024", areas)
    shipped = build.read_jepx_2030(DATA)
    np.testing.assert_allclose(prices.to_numpy(), shipped.to_numpy(), atol=0.05)
    # April-December of 2024 on the same dates; January-March from 2024 (no 2025 JEPX file)
    date, source = pd.to_datetime(day_map["date"]), pd.to_datetime(day_map["jepx_date"])
    assert (source.dt.year == 2024).all()
    assert (source.dt.month == date.dt.month).all() and (source.dt.day == date.dt.day).all()


def test_every_input_number_has_a_source_or_says_assumption():
    tables = {
        "parameters.csv": ["source"],
        "generators.csv": ["capex_source", "fom_source", "lifetime_source"],
        "sites.csv": ["it_max_source", "dc_build_source"],
        "areas.csv": ["co2_source", "wheeling_source", "ppa_source"],
        "backhaul.csv": ["note"],
        "latency_classes.csv": ["source"],
        "nodes.csv": ["class_share_source"],
    }
    for name, columns in tables.items():
        frame = pd.read_csv(DATA / name)
        for column in columns:
            text = frame[column].fillna("").str.lower()
            assert (
                text.str.contains("assumption|build setting")
                | text.str.contains(r"\((?:h|m|l|m-h)\)")
            ).all(), (
                name,
                column,
            )
    sources = (DATA / "SOURCES.md").read_text()
    headings = ("Capacity factors", "Temperature and PUE", "Grid", "Backhaul", "Demand")
    for heading in (*headings, "Latency classes", "Backup generation"):
        assert heading in sources
