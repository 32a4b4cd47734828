"""`validate` on randomly broken toy Scenarios: it accepts or raises a planner error, nothing else.

Each example applies one to three mutations (NaN, inf, a negative or huge value,
a wrong or odd unit, wrong dims, an empty or duplicated coordinate, a dropped
variable, text for numbers, ...) to the toy held in memory, so that 500 examples
take seconds. What `validate` accepts must be a Scenario in the contract's units.
"""

import warnings

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner.errors import PlannerError, ScenarioWarning
from planner.scenario.schema import BY_NAME, DIMS, SCHEMA

TOY = planner.validate(planner.load_scenario("toy"))
NAMES = [v.name for v in SCHEMA if v.name in TOY]
NUMERIC = [n for n in NAMES if np.issubdtype(TOY[n].dtype, np.number)]
VALUES = [np.nan, np.inf, -np.inf, -1.0, -1e-9, 0.0, 0.5, 1.0, 1.5, 1e30, -1e30]
UNITS = ["kW", "JPY/kWh", "%", "USD/kW", "MWh", "", "1", "furlongs", 3, None, "JPY/MW/yr"]


def pick(data, ds, numeric: bool = False) -> str | None:
    """A contract variable still in `ds` (an earlier mutation may have dropped it), or None."""
    names = [n for n in NAMES if n in ds and (not numeric or np.issubdtype(ds[n].dtype, np.number))]
    return data.draw(st.sampled_from(names)) if names else None


def set_value(ds, data):
    name = pick(data, ds, numeric=True)
    if name is None or ds[name].size == 0:
        return ds
    values = np.array(ds[name].values, dtype=float)
    flat = values.reshape(-1)
    flat[data.draw(st.integers(0, flat.size - 1))] = data.draw(st.sampled_from(VALUES))
    return ds.assign({name: ds[name].copy(data=values)})


def set_everywhere(ds, data):
    name = pick(data, ds, numeric=True)
    if name is None:
        return ds
    value = data.draw(st.sampled_from(VALUES))
    return ds.assign({name: xr.full_like(ds[name], value, dtype=float)})


def set_units(ds, data):
    name = pick(data, ds)
    if name is None:
        return ds
    unit = data.draw(st.sampled_from(UNITS))
    da = ds[name].copy()
    da.attrs = {} if unit is None else {**da.attrs, "units": unit}
    return ds.assign({name: da})


def wrong_dims(ds, data):
    name = data.draw(st.sampled_from(NAMES))
    dims = data.draw(
        st.lists(st.sampled_from([d for d in DIMS if d in ds.dims]), max_size=3, unique=True)
    )
    return ds.assign({name: (tuple(dims), np.ones([ds.sizes[d] for d in dims]))})


def empty_dim(ds, data):
    return ds.isel({data.draw(st.sampled_from(DIMS)): slice(0, 0)})


def slice_dim(ds, data):
    dim = data.draw(st.sampled_from(DIMS))
    if ds.sizes[dim] < 2:
        return ds
    return ds.isel({dim: slice(0, data.draw(st.integers(1, ds.sizes[dim] - 1)))})


def duplicate_label(ds, data):
    dims = [d for d in DIMS if ds.sizes[d] > 1]
    if not dims:
        return ds
    dim = data.draw(st.sampled_from(dims))
    labels = list(ds[dim].values)
    labels[-1] = labels[0]
    return ds.assign_coords({dim: labels})


def drop_variable(ds, data):
    name = pick(data, ds)
    return ds if name is None else ds.drop_vars(name)


def as_text(ds, data):
    name = pick(data, ds)
    return ds if name is None else ds.assign({name: ds[name].astype(str)})


def bad_time(ds, data):
    kind = data.draw(st.sampled_from(["numbers", "half_hours", "text"]))
    n = ds.sizes["time"]
    time = {
        "numbers": np.arange(n),
        "half_hours": pd.date_range("2030-01-01", periods=n, freq="30min"),
        "text": np.array([f"t{i}" for i in range(n)], dtype=object),
    }[kind]
    return ds.assign_coords(time=time)


def add_weight(ds, data):
    n = ds.sizes["time"]
    value = data.draw(st.sampled_from([0.0, 1.0, 24.0, 1e3, np.nan, -1.0]))
    out = ds.assign(weight=("time", np.full(n, value)))
    if data.draw(st.booleans()):
        out = out.assign(period=("time", np.arange(n) // 24))
    return out


def unknown_area(ds, data):
    if "site_area" not in ds or ds["site_area"].dims != ("site",) or ds.sizes["site"] == 0:
        return ds
    label = data.draw(st.sampled_from(["atlantis", "", "03", 3]))
    areas = np.array(ds["site_area"].values, dtype=object)
    areas[0] = label
    return ds.assign(site_area=("site", areas))


MUTATIONS = [
    set_value,
    set_everywhere,
    set_units,
    wrong_dims,
    empty_dim,
    slice_dim,
    duplicate_label,
    drop_variable,
    as_text,
    bad_time,
    add_weight,
    unknown_area,
]


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_validate_accepts_or_raises_a_planner_error(data):
    ds = TOY.copy()
    for mutate in data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        ds = mutate(ds, data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)  # a unit converted
            out = planner.validate(ds)
    except PlannerError:
        return
    for name in NAMES:
        if name in out:
            assert out[name].attrs["units"] == BY_NAME[name].units, name
            values = np.asarray(out[name].values)
            if np.issubdtype(values.dtype, np.number):
                assert np.isfinite(values).all(), name
