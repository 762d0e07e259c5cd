"""`Labeler`: the user-facing API. Label a DataFrame in a notebook or from Python code."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets import frames, hosts
from labelwidgets.decision import Decision, text_hash
from labelwidgets.errors import InputError, public
from labelwidgets.keys import decode_key
from labelwidgets.labels import LabelSet, label_set_for
from labelwidgets.session.options import LabelingOptions
from labelwidgets.session.results import written_columns
from labelwidgets.session.session import LabelingSession
from labelwidgets.store import Store
from labelwidgets.suggesters.base import Suggester, Suggestion
from labelwidgets.teaching.lesson import Lesson, check_feedback_without_gold
from labelwidgets.teaching.stored_key import StoredAnswerKey, may_hold_answer_key, warn_gold_in_frame
from labelwidgets.widgets.display import mimebundle_with_text

if TYPE_CHECKING:
    from labelwidgets.kinds import AnswerKind


class Labeler:
    """Label the rows of ``df`` by their ``text`` column, with the keyboard, in the notebook.

    >>> labeler = Labeler(df, text="text", labels=["ham", "spam"], store="spam-labels.db", annotator="ana")
    >>> labeler            # shows the widget
    >>> labeler.label("spam"); labeler.df.label.value_counts()

    Decisions are written into ``df`` itself (columns ``label``, ``decision``, ``suggestion``,
    ``confidence``, ``annotator``, ``decided_at``, ``seconds``; rename them with ``columns=``)
    and appended to ``store`` before anything reports them saved. ``store=None`` keeps them in
    memory only. Re-creating a Labeler on the same store restores them and resumes.

    ``order`` puts human time where it counts: ``"index"`` (default), ``"random"`` (seeded),
    ``"uncertain"`` (lowest suggestion confidence first; needs a FromColumn suggester with a
    confidence column), ``"disagreement"`` (rows where the suggestion columns in ``order_by``
    disagree first), ``"stratified"`` (take turns between the values of ``order_by``), or a list
    of row positions. ``blind=0.1`` hides the suggestion on a seeded 10% of items, so agreement
    with and without the suggestion on screen can be compared. Both are recorded in the store.

    Suggestions already in the DataFrame are shown only when asked for:
    ``suggester=lw.FromColumn("suggestion", confidence="confidence")`` (after ``lw.suggest``, those columns
    are shared: read, never reset). ``hide`` names columns no suggester may see (answers kept beside the
    items, such as a gold label); the Labeler's own result columns are always hidden. ``suggestion_timeout`` is
    how long ``accept()`` and ``label()`` wait for a suggestion still being fetched.

    One DataFrame has one live Labeler, and one store has one per annotator: creating a new one closes the
    old one (its widget then refuses decisions), so re-running a cell never leaves two writing. Result columns
    that a Labeler with another store or annotator filled are kept, with a warning; ``replace_results=True``
    clears them. ``close()`` releases the widget, the suggestion threads and the store.

    ``kind="multi"`` makes each answer a set of labels (any number, none included): number keys toggle labels
    on the current item, starting from the suggested set, Enter commits it, ``0`` answers "none of these";
    ``label(["billing", "urgent"])`` from Python, ``label([])`` for none. ``df["label"]`` then holds lists in
    label-set order.

    ``kind="spans"`` makes each answer the spans of the item's text that have a label (entities, evidence): in the
    browser, Tab goes into the text to select and mark spans from the keyboard (the README's key tables); from
    Python ``label([(0, 5, "person"), ...])`` with offsets in Unicode code points (Python's ``str`` indices), end
    exclusive, or ``label([])`` for "no spans". ``df["label"]`` then holds ``{"start", "end", "label", "text"}``
    per span, in text order. ``kind=lw.SpanAnswers(overlap=True)`` allows overlapping spans (refused by default);
    ``alignment=`` says how a model's span that cuts through a word is placed ("expand", "contract", "strict").

    ``kind="pair"`` judges two outputs side by side: ``Labeler(df, kind="pair", prompt="question",
    outputs=("reply_a", "reply_b"))`` shows the prompt above the two outputs, the side of each drawn per item and
    per person (seeded by ``seed``, recorded with each decision); ``1`` left better, ``2`` right better, ``3`` tie
    (``kind=lw.PairVerdict(both_bad=True)`` adds ``4`` both bad). The answer names the winning output's column
    (``"reply_a"``), ``"tie"`` or ``"both_bad"``, never a side; ``labels=`` is not needed. ``lw.pairs`` makes the
    pairs from a long table of many systems' outputs.

    ``image="path"`` shows each row's image (a column of file paths, ``bytes``, PIL images or http(s) URLs) above its
    text, for the whole-item kinds (single, multi, pair): the kernel sends each image once, downscaled to at most
    1024 px (URLs are shown by the browser from the URL, never fetched by the kernel), and the view prefetches the
    next ones. With ``image=`` the text column is optional: left at its default and missing, items are images alone.
    A path that does not exist is refused here, naming the rows; a file that is not an image marks its item.
    ``lw.LLM`` sends the image to a vision model; ``lw.Learner`` and ``lw.LocalLLM`` cannot use images.

    Teaching: ``gold="expert_label"`` names the column of correct labels. The widget never receives an item's gold
    label before the student's answer on it; ``feedback="after"`` (default) then shows right or wrong, the correct
    label with its description from ``labels=``, and what the model said when it was hidden (``blind``), with a
    running score (accuracy and Cohen's kappa against gold) in the header; ``feedback="end"`` shows all of it once
    every item is decided; ``feedback=None`` never does (the teacher's `lw.Classroom` does). Once an answer is
    shown it can no longer be undone: a new label on it is recorded as a revision, and the score keeps the first
    answer. Items without a gold label are practice items, without feedback. ``report()`` gives the confusion
    matrix against gold. With ``kind="spans"`` the gold column holds each row's spans (checked against its text);
    the feedback lists the spans right, missed and extra with their text and the item's strict span F1, and
    ``report()`` gives strict and partial span F1, overall and per label.
    """

    @public
    def __init__(
        self,
        df: frames.Frame,
        *,
        text: str = "text",
        image: str | None = None,
        labels: Iterable[str] | Mapping[str, str] | None = None,
        kind: str | AnswerKind = "single",
        prompt: str | None = None,
        outputs: Sequence[str] | None = None,
        key: str | None = None,
        store: str | os.PathLike[str] | Store | None = "labels.db",
        annotator: str | None = None,
        suggester: Suggester | None = None,
        show: Sequence[str] = (),
        columns: Mapping[str, str] | None = None,
        guidelines: str | None = None,
        order: str | Sequence[int] | None = None,
        order_by: str | Sequence[str] | None = None,
        seed: int = 0,
        blind: float = 0.0,
        prefetch: int = 8,
        max_concurrency: int = 4,
        suggestion_timeout: float = 60.0,
        replace_results: bool = False,
        hide: Sequence[str] = (),
        gold: str | None = None,
        feedback: str | None = "after",
    ):
        kernel = hosts.in_notebook()
        given_df = df  # the caller's own frame; results are read back onto it when it cannot change in place
        df, given = frames.intake(df, text=[prompt or text, *(outputs or ())])
        self._given = given
        #: Teaching mode's side of this Labeler (gold=): the answer key, feedback and score; None without gold=.
        self.lesson = _lesson(df, gold, label_set_for(labels, kind, outputs), feedback, show, prompt or text, store)
        self.session = LabelingSession(
            df,
            LabelingOptions.pick(locals()),  # every keyword above but df, gold and feedback, by name
            gate=self.lesson,
            defer_blank_copies=kernel,
        )
        self._widget: Any = None
        self._results: Callable[[], pd.DataFrame] | None = None
        self._given_df = None if self._given.is_pandas else given_df
        self._read = _ReadBack(self) if self._given_df is not None else None
        if kernel:
            # The blank result columns were not copied yet: that waits until the cell has finished and the
            # widget has painted (tens of milliseconds at a million rows); the values are the same either way.
            hosts.after_this_cell(self.session.settle_results)
        if hosts.in_marimo():
            # marimo closes a widget when the cell that made it runs again: made here, it lives as long as this
            # Labeler, whichever cell shows it and however often that cell runs.
            _ = self.widget

    # ----- the widget ------------------------------------------------------------------
    @property
    def widget(self) -> Any:
        if self._widget is None:
            from labelwidgets.widgets.labeler import LabelerWidget

            self._widget = LabelerWidget(self.session, lesson=self.lesson)
        return self._widget

    def _display_(self) -> Any:
        """marimo shows the widget itself (its ``_repr_mimebundle_`` is Jupyter's way)."""
        return self.widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle_with_text(self.widget, repr(self), **kwargs)

    def __repr__(self) -> str:
        s = self.session
        store = "memory only" if not s.store.durable else repr(s.store.description)
        who = f"{s.annotator!r}" + (" (the OS user: pass annotator=...)" if s.annotator_is_default else "")
        kind = "" if s.kind.name == "single" else f", kind={s.kind.name!r}"
        return (
            f"Labeler({s.n} items, labels={s.labels.names}{kind}, decided={s.n_decided}, annotator={who}, "
            f"store={store})"
        )

    # ----- actions: the same code path as the widget's keys and buttons ------------------------
    @public
    def label(self, label: str | Sequence[str]) -> Decision:
        """Give the current item ``label`` (a correction if a different suggestion was shown) and move on.

        A multi-label labeler takes a list of labels (``[]``: none of these). On an item you went back to with
        `goto`, the new answer is a revision that keeps the one it replaced. With every item decided it raises:
        change an item with `relabel`.
        """
        return self.session.decide("label", label, wait_for_suggestion=self.session.prefetcher is not None)

    @public
    def accept(self) -> Decision:
        """Accept the current item's suggestion (waits for it if it is still being fetched)."""
        return self.session.decide("accept", wait_for_suggestion=True)

    @public
    def correct(self, label: str | Sequence[str]) -> Decision:
        """Replace the current item's suggestion with ``label``."""
        return self.session.decide("correct", label, wait_for_suggestion=True)

    @public
    def reject(self) -> Decision:
        """Say the current suggestion is wrong without giving the right label."""
        return self.session.decide("reject", wait_for_suggestion=True)

    @public
    def report(self) -> Any:
        """Your answers against the gold labels (``gold=``): accuracy, Cohen's kappa and the confusion matrix; with
        several labels per item (``kind="multi"``), per-label precision, recall, F1 and kappa and the mean Jaccard."""
        if self.lesson is None:
            raise InputError("report() compares your answers with gold labels: make the Labeler with gold='column'.")
        return self.lesson.report()

    @public
    def skip(self) -> Decision:
        return self.session.decide("skip")

    @public
    def undo(self) -> Decision | None:
        """Revert the latest decision (an ``undo`` event in the log); returns None if there is none."""
        return self.session.undo()

    @public
    def relabel(self, key: Any, label: str | Sequence[str], note: str | None = None) -> Decision:
        """Change the label of the already-decided item ``key`` (its index value, or its ``key=`` column value).

        Recorded as a ``revised`` decision that keeps the label it replaced (``previous_label``), never as an
        acceptance; the item need not be the current one and the position does not move. ``undo()`` reverts it.
        An item with no decision yet raises InputError: label it instead.
        """
        return self.session.relabel(key, label, note=note)

    @public
    def goto(self, position: int) -> None:
        """Show the item at ``position`` (0-based, in labeling order; negative counts from the end)."""
        self.session.goto(position)
        self._sync_position()

    def on_decision(self, callback: Callable[[Decision], None]) -> Callable[[Decision], None]:
        """Call ``callback(decision)`` after every decision and undo (usable as a decorator)."""
        self.session.on_decision(callback)
        return callback

    def _sync_position(self) -> None:
        if self._widget is not None:
            self._widget.sync_position()  # from the thread that serves the widget, whichever thread calls this

    # ----- what there is to read ---------------------------------------------------------
    @property
    def df(self) -> pd.DataFrame:
        """The very DataFrame that was passed in, with the result columns filled in live.

        A frame that cannot change in place (polars) reads as the one passed in with the result columns set on it,
        of its own kind, as of the latest decision.
        """
        return self.session.df if self._read is None else self._read.df()

    @property
    def position(self) -> int:
        return self.session.cursor

    @property
    def current(self) -> pd.Series:
        """The current row of the DataFrame."""
        return self.session.df.iloc[self.session.row_at(self.session.cursor)]

    @property
    def suggestion(self) -> Suggestion | None:
        """The current item's suggestion, if it has arrived."""
        return self.session.suggestion_at(self.session.row_at(self.session.cursor))

    @property
    def decisions(self) -> Any:
        """The whole append-only event log of the store, undos included, oldest first; of the kind of frame the
        Labeler was given (polars for polars)."""
        return self._given.back(self.decisions_pandas())

    def decisions_pandas(self) -> pd.DataFrame:
        """`decisions` as pandas: what the package reads (`lw.export`'s event log)."""
        events = self.session.store.events_frame()
        columns = [
            "id", "key", "action", "label", "previous_label", "suggestion", "confidence", "suggestion_visible",
            "suggester", "annotator", "decided_at", "seconds", "note", "undoes", "text_hash", "session_id", "detail",
            "prompt_id",
        ]  # fmt: skip
        codes, uniques = pd.factorize(events["item_key"])
        keys = np.empty(len(uniques), dtype=object)
        keys[:] = [decode_key(k) for k in uniques]  # element-wise: a tuple key stays one value
        frame = events.assign(key=keys[codes] if len(events) else [])[columns]
        frame["key"] = frame["key"].infer_objects()  # integer keys stay integers, as in the DataFrame's index
        frame["confidence"] = pd.to_numeric(frame["confidence"], errors="coerce").astype(float)
        frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True, format="ISO8601")
        labels = self.session.labels
        if not labels.kind.answers_are_text:  # answers as the user gives them (lists), not as the store keeps them
            texts = self._texts_of_events(events) if labels.kind.about_text else None
            for column in ("label", "previous_label", "suggestion"):
                stored = frame[column].to_numpy(dtype=object, na_value=pd.NA)
                frame[column] = labels.kind.cells(stored, labels, texts=texts)
        return frame.reset_index(drop=True)

    def _texts_of_events(self, events: pd.DataFrame) -> list[str | None]:
        """Each event's item text, where the item is in the DataFrame with the text the event was made on; None
        elsewhere (spans of a text that has changed since are not cut out of the new one)."""
        session = self.session
        rows = session.rows_of_keys(events["item_key"].to_numpy(dtype=object))
        texts: list[str | None] = []
        for row, recorded in zip(rows.tolist(), events["text_hash"].tolist(), strict=True):
            text = session.text_at(row) if row >= 0 else None
            texts.append(text if text is not None and text_hash(text) == recorded else None)
        return texts

    @property
    def results(self) -> Callable[[], pd.DataFrame]:
        """The rows decided so far, with their result columns: ``labeler.results()`` is a fresh copy.

        Under marimo it is reactive (a ``mo.state``): bind it to a name in one cell (``results = labeler.results``)
        and every cell that calls ``results()`` runs again as each decision lands. marimo does not see the changes
        made in place to ``df``, so a cell showing ``df`` does not.
        """
        if self._results is None:
            self._results = hosts.live_value(self._decided_rows, self.session.on_decision)
        return self._results

    def _decided_rows(self) -> pd.DataFrame:
        if self._read is not None:
            return self._read.decided()
        decision = (self.session.options.columns or {}).get("decision", "decision")
        df = self.session.df
        return df[df[decision].notna()].copy()

    @property
    def order_info(self) -> dict[str, Any]:
        """The order and blind share this session uses (also recorded in the store)."""
        return dict(self.session.order_info)

    @property
    def stats(self) -> dict[str, Any]:
        return self.session.stats()

    @property
    def errors(self) -> list[str]:
        """Every distinct error seen (suggester failures, callbacks that raised), oldest first."""
        return list(self.session.errors)

    @property
    def stale(self) -> Any:
        """Items whose text changed since they were labeled: their old decisions, not trusted; of the kind of frame
        the Labeler was given."""
        rows = [
            {"position": self.session.rank_of(row), "key": decode_key(e.item_key), "label": e.label,
             "decision": e.action, "decided_at": e.decided_at}
            for row, e in sorted(self.session.stale.items())
        ]  # fmt: skip
        return self._given.back(pd.DataFrame(rows, columns=["position", "key", "label", "decision", "decided_at"]))

    @property
    def closed(self) -> bool:
        return self.session.closed

    def close(self) -> None:
        """Release everything: the widget, the suggestion threads and the store; decisions after this raise.

        Safe to call twice. The DataFrame keeps every result; a new Labeler on the same store resumes.
        """
        self.session.close()
        if self._widget is not None:
            self._widget.close()  # idempotent: a closed widget has no comm left to close


class _ReadBack:
    """A Labeler's results read back onto a frame that cannot change in place (polars): its ``df`` and its decided
    rows as the caller's kind, each made again only after a decision (or an undo) has arrived since its last read.
    The decided rows alone are converted for ``results()``, so that a view following them pays for those rows only.
    """

    def __init__(self, labeler: Labeler):
        self._labeler = labeler
        self._version = 0
        self._cached: dict[str, tuple[int, Any]] = {}
        labeler.session.on_decision(self._changed)

    def _changed(self, _decision: Decision) -> None:
        self._version += 1

    def _read(self, what: str, decided_only: bool) -> Any:
        version = self._version  # read first: a decision landing while this reads makes the next read again
        cached = self._cached.get(what)
        if cached is not None and cached[0] == version:
            return cached[1]
        labeler = self._labeler
        frame = labeler.session.df
        results = frame[written_columns(frame)]
        rows = None
        if decided_only:
            decision = (labeler.session.options.columns or {}).get("decision", "decision")
            rows = np.flatnonzero(frame[decision].notna().to_numpy(dtype=bool))
            results = results.iloc[rows]
        value = labeler._given.joined(labeler._given_df, results, rows)
        self._cached[what] = (version, value)
        return value

    def df(self) -> Any:
        return self._read("df", decided_only=False)

    def decided(self) -> Any:
        return self._read("decided", decided_only=True)


def _lesson(
    df: Any,
    gold: str | None,
    labels: LabelSet,
    feedback: str | None,
    show: Sequence[str] | str,
    text: str,
    store: Any = None,
) -> Lesson | None:
    """Teaching mode's answer key, checked before the session touches the store or the DataFrame."""
    if gold is None:
        check_feedback_without_gold(feedback)
        return None
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}.")
    shown = [show] if isinstance(show, str) else list(show)
    if isinstance(gold, str) and gold not in df.columns and may_hold_answer_key(store):
        # a class store made by lw.Classroom.create keeps the answer key: checked against it once it is open
        return Lesson(df, gold, labels, feedback, shown, text=text, key=StoredAnswerKey(df, gold, labels, feedback,
                                                                                        text=text))  # fmt: skip
    if isinstance(gold, str) and gold in df.columns:
        warn_gold_in_frame(gold)
    return Lesson(df, gold, labels, feedback, shown, text=text)
