"""Placing a model's entity strings on the item's text (issue #21).

A chat model asked for entities answers with strings, ``[{"text": "new york", "label": "location"}, ...]``, and
sometimes offsets. The strings differ in case from the text, cut through a word, cover a little too much or too
little, appear several times or not at all; the offsets, when given, are often UTF-16 units or bytes (JavaScript
and most tokenizers count those), so they drift after the first emoji or accent. A span is only worth suggesting
if it sits on the text a person reads, so each entity is placed by the first of these steps that finds it:

a. its offsets, if they hold its text (in any case); offsets without a text are taken as they are;
b. the string itself, exactly;
c. the string ignoring case, only where that keeps every code point in place ("İ" and "ß" change length when
   lower-cased: they are compared as themselves, so that found offsets are always offsets of the original text);
d. the string with any run of whitespace matching any run, whitespace allowed or not around punctuation, quotes
   and brackets (then any punctuation) at its edges left out, and accents compared composed ("José" finds
   "Jose\\u0301");

then the characters found are snapped to whole words with `snap` (spaCy's ``Doc.char_span`` alignment modes), so
that a span never ends inside a word, nor inside a character a reader sees (an emoji sequence, a flag).

Repeated strings: a model lists entities in text order, so the k-th mention of a string goes to its k-th
occurrence; an entity that would land on a span already placed with the same label and the same text moves to the
next occurrence (and on to the next step: "Paris" placed, a second "Paris" takes "paris"); one that would land
inside another span of its label ("Obama" inside "Barack Obama") does so only when there is nowhere else. Offsets
that are off still say roughly where: the occurrence nearest them wins. Whatever cannot be placed is dropped and
reported with the reason, never guessed.

Labels are kept exactly as the model wrote them: checking them against the label set (and forgiving near misses)
is the answer kind's job.
"""

from __future__ import annotations

import functools
import numbers
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from labelwidgets.spans import Span
from labelwidgets.spans.words import combining_sequences, words

__all__ = ["Alignment", "Method", "Mode", "Placement", "align", "snap"]

#: How a span's ends are moved onto token boundaries, as spaCy's ``Doc.char_span(alignment_mode=...)``.
Mode = Literal["strict", "contract", "expand"]

#: The step that placed an entity ("dropped" when none did).
Method = Literal["offsets", "exact", "case", "normalized", "dropped"]

_MODES = ("strict", "contract", "expand")

_SHOWN = 40  # characters of an entity's text quoted in a reason


# -- snapping ------------------------------------------------------------------------------------------------------


def snap(
    text: str, start: int, end: int, mode: Mode, tokens: Sequence[tuple[int, int]] | None = None
) -> tuple[int, int] | None:
    """The characters ``text[start:end]`` moved onto token boundaries, as spaCy's
    ``Doc.char_span(start, end, alignment_mode=mode)`` does, or None where spaCy gives None.

    - "strict": the span itself if it starts and ends on token boundaries, else None;
    - "contract": the tokens entirely inside it (None if there is none);
    - "expand": every token it touches.

    ``tokens`` are ``(start, end)`` pairs in text order that do not overlap, ``words(text)`` by default; pass a spaCy
    doc's ``[(t.idx, t.idx + len(t)) for t in doc]`` to get exactly what spaCy gives. As in spaCy, whitespace after a
    token counts as that token's (so "expand" does not grow a span that ends in a space by the next word), and
    whitespace before the first token (which a spaCy doc never has: it makes a whitespace token) is skipped by
    "contract" and "expand". Also as in spaCy, the result can be EMPTY, ``(i, i)``: "expand" on whitespace alone
    gives the start of the next token, and "strict" on ``start == end`` between two adjacent tokens gives that
    point; `align` drops such results. ``start > end`` raises ValueError (spaCy returns None or raises).
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(repr(m) for m in _MODES)}, not {mode!r}.")
    if start > end:
        raise ValueError(f"the span ({start}, {end}) ends before it starts.")
    starts: Sequence[int]
    ends: Sequence[int]
    if tokens is None:
        starts, ends = _bounds(text)
    else:
        starts, ends = [s for s, _ in tokens], [e for _, e in tokens]
    return _snap(starts, ends, len(text), start, end, mode)


@functools.lru_cache(maxsize=8)
def _bounds(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The starts and the ends of ``words(text)``, kept for the few texts last snapped on (a labeler snaps many
    spans of one text in a row)."""
    tokens = words(text)
    return tuple(s for s, _ in tokens), tuple(e for _, e in tokens)


def _snap(
    starts: Sequence[int], ends: Sequence[int], length: int, start: int, end: int, mode: str
) -> tuple[int, int] | None:
    """`snap` on token boundaries given as two sorted sequences; the lines follow spaCy's ``Doc.char_span``."""
    if not starts or not 0 <= start < length or not 0 < end <= length:
        return None  # spaCy: no token holds the first character, or the last one
    # The token holding a character: the last one starting at or before it (the whitespace after a token is its).
    first = bisect_right(starts, start) - 1
    last = bisect_right(starts, end - 1) - 1
    if last < 0:
        return None  # the span is all whitespace before the first token
    if first < 0:  # starts in whitespace before the first token
        if mode == "strict":
            return None
        first = 0
    if mode == "strict":
        if start != starts[first] or end != ends[last]:
            return None
    elif mode == "contract":
        if starts[first] < start:
            first += 1
        if end < ends[last]:
            last -= 1
        if last < first:
            return None
    elif start >= ends[first]:  # "expand": a start in the whitespace after a token is not in that token
        first += 1
    # The characters of tokens first..last, as spaCy's Span(doc, first, last + 1) gives them (empty if last < first).
    start_char = starts[first] if first < len(starts) else length
    return (start_char, start_char) if last < first else (start_char, ends[last])


# -- what align returns --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where one of the model's entities went, and by which step: what a person reviewing a suggestion reads when a
    span is not where the model said, or is missing."""

    #: The entity's position in the model's list.
    index: int
    #: The step that placed it: "offsets", "exact", "case", "normalized"; "dropped" when none did.
    method: Method
    #: The span it became (after snapping); None when dropped.
    span: Span | None = None
    #: The characters the step found, before snapping; None when nothing was found.
    found: tuple[int, int] | None = None
    #: Whether placing it took more than its own offsets or an exact match of its text: another case, spacing,
    #: quotes or composition, offsets that did not hold its text, or snapping to whole words.
    moved: bool = False
    #: Why it was dropped, or what changed on the way (empty when the model's entity was placed as it was).
    why: str = ""


@dataclass(frozen=True)
class Alignment:
    """The spans a model's entities became, and an account of every entity."""

    #: The spans, sorted by (start, end, label), each once.
    spans: tuple[Span, ...]
    #: The model's entities that were not placed, each as given (a mapping, copied) with a "why" key added; an
    #: entity that is not a mapping comes as ``{"entity": ..., "why": ...}``.
    dropped: tuple[dict[str, Any], ...]
    #: How many placed entities needed more than their offsets or an exact match (see `Placement.moved`).
    moved: int
    #: One per entity, in the model's order.
    placements: tuple[Placement, ...]

    @property
    def methods(self) -> tuple[Method, ...]:
        """The step that placed each entity, in the model's order ("dropped" for those not placed)."""
        return tuple(p.method for p in self.placements)


# -- align ---------------------------------------------------------------------------------------------------------


def align(
    text: str,
    entities: Iterable[Mapping[str, Any]],
    labels_ok: Callable[[str], bool] | Collection[str] | None = None,
    mode: Mode | None = "expand",
) -> Alignment:
    """Place a model's entities (mappings with "text", "label", and optionally "start" and "end") on ``text``.

    Each goes through the steps of this module's docstring (its offsets, the exact string, ignoring case, loose
    spacing, quotes and composition), then `snap` with ``mode``; ``mode=None`` keeps the characters found as they
    are. Labels are kept as written and not checked against any label set; ``labels_ok`` (a set of names, or a
    function of a name) only lets the caller set aside entities whose label it will refuse BEFORE they take an
    occurrence of their string: with "Paris" twice in the text and the model giving ("Paris", "city"),
    ("Paris", "location"), refusing "city" here places "location" on the first "Paris", not the second. Set-aside
    entities are dropped and reported like the others.
    """
    if mode is not None and mode not in _MODES:
        raise ValueError(f"mode must be None or one of {', '.join(repr(m) for m in _MODES)}, not {mode!r}.")
    accepts = _label_check(labels_ok)
    here = _Text(text)
    placed: list[Span] = []
    mentions: dict[str, int] = {}  # how many entities with this string are placed so far
    placements: list[Placement] = []
    dropped: list[dict[str, Any]] = []
    for index, entity in enumerate(entities):
        placement = _place(here, index, entity, accepts, mode, placed, mentions)
        placements.append(placement)
        if placement.span is None:
            report = dict(entity) if isinstance(entity, Mapping) else {"entity": entity}
            report["why"] = placement.why
            dropped.append(report)
    return Alignment(
        spans=tuple(sorted(set(placed))),
        dropped=tuple(dropped),
        moved=sum(p.moved for p in placements),
        placements=tuple(placements),
    )


def _place(
    here: _Text,
    index: int,
    entity: object,
    accepts: Callable[[str], bool] | None,
    mode: Mode | None,
    placed: list[Span],
    mentions: dict[str, int],
) -> Placement:
    """One entity: its Placement, and the span appended to ``placed`` when it has one."""

    def dropped(why: str, found: tuple[int, int] | None = None) -> Placement:
        return Placement(index, "dropped", None, found, False, why)

    if not isinstance(entity, Mapping):
        return dropped(f"not a mapping with 'text' and 'label' but {type(entity).__name__}")
    label, wanted = entity.get("label"), entity.get("text")
    if not isinstance(label, str) or not label.strip():
        return dropped("no label (a non-empty string under 'label')")
    if accepts is not None and not accepts(label):
        return dropped(f"the label {label!r} is refused")
    text = here.text
    given_start, given_end = _offset(entity.get("start")), _offset(entity.get("end"))
    offsets_given = given_start is not None or given_end is not None
    given: tuple[int, int] | None = None
    if given_start is not None and given_end is not None and 0 <= given_start < given_end <= len(text):
        given = (given_start, given_end)
    steps: Iterable[tuple[Method, list[tuple[int, int]]]]
    unchecked = other_case = False
    if not isinstance(wanted, str) or not wanted.strip():
        if given_start is None or given_end is None:
            return dropped("no text (a non-empty string under 'text') to find in the item's text, and no offsets")
        if given is None:
            return dropped(f"no text, and its offsets ({given_start}, {given_end}) are not a span of the text")
        wanted = text[given[0] : given[1]]  # offsets alone: taken as code points, nothing to check them against
        steps = [("offsets", [given])]
        unchecked = True
    elif given is not None and _fold(text[given[0] : given[1]]) == _fold(wanted):
        steps = [("offsets", [given])]  # offsets that hold it: a repeat of them is not moved to another occurrence
        other_case = text[given[0] : given[1]] != wanted
    else:
        steps = here.occurrences(wanted)
    key = _mention_key(wanted)

    def settle(method: Method, found: tuple[int, int], snapped: tuple[int, int]) -> Placement:
        span = Span(snapped[0], snapped[1], label)
        placed.append(span)
        mentions[key] = mentions.get(key, 0) + 1
        off = offsets_given and method != "offsets"
        moved = method in ("case", "normalized") or snapped != found or off or other_case
        notes = [
            "no text: its offsets are taken as code points, unchecked" if unchecked else "",
            "its offsets hold it in another case" if other_case else "",
            _changes(text, method, found, snapped, offsets_given, mode),
        ]
        return Placement(index, method, span, found, moved, "; ".join(filter(None, notes)))

    first_found: tuple[int, int] | None = None
    repeats = unsnappable = 0
    # An occurrence inside a span already placed with the same label (the "Obama" of "Barack Obama" when the model
    # lists "Barack Obama", then "Obama") is kept for last: another occurrence is likelier to be the one meant.
    inside: list[tuple[Method, tuple[int, int], tuple[int, int]]] = []
    for method, candidates in steps:  # a step whose every occurrence is taken hands on to the next step
        if given_start is not None and method != "offsets":  # offsets that are off still say roughly where
            hint = given_start
            candidates.sort(key=lambda c: (abs(c[0] - hint), c[0]))
        elif method != "offsets":  # the k-th mention of a string is its k-th occurrence
            k = mentions.get(key, 0) % len(candidates)
            candidates = candidates[k:] + candidates[:k]
        for found in candidates:
            first_found = first_found or found
            snapped = found if mode is None else here.snap(found, mode)
            if snapped is None or snapped[0] == snapped[1]:
                unsnappable += 1
                continue
            span = Span(snapped[0], snapped[1], label)
            same = text[span.start : span.end]
            overlapped = [p for p in placed if p.label == label and p.overlaps(span)]
            if any(text[p.start : p.end] == same for p in overlapped):
                repeats += 1
            elif overlapped:
                inside.append((method, found, snapped))
            else:
                return settle(method, found, snapped)
    if inside:
        return settle(*inside[0])

    if first_found is None:
        return dropped(f"{_clip(wanted)!r} is not in the text (nor ignoring case, spacing, quotes or accents)")
    if repeats and not unsnappable:
        return dropped(f"a repeat: every occurrence of {_clip(wanted)!r} is already placed with the label {label!r}")
    fails = _MODE_FAILS.get(str(mode), "cannot be snapped")
    return dropped(f"{_clip(wanted)!r} is in the text but {fails} (mode={mode!r})", first_found)


_MODE_FAILS = {
    "strict": "does not start and end on word boundaries",
    "contract": "holds no whole word",
    "expand": "covers only whitespace",
}


def _changes(
    text: str,
    method: Method,
    found: tuple[int, int],
    snapped: tuple[int, int],
    offsets_given: bool,
    mode: Mode | None,
) -> str:
    """What happened between the model's entity and its span, for a reviewer; empty when nothing did."""
    notes = []
    if offsets_given and method != "offsets":
        notes.append("its offsets did not hold its text (UTF-16 units or bytes, perhaps)")
    if method == "case":
        notes.append("found ignoring case")
    elif method == "normalized":
        notes.append("found ignoring spacing, quotes at the edges, case or accents")
    if snapped != found:
        notes.append(
            f"snapped ({mode}) from {_clip(text[found[0] : found[1]])!r} to {_clip(text[snapped[0] : snapped[1]])!r}"
        )
    return "; ".join(notes)


# -- finding a string --------------------------------------------------------------------------------------------


class _Text:
    """One item's text and the views of it that finding strings needs, each made at most once per `align` call and
    only when an entity needs it (most are found exactly)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._bounds: tuple[Sequence[int], Sequence[int]] | None = None
        self._folded: str | None = None
        self._loose: tuple[str, list[int] | None, list[int] | None] | None = None

    def snap(self, found: tuple[int, int], mode: Mode) -> tuple[int, int] | None:
        if self._bounds is None:
            self._bounds = _bounds(self.text)
        return _snap(*self._bounds, len(self.text), found[0], found[1], mode)

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = _fold(self.text)
        return self._folded

    @property
    def loose(self) -> tuple[str, list[int] | None, list[int] | None]:
        """The folded text with every combining sequence composed, and where each of its characters starts and ends
        in the text (None when it is the folded text itself)."""
        if self._loose is None:
            self._loose = _composed(self.folded)
        return self._loose

    def occurrences(self, wanted: str) -> Iterator[tuple[Method, list[tuple[int, int]]]]:
        """Where ``wanted`` is in the text, step by step (exactly, ignoring case, loosely), each step's occurrences
        in text order, not overlapping, steps that find nothing left out. Lazy: the next step only runs (and only
        then folds or composes the text) when the caller could not use any occurrence of the ones before."""
        found = _find_all(self.text, wanted)
        if found:
            yield "exact", list(found)  # a copy: the caller reorders it
        needle = _fold(wanted)
        if needle != wanted or self.folded != self.text:  # else this step finds what the exact one found
            more = _find_all(self.folded, needle)
            if more != found:
                found = more
                yield "case", list(found)
        view, starts, ends = self.loose
        for pattern in _loose_patterns(_composed(needle)[0]):
            more = [m.span() for m in pattern.finditer(view)]
            if starts is not None and ends is not None:
                more = [(starts[a], ends[b - 1]) for a, b in more]
            if more and more != found:
                yield "normalized", list(more)
                found = more


def _find_all(haystack: str, needle: str) -> list[tuple[int, int]]:
    out = []
    at = haystack.find(needle)
    while at >= 0:
        out.append((at, at + len(needle)))
        at = haystack.find(needle, at + len(needle))
    return out


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One code point folded to one code point: its case fold when that is one ("A" → "a", "Σ"/"ς" → "σ"), its
    first character when the rest are marks ("İ" → "i" + U+0307 → "i"), else its lower case when that is one
    ("ẞ" → "ß"), else itself ("ß" stays "ß": folding it to "ss" would move every offset after it)."""
    folded = char.casefold()
    if len(folded) == 1:
        return folded
    if all(unicodedata.combining(c) for c in folded[1:]):
        return folded[0]
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _fold(text: str) -> str:
    """``text`` case-folded code point by code point, so that every offset into it is one into ``text``."""
    folded = text.casefold()
    if len(folded) == len(text):  # no code point grew (none ever shrinks): folded one for one
        return folded
    return "".join(map(_fold_char, text))


def _composed(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``text`` with each combining sequence composed (NFC: "e" + U+0301 → "é"), and for each character of the
    result where it starts and where it ends in ``text``; (text, None, None) when nothing changes (the usual case,
    found by one quick check)."""
    if unicodedata.is_normalized("NFC", text):
        return text, None, None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    at = 0
    for m in combining_sequences().finditer(text):
        a, b = m.span()
        pieces.append(text[at:a])
        starts.extend(range(at, a))
        ends.extend(range(at + 1, a + 1))
        composed = unicodedata.normalize("NFC", m.group())
        pieces.append(composed)
        starts.extend([a] * len(composed))
        ends.extend([b] * len(composed))
        at = b
    pieces.append(text[at:])
    starts.extend(range(at, len(text)))
    ends.extend(range(at + 1, len(text) + 1))
    return "".join(pieces), starts, ends


_PIECES = re.compile(r"\s+|\w+|[^\w\s]")


def _is_quote(char: str) -> bool:
    """Quotes and brackets a model puts around an entity ('"Obama"', '(NYC)'), and whitespace."""
    return char.isspace() or char in "\"'`´" or unicodedata.category(char) in ("Pi", "Pf", "Ps", "Pe")


def _is_edge_junk(char: str) -> bool:
    """Quotes, brackets and punctuation a model leaves around an entity ('"Obama"', 'Paris,'), and whitespace."""
    return char.isspace() or unicodedata.category(char).startswith("P") or char in "`´"


def _strip(text: str, junk: Callable[[str], bool]) -> str:
    start, end = 0, len(text)
    while start < end and junk(text[start]):
        start += 1
    while end > start and junk(text[end - 1]):
        end -= 1
    return text[start:end]


def _loose_patterns(needle: str) -> list[re.Pattern[str]]:
    """Patterns for the folded, composed ``needle`` where any run of whitespace matches any run, and punctuation
    may have whitespace around it or not ("Dr. Who" finds "Dr . Who"): the whole string, then without quotes and
    brackets at its edges, then without any punctuation there (but "D.C." keeps its last period when it can)."""
    variants = (needle.strip(), _strip(needle, _is_quote), _strip(needle, _is_edge_junk))
    return [_loose_pattern(v) for v in dict.fromkeys(variants) if v]


@functools.lru_cache(maxsize=1024)
def _loose_pattern(needle: str) -> re.Pattern[str]:
    parts: list[str] = []
    previous_word = False
    space = False
    for piece in _PIECES.findall(needle):
        if piece[0].isspace():
            space = True
            continue
        is_word = piece[0].isalnum() or piece[0] == "_"
        if parts:
            parts.append(r"\s+" if space and previous_word and is_word else r"\s*")
        parts.append(re.escape(piece))
        previous_word, space = is_word, False
    return re.compile("".join(parts))


# -- small helpers -------------------------------------------------------------------------------------------------


def _label_check(labels_ok: Callable[[str], bool] | Collection[str] | None) -> Callable[[str], bool] | None:
    if labels_ok is None or callable(labels_ok):
        return labels_ok
    if isinstance(labels_ok, str):
        raise TypeError("labels_ok takes a collection of label names or a function of a name, not one string.")
    names = frozenset(labels_ok)
    return names.__contains__


def _mention_key(wanted: str) -> str:
    """What counts as the same string when counting mentions: '"Paris"', "Paris" and "paris " are one."""
    key = " ".join(_fold(wanted).split())
    return _strip(key, _is_edge_junk) or key


def _offset(value: object) -> int | None:
    """A model's offset as an int (JSON may give 10.0), or None when it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
