"""The report's LP scaling section: build and solve seconds by modelled days and by sites."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report.markdown import img, mib, not_measured, records_table, skipped
from benchmarks.report.plots import plain_log, plain_ticks, plt, save


def _solver(r: dict) -> str:
    return r["solver"] + (" ipm" if (r.get("highs_options") or {}).get("solver") == "ipm" else "")


COLUMNS = [
    ("sweep", "sweep"),
    ("solver", _solver),
    ("days", lambda r: r["n_days"] or "full year"),
    ("sites", "n_sites"),
    ("relaxed", "relax_siting"),
    ("rows", "n_rows"),
    ("cols", "n_cols"),
    ("nonzeros", "n_nonzeros"),
    ("build s", "build_seconds"),
    ("solve s", "solve_seconds"),
    ("status", "status"),
    ("peak RSS MiB", lambda r: mib(r.get("peak_rss_bytes"))),
]


def lp_section(lp: dict, fig_dir: Path, report: Path) -> str:
    recs = lp["records"]
    if not recs:
        return not_measured("LP scaling", lp)
    text = "## LP scaling\n\n" + records_table(COLUMNS, recs) + "\n"
    days = lp_scaling(recs, "n_days", fig_dir / "lp_days.png", "LP vs modelled days")
    text += img(days, report, "LP vs days")
    sites = lp_scaling(recs, "n_sites", fig_dir / "lp_sites.png", "LP vs sites")
    text += img(sites, report, "LP vs sites")
    return text + skipped(lp)


def _lp_x(r: dict, x: str) -> float:
    if x == "n_days":
        return r.get("n_hours_modelled", 24 * (r["n_days"] or 365)) / 24
    return r[x]


def lp_scaling(records: list[dict], x: str, path: Path, title: str) -> Path | None:
    """Build and solve seconds against `x` (modelled days or sites), HiGHS vs CBC; model size beside.

    Hollow markers: relax_siting=True (site_open continuous); 'limit' marks a solve stopped
    at its time limit.
    """
    sweeps = ("n_days", "full_year") if x == "n_days" else ("n_sites",)
    recs = [
        r
        for r in records
        if r.get("sweep") in sweeps
        and r.get("build_seconds") is not None
        and r.get("status") not in ("error", "killed")
    ]
    if x == "n_sites":  # the base-site case of the days sweep at the sites sweep's days
        days = {r["n_days"] for r in recs}
        recs += [
            r
            for r in records
            if r.get("sweep") == "n_days"
            and r["n_days"] in days
            and r.get("build_seconds") is not None
            and r.get("status") not in ("error", "killed")
            and r.get("relax_siting") == any(q.get("relax_siting") for q in recs)
        ]
    if not recs:
        return None
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    colors = {"highs": "tab:green", "cbc": "tab:purple"}
    for solver, c in colors.items():
        pts = sorted(((_lp_x(r, x), r) for r in recs if r["solver"] == solver), key=lambda p: p[0])
        if not pts:
            continue
        xs = [p[0] for p in pts]
        ax.plot(xs, [p[1]["build_seconds"] for p in pts], color=c, ls=":", label=f"{solver} build")
        ax.plot(xs, [p[1]["solve_seconds"] for p in pts], color=c, ls="-", label=f"{solver} solve")
        for px, r in pts:
            face = "white" if r.get("relax_siting") else c
            ax.plot(px, r["build_seconds"], marker="^", color=c, mfc=face, ls="none")
            ax.plot(px, r["solve_seconds"], marker="o", color=c, mfc=face, ls="none")
            if r.get("timed_out"):
                ax.annotate(
                    "limit",
                    (px, r["solve_seconds"]),
                    fontsize=7,
                    color=c,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log(ax, "y")
    xvals = [_lp_x(r, x) for r in recs]
    plain_ticks(ax, xvals)
    label = "modelled days (incl. extreme days)" if x == "n_days" else "sites"
    ax.set_xlabel(label)
    ax.set_ylabel("seconds")
    ax.set_title(title + "\n(hollow markers: relax_siting=True)", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    size = sorted(
        {
            (_lp_x(r, x), r.get("n_cols"), r.get("n_rows"), r.get("n_nonzeros"))
            for r in recs
            if r.get("n_cols", -1) > 0
        }
    )
    if size:
        xs = [s[0] for s in size]
        ax2.plot(xs, [s[1] for s in size], marker="o", label="columns")
        ax2.plot(xs, [s[2] for s in size], marker="s", ls="--", label="rows")
        ax2.plot(xs, [s[3] for s in size], marker="^", label="nonzeros")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        plain_ticks(ax2, xs)
        ax2.set_xlabel(label)
        ax2.set_title("model size", fontsize=10)
        ax2.grid(True, which="major", alpha=0.3)
        ax2.legend(fontsize=8)
    else:
        ax2.set_visible(False)
    return save(fig, path)
