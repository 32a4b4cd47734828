"""The benchmark report's figures, each drawn from result JSON alone (PNG, 150 dpi)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    ("jax", "float32"): dict(color="tab:blue", marker="o", ls="-"),
    ("jax", "float64"): dict(color="tab:blue", marker="s", ls="--"),
    ("numpy", "float32"): dict(color="tab:orange", marker="o", ls="-"),
    ("numpy", "float64"): dict(color="tab:orange", marker="s", ls="--"),
}


def _plain_log(ax, axis: str = "both") -> None:
    """Log axes labelled 1, 2, 5, 10, 20, ... (with thousands separators), not 2x10^1."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        target.set_major_formatter(fmt)
        target.set_minor_formatter(NullFormatter())


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


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
    _plain_log(ax)
    ax.set_xlabel({"n_futures": "futures", "n_sites": "sites"}[x])
    ax.set_ylabel("million future-site-hours per second")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return _save(fig, path)


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
    return _save(fig, path)


def _plain_ticks(ax, values, axis: str = "x") -> None:
    """Ticks at the data values with plain labels (log axes otherwise print 2x10^0)."""
    from matplotlib.ticker import FixedLocator, NullLocator

    vals = sorted(set(values))
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(FixedLocator(vals))
    target.set_minor_locator(NullLocator())
    target.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))


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
    _plain_log(ax, "y")
    xvals = [_lp_x(r, x) for r in recs]
    _plain_ticks(ax, xvals)
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
        _plain_ticks(ax2, xs)
        ax2.set_xlabel(label)
        ax2.set_title("model size", fontsize=10)
        ax2.grid(True, which="major", alpha=0.3)
        ax2.legend(fontsize=8)
    else:
        ax2.set_visible(False)
    return _save(fig, path)


def e2e_breakdown(stages: list[tuple[str, float]], path: Path) -> Path | None:
    """Horizontal bar of wall seconds per stage of the default study."""
    if not stages:
        return None
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(stages) + 1.4))
    names, secs = zip(*stages, strict=True)
    total = sum(secs)
    ax.barh(range(len(stages)), secs, color="tab:cyan")
    for i, s in enumerate(secs):
        shown = f"{s:.1f}" if s >= 1 else f"{s:.2g}"
        ax.text(s, i, f" {shown} s ({100 * s / total:.0f}%)", va="center", fontsize=9)
    ax.set_yticks(range(len(stages)), names)
    ax.invert_yaxis()
    ax.set_xlabel("seconds")
    ax.set_xlim(0, max(secs) * 1.35)
    ax.set_title(f"Default study, end to end: {total:.1f} s")
    return _save(fig, path)


def roofline(
    points: list[dict], peak_flops: float, fma_flops: float, bandwidth: float, path: Path
) -> Path | None:
    """Log-log roofline: attainable FLOP/s vs arithmetic intensity, kernel points on it."""
    if not bandwidth or not peak_flops:
        return None
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    xs = np.logspace(-3, 3, 200)
    ax.plot(
        xs,
        np.minimum(peak_flops, bandwidth * xs) / 1e9,
        color="k",
        label="matmul peak / triad bandwidth",
    )
    if fma_flops:
        ax.plot(
            xs,
            np.minimum(fma_flops, bandwidth * xs) / 1e9,
            color="gray",
            ls="--",
            label="elementwise FMA peak",
        )
    for p in points:
        (line,) = ax.plot(
            p["intensity"],
            p["flops_per_second"] / 1e9,
            marker=p.get("marker", "o"),
            ls="none",
            ms=8,
            label=p["label"],
        )
        if p.get("intensity_unfused"):  # how far left it would sit if nothing stayed in cache
            ax.plot(
                [p["intensity_unfused"], p["intensity"]],
                [p["flops_per_second"] / 1e9] * 2,
                color=line.get_color(),
                ls=":",
                lw=1,
            )
    ax.axvline(peak_flops / bandwidth, color="k", ls=":", lw=0.8)
    ax.text(peak_flops / bandwidth, peak_flops / 1e9 * 0.5, " ridge", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log(ax, "y")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("arithmetic intensity (flop / byte)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(
        "Roofline of this machine and the dispatch kernel\n(dotted: intensity if no result of any operation stayed in cache)",
        fontsize=10,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, path)


def devices(records: list[dict], path: Path) -> Path | None:
    """Throughput and per-device throughput against the number of CPU devices."""
    recs = sorted(
        (r for r in records if r.get("throughput") and "fast math off" not in r.get("label", "")),
        key=lambda r: r["n_devices"],
    )
    if not recs:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    n = [r["n_devices"] for r in recs]
    ax.plot(n, [r["throughput"] / 1e6 for r in recs], marker="o", label="total")
    ax.plot(
        n,
        [r["throughput"] / r["n_devices"] / 1e6 for r in recs],
        marker="s",
        ls="--",
        label="per device",
    )
    ax.set_xticks(n)
    ax.set_xlabel("XLA host devices (--xla_force_host_platform_device_count)")
    ax.set_ylabel("million future-site-hours per second")
    ax.set_ylim(bottom=0)
    ax.set_title("Monte Carlo over several CPU devices")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, path)
