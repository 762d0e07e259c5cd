"""A student's answer key kept in the class's store, not in their DataFrame (`lw.Classroom.create`).

The student's kernel holds the handout (the items without gold). Each gold answer comes from the store's
``lw_reveal`` once the student's own answer on that item is stored, in the feedback mode the teacher chose, and
then feeds the same feedback and running score as a gold column would (`AnswerKey`). A store that is not such a
class store is refused by name.

A gold column in the student's own DataFrame is readable in their kernel (``df["gold"]``) whatever the widget
hides: `warn_gold_in_frame` says so once per process, and how to avoid it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.labels import LabelSet
from labelwidgets.session.fold import Histories
from labelwidgets.teaching.answer_key import FEEDBACK_MODES, AnswerKey, AnyReport, scoring_for

if TYPE_CHECKING:
    from labelwidgets.decision import Decision
    from labelwidgets.session.session import LabelingSession
    from labelwidgets.store.enforced import EnforcedStore

GOLD_IN_FRAME = (
    "the gold column {column!r} is in this DataFrame: the widget shows an answer only after the student's own, but "
    "a student can read the column in their own kernel (df[{column!r}]). For a graded exercise, give students "
    "room.handout() (the items without gold) and a store made with lw.Classroom.create(), which keeps the answer key "
    "in PostgreSQL and reveals each answer after the student's own."
)
_warned = False


def warn_gold_in_frame(column: str) -> None:
    """Say once per process that a gold column in the student's DataFrame can be read in their kernel."""
    global _warned
    if _warned:
        return
    _warned = True
    warnings.warn(GOLD_IN_FRAME.format(column=column), UserWarning, stacklevel=user_stacklevel())


def may_hold_answer_key(store: Any) -> bool:
    """Whether ``store`` (the ``store=`` argument) can be a class store holding the answer key: PostgreSQL."""
    from labelwidgets.store.sql import SQLStore

    if isinstance(store, str):
        return store.startswith("postgresql")
    return isinstance(store, SQLStore) and store.engine.dialect.name == "postgresql"


class StoredAnswerKey(AnswerKey):
    """`AnswerKey` whose gold answers arrive from the store, one item at a time, after the student's answer."""

    def __init__(
        self, df: pd.DataFrame, column: str, labels: LabelSet, feedback: str | None, *, text: str | None = None
    ) -> None:  # fmt: skip
        if feedback not in FEEDBACK_MODES:
            raise InputError(f"feedback={feedback!r}: use 'after', 'end' or None.")
        self.column = column
        self.feedback = feedback
        self.labels = labels
        self.names = labels.names
        texts = df[text] if labels.kind.about_text and isinstance(text, str) and text in df.columns else None
        self.texts: list[Any] | None = None if texts is None else texts.tolist()
        n = len(df)
        self.gold = np.full(n, None, dtype=object)  # filled as the store reveals answers
        self.practice = np.zeros(n, dtype=bool)  # read from the store on `load`
        self.n_practice = 0
        self._score = scoring_for(labels)
        self._answers = Histories()
        self._revisions: dict[int, set[int]] = {}
        self._store: EnforcedStore | None = None
        self._keys: list[str] = []
        self._all_asked = False

    def load(self, session: LabelingSession) -> None:
        """Read from ``session``'s store which items are scored, and the answers already revealed (a restart)."""
        from labelwidgets.store.enforced import EnforcedStore

        store = session.store
        if not isinstance(store, EnforcedStore) or store.kind != "class":
            raise InputError(
                f"gold={self.column!r} is not a column of this DataFrame, and the store {store.description!r} holds "
                "no answer key for this login: pass the DataFrame with its gold column, or the URL your teacher gave "
                "you for a class made with lw.Classroom.create()."
            )
        if store.feedback != self.feedback:
            raise InputError(
                f"this class gives feedback={store.feedback!r} (your teacher's choice), not feedback={self.feedback!r}:"
                f" pass feedback={store.feedback!r}."
            )
        self._store = store
        self._keys = [session.key_at(row) for row in range(session.n)]
        scored = store.scored_items()
        self.practice = np.array([key not in scored for key in self._keys], dtype=bool)
        self.n_practice = int(self.practice.sum())
        if self.feedback is not None:
            self._take(
                store.reveal(key for key, practice in zip(self._keys, self.practice, strict=True) if not practice)
            )

    def _take(self, revealed: dict[str, str]) -> None:
        """Gold answers the store revealed: kept, and the scored answers on them counted from now on."""
        rows = {key: row for row, key in enumerate(self._keys)}
        for key, gold in revealed.items():
            row = rows.get(key)
            if row is None or self.gold[row] is not None:
                continue
            self.gold[row] = gold
            answer = self.answer_at(row)
            if answer is not None:
                self._score.change(row, gold, None, answer)

    def _ask(self, rows: Iterable[int]) -> None:
        if self._store is None or self.feedback is None:
            return
        wanted = [self._keys[row] for row in rows if self.gold[row] is None and not self.practice[row]]
        if wanted:
            self._take(self._store.reveal(wanted))

    def apply(self, row: int, event: Decision) -> None:
        super().apply(row, event)
        if self.feedback == "after" and event.id is not None and self.answer_at(row) is not None:
            self._ask([row])  # stored: the store reveals it now

    def _ask_all(self, finished: bool) -> None:
        if self.feedback == "end" and finished and not self._all_asked:
            self._all_asked = True
            self._ask(range(len(self._keys)))

    def revealed(self, row: int, decided: bool, finished: bool) -> bool:
        self._ask_all(finished)
        return self.gold[row] is not None and super().revealed(row, decided, finished)

    def shows_score(self, finished: bool) -> bool:
        self._ask_all(finished)
        return super().shows_score(finished)

    def report(self, annotator: str) -> AnyReport:
        self._ask_all(True)  # the lesson reports with feedback="end" only once every item is decided
        return super().report(annotator)
