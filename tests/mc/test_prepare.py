"""prepare: complete kernel inputs, used as they are; the plan checked before any work."""

import numpy as np
import pytest
import xarray as xr

import planner
from planner.errors import PlanError, PolicyError
from planner.mc import KernelInputs, Uncertainty, kernel, prepare
from planner.mc.reference import dispatch_numpy

from .conftest import STRESSED, stressed_toy_plan

N_FUTURES = 64  # one chunk of whole SIMD vectors on 1 or 2 devices (simulate.chunk_for)


def float_arrays(tuple_of_arrays):
    return {
        name: np.asarray(a)
        for name, a in tuple_of_arrays._asdict().items()
        if np.issubdtype(np.asarray(a).dtype, np.floating)
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_everything_is_set_and_in_dtype(toy, dtype):
    unc = Uncertainty(**(STRESSED | {"grid_stress": {"rate_per_year": 200.0, "factor": 0.3}}))
    run = prepare(toy, stressed_toy_plan(toy), unc, dtype=dtype)
    assert isinstance(run, KernelInputs)
    assert run.inputs.stress_factor == np.dtype(dtype).type(0.3)  # not a 1.0 to patch later
    for name, a in (float_arrays(run.inputs) | float_arrays(run.params)).items():
        assert a.dtype == np.dtype(dtype), name
    assert run.inputs.site_area.dtype == np.int32
    assert run.pattern == kernel.link_pattern(run.inputs)
    assert (run.n_hours, run.n_sites) == (toy.sizes["time"], toy.sizes["site"]) == run.sizes[:2]
    # 4 links (share > 0): city_a to alpha and bravo, city_b to bravo and charlie; their km
    links = np.nonzero(stressed_toy_plan(toy)["share"].transpose("node", "site").values > 0)
    np.testing.assert_array_equal(
        run.link_km, toy["distance"].transpose("node", "site").values[links]
    )
    assert run.inputs.link_share.shape == run.link_km.shape == (4,)


def test_kernels_run_from_prepare_give_simulate_numbers(toy):
    """The kernels fed straight from `prepare` give what `simulate` reports (same futures)."""
    plan, unc = stressed_toy_plan(toy), Uncertainty(**STRESSED)
    run = prepare(toy, plan, unc)
    futures = kernel.sample_chunk(
        np.uint32(3), np.arange(N_FUTURES, dtype=np.int32), run.params, run.sizes
    )
    states = {
        "jax": kernel.dispatch_chunk(run.inputs, futures, run.pattern),
        "numpy": dispatch_numpy(run.inputs, futures),
    }
    for backend, state in states.items():
        risk = planner.simulate(
            toy, plan, N_FUTURES, seed=3, uncertainty=unc, backend=backend, progress=False
        )
        for metric, total in (("unserved_energy", state.unserved), ("grid_energy", state.grid)):
            np.testing.assert_array_equal(
                risk[f"site_{metric}"].values, np.asarray(total, dtype=np.float64), err_msg=metric
            )
        assert risk["site_unserved_energy"].values.sum() > 0  # a stressed run: not all zeros


def test_nan_and_foreign_sites_are_refused_not_zeroed(toy):
    """A NaN capacity used to run as 0 MW; now the plan is refused, naming variable and site."""
    plan = stressed_toy_plan(toy)
    plan["it_capacity"][0] = np.nan
    with pytest.raises(PlanError, match=r"it_capacity\[site=alpha\].*nan") as err:
        planner.simulate(toy, plan, 10, progress=False)
    assert len(err.value.problems) == 1
    moved = stressed_toy_plan(toy).assign_coords(site=["alpha", "bravo", "zulu"])
    with pytest.raises(PlanError, match="zulu") as err:
        prepare(toy, moved)
    assert any("charlie" in p for p in err.value.problems)  # and the site it lacks


def test_bad_dtype_and_reduced_scenario_are_refused(toy):
    plan = stressed_toy_plan(toy)
    with pytest.raises(PolicyError, match="dtype"):
        prepare(toy, plan, dtype="float16")
    reduced = toy.assign(weight=("time", np.full(toy.sizes["time"], 2.0)))
    with pytest.raises(PlanError, match="time-reduced"):
        prepare(reduced, plan)


def test_ppa_output_counts_at_the_site_and_backup_reads_zero_when_absent(toy):
    """ren = (gen_capacity + ppa_capacity) x cf; a plan without backup_power has none."""
    plan = stressed_toy_plan(toy)
    base = prepare(toy, plan, Uncertainty.none(), dtype="float64").inputs
    ppa = xr.zeros_like(plan["gen_capacity"]) + [[5.0, 0.0], [0.0, 0.0], [0.0, 2.0]]
    with_ppa = prepare(toy, plan.assign(ppa_capacity=ppa), Uncertainty.none(), "float64").inputs
    cf = toy["cf"].transpose("time", "site", "gen").values
    expected = cf[:, :, 0] * [5.0, 0.0, 0.0] + cf[:, :, 1] * [0.0, 0.0, 2.0]  # (time, site)
    np.testing.assert_allclose(with_ppa.ren - base.ren, expected, atol=1e-12)
    np.testing.assert_allclose(with_ppa.ren_max - base.ren_max, [5.0, 0.0, 2.0])
    np.testing.assert_array_equal(base.backup_power, 0.0)
    np.testing.assert_array_equal(base.backup_fuel, 0.0)


@pytest.mark.parametrize(
    ("policy", "allowance"),
    [(None, 0.2), ('{"export_share_max": 0.0}', 0.0), ('{"export_share_max": 0.1}', 0.1)],
)
def test_export_allowance_comes_from_the_plans_policy(toy, policy, allowance):
    plan = stressed_toy_plan(toy)
    if policy is not None:
        plan.attrs["policy"] = policy
    run = prepare(toy, plan, Uncertainty.none(), dtype="float64")
    uncapped = plan.copy()
    uncapped.attrs["policy"] = '{"export_share_max": null}'
    assert prepare(toy, uncapped, Uncertainty.none()).inputs.export_cap == np.inf
    base = float(
        prepare(toy, plan.assign_attrs(policy='{"export_share_max": 1.0}')).inputs.export_cap
    )
    assert float(run.inputs.export_cap) == pytest.approx(allowance * base, rel=1e-6)
    assert base > 0
