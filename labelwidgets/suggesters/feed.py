"""Teaching a suggester that learns (`LearnsFromLabels`) every answer the person gives, in the order given.

A collaborator of the labeling session, not part of it: the session only reports each change it folds in
(`LabelingSession.on_change`), and this feed turns changes into `Example`s. It also starts the learner from what is
known when the session opens: a column of labels known beforehand (the suggester's ``label_column=``), then the
decisions restored from the store (a person's answer wins over the column).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.decision import NO_ANSWER, Decision
from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.missing import is_missing
from labelwidgets.suggesters.base import Example, Item, LearnsFromLabels, Suggester, Updates
from labelwidgets.suggesters.column import FromColumn

if TYPE_CHECKING:
    from labelwidgets.session.session import LabelingSession

log = logging.getLogger("labelwidgets")


class LearnerFeed:
    """Feeds ``suggester`` the session's answers; re-asks for suggestions ahead when it has learned."""

    def __init__(self, session: LabelingSession, suggester: LearnsFromLabels, known_column: str | None) -> None:
        self.session = session
        self.suggester = suggester
        self.known_column = known_column
        self._update_listeners: list[Callable[[], None]] = []

    def start(self) -> None:
        session = self.session
        examples = [self._example(row, answer) for row, answer in self._known_answers()]
        decided = session.effective_frame()
        if len(decided):
            rows = session.rows_of_keys(decided["item_key"].to_numpy(dtype=object))
            labels = decided["label"].to_numpy(dtype=object)
            actions = decided["action"].to_numpy(dtype=object)
            for row, label, action in zip(rows.tolist(), labels, actions, strict=True):
                if row >= 0 and isinstance(label, str) and action not in NO_ANSWER:
                    examples.append(self._example(row, label))
        self._hold_stop_set({example.key for example in examples})
        try:
            self.suggester.learn(examples)
        except Exception as exc:
            session.report_error(f"the suggester could not learn the labels so far: {type(exc).__name__}: {exc}")
        session.on_change(self._on_change)
        if isinstance(self.suggester, Updates):
            self.suggester.on_update(self._on_update)

    def _hold_stop_set(self, labeled: set[str]) -> None:
        """Give a learner that keeps a stopping signal (`Learner.hold_aside`) its stop set: a seeded random sample of
        the items unlabeled now, the same each time the session opens on the same DataFrame."""
        hold = getattr(self.suggester, "hold_aside", None)
        size = getattr(getattr(self.suggester, "stopping", None), "stop_set", None)
        if not callable(hold) or not isinstance(size, int):
            return
        session = self.session
        items = []
        for row in np.random.default_rng(0).permutation(session.n).tolist():
            key, text = session.key_at(row), session.text_at(row)
            if key not in labeled and text:
                items.append(Item(key=key, text=text))
                if len(items) == size:
                    break
        hold(items)

    def on_update(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` (from the suggester's thread) when the suggester has learned: its status changed."""
        self._update_listeners.append(callback)

    @property
    def status(self) -> str | None:
        status = getattr(self.suggester, "status", None) if isinstance(self.suggester, Updates) else None
        return status if isinstance(status, str) else None

    def _on_change(self, event: Decision, before: Decision | None, after: Decision | None) -> None:
        # Inside the session's lock, in decision order: the learner sees changes in the order they happened.
        session = self.session
        row = session.row_of_key(event.item_key)
        if row is None:
            return
        label = after.label if after is not None and after.action not in NO_ANSWER else None
        if label is None:
            label = self._known_at(row)  # undone or skipped: back to what was known before, if anything
        try:
            self.suggester.learn([self._example(row, label)])
        except Exception as exc:
            session.report_error(f"the suggester could not learn from a decision: {type(exc).__name__}: {exc}")

    def _on_update(self) -> None:
        """The suggester learned (called from its thread): its earlier suggestions ahead of the cursor are stale."""
        if self.session.closed:
            return
        self.session.refresh_suggestions_ahead()
        for callback in list(self._update_listeners):
            try:
                callback()
            except Exception:
                log.exception("an on_suggester_update callback failed")

    def close(self) -> None:
        self._update_listeners.clear()

    # ----- the labels known before the session -----------------------------------------------------------------
    def _known_answers(self) -> list[tuple[int, str]]:
        if self.known_column is None:
            return []
        column = self.session.df[self.known_column]
        present = np.flatnonzero(column.notna().to_numpy(dtype=bool)).tolist()
        answers = []
        for row in present:
            answer = self._known_at(row)
            if answer is not None:
                answers.append((row, answer))
        return answers

    def _known_at(self, row: int) -> str | None:
        if self.known_column is None:
            return None
        value = self.session.df[self.known_column].iat[row]
        if is_missing(value):
            return None
        return known_answer(value, self.session.labels)

    def _example(self, row: int, label: str | None) -> Example:
        session = self.session
        return Example(key=session.key_at(row), text=session.text_at(row) or "", label=label)


def known_answer(value: Any, labels: LabelSet) -> str | None:
    """A cell of a known-labels column as stored answer text, or None when it is not an answer over ``labels``."""
    try:
        return labels.kind.from_cell(value, labels)
    except InputError:
        return None


def known_label_column(suggester: Suggester | None, df: pd.DataFrame, labels: LabelSet) -> str | None:
    """The column of labels known before the session that a learning suggester names (``label_column=``), checked."""
    column = getattr(suggester, "label_column", None) if isinstance(suggester, LearnsFromLabels) else None
    if column is None or isinstance(suggester, FromColumn):
        return None
    if column not in df.columns:
        raise InputError(
            f"the suggester learns from the column {column!r} (label_column=), which the DataFrame does not have; "
            f"its columns are {list(map(str, df.columns))[:20]}."
        )
    values = df[column]
    unknown = sorted({str(v) for v in values[values.notna()] if known_answer(v, labels) is None})
    if unknown:
        raise InputError(
            f"the column {column!r} (label_column=) holds values that are not labels: "
            f"{unknown[:5]}{' …' if len(unknown) > 5 else ''}; the labels are {list(labels.names)}. Map them to "
            "labels, or set those cells to missing (None) so the learner skips them."
        )
    return str(column)
