"""Errors raised by labelwidgets. Every message says what went wrong and what to do."""

from __future__ import annotations


class LabelwidgetsError(Exception):
    """Base class for every error this package raises on purpose."""


class InputError(LabelwidgetsError, ValueError):
    """The DataFrame, the labels or another argument cannot be used as given."""


class StoreError(LabelwidgetsError):
    """The decision store cannot be opened, written or reconciled with this session."""


class ClosedError(LabelwidgetsError, RuntimeError):
    """The labeling session was closed; it records no more decisions."""


class CostNotConfirmed(LabelwidgetsError):
    """A run would spend more than ``confirm_above`` dollars, or an unknown amount, and nobody said yes."""
