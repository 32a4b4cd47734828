"""sites_in_areas keeps the fastest site of a latency class the area restriction would strand."""

from __future__ import annotations

import planner
from planner.scenario.siting import sites_in_areas
from tests.scenario.test_latency_classes import with_classes


def test_only_the_areas_sites_when_every_class_keeps_a_site(toy):
    ds, added = sites_in_areas(planner.validate(with_classes(toy)), ["north"])
    # city_b's 1 ms realtime class reaches only charlie (south, fibre 0.65 ms): kept for it
    assert added == ["charlie"]
    assert ds["site"].values.tolist() == ["alpha", "bravo", "charlie"]
    planner.validate(ds)


def test_no_site_is_added_when_the_areas_serve_every_class(toy):
    ds = with_classes(toy)
    ds["node_latency_budget"][:] = 50.0  # standard 20 ms: alpha reaches city_b by fibre
    ds["class_demand_share"][:] = [[0.1, 0.9], [0.0, 1.0]]
    kept, added = sites_in_areas(planner.validate(ds), ["north"])
    assert added == []
    assert kept["site"].values.tolist() == ["alpha", "bravo"]
    planner.validate(kept)
