"""Spans of an item's text: what they are, how a model's entity strings are placed on the text, how they are scored.

Offsets are Unicode code points (Python's ``str`` indices), ``end`` exclusive, everywhere: in Python, the store and
every export. Only the browser counts UTF-16 units, and it converts at its edge.
"""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    """Characters ``text[start:end]`` of an item's text, marked with ``label``."""

    start: int
    end: int
    label: str

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


__all__ = ["Span"]
