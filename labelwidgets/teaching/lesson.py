"""The student's side of teaching mode, as a collaborator of a labeling session (`lw.Labeler(gold=...)`).

The session knows nothing of answer keys. It asks its `AnswerGate` (this lesson) one question, whether an item's
answer has been shown to the person (then the item can only be revised, never undone or skipped), and reports every
change it folds in; the lesson keeps the gold labels in Python until each answer is in, the feedback, the running
score and the "one student id in two notebooks" warning.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

import pandas as pd

from labelwidgets.decision import Decision
from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.labels import LabelSet
from labelwidgets.teaching.answer_key import FEEDBACK_MODES, AnswerKey, AnyReport

if TYPE_CHECKING:
    from labelwidgets.session.session import LabelingSession

log = logging.getLogger("labelwidgets")


def check_feedback_without_gold(feedback: str | None) -> None:
    """``feedback=`` given without ``gold=``: only the default means nothing then."""
    if feedback not in FEEDBACK_MODES:
        raise InputError(f"feedback={feedback!r}: use 'after', 'end' or None (with gold=).")
    if feedback == "end":
        raise InputError("feedback='end' needs gold=, the column of correct labels to reveal at the end.")


class Lesson:
    """An answer key over one DataFrame, checked before anything is written, then attached to a session."""

    #: A class store holds every student's answers: finding other annotators' decisions there is expected.
    shares_store = True

    def __init__(
        self, df: pd.DataFrame, gold: str, labels: LabelSet, feedback: str | None, show: list[str], *,
        text: str | None = None, key: AnswerKey | None = None,
    ) -> None:  # fmt: skip
        # ``key``: an answer key kept elsewhere than in ``df`` (a class's store: `stored_key.StoredAnswerKey`)
        self.key = key if key is not None else AnswerKey(df, gold, labels, feedback, text=text)
        if gold in show:
            raise InputError(
                f"show= includes the gold column {gold!r}: it would show the answer before the student commits. "
                "Leave it out of show=."
            )
        self.gold = gold
        self.feedback = feedback
        #: Columns no suggester may see.
        self.hidden_columns = frozenset({gold})
        self.same_id_warning: str | None = None
        self.reveal_version = 0  # goes up when every answer is revealed at once (feedback="end")
        self._session: LabelingSession | None = None
        self._seen_id = 0

    @property
    def session(self) -> LabelingSession:
        if self._session is None:
            raise RuntimeError("this lesson is not attached to a labeling session yet")
        return self._session

    def session_info(self) -> dict[str, Any]:
        """What the store records about this session's teaching."""
        return {"teaching": {"gold": self.gold, "feedback": self.feedback}}

    def attach(self, session: LabelingSession) -> None:
        """Follow ``session``: rebuild the score from its stored events, then apply each change as it happens."""
        self._session = session
        load = getattr(self.key, "load", None)  # a key kept in the store reads what it may now
        if load is not None:
            load(session)
        pairs = []
        for event in session.store.events(session.annotator):
            row = session.row_of_key(event.item_key)
            if row is not None:
                pairs.append((row, event))
        self.key.replay(pairs)
        self._seen_id = session.store.latest_id()  # the student's own earlier sessions are not someone else
        session.on_change(self._on_change)
        session.on_decision(lambda event: self._check_same_id())

    # ----- what the session asks -----------------------------------------------------------------------
    def revealed(self, row: int) -> bool:
        """Whether the gold label of ``row`` may be shown to the student now (never before their answer on it)."""
        session = self.session
        return self.key.revealed(row, session.decided_row(row), session.finished)

    def _on_change(self, event: Decision, before: Decision | None, after: Decision | None) -> None:
        session = self.session
        row = session.row_of_key(event.item_key)
        if row is None:
            return
        self.key.apply(row, event)
        if self.feedback == "end" and (before is None) != (after is None):
            # the one decision that completes (or un-completes) the set reveals (or hides) every answer at once
            delta = (after is not None) - (before is not None)
            if (session.n_decided >= session.n) != (session.n_decided - delta >= session.n):
                self.reveal_version += 1

    # ----- what the student sees -----------------------------------------------------------------------
    def feedback_at(self, row: int) -> dict[str, Any] | None:
        """What the student sees about ``row`` from the answer key: None until its answer may be shown.

        A practice item (no gold label) says only that it is one.
        """
        key, session = self.key, self.session
        if key.practice[row]:
            return {"practice": True}
        if not self.revealed(row):
            return None
        labels = session.labels
        decision = session.decision_at(row)
        suggestion = session.suggestion_at(row)
        model = decision.suggestion if decision is not None and decision.suggestion else None
        if model is None and suggestion is not None and suggestion.valid:
            model = suggestion.label
        hidden = session.is_blind(row) or (decision is not None and decision.suggestion_visible is False)
        text = key.text_at(row)
        final = None if decision is None or decision.label is None else labels.describe(decision.label, text=text)
        return {
            "practice": False,
            **key.feedback_at(row),
            "final": final,
            "model": None if model is None else labels.describe(model, text=text),
            "model_hidden": bool(hidden and model is not None),
        }

    def score_json(self) -> dict[str, Any] | None:
        """The student's running score for the widget (only once answers are shown: none with feedback=None)."""
        if not self.key.shows_score(self.session.finished):
            return None
        return {**self.key.score_json(), "feedback": self.feedback}

    def report(self) -> AnyReport:
        session = self.session
        if self.feedback is None:
            raise InputError(
                "this Labeler keeps the answers hidden (feedback=None): your teacher sees the results. "
                "Use feedback='after' or 'end' to see your own score."
            )
        if self.feedback == "end" and not session.finished:
            left = session.n - session.n_decided
            raise InputError(
                f"your score is shown when every item is decided (feedback='end'): "
                f"{left} item{'s' if left != 1 else ''} left."
            )
        return self.key.report(session.annotator)

    def _check_same_id(self) -> None:
        """Warn when someone else is answering under this student id on this store at the same time.

        Their answers would mix with this student's (one id, one score). Seen from both sides: each notebook finds
        the other's events, made under another session, since it last looked.
        """
        if self.same_id_warning is not None:
            return
        session = self.session
        try:
            recent = session.store.events_frame(session.annotator, columns=("session_id",), after_id=self._seen_id)
        except Exception:  # a warning is not worth failing a decision for
            log.debug("could not look for another session under %r", session.annotator, exc_info=True)
            return
        if len(recent):
            self._seen_id = max(self._seen_id, int(recent["id"].max()))
            others = recent[recent["session_id"] != session.session_id]
            if len(others):
                self.same_id_warning = (
                    f"Someone else is answering as {session.annotator!r} on this store right now (another notebook). "
                    "Answers under one id are scored together: each student needs their own annotator= id."
                )
                warnings.warn(self.same_id_warning, UserWarning, stacklevel=user_stacklevel())
                session.report_error(self.same_id_warning)
