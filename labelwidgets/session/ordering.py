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
    values = pd.to_numeric(pd.Series(np.asarray(confidence, dtype=object)), errors="coerce").to_numpy(dtype=float)
    tiebreak = np.random.default_rng(seed).random(len(values))
    filled = np.where(np.isnan(values), -np.inf, values)
    return np.lexsort((tiebreak, filled))


def by_disagreement(suggestions: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Rows where the suggestion columns disagree most come first.

    Disagreement is 1 - (share of the most common suggestion) among the non-missing ones;
    a row with no suggestion at all counts as full disagreement.
    """
    if suggestions.shape[1] < 2:
        raise InputError("order='disagreement' needs at least two suggestion columns in order_by=[...].")
    values = suggestions.astype(object).to_numpy()
    n = len(values)
    spread = np.ones(n)
    for i, row in enumerate(values):
        present = [v for v in row if not pd.isna(v)]
        if present:
            spread[i] = 1 - pd.Series(present).value_counts().iloc[0] / len(present)
    tiebreak = np.random.default_rng(seed).random(n)
    return np.lexsort((tiebreak, -spread))


def stratified(groups: pd.Series, seed: int = 0) -> np.ndarray:
    """Take turns between the values of ``groups`` (random within each), so every stratum shows up early."""
    rng = np.random.default_rng(seed)
    codes, _ = pd.factorize(pd.Series(groups).astype(object), use_na_sentinel=False)
    buckets = [rng.permutation(np.flatnonzero(codes == code)) for code in range(codes.max() + 1)]
    # Interleave by relative position so that small strata are spread evenly through the order.
    keys = np.empty(len(codes))
    for bucket in buckets:
        keys[bucket] = (np.arange(len(bucket)) + rng.random()) / len(bucket)
    return np.lexsort((rng.random(len(codes)), keys))


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
        if positions.shape != (n,) or not np.array_equal(np.sort(positions), np.arange(n)):
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
