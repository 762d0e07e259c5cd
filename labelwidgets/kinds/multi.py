"""Any number of labels per item: the answer is a set of label names, the empty set ("none of these") included."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from labelwidgets.errors import InputError

if TYPE_CHECKING:
    import numpy as np

    from labelwidgets.labels import LabelSet

#: The stored text of the empty set: an explicit answer, never missing (a team counts the item as taken).
NONE_OF_THESE = "[]"


class MultiLabel:
    """A set of labels per item.

    Stored as a JSON list of names sorted by code point, so one set has one text whatever the order it was given
    in, and whatever order the label set lists them in (a store may see the labels reordered). Shown in the
    DataFrame and the browser as a list in label-set order.
    """

    name = "multi"

    def answer(self, value: object, labels: LabelSet) -> str:
        if isinstance(value, str):
            raise InputError(
                f"a multi-label answer is a list of labels, not the string {value!r}: pass [{value!r}] for that "
                f"one label, or [] for none of these."
            )
        names = _as_list(value)
        if names is None:
            raise InputError(
                f"a multi-label answer is a list of labels from {labels.names}, not {type(value).__name__} "
                f"{value!r}; for example {labels.names[:2]!r}, or [] for none of these."
            )
        unknown = [name for name in names if not isinstance(name, str) or name not in labels]
        if unknown:
            raise InputError(f"{unknown!r} {'is' if len(unknown) == 1 else 'are'} not among the labels {labels.names}.")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InputError(f"the answer names {repeated} more than once; give each label once.")
        return encode_set(names)

    def from_cell(self, value: object, labels: LabelSet) -> str:
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise InputError(f"{value!r} is not a JSON list of labels.") from None
        return self.answer(value, labels)

    def suggested(self, value: object, labels: LabelSet) -> tuple[str | None, str | None]:
        names = _as_list(value)
        if names is None and isinstance(value, str):
            names = _parse_text(value)
        if names is None:
            return None, f"the suggestion {value!r} is not a list of labels from {labels.names}"
        matched = [labels.match(name) for name in names]
        outside = [name for name, m in zip(names, matched, strict=True) if m is None]
        if outside:  # one label outside the set makes the whole set untrustworthy: never keep the rest as a guess
            return None, f"{outside!r} {'is' if len(outside) == 1 else 'are'} not among the labels {labels.names}"
        return encode_set(m for m in matched if m is not None), None

    def value(self, stored: str, labels: LabelSet) -> list[str]:
        return in_label_order(json.loads(stored), labels)

    def cells(self, stored: np.ndarray, labels: LabelSet) -> Any:
        import numpy as np
        import pandas as pd

        out = np.full(len(stored), pd.NA, dtype=object)
        decoded: dict[str, list[str]] = {}  # few distinct sets among many items: decode each once
        for i, text in enumerate(stored):
            if isinstance(text, str):
                names = decoded.get(text)
                if names is None:
                    names = decoded[text] = self.value(text, labels)
                out[i] = list(names)  # each cell its own list: editing one never changes another
        return out

    def describe(self, stored: str | None, labels: LabelSet) -> str:
        if stored is None:
            return "no answer"
        names = self.value(stored, labels)
        return " + ".join(names) if names else "none of these"

    def for_view(self, stored: str | None, labels: LabelSet) -> Any:
        return None if stored is None else self.value(stored, labels)

    def __repr__(self) -> str:
        return "MultiLabel()"


def encode_set(names: Iterable[str]) -> str:
    """The stored text of a set of label names."""
    return json.dumps(sorted(set(names)), ensure_ascii=False, separators=(",", ":"))


def in_label_order(names: Iterable[str], labels: LabelSet) -> list[str]:
    chosen = set(names)
    return [name for name in labels.names if name in chosen]


def _as_list(value: object) -> list[Any] | None:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if type(value).__name__ == "ndarray":  # a NumPy array of names (pyarrow lists read back as these)
        return list(value)  # type: ignore[call-overload]
    return None


def _parse_text(text: str) -> list[Any] | None:
    """A suggester's text: a JSON list, or names separated by commas (what a model or a CSV column writes)."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None
    if not stripped:
        return None  # nothing said is not "none of these"
    return [part for part in (p.strip() for p in stripped.replace(";", ",").split(",")) if part]


MULTI = MultiLabel()
