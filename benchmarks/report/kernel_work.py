"""The dispatch kernel's work per future-site-hour (from mc.json's probe) and the machine's peaks."""

from __future__ import annotations

from benchmarks.roofline import classify


def peaks(roof: dict | None) -> dict:
    """Measured matmul and elementwise FLOP/s and triad bytes/s (empty without a roofline run)."""
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
    work = classify(p["jaxpr_census"], fsh)
    work["census_flops"] = work["arithmetic"] + work["logic"] + work["matmul"] + work["reduce"]
    itemsize = 8 if p["dtype"] == "float64" else 4
    elements = sum(work[k] for k in ("arithmetic", "logic", "reduce", "move", "other"))
    work["unfused_bytes"] = 2.0 * itemsize * elements  # every result written once, read once
    work["compulsory_bytes"] = itemsize * (2.0 + 1.0 / 24.0)  # ren + pue per hour, noise per day
    work["dtype"] = p["dtype"]
    work["n_links"] = p.get("n_links")
    work["explain"] = (
        f"Counted on one chunk ({p['n_futures']} futures x {p['n_sites']} sites, {p['dtype']}, "
        f"{p.get('n_links')} node-site links). The census walks the kernel's jaxpr and counts each "
        "primitive's output elements (scan bodies times their length; a matrix product as "
        "2 x M x N x K flops); comparisons, selects, min and max count as flops. Bytes bound the "
        "memory traffic from both sides. Unfused: every result of every primitive written to "
        "memory once and read once, as if nothing were fused or stayed in cache "
        f"({work['unfused_bytes']:.0f} bytes). Compulsory: what must come from memory at all, "
        "the renewable and PUE value of the source hour plus a weather-noise value per day "
        f"({work['compulsory_bytes']:.1f} bytes); the day's and the hour step's arrays of a "
        "chunk (hundreds of KiB) stay in cache. The roofline places the kernel by the "
        "compulsory bytes and marks how far it would move with the unfused ones. "
        "(XLA's own cost analysis counts each `while` body once whatever its trip count, so it "
        "cannot count a loop of hours inside a loop of days; it is not used.)"
    )
    return work
