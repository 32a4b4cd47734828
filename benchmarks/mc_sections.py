"""The Monte Carlo and roofline sections of the benchmark report."""

from __future__ import annotations

from pathlib import Path

from benchmarks import figures
from benchmarks.analysis import kernel_work, roofline_points, speedup_rows
from benchmarks.markdown import img, mib, skipped, table


def mc_section(mc: dict, roof: dict | None, fig_dir: Path, report: Path) -> str:
    recs = mc["records"]
    if not recs:
        return "## Monte Carlo throughput\n\nNot measured: " + " ".join(mc["notes"]) + "\n"
    cfg = mc["config"]
    text = "## Monte Carlo throughput\n\n"
    text += (
        f"Scenario: **{cfg.get('scenario')}** ({cfg.get('base_sites')} sites, "
        f"{recs[0]['n_hours']} hours); plan: {cfg.get('plan_source')} on 12 representative days with policy {cfg.get('plan_policy', {})} (the default study's), status {cfg.get('plan_status', '?')}. Throughput is "
        "futures x sites x hours simulated per wall-clock second of a warm "
        "`planner.simulate` call (sampling futures, the hourly dispatch, metrics, the Risk "
        "dataset). Compile = first call minus a warm call of the same shape.\n\n"
    )
    rows = []
    for r in recs:
        rows.append(
            [
                r["group"],
                r["backend"],
                r["dtype"],
                r["n_futures"],
                r["n_sites"],
                r["chunk_size"],
                r["seconds"],
                r["throughput"] / 1e6,
                r["compile_seconds"],
                mib(r.get("peak_rss_bytes")),
                mib((r.get("peak_rss_bytes") or 0) - (r.get("rss_before_bytes") or 0)),
            ]
        )
    text += (
        table(
            [
                "sweep",
                "backend",
                "dtype",
                "futures",
                "sites",
                "chunk",
                "seconds",
                "M fsh/s",
                "compile s",
                "peak RSS MiB",
                "RSS growth in call MiB",
            ],
            rows,
        )
        + "\n"
    )
    f1 = figures.throughput(
        recs,
        "n_futures",
        "futures",
        fig_dir / "mc_throughput_futures.png",
        f"Throughput vs futures ({cfg.get('base_sites')} sites)",
    )
    text += img(f1, report, "throughput vs futures")
    f2 = figures.throughput(
        recs,
        "n_sites",
        "sites",
        fig_dir / "mc_throughput_sites.png",
        f"Throughput vs sites ({cfg.get('sites_futures', 0):,} futures, float32)",
    )
    text += img(f2, report, "throughput vs sites")
    rows = speedup_rows(recs)
    f3 = figures.speedup(rows, fig_dir / "mc_speedup.png")
    text += img(f3, report, "JAX / NumPy ratio")
    chunk = [
        r
        for r in recs
        if r["dtype"] == "float32"
        and r["n_sites"] == cfg.get("base_sites")
        and r["n_futures"] == cfg.get("chunk_futures", cfg.get("headline_futures"))
    ]
    if len({r["chunk_size"] for r in chunk}) > 1:
        text += (
            "\nChunk size (float32): NumPy pays one Python dispatch per array operation per "
            "hour, so larger chunks amortise it; JAX's compiled step is nearly flat per "
            "element. Time per hour step of one chunk shows the fixed against the per-element "
            "cost.\n\n"
        )
        text += (
            table(
                ["backend", "chunk", "M fsh/s", "warm chunk s", "us per hour step per chunk"],
                [
                    [
                        r["backend"],
                        r["chunk_size"],
                        r["throughput"] / 1e6,
                        r["warm_chunk_seconds"],
                        1e6 * r["warm_chunk_seconds"] / r["n_hours"],
                    ]
                    for r in sorted(chunk, key=lambda r: (r["backend"], r["chunk_size"]))
                ],
            )
            + "\n"
        )
    probes = [p for p in cfg.get("kernel_probe", []) if "error" not in p]
    if probes:
        text += "\n### Memory per chunk\n\n"
        text += (
            table(
                [
                    "dtype",
                    "chunk",
                    "sites",
                    "futures arrays MiB",
                    "kernel args MiB",
                    "kernel temp MiB",
                    "kernel output MiB",
                    "scenario inputs MiB",
                ],
                [
                    [
                        p["dtype"],
                        p["n_futures"],
                        p["n_sites"],
                        p["futures_bytes"] / 2**20,
                        p["argument_bytes"] / 2**20,
                        p["temp_bytes"] / 2**20,
                        p["output_bytes"] / 2**20,
                        p["inputs_bytes"] / 2**20,
                    ]
                    for p in probes
                ],
            )
            + "\n\nA chunk holds the compact futures (events, one weather day index per day, "
            "shocks) and (chunk, sites) accumulators; no futures x sites x hours array "
            "exists, so memory is flat in the number of futures (peak RSS column above).\n"
        )
    text += "\n" + profile_section(mc)
    for p in cfg.get("kernel_probe", []):
        if "error" in p:
            text += f"\nKernel probe failed ({p.get('dtype')}): `{p['error']}`.\n"
    text += skipped(mc)
    return text


def roofline_section(roof: dict, mc: dict | None, fig_dir: Path, report: Path) -> str:
    peaks = {r["kind"]: r for r in roof["records"]}
    mm, fma, triad = peaks.get("matmul_f32"), peaks.get("fma_f32"), peaks.get("triad_f32")
    text = "## Roofline\n\n"
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
        rows.append(
            [
                "ridge point (matmul peak / bandwidth)",
                f"{mm['flops_per_second'] / triad['bytes_per_second']:.1f} flop/byte",
            ]
        )
    text += table(["measured peak", "value"], rows) + "\n"
    text += (
        "\nThe peaks come from jitted JAX code that XLA may spread over every core; how many "
        "cores the dispatch kernel kept busy shows in the CPU-seconds-per-second figure of the "
        "headline.\n"
    )
    work = kernel_work(mc) if mc else None
    if work:
        text += "\n### Work per future-site-hour of the dispatch kernel\n\n"
        text += (
            table(
                [
                    "count",
                    "arithmetic",
                    "compare/select",
                    "matmul (one-hot)",
                    "reductions",
                    "data movement",
                    "flops total",
                    "bytes",
                ],
                [
                    [
                        "jaxpr census",
                        work["arithmetic"],
                        work["logic"],
                        work["matmul"],
                        work["reduce"],
                        work["move"],
                        work["census_flops"],
                        f"{work['compulsory_bytes']:.1f} compulsory / "
                        f"{work['unfused_bytes']:.0f} unfused",
                    ],
                ],
            )
            + "\n\n"
            + work["explain"]
            + "\n"
        )
        probe = next(p for p in mc["config"]["kernel_probe"] if "error" not in p)
        per = probe["n_futures"] * probe["n_sites"] * probe["n_hours"]
        top = sorted(probe["jaxpr_census"].items(), key=lambda kv: -kv[1])[:14]
        text += (
            "\nThe kernel's operations per future-site-hour, from its jaxpr (the census above, "
            "largest first; `dot_general_flops` are the small matrix products):\n\n"
        )
        text += table(["primitive", "per future-site-hour"], [[k, v / per] for k, v in top]) + "\n"
        pts = roofline_points(mc, roof)
        f = figures.roofline(
            pts,
            mm["flops_per_second"] if mm else 0,
            fma["flops_per_second"] if fma else 0,
            triad["bytes_per_second"] if triad else 0,
            fig_dir / "roofline.png",
        )
        if pts:
            text += (
                "\n"
                + table(
                    [
                        "point",
                        "GFLOP/s",
                        "intensity flop/byte (compulsory / unfused bytes)",
                        "% of elementwise peak",
                        "% of matmul peak",
                        "bound",
                    ],
                    [
                        [
                            p["label"],
                            p["flops_per_second"] / 1e9,
                            f"{p['intensity']:.3g} / {p.get('intensity_unfused', float('nan')):.2g}",
                            100 * p["fraction_fma"],
                            100 * p["fraction_matmul"],
                            p["bound"],
                        ]
                        for p in pts
                    ],
                )
                + "\n"
            )
        text += img(f, report, "roofline")
    return text


def profile_section(mc: dict) -> str:
    prof = mc["config"].get("profile")
    if not prof:
        return ""
    text = "### Where the JAX kernel's time goes\n\n"
    if "error" in prof:
        return text + f"Profile not taken: `{prof['error']}`.\n"
    steps = prof.get("steps", [])
    if steps:
        text += (
            table(
                [
                    "chunk",
                    "sites",
                    "sample s",
                    "dispatch s (wall)",
                    "dispatch s (CPU)",
                    "us per hour step (CPU)",
                    "ns per future-site-hour (CPU)",
                ],
                [
                    [
                        s["chunk"],
                        s["n_sites"],
                        s["sample_wall"],
                        s["dispatch_wall"],
                        s["dispatch_cpu"],
                        s["us_per_step_cpu"],
                        s["ns_per_fsh_cpu"],
                    ]
                    for s in steps
                ],
            )
            + "\n"
        )
    if "fixed_us_per_step" in prof:
        text += (
            f"\nFitting CPU time per hour step against chunk size: **{prof['fixed_us_per_step']:.1f} us "
            f"fixed per step** (loop and launch overhead) plus **{prof['ns_per_fsh_marginal']:.1f} ns per "
            "future-site** (the arithmetic). CPU time is used because other processes shared the "
            "machine; CPU > wall means XLA ran more than one thread.\n"
        )
    if prof.get("ablation"):
        text += (
            "\n"
            + table(
                ["uncertainty", "chunk", "dispatch s (wall)", "dispatch s (CPU)"],
                [
                    [a["label"], a["chunk"], a["dispatch_wall"], a["dispatch_cpu"]]
                    for a in prof["ablation"]
                ],
            )
            + "\n"
        )
    body = prof.get("loop_body")
    if body:
        text += (
            "\nThe compiled body of the hour loop (one step per hour): "
            f"{body['fusions_in_body']} fusions, {body['library_calls_in_body']} library calls "
            f"(dots), {body['gather']} gathers, {body['dynamic-slice']} dynamic slices, "
            f"{body['select']} selects and {body['compare']} compares (index clamping around "
            f"the slices, NaN-aware min/max), against {body['multiply'] + body['add'] + body['subtract'] + body['minimum'] + body['maximum'] + body['divide']} "
            "arithmetic ops.\n"
        )
    if prof.get("layout"):
        text += (
            "\nMemory layout, on a synthetic elementwise scan of the same (chunk, sites) shape "
            "(350 min/max/multiply-add ops per element per hour, no gathers):\n\n"
        )
        text += (
            table(
                ["layout", "shape", "CPU s", "Gop/s (CPU)"],
                [
                    [r["layout"], "x".join(map(str, r["shape"])), r["cpu"], r["gops_cpu"]]
                    for r in prof["layout"]
                ],
            )
            + "\n"
        )
    return text
