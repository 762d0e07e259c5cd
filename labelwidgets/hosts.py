"""Which notebook this process serves: a Jupyter kernel, a marimo notebook, or neither (plain Python, a test).

The rest of the package asks here, and only here, so that what differs between the hosts stays in one place:

* both run cells on one thread with an event loop that is idle between cells (`cell_loop`), which is where a
  widget's messages are sent from and where work is put off until the person's cell has finished;
* marimo closes every widget made while a cell runs when that cell runs again, and re-runs the cells that read a
  `mo.state` when it changes (`live_value`); Jupyter does neither.

Importing this module imports neither IPython nor marimo: a process that has not loaded them is in neither host.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def in_jupyter() -> bool:
    """Whether this process is a Jupyter kernel (where the person's next cell can wait for nobody)."""
    shell = sys.modules.get("IPython")
    if "ipykernel" not in sys.modules or shell is None:
        return False
    try:
        return shell.get_ipython() is not None
    except Exception:
        return False


def in_marimo() -> bool:
    """Whether this code runs in a marimo notebook (``marimo edit``, ``marimo run``), not as a script."""
    marimo = sys.modules.get("marimo")
    if marimo is None:
        return False
    try:
        return bool(marimo.running_in_notebook())
    except Exception:
        return False


def in_notebook() -> bool:
    """Whether a person is at a notebook: a Jupyter kernel or a marimo notebook."""
    return in_jupyter() or in_marimo()


def cell_loop() -> Any:
    """The event loop of the thread that runs the cells, idle between them; None outside a notebook.

    Jupyter: the kernel's io_loop (Tornado; ``add_callback`` is safe from any thread). marimo: the asyncio loop the
    cell runs in (``call_soon_threadsafe``), a kernel's own in ``marimo run``, where each tab has one.
    """
    if in_jupyter():
        from IPython import get_ipython

        loop = getattr(getattr(get_ipython(), "kernel", None), "io_loop", None)
        return loop if callable(getattr(loop, "add_callback", None)) else None
    if in_marimo():
        import asyncio

        try:
            return asyncio.get_running_loop()
        except RuntimeError:  # called from another thread than the cells'
            return None
    return None


def after_this_cell(callback: Callable[[], None], delay: float = 0.25) -> None:
    """Run ``callback`` on the cells' thread once the running cell is done and ``delay`` seconds have passed; at
    once outside a notebook. Call it from the cell's own thread."""
    loop = cell_loop()
    if loop is None:
        callback()
        return
    if callable(getattr(loop, "add_callback", None)):  # Tornado: the cell holds the loop until it ends

        def later() -> None:
            loop.call_later(delay, callback)

        loop.add_callback(later)
    else:  # asyncio: a cell runs inside one step of the loop, so a timer fires after it
        loop.call_later(delay, callback)


def live_value(read: Callable[[], T], subscribe: Callable[[Callable[..., None]], Any]) -> Callable[[], T]:
    """``read`` as something to call for the current value; under marimo, a reactive one.

    Outside marimo it is ``read`` itself. Under marimo it is the getter of a ``mo.state`` holding ``read()``, set
    again each time ``subscribe``'s callback is called (from the thread that runs the cells or handles the widget's
    messages): bound to a name (``results = labeler.results``), every cell that calls it runs again then. marimo
    re-runs the cells that name a state, not those that reach it through an attribute (``labeler.results()``).
    """
    if not in_marimo():
        return read
    import marimo

    getter, setter = marimo.state(read())
    subscribe(lambda *_: setter(read()))
    return getter
