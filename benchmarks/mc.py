"""Monte Carlo throughput: JAX against NumPy, futures x sites x hours per second.

For each (backend, dtype, sites, chunk) the first call (XLA compile + one
chunk) is timed apart from a second, warm call of the same shape; the
difference is the compile time. Then each size is timed warm. NumPy's
throughput is flat in futures (a Python loop over hours, vectorised over the
chunk), so it is measured up to the size that fits its time cap and quoted
from there; every skipped or extrapolated size is written down.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import jax

import planner
from benchmarks.base_case import base_case, default_policy, default_settings, scaled
from benchmarks.machine import peak_rss_bytes, reset_peak_rss, rss_bytes
from benchmarks.progress import Budget, Clock
from benchmarks.results import SuiteResult
from planner.mc.simulate import chunk_for


@dataclass
class McSizes:
    """What the suite runs; `budget_seconds` bounds the whole suite."""

    futures: list[int]  # futures sweep, at the base scenario's sites
    sites: list[int]  # sites sweep, at `sites_futures` futures
    sites_futures: int
    dtypes: list[str]
    chunk_size: int
    chunk_sweep: list[int] = field(default_factory=list)  # JAX float32 at `chunk_futures`
    numpy_chunk_sweep: list[int] = field(default_factory=list)  # NumPy, same size
    chunk_futures: int = 4096
    headline_futures: int = 10_000
    numpy_case_seconds: float = 200.0  # a NumPy size longer than this is extrapolated
    jax_case_seconds: float = 300.0
    budget_seconds: float = 900.0


FULL = McSizes(
    futures=[100, 1_000, 10_000, 100_000],
    sites=[10, 20, 50],  # 10 at least: each node's realtime class needs a near site
    sites_futures=1_000,
    dtypes=["float32", "float64"],
    chunk_size=256,
    chunk_sweep=[64, 256, 1024, 4096],
    numpy_chunk_sweep=[256, 1024, 2048],
    chunk_futures=2048,
)
QUICK = McSizes(
    futures=[16, 32],
    sites=[],
    sites_futures=32,
    dtypes=["float32"],
    chunk_size=16,
    headline_futures=32,
    chunk_futures=32,
    numpy_case_seconds=10.0,
    jax_case_seconds=20.0,
    budget_seconds=40.0,
)


class McRunner:
    """Times `planner.simulate` warm, with the first (compiling) call timed apart."""

    def __init__(self, result: SuiteResult, budget: Budget, clock: Clock, sizes: McSizes):
        self.result, self.budget, self.clock, self.sizes = result, budget, clock, sizes
        self.warm: dict[tuple, dict] = {}
        self.n_devices = len(jax.devices())

    def _call(self, scn, plan, n, backend, dtype, chunk) -> tuple[float, dict]:
        c0 = time.process_time()
        t0 = time.perf_counter()
        risk = planner.simulate(
            scn,
            plan,
            n_futures=n,
            seed=0,
            chunk_size=chunk,
            backend=backend,
            dtype=dtype,
            progress=False,
        )
        attrs = dict(risk.attrs)
        attrs["_cpu_seconds"] = time.process_time() - c0
        return time.perf_counter() - t0, attrs

    def effective_chunk(self, n: int, chunk: int, backend: str) -> int:
        """The chunk `planner.simulate` really runs (JAX: whole vectors on every device)."""
        devices = self.n_devices if backend == "jax" else 1
        return chunk_for(chunk, n, devices, backend)

    def warm_up(self, scn, plan, backend, dtype, chunk) -> dict:
        """First and second call on one chunk of this shape (cached per shape)."""
        key = (backend, dtype, scn.sizes["site"], scn.sizes["time"], chunk)
        if key not in self.warm:
            first, _ = self._call(scn, plan, chunk, backend, dtype, chunk)
            second, attrs = self._call(scn, plan, chunk, backend, dtype, chunk)
            self.warm[key] = {
                "first_call_seconds": first,
                "warm_chunk_seconds": second,
                "compile_seconds": max(first - second, 0.0),
                "chunk_throughput": chunk * scn.sizes["site"] * scn.sizes["time"] / second,
            }
        return self.warm[key]

    def case(self, scn, plan, backend, dtype, n, chunk, group, scenario_name) -> dict | None:
        """Time one size warm; skip (and say why) if it would not fit its cap or the budget."""
        s, h = scn.sizes["site"], scn.sizes["time"]
        label = f"{backend} {dtype} F={n} S={s} chunk={chunk}"
        eff = self.effective_chunk(n, chunk, backend)
        if not self.budget.fits(10.0):
            self.result.skip(label, "suite time budget spent")
            return None
        warm = self.warm_up(scn, plan, backend, dtype, eff)
        estimate = n * s * h / warm["chunk_throughput"]
        cap = self.sizes.numpy_case_seconds if backend == "numpy" else self.sizes.jax_case_seconds
        if estimate > cap or not self.budget.fits(estimate):
            why = (
                f"estimated {estimate:.0f} s > cap {cap:.0f} s"
                if estimate > cap
                else (
                    f"estimated {estimate:.0f} s > {self.budget.left:.0f} s left in the suite budget"
                )
            )
            self.result.skip(label, why)
            self.clock.log("mc", f"skip {label}: {why}")
            return None
        reset_peak_rss()
        rss_before = rss_bytes()
        seconds, attrs = self._call(scn, plan, n, backend, dtype, chunk)
        rec = self.result.add(
            group=group,
            scenario=scenario_name,
            backend=backend,
            dtype=dtype,
            n_futures=n,
            n_sites=s,
            n_hours=h,
            chunk_size=eff,
            n_devices=int(attrs.get("devices", 1)),
            device_kind=str(attrs.get("device_kind", "")),
            seconds=seconds,
            simulate_seconds_attr=float(attrs.get("seconds", seconds)),
            throughput=n * s * h / seconds,
            cpu_seconds=attrs["_cpu_seconds"],
            throughput_cpu=n * s * h / attrs["_cpu_seconds"],
            futures_per_second=n / seconds,
            first_call_seconds=warm["first_call_seconds"],
            warm_chunk_seconds=warm["warm_chunk_seconds"],
            compile_seconds=warm["compile_seconds"],
            peak_rss_bytes=peak_rss_bytes(),
            rss_before_bytes=rss_before,
        )
        self.clock.log(
            "mc",
            f"{label}: {seconds:.2f} s, {rec['throughput'] / 1e6:.2f} M fsh/s "
            f"(compile {warm['compile_seconds']:.1f} s)",
        )
        return rec


def run(
    out_dir,
    clock: Clock,
    quick: bool = False,
    sizes: McSizes | None = None,
    reuse_plan: bool = False,
) -> SuiteResult:
    """Run the Monte Carlo suite and write `mc.json` (and the kernel probe in it).

    reuse_plan: time the plan cached under `out_dir` (base_case) instead of solving afresh.
    """
    sizes = sizes or (QUICK if quick else FULL)
    result = SuiteResult("mc", quick=quick, config=asdict(sizes))
    budget = Budget(clock, sizes.budget_seconds)
    base, name, plan, plan_source = base_case(quick, out_dir, reuse=reuse_plan)
    result.config.update(
        scenario=name,
        plan_source=plan_source,
        base_sites=base.sizes["site"],
        plan_policy=default_policy(),
        plan_n_days=default_settings().time.n_days,
        plan_status=str(plan.attrs.get("status", "")),
    )
    result.note(
        "Throughput = futures x sites x hours / wall seconds of a warm `planner.simulate` call "
        "(sampling the futures, the dispatch kernel, metrics and the Risk dataset)."
    )
    runner = McRunner(result, budget, clock, sizes)
    cases = case_list(sizes, base.sizes["site"])
    n_head = 2 * len([n for n in sizes.futures if n <= sizes.headline_futures])
    for i, (group, backend, dtype, n, s, chunk) in enumerate(cases):
        if i == n_head:  # after the headline comparison: the kernel's cost, memory and profile
            kernel_analysis(result, budget, clock, runner, base, plan, sizes, quick)
        scn, p = scaled(base, plan, s)
        label = name if s == base.sizes["site"] else f"{name} x{s} synthetic sites"
        runner.case(scn, p, backend, dtype, n, chunk, group, label)
        result.write(out_dir)  # partial results survive an interrupted run
    if "kernel_probe" not in result.config:
        kernel_analysis(result, budget, clock, runner, base, plan, sizes, quick)
    result.note(
        "NumPy sizes whose estimated time exceeds its per-case cap are not run; NumPy "
        "throughput is flat in futures (one Python loop over hours per chunk), so its "
        "largest measured size stands for larger ones."
    )
    result.write(out_dir)
    return result


def kernel_analysis(result, budget, clock, runner, base, plan, sizes, quick) -> None:
    """XLA cost and memory of one chunk (each dtype) and the kernel profile, into the config.

    Both lower `planner.mc.kernel` apart from `simulate`; if that fails, the error is
    recorded (the report says so) and the suite goes on timing `simulate`.
    """
    from benchmarks.kernel_probe import kernel_probe
    from benchmarks.profile_mc import profile

    probes = []
    for dtype in sizes.dtypes:
        if budget.fits(15.0 if quick else 40.0):
            chunk = runner.effective_chunk(sizes.chunk_size, sizes.chunk_size, "jax")
            probes.append({**_or_error(kernel_probe, base, plan, chunk, dtype), "dtype": dtype})
    result.config["kernel_probe"] = probes
    if budget.fits(10.0 if quick else 60.0):
        clock.log("mc", "profiling the dispatch kernel (chunk sizes, drivers, loop body)")
        chunks = (8, 16) if quick else (64, 256, 512)
        result.config["profile"] = _or_error(profile, base, plan, chunks=chunks, quick=quick)
    else:
        result.skip("kernel profile", "suite time budget spent")


def _or_error(fn, *args, **kwargs) -> dict:
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # recorded in mc.json and shown in the report
        return {"error": f"{type(err).__name__}: {err}"}


def case_list(sizes: McSizes, s0: int) -> list[tuple]:
    """(group, backend, dtype, futures, sites, chunk) in priority order: the headline first.

    The suite runs down this list until its time budget is spent, so a slow
    kernel costs the tail (big sweeps), never the JAX/NumPy comparison.
    """
    c = sizes.chunk_size
    head, rest = sizes.dtypes[0], sizes.dtypes[1:]
    small = [n for n in sizes.futures if n <= sizes.headline_futures]
    big = [n for n in sizes.futures if n > sizes.headline_futures]
    cases = []
    for n in small:  # 1. the headline comparison, first dtype
        cases += [("futures", "jax", head, n, s0, c), ("futures", "numpy", head, n, s0, c)]
    for dtype in rest:  # 2. other dtypes (NumPy below the headline size: it is flat in futures)
        for n in small:
            cases.append(("futures", "jax", dtype, n, s0, c))
            if n < sizes.headline_futures:
                cases.append(("futures", "numpy", dtype, n, s0, c))
    for s in sizes.sites:  # 3. sites sweep, first dtype
        if s != s0:
            cases += [("sites", b, head, sizes.sites_futures, s, c) for b in ("jax", "numpy")]
    for chunk in sizes.numpy_chunk_sweep:  # 4a. chunk size, NumPy (its Python overhead amortises)
        cases.append(("chunk", "numpy", head, sizes.chunk_futures, s0, chunk))
    for chunk in sizes.chunk_sweep:  # 4b. chunk size, JAX
        cases.append(("chunk", "jax", head, sizes.chunk_futures, s0, chunk))
    for dtype in sizes.dtypes:  # 5. beyond the headline size (JAX; NumPy capped), if time is left
        cases += [("futures", "jax", dtype, n, s0, c) for n in big]
    return cases
