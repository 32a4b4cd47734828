"""The report's kernel profile: where the JAX kernel's time goes (benchmarks/profile_mc.py)."""

from __future__ import annotations

from benchmarks.report.markdown import records_table

STEP_COLUMNS = [
    ("chunk", "chunk"),
    ("sites", "n_sites"),
    ("sample s", "sample_wall"),
    ("dispatch s (wall)", "dispatch_wall"),
    ("dispatch s (CPU)", "dispatch_cpu"),
    ("us per hour step (CPU)", "us_per_step_cpu"),
    ("ns per future-site-hour (CPU)", "ns_per_fsh_cpu"),
]
ABLATION_COLUMNS = [
    ("uncertainty", "label"),
    ("chunk", "chunk"),
    ("dispatch s (wall)", "dispatch_wall"),
    ("dispatch s (CPU)", "dispatch_cpu"),
]
LAYOUT_COLUMNS = [
    ("layout", "layout"),
    ("shape", lambda r: "x".join(map(str, r["shape"]))),
    ("CPU s", "cpu"),
    ("Gop/s (CPU)", "gops_cpu"),
]
ARITHMETIC = ("multiply", "add", "subtract", "minimum", "maximum", "divide")


def profile_section(mc: dict) -> str:
    prof = mc["config"].get("profile")
    if not prof:
        return ""
    text = "### Where the JAX kernel's time goes\n\n"
    if "error" in prof:
        return text + f"Profile not taken: `{prof['error']}`.\n"
    if prof.get("steps"):
        text += records_table(STEP_COLUMNS, prof["steps"]) + "\n"
    if "fixed_us_per_step" in prof:
        text += (
            f"\nFitting CPU time per hour step against chunk size: "
            f"**{prof['fixed_us_per_step']:.1f} us fixed per step** (loop and launch overhead) "
            f"plus **{prof['ns_per_fsh_marginal']:.1f} ns per future-site** (the arithmetic). "
            "CPU time is used because other processes shared the machine; CPU > wall means XLA "
            "ran more than one thread.\n"
        )
    if prof.get("ablation"):
        text += "\n" + records_table(ABLATION_COLUMNS, prof["ablation"]) + "\n"
    body = prof.get("loop_body")
    if body:
        text += (
            "\nThe compiled body of the hour loop (one step per hour): "
            f"{body['fusions_in_body']} fusions, {body['library_calls_in_body']} library calls "
            f"(dots), {body['gather']} gathers, {body['dynamic-slice']} dynamic slices, "
            f"{body['select']} selects and {body['compare']} compares (index clamping around "
            f"the slices, NaN-aware min/max), against {sum(body[k] for k in ARITHMETIC)} "
            "arithmetic ops.\n"
        )
    if prof.get("layout"):
        text += (
            "\nMemory layout, on a synthetic elementwise scan of the same (chunk, sites) shape "
            "(350 min/max/multiply-add ops per element per hour, no gathers):\n\n"
        )
        text += records_table(LAYOUT_COLUMNS, prof["layout"]) + "\n"
    return text
