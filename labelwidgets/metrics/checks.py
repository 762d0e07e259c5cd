"""Input checks and value handling shared by the public metrics and plotting functions.

Each check raises ``InputError`` with a message that names the argument, what was wrong and what to pass instead,
so every public function words the same mistake the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from labelwidgets.decision import ACTIONS
from labelwidgets.errors import InputError
from labelwidgets.kinds import MULTI, SINGLE, SPANS, AnswerKind

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


# ---------------------------------------------------------------------------------------------------------------
# kinds of answer in a DataFrame

#: What a multi-label answer is in a DataFrame cell: a set of names in any of these containers (a Labeler writes
#: lists; pyarrow list columns read back as NumPy arrays).
SET_CELLS = (list, tuple, set, frozenset, np.ndarray)
_MAX_LISTED_ROWS = 10
#: The types of a missing cell (None, pd.NA) that need no closer look; NaN is a float, looked at with pd.isna.
_MISSING_TYPES = {type(None), type(pd.NA)}
#: What one span in a list of spans is: a mapping ({"start", "end", "label", ...}), a Span or (start, end, label).
#: None of these can be a label's name in a set (dicts and lists are unhashable; a label is a name, not a triple).
SPAN_ELEMENTS = (Mapping, list, tuple, np.ndarray)
#: ``_column_kind``'s answer for a column whose answers are all empty lists: "none of these" or "no spans".
_EMPTY_LISTS = "empty lists"


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    rows = index[mask].tolist()
    more = f" and {len(rows) - _MAX_LISTED_ROWS} more" if len(rows) > _MAX_LISTED_ROWS else ""
    return f"{rows[:_MAX_LISTED_ROWS]}{more}"


def _column_kind(series: pd.Series, func: str, column: str) -> AnswerKind | str | None:
    """The kind of answer one column holds (None when every cell is missing, ``_EMPTY_LISTS`` when every answer is
    an empty list, which a set of labels and a list of spans share); refuses a column that mixes kinds."""
    if series.dtype != object:  # text, categories, numbers: one label per cell, never a set
        known = series.notna().to_numpy()
        if not known.any():
            return None
        first = series.iat[int(known.argmax())]
        if pd.api.types.is_string_dtype(series.dtype) and str(first).startswith("["):
            _refuse_list_text(series.dropna().to_numpy(dtype=object), func, column)
        return SINGLE
    values = series.to_numpy(dtype=object)
    # the types of the cells first (map(type) runs in C): a million cells of one kind cost a few milliseconds
    types = set(map(type, values))
    set_types = {t for t in types if issubclass(t, SET_CELLS)}
    if set_types and types <= set_types | _MISSING_TYPES:
        return _list_kind(values if types <= set_types else values[~pd.isna(values)], func, column)
    missing = pd.isna(values)  # elementwise: a list is never missing
    if missing.all():
        return None
    if not set_types:
        _refuse_list_text(values[~missing], func, column)
        return SINGLE
    is_set = np.fromiter((isinstance(v, SET_CELLS) for v in values), dtype=bool, count=len(values))
    scalar = ~is_set & ~missing
    if scalar.any():
        example = values[scalar][0]
        lists = _rows(series.index, is_set)
        raise InputError(
            f"{func}(): column {column!r} mixes lists of labels (multi-label answers, rows {lists})"
            f" with single values such as {example!r} (rows {_rows(series.index, scalar)}). Give every answer in "
            f"one form: a list of names per row ([{example!r}] for one label, [] for none of them), or one label "
            "per row."
        )
    return _list_kind(values[is_set], func, column)  # lists, and missing values of other types (NaN)


def _list_kind(cells: np.ndarray, func: str, column: str) -> AnswerKind | str:
    """Lists of label names (``MULTI``) or lists of spans (``SPANS``), from what the first non-empty list holds
    (reading every element of a million lists would cost a second; a later list of the other form is refused by the
    kind's own reading, naming the row); ``_EMPTY_LISTS`` when every list is empty."""
    first = next((cell for cell in cells if len(cell)), None)
    if first is None:
        return _EMPTY_LISTS
    # a mapping is a span; so is a (start, end, label); a list inside a list of any other length is neither, and
    # multi-label reading says so
    is_span = [isinstance(x, Mapping) or (isinstance(x, SPAN_ELEMENTS) and len(x) == 3) for x in first]
    if not any(is_span):
        return MULTI
    if all(is_span):
        return SPANS
    names = next(x for x, span in zip(first, is_span, strict=True) if not span)
    raise InputError(
        f"{func}(): column {column!r} mixes spans and label names in one answer, e.g. {names!r}. Give every answer "
        "in one form: spans as {'start', 'end', 'label'} (or (start, end, label)) per span, or a list of label "
        "names per row."
    )


def _refuse_list_text(present: np.ndarray, func: str, column: str) -> None:
    """A column of text that reads as lists ('["joy"]', "['joy', 'fear']") is multi-label answers saved as text."""
    first = present[0]
    if not (isinstance(first, str) and first.startswith("[")):  # the first answer decides whether to look further
        return
    text = pd.Series(present, dtype=object)
    if text.str.startswith("[").all() and text.str.endswith("]").all():
        if text.str.match(r"\[\s*[\[{]").any():
            raise InputError(
                f"{func}(): column {column!r} holds text that reads as lists of spans, e.g. {first!r}: spans "
                f"saved as text. Turn them back into lists first, e.g. df[{column!r}] = df[{column!r}].map(json.loads) "
                "for JSON (what a store keeps: [[start, end, label], ...])."
            )
        raise InputError(
            f"{func}(): column {column!r} holds text that reads as lists, e.g. {first!r}: multi-label answers "
            f"saved as text. Turn them back into lists first, e.g. df[{column!r}] = df[{column!r}].map(json.loads) "
            "for JSON (what a store keeps), or .map(ast.literal_eval) for Python lists written to CSV."
        )


def answer_kind(df: pd.DataFrame, func: str, *columns: str) -> AnswerKind:
    """The kind of answer in ``columns`` of ``df``: ``SPANS`` when the cells are lists of spans (each a mapping with
    "start", "end" and "label", a ``Span`` or a ``(start, end, label)``), ``MULTI`` when they are lists (sets,
    tuples, arrays) of label names, else ``SINGLE``; missing cells say nothing, and all-missing columns mean
    ``SINGLE``. Empty lists are answers of either list kind: the other columns decide, and lists that are all empty
    everywhere are read as ``MULTI`` ("none of these").

    The one place that reads the kind from data: every metric asks here once, then lets the kind score its answers.
    A column that mixes lists and single values, or columns of different kinds, are refused, naming the rows.
    """
    kinds = {column: _column_kind(df[column], func, column) for column in dict.fromkeys(columns)}
    lists: AnswerKind = SPANS if any(kind is SPANS for kind in kinds.values()) else MULTI
    found = {column: lists if isinstance(kind, str) else kind for column, kind in kinds.items() if kind is not None}
    if len({kind.name for kind in found.values()}) > 1:
        said = ", ".join(f"{column!r} {_KIND_WORDS.get(kind.name, kind.name)}" for column, kind in found.items())
        raise InputError(
            f"{func}(): the columns hold different kinds of answer ({said}). Compare answers of one kind: spans with "
            "spans (a list of spans per row), multi-label answers with multi-label answers (a list of names per "
            "row) and single labels with single labels."
        )
    return next(iter(found.values()), SINGLE)


#: How an error names what a column of each kind holds.
_KIND_WORDS = {"single": "single labels", "multi": "lists of labels", "spans": "lists of spans"}


def set_answers(
    values: np.ndarray, labels: Sequence[Hashable] | None, func: str, column: str
) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
    """A column of set answers as (per row the code of its answer, -1 where missing; per distinct answer its
    indicator row over the labels; the labels).

    ``values`` holds list-like cells (``SET_CELLS``) and missing values; ``[]`` ("none of these") is an answer, a
    row of False. ``labels`` None: the names seen, sorted. A name outside ``labels`` is refused, listing the names.
    There are few distinct answers among many rows, and each is read once: a million cells cost a fraction of a
    second.
    """
    present = ~pd.isna(values)  # elementwise: a list is never missing
    try:  # each cell as a tuple, made in C
        codes, distinct = pd.factorize(np.fromiter(map(tuple, values[present]), dtype=object, count=present.sum()))
    except TypeError:
        raise InputError(f"{func}(): column {column!r} holds an answer that is not a list of label names.") from None
    seen = {name for answer in distinct for name in answer}
    label_list = list(labels) if labels is not None else sorted_labels(seen)
    position = {name: j for j, name in enumerate(label_list)}
    unknown = sorted_labels(name for name in seen if name not in position)
    if unknown:
        shown = unknown[:_MAX_LISTED_ROWS]
        more = f" and {len(unknown) - len(shown)} more" if len(unknown) > len(shown) else ""
        raise InputError(
            f"{func}(): column {column!r} holds names outside the labels {label_list}: {shown}{more}. Add them to "
            "labels= or correct the answers."
        )
    rows = np.zeros((len(distinct), len(label_list)), dtype=bool)
    for i, answer in enumerate(distinct):
        rows[i, [position[name] for name in answer]] = True
    answers = np.full(len(values), -1, dtype=np.int64)
    answers[present] = codes
    return answers, rows, label_list


def set_indicator(
    values: np.ndarray, labels: Sequence[Hashable] | None, func: str, column: str
) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
    """A column of set answers as (an n × k indicator matrix, which rows hold an answer, the labels): ``set_answers``
    row by row, the row of a missing answer all False like that of ``[]``, so ``present`` tells them apart."""
    answers, rows, label_list = set_answers(values, labels, func, column)
    with_missing = np.vstack([rows, np.zeros((1, len(label_list)), dtype=bool)])
    return with_missing[answers], answers >= 0, label_list
