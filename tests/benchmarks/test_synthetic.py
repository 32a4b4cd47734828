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
    share = np.array([[0.5, 0.5, 0.0], [0.0, 0.25, 0.75]])  # (node, site)
    plan = planner.plan_from_capacities(toy, [10.0, 20.0, 30.0], 5.0, share)
    scn = scale_sites(toy, 5, seed=0)  # sites 0 and 1 cloned once
    out = scale_plan(plan, scn)
    # site 0's 10 MW split over it and its clone (positions 0 and 3), site 2 untouched
    np.testing.assert_allclose(out["it_capacity"].values, [5.0, 10.0, 30.0, 5.0, 10.0])
    np.testing.assert_allclose(
        out["share"].values, [[0.25, 0.25, 0, 0.25, 0.25], [0, 0.125, 0.75, 0, 0.125]]
    )
    np.testing.assert_array_equal(out["site_open"].values, [1, 1, 1, 1, 1])


def test_census_counts_scan_body_times_length():
    def f(x):
        def step(c, _):
            return c * 2.0 + 1.0, None

        return jax.lax.scan(step, x, None, length=10)[0]

    counts = census(jax.make_jaxpr(f)(jnp.ones(4)))
    assert counts["mul"] == 40 and counts["add"] == 40
    assert classify(counts, per=40)["arithmetic"] == pytest.approx(2.0)
