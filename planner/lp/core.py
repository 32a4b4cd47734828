"""The model container and the bulk builders every LP block uses.

Variables live in NumPy object arrays indexed by integer positions along named
dims (names like ``grid_import_3_17``); a boolean mask marks the entries that
exist (sparse blocks such as `share` only exist on reachable pairs). Constraints
are built from *terms*: ``(block, coef)`` pairs, where ``coef`` broadcasts to
``row_shape + block_extra_dims``; each row becomes one ``LpAffineExpression``
made from a prepared list of (variable, coefficient) pairs in one comprehension.

Money in the model is in million JPY (`MONEY`), for conditioning; the Plan
Dataset converts back to plain JPY.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pulp

MONEY = 1.0e6  # JPY per model money unit (million JPY)

SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


@dataclass
class Block:
    """One variable block: object array of LpVariables, existence mask, dim names, units."""

    name: str
    dims: tuple[str, ...]
    vars: np.ndarray
    mask: np.ndarray
    units: str


@dataclass
class Model:
    """A PuLP problem plus the labelled variable blocks and cost registers of the planner LP.

    `costs[component]` and `capital[component]` are lists of ``(block, coef)``
    with ``coef`` shaped like the block, in model money per unit of the variable:
    annualised cost (objective) and overnight capital net of subsidy (budget).
    """

    prob: pulp.LpProblem
    coords: dict[str, np.ndarray]
    blocks: dict[str, Block] = field(default_factory=dict)
    costs: dict[str, list[tuple[str, np.ndarray]]] = field(default_factory=dict)
    capital: dict[str, list[tuple[str, np.ndarray]]] = field(default_factory=dict)
    n_rows: int = 0
    n_nonzeros: int = 0

    def size(self, dim: str) -> int:
        return len(self.coords[dim])

    @property
    def n_cols(self) -> int:
        return int(sum(b.mask.sum() for b in self.blocks.values()))

    def add_variables(
        self,
        name: str,
        dims: tuple[str, ...],
        units: str,
        upper: float | np.ndarray | None = None,
        mask: np.ndarray | None = None,
        binary: bool = False,
    ) -> np.ndarray:
        """Create a non-negative variable block over `dims`; entries outside `mask` do not exist.

        `upper` (scalar or array broadcastable to the block) bounds each variable.
        """
        shape = tuple(self.size(d) for d in dims)
        mask = np.ones(shape, dtype=bool) if mask is None else np.broadcast_to(mask, shape)
        ub = None if upper is None else np.broadcast_to(np.asarray(upper, dtype=float), shape)
        cat = pulp.LpBinary if binary else pulp.LpContinuous
        flat = np.empty(int(np.prod(shape)), dtype=object)
        for k, idx in enumerate(itertools.product(*map(range, shape))):
            if mask[idx]:
                name_k = "_".join([name, *map(str, idx)])
                flat[k] = self.prob.add_variable(
                    name_k, 0.0, None if ub is None else float(ub[idx]), cat
                )
        block = Block(name, dims, flat.reshape(shape), np.array(mask), units)
        self.blocks[name] = block
        return block.vars

    def add_constraints(
        self,
        name: str,
        row_dims: tuple[str, ...],
        terms: list[tuple[str, np.ndarray]],
        sense: str,
        rhs: float | np.ndarray = 0.0,
        row_mask: np.ndarray | None = None,
    ) -> None:
        """Add one row per position of `row_dims`: sum of terms `sense` rhs.

        Each term is ``(block, coef)``. The block is viewed as ``row_dims`` (row
        dims it lacks are broadcast, e.g. a capacity in an hourly row) followed
        by its other dims in its own order, which are summed within the row;
        `coef` must broadcast to that shape.
        A term ``(block, coef, (axis, index))`` takes, along row axis `axis`,
        the block's variables at positions `index` (e.g. the previous hour).
        """
        row_shape = tuple(self.size(d) for d in row_dims)
        n = int(np.prod(row_shape))
        var_cols, coef_cols = [], []
        for block_name, coef, *gather in terms:
            block = self.blocks[block_name]
            vars_, mask = _arrange(block, row_dims, row_shape)
            if gather:
                axis, index = gather[0]
                vars_, mask = np.take(vars_, index, axis=axis), np.take(mask, index, axis=axis)
            c = np.broadcast_to(np.asarray(coef, dtype=float), vars_.shape) * mask
            var_cols.append(vars_.reshape(n, -1))
            coef_cols.append(c.reshape(n, -1))
        vars_all = np.concatenate(var_cols, axis=1)
        coef_all = np.concatenate(coef_cols, axis=1)
        rhs_all = np.broadcast_to(np.asarray(rhs, dtype=float), row_shape).reshape(n)
        keep = np.ones(n, dtype=bool) if row_mask is None else np.broadcast_to(row_mask, row_shape)
        keep = keep.reshape(n)
        rows = np.flatnonzero(keep)
        nz = coef_all != 0.0
        self.n_nonzeros += int(nz[rows].sum())
        self.n_rows += len(rows)
        pulp_sense = SENSES[sense]
        # A block named twice (state of charge now and an hour ago) can put one
        # variable twice in a row; a dict built from pairs would keep only one.
        names = [t[0] for t in terms]
        expression = _summed_expression if len(set(names)) < len(names) else pulp.LpAffineExpression
        constraints = {
            f"{name}_{r}": pulp.LpConstraint(
                expression(
                    [(v, c) for v, c, z in zip(vars_all[r], coef_all[r], nz[r], strict=True) if z]
                ),
                pulp_sense,
                f"{name}_{r}",
                float(rhs_all[r]),
            )
            for r in rows
        }
        self.prob.extend(constraints)

    def add_rows(self, name: str, rows: list[tuple[list, str, float]]) -> None:
        """Add rows given as ``(pairs, sense, rhs)``, pairs a prepared list of (variable, coef)."""
        self.n_rows += len(rows)
        self.n_nonzeros += sum(len(pairs) for pairs, _, _ in rows)
        self.prob.extend(
            {
                f"{name}_{r}": pulp.LpConstraint(
                    pulp.LpAffineExpression(pairs), SENSES[sense], f"{name}_{r}", float(rhs)
                )
                for r, (pairs, sense, rhs) in enumerate(rows)
            }
        )

    def add_cost(self, register: str, component: str, block: str, coef: np.ndarray | float) -> None:
        """Register a cost (`register` = "costs" or "capital") of `component` on a block.

        `coef` is in model money per unit of the block's variables, broadcast to its shape.
        """
        b = self.blocks[block]
        c = np.broadcast_to(np.asarray(coef, dtype=float), b.vars.shape) * b.mask
        getattr(self, register).setdefault(component, []).append((block, c))


def _summed_expression(pairs: list) -> pulp.LpAffineExpression:
    """LpAffineExpression of (variable, coef) pairs, adding the coefficients of repeats."""
    expr = pulp.LpAffineExpression()
    for v, c in pairs:
        expr.addterm(v, c)
    return expr


def _arrange(
    block: Block, row_dims: tuple[str, ...], row_shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """View a block as ``row_shape + (its other dims)``; row dims it lacks are broadcast."""
    extra = [d for d in block.dims if d not in row_dims]
    present = [d for d in row_dims if d in block.dims]
    order = [block.dims.index(d) for d in (*present, *extra)]
    vars_, mask = block.vars.transpose(order), block.mask.transpose(order)
    for axis, d in enumerate(row_dims):
        if d not in block.dims:
            vars_, mask = np.expand_dims(vars_, axis), np.expand_dims(mask, axis)
    shape = row_shape + vars_.shape[len(row_dims) :]
    return np.broadcast_to(vars_, shape), np.broadcast_to(mask, shape)
