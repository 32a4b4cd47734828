"""`planner robust=on`: the study runs planner.harden and writes its history and report."""

import json

import pytest
import xarray as xr

from planner.config import load_settings
from planner.study import run_study


@pytest.mark.slow
def test_a_robust_study_writes_history_harden_report_and_summary(tmp_path):
    settings = load_settings(
        {
            "scenario": {"name": "toy"},
            "time": {"n_days": 3},
            "policy": {"name": "cfe_70", "cfe_target": 0.7, "reserve_margin": 0.0},
            "montecarlo": {"n_futures": 32, "chunk_size": 32},
            "report": {"max_unmet_demand_p95": 100.0},
            "harden": {"enabled": True, "max_iterations": 3},
        }
    )
    result = run_study(settings, tmp_path)
    history = xr.open_dataset(tmp_path / "history.nc")
    summary = json.loads((tmp_path / "summary.json").read_text())
    h = summary["harden"]
    assert h["targets"]["min_cfe_p5"] == pytest.approx(0.69)  # policy target minus 1 point
    assert h["targets"]["max_unmet_demand_p95"] == 100.0
    assert len(h["iterations"]) == history.sizes["iteration"] >= 2  # the first plan misses
    assert h["accepted"] and result.plan.attrs["harden_status"] == "accepted"
    # the plan written is the hardened one, on the LP's days with any stress days
    assert h["iterations"][-1]["reserve_margin"] > 0.0  # demand growth: the IT margin rose
    assert result.reduced.sizes["time"] == result.plan.sizes["time"]
    assert "Verdict" in (tmp_path / "harden.md").read_text()
