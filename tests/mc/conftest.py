"""Monte Carlo test fixtures: strict JAX rank promotion, the toy, hand-made plans."""

import json

import jax
import numpy as np
import pytest
import xarray as xr

import planner
from planner.contracts.plan import plan_from_capacities


@pytest.fixture(scope="session", autouse=True)
def strict_rank_promotion():
    """Every mc test runs with implicit rank promotion as an error.

    Session scope, so that module-scoped fixtures (set up before function-scoped
    ones) compile under the same setting and no test recompiles for it.
    """
    with jax.numpy_rank_promotion("raise"):
        yield


@pytest.fixture(scope="session")
def toy():
    return planner.validate(planner.load_scenario("toy"))


def make_plan(
    scenario, training_site=None, backup_power=None, policy=None, **capacities
) -> xr.Dataset:
    """A Plan from capacities; `training_site` puts all training at one site.

    backup_power: (site,) MW of backup generation; policy: a dict stored as the plan's
    attrs["policy"] JSON, as the LP writes it (e.g. {"export_share_max": 0.0}).
    """
    plan = plan_from_capacities(scenario, **capacities)
    if backup_power is not None:
        power = np.broadcast_to(np.asarray(backup_power, dtype=float), (plan.sizes["site"],))
        plan["backup_power"] = xr.DataArray(power.copy(), dims=("site",))
    if policy is not None:
        plan.attrs["policy"] = json.dumps(policy)
    if training_site is not None:
        load = np.zeros((plan.sizes["site"], 1))
        load[list(plan["site"].values).index(training_site)] = 1.0
        plan["training_load"] = xr.DataArray(load, dims=("site", "time"))
    return plan


# city_a -> alpha, city_b -> charlie, bravo unused
SHARE = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]


@pytest.fixture
def grid_backed_plan(toy):
    """Every site that serves load has grid enough for all of it: nothing is unserved."""
    return make_plan(
        toy,
        training_site="charlie",
        it_capacity=[10.0, 0.0, 11.0],
        gen_capacity=[[30.0, 10.0], [0.0, 0.0], [20.0, 0.0]],
        share=SHARE,
        battery_power=[2.0, 0.0, 2.0],
        battery_energy=[8.0, 0.0, 8.0],
        grid_capacity=[30.0, 0.0, 30.0],
    )


# every driver on, rates raised so that a one-week toy run sees each of them
STRESSED = {
    "grid_stress": {"rate_per_year": 200.0},
    "site_outages": {"failure_rate_per_year": 100.0, "mean_repair_hours": 8.0},
    "disasters": {"earthquake_rate_per_year": 10.0, "typhoon_rate_per_year": 20.0},
    "backhaul_cuts": {"rate_per_year": 100.0},
}


@pytest.fixture
def stressed():
    from planner.mc import Uncertainty

    return Uncertainty(**STRESSED)


def stressed_toy_plan(toy, **extra):
    """The toy plan the kernel and simulate tests stress: every site built, batteries and grid
    small; `extra` adds or replaces make_plan arguments (e.g. backup_power, policy)."""
    return make_plan(
        toy,
        **{
            "it_capacity": [14.0, 6.0, 11.0],
            "gen_capacity": [[30.0, 10.0], [10.0, 10.0], [20.0, 5.0]],
            "share": [[0.7, 0.3, 0.0], [0.0, 0.2, 0.8]],
            "battery_power": [3.0, 2.0, 2.0],
            "battery_energy": [12.0, 6.0, 8.0],
            "grid_capacity": [10.0, 3.0, 8.0],
            **extra,
        },
    )


def solar_plan(toy, alpha_grid, policy=None, **kwargs):
    """alpha: 30 MW solar and `alpha_grid` MW of connection; charlie: grid only (20 MW)."""
    return make_plan(
        toy,
        training_site="charlie",
        it_capacity=[10.0, 0.0, 11.0],
        gen_capacity=[[30.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
        share=SHARE,
        grid_capacity=[alpha_grid, 0.0, 20.0],
        policy=policy,
        **kwargs,
    )
