"""`to_dataset`: labeled items as a Hugging Face `datasets.DatasetDict`, split (stratified where datasets can).

Answers become the features a fine-tuning run expects: one label per item (a pair's outcome too) a ``ClassLabel``
(-1: no answer), a set of labels a ``List(ClassLabel)``, spans a list of ``{start, end, label}`` with ``label`` a
``ClassLabel``. What a kind is read from its traits (`AnswerKind.answers_are_text`, ``about_text``), not its name.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.interchange.header import is_missing
from labelwidgets.interchange.sources import answered_rows
from labelwidgets.keys import encode_key

#: The dataset's columns: the item key (`encode_key` text) and the answer.
KEY, LABEL = "key", "label"
#: What ``ClassLabel`` holds where an item has no answer (with ``keep_undecided=True``).
NO_ANSWER = -1


def to_dataset(
    source: Any,
    split: Mapping[str, float] | None = None,
    *,
    seed: int = 0,
    keep_undecided: bool = False,
) -> Any:
    """``source`` (a `Labeler`, a `Team`: its gold, a DataFrame a Labeler wrote, or a file `export` wrote) as a
    `datasets.DatasetDict` split by ``split`` (default ``{"train": 0.8, "test": 0.2}``; fractions summing to 1,
    sizes rounded as ``Dataset.train_test_split`` rounds them), shuffled with ``seed``.

    Columns: ``key`` (the item key as `labelwidgets.keys.encode_key` text), the text column (a pair: its prompt and
    two outputs) and ``label``: a ``ClassLabel`` for one label per item and a pair's outcome, ``List(ClassLabel)``
    for a set of labels, a list of ``{start, end, label}`` (code-point offsets, end exclusive; ``label`` a
    ``ClassLabel``) for spans. Items without an answer (undecided, skipped, rejected, a team's unresolved) are left
    out, or kept with ``keep_undecided=True`` (``-1``; a set or spans: missing). One label per item is split
    stratified by label (``stratify_by_column``); datasets cannot stratify the others, nor classes with one item:
    then the split is random, with a warning that says so.
    """
    import datasets

    fractions = _fractions(split)
    rows = answered_rows(source)
    labels = rows.label_set
    kind = labels.kind
    names = list(labels.names)
    frame = rows.frame
    answers = frame[rows.answer]
    if not keep_undecided:
        frame = frame[answers.notna().to_numpy(dtype=bool)]
        answers = frame[rows.answer]
    class_label = datasets.ClassLabel(names=names)
    position = {name: i for i, name in enumerate(names)}
    columns: dict[str, Any] = {KEY: [encode_key(k) for k in frame.index.tolist()]}
    features: dict[str, Any] = {KEY: datasets.Value("string")}
    for column in [c for c in (rows.text, *rows.outputs) if c is not None and c in frame.columns]:
        columns[column] = [None if is_missing(v) else str(v) for v in frame[column].tolist()]
        features[column] = datasets.Value("string")
    values = [None if not isinstance(v, list) and is_missing(v) else v for v in answers.tolist()]
    if kind.answers_are_text:  # one label per item (a pair's outcome): a class
        columns[LABEL] = [NO_ANSWER if v is None else position[v] for v in values]
        features[LABEL] = class_label
    elif kind.about_text:  # spans of the text
        columns[LABEL] = [
            None if v is None else [{"start": s["start"], "end": s["end"], "label": position[s["label"]]} for s in v]
            for v in values
        ]
        span = {"start": datasets.Value("int64"), "end": datasets.Value("int64"), "label": class_label}
        features[LABEL] = datasets.List(span)
    else:  # a set of labels
        columns[LABEL] = [None if v is None else [position[name] for name in v] for v in values]
        features[LABEL] = datasets.List(class_label)
    dataset = datasets.Dataset.from_dict(columns, features=datasets.Features(features))
    return _split(dataset, fractions, seed=seed, stratify=kind.answers_are_text)


def _fractions(split: Mapping[str, float] | None) -> dict[str, float]:
    fractions = dict(split) if split is not None else {"train": 0.8, "test": 0.2}
    if not fractions or any(not (0 < float(f) <= 1) for f in fractions.values()):
        raise InputError(f"split={split!r}: give each split a fraction in (0, 1], e.g. {{'train': 0.8, 'test': 0.2}}.")
    if not math.isclose(sum(fractions.values()), 1.0, abs_tol=1e-9):
        raise InputError(f"split={split!r}: the fractions sum to {sum(fractions.values())}, not 1.")
    return {str(k): float(v) for k, v in fractions.items()}


def _split(dataset: Any, fractions: dict[str, float], *, seed: int, stratify: bool) -> Any:
    """Split off each named part in turn (a share of what is left), stratified by label when asked and possible."""
    import datasets

    out: dict[str, Any] = {}
    rest, left = dataset, 1.0
    names = list(fractions)
    note = None if stratify else "datasets stratifies a single class column only: the split is random"
    for name in names[:-1]:
        share = fractions[name] / left
        parts = None
        if stratify and note is None:
            try:
                parts = rest.train_test_split(train_size=share, seed=seed, stratify_by_column=LABEL)
            except ValueError as error:  # a class with too few items (or -1, no class) cannot be stratified
                note = f"the split could not be stratified by label ({error}): it is random"
        if parts is None:
            parts = rest.train_test_split(train_size=share, seed=seed)
        out[name] = parts["train"]
        rest, left = parts["test"], left - fractions[name]
    out[names[-1]] = rest.shuffle(seed=seed) if len(names) == 1 else rest
    if note is not None and len(names) > 1:
        warnings.warn(f"to_dataset: {note}.", stacklevel=user_stacklevel())
    return datasets.DatasetDict(out)
