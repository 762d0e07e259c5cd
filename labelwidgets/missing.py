"""The one definition of "this cell has no value" used everywhere in the package."""

from __future__ import annotations

from typing import Any


def is_missing(value: Any) -> bool:
    """True for None, NaN, ``pd.NA`` and ``NaT``; False for every real value, list-like cells included."""
    if value is None:
        return True
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like cells are values, not missing
        return False
