"""Errors raised by labelwidgets. Every message says what went wrong and what to do."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


class LabelwidgetsError(Exception):
    """Base class for every error this package raises on purpose."""


class InputError(LabelwidgetsError, ValueError):
    """The DataFrame, the labels or another argument cannot be used as given."""


class StoreError(LabelwidgetsError):
    """The decision store cannot be opened, written or reconciled with this session."""


class StoreUnreachable(StoreError):
    """The store's database server cannot be reached right now (down, restarting, network gone): worth retrying."""


class NotAllowed(StoreError, PermissionError):
    """A created store's rules forbid this to the login that asked (roles and row-level security in PostgreSQL):
    the message names the rule. Retrying cannot help; the store's owner can."""


class ClosedError(LabelwidgetsError, RuntimeError):
    """The labeling session was closed; it records no more decisions."""


class CostNotConfirmed(LabelwidgetsError):
    """A run would spend more than ``confirm_above`` dollars, or an unknown amount, and nobody said yes."""


def public(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Raise this package's own errors from the public call the user made, without the frames inside the package.

    The message already says what went wrong and what to do; forty lines of labelwidgets internals above it only
    hide it. The chained cause (a database error, say) is kept.
    """

    @functools.wraps(func)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except LabelwidgetsError as error:
            raise error.with_traceback(None)  # noqa: B904 - the error keeps its own __cause__

    return call


def user_stacklevel() -> int:
    """The ``stacklevel`` for `warnings.warn` that points at the first line outside labelwidgets: the user's own.

    Call it as the argument of ``warnings.warn`` in the function that warns.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("labelwidgets"):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
