"""What the user-facing objects share about being shown in a notebook, and which view shows which object.

This is the one module of ``labelwidgets.widgets`` that the domain modules (``Leaderboard``, ``Team``,
``Classroom``) import. It imports no other widget module at import time, nor anywidget, ipywidgets or plotly, so a
domain module that imports it stays light and knows nothing of its views: it calls ``view_for(self)`` when a
notebook asks to show it, and only then is the view's module imported (``VIEWS`` says which). The views import the
domain modules and use their public methods; the dependency runs one way, widgets -> domain, and
``tests/test_layering.py`` keeps it so.
"""

from __future__ import annotations

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


def mimebundle_with_text(widget: Any, text: str, **kwargs: Any) -> Any:
    """``widget``'s display bundle with ``text`` as its text/plain, so nbval can compare saved outputs."""
    bundle = widget._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    if isinstance(data, dict):
        data["text/plain"] = text
    return bundle
