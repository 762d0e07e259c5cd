"""What every kind of answer provides (`AnswerKind`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from labelwidgets.labels import LabelSet


@runtime_checkable
class AnswerKind(Protocol):
    """One kind of answer to an item.

    Answers travel as *stored text*: the canonical form a store keeps in its ``label`` column. Two answers are the
    same answer exactly when their stored texts are equal, so "did the person accept the suggestion" compares text.
    ``None`` is never an answer: it means no answer (skipped, rejected, undecided).
    """

    #: How users name the kind (``Labeler(kind=...)``), and what a store records.
    name: str

    def answer(self, value: object, labels: LabelSet) -> str:
        """A person's answer as stored text; `InputError` saying what to pass when ``value`` is not one."""
        ...

    def from_cell(self, value: object, labels: LabelSet) -> str:
        """A cell of a column of answers the user gave (known labels, gold) as stored text, strictly: exact names
        (several labels: a list, or a JSON list as text); `InputError` otherwise."""
        ...

    def suggested(self, value: object, labels: LabelSet) -> tuple[str | None, str | None]:
        """A suggester's answer as (stored text, None), forgiving near misses of each label name, or
        (None, why) when it is not an answer over ``labels`` (never a guess)."""
        ...

    def value(self, stored: str, labels: LabelSet) -> Any:
        """Stored text as the value a user reads in Python (a label name, a list of names, ...)."""
        ...

    def cells(self, stored: np.ndarray, labels: LabelSet) -> Any:
        """A column of stored texts (``pd.NA`` where missing) as the array the DataFrame column holds."""
        ...

    def describe(self, stored: str | None, labels: LabelSet) -> str:
        """Stored text as a person reads it in a message ("spam"; "anger + joy"; "none of these")."""
        ...

    def for_view(self, stored: str | None, labels: LabelSet) -> Any:
        """Stored text as the browser receives it (JSON-able)."""
        ...
