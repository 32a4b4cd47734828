"""The planning LP (arrays to HiGHS through highspy, or CBC through PuLP): `plan` returns the Plan.

Where each piece of the formulation lives:

- `sites`: site_open (binary, or [0, 1] with relax_siting), it_capacity, min/max sites.
- `network`: link_share per node, latency class, site and access technology (fibre,
  microwave, 5G, 6G) only where the class's budget and the technology's reach allow
  (`class_reachable`); class_share and share (node, site) from it; backhaul_capacity
  >= link_share x the class's peak traffic; a tiny latency cost breaks ties.
- `backup`: backup_power >= backup_coverage x peak PUE x it_capacity, capital and
  fixed O&M; never dispatched in the LP (emergency only, the Monte Carlo runs it).
- `training`: training_load, flexible in place and in time within its period.
- `storage`: battery power and energy sized apart; round-trip efficiency split
  as sqrt(eta) on charge and sqrt(eta) on discharge; soc linked across days
  through the day-to-period order, or cyclic per period.
- `power`: generators, grid connection (area headroom) shared by import and
  export, the hourly power balance, unserved energy at VOLL, exports sold at the
  area price and capped at `export_share_max` of the year's load.
- `policy`: annual renewable matching (1 - (import - export + unserved) / load),
  hourly CFE score (1 - sum ((1 - grid_cfe) import + unserved) / load, no export),
  CO2 cap, capital budget (net of subsidy). Scores are on total load, so shedding
  never meets a target; an impossible one returns its shortfall, priced at VOLL.
- `objective`: annualised capital (capital recovery factor) less area subsidy
  + fixed O&M + energy and wheeling charges + PPA + backhaul + VOLL x unserved + carbon price x emissions,
  kept by component so the cost breakdown sums to the objective.
- `periods`: sums over time use `weight` scaled so the modelled hours stand for
  one year (8760 h); `core`: the LP as arrays and the bulk builders; `solve` (the
  relaxation, fixed-siting and branch-and-bound phases) and `highs` (one HiGHS
  instance per plan, progress in the log); `results` -> Plan.

Energy targets never make the model infeasible; the hard limits (site_it_max,
max_sites, capex_budget against the IT capacity demand needs) can, and then
`plan` raises `SolverError` naming them.
"""

from planner.lp.model import PlanWarning, build_model, plan
from planner.lp.policy_options import Policy
from planner.lp.results import dispatch_metrics
from planner.lp.solve import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT

__all__ = [
    "DEFAULT_MIP_GAP",
    "DEFAULT_TIME_LIMIT",
    "Policy",
    "PlanWarning",
    "build_model",
    "dispatch_metrics",
    "plan",
]
