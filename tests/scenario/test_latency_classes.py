"""Latency classes in the Scenario contract, and defaults that keep older Scenarios loading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import planner
from planner import ScenarioError
from planner.scenario.defaults import BACKUP_DEFAULTS, latency_classes


def with_classes(toy: xr.Dataset) -> xr.Dataset:
    ds = toy.assign_coords(latency_class=["realtime", "standard"])
    ds["class_demand_share"] = (("node", "latency_class"), [[0.1, 0.9], [0.3, 0.7]])
    ds["class_latency_budget"] = ("latency_class", [1.0, 20.0])
    ds["class_traffic_factor"] = ("latency_class", [2.0, 0.5])
    return ds


def problems_of(ds) -> str:
    with pytest.raises(ScenarioError) as err:
        planner.validate(ds)
    return str(err.value)


def test_without_the_dim_one_class_has_the_nodes_budget_and_traffic(toy):
    classes = latency_classes(toy)
    assert classes["latency_class"].values.tolist() == ["all"]
    np.testing.assert_array_equal(classes["budget"].sel(latency_class="all"), [3.0, 5.0])
    np.testing.assert_array_equal(classes["traffic"].sel(latency_class="all"), [2.0, 2.0])
    np.testing.assert_array_equal(classes["demand_share"], 1.0)


def test_class_budget_is_capped_by_the_node_budget_and_traffic_scaled(toy):
    classes = latency_classes(planner.validate(with_classes(toy)))
    # city_a's node budget 3 ms caps the standard class's 20 ms; city_b's is 5 ms
    assert classes["budget"].sel(node="city_a").values.tolist() == [1.0, 3.0]
    assert classes["budget"].sel(node="city_b").values.tolist() == [1.0, 5.0]
    assert classes["traffic"].sel(node="city_a").values.tolist() == [4.0, 1.0]


def test_shares_that_do_not_sum_to_one_are_named(toy):
    ds = with_classes(toy)
    ds["class_demand_share"].loc[dict(node="city_b")] = [0.3, 0.6]
    msg = problems_of(ds)
    assert "class_demand_share summed over latency_class" in msg and "node=city_b" in msg
    assert "0.9" in msg and "sum to 1" in msg


def test_class_variables_without_shares_are_refused(toy):
    ds = with_classes(toy).drop_vars("class_demand_share")
    assert "class_demand_share: missing" in problems_of(ds)


def test_a_class_budget_no_site_and_technology_meets_names_node_class_and_fastest(toy):
    ds = with_classes(toy)
    ds["class_latency_budget"].loc[dict(latency_class="realtime")] = 0.3
    msg = problems_of(ds)
    # fastest for city_a: alpha by fibre 0.5 + 0.005 x 50 = 0.75 ms; city_b: charlie by 5g
    # (4.0 + 0.0033 x 30 = 4.10) loses to fibre 0.5 + 0.005 x 30 = 0.65 ms
    assert "node=city_a, latency_class=realtime = 0.3 ms" in msg
    assert "the fastest site is 0.75 ms away (alpha by fibre)" in msg
    assert "node=city_b, latency_class=realtime = 0.3 ms" in msg
    assert "the fastest site is 0.65 ms away (charlie by fibre)" in msg
    assert "latency_class=standard" not in msg
    with pytest.raises(ScenarioError):
        planner.plan(ds)  # a planner error before solving


def test_a_class_with_no_demand_at_a_node_needs_no_site(toy):
    ds = with_classes(toy)
    ds["class_latency_budget"].loc[dict(latency_class="realtime")] = 0.3
    ds["class_demand_share"][:] = [[0.0, 1.0], [0.0, 1.0]]
    planner.validate(ds)


@pytest.mark.parametrize("suffix", [".nc", "_csv"])
def test_classes_round_trip_through_files(toy, tmp_path, suffix):
    ds = planner.validate(with_classes(toy))
    planner.save_scenario(ds, tmp_path / f"toy{suffix}")
    back = planner.validate(planner.load_scenario(tmp_path / f"toy{suffix}"))
    xr.testing.assert_identical(back, ds)
    if suffix == "_csv":
        assert (tmp_path / "toy_csv" / "latency_class.csv").is_file()
        assert (tmp_path / "toy_csv" / "node__latency_class.csv").is_file()


def test_an_older_csv_folder_without_backup_rows_loads_with_the_defaults(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "old")
    scalars = pd.read_csv(tmp_path / "old" / "scalars.csv")
    scalars[~scalars["name"].str.startswith("backup_")].to_csv(
        tmp_path / "old" / "scalars.csv", index=False
    )
    (tmp_path / "old" / "units.json").unlink()  # an older folder: contract units
    back = planner.load_scenario(tmp_path / "old")
    for name, value in BACKUP_DEFAULTS.items():
        assert float(back[name]) == value
    planner.validate(back)
