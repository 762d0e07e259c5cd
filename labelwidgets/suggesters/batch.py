"""Pre-label a whole DataFrame with a suggester, outside the widget."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.keys import encode_key
from labelwidgets.labels import LabelSet
from labelwidgets.session.results import SUGGESTED_KEY
from labelwidgets.suggesters.base import Item, Suggester, Suggestion

DEFAULT_COLUMNS = {
    "suggestion": "suggestion",
    "confidence": "confidence",
    "confidence_source": "confidence_source",
    "suggestion_error": "suggestion_error",
}


def suggest(
    df: pd.DataFrame,
    suggester: Suggester,
    *,
    text: str = "text",
    labels: Any,
    columns: Mapping[str, str | None] | None = None,
    max_concurrency: int | None = None,
    batch_size: int | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Ask ``suggester`` for a label for every row and add the answers to ``df`` as columns.

    Writes ``suggestion``, ``confidence``, ``confidence_source`` and ``suggestion_error``
    (rename with ``columns={"suggestion": "gpt_label"}``, leave one out with ``None``) in place
    and returns ``df``. Existing columns are never overwritten unless ``overwrite=True``.

    At most ``max_concurrency`` calls run at once (default: the suggester's own
    ``max_concurrency``, else 1). Columns are written only when every row has an answer, so an
    interrupted run leaves ``df`` as it was; run it again and an LLM's cache answers the rows it
    already did.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"suggest() needs a pandas DataFrame, got {type(df).__name__}.")
    if not callable(getattr(suggester, "suggest", None)):
        raise InputError(f"{suggester!r} is not a suggester: it needs a suggest(items, labels) method.")
    label_set = LabelSet.parse(labels)
    if text not in df.columns:
        raise InputError(f"the DataFrame has no column {text!r}; its columns are {list(df.columns)}. Pass text=...")
    names = _column_names(columns)
    taken = [name for name in names.values() if name in df.columns]
    if taken and not overwrite:
        raise InputError(
            f"the DataFrame already has column(s) {taken}; suggest() will not overwrite them. "
            f"Choose other names with columns={{'suggestion': 'suggestion_2', ...}} or pass overwrite=True."
        )
    workers = max_concurrency or getattr(suggester, "max_concurrency", None) or 1
    size = batch_size or getattr(suggester, "batch_size", None) or 1
    if workers < 1 or size < 1:
        raise InputError("max_concurrency and batch_size must be at least 1.")

    items = _items(df, text)
    results: list[Suggestion | None] = [None] * len(items)
    batches: list[tuple[list[int], list[Item]]] = []
    for position, item in enumerate(items):
        if item is None:
            results[position] = Suggestion.invalid(f"no text in column {text!r}")
        elif batches and len(batches[-1][0]) < size:
            batches[-1][0].append(position)
            batches[-1][1].append(item)
        else:
            batches.append(([position], [item]))

    bar = _progress_bar(len(items), getattr(suggester, "name", type(suggester).__name__), enabled=progress)
    try:
        bar.update(sum(r is not None for r in results))
        invalid = 0
        for positions, suggestions in _run(suggester, batches, label_set, workers):
            for position, suggestion in zip(positions, suggestions, strict=True):
                results[position] = suggestion
                invalid += not suggestion.valid
            bar.update(len(positions))
            if invalid:
                bar.set_postfix(invalid=invalid, refresh=False)
    finally:
        bar.close()

    done = [r if r is not None else Suggestion.invalid("no answer") for r in results]
    values = {
        "suggestion": [s.label for s in done],
        "confidence": [s.confidence for s in done],
        "confidence_source": [s.confidence_source for s in done],
        "suggestion_error": [s.error for s in done],
    }
    for key, name in names.items():
        # NumPy-backed object columns: the labeler later reads and writes single cells in them cheaply.
        df[name] = pd.Series(values[key], index=df.index, dtype="float64" if key == "confidence" else object)
    # Tells a Labeler opened on this DataFrame where the suggestions are (see results.SUGGESTED_KEY).
    df.attrs[SUGGESTED_KEY] = {**names, "suggester": getattr(suggester, "name", type(suggester).__name__)}
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
        if _missing(value):
            items.append(None)
            continue
        try:
            key = encode_key(index_value)
        except TypeError:  # an index of objects: the position still identifies the row within this call
            key = encode_key(position)
        items.append(Item(key=key, text=str(value), fields=fields))
    return items


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like cells are values
        return False


Batch = tuple[list[int], list[Item]]


def _run(
    suggester: Suggester, batches: list[Batch], labels: LabelSet, workers: int
) -> Iterator[tuple[list[int], list[Suggestion]]]:
    """Yield (positions, suggestions) as batches finish, keeping at most ``workers`` batches in flight."""
    if workers == 1:
        for positions, batch in batches:
            yield positions, _call(suggester, batch, labels)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="labelwidgets-suggest")
    pending: dict[Future[list[Suggestion]], list[int]] = {}
    queue = iter(batches)

    def submit_next() -> None:
        following = next(queue, None)
        if following is not None:
            pending[pool.submit(_call, suggester, following[1], labels)] = following[0]

    try:
        for _ in range(workers):
            submit_next()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                positions = pending.pop(future)
                submit_next()
                yield positions, future.result()
    finally:
        # On Ctrl-C, drop what has not started; calls under way end by their own timeouts.
        pool.shutdown(wait=False, cancel_futures=True)


def _call(suggester: Suggester, items: list[Item], labels: LabelSet) -> list[Suggestion]:
    name = getattr(suggester, "name", type(suggester).__name__)
    try:
        suggestions = list(suggester.suggest(items, labels))
    except Exception as error:  # a failing suggester costs its rows, not the run
        message = " ".join(str(error).split())[:300]
        return [Suggestion.invalid(f"{name} failed: {type(error).__name__}: {message}") for _ in items]
    if len(suggestions) != len(items) or not all(isinstance(s, Suggestion) for s in suggestions):
        return [Suggestion.invalid(f"{name} returned {len(suggestions)} answers for {len(items)} items") for _ in items]
    return suggestions


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, name: str, *, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        warnings.warn('no progress bar without tqdm: pip install "labelwidgets[llm]"', stacklevel=3)
        return _NoBar()
    return tqdm(total=total, desc=f"suggest ({name})", unit="row")
