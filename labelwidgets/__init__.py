"""labelwidgets: label a pandas DataFrame inside Jupyter, with LLM suggestions and live agreement.

Importing this package is light: the widget, litellm, llama.cpp and plotly load on first use.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from labelwidgets import warm_up

__version__ = "0.1.0"

_EXPORTS = {
    "Labeler": "labelwidgets.labeler",
    "LabelingSession": "labelwidgets.session.session",
    "ClosedError": "labelwidgets.errors",
    "Decision": "labelwidgets.decision",
    "Suggestion": "labelwidgets.suggesters.base",
    "Suggester": "labelwidgets.suggesters.base",
    "Item": "labelwidgets.suggesters.base",
    "Example": "labelwidgets.suggesters.base",
    "FromColumn": "labelwidgets.suggesters.column",
    "LabelSet": "labelwidgets.labels",
    "MemoryStore": "labelwidgets.store",
    "SQLStore": "labelwidgets.store",
    "open_store": "labelwidgets.store",
    "InputError": "labelwidgets.errors",
    "StoreError": "labelwidgets.errors",
    "LabelwidgetsError": "labelwidgets.errors",
    "datasets": "labelwidgets.datasets",
    "agreement": "labelwidgets.metrics.agreement",
    "confusion": "labelwidgets.metrics.agreement",
    "calibration": "labelwidgets.metrics.calibration",
    "annotator_agreement": "labelwidgets.metrics.annotators",
    "RunningAgreement": "labelwidgets.metrics.running",
    "agreement_over_time": "labelwidgets.metrics.drift",
    "label_drift": "labelwidgets.metrics.drift",
    "Dashboard": "labelwidgets.widgets.dashboard",
    "plot_agreement": "labelwidgets.widgets.plots",
    "plot_drift": "labelwidgets.widgets.plots",
    "LLM": "labelwidgets.suggesters.llm.llm",
    "LocalLLM": "labelwidgets.suggesters.local",
    "Learner": "labelwidgets.suggesters.learner",
    "suggest": "labelwidgets.suggesters.batch",
    "compare": "labelwidgets.comparison.compare",
    "Leaderboard": "labelwidgets.comparison.leaderboard",
    "CostNotConfirmed": "labelwidgets.errors",
    "StoreUnreachable": "labelwidgets.errors",
    "Team": "labelwidgets.team.team",
    "Classroom": "labelwidgets.teaching.classroom",
    "team_agreement": "labelwidgets.metrics.team",
    "SpanAnswers": "labelwidgets.kinds.spans",
    "PairVerdict": "labelwidgets.kinds.pair",
    "pairs": "labelwidgets.matchups",
    "generate": "labelwidgets.generation",
    "judgments": "labelwidgets.matchups",
    "Judge": "labelwidgets.suggesters.judge",
    "span_scores": "labelwidgets.metrics.spans",
    "estimate": "labelwidgets.metrics.estimate",
    "alt_test": "labelwidgets.metrics.alt_test",
    "labels_needed": "labelwidgets.metrics.sample_size",
    "win_rates": "labelwidgets.metrics.pairwise",
    "bradley_terry": "labelwidgets.metrics.pairwise",
    "judge_agreement": "labelwidgets.metrics.pairwise",
    "position_bias": "labelwidgets.metrics.pairwise",
    "export": "labelwidgets.interchange.files",
    "read_labels": "labelwidgets.interchange.files",
    "to_dataset": "labelwidgets.interchange.hub",
    "to_spacy": "labelwidgets.interchange.spacy_docs",
    "read_label_studio": "labelwidgets.interchange.label_studio",
    "read_argilla": "labelwidgets.interchange.argilla",
}

if TYPE_CHECKING:
    from labelwidgets import datasets
    from labelwidgets.comparison.compare import compare
    from labelwidgets.comparison.leaderboard import Leaderboard
    from labelwidgets.decision import Decision
    from labelwidgets.errors import (
        ClosedError,
        CostNotConfirmed,
        InputError,
        LabelwidgetsError,
        StoreError,
        StoreUnreachable,
    )
    from labelwidgets.generation import generate
    from labelwidgets.interchange.argilla import read_argilla
    from labelwidgets.interchange.files import export, read_labels
    from labelwidgets.interchange.hub import to_dataset
    from labelwidgets.interchange.label_studio import read_label_studio
    from labelwidgets.interchange.spacy_docs import to_spacy
    from labelwidgets.kinds.pair import PairVerdict
    from labelwidgets.kinds.spans import SpanAnswers
    from labelwidgets.labeler import Labeler
    from labelwidgets.labels import LabelSet
    from labelwidgets.matchups import judgments, pairs
    from labelwidgets.metrics.agreement import agreement, confusion
    from labelwidgets.metrics.alt_test import alt_test
    from labelwidgets.metrics.annotators import annotator_agreement
    from labelwidgets.metrics.calibration import calibration
    from labelwidgets.metrics.drift import agreement_over_time, label_drift
    from labelwidgets.metrics.estimate import estimate
    from labelwidgets.metrics.pairwise import bradley_terry, judge_agreement, position_bias, win_rates
    from labelwidgets.metrics.running import RunningAgreement
    from labelwidgets.metrics.sample_size import labels_needed
    from labelwidgets.metrics.spans import span_scores
    from labelwidgets.metrics.team import team_agreement
    from labelwidgets.session.session import LabelingSession
    from labelwidgets.store import MemoryStore, SQLStore, open_store
    from labelwidgets.suggesters.base import Example, Item, Suggester, Suggestion
    from labelwidgets.suggesters.batch import suggest
    from labelwidgets.suggesters.column import FromColumn
    from labelwidgets.suggesters.judge import Judge
    from labelwidgets.suggesters.learner import Learner
    from labelwidgets.suggesters.llm.llm import LLM
    from labelwidgets.suggesters.local import LocalLLM
    from labelwidgets.teaching.classroom import Classroom
    from labelwidgets.team.team import Team
    from labelwidgets.widgets.dashboard import Dashboard
    from labelwidgets.widgets.plots import plot_agreement, plot_drift

__all__ = sorted(_EXPORTS)

# A library logs; the application decides what is shown: without this, Python's last-resort handler would print
# every warning to stderr (into notebook outputs). `logging.getLogger("labelwidgets").setLevel("INFO")` and a
# handler (or logging.basicConfig()) show them.
logging.getLogger("labelwidgets").addHandler(logging.NullHandler())

warm_up.start()


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'labelwidgets' has no attribute {name!r}")
    warm_up.wait()
    module = importlib.import_module(module_name)
    value = module if module_name == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
