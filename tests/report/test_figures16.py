"""Issue 16's figures and wording: capacity panels, risk curves, map layout, one number format."""

import io
import logging
import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from tqdm import tqdm

import planner
from planner.config import load_settings
from planner.report import ReportOptions, summarize, write_report
from planner.report.capacity import draw_capacity, draw_capacity_comparison
from planner.report.map_labels import Label, overlap, place_labels, spread_circles
from planner.report.metrics import check_targets, representative_days
from planner.report.risk_figures import draw_risk, draw_risk_comparison
from planner.report.style import fmt_number, new_figure
from planner.study import lp_hours, plural, progress_bar_to_log


def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_capacity_has_one_panel_per_kind_and_adds_no_mw_to_mwh(study):
    _, _, plan, _ = study
    p = plan.copy()
    p["ppa_capacity"] = p["gen_capacity"] * 0.5
    p["backup_power"] = ("site", [15.0, 0.0, 12.0])
    fig = draw_capacity(p)
    titles = _titles(fig)
    assert titles == [
        "Generation (MW)",
        "Battery power (MW)",
        "Battery energy (MWh)",
        "IT capacity (MW)",
        "Grid connection (MW)",
        "Backup generation (MW)",
    ]
    gen_ax = fig.axes[0]
    # alpha: solar 30 + wind 45 on site, half of each again by PPA -> a bar of 112.5 MW
    ends = [b.get_x() + b.get_width() for b in gen_ax.patches]
    assert max(ends) == pytest.approx((30 + 45) * 1.5)
    mwh_ax = fig.axes[2]
    assert max(b.get_width() for b in mwh_ax.patches) == pytest.approx(40.0)  # alpha's MWh
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Solar (off-site PPA)" in legend and "Wind onshore" in legend


def test_capacity_comparison_reads_the_summaries(study):
    scenario, _, plan, risk = study
    s = summarize(scenario, plan, risk, ReportOptions())
    assert "backup_MW" not in s["capacity"] and not any(k.startswith("ppa_") for k in s["capacity"])
    other = {**s, "capacity": {**s["capacity"], "backup_MW": 30.0}}
    fig = draw_capacity_comparison([s, other], ["a", "b"])
    assert "Backup generation (MW)" in _titles(fig)
    it_ax = fig.axes[_titles(fig).index("IT capacity (MW)")]
    assert [b.get_width() for b in it_ax.patches] == pytest.approx([26.0, 26.0])


def test_risk_marks_every_target_on_log_axes(study):
    _, _, plan, risk = study
    r = risk.copy()
    r["unmet_demand"] = ("future", np.where(np.arange(r.sizes["future"]) % 10 == 0, 50.0, 0.0))
    options = ReportOptions(
        max_unserved_p95=100.0, max_unmet_demand_p95=10.0, min_cfe_p5=0.85, min_re_share_p5=0.8
    )
    fig = draw_risk(r, options, {"cfe_target": 0.9})
    short, scores, cost = fig.axes[:3]
    assert short.get_yscale() == "log" and short.get_xscale() == "log"
    assert "MWh" in short.get_ylabel() and "%" in scores.get_xlabel()
    texts = [t.get_text() for ax in (short, scores) for t in ax.get_legend().get_texts()]
    assert any("Unmet demand" in t for t in texts) and any("Unserved energy" in t for t in texts)
    assert sum("target" in t for t in texts) == 5  # unserved, unmet, CFE, RE, the policy's CFE
    # unmet demand: 10 % of futures at 50 MWh -> p95 = 50 > 10: missed
    assert any("p95 <= 10.0 MWh (MISSED)" in t for t in texts), texts
    assert "bn JPY" in cost.get_xlabel() or "M JPY" in cost.get_xlabel()


def test_new_targets_are_checked_only_when_set(study):
    _, _, _, risk = study
    assert set(check_targets(risk, ReportOptions())) == {"unserved_energy_p95_MWh"}
    p5 = float(risk["summary"].sel(metric="re_share", stat="p5"))
    out = check_targets(risk, ReportOptions(min_re_share_p5=p5 - 0.01))
    assert out["re_share_p5"] == {"value": p5, "target_min": p5 - 0.01, "met": True}


def test_risk_comparison_has_a_panel_per_risk(study):
    scenario, _, plan, risk = study
    s = summarize(scenario, plan, risk, ReportOptions(min_cfe_p5=0.99))
    fig = draw_risk_comparison([s, s], ["a", "b"])
    assert any(t.startswith("Hourly CFE score (%)") for t in _titles(fig))
    cfe = fig.axes[[t.startswith("Hourly CFE") for t in _titles(fig)].index(True)]
    assert "MISSED" in [t.get_text() for t in cfe.texts]  # p5 of beta(60, 7) is far below 99 %


def test_fmt_number_never_writes_an_exponent():
    assert fmt_number(471234.5) == "471,234" and fmt_number(4753) == "4,753"
    assert fmt_number(12.34) == "12.3" and fmt_number(0.0123) == "0.0123"
    assert fmt_number(float("nan")) == "n/a"
    for x in np.geomspace(1e-6, 1e15, 200):
        assert "e" not in fmt_number(x) and "e" not in fmt_number(-x)


def test_report_tables_have_one_number_format(study, tmp_path):
    scenario, reduced, plan, risk = study
    s = summarize(scenario, plan, risk, ReportOptions())
    text = write_report(tmp_path, scenario, plan, risk, s, reduced=reduced).read_text()
    assert not re.search(r"\d\.?\d*e[+-]\d", text)  # no 4.712e+05
    row = next(line for line in text.splitlines() if line.startswith("| Hourly CFE score |"))
    assert "| % |" in row
    assert "1 device," in text and "400 futures" in text
    assert "Sites are not interconnected" in text and "Jun-Aug" in text


def test_summer_is_a_day_in_june_to_august():
    days = pd.date_range("2030-01-15", "2030-12-15", freq="MS") + pd.Timedelta(days=14)
    times = pd.DatetimeIndex([d + pd.Timedelta(hours=h) for d in days for h in range(24)])
    weight = np.repeat(np.where(days.month == 9, 100.0, 1.0), 24)  # September weighs most
    weight[np.repeat(days.month == 7, 24)] = 5.0
    hours = xr.Dataset(
        {"weight": ("time", weight), "period": ("time", np.repeat(np.arange(len(days)), 24))},
        coords={"time": times},
    )
    out = representative_days(hours)
    assert out["summer"].month == 7  # September is not summer, however heavy
    assert out["winter"].month in (12, 1, 2)


def test_lp_hours_counts_what_reduce_time_made():
    toy = planner.validate(planner.load_scenario("toy"))
    s = load_settings({"scenario": {"name": "toy"}, "time": {"n_days": 12}})
    reduced = planner.reduce_time(toy, n_days=12, extreme_days=True)
    n_rep = int(reduced.attrs["n_representative_days"])
    assert n_rep + 2 <= 7  # the toy has 7 days: 12 cannot be
    text = lp_hours(s, reduced)
    assert text.startswith(f"{n_rep} representative day")
    assert "plus 2 extreme days" in text and "(of the scenario's 7)" in text
    assert "12 representative" not in text
    three = lp_hours(s, planner.reduce_time(toy, n_days=3, extreme_days=True))
    assert three == "3 representative days plus 2 extreme days (of the scenario's 7)"
    assert plural(1, "site") == "1 site" and plural(3, "site") == "3 sites"


def test_spread_circles_leaves_no_overlap_and_moves_big_ones_less():
    x, y = np.array([0.0, 0.3, 5.0]), np.array([0.0, 0.0, 5.0])
    r = np.array([1.0, 0.5, 0.5])
    nx, ny = spread_circles(x, y, r, gap=0.1)
    d01 = np.hypot(nx[1] - nx[0], ny[1] - ny[0])
    assert d01 >= 1.5 + 0.1 - 1e-6
    assert abs(nx[0]) < abs(nx[1] - 0.3)  # the big pie moves less
    assert (nx[2], ny[2]) == (5.0, 5.0)  # far away: untouched


def test_placed_labels_do_not_overlap_each_other():
    fig = new_figure(4, 4)
    ax = fig.add_subplot()
    pt = 0.01
    labels = [Label(f"label number {i}", 0.5, 0.5, 0.02, 7.0, {}) for i in range(6)]
    place_labels(ax, labels, [], [], (0.0, 0.0, 1.0, 1.0), pt)
    fig.canvas.draw()
    boxes = []
    for t in ax.texts:
        bb = t.get_window_extent().transformed(ax.transData.inverted())
        boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
    assert len(boxes) == 6
    worst = max(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert worst < 0.1 * (boxes[0][2] - boxes[0][0]) * (boxes[0][3] - boxes[0][1])


def test_the_monte_carlo_bar_becomes_log_lines_off_a_terminal(caplog):
    logger = logging.getLogger("planner.test_bar")
    with caplog.at_level(logging.INFO, logger="planner.test_bar"):
        passthrough = io.StringIO()
        import contextlib
        import sys

        with contextlib.redirect_stderr(passthrough):  # a pipe, as under a CI log
            with progress_bar_to_log(logger, every=3600.0):
                with tqdm(total=40, unit="future") as bar:
                    for _ in range(4):
                        bar.update(10)
                print("a warning", file=sys.stderr)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("Monte Carlo") and " 0/40 " in lines[0]
    assert "100%" in lines[-1] and "40/40" in lines[-1]
    assert len(lines) == 2  # the 10 % steps fall inside the hour between lines
    assert passthrough.getvalue() == "a warning\n"  # not a bar: passed on unchanged


def test_ppa_output_is_supply_at_its_site(study):
    """With `ppa_capacity`, used + exported + curtailed = (on-site + PPA) x cf, per site."""
    from planner.report.metrics import on_plan_hours, site_energy

    _, reduced, plan, _ = study
    p = plan.copy()
    p["ppa_capacity"] = p["gen_capacity"] * 0.25
    hours = on_plan_hours(reduced, p)
    w = hours["weight"]
    energy = site_energy(p, hours)
    made = ((p["gen_capacity"] + p["ppa_capacity"]) * hours["cf"] * w).sum(["gen", "time"])
    used = energy.sel(source=[str(g) for g in p.gen.values]).sum("source")
    lost = ((p["export"] + p["curtailment"]) * w).sum("time")
    np.testing.assert_allclose(used + lost, made)
    before = site_energy(plan, hours).sel(source="solar").sum()
    assert float(energy.sel(source="solar").sum()) > float(before)
