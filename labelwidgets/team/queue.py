"""Who labels what in a team: one annotator's queue, following the shared store.

An item is open to an annotator until ``overlap`` other people have labeled it or hold a claim on it (a claim
is taken when the item is about to be shown and expires after ``claim_ttl`` seconds, so a person who walks
away does not hold items forever). Calibration items are open to everyone. With explicit assignments, an item
assigned only to others is not open. The queue learns what others did by polling the store every ``poll``
seconds for events newer than the last it saw (one indexed query), so its cost does not grow with the number
of decisions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from labelwidgets.session.fold import Histories
from labelwidgets.store.enforced import EnforcedStore, is_hidden
from labelwidgets.team.decisions import LABELING_ACTIONS

if TYPE_CHECKING:
    from labelwidgets.session.session import LabelingSession
    from labelwidgets.team.team import Team

log = logging.getLogger("labelwidgets")


class TeamQueue:
    """The items open to ``annotator`` in ``team``, kept current by a polling thread (see the module)."""

    def __init__(self, team: Team, session: LabelingSession, annotator: str):
        self.team = team
        self.session = session
        self.annotator = annotator
        self.keys = np.array([session.key_at(row) for row in range(session.n)], dtype=object)
        self._row_of_key = {key: row for row, key in enumerate(self.keys.tolist())}
        self._lock = threading.Lock()
        self._last_id = 0
        # each (key, annotator)'s events in force (the one rule, one event at a time): (carries a label, the label)
        self._histories = Histories()
        self._labeled_by: dict[str, set[str]] = {}  # key -> annotators with a label in force
        self._said: dict[tuple[str, str], str] = {}  # (key, annotator) -> their label in force
        self._hidden: dict[str, set[str]] = {}  # key -> others whose answer in force a created store hid from me
        self._changed_keys: set[str] = set()
        self._my_claims: dict[int, float] = {}  # row -> when this annotator's claim runs out (monotonic)
        self.complete = 0
        self.in_progress = 0
        self.refresh()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="labelwidgets-team-poll", daemon=True)
        self._thread.start()
        session.on_close(lambda reason: self.stop())

    # ----- what the session asks ------------------------------------------------------------------------
    def reserve(self, rows: Sequence[int]) -> list[int]:
        """Claim the rows about to be shown; the ones someone else got first are closed and left out."""
        team = self.team
        granted, denied = [], []
        now = time.monotonic()
        for row in rows:
            if team.calibration_rows[row]:
                granted.append(row)
                continue
            if self._my_claims.get(row, 0.0) > now + team.claim_ttl / 2:
                granted.append(row)
                continue
            try:
                ok = team.store.try_claim(str(self.keys[row]), self.annotator, overlap=team.overlap, ttl=team.claim_ttl)
            except Exception as exc:  # the store is away: show the item; at worst it gets one label too many
                log.warning("could not claim an item in the team store: %s", exc)
                ok = True
            if ok:
                self._my_claims[row] = now + team.claim_ttl
                granted.append(row)
            else:
                denied.append(row)
        if denied:
            self.refresh()
        return granted

    @property
    def status(self) -> str:
        """The team's progress, for the labeler's header."""
        return f"team: {self.complete:,} of {self.session.n:,} items have {self.team.overlap} labels" + (
            f" · {self.in_progress:,} in progress" if self.in_progress else ""
        )

    # ----- following the store -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read what others did since the last look and close the items that are not this annotator's to do."""
        team = self.team
        with self._lock:
            new = team.store.events_frame(
                after_id=self._last_id, columns=("item_key", "annotator", "action", "label", "undoes")
            )
            if len(new):
                self._fold(new)
                self._last_id = int(new["id"].max())
                if self.team.show_others:
                    self._reveal_answered()
                    self._show_others()
            claims = team.store.claims()
            assigned = team.store.assignments()
            before = self.status
            mask = self._unavailable(claims, assigned)
        self.session.set_unavailable(mask, news=self.status != before)

    def _fold(self, events: pd.DataFrame) -> None:
        adjudicators = self.team.adjudicators
        undoes = pd.to_numeric(events["undoes"], errors="coerce").to_numpy(dtype=float)
        ids = events["id"].to_numpy(dtype=np.int64)
        for i, row in enumerate(events.itertuples(index=False)):
            if row.annotator in adjudicators:
                continue
            labels = row.action in LABELING_ACTIONS and isinstance(row.label, str)
            changed = self._histories.apply(
                int(ids[i]),
                (str(row.item_key), str(row.annotator)),
                str(row.action),
                None if np.isnan(undoes[i]) else int(undoes[i]),
                (labels, str(row.label) if labels else ""),
            )
            if changed is not None:
                self._recount(changed)

    def _recount(self, pair: tuple[str, str]) -> None:
        key, annotator = pair
        current = self._histories.current(pair)
        who = self._labeled_by.setdefault(key, set())
        if current is not None and current[1][0]:
            who.add(annotator)
            self._said[pair] = current[1][1]
        else:
            who.discard(annotator)
            self._said.pop(pair, None)
        if is_hidden(self._said.get(pair)):
            self._hidden.setdefault(key, set()).add(annotator)
        elif key in self._hidden:
            self._hidden[key].discard(annotator)
        self._changed_keys.add(key)

    def _reveal_answered(self) -> None:
        """A created store hides another member's answer to an item until this member has answered it herself
        (``show_others``); once she has, read that item's answers again, which the store now gives. Only the items
        that just changed are looked at, so a refresh costs what is new, not what the store holds."""
        store = self.team.store
        mine = [(key, self._said.get((key, self.annotator))) for key in self._changed_keys if self._hidden.get(key)]
        ready = [key for key, said in mine if said is not None and not is_hidden(said)]
        if not ready or not isinstance(store, EnforcedStore):
            return
        for key in ready:
            for event_id, who, label in store.answers_on(key):
                current = self._histories.current((key, who))
                if current is not None and current[0] == event_id and isinstance(label, str) and not is_hidden(label):
                    # the fold keeps the marker it read; a later change of this pair folds in and reveals again
                    self._said[(key, who)] = label
                    self._hidden[key].discard(who)

    def _show_others(self) -> None:
        """With ``show_others``: write what the others said into this member's items (shown as a field)."""
        from labelwidgets.team.team import OTHERS_COLUMN

        df = self.session.df
        if OTHERS_COLUMN not in df.columns:
            return
        position = cast(int, df.columns.get_loc(OTHERS_COLUMN))
        for key in self._changed_keys:
            row = self._row_of_key.get(key)
            if row is None:
                continue
            said = sorted(
                (who, label)
                for (k, who), label in self._said.items()
                if k == key and who != self.annotator and not is_hidden(label)  # a created store's rules hide it
            )
            labels = self.team.labels
            item = df[self.team.text].iat[row] if labels.kind.about_text else None  # spans are shown with their text
            item_text = item if isinstance(item, str) else None
            shown = ", ".join(f"{who}: {labels.describe(label, text=item_text)}" for who, label in said)
            df.iat[row, position] = shown if said else pd.NA
        self._changed_keys.clear()

    def _unavailable(self, claims: pd.DataFrame, assigned: dict[str, set[str]]) -> np.ndarray:
        team, me = self.team, self.annotator
        n = self.session.n
        busy = np.zeros(n, dtype=np.int64)  # other people who labeled or are labeling each row
        done = np.zeros(n, dtype=np.int64)  # people (anyone) who labeled each row
        others_by_key: dict[str, set[str]] = {key: set(who) for key, who in self._labeled_by.items() if who}
        for key, who in others_by_key.items():
            row = self._row_of_key.get(key)
            if row is not None:
                done[row] = len(who)
        claimed: dict[str, set[str]] = {}
        for key, annotator in zip(claims["item_key"], claims["annotator"], strict=True):
            if annotator != me:
                claimed.setdefault(str(key), set()).add(str(annotator))
        for key in set(others_by_key) | set(claimed):
            row = self._row_of_key.get(key)
            if row is not None:
                busy[row] = len((others_by_key.get(key, set()) | claimed.get(key, set())) - {me})
        closed = busy >= team.overlap
        if assigned:
            mine = np.zeros(n, dtype=bool)
            anyone = np.zeros(n, dtype=bool)
            for annotator, keys in assigned.items():
                rows = [r for r in (self._row_of_key.get(k) for k in keys) if r is not None]
                anyone[rows] = True
                if annotator == me:
                    mine[rows] = True
            closed |= anyone & ~mine
        closed &= ~team.calibration_rows
        self.complete = int((done >= team.overlap).sum())
        self.in_progress = int(
            ((done > 0) & (done < team.overlap)).sum() + sum(1 for k in claimed if k not in others_by_key)
        )
        return closed

    def _poll(self) -> None:
        while not self._stop.wait(self.team.poll):
            try:
                latest = self.team.store.latest_id()
                if latest != self._last_id:
                    self.refresh()
                else:
                    self.refresh_claims()
            except Exception as exc:  # the store is away for a moment: keep the last picture, try again
                log.debug("team poll failed: %r", exc)

    def refresh_claims(self) -> None:
        """Claims come and go without events (someone opened an item, a claim expired): look at them too."""
        with self._lock:
            before = self.status
            mask = self._unavailable(self.team.store.claims(), self.team.store.assignments())
        self.session.set_unavailable(mask, news=self.status != before)

    def stop(self) -> None:
        self._stop.set()

    def release(self, rows: Iterable[int]) -> None:
        for row in rows:
            self._my_claims.pop(row, None)
            try:
                self.team.store.release_claim(str(self.keys[row]), self.annotator)
            except Exception as exc:
                log.debug("could not release a claim: %r", exc)

    def describe(self) -> dict[str, Any]:
        return {"complete": self.complete, "in_progress": self.in_progress, "last_event": self._last_id}
