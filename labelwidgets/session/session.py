"""The labeling session: items in an order, a cursor, decisions, undo, restore from the store.

Plain Python with no widget imports. The widget and the Python API both call the same
methods here, so a click and ``labeler.label("spam")`` take exactly one code path.
"""

from __future__ import annotations

import gc
import getpass
import hashlib
import json
import logging
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.decision import NO_ANSWER, REVISED, UNDO, Decision, text_hash, text_hashes, utc_now
from labelwidgets.errors import ClosedError, InputError, LabelwidgetsError, user_stacklevel
from labelwidgets.images import ImageColumn, refuse_images
from labelwidgets.keys import decode_key, encode_key, shown_key
from labelwidgets.labels import label_set_for
from labelwidgets.missing import is_missing
from labelwidgets.session import registry
from labelwidgets.session.fold import RESTORE_FIELDS, EventFold, FrameDecisions
from labelwidgets.session.options import LabelingOptions
from labelwidgets.session.ordering import make_order
from labelwidgets.session.parts import AnswerGate, Layers, Queue
from labelwidgets.session.results import ResultColumns
from labelwidgets.store import open_store
from labelwidgets.suggesters.base import Item, LearnsFromLabels, Suggestion, Updates
from labelwidgets.suggesters.check import check_suggester
from labelwidgets.suggesters.column import FromColumn
from labelwidgets.suggesters.feed import LearnerFeed, known_label_column
from labelwidgets.suggesters.prefetch import SuggestionPrefetcher

log = logging.getLogger("labelwidgets")

#: What a caller may ask for; the session turns "label" into labeled/accepted/corrected.
INTENTS = ("label", "accept", "correct", "reject", "skip")
_SCAN_CHUNK = 4096


class LabelingSession:
    """Everything about labeling one DataFrame except how it is shown.

    ``defer_blank_copies``: the result columns that start all missing are read-only views of one blank per kind until
    `settle_results` (or their first write) copies them (`ResultColumns.attach`): a caller that can settle them
    later, when nobody waits (a kernel between cells), saves that work up front.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        options: LabelingOptions | None = None,
        *,
        gate: AnswerGate | None = None,
        defer_blank_copies: bool = False,
        **keywords: Any,
    ):
        # Options as one object (from lw.Labeler), or as keywords for a session made directly.
        unknown = sorted(set(keywords) - set(LabelingOptions.names()))
        if unknown:
            raise TypeError(f"LabelingSession() got unexpected keyword arguments {unknown}")
        if options is None:
            o = LabelingOptions.pick(keywords)
        else:
            o = replace(options, **keywords) if keywords else options
        self.options = o
        self._closed = False
        self._defer_blank_copies = defer_blank_copies
        self._close_reason = ""
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}.")
        if len(df) == 0:
            raise InputError(
                "the DataFrame is empty: there is nothing to label. Pass a DataFrame with at least one row."
            )
        if o.prompt is not None and o.text != "text" and o.prompt != o.text:
            raise InputError(
                f"prompt={o.prompt!r} and text={o.text!r} both name the column shown as the item's text; give one."
            )
        text_column: str | None = o.text if o.prompt is None else o.prompt
        if o.image is not None and o.prompt is None and o.text == "text" and "text" not in df.columns:
            text_column = None  # images alone: the text column is optional with image=, when left at its default
        if text_column is not None and text_column not in df.columns:
            raise InputError(
                f"there is no column {text_column!r} to label; the DataFrame has the columns {list(df.columns)}."
            )
        missing_show = [c for c in o.show if c not in df.columns]
        if missing_show:
            raise InputError(
                f"show= names columns that do not exist: {missing_show}; the columns are {list(df.columns)}."
            )
        if o.suggestion_timeout is None or not float(o.suggestion_timeout) >= 0:
            raise InputError(f"suggestion_timeout={o.suggestion_timeout!r} must be a number of seconds, 0 or more.")
        self.labels = label_set_for(o.labels, o.kind, o.outputs)
        self.kind = self.labels.kind
        missing_columns = [c for c in self.kind.item_columns if c not in df.columns]
        if missing_columns:
            raise InputError(
                f"outputs= names columns that do not exist: {missing_columns}; the columns are {list(df.columns)}."
            )
        if o.image is not None and self.kind.about_text:
            raise InputError(
                f"image= shows an image with each item, for whole-item answers (single, multi, pair); "
                f"kind={self.kind.name!r} marks spans of the text, which an image has none of."
            )
        #: The items' images (image=), opened, downscaled and cached on demand; None without image=.
        self.images = None if o.image is None else ImageColumn(df, o.image)
        self.keys = _item_keys(df, o.key)
        self.df = df
        self.text_column = text_column
        self.key_column = o.key
        self.show = list(o.show)
        self.guidelines = o.guidelines
        self.annotator_is_default = not o.annotator
        self.annotator = o.annotator or _default_annotator()
        self.suggestion_timeout = float(o.suggestion_timeout)
        self.prefetch_count = max(0, int(o.prefetch))
        inputs: dict[str, str | None] = {}
        if o.suggester is not None:
            check_suggester(o.suggester, df, self.labels, text=text_column)
            refuse_images(o.suggester, o.image)
        if isinstance(o.suggester, FromColumn):
            inputs = {
                "suggestion": o.suggester.label_column,
                "confidence": o.suggester.confidence_column,
                "rationale": o.suggester.rationale_column,
            }
        if not 0.0 <= float(o.blind) <= 1.0:
            raise InputError(
                f"blind={o.blind!r} must be a share of items in [0, 1], for example blind=0.1 (1: every suggestion "
                "hidden and kept for the record, as for the students who label without help in a blind check)."
            )
        self.blind = float(o.blind)
        self.seed = o.seed
        self.n = len(df)
        confidence = None
        if isinstance(o.suggester, FromColumn) and o.suggester.confidence_column in df.columns:
            confidence = df[o.suggester.confidence_column]
        self.order = make_order(o.order, df, seed=o.seed, order_by=o.order_by, confidence=confidence)
        self.order_info = {
            "order": o.order if isinstance(o.order, str) or o.order is None else "custom",
            "order_by": o.order_by,
            "seed": o.seed,
            "blind": self.blind,
            "order_digest": None if self.order is None else hashlib.sha256(self.order.tobytes()).hexdigest()[:16],
        }
        self._results = ResultColumns.plan(df, o.columns, inputs, self.labels)
        self._results.item_text = self.text_at  # spans are shown with their text
        known = known_label_column(o.suggester, df, self.labels)
        # Suggesters see the item's inputs, never the answers the labeler writes next to them (nor the known labels
        # a learner is taught from: it is told them through `learn`, which keeps an item's own label out).
        if isinstance(o.hide, str):
            raise InputError(f"hide= takes a list of column names, not the string {o.hide!r}: hide=[{o.hide!r}].")
        #: What shows the person something once they answer an item (teaching mode's answer key), if anything.
        self.gate = gate
        self._hidden_fields = (
            frozenset(self._results.written)
            | ({known} if known else set())
            | set(o.hide)
            | (gate.hidden_columns if gate is not None else frozenset())
        )
        # Everything that can fail on bad input has been checked; only now touch the store and the DataFrame.
        self._owns_store = o.store is None or isinstance(o.store, (str, os.PathLike))
        self.store = open_store(o.store)
        self.store.check_labels(self.labels.names, kind=self.kind.name)
        self._store_id = registry.store_identity(self.store)
        self._take_over()
        self._rank_of_row: np.ndarray | None = None
        if self.order is not None:
            self._rank_of_row = np.empty(self.n, dtype=np.int64)
            self._rank_of_row[self.order] = np.arange(self.n)
        self.session_id = uuid.uuid4().hex
        self._decided = np.zeros(self.n, dtype=bool)
        self._unavailable: np.ndarray | None = None  # a team's items that are not this annotator's to do
        self._queue: Queue | None = None
        self._layers: Layers | None = None  # others' answers shown beside each item (a team's adjudicator)
        self._moving = False  # claiming the next item (a team): a refusal must not move the cursor meanwhile
        self._placed = False  # the cursor was put on its item by goto (a review), not left there by deciding
        self._availability_listeners: list[Callable[[], None]] = []
        self._fold = EventFold()
        self._by_client: dict[tuple[str, int], Decision] = {}
        self.stale: Mapping[int, Decision] = {}
        self._orphans = pd.DataFrame()
        self.errors: list[str] = []
        self._listeners: list[Callable[[Decision], None]] = []
        self._change_listeners: list[Callable[[Decision, Decision | None, Decision | None], None]] = []
        self._suggestion_listeners: list[Callable[[int, Suggestion], None]] = []
        self._error_listeners: list[Callable[[str], None]] = []
        self._close_listeners: list[Callable[[str], None]] = []
        self._lock = threading.RLock()
        self.waits: list[float] = []  # seconds a Python caller waited for a suggestion, one entry per wait
        self._totals_lock = threading.Lock()
        self._suggestion_totals = {"cost": 0.0, "input_tokens": 0, "output_tokens": 0, "count": 0, "invalid": 0}
        self.suggester = o.suggester
        self._restore(o.replace_results)
        if gate is not None:
            gate.attach(self)
        self._register()
        # A suggester that learns is taught by a collaborator that follows this session's changes.
        self.learner_feed = LearnerFeed(self, o.suggester, known) if isinstance(o.suggester, LearnsFromLabels) else None
        if self.learner_feed is not None:
            self.learner_feed.start()
        self.prefetcher: SuggestionPrefetcher | None = None
        if o.suggester is not None:
            self.prefetcher = SuggestionPrefetcher(
                o.suggester,
                self.labels,
                make_item=self.item_for_suggester,
                on_ready=self._suggestion_ready,
                on_error=self.report_error,
                max_concurrency=getattr(o.suggester, "max_concurrency", None) or o.max_concurrency,
            )
        self.store.record_session(
            {
                "session_id": self.session_id,
                "annotator": self.annotator,
                "started_at": utc_now().isoformat(),
                "items": self.n,
                "suggester": getattr(o.suggester, "name", None),
                **self.order_info,
                **(gate.session_info() if gate is not None else {}),
            }
        )
        first = self.first_undecided()
        self.cursor = first if first is not None else 0
        self._shown_at = time.monotonic()
        if isinstance(o.suggester, Updates) and self.learner_feed is None:
            o.suggester.on_update(self.refresh_suggestions_ahead)
        self._prefetch_around(self.cursor)

    # ----- positions -----------------------------------------------------------------
    def row_at(self, rank: int) -> int:
        return int(rank if self.order is None else self.order[rank])

    def rank_of(self, row: int) -> int:
        return int(row if self._rank_of_row is None else self._rank_of_row[row])

    def is_decided(self, rank: int) -> bool:
        return bool(self._decided[self.row_at(rank)])

    def next_undecided(self, after: int, *, wrap: bool = True) -> int | None:
        """The first undecided rank after ``after`` (then from the start, if ``wrap``)."""
        found = self._scan(after + 1, self.n)
        if found is None and wrap:
            found = self._scan(0, min(after + 1, self.n))
        return found

    def first_undecided(self) -> int | None:
        return self._scan(0, self.n)

    def upcoming(self, after: int, count: int) -> list[int]:
        """Up to ``count`` undecided ranks after ``after``, in order, without wrapping."""
        ranks: list[int] = []
        start = after + 1
        while len(ranks) < count and start < self.n:
            stop = min(self.n, start + max(_SCAN_CHUNK, count))
            block = self._decided_block(start, stop)
            free = np.flatnonzero(~block)[: count - len(ranks)]
            ranks.extend(int(start + i) for i in free)
            start = stop
        return ranks

    def _decided_block(self, start: int, stop: int) -> np.ndarray:
        """Which ranks in [start, stop) are closed to this annotator: decided, or (in a team) not theirs to do."""
        closed = self._decided if self._unavailable is None else self._decided | self._unavailable
        if self.order is None:
            return closed[start:stop]
        return closed[self.order[start:stop]]

    # ----- a queue shared with others (a team) -------------------------------------------
    def attach_queue(self, queue: Queue) -> None:
        """Let ``queue`` decide which undecided items are this annotator's to do (`lw.Team`): it calls
        `set_unavailable` as others label, and ``queue.reserve(rows)`` is asked before items are shown."""
        with self._lock:
            self._queue = queue
        first = self.first_undecided()
        with self._lock:
            self._move(first if first is not None else self.cursor)

    # ----- others' answers beside each item (a team's adjudicator) ------------------------
    def attach_layers(self, layers: Layers) -> None:
        """Show ``layers`` beside each item: others' answers, one layer each, for the person to take one."""
        self._layers = layers

    @property
    def has_layers(self) -> bool:
        return self._layers is not None

    def layers_at(self, row: int) -> list[tuple[str, str]]:
        """(whose, stored answer) beside the item at ``row``; empty without layers."""
        return [] if self._layers is None else list(self._layers.layers_at(row))

    def set_unavailable(self, rows: np.ndarray | None, *, news: bool = False) -> None:
        """Mark the rows (a boolean mask over the DataFrame) that are not this annotator's to do: items enough
        others have labeled or are labeling now. Views are told, so their windows skip them."""
        mask = None if rows is None else np.asarray(rows, dtype=bool)
        if mask is not None and mask.shape != (self.n,):
            raise InputError(f"the mask of unavailable rows must have one value per row ({self.n}), got {mask.shape}")
        with self._lock:
            if (mask is None and self._unavailable is None) or (
                mask is not None and self._unavailable is not None and np.array_equal(mask, self._unavailable)
            ):
                if news:  # the same items are open, but the queue has something to say (the team's progress)
                    self._notify_availability()
                return
            self._unavailable = mask
            if (
                not self._moving
                and mask is not None
                and mask[self.row_at(self.cursor)]
                and not self.is_decided(self.cursor)
            ):
                following = self.next_undecided(self.cursor)  # the item in view went to others: on to the next
                if following is not None:
                    self._move(following)
        self._notify_availability()

    def _notify_availability(self) -> None:
        for callback in list(self._availability_listeners):
            try:
                callback()
            except Exception:
                log.exception("an on_availability callback failed")

    def on_availability(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the items open to this annotator change (another annotator took some)."""
        self._availability_listeners.append(callback)

    def reserve(self, ranks: Sequence[int]) -> list[int]:
        """The ranks of ``ranks`` this annotator may be shown now (a team claims them first); all without a team."""
        queue = self._queue
        if queue is None:
            return list(ranks)
        wanted = [r for r in ranks if not self.is_decided(r)]
        granted = set(queue.reserve([self.row_at(r) for r in wanted]))
        return [r for r in ranks if self.is_decided(r) or self.row_at(r) in granted]

    @property
    def queue_status(self) -> str | None:
        """What a shared queue says about the team's progress ("team: 40 of 200 items have 2 labels"), if any."""
        status = getattr(self._queue, "status", None)
        return status if isinstance(status, str) else None

    def open_count(self) -> int:
        """Undecided items open to this annotator (in a team: not already labeled or taken by enough others)."""
        if self._unavailable is None:
            return self.n - self.n_decided
        return int((~(self._decided | self._unavailable)).sum())

    def _scan(self, start: int, stop: int) -> int | None:
        # Cost is proportional to the distance to the next free item, not to the DataFrame size.
        while start < stop:
            end = min(stop, start + _SCAN_CHUNK)
            free = np.flatnonzero(~self._decided_block(start, end))
            if free.size:
                return int(start + free[0])
            start = end
        return None

    # ----- items ---------------------------------------------------------------------
    def key_at(self, row: int) -> str:
        return encode_key(self.keys[row])

    def text_at(self, row: int) -> str | None:
        if self.text_column is None:  # images alone (image= without a text column)
            return None
        return _as_text(self.df[self.text_column].iat[row])

    def image_at(self, row: int) -> dict[str, str] | None:
        """How the view gets item ``row``'s image (its URL, or from the kernel when asked), or None without image=."""
        return None if self.images is None else self.images.ref(row)

    def _text_for_answer(self, row: int) -> str | None:
        """The item's text when this kind's answers point into it (spans), else None (nothing to read)."""
        return self.text_at(row) if self.kind.about_text else None

    def item_for_suggester(self, row: int) -> Item:
        """Row ``row`` as a suggester sees it: its text and its input columns, without the labeler's results."""
        text = self.text_at(row)
        fields = {str(k): v for k, v in self.df.iloc[row].items() if k not in self._hidden_fields}
        if self.images is not None and self.images.column in fields:  # a vision model is sent the image (ItemImage)
            fields[self.images.column] = self.images.for_model(row)
        return Item(key=self.key_at(row), text=text or "", fields=fields)

    def decision_at(self, row: int) -> Decision | None:
        return self._fold.effective(self.key_at(row))

    def suggestion_at(self, row: int) -> Suggestion | None:
        return None if self.prefetcher is None else self.prefetcher.get(row)

    def is_blind(self, row: int) -> bool:
        """Whether this item's suggestion is hidden from the person, to measure how much suggestions sway people.

        Chosen from the item key and the seed, so the same items stay blind across restarts.
        """
        if self.blind == 0.0:
            return False
        digest = hashlib.sha256(f"{self.seed}:{self.key_at(row)}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.blind

    # ----- what a person has been shown (an `AnswerGate`: teaching mode) -------------------
    @property
    def finished(self) -> bool:
        """Every item has a decision."""
        return len(self._fold) >= self.n

    def decided_row(self, row: int) -> bool:
        """Whether the item in DataFrame row ``row`` has a decision in force."""
        return bool(self._decided[row])

    def revealed(self, row: int) -> bool:
        """Whether the person has been shown something about ``row`` that their answer may not be undone after."""
        return self.gate is not None and self.gate.revealed(row)

    def suggestion_status(self, row: int) -> str:
        return "none" if self.prefetcher is None else self.prefetcher.status(row)

    # ----- decisions -----------------------------------------------------------------
    def on_decision(self, callback: Callable[[Decision], None]) -> None:
        self._listeners.append(callback)

    def on_change(self, callback: Callable[[Decision, Decision | None, Decision | None], None]) -> None:
        """Call ``callback(event, before, after)`` for each event this session folds in, undo included.

        ``before`` and ``after`` are the item's effective decision before and after ``event`` (`EventFold.apply`):
        a view that moves its counts by them follows the session's own resolution of undo and revision, never a
        copy of it. Called in the order the events were applied, inside the session's lock (a later event waits for
        it), after the event is stored and in the DataFrame; keep it quick. A callback that raises is reported in
        ``errors`` and does not stop the decision.
        """
        self._change_listeners.append(callback)

    def off_change(self, callback: Callable[[Decision, Decision | None, Decision | None], None]) -> None:
        """Stop calling ``callback`` (a view that closes lets go of the session, and the session of it)."""
        with self._lock:
            self._change_listeners = [c for c in self._change_listeners if c != callback]

    def effective_frame(self) -> pd.DataFrame:
        """Each decided item's decision in force, one row per item: what the changes ``on_change`` reports add up to.

        Columns are `Decision` fields; items whose text changed (``stale``) and keys not in the DataFrame are left
        out, as in the DataFrame. Decisions restored from a store hold only the fields a restore reads
        (`fold.RESTORE_FIELDS`); the others are missing there. Vectorised: no object per decision.
        """
        with self._lock:
            return self._fold.effective_frame()

    def on_suggestion(self, callback: Callable[[int, Suggestion], None]) -> None:
        self._suggestion_listeners.append(callback)

    def on_error(self, callback: Callable[[str], None]) -> None:
        self._error_listeners.append(callback)

    def on_close(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(reason)`` once when this session closes (a view can then say why it stopped)."""
        self._close_listeners.append(callback)

    def decide(
        self,
        intent: str,
        label: Any = None,
        *,
        rank: int | None = None,
        note: str | None = None,
        seconds: float | None = None,
        suggestion_visible: bool | None = None,
        client_id: str | None = None,
        client_seq: int | None = None,
        advance: bool = True,
        wait_for_suggestion: bool = False,
        shown: tuple[str | None, str | None] | None = None,
    ) -> Decision:
        """Record what the person did with the item at ``rank`` (default: the current one).

        ``shown`` is the (label, model) of the suggestion a view showed the person: with a suggester that learns,
        a newer suggestion may have arrived in Python since, and the decision is about the one they saw.
        Returns only after the decision is in the store.
        """
        self._check_open()
        if intent not in INTENTS:
            raise InputError(f"unknown action {intent!r}; use one of {list(INTENTS)}.")
        if wait_for_suggestion and self.prefetcher is not None:
            # Outside the lock: the worker that delivers the suggestion takes it too.
            target = self.row_at(self.cursor if rank is None else self._check_rank(rank))
            # A blind item's suggestion is never shown, so nobody waits for it (it may still arrive, for the record).
            if not self.is_blind(target) and self.prefetcher.get(target) is None:
                started = time.monotonic()
                self.prefetcher.wait(target, timeout=self.suggestion_timeout)
                self.waits.append(time.monotonic() - started)
        with self._lock:
            self._check_open()
            if client_id is not None and client_seq is not None and (client_id, client_seq) in self._by_client:
                return self._by_client[(client_id, client_seq)]  # a re-sent message: applied once already
            at_cursor = rank is None
            rank = self.cursor if rank is None else self._check_rank(rank)
            row = self.row_at(rank)
            if label is not None:
                label = self._answer(row, label)
            decided = bool(self._decided[row])
            if decided and at_cursor and not self._placed and self.first_undecided() is None:
                # The cursor rests on a decided item only when nothing is left: a label() now would silently
                # overwrite the last item again and again.
                raise InputError(
                    f"nothing left to label: all {self.n} items have a decision. To change one, use "
                    f"relabel(key, ...) (or goto(position) first, then label(...)); it is recorded as a revision "
                    f"that keeps the answer it replaced."
                )
            # From Python, an item the team's queue does not give this annotator is refused. A browser view's key
            # press is kept: the person answered an item they were shown, whose claim another kernel won meanwhile
            # (at worst one label beyond overlap, as a race between two claims can give).
            if not decided and client_id is None and self._queue is not None and not self.reserve([rank]):
                raise InputError(
                    f"item {self.rank_of(row) + 1} is not yours to label: enough of your team have labeled it or "
                    f"are labeling it now (overlap). Label the items your queue shows you"
                    + ("" if self.open_count() else "; your queue is empty, so you are done")
                    + "."
                )
            # Only an item with an answer has one to replace: a skipped or rejected item is simply answered now.
            previous = self.decision_at(row) if decided else None
            answered = previous is not None and previous.label is not None
            if self.revealed(row) or (answered and intent != "skip"):
                # A change to a decided item (going back, review, or after the answer was shown to a student) is a
                # revision that keeps what it replaced, never a new first answer.
                revised_to = self._revision_label(row, intent, label)
                event, changed = self._revise_row(row, revised_to, note, client_id, client_seq)
                if advance and rank == self.cursor:
                    self._move(self._after_review(rank))
            elif answered:  # a skip on an answered item leaves it as it is: on to the next one in order
                event, changed = self.decision_at(row), False  # type: ignore[assignment]
                if advance and rank == self.cursor:
                    self._move(self._after_review(rank))
            else:
                changed = True
                if shown is not None and self.prefetcher is not None:
                    suggestion = self.prefetcher.shown(row, *shown)
                else:
                    suggestion = self.suggestion_at(row)
                if self.is_blind(row):
                    if intent in ("accept", "reject", "correct"):
                        raise InputError(
                            "this item's suggestion is hidden for a blind check (blind=...); "
                            "use label('...') or skip()."
                        )
                    suggestion_visible = False
                if intent in ("accept", "reject", "correct") and suggestion is not None and not suggestion.valid:
                    said = "" if suggestion.raw is None else f" (the suggester said {suggestion.raw[:80]!r})"
                    raise InputError(
                        f"this item's suggestion is invalid{said}: {suggestion.error or 'it names no label'}. "
                        f"There is nothing to {intent}; give the right label with label('...'), or skip()."
                    )
                usable = suggestion if suggestion is not None and suggestion.valid else None
                if suggestion_visible is None:
                    suggestion_visible = usable is not None
                action = self._action_for(intent, label, usable, suggestion_visible)
                if action == "accepted":
                    label = usable.label  # type: ignore[union-attr]
                if action in NO_ANSWER:
                    label = None
                if seconds is None:
                    seconds = time.monotonic() - self._shown_at if rank == self.cursor else None
                event = Decision(
                    item_key=self.key_at(row),
                    action=action,
                    annotator=self.annotator,
                    decided_at=utc_now(),
                    label=label,
                    suggestion=usable.label if usable else None,
                    confidence=usable.confidence if usable else None,
                    suggestion_visible=bool(suggestion_visible) if suggestion is not None else None,
                    suggester=(suggestion.model or getattr(self.suggester, "name", None)) if suggestion else None,
                    note=note or None,
                    seconds=None if seconds is None else round(float(seconds), 3),
                    text_hash=text_hash(self.text_at(row)),
                    session_id=self.session_id,
                    client_id=client_id,
                    client_seq=client_seq,
                    detail=self._detail(row, usable.label if usable else None, label),
                    prompt_id=usable.prompt_id if usable else None,
                )
                event = self._record(row, event)
                if advance and rank == self.cursor:
                    following = self.next_undecided(rank)
                    self._move(following if following is not None else rank)
                    self._placed = False
        if changed:
            self._notify(event)
        return event

    def _answer(self, row: int, value: Any) -> str:
        """``value`` as this item's answer (stored text), or `InputError` saying why it cannot be."""
        stored = self.labels.answer(value, text=self._text_for_answer(row))
        why = self.kind.refusal(stored, self._item_values(row))
        if why is not None:
            raise InputError(f"item {self.rank_of(row) + 1} ({shown_key(self.keys[row])}): {why}")
        return stored

    def _item_values(self, row: int) -> dict[str, Any]:
        """The values of the columns this kind shows beside the text (a pair's outputs)."""
        return {column: self.df[column].iat[row] for column in self.kind.item_columns}

    def presentation(self, row: int) -> dict[str, str] | None:
        """How this person sees item ``row`` laid out (a pair: which output is on the left), or None."""
        return self.kind.presentation(self.key_at(row), self.annotator, self.seed)

    def item_view(self, row: int) -> dict[str, Any] | None:
        """What the view shows of item ``row`` besides its text (a pair's outputs, placed), or None."""
        return self.kind.item_view(self._item_values(row), self.presentation(row))

    def _detail(self, row: int, suggested: str | None, answer: str | None) -> str | None:
        """The decision's ``detail``: how the item was laid out for this person (a pair's sides), and what the
        answer did with the suggestion part by part (spans), as JSON text; None when there is neither."""
        changes = self._changes(suggested, answer)
        presented = self.presentation(row)
        if presented is None:
            return changes
        return json.dumps({**presented, **({"changes": json.loads(changes)} if changes else {})})

    def _changes(self, suggested: str | None, answer: str | None) -> str | None:
        """What the answer did with the suggestion part by part (`AnswerKind.changes`), when there are both."""
        if suggested is None or answer is None:
            return None
        return self.kind.changes(suggested, answer, self.labels)

    def relabel(
        self,
        key: Any,
        label: Any,
        *,
        note: str | None = None,
        client_id: str | None = None,
        client_seq: int | None = None,
    ) -> Decision:
        """Change the label of an item that already has a decision: a ``revised`` event keeping ``previous_label``.

        ``key`` is the item's index value (or its value in the ``key=`` column); the item need not be the current
        one, and the cursor stays where it is. The revision keeps the suggestion the item had, so agreement with
        the suggester is measured against the corrected label; it is never counted as an acceptance. Undo reverts
        it like any decision. Returns the new event, or the item's decision unchanged if it already has ``label``.
        """
        self._check_open()
        row = self._row_of_item(key)
        label = self._answer(row, label)
        with self._lock:
            self._check_open()
            if client_id is not None and client_seq is not None and (client_id, client_seq) in self._by_client:
                return self._by_client[(client_id, client_seq)]
            before = self.decision_at(row)
            if before is None:
                why = (
                    " its text changed since it was labeled, so that decision is not trusted (see labeler.stale)"
                    if row in self.stale
                    else " it has not been decided yet"
                )
                raise InputError(
                    f"item {shown_key(key)} has no decision to revise:{why}. Label it instead: "
                    f"labeler.goto({self.rank_of(row)}), then labeler.label({self.kind.value(label, self.labels)!r})."
                )
            event, new = self._revise_row(row, label, note, client_id, client_seq)
        if new:
            self._notify(event)
        return event

    def _revise_row(
        self, row: int, label: str, note: str | None, client_id: str | None, client_seq: int | None
    ) -> tuple[Decision, bool]:
        """Record a ``revised`` event on a decided ``row`` (under the lock).

        Returns (the event, True), or (the row's decision, False) when it has ``label`` already.
        """
        before = self.decision_at(row)
        assert before is not None
        if before.label == label:
            return before, False
        event = Decision(
            item_key=before.item_key,
            action=REVISED,
            annotator=self.annotator,
            decided_at=utc_now(),
            label=label,
            previous_label=before.label,
            suggestion=before.suggestion,
            confidence=before.confidence,
            suggestion_visible=before.suggestion_visible,
            suggester=before.suggester,
            note=note or None,
            text_hash=text_hash(self.text_at(row)),
            session_id=self.session_id,
            client_id=client_id,
            client_seq=client_seq,
            detail=self._detail(row, None, label),
        )
        return self._record(row, event), True

    def _after_review(self, rank: int) -> int:
        """Where the view goes after a decided item was reviewed: the next item in order (the person is going
        through them), not the first undecided one, which could skip the items they meant to look at next."""
        return rank + 1 if rank + 1 < self.n else rank

    def _revision_label(self, row: int, intent: str, label: str | None) -> str:
        """The answer a decision on a decided item changes it to; a skip or rejection of a shown answer cannot."""
        if intent == "accept":
            suggestion = self.suggestion_at(row)
            if suggestion is not None and suggestion.valid and suggestion.label is not None:
                return suggestion.label
        if intent in ("label", "correct") and label is not None:
            return label
        if not self.revealed(row):
            before = self.decision_at(row)
            said = self.labels.describe(None if before is None else before.label)
            raise InputError(
                f"item {self.rank_of(row) + 1} is decided already ({said}); to {intent} now would withdraw that "
                f"answer. Press the label you want instead (recorded as a revision that keeps the answer it "
                f"replaced), or undo."
            )
        raise InputError(
            "the answer to this item has been shown to you, so it cannot be skipped, rejected or undone now: "
            "press the label you want instead (recorded as a revision; your score keeps your first answer)."
        )

    def undo(self, *, client_id: str | None = None, client_seq: int | None = None) -> Decision | None:
        """Revert this annotator's latest decision with an ``undo`` event; returns it, or None if nothing to undo."""
        self._check_open()
        with self._lock:
            self._check_open()
            if client_id is not None and client_seq is not None and (client_id, client_seq) in self._by_client:
                return self._by_client[(client_id, client_seq)]
            target = self._fold.latest()
            if target is None:
                return None
            row = self.row_of_key(target.item_key)
            if row is None:  # never: events of items not in the DataFrame are not folded in
                raise LabelwidgetsError(f"the latest decision is for item {target.item_key}, not in this DataFrame.")
            if target.action != REVISED and self.revealed(row):
                raise InputError(
                    f"your answer to item {self.rank_of(row) + 1} has been checked against the answer key, so it "
                    "cannot be undone: press the label you want on it instead (recorded as a revision; your score "
                    "keeps your first answer)."
                )
            event = Decision(
                item_key=target.item_key,
                action=UNDO,
                annotator=self.annotator,
                decided_at=utc_now(),
                label=target.label,
                undoes=target.id,
                text_hash=target.text_hash,
                session_id=self.session_id,
                client_id=client_id,
                client_seq=client_seq,
            )
            event = self._record(row, event)
            self._move(self.rank_of(row))
            self._placed = True  # undo shows the item it reverted: answering it again is deliberate
        self._notify(event)
        return event

    def undo_target(self) -> int | None:
        """The position an undo would revert now (this annotator's latest decision), or None.

        The one definition of what undo means: a key, a button, Python and every view of this session agree.
        """
        with self._lock:
            target = self._fold.latest()
            row = None if target is None else self.row_of_key(target.item_key)
            return None if row is None else self.rank_of(row)

    def _record(self, row: int, event: Decision) -> Decision:
        """Store ``event``, then fold it in and show the item's effective decision in the DataFrame."""
        try:
            event = event.with_id(self.store.append(event))
        except Exception:
            log.exception("could not save a %s decision to %s", event.action, self.store.description)
            raise
        before, after = self._fold.apply(event)
        self._decided[row] = after is not None
        self._results.write(row, after)
        if event.client_id is not None and event.client_seq is not None:
            self._by_client[(event.client_id, event.client_seq)] = event
        for callback in list(self._change_listeners):
            try:
                callback(event, before, after)
            except Exception as exc:
                self.report_error(f"on_change callback {getattr(callback, '__name__', callback)!r} failed: {exc!r}")
        return event

    def goto(self, rank: int) -> None:
        with self._lock:
            self._move(self._check_rank(rank))
            self._placed = True  # the person chose this item: deciding it again is a review, not a mistake

    def _move(self, rank: int) -> None:
        if self._queue is not None and not self._moving:
            rank = self._claim_from(rank)
        if rank != self.cursor:
            self._shown_at = time.monotonic()
        self.cursor = rank
        self._prefetch_around(rank)

    def _claim_from(self, rank: int) -> int:
        """In a team: the first open item from ``rank`` on that this annotator gets to claim (else ``rank``)."""
        self._moving = True
        try:
            start = rank
            for _ in range(50):  # each refusal closes that item; give up on claiming after a few dozen
                if self.is_decided(rank) or self.reserve([rank]):
                    return rank
                following = self.next_undecided(rank)
                if following is None:
                    return rank
                rank = following
            return start
        finally:
            self._moving = False

    def _check_rank(self, rank: int) -> int:
        if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)):
            raise InputError(f"position must be an integer, got {rank!r}.")
        rank = int(rank)
        if rank < 0:
            rank += self.n
        if not 0 <= rank < self.n:
            raise InputError(f"position {rank} is out of range; there are {self.n} items (0 to {self.n - 1}).")
        return rank

    def _row_of_item(self, key: Any) -> int:
        try:
            location = self.keys.get_loc(key)
        except (KeyError, TypeError, pd.errors.InvalidIndexError):
            location = None
        if not isinstance(location, (int, np.integer)):
            where = "index" if self.key_column is None else f"key column {self.key_column!r}"
            raise InputError(f"{shown_key(key)} is not an item of this labeler: no row has that value in the {where}.")
        return int(location)

    def _action_for(self, intent: str, label: str | None, suggestion: Suggestion | None, visible: bool) -> str:
        if intent == "skip":
            return "skipped"
        if intent in ("accept", "reject", "correct") and suggestion is None:
            raise InputError(
                f"there is no suggestion for this item to {intent}"
                + ("" if self.prefetcher is not None else " (no suggester is attached)")
                + "; use label('...') or skip()."
            )
        if intent == "accept":
            return "accepted"
        if intent == "reject":
            return "rejected"
        if label is None:
            raise InputError(
                f"{intent}() needs a label, one of {self.labels.names}"
                + ("." if self.kind.answers_are_text else ", or a list of them ([] for none of these).")
            )
        if suggestion is None or not visible:
            return "labeled"
        return "accepted" if label == suggestion.label else "corrected"

    def _notify(self, event: Decision) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception as exc:
                self.report_error(f"on_decision callback {getattr(callback, '__name__', callback)!r} failed: {exc!r}")

    def report_error(self, message: str) -> None:
        if message in self.errors:
            return
        self.errors.append(message)
        log.warning("%s", message)
        for callback in list(self._error_listeners):
            callback(message)

    # ----- restore ---------------------------------------------------------------------
    def _restore(self, replace_results: bool) -> None:
        """Fold this annotator's stored events and write the effective decisions into the DataFrame, vectorised."""
        # The cyclic garbage collector paused: a restore makes hundreds of thousands of objects without cycles (the
        # rows read, lists of labels), and each few hundred of them would start a collection; a full one walks every
        # object alive, such as the lists of an earlier Labeler's DataFrame (0.04-0.1 s at 200,000 sets).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._restore_events(replace_results)
        finally:
            if collecting:
                gc.enable()

    def _restore_events(self, replace_results: bool) -> None:
        started = time.perf_counter()
        # Only what the fold and the result columns need, for every event; the rest is read for the few events
        # that become Decision objects (a window of items, an undo, a revision).
        complete: Callable[[Sequence[int]], pd.DataFrame] | None = self._read_events
        try:
            events = self.store.events_frame(annotator=self.annotator, columns=RESTORE_FIELDS)
        except TypeError:  # a store of the older protocol: every column, read once
            events, complete = self.store.events_frame(annotator=self.annotator), None
        rows = np.zeros(0, dtype=np.int64)
        effective = None
        if len(events):
            self._fold = EventFold.from_frame(events, complete=complete)
            keys = self._fold.item_keys
            row_of_code = self.rows_of_keys(keys.to_numpy(dtype=object))
            orphan_keys = keys[row_of_code < 0]
            if len(orphan_keys):
                self._orphans = events[events["item_key"].isin(orphan_keys)]
                self._fold.drop(orphan_keys)
            effective = self._fold.effective_frame(with_codes=True).assign(annotator=self.annotator)
            rows = row_of_code[effective["item_code"].to_numpy()]
            stale = self._stale_mask(rows, effective["text_hash"].to_numpy(dtype=object))
            if stale.any():
                # The text changed since this decision: do not trust it; show the item again.
                self.stale = FrameDecisions(effective[stale], rows[stale], complete=complete)
                self._fold.drop(effective["item_key"][stale])
                effective, rows = effective[~stale], rows[~stale]
        self._decided[rows] = True
        self._attach_results(rows, effective, replace_results)
        seconds = time.perf_counter() - started
        if len(events):
            log.info(
                "restored %d decisions (%d events) of %r from %s in %.2f s",
                len(rows), len(events), self.annotator, self.store.description, seconds,
            )  # fmt: skip
        self._explain_restore(len(rows))

    def _explain_restore(self, restored: int) -> None:
        """Say what the store holds that this session did not take, in the terms a person would use."""
        where = self.store.description
        n_stale, n_orphans = len(self.stale), len(set(self._orphans["item_key"])) if len(self._orphans) else 0
        elsewhere = n_stale + n_orphans
        if elsewhere and elsewhere >= max(3, restored):
            # Most of what this annotator labeled in the store does not match this DataFrame: another dataset
            # labeled into the same (default) store, not a few edited texts.
            warnings.warn(
                f"the store {where!r} holds decisions by {self.annotator!r} for {elsewhere + restored} item(s), and "
                f"{elsewhere} of them do not match this DataFrame ({n_stale} with other text under the same key, "
                f"{n_orphans} with keys not in it): this looks like another dataset labeled into the same store. "
                f"Give each dataset its own store, for example store='my-dataset.db'. Nothing was restored for "
                f"those items; they stay in the store (see labeler.stale).",
                stacklevel=user_stacklevel(),
            )
        else:
            if n_stale:
                warnings.warn(
                    f"{n_stale} item(s) changed text since they were labeled; their old decisions are not "
                    f"restored and they are shown again for review (see labeler.stale).",
                    stacklevel=user_stacklevel(),
                )
            if n_orphans:
                orphan_list = sorted(set(self._orphans["item_key"]))
                warnings.warn(
                    f"the store holds decisions for {n_orphans} item key(s) that are not in this DataFrame "
                    f"(for example {orphan_list[:3]}); they are kept in the store and ignored here.",
                    stacklevel=user_stacklevel(),
                )
        if restored or elsewhere:
            return
        by_annotator = getattr(self.store, "decisions_by_annotator", None)
        others = {a: n for a, n in (by_annotator() if callable(by_annotator) else {}).items() if a != self.annotator}
        if others and not (self.gate is not None and self.gate.shares_store):  # e.g. a class store: expected
            shown = ", ".join(f"{n} by {a!r}" for a, n in sorted(others.items(), key=lambda x: -x[1])[:4])
            first = max(others, key=lambda a: others[a])
            warnings.warn(
                f"the store {where!r} holds decisions ({shown}) but none by {self.annotator!r}"
                f"{' (your OS user name, the default annotator)' if self.annotator_is_default else ''}, so none "
                f"were restored: decisions are kept per annotator. Pass annotator={first!r} to continue that "
                f"work, or keep {self.annotator!r} to label on your own.",
                stacklevel=user_stacklevel(),
            )

    def _read_events(self, ids: Sequence[int]) -> pd.DataFrame:
        return self.store.events_frame(ids=ids)

    def _stale_mask(self, rows: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        if self.text_column is None:  # images alone: no text to have changed
            return np.zeros(len(rows), dtype=bool)
        texts = self.df[self.text_column].to_numpy(dtype=object)[rows]
        # The one Python loop of a restore (about 1 µs a text): SHA-256 has no vectorised form in NumPy.
        current = text_hashes([t if type(t) is str else _as_text(t) for t in texts])
        stored = pd.Series(hashes, dtype=object)
        return (stored.notna() & (stored != pd.Series(current, dtype=object))).to_numpy(dtype=bool)

    def _attach_results(self, rows: np.ndarray, effective: pd.DataFrame | None, replace_results: bool) -> None:
        """Create the result columns; keep values an earlier Labeler with another store or annotator wrote."""
        source = {"store": self._store_id, "annotator": self.annotator, "durable": bool(self.store.durable)}
        previous = self._results.previous_source() or {}
        keep = False
        count = 0
        if previous and previous != source:  # an earlier Labeler wrote here: which rows it decided
            others = self._results.existing()
            others[rows] = False
            count = int(others.sum())
        if count:
            if replace_results:
                log.info("replace_results=True: cleared %d earlier result(s) in the DataFrame", count)
            elif not previous.get("durable", True) and not self.store.durable:
                warnings.warn(
                    f"the {count} decision(s) in this DataFrame's result columns were kept in memory only "
                    f"(store=None) by an earlier Labeler; this Labeler starts a new memory store and replaces them. "
                    f"Pass store='labels.db' to keep decisions across re-runs.",
                    stacklevel=user_stacklevel(),
                )
            else:
                keep = True
                who = f"annotator {previous.get('annotator')!r}" if previous.get("store") == source["store"] else (
                    "another store" + ("" if previous.get("annotator") == self.annotator else " and annotator")
                )  # fmt: skip
                warnings.warn(
                    f"this DataFrame's result columns hold {count} decision(s) written by {who}; they are kept "
                    f"(rows you decide now are overwritten). Pass replace_results=True to clear them.",
                    stacklevel=user_stacklevel(),
                )
        self._results.attach(rows, effective, keep=keep, source=source, blank_shared=self._defer_blank_copies)

    def settle_results(self) -> None:
        """Give each result column still sharing a blank array its own copy (see ``defer_blank_copies``).

        Also after `close`: the columns stay in the person's DataFrame, and each should own its values.
        """
        with self._lock:
            self._results.settle()

    def rows_of_keys(self, encoded: np.ndarray) -> np.ndarray:
        """The row of each encoded item key, -1 for a key not in the DataFrame; one JSON parse for all keys."""

        def one_by_one() -> np.ndarray:
            return np.array([-1 if (r := self.row_of_key(k)) is None else r for k in encoded], dtype=np.int64)

        if len(encoded) == 0 or isinstance(self.keys, pd.MultiIndex):
            return one_by_one()
        try:
            values = json.loads("[" + ",".join(encoded) + "]")
        except (TypeError, ValueError):
            values = None
        if values is None or len(values) != len(encoded):  # a key that is not one JSON value: look each one up
            return one_by_one()
        # Tuples, timestamps and dates are JSON objects; decode_key knows them.
        values = [decode_key(k) if isinstance(v, dict) else v for k, v in zip(encoded, values, strict=True)]
        try:
            return np.asarray(self.keys.get_indexer(pd.Index(values, dtype=object, tupleize_cols=False)), np.int64)
        except (TypeError, ValueError):
            return one_by_one()

    def row_of_key(self, encoded: str) -> int | None:
        try:
            location = self.keys.get_loc(decode_key(encoded))
        except (KeyError, TypeError, ValueError, pd.errors.InvalidIndexError):
            return None
        return int(location) if isinstance(location, (int, np.integer)) else None

    @property
    def orphans(self) -> list[Decision]:
        """Stored decisions of this annotator for items that are not in this DataFrame (kept, ignored here)."""
        return FrameDecisions(self._orphans, range(len(self._orphans)), complete=self._read_events).values_list()

    # ----- suggestions -----------------------------------------------------------------
    def _prefetch_around(self, rank: int) -> None:
        if self.prefetcher is None or self.prefetch_count == 0:
            return
        ranks = [rank, *self.upcoming(rank, self.prefetch_count)]
        self.prefetcher.request((self.row_at(r) for r in ranks), follow=True)

    def prefetch_ranks(self, ranks: Iterable[int]) -> None:
        """Fetch the suggestions of these ranks now; queued requests for other items are dropped."""
        if self.prefetcher is not None:
            self.prefetcher.request((self.row_at(r) for r in ranks), follow=True)

    # ----- a suggester that learns from the person (see suggesters/feed.py) ----------------
    @property
    def suggester_status(self) -> str | None:
        """What a suggester that learns says about itself ("learned from 12 labels"); None for the others."""
        status = getattr(self.suggester, "status", None) if isinstance(self.suggester, Updates) else None
        return status if isinstance(status, str) else None

    def on_suggester_update(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` (from the suggester's thread) when the suggester has learned: its status changed."""
        if self.learner_feed is not None:
            self.learner_feed.on_update(callback)

    def refresh_suggestions_ahead(self) -> None:
        """Ask again for the suggestions of the undecided items ahead of the cursor (the suggester changed)."""
        prefetcher = getattr(self, "prefetcher", None)  # a learner may update before this session is fully made
        if self._closed or prefetcher is None or self.prefetch_count <= 0 or not hasattr(self, "cursor"):
            return
        # Read without the session's lock: a learner may call this while a decision (holding the lock) waits
        # to teach it; a cursor that moves meanwhile only means one more refresh at the next update.
        cursor = self.cursor
        ranks = [cursor, *self.upcoming(cursor, self.prefetch_count)]
        prefetcher.refresh([self.row_at(r) for r in ranks if not self.is_decided(r)])

    def _suggestion_ready(self, row: int, suggestion: Suggestion) -> None:
        with self._totals_lock:
            totals = self._suggestion_totals
            totals["count"] += 1
            totals["invalid"] += 0 if suggestion.valid else 1
            totals["cost"] += suggestion.cost or 0.0
            totals["input_tokens"] += suggestion.input_tokens or 0
            totals["output_tokens"] += suggestion.output_tokens or 0
        for callback in list(self._suggestion_listeners):
            callback(row, suggestion)

    # ----- summaries -------------------------------------------------------------------
    @property
    def counts(self) -> dict[str, int]:
        """How many items have each action as their effective decision (a revision replaces, never adds)."""
        return self._fold.counts

    @property
    def n_decided(self) -> int:
        return len(self._fold)

    def stats(self) -> dict[str, Any]:
        suggester_status = self.suggester_status  # outside this lock: a learner takes its own
        with self._lock:
            return {
                "items": self.n,
                "decided": self.n_decided,
                "remaining": self.open_count(),
                **dict(self.counts),
                "annotator": self.annotator,
                "store": self.store.description,
                "durable": self.store.durable,
                "stale": len(self.stale),
                "orphans": len(self._orphans),
                "errors": len(self.errors),
                "suggestions": dict(self._suggestion_totals),
                "suggestion_waits": len(self.waits),
                "suggester_status": suggester_status,  # a learner's "learned from 40 labels", stopping signal included
                "closed": self._closed,
            }

    # ----- lifecycle -------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, reason: str = "closed with close()") -> None:
        """Stop suggestion threads, release the store (if this session opened it) and refuse further decisions.

        Safe to call more than once. The DataFrame keeps every result written so far.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._close_reason = reason
        if self.prefetcher is not None:
            self.prefetcher.close()
        registry.unregister(self, self.df, self._store_id, self.annotator)
        if self._owns_store:
            try:
                self.store.close()
            except Exception:
                log.exception("closing the store %s failed", self.store.description)
        for callback in list(self._close_listeners):
            try:
                callback(reason)
            except Exception:
                log.exception("an on_close callback failed")
        self._listeners.clear()
        self._change_listeners.clear()
        self._suggestion_listeners.clear()
        if self.learner_feed is not None:
            self.learner_feed.close()
        self._availability_listeners.clear()
        self._error_listeners.clear()
        self._close_listeners.clear()
        log.info("closed the labeling session of %r on %s: %s", self.annotator, self.store.description, reason)

    def _check_open(self) -> None:
        if self._closed:
            raise ClosedError(
                f"this labeler is closed ({self._close_reason}) and records no more decisions; "
                f"use the newest Labeler, or create a new one."
            )

    def _take_over(self) -> None:
        """Close the live session on the same DataFrame (with a warning) and on the same store and annotator."""
        by_frame, by_store = registry.live_on(self.df, self._store_id, self.annotator)
        if by_frame is not None:
            warnings.warn(
                "another Labeler was live on this DataFrame; it has been closed, so that only one labeler writes "
                "into it (its widget now refuses decisions). Keep using this new one.",
                stacklevel=user_stacklevel(),
            )
            by_frame.close("a newer Labeler was created on the same DataFrame")
        if by_store is not None and by_store is not by_frame:
            by_store.close(f"a newer Labeler was created on the same store for annotator {self.annotator!r}")

    def _register(self) -> None:
        registry.register(self, self.df, self._store_id, self.annotator)


def _as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if is_missing(value):
        return None
    return str(value)


def _item_keys(df: pd.DataFrame, key: str | None) -> pd.Index:
    if key is None:
        keys = df.index
        where = "the DataFrame index"
        fix = "pass key='<column with unique ids>' or call df.reset_index() first"
    else:
        if key not in df.columns:
            raise InputError(f"key={key!r} is not a column; the DataFrame has the columns {list(df.columns)}.")
        keys = pd.Index(df[key])
        where = f"the key column {key!r}"
        fix = "make the values unique or choose another key column"
    # a MultiIndex has no hasnans (pandas' isna is not defined for it): a key is missing if any level's part is
    missing = keys.to_frame().isna().to_numpy().any() if isinstance(keys, pd.MultiIndex) else keys.hasnans
    if missing:
        raise InputError(f"{where} has missing values; every item needs a key. {fix[0].upper() + fix[1:]}.")
    if not keys.is_unique:
        repeated = keys[keys.duplicated()].unique()[:5].tolist()
        raise InputError(f"{where} has duplicate values (for example {repeated}); every item needs its own key: {fix}.")
    return keys


def _default_annotator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database in some containers
        return "annotator"
