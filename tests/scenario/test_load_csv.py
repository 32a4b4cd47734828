"""CSV folders and NetCDF files a careless user makes: each mistake is one ScenarioError naming it."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import planner
from planner import ScenarioError


@pytest.fixture
def folder(toy, tmp_path) -> Path:
    """The toy Scenario as a fresh CSV folder."""
    return planner.save_scenario(toy, tmp_path / "toy_csv")


def edit(path: Path, old: str, new: str, count: int = -1) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def problems(source) -> str:
    with pytest.raises(ScenarioError) as err:
        planner.load_scenario(source)
    return str(err.value)


@pytest.mark.parametrize("dim, wrong", [("site", "sites"), ("area", "areas")])
def test_a_misspelled_coordinate_column_is_named(folder, dim, wrong):
    edit(folder / f"{dim}.csv", f"{dim},", f"{wrong},", count=1)
    msg = problems(folder)
    assert f"{dim}.csv: first column is '{wrong}', expected '{dim}'" in msg


def test_a_misspelled_coordinate_column_of_a_multi_dim_file_is_named(folder):
    edit(folder / "site__time.csv", "site,time,", "sites,time,", count=1)
    msg = problems(folder)
    assert "site__time.csv: no column ['site']" in msg and "'sites'" in msg


def test_a_cell_that_is_not_a_number_names_file_line_and_column(folder):
    lines = (folder / "site.csv").read_text().splitlines()
    head = lines[0].split(",")
    row = lines[2].split(",")
    row[head.index("site_it_max")] = "forty"
    lines[2] = ",".join(row)
    (folder / "site.csv").write_text("\n".join(lines) + "\n")
    msg = problems(folder)
    assert "site.csv: column 'site_it_max' line 3 = 'forty': not a number" in msg


def test_a_duplicated_row_names_the_line_and_the_labels(folder):
    lines = (folder / "node__site.csv").read_text().splitlines()
    (folder / "node__site.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    msg = problems(folder)
    n = len(lines) + 1  # the copy is the file's last line
    assert f"node__site.csv: line {n} repeats ({lines[1].split(',')[0]}, " in msg
    assert "one row per combination" in msg


def test_a_repeated_coordinate_label_is_named(folder):
    lines = (folder / "gen.csv").read_text().splitlines()
    (folder / "gen.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    assert "gen.csv: repeated gen labels ['solar']" in problems(folder)


def test_rows_for_a_site_the_folder_does_not_define_are_refused_not_dropped(folder):
    lines = (folder / "site__gen.csv").read_text().splitlines()
    extra = lines[1].replace("alpha", "zulu", 1)
    (folder / "site__gen.csv").write_text("\n".join([*lines, extra]) + "\n")
    msg = problems(folder)
    assert "site__gen.csv: site ['zulu'] not in site.csv" in msg


def test_missing_rows_are_named_with_a_combination(folder):
    lines = (folder / "site__gen.csv").read_text().splitlines()
    (folder / "site__gen.csv").write_text("\n".join(lines[:-1]) + "\n")
    msg = problems(folder)
    assert "site__gen.csv: 1 (site, gen) combinations have no row, e.g. (charlie, " in msg


def test_an_empty_file_is_named(folder):
    (folder / "backhaul.csv").write_text("")
    assert "backhaul.csv: the file is empty" in problems(folder)


def test_an_unknown_csv_file_is_not_ignored(folder):
    (folder / "grid_price.csv").write_text("area,grid_price\nnorth,1\n")
    assert "grid_price.csv: not a file of the layout" in problems(folder)


def test_every_problem_of_a_folder_comes_at_once(folder):
    edit(folder / "site__time.csv", "1.2", "x", count=1)
    (folder / "grid_price.csv").write_text("a\n")
    (folder / "scalars.csv").write_text("name,value\ndiscount_rate,five\n")
    with pytest.raises(ScenarioError) as err:
        planner.load_scenario(folder)
    assert len(err.value.problems) == 3


def test_a_bad_time_is_named(folder):
    edit(folder / "time.csv", "2030-01-01T05:00", "2030-01-01 5 o'clock")
    msg = problems(folder)
    assert "time.csv: column 'time' line 7 = \"2030-01-01 5 o'clock\": not a time" in msg


def test_labels_like_03_stay_text_in_every_file(toy, tmp_path):
    """`03` came back as 3 from one file and '03' from another, so that site's data became NaN."""
    numbered = toy.assign_coords(site=["01", "02", "03"], area=["10", "20"])
    numbered["site_area"] = ("site", np.array(["10", "10", "20"], dtype=object))
    numbered = planner.validate(numbered)
    planner.save_scenario(numbered, tmp_path / "n")
    back = planner.validate(planner.load_scenario(tmp_path / "n"))
    assert list(back.site.values) == ["01", "02", "03"]
    assert list(back.site_area.values) == ["10", "10", "20"]
    xr.testing.assert_identical(back, numbered)


def test_a_corrupt_netcdf_names_the_input(toy, tmp_path):
    planner.save_scenario(toy, tmp_path / "toy.nc")
    data = (tmp_path / "toy.nc").read_bytes()
    (tmp_path / "broken.nc").write_bytes(data[: len(data) // 3])  # a copy cut short
    (tmp_path / "text.nc").write_text("not a netcdf file\n")
    for name in ("broken.nc", "text.nc"):
        msg = problems(tmp_path / name)
        assert f"scenario source '{tmp_path / name}': cannot be read as NetCDF-4" in msg


def test_a_source_that_is_not_a_path_is_named():
    with pytest.raises(ScenarioError, match=r"scenario source 5: a int"):
        planner.load_scenario(5)


@pytest.mark.parametrize(
    "raw, named",
    [('{"base": 1.0, "high": "a lot"}', "[high] = 'a lot'"), ("{not json", "not readable")],
)
def test_bad_demand_scenarios_attr_is_named(toy, tmp_path, raw, named):
    ds = toy.copy()
    ds.attrs["demand_scenarios"] = raw
    ds.to_netcdf(tmp_path / "d.nc", engine="h5netcdf")
    msg = problems(tmp_path / "d.nc")
    assert "attrs['demand_scenarios']" in msg and named in msg


def test_json_attrs_are_written_once_and_read_back_as_they_were(toy, folder):
    """attrs.json held demand_scenarios as a JSON string inside JSON (double-encoded)."""
    import json

    written = json.loads((folder / "attrs.json").read_text())
    assert written["demand_scenarios"] == {"low": 0.7, "base": 1.0, "high": 1.3}
    back = planner.load_scenario(folder)
    assert json.loads(back.attrs["demand_scenarios"]) == json.loads(toy.attrs["demand_scenarios"])
