"""Numbers derived from result JSON for the report: headline ratio, kernel work, roofline points."""

from __future__ import annotations

from benchmarks.roofline import classify


def _numpy_basis(
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
    n, exact = _numpy_basis(recs, dtype, s0, j["n_futures"])
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
        "numpy_throughput": n["throughput"],
        "numpy_basis": basis,
        "ratio": j["throughput"] / n["throughput"],
    }
    work = kernel_work(mc, dtype)
    peaks = _peaks(roof)
    if work and peaks.get("fma"):
        out["flops_per_fsh"] = work["census_flops"]
        out["achieved_flops"] = work["census_flops"] * j["throughput"]
        out["fraction_fma"] = out["achieved_flops"] / peaks["fma"]
        out["fraction_matmul"] = out["achieved_flops"] / peaks["matmul"]
    return out


def _peaks(roof: dict | None) -> dict:
    if not roof:
        return {}
    by = {r["kind"]: r for r in roof["records"]}
    return {
        "matmul": by.get("matmul_f32", {}).get("flops_per_second"),
        "fma": by.get("fma_f32", {}).get("flops_per_second"),
        "bandwidth": by.get("triad_f32", {}).get("bytes_per_second"),
    }


def kernel_work(mc: dict, dtype: str | None = None) -> dict | None:
    """Flops and bytes per future-site-hour of the dispatch kernel, census and XLA."""
    probes = [p for p in mc["config"].get("kernel_probe", []) if "error" not in p]
    if dtype:
        probes = [p for p in probes if p["dtype"] == dtype] or probes
    if not probes:
        return None
    p = probes[0]
    fsh = p["n_futures"] * p["n_sites"] * p["n_hours"]
    fs = p["n_futures"] * p["n_sites"]
    work = classify(p["jaxpr_census"], fsh)
    work["census_flops"] = work["arithmetic"] + work["logic"] + work["matmul"] + work["reduce"]
    unroll = max(int(p.get("scan_unroll", 1)), 1)
    work["xla_flops"] = p["dispatch_flops"] / unroll / fs
    work["xla_bytes"] = p["dispatch_bytes_accessed"] / unroll / fs
    work["dtype"] = p["dtype"]
    work["n_links"] = p.get("n_links")
    work["explain"] = (
        f"Counted on one chunk ({p['n_futures']} futures x {p['n_sites']} sites, {p['dtype']}, "
        f"{p.get('n_links')} node-site links). The census walks the kernel's jaxpr and counts each "
        "primitive's output elements (the scan body times its length; a one-hot matmul as "
        "2 x M x N x K flops); comparisons, selects, min and max count as flops, as XLA counts "
        "them. XLA's cost analysis counts the `while` body once, so it is divided by the scan "
        f"unroll ({unroll}) and by futures x sites; it also counts the index arithmetic and "
        "clamping XLA adds around gathers and the loop's bookkeeping, hence its higher count. "
        "XLA's bytes are every operation's operands and results as if none stayed in cache: an "
        "upper bound on memory traffic. The scan carry of a chunk (12 (chunk, sites) arrays) "
        "stays in cache, so the compulsory traffic per future-site-hour is a few gathered bytes."
    )
    return work


def roofline_points(mc: dict | None, roof: dict | None) -> list[dict]:
    """Kernel points on the roofline: JAX and NumPy at the headline size (XLA byte count)."""
    if not mc or not roof:
        return []
    h = headline(mc, roof)
    work = kernel_work(mc, mc["config"]["dtypes"][0])
    peaks = _peaks(roof)
    if not h or not work or not peaks.get("fma") or not work["xla_bytes"]:
        return []
    points = []
    for label, thr, marker in (
        ("JAX kernel", h["jax_throughput"], "o"),
        ("NumPy kernel", h["numpy_throughput"], "s"),
    ):
        flops = work["census_flops"] * thr
        intensity = work["census_flops"] / work["xla_bytes"]
        bw = work["xla_bytes"] * thr
        frac_bw = bw / peaks["bandwidth"] if peaks.get("bandwidth") else 0
        frac = flops / peaks["fma"]
        if frac > 0.5:
            bound = "compute"
        elif frac_bw > 0.5:
            bound = "memory"
        else:
            bound = (
                f"neither roof: overhead/latency-bound ({100 * frac:.1f}% of FLOP peak, "
                f"{100 * frac_bw:.0f}% of bandwidth even counting XLA's bytes)"
            )
        points.append(
            {
                "label": label,
                "flops_per_second": flops,
                "intensity": intensity,
                "fraction_fma": frac,
                "fraction_matmul": flops / peaks["matmul"],
                "fraction_bandwidth": frac_bw,
                "bound": bound,
                "marker": marker,
            }
        )
    return points


def speedup_rows(recs: list[dict]) -> list[tuple[str, float]]:
    """(label, JAX/NumPy ratio) for each JAX size; NumPy from the same size or its largest measured."""
    rows = []
    for j in sorted(
        (r for r in recs if r["backend"] == "jax" and r["group"] in ("futures", "sites")),
        key=lambda r: (r["dtype"], r["n_sites"], r["n_futures"]),
    ):
        n, exact = _numpy_basis(recs, j["dtype"], j["n_sites"], j["n_futures"])
        if n is None:
            continue
        star = "" if exact else "*"
        rows.append(
            (
                f"{j['dtype'][-2:]}b F={j['n_futures']:,} S={j['n_sites']}{star}",
                j["throughput"] / n["throughput"],
            )
        )
    return rows
