"""Load and save Scenarios: built-in data sets, NetCDF files and CSV folders.

CSV folder layout (one file per group of dims, tidy long format):

- `scalars.csv`: columns `name,value`, one row per dimensionless variable;
- `<dim>.csv` for each of site, area, node, gen, backhaul, time: the first
  column is the coordinate (row order is the coordinate order), the other
  columns are the variables with exactly that one dim;
- `<dim1>__<dim2>[__<dim3>].csv` for multi-dim variables, e.g. `site__time.csv`
  with columns `site,time,pue`: one row per coordinate combination;
- `attrs.json` (optional): dataset attributes.

Times are ISO 8601 local times (JST for the Japan data), e.g. `2030-01-01T05:00`.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.errors import ScenarioError
from planner.io import atomic_write_dir, write_netcdf
from planner.scenario.schema import BY_NAME, DIMS, apply_attrs

BUILTIN = ("japan_2030", "toy")
DEMAND_VARS = ("inference_demand", "training_demand")


def load_scenario(source: str | os.PathLike, demand: str = "base") -> xr.Dataset:
    """Load a Scenario from a built-in name, a `.nc` file or a CSV folder.

    `demand` picks one of the data set's demand scenarios (`low`, `base`,
    `high`), listed in its `demand_scenarios` attr as scale factors on
    inference and training demand.
    """
    ds = _read(source)
    ds = _as_float64(ds)
    return apply_demand_scenario(apply_attrs(ds), demand)


def _read(source: str | os.PathLike) -> xr.Dataset:
    if isinstance(source, str) and source in BUILTIN:
        if source == "toy":
            from planner.datasets.toy import make_toy

            return make_toy()
        return _read_builtin_netcdf(source)
    path = Path(source)
    if path.is_dir():
        return read_csv_folder(path)
    if path.suffix == ".nc" and path.is_file():
        return xr.load_dataset(path, engine="h5netcdf")
    if not path.exists():
        raise ScenarioError(
            f"scenario source {str(source)!r}: not found (rule: a built-in name {list(BUILTIN)}, "
            "a .nc file or a folder of CSV files)"
        )
    raise ScenarioError(
        f"scenario source {str(source)!r}: not a .nc file or a folder (rule: a built-in name "
        f"{list(BUILTIN)}, a .nc file or a folder of CSV files)"
    )


def _read_builtin_netcdf(name: str) -> xr.Dataset:
    ref = resources.files("planner.datasets").joinpath(name, f"{name}.nc")
    with resources.as_file(ref) as path:
        if not path.is_file():
            raise ScenarioError(
                f"built-in data set {name!r}: file {path} is missing from the package"
            )
        return xr.load_dataset(path, engine="h5netcdf")


def _as_float64(ds: xr.Dataset) -> xr.Dataset:
    """Numbers in float64 (data may be stored as float32 to keep files small)."""
    out = ds.copy()
    for name, da in ds.data_vars.items():
        if np.issubdtype(da.dtype, np.floating) and da.dtype != np.float64 and name != "period":
            out[name] = da.astype(np.float64)
    return out


def demand_scenarios(ds: xr.Dataset) -> dict[str, float | dict[str, float]]:
    """The data set's demand scenarios: name -> factor, or name -> {variable: factor}."""
    raw = ds.attrs.get("demand_scenarios")
    if raw is None:
        return {"base": 1.0}
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def apply_demand_scenario(ds: xr.Dataset, demand: str) -> xr.Dataset:
    """Scale inference and training demand to the named demand scenario."""
    options = demand_scenarios(ds)
    if demand not in options:
        raise ScenarioError(
            f"demand scenario {demand!r}: unknown for data set {ds.attrs.get('name', '?')!r} "
            f"(rule: one of {sorted(options)})"
        )
    factor = options[demand]
    factors = factor if isinstance(factor, dict) else {v: factor for v in DEMAND_VARS}
    ds = ds.copy()
    for var in DEMAND_VARS:
        if var in ds and factors.get(var, 1.0) != 1.0:
            ds[var] = ds[var] * float(factors[var])
            ds[var].attrs.update(apply_attrs(ds[[var]])[var].attrs)
    ds.attrs["demand_scenario"] = demand
    return ds


def save_scenario(ds: xr.Dataset, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a Scenario to `path`: a `.nc` file, or else a CSV folder (atomically)."""
    path = Path(path)
    if path.suffix == ".nc":
        return write_netcdf(ds, path, overwrite=overwrite)
    return atomic_write_dir(path, lambda tmp: write_csv_folder(ds, tmp), overwrite=overwrite)


def _file_stem(dims: tuple[str, ...]) -> str:
    return "__".join(dims)


def write_csv_folder(ds: xr.Dataset, folder: Path) -> None:
    """Write `ds` into an existing empty folder in the CSV layout above."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in ds.data_vars:
        dims = BY_NAME[name].dims if name in BY_NAME else ds[name].dims
        groups.setdefault(tuple(dims), []).append(name)
    scalars = groups.pop((), [])
    pd.DataFrame({"name": scalars, "value": [ds[n].item() for n in scalars]}).to_csv(
        folder / "scalars.csv", index=False
    )
    for dim in DIMS:
        names = groups.pop((dim,), [])
        frame = pd.DataFrame({dim: _labels_out(ds[dim].values)})
        for n in names:
            frame[n] = ds[n].transpose(dim).values
        frame.to_csv(folder / f"{dim}.csv", index=False)
    for dims, names in groups.items():
        frame = ds[names].transpose(*dims).to_dataframe()[names].reset_index()
        if "time" in frame:
            frame["time"] = _labels_out(frame["time"].values)
        frame.to_csv(folder / f"{_file_stem(dims)}.csv", index=False)
    (folder / "attrs.json").write_text(json.dumps(ds.attrs, indent=2, default=str) + "\n")


def _labels_out(values: np.ndarray) -> np.ndarray:
    if np.issubdtype(values.dtype, np.datetime64):
        return pd.DatetimeIndex(values).strftime("%Y-%m-%dT%H:%M").to_numpy()
    return values


def read_csv_folder(folder: Path) -> xr.Dataset:
    """Read a Scenario from a folder in the CSV layout above."""
    missing = [f"{d}.csv" for d in DIMS if not (folder / f"{d}.csv").is_file()]
    if missing:
        raise ScenarioError(
            f"CSV folder {folder}: missing files {missing} (rule: one <dim>.csv per dimension)"
        )
    coords: dict[str, pd.Index] = {}
    data: dict[str, tuple] = {}
    for dim in DIMS:
        frame = pd.read_csv(folder / f"{dim}.csv", keep_default_na=False, na_values=[""])
        labels = frame[dim]
        if dim == "time":
            labels = pd.to_datetime(labels)
        else:
            labels = labels.astype(str)
        coords[dim] = pd.Index(labels, name=dim)
        for col in frame.columns.drop(dim):
            data[col] = ((dim,), frame[col].to_numpy())
    scalars_path = folder / "scalars.csv"
    if scalars_path.is_file():
        for name, value in pd.read_csv(scalars_path).itertuples(index=False):
            data[str(name)] = ((), float(value))
    ds = xr.Dataset(data, coords=coords)
    for path in sorted(folder.glob("*__*.csv")):
        dims = tuple(path.stem.split("__"))
        unknown = [d for d in dims if d not in DIMS]
        if unknown:
            raise ScenarioError(
                f"CSV file {path.name}: unknown dims {unknown} (rule: dims are {list(DIMS)})"
            )
        frame = pd.read_csv(path, dtype={d: str for d in dims if d != "time"})
        if "time" in dims:
            frame["time"] = pd.to_datetime(frame["time"])
        part = xr.Dataset.from_dataframe(frame.set_index(list(dims)))
        part = part.reindex({d: coords[d] for d in dims})
        for name in part.data_vars:
            ds[name] = part[name].transpose(*dims)
    attrs_path = folder / "attrs.json"
    if attrs_path.is_file():
        ds.attrs.update(json.loads(attrs_path.read_text()))
    if "site_area" in ds:
        ds["site_area"] = ds["site_area"].astype(object)
    return ds
