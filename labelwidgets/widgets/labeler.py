"""The anywidget view of a labeling session. Thin: it translates messages to session calls.

Only a window of items travels to the browser: the first one with the widget's initial state
(so the first item paints without a round trip), later ones on request as custom messages; the
synced traits stay small whatever the size of the DataFrame.

Every message and trait change leaves from the kernel thread that serves the widget: suggestions arrive
on worker threads, and what they change is handed to that thread's event loop (`OnKernelThread`).

Messages (custom, JSON). Browser -> kernel:
  window {rank, request, client}                         items around ``rank`` and the next open ones
  decide {client, seq, rank, intent, label, then, ...}   ``then``: where the view went next (the cursor follows)
  undo   {client, seq}                                   reverts the session's latest decision, like Python's
  text   {client, rank}                                  the whole text of a long item
  image  {ranks}                                         the images of these items (the one shown, the next ones)
Kernel -> browser:
  window {client, request, anchor, items, upcoming, through, first_undecided, undo_target, version}
  item   {item, client, seq, event, action, undo_target} after every decision and undo, whoever made it
  ack    {client, seq, ok, event, action | undone, undo_target, error}
  suggestion {rank, status, suggestion};  text {client, rank, text, length};  notice {client, message}
  image  {rank, mime, width, height, note | error}, the downscaled image's bytes in the one binary buffer
Traits: labels, n_items, position, config (with a per-widget ``id``), status (counts, session errors,
``undo_target``, ``version``, ``closed``) and ``window``, the first window, sent with the initial state.
"""

from __future__ import annotations

import contextlib
import math
import threading
import uuid
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from labelwidgets.decision import ACTIONS, Decision
from labelwidgets.errors import LabelwidgetsError, StoreUnreachable
from labelwidgets.hosts import cell_loop
from labelwidgets.images import ImageColumn, ImageProblem
from labelwidgets.keymap import keymap_json
from labelwidgets.labels import LabelSet
from labelwidgets.session.session import LabelingSession
from labelwidgets.suggesters.base import Suggestion
from labelwidgets.teaching.lesson import Lesson
from labelwidgets.widgets.assets import module_source, style_source

PREVIEW_CHARS = 4000  # longer texts show this much first, with an expander
FULL_TEXT_LIMIT = 2_000_000  # beyond this even "show all" stops, so the page never freezes
#: In a team, how many items after the one shown a view claims: enough that fast keys rarely outrun the claims,
#: few enough that an open view does not hold back much of the others' work.
CLAIM_AHEAD = 2
WINDOW_AHEAD = 24
#: Undecided items after the first one in the window sent with the widget's state (see `__init__`).
FIRST_WINDOW_AHEAD = 4
FIELD_CHARS = 300
#: Threads that open and downscale images: two keep the next image ahead of a person's keys on a 2-core machine.
IMAGE_WORKERS = 2
#: Open items after the one shown whose images the view asks for and decodes ahead: a buffer of 8 absorbs a
#: person's bursts of fast keys while the kernel catches up.
IMAGES_AHEAD = 8


class OnKernelThread:
    """Run callables on the kernel thread that talks to the browser for this widget, one at a time, in order.

    ipykernel delivers a widget's messages on one thread: the main one, or (JupyterLab 4 with ipykernel 7)
    the thread of a subshell the front end opens for widget traffic, so that widgets answer while a cell
    runs. Traitlets and ipywidgets are not safe to use from two threads at once, so everything the widget
    sends or syncs goes through that same thread: a call made there runs at once; one made elsewhere (a
    suggestion arriving on a prefetch worker, Python code in a cell while a subshell serves the widget) is
    handed to that thread's event loop. `follow` is called with each message, so the widget always uses the
    thread that delivered the latest one. marimo delivers them on the thread that runs the cells, whose asyncio loop
    takes the calls. Without a notebook (plain Python, tests) calls run where they are made.
    """

    def __init__(self, loop: Any = None, thread: int | None = None):
        self.fallback = _kernel_loop()  # the main thread's io_loop: always there while the kernel lives
        if loop is None and self.fallback is not None:
            loop = _running_loop() or self.fallback
        self.loop = loop
        self.thread = threading.get_ident() if thread is None else thread

    def follow(self) -> None:
        """Make the calling thread (which is delivering a message of this widget) the one calls are run on."""
        if self.loop is None:
            return
        loop = _running_loop()
        if loop is not None:
            self.loop, self.thread = loop, threading.get_ident()

    def __call__(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.loop is None or threading.get_ident() == self.thread:
            fn(*args)
        else:
            self._hand_over(fn, args)

    def _hand_over(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        loop = self.loop
        if hasattr(loop, "is_running") and not loop.is_running() and self.fallback is not None:
            loop = self.fallback  # that thread's loop has stopped (its subshell was closed)
            self.loop, self.thread = loop, threading.main_thread().ident or 0
        schedule = getattr(loop, "call_soon_threadsafe", None) or loop.add_callback
        schedule(self._arrive, fn, args)

    def _arrive(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if threading.get_ident() == self.thread:
            fn(*args)
        else:  # the widget moved to another thread meanwhile: follow it
            self._hand_over(fn, args)


def _running_loop() -> Any:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _kernel_loop() -> Any:
    """The loop of the thread that runs the cells (Jupyter's io_loop, marimo's asyncio loop), or None."""
    return cell_loop()


class LabelerWidget(anywidget.AnyWidget):
    _esm = module_source("labeler.js")
    _css = style_source("labeler.css", "spans/spans.css")

    labels = traitlets.List(traitlets.Dict()).tag(sync=True)
    n_items = traitlets.Int(0).tag(sync=True)
    position = traitlets.Int(0).tag(sync=True)
    status = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    # The window around the first item, sent with the initial state; a view uses it only while its
    # `version` equals the status' (no decision since), and asks for a fresh window either way.
    window = traitlets.Dict().tag(sync=True)

    def __init__(self, session: LabelingSession, lesson: Lesson | None = None, **kwargs: Any):
        self._session = session
        self._lesson = lesson
        self._version = 0  # decisions and undos seen; the status carries it
        self._item_errors: set[str] = set()  # errors about one item's suggestion, shown with that item
        self._on_kernel = OnKernelThread()
        self._status_queued = False
        self._closed: str | None = None  # why the session closed, once it has
        self._image_pool: Any = None  # threads that open and downscale images (image=), made on first request
        self._live = False  # until the comm is open, suggestions are only noted (the view asks for them anyway)
        session.on_suggestion(self._on_suggestion)
        # The first window is small: it is made in the cell that shows the widget and travels in its state, and
        # the view asks for a full one (WINDOW_AHEAD) as soon as it has painted the first item.
        window = self._window(session.cursor, ahead=FIRST_WINDOW_AHEAD)
        for item in window["items"]:  # suggestions that arrived before this widget listened
            self._classify(session.suggestion_at(session.row_at(item["rank"])))
        super().__init__(
            labels=session.labels.to_json(),
            n_items=session.n,
            position=session.cursor,
            config={
                "id": uuid.uuid4().hex,
                "kind": session.kind.name,
                # every key the widget acts on, from the one definition in Python (labelwidgets/keymap.py)
                "keymap": keymap_json(session.kind.name),
                # the keys inside the text, for kinds that edit in it (spans); [] for the others
                "edit_keymap": keymap_json(session.kind.name, editing=True),
                # spans: whether two spans of one answer may overlap (the view refuses such an edit otherwise)
                "overlap": bool(getattr(session.kind, "overlap", False)),
                "show": session.show,
                "images": session.images is not None,  # image=: the view shows each item's image (labeler/image.js)
                "images_ahead": IMAGES_AHEAD,
                "guidelines": session.guidelines or "",
                "has_suggester": session.suggester is not None,
                "suggester": getattr(session.suggester, "name", None),
                "preview_chars": PREVIEW_CHARS,
                "window_ahead": WINDOW_AHEAD,
                # the feedback mode only: the gold labels stay in Python until each answer is in
                "teaching": None if lesson is None else {"feedback": lesson.feedback},
            },
            status=self._status(),
            window=window,
            **kwargs,
        )
        # Decisions and undos from each browser view carry sequence numbers 1, 2, 3, ...; they are applied in
        # that order even if they arrive out of order, and a message re-sent after a reconnect is applied once.
        self._next_seq: dict[str, int] = {}
        self._held: dict[str, dict[int, dict[str, Any]]] = {}
        self._order_lock = threading.RLock()
        self.on_msg(self._on_message)
        self.observe(self._on_position, names="position")
        session.on_decision(lambda event: self._on_kernel(self._on_decision, event))
        session.on_error(lambda message: self._queue_status())
        session.on_suggester_update(self._queue_status)  # "learned from N labels" follows the learner
        session.on_availability(lambda: self._on_kernel(self._availability_changed))
        if hasattr(session, "on_close"):
            session.on_close(self._on_close)
        self._live = True
        # The first image is opened while the widget is being shown, before the view asks for it. Only the first:
        # the pool takes requests in order, and the view's request for it must not wait behind the next ones.
        self._send_images([self._session.cursor], send=False)
        if self._status() != self.status:  # an error or a suggestion arrived while this widget was being made
            self._queue_status()

    def __repr__(self) -> str:
        return f"LabelerWidget(n_items={self.n_items}, labels={[x['name'] for x in self.labels]})"

    # ----- browser -> session ---------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        self._on_kernel.follow()
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
            # seq < expected is a re-send: the session answers it from what it did, and the view has moved on
            self._handle(content, resent=seq < expected)
            if seq == expected:
                expected += 1
                held = self._held.get(client, {})
                while expected in held:
                    self._handle(held.pop(expected))
                    expected += 1
                self._next_seq[client] = expected

    def _handle(self, content: dict[str, Any], *, resent: bool = False) -> None:
        kind = content.get("type")
        client = content.get("client")
        try:
            if kind == "window":
                self._send_window(int(content["rank"]), content.get("request"), client)
            elif kind == "decide":
                self._decide(content, resent=resent)
            elif kind == "undo":
                self._undo(content)
            elif kind == "text":
                self._send_full_text(int(content["rank"]), client)
            elif kind == "image":
                self._send_images([int(r) for r in content.get("ranks", [])])
        except Exception as exc:  # never let one bad message kill the comm
            message = str(exc) if isinstance(exc, LabelwidgetsError) else f"{type(exc).__name__}: {exc}"
            # A store that cannot be reached for now: the view keeps the decision and sends it again until it is
            # stored (the session applies each (client, seq) once); any other failure is final for that action.
            retry = isinstance(exc, StoreUnreachable) and kind in ("decide", "undo")
            self.send(
                {"type": "ack", "client": client, "seq": content.get("seq"), "ok": False, "error": message,
                 "retry": retry}
            )  # fmt: skip
            if not isinstance(exc, LabelwidgetsError):
                self._session.report_error(message)

    def _decide(self, content: dict[str, Any], *, resent: bool = False) -> None:
        session = self._session
        event = session.decide(
            content["intent"],
            content.get("label"),
            rank=int(content["rank"]),
            note=content.get("note") or None,
            seconds=content.get("seconds"),
            suggestion_visible=content.get("suggestion_visible"),
            client_id=str(content["client"]),
            client_seq=int(content["seq"]),
            advance=False,  # the browser has moved on already and says where: `then`
            shown=_shown(content.get("shown"), session.labels, session.text_at(session.row_at(int(content["rank"])))),
        )
        then = content.get("then")
        if not resent and isinstance(then, int) and 0 <= then < session.n and then != session.cursor:
            # The cursor moves with the decision, not with the `position` message after it, which may be handled
            # later: once the view shows "Saved", Python's own actions start where the view is.
            session.goto(then)
            self._if_taken(then)
        self.send(
            {
                "type": "ack",
                "client": content["client"],
                "seq": content["seq"],
                "ok": True,
                "event": event.id,
                "action": event.action,
                "undo_target": session.undo_target(),
            }
        )

    def _undo(self, content: dict[str, Any]) -> None:
        session = self._session
        event = session.undo(client_id=str(content["client"]), client_seq=int(content["seq"]))
        row = None if event is None else session.row_of_key(event.item_key)
        self.send(
            {
                "type": "ack",
                "client": content["client"],
                "seq": content["seq"],
                "ok": True,
                "event": event.id if event else None,
                # which item this undo reverted: the view shows that one, whatever it expected
                "undone": None if row is None else session.rank_of(row),
                "undo_target": session.undo_target(),
            }
        )
        if event is None:
            self.send({"type": "notice", "client": content["client"], "message": "Nothing to undo."})

    def _on_position(self, change: dict[str, Any]) -> None:
        if change["new"] != self._session.cursor:
            self._on_kernel.follow()  # a view's move arrives as a state update, on the thread serving this widget
            self._session.goto(change["new"])
            self._if_taken(change["new"])

    def _if_taken(self, wanted: int) -> None:
        """In a team, the item the view went to may be someone else's (they claimed it first): the session moved
        on to the next open one; the view follows, and learns which items are closed."""
        if self._session.cursor != wanted and self._session.queue_status is not None:
            if self._live:
                self.send(self._window(self._session.cursor))
            self._follow_cursor()

    def _window(self, rank: int, request: Any = None, client: Any = None, ahead: int = WINDOW_AHEAD) -> dict[str, Any]:
        """Items around ``rank`` and the next ``ahead`` undecided ones after it.

        Every rank in ``(anchor, through]`` that is not in ``upcoming`` was decided when this was made, and so
        was every rank before ``first_undecided``: the view knows which items are open without asking again.
        """
        session = self._session
        rank = max(0, min(session.n - 1, rank))
        upcoming = session.upcoming(rank, ahead)
        for _ in range(3):  # in a team, the item shown and the next two are claimed; one someone else took is skipped
            near = [rank, *upcoming[:CLAIM_AHEAD]]
            if len(session.reserve(near)) == len(near):
                break
            upcoming = session.upcoming(rank, ahead)
        neighbours = [r for r in range(rank - 2, rank + 3) if 0 <= r < session.n]
        ranks = sorted(set(neighbours) | set(upcoming))
        session.prefetch_ranks([rank, *upcoming[: session.prefetch_count]])
        return {
            "type": "window",
            "client": client,
            "request": request,
            "anchor": rank,
            "items": [self.item_payload(r) for r in ranks],
            "upcoming": upcoming,
            "through": upcoming[-1] if len(upcoming) == ahead else session.n - 1,
            "first_undecided": session.first_undecided(),
            "undo_target": session.undo_target(),
            "version": self._version,
        }

    def _availability_changed(self) -> None:
        """Others took or finished items (a team): every view gets a window without them, and the new counts."""
        if self._live:
            self.send(self._window(self._session.cursor))
        self._push_status()

    def _send_window(self, rank: int, request: Any, client: Any) -> None:
        self.send(self._window(rank, request, client))

    def _send_full_text(self, rank: int, client: Any) -> None:
        text = self._session.text_at(self._session.row_at(rank)) or ""
        self.send({"type": "text", "client": client, "rank": rank, "text": text[:FULL_TEXT_LIMIT], "length": len(text)})

    def _send_images(self, ranks: list[int], *, send: bool = True) -> None:
        """Open, downscale and send these items' images, each as soon as it is ready, off the kernel's thread (a
        4 MB photo takes tens of milliseconds to open: the keys and decisions of the view must not wait for it).
        ``send=False`` only opens them into the cache, for a view that will ask soon (the first ones)."""
        images = self._session.images
        if images is None:
            return
        if self._image_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._image_pool = ThreadPoolExecutor(IMAGE_WORKERS, thread_name_prefix="labelwidgets-images")
        for rank in ranks:
            if 0 <= rank < self._session.n:
                self._image_pool.submit(self._send_image if send else self._open_image, images, rank)

    def _open_image(self, images: ImageColumn, rank: int) -> None:
        with contextlib.suppress(ImageProblem):  # said when the view asks for it
            images.picture(self._session.row_at(rank))

    def _send_image(self, images: ImageColumn, rank: int) -> None:
        try:
            picture = images.picture(self._session.row_at(rank))
        except ImageProblem as problem:
            self._on_kernel(self.send, {"type": "image", "rank": rank, "error": str(problem)})
            return
        message = {"type": "image", "rank": rank, "mime": picture.mime, "width": picture.width,
                   "height": picture.height, "note": picture.note}  # fmt: skip
        self._on_kernel(self.send, message, [picture.data])

    # ----- session -> browser (always on the kernel's thread) ---------------------------
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
        payload = {
            "rank": rank,
            "key": session.key_at(row),
            "text": None if text is None else text[: self._shown_chars(text, decision, stale, row)],
            "length": 0 if text is None else len(text),
            "fields": fields,
            # what the item shows besides its text, as its kind lays it out for this person (a pair's two outputs)
            "view": session.item_view(row),
            # where its image comes from (image=): its URL, or the kernel when the view asks; None without images
            "image": session.image_at(row),
            "decision": _decision_json(decision, session.labels),
            "stale": _decision_json(stale, session.labels),
            "suggestion_status": "hidden" if session.is_blind(row) else session.suggestion_status(row),
            "suggestion": None
            if session.is_blind(row)
            else _suggestion_json(session.suggestion_at(row), session.labels),
            # None until the student's answer on this item is in (and feedback allows): see LabelingSession.revealed
            "feedback": None if self._lesson is None else self._lesson.feedback_at(row),
        }
        if session.has_layers:  # others' answers beside the item, one layer each (a team's adjudicator)
            labels = session.labels
            payload["layers"] = [
                {"name": who, "answer": labels.kind.for_view(stored, labels, text=text)}
                for who, stored in session.layers_at(row)
            ]
        return payload

    def _shown_chars(self, text: str, decision: Decision | None, stale: Decision | None, row: int) -> int:
        """How much of ``text`` an item carries: the preview, or (spans) the whole text when a span of its answer or
        suggestion lies past the preview, so that every span shows where it is (offsets are the same in both)."""
        session = self._session
        if len(text) <= PREVIEW_CHARS or session.kind.name != "spans":
            return PREVIEW_CHARS
        suggestion = None if session.is_blind(row) else session.suggestion_at(row)
        stored = [e.label for e in (decision, stale) if e is not None]
        if suggestion is not None:
            stored.append(suggestion.label)
        stored += [answer for _, answer in session.layers_at(row)]  # each member's, beside an adjudicator's item
        ends = [
            int(span[1])
            for label in stored
            if label is not None
            for span in (session.labels.kind.for_view(label, session.labels) or [])
        ]
        return FULL_TEXT_LIMIT if ends and max(ends) > PREVIEW_CHARS else PREVIEW_CHARS

    def _on_decision(self, event: Decision) -> None:
        session = self._session
        self._version += 1

        row = session.row_of_key(event.item_key)
        if row is not None:
            # Every view hears about every decision and undo, with what undo would revert now and which
            # view's message (client, seq) it answers, so each can tell its own unconfirmed actions apart.
            self.send(
                {
                    "type": "item",
                    "item": self.item_payload(session.rank_of(row)),
                    "client": event.client_id,
                    "seq": event.client_seq,
                    "event": event.id,
                    "action": event.action,
                    "undo_target": session.undo_target(),
                }
            )
        self._push_status()
        # A view that decided or undid has moved by itself and says where with `position`; pushing the cursor
        # back to it could only send it to an older item. Python's own actions do move the views.
        if event.client_id is None:
            self._follow_cursor()

    def sync_position(self) -> None:
        """Move the views to the session's cursor (after Python's ``goto``); safe to call from any thread."""
        self._on_kernel(self._follow_cursor)

    def _follow_cursor(self) -> None:
        if self.position != self._session.cursor:
            self.position = self._session.cursor

    def _on_suggestion(self, row: int, suggestion: Suggestion) -> None:
        # Called on a prefetch worker thread.
        if self._classify(suggestion) and self._live and suggestion.error in self._session.errors:
            self._queue_status()  # take it out of the banner
        if not self._live or self._session.is_blind(row):
            return  # a blind item's suggestion never reaches the browser
        message = {
            "type": "suggestion",
            "rank": self._session.rank_of(row),
            "status": "ready" if suggestion.valid else "invalid",
            "suggestion": _suggestion_json(suggestion, self._session.labels),
        }
        self._on_kernel(self.send, message)

    def _on_close(self, reason: str) -> None:
        self._closed = reason or "closed"
        self._on_kernel(self._push_status)

    def _classify(self, suggestion: Suggestion | None) -> bool:
        """Note an error that is about one item's suggestion (the suggester answered, not with a label)."""
        if suggestion is None or suggestion.valid or suggestion.raw is None or not suggestion.error:
            return False
        self._item_errors.add(suggestion.error)
        return True

    def _queue_status(self) -> None:
        """Push the status from the kernel's thread, once for any number of calls queued meanwhile."""
        if self._on_kernel.loop is None or threading.get_ident() == self._on_kernel.thread:
            self._push_status()
        elif not self._status_queued:
            self._status_queued = True
            self._on_kernel(self._push_status)

    def _push_status(self) -> None:
        self._status_queued = False
        self.status = self._status()

    def _status(self) -> dict[str, Any]:
        session = self._session
        stats = session.stats()
        # The banner is for what concerns the whole session (the store, a wrong key or model); an invalid
        # suggestion for one item is shown with that item.
        errors = [e for e in session.errors if e not in self._item_errors]
        return {
            "decided": stats["decided"],
            "counts": {k: stats.get(k, 0) for k in ACTIONS},
            "store": stats["store"],
            "durable": stats["durable"],
            "annotator": stats["annotator"],
            "stale": stats["stale"],
            "errors": errors[-3:],
            "n_errors": len(errors),
            "cost": stats["suggestions"]["cost"],
            "tokens": stats["suggestions"]["input_tokens"] + stats["suggestions"]["output_tokens"],
            "undo_target": session.undo_target(),
            "version": self._version,
            "closed": self._closed,
            "suggester_status": session.suggester_status,
            "team_status": session.queue_status,
            "score": None if self._lesson is None else self._lesson.score_json(),
            "reveal": 0 if self._lesson is None else self._lesson.reveal_version,
        }


def _decision_json(event: Decision | None, labels: LabelSet) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "action": event.action,
        "label": labels.kind.for_view(event.label, labels),
        "annotator": event.annotator,
        "note": event.note,
        "decided_at": event.decided_at.isoformat(),
    }


def _suggestion_json(suggestion: Suggestion | None, labels: LabelSet) -> dict[str, Any] | None:
    if suggestion is None:
        return None
    data = suggestion.to_json()
    keep = ("label", "confidence", "confidence_source", "rationale", "model", "raw", "error", "cached", "probabilities")
    shown = {k: data[k] for k in keep}
    shown["label"] = labels.kind.for_view(suggestion.label, labels)
    return shown


def _missing(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and math.isnan(value)


def _shown(value: Any, labels: LabelSet, text: str | None = None) -> tuple[str | None, str | None] | None:
    """The (label, model) of the suggestion the browser showed with a decision, if it says; the label as stored
    (spans are placed on the item's ``text``)."""
    if not isinstance(value, dict):
        return None
    label, model = value.get("label"), value.get("model")
    stored = None if label is None else labels.kind.suggested(label, labels, text=text)[0]
    return (stored, model if isinstance(model, str) else None)
