"""The anywidget view of a `Leaderboard`: the ranking table, the pairwise tests and a disagreement explorer.

Thin, like the labeler's widget: the synced traits hold only the table (one row per suggester) and the pairs;
the items an entry disagrees on travel as custom messages, a window at a time, when the browser asks.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets

from labelwidgets.comparison.scores import METRIC_WORDS
from labelwidgets.errors import LabelwidgetsError
from labelwidgets.widgets.assets import module_source, style_source

if TYPE_CHECKING:
    from labelwidgets.comparison.leaderboard import Leaderboard

WINDOW = 20  # items sent per request while stepping through disagreements
MAX_LISTS = 8  # disagreement lists kept per widget; the browser re-opens an older one if it needs it


class LeaderboardWidget(anywidget.AnyWidget):
    _esm = module_source("leaderboard.js")
    _css = style_source("leaderboard.css", "spans/spans.css")

    labels = traitlets.List(traitlets.Dict()).tag(sync=True)
    entries = traitlets.List(traitlets.Dict()).tag(sync=True)
    pairs = traitlets.List(traitlets.Dict()).tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)

    def __init__(self, board: Leaderboard, **kwargs: Any):
        self._board = board
        # A disagreement list is frozen when opened, so that stepping stays stable while relabels change who
        # disagrees; re-opening the entry gives the current list.
        self._lists: dict[int, np.ndarray] = {}
        self._next_list = 1
        super().__init__(labels=board.labels.to_json(), **self._state(), **kwargs)
        self.on_msg(self._on_message)
        board.on_change(self._refresh)

    def __repr__(self) -> str:
        return f"LeaderboardWidget({len(self.entries)} entries, {self.summary.get('n', 0)} items)"

    # ----- state ---------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        shown = self._board.snapshot()
        entries = []
        for name, row in shown.table.iterrows():
            record = {key: _plain(value) for key, value in row.items()}
            record["tied_with"] = [x for x in str(row["tied_with"]).split(", ") if x]
            entries.append({"name": str(name), **record})
        pairs = [{key: _plain(value) for key, value in row.items()} for row in shown.pairwise.to_dict("records")]
        summary = {
            "n": shown.n,
            "sort_by": shown.sort_by,
            "tie_metric": shown.tie_metric,
            "ci": shown.ci,
            "method": shown.method,
            "excluded": shown.excluded,
            "notes": shown.notes,
            "alt_tests": list(shown.alt_tests),  # can the suggester replace a person (a long table's alt-test)
            "corrections": shown.corrections,
            # the table's quality columns, as the kind of answer ranks them (spans: strict F1, partial F1, ...)
            "metrics": [{"name": m, "words": METRIC_WORDS.get(m, m)} for m in shown.metrics],
            # a label key sets the human answer of one label or a set; spans are edited in the Labeler
            "relabel": not self._board.labels.kind.about_text,
        }
        return {"entries": entries, "pairs": pairs, "summary": summary}

    def _refresh(self) -> None:
        state = self._state()
        with self.hold_sync():
            self.entries = state["entries"]
            self.pairs = state["pairs"]
            self.summary = state["summary"]

    # ----- browser -> board ------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        kind = content.get("type")
        try:
            if kind == "open":
                self._open(content)
            elif kind == "window":
                self._send_window(int(content["list"]), int(content["start"]), content.get("request"))
            elif kind == "relabel":
                self._relabel(content)
        except Exception as exc:  # one bad message must not kill the comm
            message = str(exc) if isinstance(exc, LabelwidgetsError) else f"{type(exc).__name__}: {exc}"
            self.send({"type": "ack", "client": content.get("client"), "seq": content.get("seq"), "ok": False,
                       "error": message, "request": content.get("request")})  # fmt: skip

    def _open(self, content: dict[str, Any]) -> None:
        a = str(content["a"])
        b = content.get("b")
        positions = self._board.disagreement_positions(a, None if b is None else str(b))
        list_id = self._next_list
        self._next_list += 1
        self._lists[list_id] = positions
        for old in sorted(self._lists)[:-MAX_LISTS]:
            del self._lists[old]
        self.send({"type": "list", "request": content.get("request"), "list": list_id, "a": a, "b": b,
                   "count": int(positions.size)})  # fmt: skip
        self._send_window(list_id, 0, content.get("request"))

    def _send_window(self, list_id: int, start: int, request: Any) -> None:
        positions = self._lists.get(list_id)
        if positions is None:
            self.send({"type": "expired", "request": request, "list": list_id})
            return
        start = max(0, min(start, max(0, positions.size - 1)))
        chosen = positions[start : start + WINDOW]
        items = [self._board.item_payload(int(p)) for p in chosen]
        self.send({"type": "window", "request": request, "list": list_id, "start": start, "items": items})

    def _relabel(self, content: dict[str, Any]) -> None:
        position = int(content["position"])
        self._board.relabel_at(position, content["label"])  # a name, or a list of names for sets
        # Python words the outcome: only a change in a durable store may be called saved
        self.send({"type": "ack", "client": content.get("client"), "seq": content.get("seq"), "ok": True,
                   "status": self._board.relabel_status})  # fmt: skip
        # every view may show this item: they all hear about it
        self.send({"type": "item", "item": self._board.item_payload(position)})


def _plain(value: Any) -> Any:
    """A JSON-safe scalar: NaN becomes None, NumPy numbers become Python numbers."""
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if value is None:
        return None
    return value if isinstance(value, (int, str)) else str(value)
