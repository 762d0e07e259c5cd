"""Helpers for the tests of `RunningAgreement`, shared by the single-label and the multi-label ones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from labelwidgets.metrics.running import RunningAgreement


def apply_steps(running: RunningAgreement, steps: Iterable[tuple[str, tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    """Give ``running`` each step, ``("update", event)`` or ``("remove", event)``, and return the events it still
    counts, in the order they were added: what a batch computation over the same decisions sees."""
    kept: list[tuple[Any, ...]] = []
    for action, event in steps:
        getattr(running, action)(*event)
        if action == "update":
            kept.append(event)
        else:
            kept.remove(event)
    return kept
