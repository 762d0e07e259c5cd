"""One label per item: the answer is the label's name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labelwidgets.errors import InputError

if TYPE_CHECKING:
    import numpy as np

    from labelwidgets.labels import LabelSet


class SingleLabel:
    """Exactly one label of the set per item. Stored as the label's name, shown as it."""

    name = "single"

    def answer(self, value: object, labels: LabelSet) -> str:
        if isinstance(value, (list, tuple, set, frozenset)):
            raise InputError(
                f"this labeler takes one label per item, not {type(value).__name__} {list(value)!r}; pass one of "
                f"{labels.names}, or make a multi-label labeler with kind='multi' for several labels per item."
            )
        if not isinstance(value, str) or value not in labels:
            raise InputError(f"{value!r} is not one of the labels {labels.names}.")
        return value

    def from_cell(self, value: object, labels: LabelSet) -> str:
        return self.answer(value, labels)

    def suggested(self, value: object, labels: LabelSet) -> tuple[str | None, str | None]:
        if not isinstance(value, str):
            return (
                None,
                f"the suggested label {value!r} is a {type(value).__name__}, not one of the labels {labels.names}",
            )
        matched = labels.match(value)
        if matched is None:
            return None, f"{value!r} is not one of the labels {labels.names}"
        return matched, None

    def value(self, stored: str, labels: LabelSet) -> Any:
        return stored

    def cells(self, stored: np.ndarray, labels: LabelSet) -> Any:
        from labelwidgets.session.results import string_cells

        return string_cells(stored)

    def describe(self, stored: str | None, labels: LabelSet) -> str:
        return "no label" if stored is None else stored

    def for_view(self, stored: str | None, labels: LabelSet) -> Any:
        return stored

    def __repr__(self) -> str:
        return "SingleLabel()"


SINGLE = SingleLabel()
