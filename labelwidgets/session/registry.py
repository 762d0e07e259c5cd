"""The one live labeling session per DataFrame, and per (store, annotator), in this process.

Re-running a notebook cell makes a new Labeler on the same DataFrame and store; the one it replaces must stop
writing. Weak references, so that a Labeler nobody holds any more is not kept alive by being registered.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Protocol


class Live(Protocol):
    """What the registry needs of a session."""

    @property
    def closed(self) -> bool: ...

    def close(self, reason: str = ...) -> None: ...


_lock = threading.Lock()
_by_frame: dict[int, weakref.ref[Any]] = {}
_by_store: dict[tuple[str, str], weakref.ref[Any]] = {}


def live_on(frame: object, store_id: str, annotator: str) -> tuple[Live | None, Live | None]:
    """The live (not closed) sessions on this DataFrame, and on this store for this annotator."""
    with _lock:
        return _alive(_by_frame.get(id(frame))), _alive(_by_store.get((store_id, annotator)))


def register(session: Live, frame: object, store_id: str, annotator: str) -> None:
    with _lock:
        _by_frame[id(frame)] = weakref.ref(session)
        _by_store[(store_id, annotator)] = weakref.ref(session)


def unregister(session: Live, frame: object, store_id: str, annotator: str) -> None:
    """Forget ``session`` where it is still the one registered (a newer one may have taken its place)."""
    with _lock:
        if _deref(_by_frame.get(id(frame))) is session:
            del _by_frame[id(frame)]
        if _deref(_by_store.get((store_id, annotator))) is session:
            del _by_store[(store_id, annotator)]


def store_identity(store: object) -> str:
    """Which store this is, so that two Labelers on one file or database are known to be on the same store."""
    url = getattr(store, "url", None)
    if isinstance(url, str):
        try:
            import sqlalchemy as sa

            return "url:" + sa.engine.make_url(url).render_as_string(hide_password=False)
        except Exception:
            return "url:" + url
    return f"object:{id(store)}"


def _deref(ref: weakref.ref[Any] | None) -> Any:
    return None if ref is None else ref()


def _alive(ref: weakref.ref[Any] | None) -> Live | None:
    session = _deref(ref)
    return None if session is None or session.closed else session
