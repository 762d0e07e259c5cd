"""Orders in which to label, so that human time goes where it counts.

Each function returns row positions (0..n-1), every row exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError

ORDERS = ("index", "random", "uncertain", "disagreement", "stratified")


def random_order(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).permutation(n)


def by_uncertainty(confidence: pd.Series | np.ndarray, seed: int = 0) -> np.ndarray:
    """Lowest confidence first; rows without a confidence count as the most uncertain. Ties in random order."""
    series = confidence if isinstance(confidence, pd.Series) else pd.Series(np.asarray(confidence, dtype=object))
    values = pd.to_numeric(series.astype(object) if series.dtype.kind not in "biuf" else series, errors="coerce")
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    tiebreak = np.random.default_rng(seed).random(len(numbers))
    filled = np.where(np.isnan(numbers), -np.inf, numbers)
    return np.lexsort((tiebreak, filled))


def by_disagreement(suggestions: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Rows where the suggestion columns disagree most come first.

    Disagreement is 1 - (share of the most common suggestion) among the non-missing ones;
    a row with no suggestion at all counts as full disagreement.
    """
    if suggestions.shape[1] < 2:
        raise InputError("order='disagreement' needs at least two suggestion columns in order_by=[...].")
    n, k = suggestions.shape
    # One code space for all columns, so that equal values in different columns compare equal; -1 is missing.
    stacked = np.concatenate([suggestions.iloc[:, j].to_numpy(dtype=object) for j in range(k)])
    codes = pd.factorize(stacked, use_na_sentinel=True)[0].reshape(k, n)
    present = codes >= 0
    # With a handful of columns, comparing every pair of columns is cheaper than any per-row counting.
    modal = np.zeros(n, dtype=np.int64)
    for j in range(k):
        votes = ((codes == codes[j]) & present).sum(axis=0)
        modal = np.maximum(modal, np.where(present[j], votes, 0))
    voters = present.sum(axis=0)
    spread = np.where(voters > 0, 1.0 - modal / np.maximum(voters, 1), 1.0)
    tiebreak = np.random.default_rng(seed).random(n)
    return np.lexsort((tiebreak, -spread))


def stratified(groups: pd.Series, seed: int = 0) -> np.ndarray:
    """Take turns between the values of ``groups`` (random within each), so every stratum shows up early."""
    rng = np.random.default_rng(seed)
    series = pd.Series(groups)
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    n, m = len(codes), len(uniques)
    sizes = np.bincount(codes, minlength=m)
    # A random rank within each stratum: shuffle, then a stable sort by stratum (a radix sort on integer codes).
    shuffled = rng.permutation(n)
    members = shuffled[np.argsort(codes[shuffled], kind="stable")]
    rank = np.empty(n, dtype=np.int64)
    rank[members] = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    # Interleave by relative position so that small strata are spread evenly through the order; exact ties
    # (strata of one size) are broken at random by sorting a shuffled copy stably.
    keys = (rank + rng.random(m)[codes]) / sizes[codes]
    shuffled = rng.permutation(n)
    return shuffled[np.argsort(keys[shuffled], kind="stable")]


def make_order(
    order: str | Sequence[int] | None,
    df: pd.DataFrame,
    *,
    seed: int = 0,
    order_by: str | Sequence[str] | None = None,
    confidence: pd.Series | None = None,
) -> np.ndarray | None:
    """Row positions in labeling order, or None for the DataFrame's own order."""
    n = len(df)
    if order is None or (isinstance(order, str) and order == "index"):
        return None
    if not isinstance(order, str):
        positions = np.asarray(order, dtype=np.int64)
        if positions.shape != (n,) or np.bincount(positions.clip(0, n), minlength=n + 1)[:n].min(initial=1) != 1:
            raise InputError("order= must list every row position 0..n-1 exactly once.")
        return positions
    if order == "random":
        return random_order(n, seed)
    if order == "uncertain":
        if confidence is None:
            raise InputError(
                "order='uncertain' needs a confidence for every item before labeling starts: run "
                "lw.suggest(df, suggester, ...) first, or pass "
                "suggester=lw.FromColumn('label_col', confidence='conf_col')."
            )
        return by_uncertainty(confidence, seed)
    columns = [order_by] if isinstance(order_by, str) else list(order_by or [])
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"order_by= names columns that do not exist: {missing}; the columns are {list(df.columns)}.")
    if order == "disagreement":
        return by_disagreement(df[columns], seed)
    if order == "stratified":
        if len(columns) != 1:
            raise InputError("order='stratified' needs one column to stratify by: order_by='source'.")
        return stratified(df[columns[0]], seed)
    raise InputError(f"order={order!r} is not known; use one of {list(ORDERS)} or a list of row positions.")
