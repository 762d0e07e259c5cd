"""What the user-facing objects share about being shown in a notebook, and which view shows which object.

This is the one module of ``labelwidgets.widgets`` that the domain modules (``Leaderboard``, ``Team``,
``Classroom``) import. It imports no other widget module at import time, nor anywidget, ipywidgets or plotly, so a
domain module that imports it stays light and knows nothing of its views: it calls ``view_for(self)`` when a
notebook asks to show it, and only then is the view's module imported (``VIEWS`` says which). The views import the
domain modules and use their public methods; the dependency runs one way, widgets -> domain, and
``tests/test_layering.py`` keeps it so.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Any, Protocol

#: Which view shows which object: the object's class -> its view's class, both as "module.Class". A view is made
#: as ``View(obj, **options)``. Kept as names, so that nothing here imports a widget module before it is needed.
VIEWS: dict[str, str] = {
    "labelwidgets.session.session.LabelingSession": "labelwidgets.widgets.labeler.LabelerWidget",
    "labelwidgets.comparison.leaderboard.Leaderboard": "labelwidgets.widgets.leaderboard.LeaderboardWidget",
    "labelwidgets.team.team.Team": "labelwidgets.widgets.team_dashboard.TeamDashboard",
    "labelwidgets.teaching.classroom.Classroom": "labelwidgets.widgets.classroom_view.ClassroomView",
}


class LiveView(Protocol):
    """What a domain object may ask of a live view it was given by ``view_for`` (one that polls a store)."""

    errors: list[str]  # what the view could not do (the store away for a moment), once each

    def refresh(self) -> None: ...

    def close(self) -> None: ...


def view_class(obj: Any) -> type:
    """The class of the view that shows ``obj`` (its class or the nearest base class in ``VIEWS``)."""
    for cls in type(obj).__mro__:
        name = VIEWS.get(f"{cls.__module__}.{cls.__qualname__}")
        if name is not None:
            module, _, attribute = name.rpartition(".")
            view: type = getattr(importlib.import_module(module), attribute)
            return view
    raise TypeError(f"no notebook view shows a {type(obj).__name__}; add its class to VIEWS in {__name__}.")


def view_for(obj: Any, **options: Any) -> Any:
    """A new view of ``obj`` (see ``VIEWS``); ``options`` go to the view's constructor."""
    return view_class(obj)(obj, **options)


def asset(name: str) -> Path:
    """A front-end file: installed wheels carry js/ as labelwidgets/_static; a source checkout has it at the top."""
    package = Path(__file__).parent.parent
    packaged = package / "_static" / name
    return packaged if packaged.exists() else package.parent / "js" / name


def reopened(widget: Any) -> Any:
    """``widget``, with its model open again if marimo closed it: marimo closes the widgets a cell made when that
    cell runs again, and a view made on first show (``Leaderboard.widget``) was made by the cell showing it. The
    model keeps its id, so that cell shows it again as before; elsewhere this does nothing."""
    from labelwidgets.hosts import in_marimo

    if widget.comm is None or not in_marimo():  # closed by its owner (comm None), or not in marimo
        return widget
    try:
        from marimo._plugins.ui._impl.anywidget.init import WIDGET_COMM_MANAGER
    except ImportError:  # another marimo than the one this was written for: leave the widget as it is
        return widget
    if widget.model_id not in WIDGET_COMM_MANAGER.comms:
        widget.comm = None
        widget.open()  # marimo's comm provider opens it again, now owned by the running cell
    return widget


_HTML_VIEW_ESM = """
function render({ model, el }) {
  const paint = () => { el.innerHTML = model.get("value"); };
  paint();
  model.on("change:value", paint);
  return () => model.off("change:value", paint);
}
export default { render };
"""


@functools.cache
def _html_view_class() -> type:
    import anywidget
    import traitlets

    class HtmlView(anywidget.AnyWidget):
        """A piece of HTML that follows its ``value``: ipywidgets' ``HTML``, as an anywidget, so marimo shows it."""

        _esm = _HTML_VIEW_ESM
        value = traitlets.Unicode("").tag(sync=True)

    return HtmlView


def html_view(value: str = "") -> Any:
    """A live piece of HTML for a view (``.value = "<b>…</b>"`` redraws it) that Jupyter and marimo both show:
    ipywidgets' own ``HTML`` is a Jupyter widget, which marimo does not show. The HTML is the caller's (escape
    what comes from data)."""
    return _html_view_class()(value=value)


def mimebundle_with_text(widget: Any, text: str, **kwargs: Any) -> Any:
    """``widget``'s display bundle with ``text`` as its text/plain, so nbval can compare saved outputs.

    In marimo, its model is opened again first if marimo closed it (`reopened`); a box of widgets (ipywidgets'
    ``VBox``, a Jupyter widget that marimo does not show) is shown as marimo's own stack of its children."""
    if getattr(widget, "children", None) is not None:
        from labelwidgets.hosts import in_marimo

        if in_marimo():
            import marimo

            stack = marimo.vstack([reopened(child) for child in widget.children])
            return {"text/html": stack.text, "text/plain": text}
    bundle = reopened(widget)._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    if isinstance(data, dict):
        data["text/plain"] = text
    return bundle
