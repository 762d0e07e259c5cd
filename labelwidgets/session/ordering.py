"""Orders in which to label, so that human time goes where it counts.

Each function returns row positions (0..n-1), every row exactly once.

Multi-label answers (cells that are lists of names) are read from the data, never from a flag:

* ``uncertain``: with per-label probabilities, the rows whose labels are least certain first, by the sum over the
  labels of the binary entropy of each label's probability (``label_entropy``). The probabilities are the columns
  named in ``order_by=`` (one per label), or cells of the confidence column that are ``{label: probability}``
  mappings. A confidence column of plain numbers is the suggestion's confidence in its whole set: lowest first, as
  for one label (1 − confidence, the chance the set is wrong), since the set's entropy is not known from it.
* ``disagreement``: suggestion columns of sets disagree by their mean Jaccard distance (1 − Jaccard, two empty sets
  agreeing) over the pairs of columns that both made a suggestion (``AnswerKind.suggestion_spread``).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.metrics.checks import answer_kind, set_answers

ORDERS = ("index", "random", "uncertain", "disagreement", "stratified")
_ENTROPY_ROWS = 16_384
#: How many bits are set in each byte value: a popcount that needs no NumPy 2.
_BITS_SET = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1).astype(np.int64)


def random_order(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).permutation(n)


def by_uncertainty(confidence: pd.Series | np.ndarray, seed: int = 0) -> np.ndarray:
    """Lowest confidence first; rows without a confidence count as the most uncertain. Ties in random order.

    Cells that are ``{label: probability}`` mappings (a multi-label suggestion's per-label probabilities) order by
    ``label_entropy`` instead, most uncertain first.
    """
    series = confidence if isinstance(confidence, pd.Series) else pd.Series(np.asarray(confidence, dtype=object))
    if series.dtype == object:
        known = series.notna().to_numpy()
        if known.any() and isinstance(series.iat[int(known.argmax())], Mapping):
            return by_label_entropy(_probability_columns(series), seed)
    values = pd.to_numeric(series.astype(object) if series.dtype.kind not in "biuf" else series, errors="coerce")
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    tiebreak = np.random.default_rng(seed).random(len(numbers))
    filled = np.where(np.isnan(numbers), -np.inf, numbers)
    return np.lexsort((tiebreak, filled))


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """H(p) = −p log₂ p − (1 − p) log₂(1 − p) in bits, elementwise: 1 at p = 0.5, 0 at p = 0 or 1; NaN stays NaN."""
    q = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = q * np.log(q)  # natural logarithms, scaled to bits once: np.log is several times faster than np.log2
        h += (1 - q) * np.log(1 - q)
    h *= -1 / np.log(2)
    h[(q == 0) | (q == 1)] = 0.0  # 0 · log 0 is 0: a certain label holds no uncertainty
    return h


def label_entropy(probabilities: pd.DataFrame) -> np.ndarray:
    """Per row, the sum over the columns (one per label) of the binary entropy of the label's probability, in bits.

    A missing probability counts as 1 bit, the most a label can hold: a row that says nothing is the most uncertain.
    A probability outside [0, 1] is refused.
    """
    numeric = probabilities.select_dtypes("number").columns
    if len(numeric) < probabilities.shape[1]:  # numbers written as text are read as numbers, anything else missing
        probabilities = probabilities.apply(pd.to_numeric, errors="coerce")
    values = probabilities.to_numpy(dtype=float, na_value=np.nan)
    outside = np.isfinite(values) & ((values < 0) | (values > 1))
    if outside.any():
        row, column = np.argwhere(outside)[0]
        raise InputError(
            f"per-label probabilities must lie in [0, 1]; {probabilities.columns[column]!r} is {values[row, column]!r} "
            f"in row {probabilities.index[row]!r}."
        )
    total = np.empty(len(values))
    for start in range(0, len(values), _ENTROPY_ROWS):  # blocks that stay in cache: no 50 MB temporaries
        block = values[start : start + _ENTROPY_ROWS]
        entropy = binary_entropy(block)
        entropy[np.isnan(block)] = 1.0
        total[start : start + _ENTROPY_ROWS] = entropy.sum(axis=1)
    return total


def by_label_entropy(probabilities: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Rows with the most per-label uncertainty first (``label_entropy``); ties in random order."""
    tiebreak = np.random.default_rng(seed).random(len(probabilities))
    return np.lexsort((tiebreak, -label_entropy(probabilities)))


def _probability_columns(cells: pd.Series) -> pd.DataFrame:
    """``{label: probability}`` cells as one column per label (missing where a cell or a label is)."""
    mappings = cells.to_numpy(dtype=object, copy=True)
    missing = pd.isna(mappings)
    odd = {t.__name__ for t in set(map(type, mappings[~missing])) if not issubclass(t, Mapping)}
    if odd:
        raise InputError(
            f"the confidence column mixes per-label probabilities ({{label: probability}} cells) with {sorted(odd)}; "
            "give every row its per-label probabilities, or every row one number."
        )
    mappings[missing] = {}  # one shared empty mapping: every probability of the row is missing
    names = sorted(set().union(*mappings), key=str)
    return pd.DataFrame(
        {
            name: np.fromiter(
                map(operator.methodcaller("get", name, np.nan), mappings), dtype=float, count=len(mappings)
            )
            for name in names
        }
    )


def by_disagreement(suggestions: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Rows where the suggestion columns disagree most come first.

    Disagreement is 1 - (share of the most common suggestion) among the non-missing ones;
    a row with no suggestion at all counts as full disagreement. Columns of multi-label answers (lists of names)
    disagree by ``set_spread``; the kind is read from the cells.
    """
    if suggestions.shape[1] < 2:
        raise InputError("order='disagreement' needs at least two suggestion columns in order_by=[...].")
    kind = answer_kind(suggestions, "order='disagreement'", *suggestions.columns)
    spread = kind.suggestion_spread(suggestions)
    tiebreak = np.random.default_rng(seed).random(len(suggestions))
    return np.lexsort((tiebreak, -spread))


def modal_spread(suggestions: pd.DataFrame) -> np.ndarray:
    """Per row, 1 − (share of the most common suggestion) among the present ones; 1 with none
    (``SingleLabel.suggestion_spread``)."""
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
    return np.where(voters > 0, 1.0 - modal / np.maximum(voters, 1), 1.0)


def set_spread(suggestions: pd.DataFrame) -> np.ndarray:
    """Per row, the mean Jaccard distance (1 − |A ∩ B| / |A ∪ B|, 0 for two empty sets) over the pairs of columns
    that both hold a suggestion; 1 with no suggestion, 0 with one (nothing to disagree with), as ``modal_spread``
    (``MultiLabel.suggestion_spread``)."""
    n, k = suggestions.shape
    # every column's answers over one label list, each distinct answer once
    cells = np.concatenate([suggestions.iloc[:, j].to_numpy(dtype=object) for j in range(k)])
    answers, rows, _ = set_answers(cells, None, "order='disagreement'", "order_by")
    # a set as bytes of bits: an intersection or a union costs one operation per 8 labels, counted by table
    packed = np.packbits(rows, axis=1, bitorder="little") if rows.shape[1] else np.zeros((len(rows), 1), np.uint8)
    packed = np.vstack([packed, np.zeros((1, packed.shape[1]), dtype=np.uint8)])  # code -1: no suggestion
    sets = packed[answers].reshape(k, n, -1)
    answered = (answers >= 0).reshape(k, n)
    distance = np.zeros(n)
    compared = np.zeros(n, dtype=np.int64)
    for i in range(k):
        for j in range(i + 1, k):
            both = _BITS_SET[sets[i] & sets[j]].sum(axis=1)
            either = _BITS_SET[sets[i] | sets[j]].sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                apart = np.where(either > 0, 1.0 - both / np.maximum(either, 1), 0.0)
            counted = answered[i] & answered[j]
            distance += np.where(counted, apart, 0.0)
            compared += counted
    voters = answered.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(compared > 0, distance / np.maximum(compared, 1), np.where(voters > 0, 0.0, 1.0))


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
    columns = [order_by] if isinstance(order_by, str) else list(order_by or [])
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"order_by= names columns that do not exist: {missing}; the columns are {list(df.columns)}.")
    if order == "uncertain":
        if columns:  # one probability per label: the multi-label suggestion's own uncertainty
            return by_label_entropy(df[columns], seed)
        if confidence is None:
            raise InputError(
                "order='uncertain' needs a confidence for every item before labeling starts: run "
                "lw.suggest(df, suggester, ...) first, or pass "
                "suggester=lw.FromColumn('label_col', confidence='conf_col'); for multi-label suggestions with a "
                "probability per label, name those columns: order_by=['p_anger', 'p_joy', ...]."
            )
        return by_uncertainty(confidence, seed)
    if order == "disagreement":
        return by_disagreement(df[columns], seed)
    if order == "stratified":
        if len(columns) != 1:
            raise InputError("order='stratified' needs one column to stratify by: order_by='source'.")
        return stratified(df[columns[0]], seed)
    raise InputError(f"order={order!r} is not known; use one of {list(ORDERS)} or a list of row positions.")
