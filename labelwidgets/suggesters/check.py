"""Check a suggester before labeling starts, so a mistake fails at once and not on every item later.

`check_suggester` is called by the Labeler, `lw.suggest` and `lw.compare` when they are created:

* the object must have the `Suggester` protocol (a ``suggest`` method); a string such as ``"chatgpt"`` is
  refused with what to pass instead;
* a suggester that cannot answer over the labels says so through its ``check_kind(labels)`` method, which
  raises `InputError` (`lw.LocalLLM` and `lw.Learner` refuse spans: they score or classify, they write nothing);
* a `FromColumn` must name columns that exist (close matches are offered for a typo), and its values are read
  against the label set: values that differ from a label only in case, quotes or whitespace are mapped (the same
  forgiveness as every suggestion gets, `LabelSet.match`) with a note; values that name no label are warned about
  with their counts, since every such row would become an invalid suggestion.

`na_like_label_warning` catches the other silent failure: a label name that pandas reads as missing ("None",
"NA", "null", ...) in a file read with a plain `pd.read_csv`.

`require_modules` is what `lw.LLM`, `lw.LocalLLM` and `lw.Learner` call when they are created: an optional
dependency that is not installed fails there, once, with the command that installs it, instead of on every item.
"""

from __future__ import annotations

import difflib
import importlib.util
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.labels import LabelSet
from labelwidgets.missing import is_missing
from labelwidgets.suggesters.column import FromColumn

if TYPE_CHECKING:  # only annotations here: the suggesters import this module, and pandas is not light
    import pandas as pd

#: The strings `pd.read_csv` turns into missing values unless told ``keep_default_na=False``.
PANDAS_NA_STRINGS = frozenset(
    ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
     "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
)  # fmt: skip


def check_suggester(
    suggester: Any, df: pd.DataFrame | None, labels: LabelSet, *, argument: str = "suggester", text: str | None = None
) -> None:
    """Raise `InputError` for something that is not a suggester or a `FromColumn` on a missing column; warn about
    column values outside the label set (``text``: the column of the items' texts, which spans are placed on)."""
    if isinstance(suggester, str):
        raise InputError(
            f"{argument}={suggester!r} is a string; pass a suggester object instead, for example "
            f"{argument}=lw.LLM({suggester!r}) for a model litellm knows, or {argument}=lw.FromColumn({suggester!r}) "
            f"for labels already in a column."
        )
    if not callable(getattr(suggester, "suggest", None)):
        raise InputError(
            f"{argument}={suggester!r} is not a suggester: it needs a suggest(items, labels) method that returns one "
            f"lw.Suggestion per item (lw.LLM, lw.LocalLLM and lw.FromColumn are suggesters)."
        )
    check_kind = getattr(suggester, "check_kind", None)
    if callable(check_kind):
        check_kind(labels)
    if isinstance(suggester, FromColumn) and df is not None:
        _check_columns(suggester, df)
        column = df[suggester.label_column]
        if labels.kind.answers_are_text:
            warning = column_label_warning(column, labels, what=f"{suggester!r}")
        else:
            texts = df[text] if text is not None and text in df.columns else None
            warning = answer_column_warning(column, labels, what=f"{suggester!r}", texts=texts)
        if warning:
            warnings.warn(warning, UserWarning, stacklevel=user_stacklevel())


def _check_columns(suggester: FromColumn, df: pd.DataFrame) -> None:
    for column in suggester.columns():
        if column in df.columns:
            continue
        names = [str(c) for c in df.columns]
        close = difflib.get_close_matches(str(column), names, n=3, cutoff=0.6)
        close += [c for c in names if c.casefold() == str(column).casefold() and c not in close]
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise InputError(
            f"{suggester!r} reads the column {column!r}, which the DataFrame does not have.{hint} "
            f"The columns are {names}."
        )


def column_label_warning(values: pd.Series, labels: LabelSet, *, what: str) -> str | None:
    """What is wrong with a column of labels against ``labels``, in one message, or None when nothing is."""
    # value_counts on the column itself (hashing in C), then the few distinct values as text: a million rows
    # cost ~60 ms, not the ~190 ms of turning every cell into a string first.
    raw_counts = values.value_counts(dropna=True)
    counts = raw_counts.groupby(raw_counts.index.map(str)).sum()
    mapped = {value: labels.match(value) for value in counts.index if value not in labels}
    near = {value: label for value, label in mapped.items() if label is not None}
    unknown = {value: int(counts[value]) for value, label in mapped.items() if label is None}
    parts = []
    if unknown:
        shown = ", ".join(f"{value!r} ×{count}" for value, count in sorted(unknown.items(), key=lambda x: -x[1])[:5])
        total = sum(unknown.values())
        parts.append(
            f"{total} of {len(values)} values of {what} are not labels ({shown}"
            f"{', …' if len(unknown) > 5 else ''}): those rows will be invalid suggestions. The labels are "
            f"{labels.names}; pass labels that match the column, or fix the column."
        )
    if near:
        shown = ", ".join(f"{value!r} → {label!r}" for value, label in list(near.items())[:5])
        parts.append(f"{what}: values that differ from a label only in case, quotes or spacing are mapped ({shown}).")
    na_note = na_like_label_warning(values, labels, what=what)
    if na_note:
        parts.append(na_note)
    return " ".join(parts) or None


#: Cells of a column of spans checked against their texts before labeling starts: each is placed on its own text,
#: so a million rows would take a minute; the first rows tell whether the column is of the right shape.
SPAN_CELLS_CHECKED = 1000


def answer_column_warning(
    values: pd.Series, labels: LabelSet, *, what: str, texts: pd.Series | None = None
) -> str | None:
    """What is wrong with a column of answers of a kind other than one label (lists, JSON), or None.

    Cells are lists (unhashable), so each distinct cell is checked once through its text. Answers that point into
    the item's text (spans) are checked with it, on the first `SPAN_CELLS_CHECKED` answers; without ``texts``
    they are not checked here (each suggestion still is, when it is made).
    """
    about_text = labels.kind.about_text
    if about_text and texts is None:
        return None
    verdicts: dict[str, str | None] = {}
    bad: dict[str, int] = {}
    seen = 0
    for row, value in enumerate(values):
        if is_missing(value):
            continue
        shown = repr(list(value)) if not isinstance(value, str) and hasattr(value, "__iter__") else str(value)
        if about_text:
            if seen >= SPAN_CELLS_CHECKED:
                break
            item_text = texts.iloc[row] if texts is not None else None
            stored, _ = labels.kind.suggested(value, labels, text=item_text if isinstance(item_text, str) else "")
            verdict = None if stored is not None else "bad"
        else:
            if shown not in verdicts:
                verdicts[shown] = labels.kind.suggested(value, labels)[1]
            verdict = verdicts[shown]
        seen += 1
        if verdict is not None:
            bad[shown] = bad.get(shown, 0) + 1
    if not bad:
        return None
    listed = ", ".join(f"{text} ×{count}" for text, count in sorted(bad.items(), key=lambda x: -x[1])[:5])
    of = f"the first {seen}" if about_text and seen < int(values.notna().sum()) else f"{len(values)}"
    example = (
        '[{"text": "<words of the text>", "label": "' + labels.names[0] + '"}]'
        if about_text
        else f'["{labels.names[0]}"]'
    )
    shape = "a list of spans" if about_text else "a list of labels"
    return (
        f"{sum(bad.values())} of {of} values of {what} are not answers over the labels {labels.names} "
        f"({listed}{', …' if len(bad) > 5 else ''}): those rows will be invalid suggestions. A cell is {shape}, "
        f"or JSON text such as '{example}'."
    )


def na_like_label_warning(values: pd.Series, labels: Iterable[Any] | LabelSet, *, what: str) -> str | None:
    """A warning when a label is a name pandas reads as missing and ``values`` has missing cells, else None."""
    names = labels.names if isinstance(labels, LabelSet) else [str(x) for x in labels]
    na_like = [name for name in names if name in PANDAS_NA_STRINGS]
    missing = int(values.isna().sum())
    if not na_like or not missing:
        return None
    return (
        f"{what} has {missing} missing value(s), and the label {na_like[0]!r} is a name pandas reads as missing: "
        f"if those rows mean {na_like[0]!r}, read the file with pd.read_csv(..., keep_default_na=False) "
        f"(or fill them: df[col] = df[col].fillna({na_like[0]!r}))."
    )


def install_hint(extra: str) -> str:
    """The commands that install an optional part, for a PyPI install and for a clone of the repository."""
    return f'pip install "labelwidgets[{extra}]" from PyPI, or pip install -e ".[{extra}]" in a clone of the repository'


def is_installed(module: str) -> bool:
    """Whether a top-level module can be imported, without importing it (a blocked import counts as missing)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # sys.modules[module] is None, or a finder refuses it: it cannot be imported
        return False


def require_modules(what: str, extra: str, packages: Mapping[str, str]) -> None:
    """Raise `InputError` when any of ``packages`` (module name -> the name pip installs it by) is not installed.

    Only looked up, never imported: creating an ``lw.LLM`` must not pay for importing litellm.

    ``what`` names the suggester in the message (``"lw.LLM"``), ``extra`` is the labelwidgets extra with them.
    """
    missing = [package for module, package in packages.items() if not is_installed(module)]
    if missing:
        raise InputError(f"{what} needs {' and '.join(missing)}: {install_hint(extra)}.")
