"""The report's devices section: the same simulate call on 1, 2, 4 devices (and a GPU's)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report.markdown import img, not_measured, records_table, skipped
from benchmarks.report.plots import plt, save


def _status(r: dict) -> str:
    return r.get("status", "ok") + (f": {r['error']}" if r.get("error") else "")


def devices_section(dev: dict, fig_dir: Path, report: Path) -> str:
    recs = dev["records"]
    if not recs:
        return not_measured("Several devices", dev)
    plain = [r for r in recs if "fast math off" not in r.get("label", "") and r.get("throughput")]
    base = min(plain, key=lambda r: r["n_devices"])["throughput"] if plain else 0
    columns = [
        ("run", lambda r: r.get("label", "")),
        ("devices", "n_devices"),
        ("platform", "platform"),
        ("futures", "n_futures"),
        ("sites", "n_sites"),
        ("seconds", "seconds"),
        ("M fsh/s", lambda r: (r.get("throughput") or 0) / 1e6),
        ("M fsh per CPU-s", lambda r: (r.get("throughput_cpu") or 0) / 1e6 or None),
        ("vs 1 device", lambda r: (r.get("throughput") or 0) / base if base else None),
        ("status", _status),
    ]
    text = "## Several devices\n\n" + records_table(columns, recs) + "\n"
    text += img(devices(recs, fig_dir / "devices.png"), report, "devices")
    return text + skipped(dev)


def devices(records: list[dict], path: Path) -> Path | None:
    """Throughput and per-device throughput against the number of CPU devices."""
    recs = sorted(
        (r for r in records if r.get("throughput") and "fast math off" not in r.get("label", "")),
        key=lambda r: r["n_devices"],
    )
    if not recs:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    n = [r["n_devices"] for r in recs]
    ax.plot(n, [r["throughput"] / 1e6 for r in recs], marker="o", label="total")
    ax.plot(
        n,
        [r["throughput"] / r["n_devices"] / 1e6 for r in recs],
        marker="s",
        ls="--",
        label="per device",
    )
    ax.set_xticks(n)
    ax.set_xlabel("XLA host devices (--xla_force_host_platform_device_count)")
    ax.set_ylabel("million future-site-hours per second")
    ax.set_ylim(bottom=0)
    ax.set_title("Monte Carlo over several CPU devices")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return save(fig, path)
