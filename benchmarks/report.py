"""`python -m benchmarks.report [--results DIR] [--out REPORT.md]`: the report from result JSON alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import figures
from benchmarks.analysis import findings, headline, kernel_work, roofline_points, speedup_rows
from benchmarks.results import load_results
from planner.io import write_text

HERE = Path(__file__).resolve().parent


def _f(x, digits: int = 3) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != x:
            return "-"
        return f"{x:.{digits}g}"
    return str(x)


def _table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_f(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _mb(b) -> str:
    return "-" if b is None else f"{b / 2**20:.0f}"


def _rel(path: Path | None, report: Path) -> str | None:
    return None if path is None else path.relative_to(report.parent).as_posix()


def _img(path: Path | None, report: Path, alt: str) -> str:
    rel = _rel(path, report)
    return f"\n![{alt}]({rel})\n" if rel else ""


def machine_section(res: dict) -> str:
    any_res = next(iter(res.values()))
    m, v = any_res["machine"], any_res["versions"]
    loads = {s: r["machine"].get("load_average") for s, r in res.items()}
    busy = [s for s, la in loads.items() if la and la[0] > 0.5 * (m.get("usable_cores") or 1)]
    rows = [
        ["CPU", m.get("cpu_model")],
        ["cores (usable / logical)", f"{m.get('usable_cores')} / {m.get('logical_cores')}"],
        ["SIMD", ", ".join(m.get("cpu_simd") or [])],
        ["memory", f"{(m.get('memory_bytes') or 0) / 2**30:.1f} GiB"],
        ["JAX devices", ", ".join(m.get("jax_devices") or [])],
        ["platform", m.get("platform")],
        ["Python / jax / jaxlib", f"{v.get('python')} / {v.get('jax')} / {v.get('jaxlib')}"],
        ["numpy / xarray", f"{v.get('numpy')} / {v.get('xarray')}"],
        ["pulp / highspy", f"{v.get('pulp')} / {v.get('highspy')}"],
        ["planner commit", v.get("git_commit")],
        ["run dates (UTC)", ", ".join(sorted({r["started"][:16] for r in res.values()}))],
    ]
    text = "## What it ran on\n\n" + _table(["", ""], rows) + "\n"
    load_rows = [[s, ", ".join(f"{x:.1f}" for x in la) if la else "-"] for s, la in loads.items()]
    text += "\nLoad average (1, 5, 15 min) when each suite finished:\n\n"
    text += _table(["suite", "load average"], load_rows) + "\n"
    if busy:
        text += (
            f"\n**The machine was busy** during {', '.join(busy)} (load above half the cores): "
            "other processes shared the CPU, so absolute times read high and peaks read low; "
            "ratios measured in the same run (JAX/NumPy) are less affected.\n"
        )
    return text


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
                _mb(r.get("peak_rss_bytes")),
                _mb((r.get("peak_rss_bytes") or 0) - (r.get("rss_before_bytes") or 0)),
            ]
        )
    text += (
        _table(
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
    text += _img(f1, report, "throughput vs futures")
    f2 = figures.throughput(
        recs, "n_sites", "sites", fig_dir / "mc_throughput_sites.png", "Throughput vs sites"
    )
    text += _img(f2, report, "throughput vs sites")
    rows = speedup_rows(recs)
    f3 = figures.speedup(rows, fig_dir / "mc_speedup.png")
    text += _img(f3, report, "JAX / NumPy ratio")
    chunk = [
        r
        for r in recs
        if r["backend"] == "jax"
        and r["dtype"] == "float32"
        and r["n_sites"] == cfg.get("base_sites")
        and r["n_futures"] == cfg.get("chunk_futures", cfg.get("headline_futures"))
    ]
    if len({r["chunk_size"] for r in chunk}) > 1:
        text += (
            "\nChunk size (JAX float32): time per hour step of one chunk shows "
            "the fixed per-step cost against the per-element cost.\n\n"
        )
        text += (
            _table(
                ["chunk", "M fsh/s", "warm chunk s", "us per hour step per chunk"],
                [
                    [
                        r["chunk_size"],
                        r["throughput"] / 1e6,
                        r["warm_chunk_seconds"],
                        1e6 * r["warm_chunk_seconds"] / r["n_hours"],
                    ]
                    for r in sorted(chunk, key=lambda r: r["chunk_size"])
                ],
            )
            + "\n"
        )
    probes = [p for p in cfg.get("kernel_probe", []) if "error" not in p]
    if probes:
        text += "\n### Memory per chunk\n\n"
        text += (
            _table(
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
            + "\n\nA chunk holds the compact futures (events as hour intervals, one weather day "
            "index per day) and (chunk, sites) accumulators; no futures x sites x hours array "
            "exists, so memory is flat in the number of futures (peak RSS column above).\n"
        )
    text += profile_section(mc)
    for p in cfg.get("kernel_probe", []):
        if "error" in p:
            text += f"\nKernel probe failed ({p.get('dtype')}): `{p['error']}`.\n"
    text += _skipped(mc)
    return text


def headline_section(mc: dict | None, roof: dict | None) -> str:
    h = headline(mc, roof) if mc else None
    if not h:
        return "## Headline\n\nThe Monte Carlo suite has not run.\n"
    ok = "meets" if h["ratio"] >= 10 else "**misses**"
    text = "## Headline\n\n"
    text += (
        f"- JAX ({h['dtype']}) at **{h['jax_futures']:,} futures** x {h['n_sites']} sites x "
        f"{h['n_hours']} h: **{h['jax_throughput'] / 1e6:.3g} M future-site-hours/s** "
        f"({h['jax_seconds']:.1f} s).\n"
        f"- NumPy ({h['dtype']}): {h['numpy_throughput'] / 1e6:.3g} M future-site-hours/s, "
        f"{h['numpy_basis']}.\n"
        f"- **JAX / NumPy = {h['ratio']:.1f}x** ({ok} the 10x target).\n"
    )
    if h.get("ratio_cpu"):
        text += (
            f"- By CPU seconds instead of wall seconds (less sensitive to other processes): "
            f"{h['ratio_cpu']:.1f}x; the JAX call used {h['jax_cpu_per_wall']:.2f} CPU seconds per "
            "wall second.\n"
        )
    if h.get("fraction_fma") is not None:
        text += (
            f"- The kernel does ~{h['flops_per_fsh']:.0f} flops per future-site-hour "
            f"(jaxpr census); at the JAX throughput that is {h['achieved_flops'] / 1e9:.2f} GFLOP/s, "
            f"**{100 * h['fraction_fma']:.1f}% of the measured elementwise peak** "
            f"({100 * h['fraction_matmul']:.1f}% of the matmul peak).\n"
        )
    return text + "\n"


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
    text += _table(["measured peak", "value"], rows) + "\n"
    work = kernel_work(mc) if mc else None
    if work:
        text += "\n### Work per future-site-hour of the dispatch kernel\n\n"
        text += (
            _table(
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
                        "-",
                    ],
                    [
                        "XLA cost analysis",
                        "-",
                        "-",
                        "-",
                        "-",
                        "-",
                        work["xla_flops"],
                        work["xla_bytes"],
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
            "largest first; `dot_general_flops` are the one-hot routing matmuls):\n\n"
        )
        text += _table(["primitive", "per future-site-hour"], [[k, v / per] for k, v in top]) + "\n"
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
                + _table(
                    [
                        "point",
                        "GFLOP/s",
                        "intensity flop/byte",
                        "% of elementwise peak",
                        "% of matmul peak",
                        "bound",
                    ],
                    [
                        [
                            p["label"],
                            p["flops_per_second"] / 1e9,
                            p["intensity"],
                            100 * p["fraction_fma"],
                            100 * p["fraction_matmul"],
                            p["bound"],
                        ]
                        for p in pts
                    ],
                )
                + "\n"
            )
        text += _img(f, report, "roofline")
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
            _table(
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
            + _table(
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
        unroll = prof.get("scan_unroll", 1)
        text += (
            f"\nThe compiled loop body (scan unroll {unroll}, so per {unroll} hour(s)): "
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
            _table(
                ["layout", "shape", "CPU s", "Gop/s (CPU)"],
                [
                    [r["layout"], "x".join(map(str, r["shape"])), r["cpu"], r["gops_cpu"]]
                    for r in prof["layout"]
                ],
            )
            + "\n"
        )
    return text


def lp_section(lp: dict, fig_dir: Path, report: Path) -> str:
    recs = lp["records"]
    text = "## LP scaling\n\n"
    if not recs:
        return text + "Not measured: " + " ".join(lp["notes"]) + "\n"
    rows = [
        [
            r["sweep"],
            r["solver"],
            r["n_days"],
            r["n_sites"],
            r.get("relax_siting"),
            r.get("n_rows"),
            r.get("n_cols"),
            r.get("n_nonzeros"),
            r.get("build_seconds"),
            r.get("solve_seconds"),
            r.get("status"),
            _mb(r.get("peak_rss_bytes")),
        ]
        for r in recs
    ]
    text += (
        _table(
            [
                "sweep",
                "solver",
                "days",
                "sites",
                "relaxed",
                "rows",
                "cols",
                "nonzeros",
                "build s",
                "solve s",
                "status",
                "peak RSS MiB",
            ],
            rows,
        )
        + "\n"
    )
    text += _img(
        figures.lp_scaling(recs, "n_days", fig_dir / "lp_days.png", "LP vs modelled days"),
        report,
        "LP vs days",
    )
    text += _img(
        figures.lp_scaling(recs, "n_sites", fig_dir / "lp_sites.png", "LP vs sites"),
        report,
        "LP vs sites",
    )
    return text + _skipped(lp)


def e2e_section(e2e: dict, fig_dir: Path, report: Path) -> str:
    text = "## End to end: the default study\n\n"
    stages = [(r["stage"], r["seconds"]) for r in e2e["records"] if r.get("seconds") is not None]
    if not stages:
        return text + "Not measured: " + " ".join(e2e["notes"]) + "\n"
    total = sum(s for _, s in stages)
    text += (
        _table(
            ["stage", "seconds", "share", "what"],
            [
                [r["stage"], r["seconds"], f"{100 * r['seconds'] / total:.0f}%", r.get("what", "")]
                for r in e2e["records"]
                if r.get("seconds") is not None
            ],
        )
        + "\n"
    )
    text += _img(
        figures.e2e_breakdown(stages, fig_dir / "e2e_breakdown.png"), report, "e2e breakdown"
    )
    return text + _skipped(e2e)


def devices_section(dev: dict, fig_dir: Path, report: Path) -> str:
    text = "## Several devices\n\n"
    recs = dev["records"]
    if not recs:
        return text + "Not measured: " + " ".join(dev["notes"]) + "\n"
    plain = [r for r in recs if "fast-math" not in r.get("label", "") and r.get("throughput")]
    base = min(plain, key=lambda r: r["n_devices"])["throughput"] if plain else 0
    rows = [
        [
            r.get("label", ""),
            r.get("n_devices"),
            r.get("platform"),
            r.get("n_futures"),
            r.get("n_sites"),
            r.get("seconds"),
            (r.get("throughput") or 0) / 1e6,
            (r.get("throughput") or 0) / base if base else None,
            r.get("status", "ok"),
        ]
        for r in recs
    ]
    header = [
        "run",
        "devices",
        "platform",
        "futures",
        "sites",
        "seconds",
        "M fsh/s",
        "vs 1 device",
        "status",
    ]
    text += _table(header, rows) + "\n"
    text += _img(figures.devices(recs, fig_dir / "devices.png"), report, "devices")
    return text + _skipped(dev)


def _skipped(res: dict) -> str:
    text = ""
    if res.get("skipped"):
        text += (
            "\nNot run (time caps and budget):\n\n"
            + "\n".join(f"- {s['case']}: {s['reason']}" for s in res["skipped"])
            + "\n"
        )
    if res.get("notes"):
        text += "\nNotes:\n\n" + "\n".join(f"- {n}" for n in res["notes"]) + "\n"
    return text


HOW_TO = """## How to run

- `make bench` (or `python -m benchmarks.run`): every suite at full size, about 25 minutes on a
  2-core machine; each suite has a time budget and runs its cases in priority order (the
  JAX/NumPy headline first), so a slow machine loses the tail, never the headline. Progress is
  logged to stderr as `[elapsed / budget] suite message`.
- `make bench ARGS="--only mc lp"`: some suites; `ARGS="--quick"`: tiny sizes (the smoke test);
  `ARGS="--budget-scale 2"`: twice the time for each suite.
- `python -m benchmarks.report`: this report and its figures again from `benchmarks/results/*.json`.
- On a GPU machine the same command times the GPU (`jax.devices()` decides); the devices suite
  adds CPU runs with 1, 2 and 4 forced host devices.
- Results: one JSON per suite (schema `planner-bench/1`: machine, versions, config, records,
  skipped cases, notes), written atomically; `benchmarks/results/.cache/` holds the LP plan the
  Monte Carlo suites share (not committed).
"""


def build_report(results_dir: Path, report: Path) -> str:
    res = load_results(results_dir)
    fig_dir = report.parent / "figures"
    parts = [
        "# planner benchmark report\n",
        "Generated by `python -m benchmarks.report` from the JSON in "
        f"`{_rel_or_abs(results_dir, report)}` (run them with `make bench`, or "
        "`python -m benchmarks.run [--quick] [--only mc lp e2e devices roofline]`).\n",
    ]
    if not res:
        return "\n".join(parts + ["No results yet.\n"])
    quick = [s for s, r in res.items() if r.get("quick")]
    if quick:
        parts.append(
            f"**Quick (smoke-test) sizes** for {', '.join(quick)}: numbers are not meaningful.\n"
        )
    parts.append(headline_section(res.get("mc"), res.get("roofline")))
    notes = findings(res) if "mc" in res and res["mc"]["records"] else []
    if notes:
        parts.append(
            "## Where the Monte Carlo's time goes, and what would make it faster\n\n"
            + "\n".join(f"{i + 1}. {n}" for i, n in enumerate(notes))
            + "\n"
        )
    parts.append(machine_section(res))
    if "mc" in res:
        parts.append(mc_section(res["mc"], res.get("roofline"), fig_dir, report))
    if "roofline" in res:
        parts.append(roofline_section(res["roofline"], res.get("mc"), fig_dir, report))
    if "lp" in res:
        parts.append(lp_section(res["lp"], fig_dir, report))
    if "e2e" in res:
        parts.append(e2e_section(res["e2e"], fig_dir, report))
    if "devices" in res:
        parts.append(devices_section(res["devices"], fig_dir, report))
    parts.append(HOW_TO)
    return "\n".join(parts)


def _rel_or_abs(path: Path, report: Path) -> str:
    try:
        return path.resolve().relative_to(report.parent.resolve()).as_posix()
    except ValueError:
        return str(path)


def write_report(results_dir: str | Path, report: str | Path) -> Path:
    """Regenerate `report` (Markdown) and its figures from the JSON in `results_dir`."""
    report = Path(report)
    return write_text(build_report(Path(results_dir), report), report, overwrite=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    ap.add_argument("--results", default=str(HERE / "results"))
    ap.add_argument("--out", default=str(HERE / "REPORT.md"))
    args = ap.parse_args(argv)
    print(write_report(args.results, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
