"""`python -m benchmarks.report [--results DIR] [--out REPORT.md]`: the report from result JSON alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.analysis import findings, headline
from benchmarks.markdown import devices_section, e2e_section, lp_section, table
from benchmarks.mc_sections import mc_section, roofline_section
from benchmarks.results import load_results
from planner.io import write_text

HERE = Path(__file__).resolve().parent


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
    text = "## What it ran on\n\n" + table(["", ""], rows) + "\n"
    load_rows = [[s, ", ".join(f"{x:.1f}" for x in la) if la else "-"] for s, la in loads.items()]
    text += "\nLoad average (1, 5, 15 min) when each suite finished:\n\n"
    text += table(["suite", "load average"], load_rows) + "\n"
    if busy:
        text += (
            f"\n**The machine was busy** during {', '.join(busy)} (load above half the cores): "
            "other processes shared the CPU, so absolute times read high and peaks read low; "
            "ratios measured in the same run (JAX/NumPy) are less affected.\n"
        )
    return text


def headline_section(mc: dict | None, roof: dict | None) -> str:
    h = headline(mc, roof) if mc else None
    if not h:
        return "## Headline\n\nThe Monte Carlo suite has not run.\n"
    worst = min(h["ratio"], h.get("ratio_best", h["ratio"]))
    ok = "meets" if worst >= 10 else "**misses**"
    text = "## Headline\n\n"
    text += (
        f"- JAX ({h['dtype']}) at **{h['jax_futures']:,} futures** x {h['n_sites']} sites x "
        f"{h['n_hours']} h: **{h['jax_throughput'] / 1e6:.3g} M future-site-hours/s** "
        f"({h['jax_seconds']:.1f} s).\n"
        f"- NumPy ({h['dtype']}): {h['numpy_throughput'] / 1e6:.3g} M future-site-hours/s, "
        f"{h['numpy_basis']}.\n"
        f"- **JAX / NumPy = {h['ratio']:.1f}x** at the same chunk size "
        f"({h['jax_chunk']} futures).\n"
    )
    if "ratio_best" in h:
        text += (
            f"- Against NumPy at its fastest chunk size in this run ({h['numpy_best_chunk']:,} "
            f"futures a chunk, measured on {h['numpy_best_futures']:,} futures): "
            f"{h['numpy_best_throughput'] / 1e6:.3g} M future-site-hours/s, "
            f"**JAX / NumPy = {h['ratio_best']:.1f}x**.\n"
        )
    text += f"- The lower of the two, {worst:.1f}x, {ok} the 10x target.\n"
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


HOW_TO = """## How to run

- `make bench` (or `python -m benchmarks.run`): every suite at full size, about 40 minutes on a
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
