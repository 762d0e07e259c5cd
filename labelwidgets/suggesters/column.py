"""`FromColumn`: suggestions that already sit in the DataFrame, for example another model's output."""

from __future__ import annotations

from collections.abc import Sequence

from labelwidgets.labels import LabelSet
from labelwidgets.missing import is_missing
from labelwidgets.suggesters.base import Item, Suggestion


class FromColumn:
    """Suggestions that already sit in the DataFrame, for example another model's output.

    >>> FromColumn("gpt4_label", confidence="gpt4_conf")
    """

    def __init__(
        self, label: str, *, confidence: str | None = None, rationale: str | None = None, name: str | None = None
    ):
        self.label_column = label
        self.confidence_column = confidence
        self.rationale_column = rationale
        self.name = name or f"column:{label}"

    def columns(self) -> list[str]:
        return [c for c in (self.label_column, self.confidence_column, self.rationale_column) if c]

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        return [self._one(item, labels) for item in items]

    def _one(self, item: Item, labels: LabelSet) -> Suggestion:
        missing = [c for c in self.columns() if c not in item.fields]
        if missing:
            return Suggestion.invalid(f"column {missing[0]!r} is not in the DataFrame", model=self.name)
        value = item.fields[self.label_column]
        if is_missing(value):
            return Suggestion.invalid("no value in this row", model=self.name)
        # A list of labels (a multi-label column) is passed on as it is; the label set's kind checks it.
        label = (
            value
            if isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ == "ndarray"
            else str(value)
        )
        confidence = None
        if self.confidence_column:
            raw_conf = item.fields[self.confidence_column]
            confidence = None if is_missing(raw_conf) else float(raw_conf)
        rationale = None
        if self.rationale_column and not is_missing(item.fields[self.rationale_column]):
            rationale = str(item.fields[self.rationale_column])
        # Near misses ("Favor" for "favor") are mapped, and anything else made invalid, by suggesters.validate,
        # the one place every suggestion is checked.
        return Suggestion(
            label=label,
            confidence=confidence,
            confidence_source="column" if confidence is not None else None,
            rationale=rationale,
            model=self.name,
        )

    def __repr__(self) -> str:
        return f"FromColumn({self.label_column!r}, confidence={self.confidence_column!r})"
