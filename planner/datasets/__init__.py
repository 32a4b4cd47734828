"""Shipped data sets: `japan_2030` (see japan_2030/SOURCES.md) and the `toy` test scenario.

`weather_years("japan_2030")`: the real weather years (FY2016-FY2024) of japan_2030's sites.
Readers of the raw Japanese formats: `tso.read_area_balance`, `denki_yoho.read_daily`,
`jepx.read_spot`, `jma.read_hourly`.
"""

from planner.datasets.years import weather_years

__all__ = ["weather_years"]
