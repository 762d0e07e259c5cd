"""The one place where a suggester's answer is checked against the label set.

Every path that takes suggestions (prefetch in the Labeler, `lw.suggest`, `lw.compare`) passes
them through `validate`, so a label outside the set can never be accepted, written or scored as
a label: near misses map onto the label, anything else becomes an invalid suggestion that keeps
what the suggester said in ``raw``. What an answer is comes from the label set's kind: one name, or a
set of names (a set with any name outside the labels is invalid as a whole).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Suggestion


def validate(answer: Any, labels: LabelSet, *, name: str | None = None, text: str | None = None) -> Suggestion:
    """``answer`` as a Suggestion whose label is in ``labels``, or an invalid one saying why.

    ``text`` is the item's text: spans are placed on it (what cannot be placed is dropped and said in ``note``).
    """
    if not isinstance(answer, Suggestion):
        return Suggestion.invalid(
            f"the suggester returned {type(answer).__name__}, not a Suggestion", raw=_raw(answer), model=name
        )
    if answer.model is None and name is not None:
        answer = dataclasses.replace(answer, model=name)
    if not answer.valid:
        return answer
    label = answer.label
    stored, why = labels.kind.suggested(label, labels, text=text if labels.kind.about_text else None)
    if stored is None:
        raw = answer.raw or (label if isinstance(label, str) else _raw(label))
        return dataclasses.replace(answer, label=None, raw=raw, error=why)
    if stored == label and why is None:
        return answer
    # A valid answer with a note: what was left out of it on the way (spans a model named that are not in the text).
    return dataclasses.replace(
        answer, label=stored, raw=answer.raw or (label if isinstance(label, str) else _raw(label)), note=why
    )


def _raw(value: Any) -> str | None:
    return None if value is None else repr(value)[:500]
