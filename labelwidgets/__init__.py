"""labelwidgets: label a pandas DataFrame inside Jupyter, with LLM suggestions and live agreement.

Importing this package is light: the widget, litellm, llama.cpp and plotly load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Labeler": "labelwidgets.labeler",
    "LabelingSession": "labelwidgets.session",
    "Decision": "labelwidgets.decision",
    "Suggestion": "labelwidgets.suggestion",
    "Suggester": "labelwidgets.suggestion",
    "Item": "labelwidgets.suggestion",
    "FromColumn": "labelwidgets.suggestion",
    "LabelSet": "labelwidgets.labels",
    "MemoryStore": "labelwidgets.store",
    "SQLStore": "labelwidgets.store",
    "open_store": "labelwidgets.store",
    "InputError": "labelwidgets.errors",
    "StoreError": "labelwidgets.errors",
    "LabelwidgetsError": "labelwidgets.errors",
    "datasets": "labelwidgets.datasets",
    "agreement": "labelwidgets.metrics",
    "confusion": "labelwidgets.metrics",
    "calibration": "labelwidgets.metrics",
    "annotator_agreement": "labelwidgets.metrics",
    "RunningAgreement": "labelwidgets.metrics",
    "agreement_over_time": "labelwidgets.drift",
    "label_drift": "labelwidgets.drift",
    "Dashboard": "labelwidgets.dashboard",
    "plot_agreement": "labelwidgets.plots",
    "plot_drift": "labelwidgets.plots",
    "LLM": "labelwidgets.llm",
    "LocalLLM": "labelwidgets.local_llm",
    "suggest": "labelwidgets.batch",
    "compare": "labelwidgets.comparison",
    "Leaderboard": "labelwidgets.comparison",
    "CostNotConfirmed": "labelwidgets.comparison",
}

if TYPE_CHECKING:
    from . import datasets
    from .batch import suggest
    from .comparison import CostNotConfirmed, Leaderboard, compare
    from .dashboard import Dashboard
    from .decision import Decision
    from .drift import agreement_over_time, label_drift
    from .errors import InputError, LabelwidgetsError, StoreError
    from .labeler import Labeler
    from .labels import LabelSet
    from .llm import LLM
    from .local_llm import LocalLLM
    from .metrics import RunningAgreement, agreement, annotator_agreement, calibration, confusion
    from .plots import plot_agreement, plot_drift
    from .session import LabelingSession
    from .store import MemoryStore, SQLStore, open_store
    from .suggestion import FromColumn, Item, Suggester, Suggestion

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'labelwidgets' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
