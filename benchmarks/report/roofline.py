"""The report's roofline section: the machine's measured peaks and where the kernel sits under them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import FuncFormatter

from benchmarks.report.headline import headline
from benchmarks.report.kernel_work import kernel_work, peaks
from benchmarks.report.markdown import img, records_table, table
from benchmarks.report.plots import plain_log, plt, save


def _peak_rows(mm: dict | None, fma: dict | None, triad: dict | None) -> list[list[str]]:
    rows = []
    if mm:
        rows.append(
            [
                f"float32 matmul (jax.jit, n={mm['n']})",
                f"{mm['flops_per_second'] / 1e9:.1f} GFLOP/s",
            ]
        )
    if fma:
        rows.append(
            [
                "float32 elementwise FMA chain (cache-resident)",
                f"{fma['flops_per_second'] / 1e9:.1f} GFLOP/s",
            ]
        )
    if triad:
        rows.append(
            [
                f"triad a = b + s c ({4 * triad['n'] // 2**20} MiB arrays)",
                f"{triad['bytes_per_second'] / 1e9:.1f} GB/s",
            ]
        )
    if mm and triad:
        ridge = mm["flops_per_second"] / triad["bytes_per_second"]
        rows.append(["ridge point (matmul peak / bandwidth)", f"{ridge:.1f} flop/byte"])
    return rows


WORK_COLUMNS = [
    ("count", lambda w: "jaxpr census"),
    ("arithmetic", "arithmetic"),
    ("compare/select", "logic"),
    ("matmul (one-hot)", "matmul"),
    ("reductions", "reduce"),
    ("data movement", "move"),
    ("flops total", "census_flops"),
    (
        "bytes",
        lambda w: f"{w['compulsory_bytes']:.1f} compulsory / {w['unfused_bytes']:.0f} unfused",
    ),
]
POINT_COLUMNS = [
    ("point", "label"),
    ("GFLOP/s", lambda p: p["flops_per_second"] / 1e9),
    (
        "intensity flop/byte (compulsory / unfused bytes)",
        lambda p: f"{p['intensity']:.3g} / {p.get('intensity_unfused', float('nan')):.2g}",
    ),
    ("% of elementwise peak", lambda p: 100 * p["fraction_fma"]),
    ("% of matmul peak", lambda p: 100 * p["fraction_matmul"]),
    ("bound", "bound"),
]


# Seen on this machine on 2026-12-02 (issue 18): the FMA-chain peak is not a steady reading.
PEAK_CAVEAT = (
    "How far to trust the elementwise peak: on the 2-core development machine the same "
    "FMA-chain measurement read 141.5 GFLOP/s in one run and 240.3 in another on 2026-12-02, "
    "and 86-307 GFLOP/s in repeated runs of a variant sharded over both devices (with and "
    "without fast math, which may fold the unrolled chain of constant factors). Two Zen 4 "
    "cores (two 256-bit FMA pipes each, about 3.7 GHz) peak near 237 GFLOP/s; against that, "
    "a kernel at 30 GFLOP/s is at about 13 %, whatever the row below says of the run's own "
    "reading."
)


def roofline_section(roof: dict, mc: dict | None, fig_dir: Path, report: Path) -> str:
    measured = {r["kind"]: r for r in roof["records"]}
    mm, fma, triad = (measured.get(k) for k in ("matmul_f32", "fma_f32", "triad_f32"))
    text = "## Roofline\n\n" + table(["measured peak", "value"], _peak_rows(mm, fma, triad))
    text += (
        "\n\nThe peaks come from jitted JAX code that XLA may spread over every core; how many "
        "cores the dispatch kernel kept busy shows in the CPU-seconds-per-second figure of the "
        "headline.\n"
    )
    text += "\n" + PEAK_CAVEAT + "\n"
    work = kernel_work(mc) if mc else None
    if not work:
        return text
    text += "\n### Work per future-site-hour of the dispatch kernel\n\n"
    text += records_table(WORK_COLUMNS, [work]) + "\n\n" + work["explain"] + "\n"
    probe = next(p for p in mc["config"]["kernel_probe"] if "error" not in p)
    per = probe["n_futures"] * probe["n_sites"] * probe["n_hours"]
    top = sorted(probe["jaxpr_census"].items(), key=lambda kv: -kv[1])[:14]
    text += (
        "\nThe kernel's operations per future-site-hour, from its jaxpr (the census above, "
        "largest first; `dot_general_flops` are the small matrix products):\n\n"
    )
    text += table(["primitive", "per future-site-hour"], [[k, v / per] for k, v in top]) + "\n"
    pts = roofline_points(mc, roof)
    f = roofline(
        pts,
        mm["flops_per_second"] if mm else 0,
        fma["flops_per_second"] if fma else 0,
        triad["bytes_per_second"] if triad else 0,
        fig_dir / "roofline.png",
    )
    if pts:
        text += "\n" + records_table(POINT_COLUMNS, pts) + "\n"
    return text + img(f, report, "roofline")


def roofline_points(mc: dict | None, roof: dict | None) -> list[dict]:
    """Kernel points on the roofline: JAX and NumPy at the headline size.

    Intensity uses the compulsory memory traffic (each future-site-hour reads one
    renewable and one PUE value of its source day; the scan carry stays in cache);
    `intensity_unfused` is the lower bound if no result of any operation stayed in cache.
    """
    if not mc or not roof:
        return []
    h = headline(mc, roof)
    work = kernel_work(mc, mc["config"]["dtypes"][0])
    peak = peaks(roof)
    if not h or not work or not peak.get("fma") or not work["unfused_bytes"]:
        return []
    ridge = peak["fma"] / peak["bandwidth"] if peak.get("bandwidth") else float("inf")
    points = []
    for label, thr, marker in (
        ("JAX kernel", h["jax_throughput"], "o"),
        ("NumPy kernel", h["numpy_throughput"], "s"),
    ):
        flops = work["census_flops"] * thr
        intensity = work["census_flops"] / work["compulsory_bytes"]
        bw = peak.get("bandwidth")
        frac_bw = work["compulsory_bytes"] * thr / bw if bw else 0
        frac = flops / peak["fma"]
        side = "compute side of the ridge" if intensity > ridge else "memory side of the ridge"
        if frac > 0.5:
            bound = f"compute-bound ({side})"
        elif frac_bw > 0.5:
            bound = f"memory-bound ({side})"
        else:
            bound = (
                f"{side}, yet far below both roofs ({100 * frac:.1f}% of the elementwise peak, "
                f"{100 * frac_bw:.1f}% of the triad bandwidth): bound by "
                + (
                    "XLA's generated code for the loop body"
                    if label.startswith("JAX")
                    else "one Python dispatch per array operation"
                )
                + ", not by the machine's peaks"
            )
        points.append(
            {
                "label": label,
                "flops_per_second": flops,
                "intensity": intensity,
                "intensity_unfused": work["census_flops"] / work["unfused_bytes"],
                "fraction_fma": frac,
                "fraction_matmul": flops / peak["matmul"],
                "fraction_bandwidth": frac_bw,
                "bound": bound,
                "marker": marker,
            }
        )
    return points


def roofline(
    points: list[dict], peak_flops: float, fma_flops: float, bandwidth: float, path: Path
) -> Path | None:
    """Log-log roofline: attainable FLOP/s vs arithmetic intensity, kernel points on it."""
    if not bandwidth or not peak_flops:
        return None
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
    plain_log(ax, "y")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("arithmetic intensity (flop / byte)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(
        "Roofline of this machine and the dispatch kernel\n(dotted: intensity if no result of any operation stayed in cache)",
        fontsize=10,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return save(fig, path)
