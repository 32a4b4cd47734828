"""The model container and the bulk builders every LP block uses.

The LP is held as arrays (`LinearProgram`): column bounds, costs and integrality,
and the constraint matrix as coordinate triplets, handed to HiGHS in one call
(`planner.lp.solve`). A variable block is an integer array of column positions
indexed by integer positions along named dims (-1 where an entry does not exist;
a boolean mask marks the entries that exist: sparse blocks such as `share` only
exist on reachable pairs). Constraints are built from *terms*: ``(block, coef)``
pairs, where ``coef`` broadcasts to ``row_shape + block_extra_dims``; a whole
block of rows becomes triplets in a few NumPy operations, with no Python object
per variable or row (the way linopy builds constraints from DataArrays).

Money in the model is in million JPY (`MONEY`), for conditioning; the Plan
Dataset converts back to plain JPY.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

MONEY = 1.0e6  # JPY per model money unit (million JPY)

SENSES = ("<=", ">=", "==")


@dataclass
class Block:
    """One variable block: column positions (-1: absent), existence mask, dim names, units."""

    name: str
    dims: tuple[str, ...]
    vars: np.ndarray
    mask: np.ndarray
    units: str


@dataclass
class LinearProgram:
    """A minimisation LP/MIP as arrays: columns, rows and the matrix as triplets.

    After a solve, `solution` holds the column values (`planner.lp.solve`).
    """

    col_lower: list[np.ndarray] = field(default_factory=list)
    col_upper: list[np.ndarray] = field(default_factory=list)
    col_integer: list[np.ndarray] = field(default_factory=list)
    row_lower: list[np.ndarray] = field(default_factory=list)
    row_upper: list[np.ndarray] = field(default_factory=list)
    triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    cost: np.ndarray | None = None
    n_cols: int = 0
    n_rows: int = 0
    solution: np.ndarray | None = None
    start: np.ndarray | None = None  # a feasible point for branch and bound to start from
    deferred: np.ndarray | None = None  # columns held at 0 in a large LP's first pass (solve)
    highs: tuple | None = None  # HiGHS instance kept between solves (planner.lp.highs)

    def add_columns(self, lower: np.ndarray, upper: np.ndarray, integer: bool) -> np.ndarray:
        """Append columns; their positions."""
        n = len(lower)
        self.col_lower.append(np.asarray(lower, dtype=float))
        self.col_upper.append(np.asarray(upper, dtype=float))
        self.col_integer.append(np.full(n, integer))
        start, self.n_cols = self.n_cols, self.n_cols + n
        self.cost = None
        return np.arange(start, start + n)

    def add_rows(self, lower, upper, rows, cols, values) -> None:
        """Append rows with bounds `lower`, `upper`; entries (rows, cols, values), rows from 0."""
        self.row_lower.append(np.asarray(lower, dtype=float))
        self.row_upper.append(np.asarray(upper, dtype=float))
        self.triplets.append((np.asarray(rows) + self.n_rows, np.asarray(cols), np.asarray(values)))
        self.n_rows += len(lower)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Column lower and upper bounds, one array each (merged once; edits change the LP)."""
        if len(self.col_lower) != 1:
            self.col_lower = [_cat(self.col_lower)]
            self.col_upper = [_cat(self.col_upper)]
        return self.col_lower[0], self.col_upper[0]

    @property
    def integer(self) -> np.ndarray:
        return _cat(self.col_integer, bool)

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        return _cat(self.row_lower), _cat(self.row_upper)

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix (rows x columns), repeated entries summed, zeros dropped."""
        if self.triplets:
            r, c, v = (np.concatenate(parts) for parts in zip(*self.triplets, strict=True))
        else:
            r = c = np.zeros(0, dtype=int)
            v = np.zeros(0)
        a = sp.coo_matrix((v, (r, c)), shape=(self.n_rows, self.n_cols)).tocsc()
        a.sum_duplicates()
        a.eliminate_zeros()
        return a


def _cat(parts: list[np.ndarray], dtype=float) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


@dataclass
class Model:
    """The LP (`prob`, arrays) plus the labelled variable blocks and cost registers.

    `costs[component]` and `capital[component]` are lists of ``(block, coef)``
    with ``coef`` shaped like the block, in model money per unit of the variable:
    annualised cost (objective) and overnight capital net of subsidy (budget).
    """

    prob: LinearProgram | object
    coords: dict[str, np.ndarray]
    blocks: dict[str, Block] = field(default_factory=dict)
    costs: dict[str, list[tuple[str, np.ndarray]]] = field(default_factory=dict)
    capital: dict[str, list[tuple[str, np.ndarray]]] = field(default_factory=dict)
    n_nonzeros: int = 0

    def __post_init__(self) -> None:
        # planner.lp.model passed a pulp.LpProblem before the LP became arrays: replace it
        if not isinstance(self.prob, LinearProgram):
            self.prob = LinearProgram()

    def size(self, dim: str) -> int:
        return len(self.coords[dim])

    @property
    def n_cols(self) -> int:
        return self.prob.n_cols

    @property
    def n_rows(self) -> int:
        return self.prob.n_rows

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
        Returns the block's column positions (-1 where absent).
        """
        shape = tuple(self.size(d) for d in dims)
        mask = np.ones(shape, dtype=bool) if mask is None else np.broadcast_to(mask, shape)
        mask = np.array(mask, dtype=bool)
        ub = np.inf if upper is None else upper
        ub = np.broadcast_to(np.asarray(ub, dtype=float), shape)[mask]
        if binary:
            ub = np.minimum(ub, 1.0)
        cols = np.full(shape, -1, dtype=np.int64)
        cols[mask] = self.prob.add_columns(np.zeros(len(ub)), ub, binary)
        self.blocks[name] = Block(name, dims, cols, mask, units)
        return cols

    def add_constraints(
        self,
        name: str,
        row_dims: tuple[str, ...],
        terms: list[tuple],
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
        A variable named twice in a row gets the sum of its coefficients.
        """
        row_shape = tuple(self.size(d) for d in row_dims)
        n = int(np.prod(row_shape))
        keep = np.ones(n, dtype=bool) if row_mask is None else np.broadcast_to(row_mask, row_shape)
        keep = np.asarray(keep).reshape(n)
        position = np.cumsum(keep) - 1  # row number among the kept rows
        rows, cols, values = [], [], []
        for block_name, coef, *gather in terms:
            block = self.blocks[block_name]
            vars_, mask = _arrange(block, row_dims, row_shape)
            if gather:
                axis, index = gather[0]
                vars_, mask = np.take(vars_, index, axis=axis), np.take(mask, index, axis=axis)
            c = np.broadcast_to(np.asarray(coef, dtype=float), vars_.shape)
            vars_ = vars_.reshape(n, -1)
            c = c.reshape(n, -1)
            nz = mask.reshape(n, -1) & (c != 0.0) & keep[:, None]
            r, k = np.nonzero(nz)
            rows.append(position[r])
            cols.append(vars_[r, k])
            values.append(c[r, k])
        rhs_all = np.broadcast_to(np.asarray(rhs, dtype=float), row_shape).reshape(n)[keep]
        self._append(sense, rhs_all, rows, cols, values)

    def add_indexed_rows(
        self, name: str, terms: list[tuple], sense: str, rhs: float | np.ndarray = 0.0
    ) -> None:
        """Rows r: sum of coef x block[index[r]] over terms (repeats summed) `sense` rhs.

        Each term is ``(block, index, coef)``: `index` a tuple of integer arrays (one
        per block dim, one entry per row), `coef` a scalar or an array over rows.
        """
        n = len(terms[0][1][0])
        rows, cols, values = [], [], []
        for block_name, index, coef in terms:
            block = self.blocks[block_name]
            vars_, mask = block.vars[index], block.mask[index]
            c = np.broadcast_to(np.asarray(coef, dtype=float), vars_.shape)
            r = np.flatnonzero(mask & (c != 0.0))
            rows.append(r)
            cols.append(vars_[r])
            values.append(c[r])
        self._append(sense, np.broadcast_to(np.asarray(rhs, dtype=float), (n,)), rows, cols, values)

    def add_rows(self, name: str, rows: list[tuple[list, str, float]]) -> None:
        """Add rows given as ``(pairs, sense, rhs)``, pairs a list of (column, coef)."""
        for sense in SENSES:
            mine = [(pairs, rhs) for pairs, s, rhs in rows if s == sense]
            if not mine:
                continue
            r = [np.full(len(pairs), i) for i, (pairs, _) in enumerate(mine)]
            c = [np.array([v for v, _ in pairs], dtype=np.int64) for pairs, _ in mine]
            v = [np.array([x for _, x in pairs], dtype=float) for pairs, _ in mine]
            self._append(sense, np.array([rhs for _, rhs in mine], dtype=float), r, c, v)

    def _append(self, sense: str, rhs: np.ndarray, rows: list, cols: list, values: list) -> None:
        if sense not in SENSES:
            raise ValueError(f"sense {sense!r}: one of {SENSES}")
        rows, cols, values = (_cat(x) for x in (rows, cols, values))
        lower = rhs if sense in (">=", "==") else np.full(len(rhs), -np.inf)
        upper = rhs if sense in ("<=", "==") else np.full(len(rhs), np.inf)
        self.prob.add_rows(lower, upper, rows.astype(np.int64), cols.astype(np.int64), values)
        self.n_nonzeros += len(values)

    def add_cost(self, register: str, component: str, block: str, coef: np.ndarray | float) -> None:
        """Register a cost (`register` = "costs" or "capital") of `component` on a block.

        `coef` is in model money per unit of the block's variables, broadcast to its shape.
        """
        b = self.blocks[block]
        c = np.broadcast_to(np.asarray(coef, dtype=float), b.vars.shape) * b.mask
        getattr(self, register).setdefault(component, []).append((block, c))


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
