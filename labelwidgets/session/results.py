"""Writing decisions into the user's own DataFrame: whole columns at once on restore, one cell at a time after."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from labelwidgets.decision import Decision
from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet

RESULT_FIELDS = ("label", "decision", "suggestion", "confidence", "annotator", "decided_at", "seconds")
#: The Decision field behind each result column.
_SOURCE_FIELD = {"label": "label", "decision": "action", "suggestion": "suggestion", "confidence": "confidence",
                 "annotator": "annotator", "decided_at": "decided_at", "seconds": "seconds"}  # fmt: skip
_NUMBERS = ("confidence", "seconds")
#: The fields that hold answers: shown as the kind of answer shows them (a name, a list of names, ...).
_ANSWERS = ("label", "suggestion")
#: The key of ``columns=`` that asks for one boolean column per label, named by a pattern with ``{label}``.
PER_LABEL = "per_label"
_ATTRS_KEY = "labelwidgets_columns"
#: df.attrs key naming the store and annotator whose decisions the result columns hold.
_SOURCE_KEY = "labelwidgets_source"


def written_by_labeler(df: pd.DataFrame) -> frozenset[str]:
    """The columns of ``df`` that a Labeler writes its results into (empty when none ever did)."""
    return frozenset(df.attrs.get(_ATTRS_KEY, ()))


def written_columns(df: pd.DataFrame) -> list[str]:
    """`written_by_labeler` in the order the Labeler wrote them: its answer column first, its decision column next."""
    return [str(c) for c in df.attrs.get(_ATTRS_KEY, ())]


def written_source(df: pd.DataFrame) -> dict[str, object] | None:
    """Which store and annotator the Labeler that wrote ``df``'s result columns had, if one did."""
    source = df.attrs.get(_SOURCE_KEY)
    return dict(source) if isinstance(source, Mapping) else None


def adopt_results(df: pd.DataFrame, written: list[str], source: Mapping[str, object] | None) -> None:
    """Mark ``written`` as result columns a Labeler wrote into ``df`` (with ``source``, its store and annotator), as
    that Labeler itself does: a frame read back from a file (`lw.read_labels`) is then resumed on, not refused."""
    df.attrs[_ATTRS_KEY] = [c for c in written if c in df.columns]
    if source is not None:
        df.attrs[_SOURCE_KEY] = dict(source)


class ResultColumns:
    """The result columns of one labeling session inside the caller's DataFrame.

    Values are set with ``iat`` on NumPy-backed columns, so one write costs the same
    for 100 rows and for 10 million. (Arrow-backed strings would copy the whole column.)
    """

    def __init__(
        self,
        df: pd.DataFrame,
        names: dict[str, str],
        shared: frozenset[str] = frozenset(),
        labels: LabelSet | None = None,
        label_columns: Mapping[str, str] | None = None,
    ):
        self.df = df
        self.names = names
        #: With ``columns={"per_label": "is_{label}"}``: label -> its boolean column (True when the answer has it).
        self.label_columns = dict(label_columns or {})
        self.labels = labels if labels is not None else LabelSet.parse(["label"])
        # One label per item is text; other kinds (a list of names per item) are Python objects, one per cell.
        self._answers_as_text = self.labels.kind.answers_are_text
        # Fields whose column is also the suggester's input (FromColumn("suggestion", confidence="confidence")):
        # the labeler reads them, never resets or writes them.
        self.shared = shared
        #: The item's text in a row, for kinds whose answers point into it (spans show their text): set by the session.
        self.item_text: Callable[[int], str | None] | None = None
        # Columns that start all missing and are still views of a read-only blank (`attach(blank_shared=True)`).
        self._sharing_blanks: list[str] = []

    @property
    def written(self) -> list[str]:
        """The columns this session writes (the result columns minus the shared ones)."""
        return [col for field, col in self.names.items() if field not in self.shared] + list(
            self.label_columns.values()
        )

    @classmethod
    def plan(
        cls,
        df: pd.DataFrame,
        rename: Mapping[str, str] | None = None,
        inputs: Mapping[str, str | None] | None = None,
        labels: LabelSet | None = None,
    ) -> ResultColumns:
        """Check the column names against the DataFrame without changing it.

        ``inputs`` are the columns a `FromColumn` suggester reads, by role (``"suggestion"``, ``"confidence"``,
        ``"rationale"``). One that has the name of the matching result column is shared: read, never reset.
        """
        rename = dict(rename or {})
        pattern = rename.pop(PER_LABEL, None)
        unknown = sorted(set(rename) - set(RESULT_FIELDS))
        if unknown:
            raise InputError(
                f"columns= renames unknown result fields {unknown}; the fields are {list(RESULT_FIELDS)} (and "
                f"{PER_LABEL!r}, a pattern for one boolean column per label such as 'is_{{label}}')."
            )
        names = {field: str(rename.get(field, field)) for field in RESULT_FIELDS}
        label_columns = _per_label_columns(pattern, labels)
        targets = list(names.values()) + list(label_columns.values())
        if len(set(targets)) != len(targets):
            raise InputError(f"columns= maps two result fields to the same column: {names}.")
        read: dict[str, str] = {role: col for role, col in (inputs or {}).items() if col}
        shared = frozenset(
            f for f in ("suggestion", "confidence") if read.get(f) == names[f] and names[f] in df.columns
        )
        by_column = {col: field for field, col in names.items()}
        for role, col in read.items():
            field = by_column.get(col)
            if field is not None and field not in shared:
                raise InputError(
                    f"the suggester reads its {role} from the column {col!r}, where the labeler writes its "
                    f"{field!r} results: it would read the labeler's own output. Write the results elsewhere with "
                    f"columns={{{field!r}: 'my_{field}'}}, or rename that column."
                )
        ours = set(df.attrs.get(_ATTRS_KEY, ()))  # written by an earlier Labeler on this DataFrame
        clashes = [
            (field, col)
            for field, col in [*names.items(), *((PER_LABEL, col) for col in label_columns.values())]
            if col in df.columns and col not in ours and field not in shared
        ]
        if clashes:
            example = ", ".join(f"{f!r}: 'my_{f}'" if f != PER_LABEL else f"{f!r}: 'my_{{label}}'" for f, _ in clashes)
            hint = ""
            if any(f in ("suggestion", "confidence") for f, _ in clashes):
                hint = (
                    f" If {names['suggestion']!r} holds suggestions (from lw.suggest), show them with "
                    f"suggester=lw.FromColumn({names['suggestion']!r}, confidence={names['confidence']!r})."
                )
            raise InputError(
                f"the DataFrame already has column(s) {[c for _, c in clashes]}, where the labeler would write "
                f"its results; it never overwrites your data. Pass columns={{{example}}} to write the results "
                f"under other names, or rename your column{'s' if len(clashes) > 1 else ''} first.{hint}"
            )
        return cls(df, names, shared, labels, label_columns)

    def previous_source(self) -> dict[str, object] | None:
        """Which store and annotator the result columns already in the DataFrame came from, if any."""
        source = self.df.attrs.get(_SOURCE_KEY)
        return dict(source) if isinstance(source, Mapping) else None

    def existing(self) -> np.ndarray:
        """Rows whose result columns already hold a decision (written by an earlier Labeler on this DataFrame)."""
        column = self.names["decision"]
        if column not in self.df.columns or column not in self.df.attrs.get(_ATTRS_KEY, ()):
            return np.zeros(len(self.df), dtype=bool)
        return self.df[column].notna().to_numpy(dtype=bool, copy=True)

    def attach(
        self,
        rows: np.ndarray | None = None,
        events: pd.DataFrame | None = None,
        *,
        keep: bool = False,
        source: Mapping[str, object] | None = None,
        blank_shared: bool = False,
    ) -> None:
        """Create the result columns, with ``events`` (one decision per row, as `Store.events_frame` gives them)
        written into ``rows``, and every other row missing, or as it was with ``keep``.

        Whole columns at once: restoring 200,000 decisions is a few array assignments, not 200,000 cell writes.

        With ``blank_shared`` (and pandas' copy-on-write, always on from pandas 3), the columns that start all
        missing are read-only views of one missing value per kind (text, number, time), taking no memory, until
        `settle` or their first write gives each its own copy: the values are the same either way, and a
        million-row Labeler appears without first writing seven blank columns of 8 MB each (`Labeler` settles
        them once the cell that made it has finished). See `_blank` for why no write can ever reach the view.
        """
        with _small_pages():
            self._attach(rows, events, keep=keep, source=source, blank_shared=blank_shared and _copy_on_write())

    def settle(self) -> None:
        """Give every result column that still shares a blank array its own copy, so that no later write pays for it.

        A write of a cell's own value is how: pandas' copy-on-write copies that column alone, in place.
        """
        df = self.df
        for name in self._sharing_blanks:
            if name in df.columns and len(df):
                loc = df.columns.get_loc(name)
                if isinstance(loc, int):  # a user's duplicate column names: leave it to the first write
                    own_value: Any = df.iat[0, loc]
                    df.iat[0, loc] = own_value
        self._sharing_blanks = []

    def _attach(
        self,
        rows: np.ndarray | None,
        events: pd.DataFrame | None,
        *,
        keep: bool,
        source: Mapping[str, object] | None,
        blank_shared: bool,
    ) -> None:
        df = self.df
        n = len(df)
        rows = np.zeros(0, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        self._sharing_blanks = []

        # Every column is handed over as a Series that owns freshly made values (copy=False): assigning a bare array
        # makes pandas check and copy it again, a third of the time at a million rows.
        # Answers that are not text (lists, one per cell) are handed over as objects: pandas would otherwise look at
        # every missing cell before the first answer for a type to give the column (16 ms for 200,000 of them).
        def put(name: str, values: Any, *, objects: bool = False) -> None:
            df[name] = pd.Series(values, index=df.index, dtype=object if objects else None, copy=False)

        def put_blank(name: str, kind: str, make: Callable[[], Any]) -> None:
            holder = _blank(kind, n) if blank_shared else None
            if holder is None:
                put(name, make())
                return
            # set_axis keeps copy-on-write's record that the column shares the holder's values.
            df[name] = holder.set_axis(df.index)
            self._sharing_blanks.append(name)

        for field in RESULT_FIELDS:
            if field in self.shared:
                continue
            name = self.names[field]
            values = None if events is None else events[_SOURCE_FIELD[field]]
            keep_old = keep and name in df.columns
            objects = field in _ANSWERS and not self._answers_as_text  # a list (or other value) per cell
            if field == "decided_at" and not keep_old and (values is None or not len(rows)):
                put_blank(name, "time", lambda: _utc_times(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")))
            elif field == "decided_at":
                base = (
                    df[name].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]", copy=True)
                    if keep_old and isinstance(df[name].dtype, pd.DatetimeTZDtype)
                    else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
                )
                if values is not None and len(rows):
                    stamps = pd.to_datetime(values.reset_index(drop=True), utc=True, format="ISO8601")
                    base[rows] = stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
                put(name, _utc_times(base))
            elif field in _NUMBERS and not keep_old and (values is None or not len(rows)):
                put_blank(name, "number", lambda: np.full(n, np.nan))
            elif field in _NUMBERS:
                base = (
                    pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
                    if keep_old
                    else np.full(n, np.nan)
                )
                if values is not None and len(rows):
                    base[rows] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                put(name, base)
            elif not keep_old and (values is None or not len(rows)):
                if objects:
                    put(name, np.full(n, pd.NA, dtype=object), objects=True)
                else:
                    put_blank(name, "text", lambda: _missing_strings(n))
            else:
                base = np.full(n, pd.NA, dtype=object)
                if keep_old:
                    base = df[name].to_numpy(dtype=object, copy=True)
                    base[pd.isna(base)] = pd.NA
                answered = False
                if values is not None and len(rows):
                    cells = values.to_numpy(dtype=object, copy=True)
                    missing = pd.isna(cells)
                    cells[missing] = pd.NA
                    base[rows] = cells
                    answered = not missing.all()
                if objects and not answered and not keep_old:  # no answer to show (no suggestions, say): all missing
                    put(name, base, objects=True)
                else:
                    put(name, self._column(field, base, kept=keep_old), objects=objects)
        if self.label_columns:
            self._attach_label_columns(rows, None if events is None else events["label"], keep=keep)
        df.attrs[_ATTRS_KEY] = self.written
        if source is not None:
            df.attrs[_SOURCE_KEY] = dict(source)

    def _attach_label_columns(self, rows: np.ndarray, answers: pd.Series | None, *, keep: bool) -> None:
        """One boolean column per label: whether each row's answer has it (missing: no answer)."""
        df, labels, n = self.df, self.labels, len(self.df)
        names = list(self.label_columns)
        has = np.zeros((n, len(names)), dtype=bool)
        answered = np.zeros(n, dtype=bool)
        if answers is not None and len(rows):
            stored = answers.to_numpy(dtype=object)
            codes, distinct = pd.factorize(stored, use_na_sentinel=True)
            chosen = np.array(
                [[name in set(labels.kind.chosen_labels(text, labels)) for name in names] for text in distinct],
                dtype=bool,
            ).reshape(-1, len(names))
            given = codes >= 0
            has[rows[given]] = chosen[codes[given]]
            answered[rows[given]] = True
        for j, name in enumerate(names):
            column = self.label_columns[name]
            values = pd.array(has[:, j], dtype="boolean")
            values[~answered] = pd.NA
            if keep and column in df.columns:
                earlier = df[column].astype("boolean").array
                values[~answered] = earlier[~answered]
            df[column] = pd.Series(values, index=df.index, copy=False)

    def _column(self, field: str, cells: np.ndarray, *, kept: bool = False) -> Any:
        """A text result column's values; answers as their kind shows them.

        ``cells`` holds stored text or missing, and with ``kept`` also values an earlier Labeler wrote (already
        shown as the kind shows them: lists), which stay as they are.
        """
        if field not in _ANSWERS or self._answers_as_text:
            return string_cells(cells)
        texts = self._texts(len(cells))
        if not kept:
            return self.labels.kind.cells(cells, self.labels, texts=texts)
        is_text = np.fromiter((isinstance(c, str) for c in cells), dtype=bool, count=len(cells))
        stored = cells.copy()
        stored[~is_text] = pd.NA
        out = self.labels.kind.cells(stored, self.labels, texts=texts)
        earlier = ~is_text & ~pd.isna(cells)
        out[earlier] = cells[earlier]
        return out

    def _text(self, row: int) -> str | None:
        if self.item_text is None or not self.labels.kind.about_text:
            return None
        return self.item_text(row)

    def _texts(self, n: int) -> list[str | None] | None:
        """Every row's text, for kinds whose answers point into it (None otherwise: nothing is read)."""
        if self.item_text is None or not self.labels.kind.about_text:
            return None
        return [self.item_text(row) for row in range(n)]

    def write(self, row: int, event: Decision | None) -> None:
        """Show ``event`` (or nothing, after an undo of the only decision) in row ``row``."""
        df = self.df
        values: dict[str, Any]
        if event is None:
            values = {f: None for f in RESULT_FIELDS}
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
            if field in _ANSWERS and value is not None and not self._answers_as_text:
                value = self.labels.kind.value(value, self.labels, text=self._text(row))
            if value is None:
                value = pd.NaT if field == "decided_at" else (np.nan if field in ("confidence", "seconds") else pd.NA)
            # looked up on every write: the user may add or drop their own columns meanwhile
            df.iat[row, cast(int, df.columns.get_loc(self.names[field]))] = value
        if self.label_columns:
            label = None if event is None else event.label
            chosen = set() if label is None else set(self.labels.kind.chosen_labels(label, self.labels))
            for name, column in self.label_columns.items():
                df.iat[row, cast(int, df.columns.get_loc(column))] = pd.NA if label is None else name in chosen


def _per_label_columns(pattern: object, labels: LabelSet | None) -> dict[str, str]:
    """label -> its boolean column, from ``columns={"per_label": "is_{label}"}``."""
    if pattern is None:
        return {}
    if not isinstance(pattern, str) or "{label}" not in pattern:
        raise InputError(
            f"columns={{{PER_LABEL!r}: {pattern!r}}} must be a pattern with {{label}} in it, for example "
            f"columns={{{PER_LABEL!r}: 'is_{{label}}'}}: one True/False column per label."
        )
    if labels is None:
        raise InputError(f"columns={{{PER_LABEL!r}: ...}} needs the label set.")
    return {name: pattern.replace("{label}", name) for name in labels.names}


_ONE_MISSING: pd.arrays.StringArray | None = None
#: The blank of each kind and length, kept for the life of the process (a few hundred bytes each; see `_blank`).
_BLANKS: dict[tuple[str, int], pd.Series] = {}


def _blank(kind: str, n: int) -> pd.Series | None:
    """A Series of ``n`` missing values of ``kind`` ("text", "number", "time") that takes no memory, or None.

    Its values are one missing value seen ``n`` times (NumPy's zero stride), so they are read-only. Every column
    made from it with `set_axis` shares them with this Series, which the module keeps for good: pandas'
    copy-on-write therefore always sees another reference and copies a column before writing to it (a write by
    the labeler, by `settle`, or by the person's own code, into the column or a Series taken from it), so no write
    ever reaches the read-only values. Without pandas' way to rewrap checked values (``_from_backing_data``), None.
    """
    key = (kind, n)
    if key in _BLANKS:
        return _BLANKS[key]
    if kind == "number":
        values: Any = np.broadcast_to(np.float64(np.nan), (n,))
    else:
        cell = np.array([pd.NA], dtype=object) if kind == "text" else np.array(["NaT"], dtype="datetime64[ns]")
        one: Any = _missing_strings(1) if kind == "text" else _utc_times(cell)
        rewrap = getattr(one, "_from_backing_data", None)
        if rewrap is None:
            return None
        values = rewrap(np.broadcast_to(cell, (n,)))
    holder = pd.Series(values, copy=False)
    _BLANKS[key] = holder
    return holder


@contextlib.contextmanager
def _small_pages() -> Iterator[None]:
    """Make the new columns without asking Linux for huge pages (NumPy asks for arrays of 4 MB and more).

    Each column is written once, front to back, right after it is made; a huge page costs a 2 MB zeroing (and
    compaction, when memory is fragmented) at its first touch. Measured in a Jupyter kernel on a 2-core VM,
    a Labeler on 1,000,000 rows: 136 ms median with the advice, 62 ms without (8 runs each). The setting is
    process-wide, so it is restored at once.
    """
    toggle = getattr(getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)
    if toggle is None:
        yield
        return
    before = toggle(False)
    try:
        yield
    finally:
        toggle(before)


def _copy_on_write() -> bool:
    """Whether pandas copies a column shared with another object before writing to it (always from pandas 3)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.options.mode.copy_on_write is True


_ONE_TIME: pd.arrays.DatetimeArray | None = None


def _utc_times(values: np.ndarray) -> pd.arrays.DatetimeArray:
    # The values are UTC instants, which is how pandas stores aware times: wrapping them as a sibling of a one-cell
    # UTC array costs nothing, where localizing a million of them copies and checks each (12-18 ms).
    global _ONE_TIME
    if _ONE_TIME is None:
        _ONE_TIME = pd.array(np.array(["NaT"], dtype="datetime64[ns]")).tz_localize("UTC")
    sibling = getattr(_ONE_TIME, "_from_backing_data", None)
    if sibling is not None:
        return cast(pd.arrays.DatetimeArray, sibling(values))
    return cast(pd.arrays.DatetimeArray, pd.DatetimeIndex(values, tz="UTC").array)


def _missing_strings(n: int) -> pd.arrays.StringArray:
    # Filled cells wrapped as a checked one-cell array's sibling: building a million missing cells through the
    # constructor checks each one (27 ms), `take` from one cell copies through an index (6 ms), this 3 ms.
    global _ONE_MISSING
    if _ONE_MISSING is None:
        _ONE_MISSING = string_cells(np.full(1, pd.NA, dtype=object))
    sibling = getattr(_ONE_MISSING, "_from_backing_data", None)  # pandas' own way to rewrap checked values
    if sibling is not None:
        return cast(pd.arrays.StringArray, sibling(np.full(n, pd.NA, dtype=object)))
    return cast(pd.arrays.StringArray, _ONE_MISSING.take(np.zeros(n, dtype=np.intp)))


#: The result columns' text type: NumPy-backed ("python" storage) whatever pandas' default is. With pyarrow
#: installed pandas 3 defaults to pyarrow storage, which a StringArray's own values are not: the dtype is named.
try:
    PYTHON_STRINGS = pd.StringDtype("python", na_value=pd.NA)
except TypeError:  # pandas before 2.3 has no na_value: its StringDtype always uses pd.NA
    PYTHON_STRINGS = pd.StringDtype("python")


def string_cells(cells: np.ndarray) -> pd.arrays.StringArray:
    # NumPy-backed (python storage) whatever pandas' default string storage: one cell write stays O(1).
    # Cells that are not strings (a user's stray value kept with keep=True) are stored as their text.
    try:
        return _python_strings(cells)
    except ValueError:
        return _python_strings(
            np.array([v if v is pd.NA or isinstance(v, str) else str(v) for v in cells], dtype=object)
        )


def _python_strings(cells: np.ndarray) -> pd.arrays.StringArray:
    try:
        return pd.arrays.StringArray(cells, dtype=PYTHON_STRINGS)  # type: ignore[call-arg]  # pandas 3
    except TypeError:  # pandas 2 takes no dtype here, and its strings are python-backed unless told otherwise
        return pd.arrays.StringArray(cells)
