"""Markdown for the benchmark report: table and image helpers; the LP, e2e and devices sections."""

from __future__ import annotations

from pathlib import Path

from benchmarks import figures


def fmt(x, digits: int = 3) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != x:
            return "-"
        return f"{x:.{digits}g}"
    return str(x)


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def mib(b) -> str:
    return "-" if b is None else f"{b / 2**20:.0f}"


def rel(path: Path | None, report: Path) -> str | None:
    return None if path is None else path.relative_to(report.parent).as_posix()


def img(path: Path | None, report: Path, alt: str) -> str:
    link = rel(path, report)
    return f"\n![{alt}]({link})\n" if link else ""


def skipped(res: dict) -> str:
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


def lp_section(lp: dict, fig_dir: Path, report: Path) -> str:
    recs = lp["records"]
    text = "## LP scaling\n\n"
    if not recs:
        return text + "Not measured: " + " ".join(lp["notes"]) + "\n"
    rows = [
        [
            r["sweep"],
            r["solver"] + (" ipm" if (r.get("highs_options") or {}).get("solver") == "ipm" else ""),
            r["n_days"] or "full year",
            r["n_sites"],
            r.get("relax_siting"),
            r.get("n_rows"),
            r.get("n_cols"),
            r.get("n_nonzeros"),
            r.get("build_seconds"),
            r.get("solve_seconds"),
            r.get("status"),
            mib(r.get("peak_rss_bytes")),
        ]
        for r in recs
    ]
    text += (
        table(
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
    text += img(
        figures.lp_scaling(recs, "n_days", fig_dir / "lp_days.png", "LP vs modelled days"),
        report,
        "LP vs days",
    )
    text += img(
        figures.lp_scaling(recs, "n_sites", fig_dir / "lp_sites.png", "LP vs sites"),
        report,
        "LP vs sites",
    )
    return text + skipped(lp)


def e2e_section(e2e: dict, fig_dir: Path, report: Path) -> str:
    text = "## End to end: the default study\n\n"
    stages = [(r["stage"], r["seconds"]) for r in e2e["records"] if r.get("seconds") is not None]
    if not stages:
        return text + "Not measured: " + " ".join(e2e["notes"]) + "\n"
    total = sum(s for _, s in stages)
    text += (
        table(
            ["stage", "seconds", "share", "what"],
            [
                [r["stage"], r["seconds"], f"{100 * r['seconds'] / total:.0f}%", r.get("what", "")]
                for r in e2e["records"]
                if r.get("seconds") is not None
            ],
        )
        + "\n"
    )
    text += img(
        figures.e2e_breakdown(stages, fig_dir / "e2e_breakdown.png"), report, "e2e breakdown"
    )
    return text + skipped(e2e)


def devices_section(dev: dict, fig_dir: Path, report: Path) -> str:
    text = "## Several devices\n\n"
    recs = dev["records"]
    if not recs:
        return text + "Not measured: " + " ".join(dev["notes"]) + "\n"
    plain = [r for r in recs if "fast math off" not in r.get("label", "") and r.get("throughput")]
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
            (r.get("throughput_cpu") or 0) / 1e6 or None,
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
        "M fsh per CPU-s",
        "vs 1 device",
        "status",
    ]
    text += table(header, rows) + "\n"
    text += img(figures.devices(recs, fig_dir / "devices.png"), report, "devices")
    return text + skipped(dev)
