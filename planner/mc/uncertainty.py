"""`Uncertainty`: the stochastic drivers of the Monte Carlo and their Japanese defaults.

Each driver is its own small pydantic model with `enabled` (switch it off) and
parameters in plain units (per year, hours, days, dimensionless sigmas).
`Uncertainty.none()` switches every driver off: one future is then the plan's
deterministic dispatch over the scenario year.

Defaults are order-of-magnitude Japanese figures, each with a one-line reason
in its field description; they are meant to be overridden per study.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from planner.errors import UncertaintyError


class _Driver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True


class DemandGrowth(_Driver):
    """Lognormal (mean 1) multipliers on each node's inference demand and on training demand."""

    sigma: float = Field(
        0.15,
        ge=0,
        le=2,
        description="OCCTO's FY2034 DC load outlook and IEA's base vs lift-off cases differ by ~+-30%: "
        "sigma 0.15 puts that range near 2 sigma",
    )
    training_sigma: float = Field(
        0.3,
        ge=0,
        le=2,
        description="training demand (frontier-model runs) is the least predictable part of AI load",
    )
    correlation: float = Field(
        0.6,
        ge=0,
        lt=1,
        description="one national AI market drives every node: growth is strongly but not fully shared",
    )


class Weather(_Driver):
    """Whole days resampled across all sites at once, plus per-site daily noise on renewables.

    With `years`, each future first draws one real weather year (`planner.datasets.
    weather_years`, e.g. FY2016-FY2024 for japan_2030) and then resamples days within it.
    """

    window_days: int = Field(
        15,
        ge=0,
        le=182,
        description="a source day within +-15 days keeps the season (solar angle, monsoon, winter wind)",
    )
    noise_sigma: float = Field(
        0.1,
        ge=0,
        le=1,
        description="site-to-site daily deviation of renewable output around the shared weather day",
    )
    years: bool = Field(
        False,
        description="draw a whole real weather year per future (a dull or windless year that "
        "happened) before the days; needs the scenario's weather years (japan_2030: 9 years)",
    )


class GridShocks(_Driver):
    """Year-long lognormal (mean 1) multipliers on grid price and CO2 intensity per area."""

    price_sigma: float = Field(
        0.25,
        ge=0,
        le=2,
        description="JEPX annual mean price moved between ~7 and ~20 JPY/kWh over FY2019-FY2022 (fuel)",
    )
    co2_sigma: float = Field(
        0.1,
        ge=0,
        le=2,
        description="area emission factors move ~10% a year with nuclear restarts and fuel mix",
    )
    correlation: float = Field(
        0.8,
        ge=0,
        lt=1,
        description="LNG and coal prices drive all ten areas; JEPX area prices move together",
    )


class GridStress(_Driver):
    """Poisson tight-supply events per area that cut available grid import to a fraction."""

    rate_per_year: float = Field(
        0.5,
        ge=0,
        description="OCCTO tight-supply warnings: Tokyo/Tohoku March 2022, Tokyo June 2022, advisories since",
    )
    min_hours: int = Field(3, ge=1, description="a tight evening peak lasts a few hours")
    max_hours: int = Field(12, ge=1, description="a full day-time call for savings")
    factor: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of contracted grid import available during the event (demand response)",
    )

    @model_validator(mode="after")
    def _ordered(self):
        if self.max_hours < self.min_hours:
            raise ValueError("grid_stress: max_hours must be >= min_hours")
        return self


class SiteOutages(_Driver):
    """Two-state Markov chain per site (up -> down at `failure_rate`, down -> up at 1/mean_repair)."""

    failure_rate_per_year: float = Field(
        0.3,
        ge=0,
        description="with 6 h repairs gives ~1.8 h/yr down, near Uptime Tier III availability (99.982%)",
    )
    mean_repair_hours: float = Field(
        6.0, gt=0, description="a power-train or cooling failure fixed within a shift"
    )


class Disasters(_Driver):
    """Poisson earthquakes and typhoons per area that take the area's sites and grid down."""

    earthquake_rate_per_year: float = Field(
        0.03,
        ge=0,
        description="a damaging (shindo 6+) quake hits a given area every few decades (2011, 2016, 2018, 2024)",
    )
    earthquake_min_days: int = Field(2, ge=1, description="Hokkaido 2018 blackout: ~2 days")
    earthquake_max_days: int = Field(7, ge=1, description="Noto 2024: a week and more")
    typhoon_rate_per_year: float = Field(
        0.1,
        ge=0,
        description="~3 landfalls a year over ten areas; one takes sites down every ~10 years",
    )
    typhoon_min_days: int = Field(1, ge=1, description="most typhoon outages clear in a day")
    typhoon_max_days: int = Field(
        3, ge=1, description="Faxai 2019 (Chiba): days for most customers"
    )
    areas: list[str] | None = Field(
        None, description="areas that can be hit (None: every area), e.g. to stress one region"
    )

    @model_validator(mode="after")
    def _ordered(self):
        if self.earthquake_max_days < self.earthquake_min_days:
            raise ValueError("disasters: earthquake_max_days must be >= earthquake_min_days")
        if self.typhoon_max_days < self.typhoon_min_days:
            raise ValueError("disasters: typhoon_max_days must be >= typhoon_min_days")
        return self


class BackhaulCuts(_Driver):
    """Poisson cuts of node-site links; a cut link's share is re-routed to the node's other sites."""

    rate_per_year: float = Field(
        0.2, ge=0, description="equipment and power faults at the two ends, per link"
    )
    rate_per_1000km_year: float = Field(
        1.5,
        ge=0,
        description="long-haul fibre is cut ~1-3 times per 1000 route-km a year (construction, quakes)",
    )
    min_hours: int = Field(4, ge=1, description="a splice crew on site")
    max_hours: int = Field(24, ge=1, description="a buried-route repair")

    @model_validator(mode="after")
    def _ordered(self):
        if self.max_hours < self.min_hours:
            raise ValueError("backhaul_cuts: max_hours must be >= min_hours")
        return self


DRIVERS = (
    "demand_growth",
    "weather",
    "grid_shocks",
    "grid_stress",
    "site_outages",
    "disasters",
    "backhaul_cuts",
)


class Uncertainty(BaseModel):
    """Every stochastic driver of a Monte Carlo future; each can be switched off.

    `Uncertainty(site_outages={"enabled": False})`, `Uncertainty.none()`,
    `Uncertainty.only("disasters", disasters={"areas": ["tokyo"]})`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    demand_growth: DemandGrowth = DemandGrowth()
    weather: Weather = Weather()
    grid_shocks: GridShocks = GridShocks()
    grid_stress: GridStress = GridStress()
    site_outages: SiteOutages = SiteOutages()
    disasters: Disasters = Disasters()
    backhaul_cuts: BackhaulCuts = BackhaulCuts()

    @classmethod
    def none(cls) -> Uncertainty:
        """Every driver off: each future is the deterministic dispatch of the plan."""
        return cls(**{name: {"enabled": False} for name in DRIVERS})

    @classmethod
    def only(cls, *names: str, **overrides: dict) -> Uncertainty:
        """Only the named drivers on (with optional parameter overrides per driver)."""
        unknown = set(names) - set(DRIVERS)
        if unknown:
            raise ValueError(f"unknown drivers {sorted(unknown)}; choose from {list(DRIVERS)}")
        fields = {}
        for name in DRIVERS:
            fields[name] = {**overrides.get(name, {}), "enabled": name in names}
        return cls(**fields)

    def to_json(self) -> str:
        """JSON text for NetCDF attrs."""
        return json.dumps(self.model_dump(), sort_keys=True)


def as_uncertainty(uncertainty: Uncertainty | Mapping | None) -> Uncertainty:
    """An Uncertainty from itself, its dict or None (the defaults); else UncertaintyError.

    The error names each bad key by its path (`grid_stress.factor`), the value and the rule.
    """
    if uncertainty is None:
        return Uncertainty()
    if isinstance(uncertainty, Mapping):
        try:
            uncertainty = Uncertainty.model_validate(dict(uncertainty))
        except ValidationError as err:
            raise UncertaintyError(_explain(err)) from None
    if not isinstance(uncertainty, Uncertainty):
        raise UncertaintyError(
            f"uncertainty = {uncertainty!r}: must be a planner.Uncertainty, a dict or None"
        )
    bad = [f"{k} = {v!r}" for k, v in _numbers(uncertainty.model_dump()) if not math.isfinite(v)]
    if bad:
        raise UncertaintyError(
            "invalid uncertainty:\n"
            + "\n".join(
                f"  - {b}: must be a finite number (rule: switch a driver off with enabled: false)"
                for b in bad
            )
        )
    return uncertainty


def _numbers(d: dict, prefix: str = ""):
    for key, value in d.items():
        if isinstance(value, dict):
            yield from _numbers(value, f"{prefix}{key}.")
        elif isinstance(value, float):
            yield f"{prefix}{key}", value


def _explain(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(map(str, e["loc"])) or "uncertainty"
        rule = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            rule = f"unknown key (allowed: {_allowed(e['loc'][:-1])})"
        lines.append(f"{key} = {e.get('input')!r}: {rule}")
    return "invalid uncertainty:\n" + "\n".join(f"  - {line}" for line in lines)


def _allowed(loc: tuple) -> list[str]:
    """The keys of the Uncertainty model at `loc` (the drivers, or one driver's parameters)."""
    model: type[BaseModel] = Uncertainty
    for part in loc:
        ann = model.model_fields[str(part)].annotation if str(part) in model.model_fields else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return []
        model = ann
    return sorted(model.model_fields)
