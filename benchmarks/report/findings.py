"""The report's findings: where the Monte Carlo's time goes and what would make it faster.

Each finding is one function of the results that returns its sentence, or None
when the numbers it needs were not measured.
"""

from __future__ import annotations

from benchmarks.report.headline import headline
from benchmarks.report.profile import ARITHMETIC

LEFT = (
    "What is left, by ablation on one core (256 futures, with multi-output fusion; measured "
    "while tuning the kernel, 2026-12-02): the hour loop about half of the time, the two "
    "day-ahead recursions about a third, the forecast, event words and the rest the remainder; "
    "since then the recursions are unrolled (1.10x), tomorrow's forecast is carried to the "
    "next day (1.11x) and the hour loop sums the metrics itself (1.25x): the section on the "
    "Numba comparator lists each change tried. A GPU runs the same code unchanged."
)


def findings_section(res: dict) -> str:
    """The numbered findings (nothing before the Monte Carlo suite has records)."""
    notes = findings(res) if "mc" in res and res["mc"]["records"] else []
    if not notes:
        return ""
    return (
        "## Where the Monte Carlo's time goes, and what would make it faster\n\n"
        + "\n".join(f"{i + 1}. {n}" for i, n in enumerate(notes))
        + "\n"
    )


def findings(res: dict) -> list[str]:
    """Where the JAX kernel's time goes and what would speed it up, from the measured numbers."""
    mc = res.get("mc") or {}
    prof = mc.get("config", {}).get("profile") or {}
    rows = _device_rows(res.get("devices"))
    found = [
        _ratio(mc, res.get("roofline")),
        _best_chunks(mc),
        _fixed_cost(mc, prof),
        _drivers(prof),
        _loop_body(prof),
        _fast_math(rows),
        _several_devices(rows),
        LEFT,
    ]
    return [f for f in found if f]


def _device_rows(dev: dict | None) -> dict[str, dict]:
    if not dev:
        return {}
    return {r.get("label", ""): r for r in dev["records"] if r.get("throughput")}


def _ratio(mc: dict, roof: dict | None) -> str | None:
    h = headline(mc, roof) if mc else None
    if not h:
        return None
    return (
        f"At the default chunk of {mc['config'].get('chunk_size')} futures, JAX runs "
        f"{h['ratio']:.1f}x the NumPy reference. NumPy pays one Python dispatch per array "
        "operation per hour, and each operation is a pass through memory; the JAX kernel "
        "compiles the day into a few dozen fused loops and keeps the hour step in cache."
    )


def _best_chunks(mc: dict) -> str | None:
    chunked = [r for r in mc.get("records", []) if r["group"] == "chunk"]
    j, n = (
        max((r for r in chunked if r["backend"] == b), key=lambda r: r["throughput"], default=None)
        for b in ("jax", "numpy")
    )
    if not (j and n):
        return None
    return (
        f"Each backend at its best chunk size ({j['n_futures']:,} futures): JAX "
        f"{j['throughput'] / 1e6:.1f} M future-site-hours/s at chunk {j['chunk_size']}, NumPy "
        f"{n['throughput'] / 1e6:.1f} M at chunk {n['chunk_size']}: "
        f"{j['throughput'] / n['throughput']:.1f}x. Larger chunks help NumPy (fewer Python "
        "dispatches per element); JAX is best at a few hundred futures a chunk, where a "
        "day's (24, sites, futures) arrays still sit in the second-level cache."
    )


def _fixed_cost(mc: dict, prof: dict) -> str | None:
    if "fixed_us_per_step" not in prof:
        return None
    step = next(
        (s for s in prof["steps"] if s["chunk"] == mc["config"].get("chunk_size")),
        prof["steps"][-1],
    )
    fixed_us = prof["fixed_us_per_step"]
    share = fixed_us / step["us_per_step_cpu"] if step["us_per_step_cpu"] else 0
    fixed = (
        f"about {fixed_us:.0f} us ({100 * share:.0f}%) is fixed (loop and launch overhead); the rest"
        if fixed_us > 0.5
        else "no measurable part is fixed (loop and launch overhead are lost in the fit); all"
    )
    return (
        f"Of {step['us_per_step_cpu']:.0f} us of CPU per simulated hour at chunk "
        f"{step['chunk']}, {fixed}, {prof['ns_per_fsh_marginal']:.1f} ns per "
        "future-site-hour, grows with the chunk."
    )


def _drivers(prof: dict) -> str | None:
    abl = {a["label"]: a for a in prof.get("ablation", [])}
    on, off = abl.get("all drivers on (defaults)"), abl.get("every driver off")
    if not (on and off and off["dispatch_cpu"] > 0):
        return None
    return (
        f"The uncertainty drivers cost little inside the kernel: every driver off runs in "
        f"{off['dispatch_cpu']:.2f} s CPU against {on['dispatch_cpu']:.2f} s with all on "
        "(event bits, weather noise and shocks are cheap next to the dispatch itself)."
    )


def _loop_body(prof: dict) -> str | None:
    body = prof.get("loop_body")
    if not body:
        return None
    return (
        f"The compiled hour step holds {body['fusions_in_body']} fusions and "
        f"{body['library_calls_in_body']} library calls, with "
        f"{sum(body[k] for k in ARITHMETIC)} arithmetic ops, "
        f"{body['select'] + body['compare']} selects/compares and {body['dynamic-slice']} "
        "dynamic slices (reading the hour from the day's arrays). With XLA's multi-output "
        "fusion (planner/mc/devices.py) one fused loop writes several of the step's results, "
        "so the step's chain of arithmetic runs once and the hour loop can carry and add to "
        "every metric itself; without it XLA repeated the chain in each fusion that writes "
        "a result (1.7x slower on one core)."
    )


def _fast_math(rows: dict[str, dict]) -> str | None:
    one, plain = rows.get("cpu x1"), rows.get("cpu x1 fast math off")
    if not (one and plain):
        return None
    by_cpu = bool(one.get("throughput_cpu") and plain.get("throughput_cpu"))
    key = "throughput_cpu" if by_cpu else "throughput"
    return (
        f"Fast math (on by default, planner/mc/devices.py) is worth "
        f"{one[key] / plain[key]:.2f}x on one device by {'CPU' if by_cpu else 'wall'} time: "
        "min/max without NaN checks and vectorised divisions. Set PLANNER_FAST_MATH=0 to compare."
    )


def _several_devices(rows: dict[str, dict]) -> str | None:
    one, two = rows.get("cpu x1"), rows.get("cpu x2")
    if not (one and two):
        return None
    gain = two["throughput"] / one["throughput"]
    why = (
        "Sharding the futures axis over one host device per core "
        "(PLANNER_CPU_DEVICES=auto, the default) is how the kernel uses every core: "
        "one device runs some independent fused loops side by side, but each fused "
        "loop on one thread."
        if gain >= 1.1
        else "On this machine one device is as fast; set PLANNER_CPU_DEVICES=1."
    )
    return f"Several CPU devices: two forced host devices ran {gain:.2f}x one device (wall). " + why
