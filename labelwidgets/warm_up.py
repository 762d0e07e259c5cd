"""Importing, in a background thread, what the first Labeler needs, while the person is still typing.

In a fresh kernel the cell that shows the first Labeler would otherwise pay for importing SQLAlchemy, anywidget
and the labeler's own modules (about 0.4 s on two shared cores, four times the time to paint the item), which
is why ``import labelwidgets`` alone stays light and this runs only in a notebook: a Jupyter kernel or a marimo
notebook (`labelwidgets.hosts`). ``LABELWIDGETS_WARM_UP=0`` turns it off.

A second thread importing modules that the kernel's own thread may import at the same moment could meet it in
the middle of a module; ``labelwidgets.__getattr__`` (the way ``lw.Labeler`` and friends are reached) waits for
the warm-up to finish first, so only this thread ever imports the package's modules until then.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading

from labelwidgets.hosts import in_notebook

MODULES = (
    "sqlalchemy",
    "sqlalchemy.dialects.sqlite",
    "anywidget",
    "labelwidgets.labeler",
    "labelwidgets.widgets.labeler",
)
THREAD_NAME = "labelwidgets-warm-up"

_thread: threading.Thread | None = None


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # an optional part missing: the person gets the real error when they use it
            logging.getLogger("labelwidgets").debug("warm-up stopped at %s: %r", name, exc)
            return
    try:  # a store opened and used in memory: SQLAlchemy's first engine and the compiled DDL, paid here
        from labelwidgets.store.sql import warm_up as warm_up_store

        warm_up_store()
    except Exception as exc:
        logging.getLogger("labelwidgets").debug("warm-up of the store failed: %r", exc)


def start() -> None:
    """Start the warm-up once per process, if this is a notebook (Jupyter or marimo) and it is not turned off."""
    global _thread
    if _thread is not None or os.environ.get("LABELWIDGETS_WARM_UP", "1").strip().lower() in ("0", "false", "no"):
        return
    if not in_notebook():
        return
    _thread = threading.Thread(target=_import_all, name=THREAD_NAME, daemon=True)
    _thread.start()


def wait() -> None:
    """Let the warm-up finish (from any thread but its own), so two threads never import the package at once."""
    thread = _thread
    if thread is not None and thread.is_alive() and thread is not threading.current_thread():
        thread.join()
