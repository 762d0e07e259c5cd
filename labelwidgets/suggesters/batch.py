"""Pre-label a whole DataFrame with a suggester, outside the widget."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.keys import encode_key
from labelwidgets.labels import LabelSet
from labelwidgets.missing import is_missing
from labelwidgets.suggesters.base import Item, Suggester, Suggestion
from labelwidgets.suggesters.check import check_suggester
from labelwidgets.suggesters.cost import check_confirm_above, confirm_cost
from labelwidgets.suggesters.runner import ProgressCallback, run_suggester, suggester_name

DEFAULT_COLUMNS = {
    "suggestion": "suggestion",
    "confidence": "confidence",
    "confidence_source": "confidence_source",
    "suggestion_error": "suggestion_error",
}


@public
@takes_frames("df", text=("text",))
def suggest(
    df: Frame,
    suggester: Suggester,
    *,
    text: str = "text",
    labels: Any,
    columns: Mapping[str, str | None] | None = None,
    max_concurrency: int | None = None,
    batch_size: int | None = None,
    progress: bool | ProgressCallback = True,
    overwrite: bool = False,
    confirm_above: float | None = 1.0,
) -> pd.DataFrame:
    """Ask ``suggester`` for a label for every row and add the answers to ``df`` as columns.

    Writes ``suggestion``, ``confidence``, ``confidence_source`` and ``suggestion_error``
    (rename with ``columns={"suggestion": "gpt_label"}``, leave one out with ``None``) in place
    and returns ``df``. Existing columns are never overwritten unless ``overwrite=True``. To label
    with these suggestions, say so: ``lw.Labeler(df, ..., suggester=lw.FromColumn("suggestion",
    confidence="confidence"))``.

    At most ``max_concurrency`` calls run at once (default: the suggester's own
    ``max_concurrency``, else 1; never more than the suggester's own), ``batch_size`` rows per
    call (default: the suggester's own ``batch_size``, else 1). A call that raises costs its rows, not the run (see
    `labelwidgets.suggesters.runner`). Columns are written only when every row has an answer, so
    an interrupted run leaves ``df`` as it was; run it again and an LLM's cache answers the rows it
    already did.

    Money: before anything runs, a suggester that costs money is asked what this will cost. Above
    ``confirm_above`` dollars, or when the cost cannot be estimated (an ``lw.LLM`` model litellm has
    no price for), ``suggest`` asks for a yes, and raises ``CostNotConfirmed`` where nobody can
    answer. ``confirm_above=None`` never asks. Free suggesters (``FromColumn``, ``LocalLLM``, rules)
    are never asked about (see `labelwidgets.suggesters.cost`).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"suggest() needs a pandas DataFrame, got {type(df).__name__}.")
    label_set = LabelSet.parse(labels)
    if text not in df.columns:
        raise InputError(f"the DataFrame has no column {text!r}; its columns are {list(df.columns)}. Pass text=...")
    check_suggester(suggester, df, label_set)
    names = _column_names(columns)
    taken = [name for name in names.values() if name in df.columns]
    if taken and not overwrite:
        raise InputError(
            f"the DataFrame already has column(s) {taken}; suggest() will not overwrite them. "
            f"Choose other names with columns={{'suggestion': 'suggestion_2', ...}} or pass overwrite=True."
        )
    for option, value in (("max_concurrency", max_concurrency), ("batch_size", batch_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
            raise InputError(f"{option} must be a positive integer, got {value!r}.")
    limit = check_confirm_above(confirm_above)

    items = _items(df, text)
    asked = [item for item in items if item is not None]
    name = suggester_name(suggester)
    confirm_cost({name: suggester}, asked, label_set, limit, caller="suggest()")
    run = run_suggester(suggester, asked, label_set, max_concurrency=max_concurrency, batch_size=batch_size,
                        progress=progress)  # fmt: skip
    answers = iter(run.suggestions)
    done = [Suggestion.invalid(f"no text in column {text!r}") if item is None else next(answers) for item in items]
    values = {
        "suggestion": [s.label for s in done],
        "confidence": [s.confidence for s in done],
        "confidence_source": [s.confidence_source for s in done],
        "suggestion_error": [s.error for s in done],
    }
    for key, column in names.items():
        # NumPy-backed object columns: the labeler later reads and writes single cells in them cheaply.
        df[column] = pd.Series(values[key], index=df.index, dtype="float64" if key == "confidence" else object)
    return df


def _column_names(columns: Mapping[str, str | None] | None) -> dict[str, str]:
    names: dict[str, str | None] = dict(DEFAULT_COLUMNS)
    for key, name in (columns or {}).items():
        if key not in DEFAULT_COLUMNS:
            raise InputError(f"columns={{{key!r}: ...}}: the columns to rename are {list(DEFAULT_COLUMNS)}.")
        names[key] = name
    chosen = {k: v for k, v in names.items() if v}
    if len(set(chosen.values())) != len(chosen):
        raise InputError(f"two outputs would go to the same column: {chosen}.")
    return chosen


def _items(df: pd.DataFrame, text: str) -> list[Item | None]:
    others = [c for c in df.columns if c != text]
    records = df[others].to_dict("records") if others else [{} for _ in range(len(df))]
    items: list[Item | None] = []
    for position, (index_value, value, fields) in enumerate(zip(df.index, df[text], records, strict=True)):
        if is_missing(value):
            items.append(None)
            continue
        try:
            key = encode_key(index_value)
        except TypeError:  # an index of objects: the position still identifies the row within this call
            key = encode_key(position)
        items.append(Item(key=key, text=str(value), fields=fields))
    return items
