"""Writing decisions into the user's own DataFrame, one cell at a time, in place."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from labelwidgets.decision import Decision
from labelwidgets.errors import InputError

RESULT_FIELDS = ("label", "decision", "suggestion", "confidence", "annotator", "decided_at", "seconds")
_ATTRS_KEY = "labelwidgets_columns"
#: df.attrs key under which lw.suggest() records the columns it wrote ({"suggestion": col, "confidence": col}).
SUGGESTED_KEY = "labelwidgets_suggested"


class ResultColumns:
    """The result columns of one labeling session inside the caller's DataFrame.

    Values are set with ``iat`` on NumPy-backed columns, so one write costs the same
    for 100 rows and for 10 million. (Arrow-backed strings would copy the whole column.)
    """

    def __init__(self, df: pd.DataFrame, names: dict[str, str], shared: frozenset[str] = frozenset()):
        self.df = df
        self.names = names
        # Fields whose column lw.suggest() already filled for every row: the labeler reads them, never resets them.
        self.shared = shared

    @classmethod
    def plan(cls, df: pd.DataFrame, rename: Mapping[str, str] | None = None) -> ResultColumns:
        """Check the column names against the DataFrame without changing it."""
        rename = dict(rename or {})
        unknown = sorted(set(rename) - set(RESULT_FIELDS))
        if unknown:
            raise InputError(f"columns= renames unknown result fields {unknown}; the fields are {list(RESULT_FIELDS)}.")
        names = {field: str(rename.get(field, field)) for field in RESULT_FIELDS}
        targets = list(names.values())
        if len(set(targets)) != len(targets):
            raise InputError(f"columns= maps two result fields to the same column: {names}.")
        ours = set(df.attrs.get(_ATTRS_KEY, ()))  # written by an earlier Labeler on this DataFrame
        suggested = df.attrs.get(SUGGESTED_KEY, {})
        shared = frozenset(
            f for f in ("suggestion", "confidence") if suggested.get(f) == names[f] and names[f] in df.columns
        )
        clashes = [
            (field, col)
            for field, col in names.items()
            if col in df.columns and col not in ours and field not in shared
        ]
        if clashes:
            field, col = clashes[0]
            example = ", ".join(f"{f!r}: 'my_{f}'" for f, _ in clashes)
            raise InputError(
                f"the DataFrame already has column(s) {[c for _, c in clashes]}, where the labeler would write "
                f"its results; it never overwrites your data. Pass columns={{{example}}} to write the results "
                f"under other names, or rename your column{'s' if len(clashes) > 1 else ''} first."
            )
        return cls(df, names, shared)

    def attach(self) -> None:
        """Create the result columns, all missing (or reset an earlier labeler's columns)."""
        df = self.df
        n = len(df)
        missing_strings = _strings(n)
        df[self.names["label"]] = missing_strings
        df[self.names["decision"]] = missing_strings.copy()
        if "suggestion" not in self.shared:
            df[self.names["suggestion"]] = missing_strings.copy()
        if "confidence" not in self.shared:
            df[self.names["confidence"]] = np.full(n, np.nan)
        df[self.names["annotator"]] = missing_strings.copy()
        df[self.names["decided_at"]] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        df[self.names["seconds"]] = np.full(n, np.nan)
        df.attrs[_ATTRS_KEY] = [col for field, col in self.names.items() if field not in self.shared]

    def write(self, row: int, event: Decision | None) -> None:
        """Show ``event`` (or nothing, after an undo of the only decision) in row ``row``."""
        df = self.df
        if event is None:
            values: dict[str, object] = {f: None for f in RESULT_FIELDS}
        else:
            values = {
                "label": event.label,
                "decision": event.action,
                "suggestion": event.suggestion,
                "confidence": event.confidence,
                "annotator": event.annotator,
                "decided_at": pd.Timestamp(event.decided_at),
                "seconds": event.seconds,
            }
        for field, value in values.items():
            if field in self.shared:
                continue
            if value is None:
                value = pd.NaT if field == "decided_at" else (np.nan if field in ("confidence", "seconds") else pd.NA)
            # looked up on every write: the user may add or drop their own columns meanwhile
            df.iat[row, df.columns.get_loc(self.names[field])] = value


def _strings(n: int) -> pd.arrays.StringArray:
    # The constructor takes the all-missing array as is; pd.array(...) would check each cell (10x slower).
    return pd.arrays.StringArray(np.full(n, pd.NA, dtype=object))
