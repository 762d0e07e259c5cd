"""What collaborators of a labeling session provide: the small protocols the session talks to.

The session keeps items, their order, the cursor, and decide/undo/restore through the fold. Whatever else a use
needs plugs in beside it: a team's queue (`Queue`, lw.Team), teaching mode's answer key (`AnswerGate`,
teaching/lesson.py), a suggester that learns (suggesters/feed.py, through `LabelingSession.on_change`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from labelwidgets.session.session import LabelingSession


class Queue(Protocol):
    """Who labels what, when several annotators share a store (`lw.Team`)."""

    def reserve(self, rows: Sequence[int]) -> Iterable[int]:
        """The rows of ``rows`` this annotator may be shown now (claimed for them); the rest are taken."""
        ...


class Layers(Protocol):
    """Other people's answers shown beside an item, one layer each, for the person to take one (a team's
    adjudicator: each member's answer)."""

    def layers_at(self, row: int) -> Sequence[tuple[str, str]]:
        """(whose, stored answer) for the item at ``row``, in the order they answered; empty for none."""
        ...


class AnswerGate(Protocol):
    """Something shown to the person once they answer an item (teaching mode: the right answer).

    Once it has been shown for an item, that item's answer can no longer be undone or skipped, only revised.
    """

    #: Columns no suggester may see (the answers themselves).
    hidden_columns: frozenset[str]
    #: Whether other annotators' decisions in the store are expected (a class store holds every student's).
    shares_store: bool

    def attach(self, session: LabelingSession) -> None:
        """Start following ``session`` (it has restored its decisions; ``on_change`` reports what follows)."""
        ...

    def revealed(self, row: int) -> bool: ...

    def session_info(self) -> dict[str, Any]:
        """What the store records about this session on the gate's behalf."""
        ...
