"""Report figures, Markdown and the multirun comparison, from hand-made Plan/Risk fixtures."""

import json

import numpy as np
import pytest
from matplotlib.image import imread

from planner.config import load_settings
from planner.errors import PlanError, PlannerError
from planner.io import write_json
from planner.report import ReportOptions, StudyOptions, compare_runs, summarize, write_report
from planner.report.metrics import on_plan_hours, representative_days, site_energy
from planner.report.runs import run_labels
from planner.report.style import fmt_energy, fmt_number
from planner.study import report_options


def test_site_energy_balances_the_plan(study):
    """Supply by source = facility load + charging + nothing else (curtailment taken off)."""
    _, reduced, plan, _ = study
    hours = on_plan_hours(reduced, plan)
    energy = site_energy(plan, hours)
    w = hours["weight"]
    demand = ((hours["pue"] * plan["it_load"] + plan["charge"] - plan["discharge"]) * w).sum("time")
    # the fixture's dispatch is balanced except where batteries clip, so compare totals per site
    supplied = energy.sum("source")
    assert float(supplied.sel(site="bravo")) == 0.0
    assert np.all(supplied.sel(site=["alpha", "charlie"]).values > 0)
    assert set(energy.source.values) == {"solar", "wind_onshore", "grid", "unserved"}
    assert float(demand.sum()) > 0


def test_exported_energy_is_not_supply_to_the_site(study):
    """Renewable energy used + exported + curtailed = what the generators made, per site."""
    scenario, reduced, plan, risk = study
    hours = on_plan_hours(reduced, plan)
    energy = site_energy(plan, hours)
    w = hours["weight"]
    made = (plan["gen_capacity"] * hours["cf"] * w).sum(["gen", "time"])
    used = energy.sel(source=[str(g) for g in plan.gen.values]).sum("source")
    sold = (plan["export"] * w).sum("time")
    assert float(sold.sum()) > 0  # the fixture sells part of its surplus
    np.testing.assert_allclose(used + sold + (plan["curtailment"] * w).sum("time"), made)
    s = summarize(scenario, plan, risk, ReportOptions())
    w_full = on_plan_hours(scenario, plan)["weight"]
    assert s["energy_MWh_per_yr"]["export"] == pytest.approx(float((plan["export"] * w_full).sum()))


def test_representative_days_are_modelled_days(study):
    _, reduced, plan, _ = study
    days = representative_days(on_plan_hours(reduced, plan))
    modelled = {t.normalize() for t in plan.indexes["time"]}
    assert set(days) == {"summer", "winter"}
    assert days["summer"] in modelled and days["winter"] in modelled
    assert days["summer"] != days["winter"]


def test_summary_numbers(study):
    scenario, _, plan, risk = study
    s = summarize(scenario, plan, risk, ReportOptions())
    assert s["sites_open"] == ["alpha", "charlie"]
    assert s["capacity"]["it_MW"] == pytest.approx(26.0)
    assert s["capacity"]["solar_MW"] == pytest.approx(90.0)
    assert s["risk"]["unserved_energy"]["p95"] == pytest.approx(
        float(risk["summary"].sel(metric="unserved_energy", stat="p95"))
    )
    target = s["risk_targets"]["unserved_energy_p95_MWh"]
    assert target["met"] == (target["value"] <= target["target_max"])
    assert s["network"]["mean_latency_ms"] > 0
    json.dumps(s)  # JSON-ready


def test_write_report_makes_every_figure(study, tmp_path):
    scenario, reduced, plan, risk = study
    options = ReportOptions(dpi=60, title="toy by hand")
    summary = summarize(scenario, plan, risk, options)
    path = write_report(tmp_path, scenario, plan, risk, summary, reduced=reduced, options=options)
    text = path.read_text()
    for name in ("map", "capacity", "cost", "latency", "dispatch", "risk"):
        png = tmp_path / "figures" / f"{name}.png"
        assert png.is_file()
        assert f"figures/{name}.png" in text
        image = imread(png)
        assert image.shape[0] > 100 and image.shape[1] > 100
        assert image[..., :3].std() > 0.01  # not blank
    assert "| alpha | north | 14 |" in text
    # the backhaul table: each link with its latency class (the toy has none: `all`)
    assert "| city_a | all | alpha | Fibre | 100.0% | 20.0 | 50.0 | 0.75 | 3.00 |" in text
    assert "bravo" not in text.split("## Sites")[1].split("## Cost")[0]  # closed site not listed
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary leftovers


def test_report_without_figures(study, tmp_path):
    scenario, reduced, plan, risk = study
    options = ReportOptions(figures=False)
    summary = summarize(scenario, plan, risk, options)
    path = write_report(tmp_path, scenario, plan, risk, summary, reduced=reduced, options=options)
    assert not (tmp_path / "figures").exists()
    assert "figures/" not in path.read_text()


def _fake_run(folder, scenario, plan, risk, policy, cfe, cost_scale):
    p = plan.copy()
    p["cost"] = p["cost"] * cost_scale
    settings = load_settings(
        {
            "scenario": {"name": "toy"},
            "policy": {"name": policy, "cfe_target": cfe},
            "experiment": {
                "name": "cfe_premium",
                "question": "What does 24/7 CFE cost?",
                "baseline_policy": "annual_re100",
            },
        }
    )
    summary = summarize(scenario, p, risk, report_options(settings))
    summary["settings"] = settings.model_dump()
    (folder / ".hydra").mkdir(parents=True)
    write_json(summary, folder / "summary.json")


def test_compare_runs(study, tmp_path):
    scenario, _, plan, risk = study
    _fake_run(tmp_path / "0_policy=annual_re100", scenario, plan, risk, "annual_re100", None, 1.0)
    _fake_run(tmp_path / "1_policy=cfe_90", scenario, plan, risk, "cfe_90", 0.9, 1.25)
    (tmp_path / "2_policy=cfe_100" / ".hydra").mkdir(parents=True)  # a failed run: no summary
    path = compare_runs(tmp_path, dpi=60)
    text = path.read_text()
    assert path == tmp_path / "comparison" / "report.md"
    assert "**annual_re100**" in text and "**cfe_90**" in text
    assert "2_policy=cfe_100" in text.split("Not included")[1]
    assert "+25.0%" in text  # the premium of cfe_90 over RE100
    for name in ("cost", "capacity", "risk", "experiment"):
        assert (tmp_path / "comparison" / "figures" / f"{name}.png").is_file()
    assert "figures/experiment.png" in text
    compare_runs(tmp_path, dpi=60)  # rerunning replaces the comparison


def _run(folder, scenario, plan, risk, settings: dict, cost_scale: float = 1.0):
    p = plan.copy()
    p["cost"] = p["cost"] * cost_scale
    s = load_settings({"scenario": {"name": "toy"}, **settings})
    summary = summarize(scenario, p, risk, report_options(s))
    summary["settings"] = s.model_dump()
    write_json(summary, folder / "summary.json")


def test_watt_bit_section(study, tmp_path):
    scenario, _, plan, risk = study
    exp = {
        "name": "watt_bit",
        "question": "Near power or near demand?",
        "area_groups": {"up_north": ["north"], "down_south": ["south"]},
    }
    _run(
        tmp_path / "0",
        scenario,
        plan,
        risk,
        {"siting": {"name": "near_power", "areas": ["north"]}, "experiment": exp},
    )
    _run(
        tmp_path / "1",
        scenario,
        plan,
        risk,
        {"siting": {"name": "near_demand", "areas": ["south"]}, "experiment": exp},
        1.1,
    )
    text = compare_runs(tmp_path, dpi=50).read_text()
    section = text.split("## Watt-bit")[1]
    assert "| near_power |" in section and "| near_demand |" in section
    assert "mean latency ms" in section
    # the area groups come from the runs' settings: alpha (north) 14 MW, charlie (south) 12 MW
    assert "IT MW up north / down south / elsewhere" in section
    assert "| 14 / 12 / 0 |" in section
    assert "Up north: North; Down south: South." in section


def test_demand_uncertainty_section(study, tmp_path):
    scenario, _, plan, risk = study
    exp = {"name": "demand_uncertainty", "question": "Low, base or high?"}
    for i, level in enumerate(["low", "base", "high"]):
        _run(
            tmp_path / str(i), scenario, plan, risk, {"demand": {"level": level}, "experiment": exp}
        )
    text = compare_runs(tmp_path, dpi=50).read_text()
    assert "**low**" in text and "**high**" in text
    assert "no-regret): alpha, charlie" in text


def test_run_labels_use_group_names():
    runs = [
        {
            "_dir": "0",
            "settings": {"policy": {"name": "a", "cfe_target": 0.8}, "demand": {"level": "low"}},
        },
        {
            "_dir": "1",
            "settings": {"policy": {"name": "b", "cfe_target": 0.9}, "demand": {"level": "low"}},
        },
    ]
    labels, keys = run_labels(runs)
    assert labels == ["a", "b"] and keys == ["policy.name"]


def test_compare_needs_finished_runs(tmp_path):
    with pytest.raises(PlannerError, match="no finished runs"):
        compare_runs(tmp_path)


def test_run_report_has_its_study_section(study, tmp_path):
    scenario, reduced, plan, risk = study
    options = ReportOptions(
        figures=False,
        study=StudyOptions(
            name="watt_bit",
            question="Near power or near demand?",
            area_groups={"near_power": ["north"], "near_demand": ["south"]},
        ),
    )
    summary = summarize(scenario, plan, risk, options)
    text = write_report(
        tmp_path, scenario, plan, risk, summary, reduced=reduced, options=options
    ).read_text()
    section = text.split("## Study: watt_bit")[1].split("## Risk")[0]
    assert "Near power or near demand?" in section
    assert "| IT MW near power / near demand / elsewhere | 14 / 12 / 0 |" in section
    assert "Mean / worst latency" in section


def test_a_cfe_premium_without_its_baseline_says_so(study, tmp_path):
    scenario, _, plan, risk = study
    _fake_run(tmp_path / "0_policy=cfe_90", scenario, plan, risk, "cfe_90", 0.9, 1.0)
    _fake_run(tmp_path / "1_policy=cfe_95", scenario, plan, risk, "cfe_95", 0.95, 1.1)
    text = compare_runs(tmp_path, dpi=50).read_text()
    assert "No `annual_re100` run in this sweep" in text


def test_report_options_from_settings():
    settings = load_settings(
        {
            "scenario": {"name": "toy"},
            "policy": {"name": "cfe_90", "cfe_target": 0.9},
            "report": {"dpi": 80, "min_cfe_p5": 0.8},
            "experiment": {"name": "cfe_premium", "baseline_policy": "annual_re100"},
        }
    )
    options = report_options(settings)
    assert options.dpi == 80 and options.min_cfe_p5 == 0.8 and options.max_unserved_p95 == 1000.0
    assert options.study.baseline_policy == "annual_re100"
    assert "cfe_90" in options.title and "**cfe_90**" in options.description


def test_the_report_checks_its_inputs_against_the_contracts(study, tmp_path):
    scenario, reduced, plan, risk = study
    bad = plan.copy()
    bad["it_capacity"] = bad["it_capacity"].where(bad.site != "alpha")  # NaN at alpha
    with pytest.raises(PlanError, match="it_capacity") as err:
        summarize(scenario, bad, risk)
    assert "alpha" in str(err.value)
    summary = summarize(scenario, plan, risk)
    with pytest.raises(PlanError, match="curtailment: missing"):
        write_report(tmp_path, scenario, plan.drop_vars("curtailment"), risk, summary)
    assert not (tmp_path / "report.md").exists()


def test_the_risk_table_scales_a_short_scenario_to_a_year(study, tmp_path):
    """The toy's 168 h: totals x 8760 / 168 = 52.14 (battery cycles p50 ~250 -> ~13,000 per yr);
    scores as they are; the key numbers' unserved energy per year too."""
    scenario, reduced, plan, risk = study
    risk = risk.copy()
    risk.attrs["annual_scale"] = 8760 / 168
    summary = summarize(scenario, plan, risk, ReportOptions(figures=False))
    text = write_report(
        tmp_path,
        scenario,
        plan,
        risk,
        summary,
        reduced=reduced,
        options=ReportOptions(figures=False),
    ).read_text()
    cycles = summary["risk"]["battery_cycles"]["p50"] * 8760 / 168
    row = next(line for line in text.splitlines() if line.startswith("| Battery cycles |"))
    assert row.split(" | ")[4] == fmt_number(cycles)
    cfe = next(line for line in text.splitlines() if line.startswith("| Hourly CFE score |"))
    assert cfe.split(" | ")[4] == fmt_number(summary["risk"]["cfe_score"]["p50"] * 100)
    p95 = fmt_energy(summary["risk"]["unserved_energy"]["p95"] * 8760 / 168)
    assert f"/ {p95} per yr |" in text
    assert "x 52.14" in text
