"""The report's "What it ran on": machine, versions, run dates and how busy the machine was."""

from __future__ import annotations

from benchmarks.report.markdown import table


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
