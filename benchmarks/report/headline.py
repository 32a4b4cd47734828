"""The report's headline: JAX against NumPy at the headline size, and the share of the peak."""

from __future__ import annotations

from benchmarks.report.kernel_work import kernel_work, peaks


def numpy_basis(
    recs: list[dict], dtype: str, n_sites: int, n_futures: int
) -> tuple[dict | None, bool]:
    """NumPy record at (dtype, sites, futures), else its largest measured size there (flat in futures)."""
    same = [
        r
        for r in recs
        if r["backend"] == "numpy" and r["dtype"] == dtype and r["n_sites"] == n_sites
    ]
    exact = [r for r in same if r["n_futures"] == n_futures]
    if exact:
        return exact[0], True
    if not same:
        return None, False
    return max(same, key=lambda r: r["n_futures"]), False


def headline(mc: dict, roof: dict | None) -> dict | None:
    """JAX vs NumPy at the headline size on the base scenario, with the roofline fraction."""
    cfg, recs = mc["config"], mc["records"]
    if not recs:
        return None
    s0, fh, dtype = cfg.get("base_sites"), cfg.get("headline_futures"), cfg["dtypes"][0]
    jax = [
        r
        for r in recs
        if r["backend"] == "jax"
        and r["dtype"] == dtype
        and r["n_sites"] == s0
        and r["group"] == "futures"
        and r["n_futures"] <= fh
    ]
    if not jax:
        return None
    j = max(jax, key=lambda r: r["n_futures"])
    n, exact = numpy_basis(recs, dtype, s0, j["n_futures"])
    if n is None:
        return None
    basis = (
        f"measured at {n['n_futures']:,} futures in the same run"
        if exact
        else f"measured at {n['n_futures']:,} futures in the same run and quoted for "
        f"{j['n_futures']:,} (NumPy throughput is flat in futures; the full size would take "
        f"~{j['n_futures'] * s0 * j['n_hours'] / n['throughput']:.0f} s)"
    )
    out = {
        "dtype": dtype,
        "jax_futures": j["n_futures"],
        "n_sites": s0,
        "n_hours": j["n_hours"],
        "jax_throughput": j["throughput"],
        "jax_seconds": j["seconds"],
        "jax_chunk": j["chunk_size"],
        "numpy_throughput": n["throughput"],
        "numpy_basis": basis,
        "ratio": j["throughput"] / n["throughput"],
    }
    fastest = max(
        (r for r in recs if r["backend"] == "numpy" and r["dtype"] == dtype and r["n_sites"] == s0),
        key=lambda r: r["throughput"],
    )
    out["numpy_best_throughput"] = fastest["throughput"]
    out["numpy_best_chunk"] = fastest["chunk_size"]
    out["numpy_best_futures"] = fastest["n_futures"]
    out["ratio_best"] = j["throughput"] / fastest["throughput"]
    if j.get("throughput_cpu") and n.get("throughput_cpu"):
        out["ratio_cpu"] = j["throughput_cpu"] / n["throughput_cpu"]
        out["jax_cpu_per_wall"] = j["seconds"] and j["cpu_seconds"] / j["seconds"]
    work = kernel_work(mc, dtype)
    peak = peaks(roof)
    if work and peak.get("fma"):
        out["flops_per_fsh"] = work["census_flops"]
        out["achieved_flops"] = work["census_flops"] * j["throughput"]
        out["fraction_fma"] = out["achieved_flops"] / peak["fma"]
        out["fraction_matmul"] = out["achieved_flops"] / peak["matmul"]
    return out


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
