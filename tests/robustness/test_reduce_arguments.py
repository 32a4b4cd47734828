"""reduce_time refuses bad arguments before any work, naming the argument and the rule."""

import pytest
import xarray as xr

import planner
from planner.errors import ScenarioError


@pytest.fixture(scope="module")
def toy() -> xr.Dataset:
    return planner.load_scenario("toy")


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"n_days": 2.5}, "n_days=2.5 must be a whole number"),
        ({"n_days": "3"}, "n_days='3' must be a whole number"),
        ({"n_days": 0}, "n_days=0 must be >= 1"),
        ({"n_days": True}, "n_days=True must be a whole number"),
        ({"seed": -1}, "seed=-1 must lie in [0, 4294967296)"),
        ({"seed": 2.5}, "seed=2.5 must be a whole number"),
        ({"extreme_days": 3}, "extreme_days=3"),
        ({"extreme_days": "peak"}, "extreme_days: unknown ['peak']"),
    ],
)
def test_a_bad_argument_is_a_scenario_error_naming_it(toy, kwargs, named):
    with pytest.raises(ScenarioError) as err:
        planner.reduce_time(toy, **kwargs)
    assert named in str(err.value)


def test_a_non_dataset_and_a_missing_variable_are_named(toy):
    with pytest.raises(ScenarioError, match="not an xarray.Dataset"):
        planner.reduce_time({"cf": 1})
    with pytest.raises(ScenarioError, match=r"cf: missing \(required"):
        planner.reduce_time(toy.drop_vars("cf"), n_days=3)


def test_one_extreme_day_name_is_one_name_not_its_letters(toy):
    one = planner.reduce_time(toy, n_days=3, extreme_days="peak_demand")
    listed = planner.reduce_time(toy, n_days=3, extreme_days=["peak_demand"])
    xr.testing.assert_identical(one, listed)
