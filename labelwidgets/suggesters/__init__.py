"""Suggesters: anything that proposes a label for an item, behind one small protocol (`Suggester`)."""

from labelwidgets.suggesters.base import Item, Suggester, Suggestion
from labelwidgets.suggesters.column import FromColumn

__all__ = ["FromColumn", "Item", "Suggester", "Suggestion"]
