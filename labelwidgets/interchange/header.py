"""What a labels file says about itself (`Header`), and how each column's cells are written as JSON or text.

A file's rows hold plain values (text, numbers, booleans, ISO times, JSON); the header holds what turns them back
into the DataFrame they came from: each column's pandas dtype and how its cells are written, the item keys' names
and types, the kind of answer and its labels, and the columns a Labeler wrote (so that one resumes on the frame).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError

#: Bumped when a file's layout changes in a way an older reader would misread.
FORMAT_VERSION = 1
#: The key under which the header is kept (Parquet schema metadata; the sidecar's top-level key).
HEADER_KEY = "labelwidgets"

#: How a column's cells are written: text, a number, true/false, an ISO 8601 time, or any JSON value.
CELLS = ("text", "number", "bool", "time", "json")


@dataclass
class Column:
    """One column of a labels file: its name, its pandas dtype (`dtype_spec`) and how its cells are written."""

    name: str
    dtype: dict[str, Any]
    cells: str
    #: How an object column marks a missing cell: "None", "NA" (pandas') or "nan" (its first missing cell's way).
    missing: str = "None"


@dataclass
class Header:
    """What a labels file records besides its rows."""

    #: "labeler", "team", "dataframe" or "events": what the rows came from.
    source: str
    columns: list[Column]
    #: The file column holding the item keys (`labelwidgets.keys.encode_key`), and the index's names and dtype.
    key_column: str
    index_names: list[str | None]
    index_dtype: dict[str, Any] | None
    kind: str | None = None
    labels: list[str] = field(default_factory=list)
    #: A pair's two output columns.
    outputs: list[str] = field(default_factory=list)
    #: The columns with the item's text, the final answer, the decision and the suggestion.
    text: str | None = None
    answer: str | None = None
    decision: str | None = None
    suggestion: str | None = None
    #: The columns a Labeler wrote, and which store and annotator that Labeler had (see `read_labels`).
    written: list[str] = field(default_factory=list)
    written_source: dict[str, Any] | None = None
    #: The provenance columns `export` added (suggestion_visible, suggester, prompt_id; a team's gold and answers).
    provenance: list[str] = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps({HEADER_KEY: asdict(self)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes, where: str) -> Header:
        try:
            data = json.loads(text)[HEADER_KEY]
            version = int(data.get("format_version", FORMAT_VERSION))
            if version > FORMAT_VERSION:
                raise InputError(
                    f"{where} was written by a newer labelwidgets (format {version}; this one reads up to "
                    f"{FORMAT_VERSION}): upgrade labelwidgets to read it."
                )
            data["columns"] = [Column(**c) for c in data["columns"]]
            return cls(**data)
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(f"{where} is not a labelwidgets header ({error}).") from error

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


# ----- dtypes ---------------------------------------------------------------------------------------------------


def dtype_spec(dtype: Any) -> dict[str, Any]:
    """A pandas dtype as JSON, exactly enough to make it again (`dtype_of`)."""
    if isinstance(dtype, pd.StringDtype):
        na = "nan" if isinstance(dtype.na_value, float) else "NA"
        return {"type": "string", "storage": dtype.storage, "na": na}
    if isinstance(dtype, pd.DatetimeTZDtype):
        return {"type": "datetime", "unit": dtype.unit, "tz": str(dtype.tz)}
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return {"type": "datetime", "unit": np.datetime_data(dtype)[0], "tz": None}
    return {"type": "named", "name": str(dtype)}


def dtype_of(spec: dict[str, Any]) -> Any:
    if spec["type"] == "string":
        return pd.StringDtype(spec["storage"], na_value=np.nan if spec["na"] == "nan" else pd.NA)
    if spec["type"] == "datetime":
        unit = spec["unit"]
        return pd.DatetimeTZDtype(unit, spec["tz"]) if spec["tz"] else np.dtype(f"datetime64[{unit}]")
    return pd.api.types.pandas_dtype(spec["name"])


def cells_of(values: pd.Series) -> str:
    """How the cells of a column are written, from its dtype (an object column: text when every value is text)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return "text"
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        return "time"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    present = [v for v in values.tolist() if not is_missing(v)]
    if present and all(isinstance(v, str) for v in present):
        return "text"
    return "json"


def missing_of(values: pd.Series) -> str:
    """How an object column marks its missing cells (the first one's way): "None", "NA" or "nan"."""
    if values.dtype != np.dtype(object):
        return "None"
    for value in values.tolist():
        if value is pd.NA:
            return "NA"
        if value is None:
            return "None"
        if is_missing(value):
            return "nan"
    return "None"


_MISSING = {"None": None, "NA": pd.NA, "nan": np.nan}


# ----- cells ----------------------------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def plain(value: Any) -> Any:
    """A cell as a JSON value: NumPy scalars as Python's, times as ISO 8601, missing as None."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    return value


def encode_column(values: pd.Series, cells: str) -> list[Any]:
    """A column's cells as JSON values (times as ISO 8601 text, with their offset)."""
    missing = values.isna().to_numpy(dtype=bool)
    if cells == "json" or (cells == "text" and values.dtype == np.dtype(object)):
        return [plain(v) for v in values.tolist()]  # lists and records, or text among stray missing markers
    if cells == "time":
        out: list[Any] = [None] * len(values)
        for i in np.flatnonzero(~missing).tolist():  # most rows of a large frame are often undecided
            out[i] = pd.Timestamp(cast(Any, values.iat[i])).isoformat()
        return out
    # whole columns at once: text, numbers and booleans convert without a Python call per cell
    kind = float if cells == "number" and not pd.api.types.is_integer_dtype(values.dtype) else object
    missing_value: Any = np.nan if kind is float else None
    cells_out = values.to_numpy(dtype=kind, na_value=missing_value).astype(object)
    cells_out[missing] = None
    if cells == "bool":  # a boolean column's cells may be NumPy's booleans, which JSON does not know
        return [v if v is None else bool(v) for v in cells_out.tolist()]
    return list(cells_out.tolist())


def as_text(value: Any, cells: str) -> str | None:
    """A JSON value as a CSV cell: text as it is, JSON values as JSON text; None stays missing."""
    if value is None:
        return None
    if cells in ("text", "time"):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def from_text(value: Any, cells: str) -> Any:
    """A CSV cell (text, or None when empty) as the JSON value it was written from."""
    if value is None:
        return None
    if cells in ("text", "time"):
        return value
    return json.loads(value)


def decode_column(values: Sequence[Any], column: Column, index: pd.Index) -> pd.Series:
    """A column's JSON values (or Parquet's Python values) as the pandas column it was written from."""
    dtype = dtype_of(column.dtype)
    if column.cells == "time":
        parsed = pd.to_datetime(pd.Series(list(values), dtype=object), utc=True, format="ISO8601")
        if column.dtype["tz"] is None:
            parsed = parsed.dt.tz_localize(None)
        return pd.Series(parsed.to_numpy(), index=index, name=column.name).astype(dtype)
    if column.cells == "number":
        numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="raise")
        return pd.Series(numbers.to_numpy(), index=index, name=column.name).astype(dtype)
    if column.cells == "bool" and dtype == np.dtype(bool):
        return pd.Series(np.array(values, dtype=bool), index=index, name=column.name)
    if dtype == np.dtype(object):
        cells = np.empty(len(values), dtype=object)
        cells[:] = list(values)  # element-wise: a list stays one cell
        marker = _MISSING[column.missing]
        if marker is not None:
            cells[[v is None for v in cells]] = marker
        return pd.Series(cells, index=index, name=column.name, dtype=object)
    return pd.Series(pd.array(list(values), dtype=dtype), index=index, name=column.name)
