"""The labeling session: items in an order, a cursor, decisions, undo and restore, with no widget code."""

from labelwidgets.session.session import LabelingSession

__all__ = ["LabelingSession"]
