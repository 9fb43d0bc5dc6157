"""First-order sensitivity indices from given data (one set of samples, no special design).

S1 of X for Y is Var(E[Y | X]) / Var(Y). It is estimated by binning: a continuous X is cut
into `bins` bins of equal counts (its quantiles), a discrete X (few distinct values) has one
bin per value; E[Y | X] is the bin mean. The between-bin variance of the bin means is biased
upward by noise (each bin mean has variance σ²/n_b); the estimate subtracts that bias as a
one-way analysis of variance does:

    S1 = (SS_between − (B − 1) · MS_within) / SS_total,   clipped to [0, 1],

with B the bins and MS_within = SS_within / (N − B). Where Y does not vary, S1 = 0.
The default number of bins is about √N (at least 2, at most 50). Binning a continuous X
averages E[Y | X] within each bin, which biases S1 slightly low. S1 is a first-order
decomposition only where the X are independent: the analysis passes the independent draws
(a weight's multiplier before its class's weights are rescaled to their total, not the
rescaled weight; see `outcome.factors`). SALib is not used: its
given-data estimators need the samples' design or add a dependency for one formula.
"""

from __future__ import annotations

import numpy as np

DISCRETE = 12  # an X with at most this many distinct values is binned by value


def bins_of(x: np.ndarray, bins: int | None = None) -> np.ndarray:
    """Each sample's bin number: by value for a discrete X, by quantile otherwise."""
    x = np.asarray(x, dtype=float)
    values, inverse = np.unique(x, return_inverse=True)
    if len(values) <= DISCRETE:
        return inverse.astype(np.int64)
    n = len(x)
    b = bins if bins is not None else int(np.clip(round(np.sqrt(n)), 2, 50))
    order = np.argsort(x, kind="stable")
    out = np.empty(n, dtype=np.int64)
    out[order] = (np.arange(n) * b) // n
    return out


def first_order(x: np.ndarray, y: np.ndarray, bins: int | None = None) -> float:
    """The first-order index of `x` for `y` (see the module docstring)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    total = float(((y - y.mean()) ** 2).sum())
    if n < 3 or total <= 1e-12 * max(1.0, float(np.abs(y).max()) ** 2) * n:
        return 0.0
    group = bins_of(x, bins)
    k = int(group.max()) + 1
    counts = np.bincount(group, minlength=k).astype(float)
    sums = np.bincount(group, weights=y, minlength=k)
    used = counts > 0
    means = sums[used] / counts[used]
    between = float((counts[used] * (means - y.mean()) ** 2).sum())
    b = int(used.sum())
    if b < 2 or n <= b:
        return 0.0
    within = (total - between) / (n - b)
    return float(np.clip((between - (b - 1) * within) / total, 0.0, 1.0))
