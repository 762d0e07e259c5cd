"""Input checks and value handling shared by the public metrics and plotting functions.

Each check raises ``InputError`` with a message that names the argument, what was wrong and what to pass instead,
so every public function words the same mistake the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from labelwidgets.decision import ACTIONS
from labelwidgets.errors import InputError

_MAX_LISTED_COLUMNS = 30

LabelT = TypeVar("LabelT", bound=Hashable)


def show_columns(df: pd.DataFrame) -> str:
    """The column names of ``df`` for an error message, cut short after 30."""
    names = [str(c) for c in df.columns]
    if len(names) > _MAX_LISTED_COLUMNS:
        return f"{names[:_MAX_LISTED_COLUMNS]} and {len(names) - _MAX_LISTED_COLUMNS} more"
    return str(names)


def require_frame(df: Any, func: str) -> pd.DataFrame:
    """``df`` itself when it is a DataFrame; else an error naming ``func``."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{func}() needs a pandas DataFrame, got {type(df).__name__}.")
    return df


def require_columns(df: pd.DataFrame, func: str, **columns: str) -> None:
    """Raise one error naming every missing column, the argument that names it, and the columns that exist."""
    missing = {arg: col for arg, col in columns.items() if col not in df.columns}
    if missing:
        wanted = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        raise InputError(
            f"{func}(): column(s) {list(missing.values())} not found ({wanted}). The DataFrame has the columns "
            f"{show_columns(df)}; if the results were written under other names, pass them, e.g. "
            f"{next(iter(missing))}='my_{next(iter(missing))}'."
        )


def optional_column(df: pd.DataFrame, func: str, arg: str, name: str | None, default: str) -> str | None:
    """A column that may be absent: None when not wanted, or absent under its default name.

    A name the caller chose that does not exist is an error (most likely a typo), not a silent omission.
    """
    if name is None:
        return None
    if name in df.columns:
        return name
    if name != default:
        require_columns(df, func, **{arg: name})
    return None


def check_labels(labels: Iterable[Hashable] | None) -> list[Hashable] | None:
    """The label names as a list (None stays None): not a bare string, not empty, no repeats."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise InputError(f"labels must be a list of label names, not the string {labels!r}.")
    names = list(labels)
    if not names:
        raise InputError("labels is empty: give the label names, e.g. labels=['ham', 'spam'], or leave it out.")
    if len(set(names)) != len(names):
        repeated = sorted({str(n) for n in names if names.count(n) > 1})
        raise InputError(f"labels must be unique; repeated: {repeated}.")
    return names


def check_bins(n_bins: int) -> None:
    """Raise unless ``n_bins`` is a positive whole number of calibration bins."""
    if not isinstance(n_bins, (int, np.integer)) or isinstance(n_bins, bool) or n_bins < 1:
        raise InputError(f"n_bins must be a positive integer, got {n_bins!r}.")


def object_values(series: pd.Series) -> np.ndarray:
    """Values as an object array with every kind of missing value (None, NaN, pd.NA, NaT) as None."""
    values = np.array(series.to_numpy(dtype=object), dtype=object)
    values[pd.isna(values)] = None
    return values


def sorted_labels(values: Iterable[LabelT | None]) -> list[LabelT]:
    """The distinct values other than None, sorted; mixed types (0 and "0") by type name, then text."""
    distinct: set[LabelT] = {v for v in values if v is not None}
    try:
        return sorted(distinct)  # type: ignore[type-var]
    except TypeError:
        return sorted(distinct, key=lambda v: (type(v).__name__, str(v)))


def encode(values: np.ndarray, labels: Sequence[Hashable]) -> np.ndarray:
    """Integer code of each value in ``labels``; -1 for missing values and values not in ``labels``."""
    codes = pd.Index(list(labels), dtype=object).get_indexer(values)
    return np.asarray(codes, dtype=np.int64)


def check_confidence(values: np.ndarray, func: str, column: str) -> np.ndarray:
    """Confidences as floats (NaN where missing); an error for text or values outside [0, 1]."""
    try:
        conf = pd.to_numeric(pd.Series(values, dtype=object), errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise InputError(f"{func}(): column {column!r} must hold numbers in [0, 1] or NaN.") from None
    outside = np.isfinite(conf) & ((conf < 0) | (conf > 1))
    if np.isinf(conf).any() or outside.any():
        bad = conf[np.isinf(conf) | outside][:5].tolist()
        raise InputError(f"{func}(): confidences must lie in [0, 1]; column {column!r} has e.g. {bad}.")
    return conf


def check_decisions(values: np.ndarray, func: str, column: str) -> None:
    """Raise when a decision is none of the labeler's actions (missing is fine: not decided yet)."""
    unknown = sorted({str(v) for v in values if v is not None and v not in ACTIONS})
    if unknown:
        raise InputError(
            f"{func}(): column {column!r} holds unknown decisions {unknown[:10]}; "
            f"expected one of {list(ACTIONS)} or missing."
        )
