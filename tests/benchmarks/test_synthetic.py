"""The benchmark helpers that produce numbers: synthetic sites and the jaxpr op census."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import planner
from benchmarks.roofline import census, classify
from benchmarks.synthetic import scale_plan, scale_sites, source_sites


@pytest.mark.parametrize("n_sites", [1, 2, 3, 7])
def test_scaled_scenario_is_valid_and_reaches_every_node(toy, n_sites):
    scn = planner.validate(scale_sites(toy, n_sites, seed=3))
    assert scn.sizes["site"] == n_sites
    assert len(set(scn["site"].values)) == n_sites
    assert float(scn["cf"].min()) >= 0.0 and float(scn["cf"].max()) <= 1.0


def test_clones_keep_their_source_and_differ_from_it(toy):
    scn = scale_sites(toy, 6, seed=0)
    assert list(source_sites(toy, 6)) == [0, 1, 2, 0, 1, 2]
    assert scn.attrs["synthetic_source_site"] == [0, 1, 2, 0, 1, 2]
    # the originals are untouched, the clones perturbed
    np.testing.assert_array_equal(scn["cf"].isel(site=0).values, toy["cf"].isel(site=0).values)
    assert not np.array_equal(scn["cf"].isel(site=3).values, toy["cf"].isel(site=0).values)


def test_scaled_plan_splits_capacity_among_clones(toy):
    plan = xr_plan(toy)
    scn = scale_sites(toy, 5, seed=0)  # sites 0 and 1 cloned once
    out = scale_plan(plan, scn)
    assert float(out["it_capacity"].sum()) == pytest.approx(float(plan["it_capacity"].sum()))
    np.testing.assert_allclose(out["share"].sum("site").values, 1.0)


def xr_plan(scn):
    from benchmarks.engine import heuristic_plan

    return heuristic_plan(scn)


def test_census_counts_scan_body_times_length():
    def f(x):
        def step(c, _):
            return c * 2.0 + 1.0, None

        return jax.lax.scan(step, x, None, length=10)[0]

    counts = census(jax.make_jaxpr(f)(jnp.ones(4)))
    assert counts["mul"] == 40 and counts["add"] == 40
    assert classify(counts, per=40)["arithmetic"] == pytest.approx(2.0)
