"""The anywidget view of a labeling session. Thin: it translates messages to session calls.

Only a window of items travels to the browser, on request, as custom messages; the
synced traits stay small whatever the size of the DataFrame.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import anywidget
import traitlets

from labelwidgets.decision import UNDO, Decision
from labelwidgets.errors import LabelwidgetsError
from labelwidgets.session.session import LabelingSession
from labelwidgets.suggesters.base import Suggestion
from labelwidgets.widgets.display import asset

PREVIEW_CHARS = 4000  # longer texts show this much first, with an expander
FULL_TEXT_LIMIT = 2_000_000  # beyond this even "show all" stops, so the page never freezes
WINDOW_AHEAD = 24
FIELD_CHARS = 300


class LabelerWidget(anywidget.AnyWidget):
    _esm = asset("labeler.js")
    _css = asset("labeler.css")

    labels = traitlets.List(traitlets.Dict()).tag(sync=True)
    n_items = traitlets.Int(0).tag(sync=True)
    position = traitlets.Int(0).tag(sync=True)
    status = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict().tag(sync=True)

    def __init__(self, session: LabelingSession, **kwargs: Any):
        self._session = session
        super().__init__(
            labels=session.labels.to_json(),
            n_items=session.n,
            position=session.cursor,
            config={
                "show": session.show,
                "guidelines": session.guidelines or "",
                "has_suggester": session.suggester is not None,
                "suggester": getattr(session.suggester, "name", None),
                "preview_chars": PREVIEW_CHARS,
                "window_ahead": WINDOW_AHEAD,
            },
            status=self._status(),
            **kwargs,
        )
        # Decisions and undos from each browser view carry sequence numbers 1, 2, 3, ...; they are applied in
        # that order even if they arrive out of order, and a message re-sent after a reconnect is applied once.
        self._next_seq: dict[str, int] = {}
        self._held: dict[str, dict[int, dict[str, Any]]] = {}
        self._order_lock = threading.RLock()
        self.on_msg(self._on_message)
        self.observe(self._on_position, names="position")
        session.on_decision(self._on_decision)
        session.on_suggestion(self._on_suggestion)
        session.on_error(lambda message: self._push_status())

    def __repr__(self) -> str:
        return f"LabelerWidget(n_items={self.n_items}, labels={[x['name'] for x in self.labels]})"

    # ----- browser -> session ---------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("type") in ("decide", "undo") and "client" in content and "seq" in content:
            self._in_sequence(content)
        else:
            self._handle(content)

    def _in_sequence(self, content: dict[str, Any]) -> None:
        client, seq = str(content["client"]), int(content["seq"])
        with self._order_lock:
            expected = self._next_seq.get(client, 1)
            if seq > expected:
                self._held.setdefault(client, {})[seq] = content  # wait for the ones before it
                return
            self._handle(content)  # seq < expected is a re-send: the session answers it from what it did
            if seq == expected:
                expected += 1
                held = self._held.get(client, {})
                while expected in held:
                    self._handle(held.pop(expected))
                    expected += 1
                self._next_seq[client] = expected

    def _handle(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        try:
            if kind == "window":
                self._send_window(int(content["rank"]), content.get("request"))
            elif kind == "decide":
                self._decide(content)
            elif kind == "undo":
                self._undo(content)
            elif kind == "text":
                self._send_full_text(int(content["rank"]))
        except Exception as exc:  # never let one bad message kill the comm
            message = str(exc) if isinstance(exc, LabelwidgetsError) else f"{type(exc).__name__}: {exc}"
            self.send({"type": "ack", "seq": content.get("seq"), "ok": False, "error": message})
            if not isinstance(exc, LabelwidgetsError):
                self._session.report_error(message)

    def _decide(self, content: dict[str, Any]) -> None:
        event = self._session.decide(
            content["intent"],
            content.get("label"),
            rank=int(content["rank"]),
            note=content.get("note") or None,
            seconds=content.get("seconds"),
            suggestion_visible=content.get("suggestion_visible"),
            client_id=str(content["client"]),
            client_seq=int(content["seq"]),
            advance=False,  # the browser has moved on already and says where with `position`
        )
        self.send({"type": "ack", "seq": content["seq"], "ok": True, "event": event.id, "action": event.action})

    def _undo(self, content: dict[str, Any]) -> None:
        event = self._session.undo(client_id=str(content["client"]), client_seq=int(content["seq"]))
        self.send({"type": "ack", "seq": content["seq"], "ok": True, "event": event.id if event else None})
        if event is None:
            self.send({"type": "notice", "message": "Nothing to undo."})

    def _on_position(self, change: dict[str, Any]) -> None:
        if change["new"] != self._session.cursor:
            self._session.goto(change["new"])

    def _send_window(self, rank: int, request: Any) -> None:
        session = self._session
        rank = max(0, min(session.n - 1, rank))
        upcoming = session.upcoming(rank, WINDOW_AHEAD)
        neighbours = [r for r in range(rank - 2, rank + 3) if 0 <= r < session.n]
        ranks = sorted(set(neighbours) | set(upcoming))
        session.prefetch_ranks([rank, *upcoming[: session.prefetch_count]])
        self.send(
            {
                "type": "window",
                "request": request,
                "anchor": rank,
                "items": [self.item_payload(r) for r in ranks],
                "upcoming": upcoming,
                "first_undecided": session.first_undecided(),
            }
        )

    def _send_full_text(self, rank: int) -> None:
        text = self._session.text_at(self._session.row_at(rank)) or ""
        self.send({"type": "text", "rank": rank, "text": text[:FULL_TEXT_LIMIT], "length": len(text)})

    # ----- session -> browser ---------------------------------------------------------
    def item_payload(self, rank: int) -> dict[str, Any]:
        session = self._session
        row = session.row_at(rank)
        text = session.text_at(row)
        decision = session.decision_at(row)
        stale = session.stale.get(row)
        fields = {}
        for column in session.show:
            value = session.df[column].iat[row]
            fields[column] = "" if _missing(value) else str(value)[:FIELD_CHARS]
        return {
            "rank": rank,
            "key": session.key_at(row),
            "text": None if text is None else text[:PREVIEW_CHARS],
            "length": 0 if text is None else len(text),
            "fields": fields,
            "decision": _decision_json(decision),
            "stale": _decision_json(stale),
            "suggestion_status": "hidden" if session.is_blind(row) else session.suggestion_status(row),
            "suggestion": None if session.is_blind(row) else _suggestion_json(session.suggestion_at(row)),
        }

    def _on_decision(self, event: Decision) -> None:
        session = self._session
        row = session.row_of_key(event.item_key)
        if row is not None:
            self.send({"type": "item", "item": self.item_payload(session.rank_of(row))})
        self._push_status()
        # A view that decided has moved on by itself and says where with `position`; pushing the cursor back to
        # it could only send it to an older item. Python's own actions and every undo do move the views.
        if (event.client_id is None or event.action == UNDO) and self.position != session.cursor:
            self.position = session.cursor

    def _on_suggestion(self, row: int, suggestion: Suggestion) -> None:
        if self._session.is_blind(row):
            return  # a blind item's suggestion never reaches the browser
        rank = self._session.rank_of(row)
        self.send(
            {
                "type": "suggestion",
                "rank": rank,
                "status": "ready" if suggestion.valid else "invalid",
                "suggestion": _suggestion_json(suggestion),
            }
        )

    def _push_status(self) -> None:
        self.status = self._status()

    def _status(self) -> dict[str, Any]:
        stats = self._session.stats()
        return {
            "decided": stats["decided"],
            "counts": {k: stats[k] for k in ("labeled", "accepted", "corrected", "rejected", "skipped")},
            "store": stats["store"],
            "durable": stats["durable"],
            "annotator": stats["annotator"],
            "stale": stats["stale"],
            "errors": self._session.errors[-3:],
            "n_errors": len(self._session.errors),
            "cost": stats["suggestions"]["cost"],
            "tokens": stats["suggestions"]["input_tokens"] + stats["suggestions"]["output_tokens"],
        }


def _decision_json(event: Decision | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "action": event.action,
        "label": event.label,
        "annotator": event.annotator,
        "note": event.note,
        "decided_at": event.decided_at.isoformat(),
    }


def _suggestion_json(suggestion: Suggestion | None) -> dict[str, Any] | None:
    if suggestion is None:
        return None
    data = suggestion.to_json()
    keep = ("label", "confidence", "confidence_source", "rationale", "model", "raw", "error", "cached", "probabilities")
    return {k: data[k] for k in keep}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and math.isnan(value)
