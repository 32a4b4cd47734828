"""`prepare`: a Scenario and a Plan as the complete inputs of the Monte Carlo kernels, in one place.

The one boundary between labelled Datasets and the kernels' plain arrays:
`simulate`, `dispatch_trace` and the benchmarks call `prepare` and hand what it
returns to `kernel.sample_chunk` / `kernel.dispatch_chunk` (or the NumPy
reference) as it is; nothing is patched afterwards.

Training placement: training demand (time) is split over sites by the plan's
`training_load` (site, time) summed over its modelled hours when the Plan has
it; otherwise in proportion to each site's IT capacity left after its peak
inference load (or to IT capacity if no site has any left). The split is fixed
in place for the whole year; within a day, training moves in time (dispatch.py).

Renewables at a site are its on-site `gen_capacity` plus its off-site `ppa_capacity`
(0 when the plan has none) times the capacity factors. Backup generation: the plan's
`backup_power` (0 when absent); the Scenario's `backup_fuel_hours`,
`backup_refuel_hours`, `backup_fuel_cost`, `backup_co2` (planner.scenario.defaults'
BACKUP_DEFAULTS where absent).
Exports: the year's allowance is export_share_max (from the plan's attrs["policy"],
DEFAULT_EXPORT_SHARE_MAX when absent; None: no cap) x the expected facility load
(`expected_load`); the import-only `grid_energy_charge` (area) is 0 where absent.
"""

from __future__ import annotations

import json
from typing import NamedTuple

import numpy as np
import xarray as xr

from planner.contracts.plan import CAPACITIES, validate_plan
from planner.errors import PlanError, PlannerError, PolicyError
from planner.mc.dispatch import Inputs
from planner.mc.drivers import DriverParams, Sizes, driver_params
from planner.mc.kernel import LinkPattern, link_pattern
from planner.mc.uncertainty import Uncertainty, as_uncertainty
from planner.scenario.defaults import BACKUP_DEFAULTS

DTYPES = ("float32", "float64")
SOC0 = 0.5  # the battery starts the year half full
# The LP's default (planner.lp.policy_options, where Policy keeps it; mc does not import lp,
# tests/mc/test_prepare.py holds the two equal): yearly exports <= 20 % of the load.
DEFAULT_EXPORT_SHARE_MAX = 0.2


class KernelInputs(NamedTuple):
    """Everything the kernels take for one run, besides the seed and the future ids."""

    inputs: Inputs  # the scenario and plan as arrays in dtype (ints int32), stress factor set
    params: DriverParams  # the drivers' parameters, floats in dtype
    sizes: Sizes  # static sizes (n_hours, n_sites, days, event slots): `sample_chunk`'s shape
    pattern: LinkPattern  # static link structure: `dispatch_chunk`'s shape
    link_km: np.ndarray  # (L,) float64 km of each node-site link (the cut driver's rates)

    @property
    def n_hours(self) -> int:
        return self.sizes.n_hours

    @property
    def n_sites(self) -> int:
        return self.sizes.n_sites


def prepare(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    uncertainty: Uncertainty | dict | None = None,
    dtype: str = "float32",
    weather_years: xr.Dataset | None = None,
) -> KernelInputs:
    """The complete kernel inputs of running `plan` through `scenario`'s chronological year.

    scenario: the full hourly Scenario (no time reduction). plan: a Plan Dataset
    (it_capacity, gen_capacity, battery_power, battery_energy, grid_capacity,
    share; optional training_load). uncertainty: an `Uncertainty`, its dict, or
    None for the defaults. dtype: "float32" or "float64" for every float array.
    weather_years: `cf` (year, site, gen, time) and `pue` (year, site, time) of real weather
    years, used with `uncertainty.weather.years`; None loads the shipped scenario's own
    (`planner.datasets.weather_years(scenario.attrs["name"])`). Raises PlanError for a
    plan the Monte Carlo cannot run, PolicyError for a bad dtype, UncertaintyError for a bad
    uncertainty (named by its key path).
    """
    if dtype not in DTYPES:
        raise PolicyError(f"prepare: dtype={dtype!r}, choose one of {DTYPES}")
    uncertainty = as_uncertainty(uncertainty)
    plan = validate_plan(plan, scenario)
    if "weight" in scenario and not np.allclose(scenario["weight"].values, 1.0):
        raise PlanError(
            "the Monte Carlo runs the chronological year: pass the full scenario, "
            "not a time-reduced one (its weight is not 1 in every hour)"
        )
    cap = _capacities(plan, scenario)
    inputs, link_km = _inputs(scenario, plan, cap, uncertainty, dtype)
    n_years = 1
    if uncertainty.weather.enabled and uncertainty.weather.years:
        ren, pue, n_years = _weather_pool(scenario, cap, weather_years)
        inputs = inputs._replace(ren=ren.astype(dtype), pue=pue.astype(dtype))
    params, sizes = driver_params(
        uncertainty,
        n_hours=inputs.inference.shape[0],
        areas=[str(a) for a in scenario["area"].values],
        n_nodes=inputs.inference.shape[1],
        n_sites=inputs.it_capacity.shape[0],
        link_km=link_km,
        n_years=n_years,
    )
    params = params._replace(
        **{
            name: p.astype(dtype)
            for name, p in params._asdict().items()
            if np.issubdtype(p.dtype, np.floating)
        }
    )
    return KernelInputs(
        inputs=inputs, params=params, sizes=sizes, pattern=link_pattern(inputs), link_km=link_km
    )


def _weather_pool(
    scenario: xr.Dataset, cap: dict[str, np.ndarray], weather_years: xr.Dataset | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Renewable output (years x hours, S) MW and PUE of every weather year, stacked in time.

    A future's `day_source` indexes this pool (drivers.py): year y's day d is row block
    y * full_days + d.
    """
    if weather_years is None:
        from planner.datasets import weather_years as load_years  # data layer, lazily

        name = str(scenario.attrs.get("name", ""))
        try:
            weather_years = load_years(name)
        except PlannerError as err:
            raise PolicyError(
                f"weather.years: no weather years for scenario {name!r}: {err}"
            ) from err
    n_hours = scenario.sizes["time"]
    problems = []
    if n_hours % 24:
        problems.append(f"the horizon ({n_hours} h) is not whole days")
    for dim in ("site", "gen"):
        if list(weather_years[dim].values) != list(scenario[dim].values):
            problems.append(f"weather years' {dim} labels differ from the scenario's")
    if weather_years.sizes.get("time") != n_hours:
        problems.append(
            f"weather years have {weather_years.sizes.get('time')} hours, not {n_hours}"
        )
    if problems:
        raise PolicyError("weather.years: " + "; ".join(problems))
    cf = weather_years["cf"].transpose("year", "site", "gen", "time").values.astype(np.float64)
    ren = np.einsum("sg,ysgt->yts", cap["renewables"], cf)
    pue = weather_years["pue"].transpose("year", "time", "site").values
    n_years = cf.shape[0]
    return ren.reshape(n_years * n_hours, -1), pue.reshape(n_years * n_hours, -1), n_years


def _capacities(plan: xr.Dataset, scenario: xr.Dataset) -> dict[str, np.ndarray]:
    """A validated plan's capacities and share as float64 arrays in the scenario's label order.

    Dims in the Plan schema's order: it_capacity (site,), gen_capacity (site, gen), ...;
    also `renewables` (site, gen): gen_capacity + ppa_capacity (0 where the plan has none),
    and `backup_power` (site,) (0 where the plan has none).
    """
    cap = {var.name: _labelled(plan[var.name], scenario, var.dims) for var in CAPACITIES}
    optional = {"ppa_capacity": ("site", "gen"), "backup_power": ("site",)}
    for name, dims in optional.items():
        cap[name] = (
            np.nan_to_num(_labelled(plan[name], scenario, dims))
            if name in plan
            else np.zeros([scenario.sizes[d] for d in dims])
        )
    cap["renewables"] = cap["gen_capacity"] + cap.pop("ppa_capacity")
    return cap


def _labelled(da: xr.DataArray, scenario: xr.Dataset, dims: tuple[str, ...]) -> np.ndarray:
    return np.asarray(
        da.reindex({dim: scenario[dim].values for dim in dims}).transpose(*dims).values,
        dtype=np.float64,
    )


def export_share_max(plan: xr.Dataset) -> float | None:
    """The plan's policy export_share_max (attrs["policy"] JSON); the default where absent."""
    text = plan.attrs.get("policy")
    if not text:
        return DEFAULT_EXPORT_SHARE_MAX
    policy = json.loads(text) if isinstance(text, str) else dict(text)
    return policy.get("export_share_max", DEFAULT_EXPORT_SHARE_MAX)


def expected_load(pue, inference, share, it_capacity, training, training_share) -> float:
    """MWh of facility load the plan expects over the horizon (the export allowance's base).

    pue (T, S); inference (T, N) MW; share (N, S); it_capacity (S,); training (T,) MW;
    training_share (S,): pue x (inference on the planned links within IT capacity +
    training at each site's split), demand growth 1, every site up.
    """
    it_load = np.minimum(inference @ share, it_capacity) + training[:, None] * training_share
    return float((pue * it_load).sum())


def _scalar(scenario: xr.Dataset, name: str) -> float:
    return float(scenario[name].values) if name in scenario else BACKUP_DEFAULTS[name]


def _training_share(plan, scenario, it_capacity, site_inference_peak) -> np.ndarray:
    if "training_load" in plan and "site" in plan["training_load"].dims:
        load = plan["training_load"].reindex(site=scenario["site"].values).fillna(0.0)
        total = load.sum([d for d in load.dims if d != "site"]).values.astype(float)
        if total.sum() > 0:
            return total / total.sum()
    free = np.maximum(it_capacity - site_inference_peak, 0.0)
    if free.sum() <= 0:
        free = it_capacity
    return free / free.sum() if free.sum() > 0 else np.full(len(it_capacity), 1.0 / len(free))


def _links(share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L,) node and site index of each link, a (node, site) pair with share > 0.

    A plan with no share at all (no inference) gets one dummy link, node 0 to
    site 0, of share 0, so that the kernels' link arrays are never empty.
    """
    link_node, link_site = np.nonzero(share > 0)
    if link_node.size == 0:
        return np.array([0]), np.array([0])
    return link_node, link_site


def _inputs(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    cap: dict[str, np.ndarray],
    uncertainty: Uncertainty,
    dtype: str,
) -> tuple[Inputs, np.ndarray]:
    """Inputs in `dtype` (ints int32) and the link distances (km, float64) for the cut driver.

    cap: the plan's capacities and share as float64 arrays in the scenario's coord order.
    """
    cf = scenario["cf"].transpose("site", "gen", "time").values
    ren = np.einsum("sg,sgt->ts", cap["renewables"], cf)
    inference = scenario["inference_demand"].transpose("time", "node").values
    share = cap["share"]
    total = share.sum(axis=1)  # 1 for a demanded node (validate_plan), any for the others
    link_node, link_site = _links(share)
    site_peak = (inference @ share).max(axis=0)
    training = scenario["training_demand"].values
    n_hours = len(training)
    n_days = -(-n_hours // 24)
    day_training = np.bincount(np.arange(n_hours) // 24, weights=training, minlength=n_days)
    areas = list(scenario["area"].values)
    site_area = np.array([areas.index(a) for a in scenario["site_area"].values], dtype=np.int32)
    eta = float(scenario["battery_efficiency"].values) ** 0.5
    f = np.dtype(dtype).type
    pue = scenario["pue"].transpose("time", "site").values
    training_share = _training_share(plan, scenario, cap["it_capacity"], site_peak)
    share_max = export_share_max(plan)
    export_cap = (
        np.inf
        if share_max is None
        else share_max
        * expected_load(pue, inference, share, cap["it_capacity"], training, training_share)
    )
    if "grid_energy_charge" in scenario:
        energy_charge = scenario["grid_energy_charge"].reindex(area=areas).values
    else:
        energy_charge = np.zeros(len(areas))
    backup = cap["backup_power"]
    inputs = Inputs(
        ren=ren.astype(dtype),
        ren_max=cap["renewables"].sum(axis=1).astype(dtype),
        pue=pue.astype(dtype),
        inference=inference.astype(dtype),
        grid_price=scenario["grid_price"].transpose("time", "area").values.astype(dtype),
        grid_co2=scenario["grid_co2"].transpose("time", "area").values.astype(dtype),
        grid_cfe=scenario["grid_cfe"].transpose("time", "area").values.astype(dtype),
        day_training=day_training.astype(dtype),
        site_area=site_area,
        it_capacity=cap["it_capacity"].astype(dtype),
        battery_power=cap["battery_power"].astype(dtype),
        battery_energy=cap["battery_energy"].astype(dtype),
        grid_capacity=cap["grid_capacity"].astype(dtype),
        training_share=training_share.astype(dtype),
        node_link_onehot=np.eye(share.shape[0], dtype=dtype)[link_node].T.copy(),
        link_site_onehot=np.eye(share.shape[1], dtype=dtype)[link_site],
        link_node_onehot=np.eye(share.shape[0], dtype=dtype)[link_node],
        link_share=share[link_node, link_site].astype(dtype),
        node_share_total=total.astype(dtype),
        stress_factor=f(uncertainty.grid_stress.factor),
        eta_charge=f(eta),
        eta_discharge=f(eta),
        soc0=f(SOC0),
        backup_power=backup.astype(dtype),
        backup_fuel=(backup * max(0.0, _scalar(scenario, "backup_fuel_hours"))).astype(dtype),
        refuel_hours=f(max(1.0, np.ceil(_scalar(scenario, "backup_refuel_hours")))),
        backup_co2=f(_scalar(scenario, "backup_co2")),
        backup_fuel_cost=f(_scalar(scenario, "backup_fuel_cost")),
        export_cap=f(export_cap),
        grid_energy_charge=np.asarray(energy_charge, dtype=dtype),
    )
    km = scenario["distance"].transpose("node", "site").values[link_node, link_site]
    return inputs, np.asarray(km, dtype=np.float64)
