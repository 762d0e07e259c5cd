"""Agreement and drift metrics: pure functions, one definition of each number.

``counts`` computes every chance-corrected agreement, F1, interval and bootstrap from label counts; ``agreement``
(human vs LLM), ``calibration``, ``annotators`` (between people), ``running`` (live) and ``drift`` build on it;
``pairwise`` scores judgments of two outputs side by side (win rates, Bradley–Terry, judge agreement, position bias).
Names load on first use, so importing this package pulls in neither pandas nor SciPy. ``agreement`` and
``calibration`` are the modules here; the functions of those names are ``lw.agreement`` and ``lw.calibration``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "confusion": "labelwidgets.metrics.agreement",
    "expected_calibration_error": "labelwidgets.metrics.calibration",
    "fleiss_kappa": "labelwidgets.metrics.annotators",
    "krippendorff_alpha": "labelwidgets.metrics.annotators",
    "annotator_agreement": "labelwidgets.metrics.annotators",
    "RunningAgreement": "labelwidgets.metrics.running",
    "agreement_over_time": "labelwidgets.metrics.drift",
    "label_drift": "labelwidgets.metrics.drift",
    "PageHinkley": "labelwidgets.metrics.drift",
    "psi": "labelwidgets.metrics.drift",
    "js_distance": "labelwidgets.metrics.drift",
    "wilson_interval": "labelwidgets.metrics.counts",
    "win_rates": "labelwidgets.metrics.pairwise",
    "win_matrix": "labelwidgets.metrics.pairwise",
    "bradley_terry": "labelwidgets.metrics.pairwise",
    "judge_agreement": "labelwidgets.metrics.pairwise",
    "position_bias": "labelwidgets.metrics.pairwise",
    "people_agreement": "labelwidgets.metrics.pairwise",
    "pairwise_conflicts": "labelwidgets.metrics.pairwise",
    "leaderboards": "labelwidgets.metrics.pairwise",
    "judgments_needed": "labelwidgets.metrics.pairwise",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'labelwidgets.metrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
