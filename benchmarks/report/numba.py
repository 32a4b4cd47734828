"""The report's comparison of the JAX kernel with the Numba comparator (numba.json)."""

from __future__ import annotations

from benchmarks.report.markdown import skipped, table

TARGET = 1.5  # JAX / Numba the kernel is meant to reach on CPU (issue 18)


def numba_rates(res: dict) -> list[dict]:
    """Per size: JAX, Numba and NumPy throughput, the ratio and the loads (same run)."""
    recs = res["records"]
    numpy = [r for r in recs if r.get("backend") == "numpy"]
    out = []
    for ratio in (r for r in recs if r.get("kind") == "ratio"):
        n = ratio["n_futures"]
        by = {r["backend"]: r for r in recs if r.get("n_futures") == n and "backend" in r}
        if "jax" not in by or "numba" not in by:
            continue
        loads = by["jax"]["load_average_1min"] + by["numba"]["load_average_1min"]
        out.append(
            {
                "n_futures": n,
                "jax": by["jax"]["throughput"],
                "numba": by["numba"]["throughput"],
                "numpy": numpy[0]["throughput"] if numpy else None,
                "ratio": ratio["jax_over_numba"],
                "difference": ratio["numba_vs_jax_difference"],
                "load_min": min(loads),
                "load_max": max(loads),
            }
        )
    return out


def numba_section(res: dict) -> str:
    cfg = res["config"]
    rows = numba_rates(res)
    port = cfg.get("numba_port", {})
    cpu = cfg.get("cpu", {})
    text = "## JAX against a tuned Numba port (the strongest CPU comparator)\n\n"
    text += (
        f"Scenario **{cfg.get('scenario')}** ({cfg.get('n_sites')} sites, {cfg.get('n_links')} "
        f"node-site links, {cfg.get('n_hours')} h), plan: {cfg.get('plan_source')} "
        f"(status {cfg.get('plan_status')}). CPU: {cpu.get('model name')} (family "
        f"{cpu.get('cpu family')}, model {cpu.get('model')}); JAX devices "
        f"{', '.join(cfg.get('jax_devices', []))}, XLA_FLAGS `{cfg.get('xla_flags')}`. Numba "
        f"{port.get('numba')} (llvmlite {port.get('llvmlite')}), {port.get('threads')} threads "
        f"({port.get('threading_layer')}), blocks of {port.get('block_futures')} futures, "
        f"fastmath {{{', '.join(port.get('fastmath', []))}}}, {port.get('dtype')}. "
        f"Both warm, best of {cfg.get('repeats')}, alternating in one process.\n\n"
    )
    text += (
        "The port (benchmarks/numba_port.py) is written to be fast, not a straw man: `prange` "
        "over blocks of 16 futures with the futures in SIMD lanes innermost, tomorrow's "
        "forecast made once and carried to the next day (two buffers swapped), float32, "
        "fastmath, every per-block array in cache; tests/benchmarks/test_numba_port.py holds "
        "it to the NumPy reference.\n\n"
    )
    if not rows:
        return text + "Nothing measured.\n" + skipped(res)
    text += table(
        [
            "futures",
            "JAX M fsh/s",
            "Numba M fsh/s",
            "NumPy M fsh/s",
            "JAX / Numba",
            "JAX vs Numba max rel. diff",
            "load (1 min) during",
        ],
        [
            [
                f"{r['n_futures']:,}",
                r["jax"] / 1e6,
                r["numba"] / 1e6,
                None if r["numpy"] is None else r["numpy"] / 1e6,
                f"{r['ratio']:.2f}x",
                f"{r['difference']:.1e}",
                f"{r['load_min']:.1f}-{r['load_max']:.1f}",
            ]
            for r in rows
        ],
    )
    worst = min(r["ratio"] for r in rows)
    verdict = "meets" if worst >= TARGET else "**misses**"
    text += (
        f"\n\nThe lower ratio, {worst:.2f}x, {verdict} the {TARGET}x target. NumPy ran "
        "one chunk (its throughput is flat in futures).\n"
    )
    return text + skipped(res)


def numba_headline(res: dict) -> str:
    """Headline lines: JAX, Numba and NumPy at each size, and JAX / Numba against its target."""
    rows = numba_rates(res)
    if not rows:
        return ""
    lines = [
        f"- Against the tuned Numba port (same run, warm, float32) at {r['n_futures']:,} futures: "
        f"JAX {r['jax'] / 1e6:.3g}, Numba {r['numba'] / 1e6:.3g}"
        + ("" if r["numpy"] is None else f", NumPy {r['numpy'] / 1e6:.3g}")
        + f" M future-site-hours/s: **JAX / Numba = {r['ratio']:.2f}x** (load "
        f"{r['load_min']:.1f}-{r['load_max']:.1f})."
        for r in rows
    ]
    worst = min(r["ratio"] for r in rows)
    verdict = "meets" if worst >= TARGET else "**misses**"
    lines.append(f"- The lower JAX / Numba ratio, {worst:.2f}x, {verdict} the {TARGET}x target.")
    return "\n".join(lines) + "\n"
