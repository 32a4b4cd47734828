"""Units are data: the loaders keep `attrs["units"]`, convert what converts exactly, refuse the rest."""

import json
import warnings

import numpy as np
import pytest
import xarray as xr

import planner
from planner import ScenarioError
from planner.contracts.units import conversion
from planner.errors import ScenarioWarning
from planner.scenario.schema import apply_attrs


@pytest.mark.parametrize(
    ("given", "expected", "factor"),
    [
        ("JPY/kWh", "JPY/MWh", 1000.0),  # 12 JPY/kWh = 12,000 JPY/MWh
        ("kW", "MW", 1e-3),
        ("GW", "MW", 1e3),
        ("kWh", "MWh", 1e-3),
        ("JPY/kW", "JPY/MW", 1e3),
        ("JPY/kW/yr", "JPY/MW/yr", 1e3),
        ("kgCO2/kWh", "tCO2/MWh", 1.0),  # 1e-3 t per 1e-3 MWh
        ("gCO2/kWh", "tCO2/MWh", 1e-3),  # 450 g/kWh = 0.45 t/MWh
        ("%", "1", 0.01),
        ("m", "km", 1e-3),
        ("JPY/Mbps/m", "JPY/Gbps/km", 1e6),  # 1 / (1e-3 x 1e-3)
        ("degrees_north", "degree", 1.0),
        ("years", "yr", 1.0),
        ("JPY/MWh", "JPY/MWh", 1.0),
    ],
)
def test_exact_conversions_by_hand(given, expected, factor):
    assert conversion(given, expected) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("USD/kW", "JPY/MW"),  # an exchange rate is not a unit conversion
        ("EUR/MWh", "JPY/MWh"),
        ("MW", "MWh"),  # power is not energy
        ("JPY/MW", "JPY/MW/yr"),
        ("h", "yr"),
        ("furlongs", "km"),
        ("1", "MW"),
    ],
)
def test_what_does_not_convert_exactly_is_none(given, expected):
    assert conversion(given, expected) is None


def test_a_netcdf_in_jpy_per_kwh_is_converted_with_a_note(toy, tmp_path):
    per_kwh = toy.copy()
    per_kwh["grid_price"] = toy["grid_price"] / 1000.0  # values around 12, as the issue saw
    per_kwh["grid_price"].attrs = {"units": "JPY/kWh"}
    per_kwh.to_netcdf(tmp_path / "kwh.nc", engine="h5netcdf")
    with pytest.warns(ScenarioWarning, match=r"grid_price: converted from JPY/kWh to JPY/MWh"):
        back = planner.load_scenario(tmp_path / "kwh.nc")
    np.testing.assert_allclose(back["grid_price"], toy["grid_price"], rtol=1e-12)
    assert back["grid_price"].attrs["units"] == "JPY/MWh"
    assert back["grid_price"].attrs["units_converted_from"] == "JPY/kWh"
    planner.validate(back)  # in contract units now: no second note
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        planner.validate(back)


def test_usd_is_refused_naming_variable_given_and_expected_unit(toy, tmp_path):
    usd = toy.copy()
    usd["gen_capex"].attrs["units"] = "USD/kW"
    usd["grid_headroom"].attrs["units"] = "MWh"
    usd.to_netcdf(tmp_path / "usd.nc", engine="h5netcdf")
    with pytest.raises(ScenarioError) as err:
        planner.load_scenario(tmp_path / "usd.nc")
    assert len(err.value.problems) == 2
    text = str(err.value)
    assert "gen_capex: units 'USD/kW', the contract says 'JPY/MW'" in text
    assert "grid_headroom: units 'MWh', the contract says 'MW'" in text
    assert "usd.nc" in text  # the input is named


def test_the_loader_no_longer_overwrites_units_before_checking(toy, tmp_path):
    """The old loader set the contract's units over the file's, so the mistake disappeared."""
    wrong = toy.copy()
    wrong["site_it_max"].attrs["units"] = "MWh"
    wrong.to_netcdf(tmp_path / "wrong.nc", engine="h5netcdf")
    with pytest.raises(ScenarioError, match=r"site_it_max: units 'MWh'"):
        planner.load_scenario(tmp_path / "wrong.nc")


def test_a_variable_without_units_gets_the_contract_unit(toy, tmp_path):
    bare = toy.copy()
    bare["grid_price"].attrs = {}
    bare.to_netcdf(tmp_path / "bare.nc", engine="h5netcdf")
    back = planner.load_scenario(tmp_path / "bare.nc")
    assert back["grid_price"].attrs["units"] == "JPY/MWh"
    xr.testing.assert_equal(back["grid_price"], toy["grid_price"])


def test_validate_converts_and_refuses_units_of_an_in_memory_dataset(toy):
    ds = toy.copy()
    ds["site_it_max"] = toy["site_it_max"] * 1000.0
    ds["site_it_max"].attrs = {"units": "kW"}
    ds["cf"] = toy["cf"] * 100.0
    ds["cf"].attrs = {"units": "%"}
    with pytest.warns(ScenarioWarning):
        out = planner.validate(ds)
    np.testing.assert_allclose(out["site_it_max"], toy["site_it_max"], rtol=1e-12)
    np.testing.assert_allclose(out["cf"], toy["cf"], rtol=1e-12)  # and in [0, 1] again
    ds["battery_capex_energy"].attrs["units"] = "USD/kWh"
    with pytest.raises(ScenarioError, match=r"battery_capex_energy: units 'USD/kWh'"):
        with pytest.warns(ScenarioWarning):  # the two that convert still say so
            planner.validate(ds)


def test_a_csv_folder_gives_units_in_units_json(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "c")
    units = json.loads((tmp_path / "c" / "units.json").read_text())
    assert units["grid_price"] == "JPY/MWh"  # the template shows every unit
    frame = (tmp_path / "c" / "area__time.csv").read_text().splitlines()
    head, rows = frame[0].split(","), [r.split(",") for r in frame[1:]]
    col = head.index("grid_price")
    for r in rows:
        r[col] = repr(float(r[col]) / 1000.0)
    (tmp_path / "c" / "area__time.csv").write_text(
        "\n".join([",".join(head)] + [",".join(r) for r in rows]) + "\n"
    )
    units["grid_price"] = "JPY/kWh"
    (tmp_path / "c" / "units.json").write_text(json.dumps(units))
    with pytest.warns(ScenarioWarning, match="grid_price: converted from JPY/kWh"):
        back = planner.load_scenario(tmp_path / "c")
    np.testing.assert_allclose(back["grid_price"], toy["grid_price"], rtol=1e-9)


def test_a_csv_folder_without_units_json_is_in_contract_units(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "c")
    (tmp_path / "c" / "units.json").unlink()
    xr.testing.assert_identical(planner.validate(planner.load_scenario(tmp_path / "c")), toy)


def test_units_json_naming_an_unknown_variable_is_refused(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "c")
    (tmp_path / "c" / "units.json").write_text('{"grid_prise": "JPY/MWh"}')
    with pytest.raises(ScenarioError, match=r"units.json: 'grid_prise' is not a variable"):
        planner.load_scenario(tmp_path / "c")


def test_setting_the_contract_attrs_never_relabels_other_units(toy):
    """reduce_time (which sets attrs) on a kW Scenario once called its 40,000 kW 40,000 MW.

    It validates first, so the kW are converted (with a warning), never relabelled; and
    setting the contract's attrs on a variable in other units is refused.
    """
    kw = toy.assign(site_it_max=toy["site_it_max"] * 1000.0)
    kw["site_it_max"].attrs = {"units": "kW"}
    with pytest.warns(ScenarioWarning, match="site_it_max: converted from kW to MW"):
        red = planner.reduce_time(kw, n_days=2)
    np.testing.assert_allclose(red["site_it_max"], toy["site_it_max"])
    assert red["site_it_max"].attrs["units"] == "MW"
    with pytest.raises(ScenarioError, match=r"site_it_max: units 'kW', the contract says 'MW'"):
        apply_attrs(kw)
