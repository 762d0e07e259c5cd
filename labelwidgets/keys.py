"""Stable item keys: how a DataFrame index value is written to the store and read back.

Keys are stored as JSON so that the integer 5 and the string "5" stay different and a
key read from the store can be looked up in the index again without scanning every row.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np


def encode_key(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def decode_key(text: str) -> Any:
    return _unplain(json.loads(text))


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"$tuple": [_plain(v) for v in value]}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (dt.datetime, np.datetime64)):
        import pandas as pd

        return {"$timestamp": pd.Timestamp(value).isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(
        f"cannot use {value!r} ({type(value).__name__}) as an item key; "
        f"use an index of strings, numbers or timestamps, or pass key='<column>'."
    )


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if "$tuple" in value:
            return tuple(_unplain(v) for v in value["$tuple"])
        if "$timestamp" in value:
            import pandas as pd

            return pd.Timestamp(value["$timestamp"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
    return value


def shown_key(value: Any) -> str:
    """An item key as the person wrote it in an error message: ``2383``, ``'m1'``, ``('a', 1)``, never
    ``np.int64(2383)`` (NumPy 2 writes its scalars that way; a key taken from ``df.index`` is one)."""
    if isinstance(value, tuple):
        inner = ", ".join(shown_key(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)
