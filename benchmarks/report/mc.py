"""The report's Monte Carlo throughput section: JAX against NumPy by futures, sites and chunk."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report.headline import numpy_basis
from benchmarks.report.markdown import img, mib, not_measured, records_table, skipped
from benchmarks.report.plots import plain_log, plt, save
from benchmarks.report.profile import profile_section

STYLE = {
    ("jax", "float32"): dict(color="tab:blue", marker="o", ls="-"),
    ("jax", "float64"): dict(color="tab:blue", marker="s", ls="--"),
    ("numpy", "float32"): dict(color="tab:orange", marker="o", ls="-"),
    ("numpy", "float64"): dict(color="tab:orange", marker="s", ls="--"),
}
COLUMNS = [
    ("sweep", "group"),
    ("backend", "backend"),
    ("dtype", "dtype"),
    ("futures", "n_futures"),
    ("sites", "n_sites"),
    ("chunk", "chunk_size"),
    ("seconds", "seconds"),
    ("M fsh/s", lambda r: r["throughput"] / 1e6),
    ("compile s", "compile_seconds"),
    ("peak RSS MiB", lambda r: mib(r.get("peak_rss_bytes"))),
    (
        "RSS growth in call MiB",
        lambda r: mib((r.get("peak_rss_bytes") or 0) - (r.get("rss_before_bytes") or 0)),
    ),
]
CHUNK_COLUMNS = [
    ("backend", "backend"),
    ("chunk", "chunk_size"),
    ("M fsh/s", lambda r: r["throughput"] / 1e6),
    ("warm chunk s", "warm_chunk_seconds"),
    ("us per hour step per chunk", lambda r: 1e6 * r["warm_chunk_seconds"] / r["n_hours"]),
]
MEMORY_COLUMNS = [
    ("dtype", "dtype"),
    ("chunk", "n_futures"),
    ("sites", "n_sites"),
    ("futures arrays MiB", lambda p: p["futures_bytes"] / 2**20),
    ("kernel args MiB", lambda p: p["argument_bytes"] / 2**20),
    ("kernel temp MiB", lambda p: p["temp_bytes"] / 2**20),
    ("kernel output MiB", lambda p: p["output_bytes"] / 2**20),
    ("scenario inputs MiB", lambda p: p["inputs_bytes"] / 2**20),
]


def mc_section(mc: dict, fig_dir: Path, report: Path) -> str:
    recs = mc["records"]
    if not recs:
        return not_measured("Monte Carlo throughput", mc)
    cfg = mc["config"]
    text = "## Monte Carlo throughput\n\n"
    text += (
        f"Scenario: **{cfg.get('scenario')}** ({cfg.get('base_sites')} sites, "
        f"{recs[0]['n_hours']} hours); plan: {cfg.get('plan_source')} on "
        f"{cfg.get('plan_n_days', 12)} representative days with policy "
        f"{cfg.get('plan_policy', {})} (the default study's), status "
        f"{cfg.get('plan_status', '?')}. Throughput is "
        "futures x sites x hours simulated per wall-clock second of a warm "
        "`planner.simulate` call (sampling futures, the hourly dispatch, metrics, the Risk "
        "dataset). Compile = first call minus a warm call of the same shape.\n\n"
    )
    text += records_table(COLUMNS, recs) + "\n"
    f1 = throughput(
        recs,
        "n_futures",
        "futures",
        fig_dir / "mc_throughput_futures.png",
        f"Throughput vs futures ({cfg.get('base_sites')} sites)",
    )
    text += img(f1, report, "throughput vs futures")
    f2 = throughput(
        recs,
        "n_sites",
        "sites",
        fig_dir / "mc_throughput_sites.png",
        f"Throughput vs sites ({cfg.get('sites_futures', 0):,} futures, float32)",
    )
    text += img(f2, report, "throughput vs sites")
    f3 = speedup(speedup_rows(recs), fig_dir / "mc_speedup.png")
    text += img(f3, report, "JAX / NumPy ratio") + chunk_table(mc) + memory_table(mc)
    text += "\n" + profile_section(mc)
    for p in cfg.get("kernel_probe", []):
        if "error" in p:
            text += f"\nKernel probe failed ({p.get('dtype')}): `{p['error']}`.\n"
    return text + skipped(mc)


def chunk_table(mc: dict) -> str:
    """Throughput by chunk size (float32, base sites, the chunk sweep's futures)."""
    cfg = mc["config"]
    chunk = [
        r
        for r in mc["records"]
        if r["dtype"] == "float32"
        and r["n_sites"] == cfg.get("base_sites")
        and r["n_futures"] == cfg.get("chunk_futures", cfg.get("headline_futures"))
    ]
    if len({r["chunk_size"] for r in chunk}) <= 1:
        return ""
    return (
        "\nChunk size (float32): NumPy pays one Python dispatch per array operation per "
        "hour, so larger chunks amortise it; JAX's compiled step is nearly flat per "
        "element. Time per hour step of one chunk shows the fixed against the per-element "
        "cost.\n\n"
        + records_table(CHUNK_COLUMNS, sorted(chunk, key=lambda r: (r["backend"], r["chunk_size"])))
        + "\n"
    )


def memory_table(mc: dict) -> str:
    """Bytes of one chunk's arrays, from the kernel probe."""
    probes = [p for p in mc["config"].get("kernel_probe", []) if "error" not in p]
    if not probes:
        return ""
    return (
        "\n### Memory per chunk\n\n"
        + records_table(MEMORY_COLUMNS, probes)
        + "\n\nA chunk holds the compact futures (events, one weather day index per day, "
        "shocks) and (chunk, sites) accumulators; no futures x sites x hours array "
        "exists, so memory is flat in the number of futures (peak RSS column above).\n"
    )


def speedup_rows(recs: list[dict]) -> list[tuple[str, float]]:
    """(label, JAX/NumPy ratio) for each JAX size; NumPy from the same size or its largest measured."""
    rows = []
    for j in sorted(
        (r for r in recs if r["backend"] == "jax" and r["group"] in ("futures", "sites")),
        key=lambda r: (r["dtype"], r["n_sites"], r["n_futures"]),
    ):
        n, exact = numpy_basis(recs, j["dtype"], j["n_sites"], j["n_futures"])
        if n is None:
            continue
        star = "" if exact else "*"
        rows.append(
            (
                f"f{j['dtype'][-2:]} F={j['n_futures']:,} S={j['n_sites']}{star}",
                j["throughput"] / n["throughput"],
            )
        )
    return rows


def throughput(records: list[dict], x: str, group: str, path: Path, title: str) -> Path | None:
    """Throughput (M future-site-hours/s) against `x` (n_futures or n_sites), one line per backend/dtype."""
    recs = [
        r for r in records if r["group"] == group or (group == "sites" and r["group"] == "futures")
    ]
    if group == "sites":
        recs = _sites_records(records)
    if not recs:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for key, style in STYLE.items():
        pts = sorted(
            (r[x], r["throughput"] / 1e6) for r in recs if (r["backend"], r["dtype"]) == key
        )
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, label=f"{key[0]} {key[1]}", **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log(ax)
    ax.set_xlabel({"n_futures": "futures", "n_sites": "sites"}[x])
    ax.set_ylabel("million future-site-hours per second")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return save(fig, path)


def _sites_records(records: list[dict]) -> list[dict]:
    """Records of the sites sweep plus the base-site record at the same futures."""
    sweep = [r for r in records if r["group"] == "sites"]
    if not sweep:
        return []
    n = sweep[0]["n_futures"]
    base = [r for r in records if r["group"] == "futures" and r["n_futures"] == n]
    return sweep + [r for r in base if r["dtype"] == sweep[0]["dtype"]]


def speedup(rows: list[tuple[str, float]], path: Path, target: float = 10.0) -> Path | None:
    """Bars of JAX/NumPy throughput ratio, with the target line."""
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    labels, values = zip(*rows, strict=True)
    bars = ax.bar(range(len(rows)), values, color="tab:blue")
    ax.axhline(target, color="tab:red", ls="--", label=f"target {target:g}x")
    for b, v in zip(bars, values, strict=True):
        ax.text(b.get_x() + b.get_width() / 2, v, f"{v:.1f}x", ha="center", va="bottom")
    ax.set_xticks(range(len(rows)), labels, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("JAX / NumPy throughput")
    if any(label.endswith("*") for label in labels):
        ax.set_xlabel("* NumPy quoted from its largest measured size (flat in futures)", fontsize=8)
    ax.set_ylim(0, max(max(values), target) * 1.2)
    ax.set_title("JAX speed-up over the NumPy backend")
    ax.legend()
    return save(fig, path)
