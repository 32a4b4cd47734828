"""Load and save Scenarios: built-in data sets, NetCDF files and CSV folders.

The CSV folder layout is in `planner.scenario.csv_folder`. Every loader keeps the
units it read (`attrs["units"]`; a CSV folder's from its `units.json`), then
converts what converts exactly to the contract's units (with a `ScenarioWarning`)
and rejects the rest, before the contract's attrs are set.
"""

from __future__ import annotations

import json
import os
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import xarray as xr

from planner.contracts.units import check_units
from planner.errors import ScenarioError, ScenarioWarning
from planner.io import atomic_write_dir, write_netcdf
from planner.scenario.csv_folder import read_csv_folder, write_csv_folder
from planner.scenario.defaults import with_defaults
from planner.scenario.schema import SCHEMA, apply_attrs
from planner.scenario.validate import validate

BUILTIN = ("japan_2030", "toy")
DEMAND_VARS = ("inference_demand", "training_demand")


def load_scenario(source: str | os.PathLike, demand: str = "base") -> xr.Dataset:
    """Load a Scenario from a built-in name, a `.nc` file or a CSV folder.

    `demand` picks one of the data set's demand scenarios (`low`, `base`,
    `high`), listed in its `demand_scenarios` attr as scale factors on
    inference and training demand.
    """
    ds = with_defaults(_as_float64(_read(source)))
    ds, problems, notes = check_units(ds, SCHEMA, source=str(source))
    if problems:
        raise ScenarioError(problems)
    for note in notes:
        warnings.warn(note, ScenarioWarning, stacklevel=2)
    return apply_demand_scenario(apply_attrs(ds), demand)


def _read(source: str | os.PathLike) -> xr.Dataset:
    if not isinstance(source, str | os.PathLike):
        raise ScenarioError(
            f"scenario source {source!r}: a {type(source).__name__} (rule: a built-in name "
            f"{list(BUILTIN)}, a .nc file or a folder of CSV files, as a str or a path)"
        )
    if isinstance(source, str) and source in BUILTIN:
        if source == "toy":
            from planner.datasets.toy import make_toy

            return make_toy()
        return _read_builtin_netcdf(source)
    path = Path(source)
    if path.is_dir():
        return read_csv_folder(path)
    if path.suffix == ".nc" and path.is_file():
        return _read_netcdf(path, f"scenario source {str(source)!r}")
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
        return _read_netcdf(path, f"built-in data set {name!r}")


def _read_netcdf(path: Path, what: str) -> xr.Dataset:
    try:
        return xr.load_dataset(path, engine="h5netcdf")
    except (OSError, ValueError, KeyError, TypeError) as exc:  # h5py's for a file not HDF5
        raise ScenarioError(
            f"{what}: cannot be read as NetCDF-4 ({type(exc).__name__}: {exc}) (rule: a .nc "
            "file written by planner.save_scenario or xarray's to_netcdf)"
        ) from exc


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
    rule = (
        "rule: a JSON object, name -> factor >= 0 or name -> {variable: factor}, e.g. "
        '{"low": 0.7, "base": 1.0}'
    )
    try:
        options = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise ScenarioError(
            f"attrs['demand_scenarios'] = {raw!r}: not readable ({exc}; {rule})"
        ) from None
    if not isinstance(options, dict):
        raise ScenarioError(f"attrs['demand_scenarios'] = {raw!r}: not an object ({rule})")
    for name, factor in options.items():
        factors = factor if isinstance(factor, dict) else {"": factor}
        for var, f in factors.items():
            ok = isinstance(f, int | float) and not isinstance(f, bool) and np.isfinite(f)
            if not ok or f < 0 or (var and var not in DEMAND_VARS):
                key = f"{name}.{var}" if var else name
                raise ScenarioError(
                    f"attrs['demand_scenarios'][{key}] = {f!r}: not a demand factor ({rule}; "
                    f"variables {list(DEMAND_VARS)})"
                )
    return options


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
            attrs = ds[var].attrs
            ds[var] = ds[var] * float(factors[var])
            ds[var].attrs = attrs
    ds.attrs["demand_scenario"] = demand
    return ds


def save_scenario(ds: xr.Dataset, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a Scenario to `path`: a `.nc` file, or else a CSV folder (atomically).

    The Scenario is validated first (`ScenarioError`), so what is saved loads again;
    an existing `path` is replaced only with `overwrite` (else `OutputExistsError`).
    """
    ds = validate(ds)
    path = Path(path)
    if path.suffix == ".nc":
        problems = _attr_problems(ds)
        if problems:
            raise ScenarioError(problems)
        return write_netcdf(ds, path, overwrite=overwrite)
    return atomic_write_dir(path, lambda tmp: write_csv_folder(ds, tmp), overwrite=overwrite)


def _attr_problems(ds: xr.Dataset) -> list[str]:
    """Attrs NetCDF cannot hold: anything but text, numbers and lists of them."""

    def ok(value) -> bool:
        if isinstance(value, bool | np.bool_):
            return False
        if isinstance(value, list | tuple):
            return all(isinstance(v, str | int | float | np.number) for v in value)
        return isinstance(value, str | int | float | np.number | np.ndarray)

    owners = [("", ds.attrs)] + [(f"{n}.", ds[n].attrs) for n in ds.variables]
    return [
        f"{owner}attrs[{key!r}] = {value!r}: NetCDF cannot store a {type(value).__name__} "
        "(rule: text, numbers or lists of them; serialise a dict with json.dumps)"
        for owner, attrs in owners
        for key, value in attrs.items()
        if not ok(value)
    ]
