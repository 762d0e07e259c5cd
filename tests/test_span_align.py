"""spans.align (#21): a model's entity strings placed on the item's text, snapped to words as spaCy's
``Doc.char_span`` does, never cutting a character a reader sees.

- `snap` equals spaCy 3.8's ``Doc.char_span(start, end, alignment_mode=...)`` in all three modes, given spaCy's own
  tokens: on WNUT 2017 texts (the shared copy, tokens joined with single spaces; skipped when absent) for
  hypothesis-drawn offsets, and for every (start, end) of short texts made to hit its edges (whitespace tokens,
  leading and trailing spaces, empty texts).
- `words` never ends a token inside a grapheme cluster: checked against the ``regex`` module's ``\\X`` (installed
  with nltk; the check is skipped without it).
- `align` on a fake model's answers: other case, too much, too little, not there, said twice, offsets in UTF-16
  units or bytes, on texts with emoji sequences, flags, decomposed accents, CJK, Hebrew and Arabic. Every span is
  checked as ``text[start:end]`` against the expected words and its start against Python's ``text.find``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from labelwidgets.spans import Span
from labelwidgets.spans.align import Alignment, Placement, _fold, align, snap
from labelwidgets.spans.words import _patterns, words

WNUT = Path(__file__).resolve().parent / "data" / "wnut17"  # the shared copy, kept with the tests
MODES = ("strict", "contract", "expand")
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Characters that make tokenizing hard: marks, joiners, emoji parts and sequences, flags, scripts without spaces,
# viramas, prepended characters, case folding that changes length, controls.
TRICKY = [
    "a", "B", "z", "1", "_", " ", "  ", "\n", "\t", "\r\n", "'", '"', "-", ".", "!", "#", "é", "Jose\u0301",
    "\u0301", "\u0308", "\u200d", "\u200c", "\ufe0f", "\u20e3", "👩", "🏽", "💻", "👩🏽\u200d💻", "🇫", "🇷", "🇫🇷",
    "🏴", "\U000e0067", "\U000e007f", "\u2139", "東", "京", "か", "\u3099", "\uff76", "\uff9e", "ก", "\u0e31",
    "\u0e33", "\u0915", "\u094d", "\u0937", "\u1000", "\u1039", "\u1001", "\u17d2", "\u1780", "א", "\u05b0", "ب",
    "\u064b", "\u0600", "\u0d4e", "İ", "ß", "ﬁ", "Σ", "ς", "\u1100", "\u1161", "\uac00", "\x00", "\u00ad",
]  # fmt: skip
texts = st.lists(
    st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs", "Cn", "Co"))), max_size=25
).map("".join)


def grapheme_boundaries(text: str) -> set[int]:
    """Where grapheme clusters start and end, by the regex module's \\X (UAX #29)."""
    import regex as grapheme

    return {0} | {m.end() for m in grapheme.finditer(r"\X", text)}


# --- spaCy, the reference for snapping ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nlp() -> Any:
    import spacy

    return spacy.blank("en")


def wnut_texts() -> list[str]:
    """WNUT 2017 documents (train, then dev) as texts: tokens joined with single spaces."""
    out = []
    for name in ("wnut17train.conll", "emerging.dev.conll"):
        tokens: list[str] = []
        for line in (WNUT / name).read_text(encoding="utf-8").split("\n"):
            if line.strip():
                tokens.append(line.split("\t")[0])
            elif tokens:
                out.append(" ".join(tokens))
                tokens = []
        if tokens:
            out.append(" ".join(tokens))
    return out


WNUT_TEXTS = wnut_texts()
ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
EDGE_TEXTS = [
    "",
    " ",
    "   ",
    "a",
    "a b, c",
    "a ",
    " a",
    "  hi  there \n x ",
    "\n\nx  y\t\tz \u3000w",
    "Don't stop!!! #hashtag @user http://t.co/x :-)",
    "Emoji 👩🏽\u200d💻 and 🇫🇷 flags, Jose\u0301.",
    "東京大学の学生 と שלום עולם و مرحبا",
]


def spacy_tokens(doc: Any) -> list[tuple[int, int]]:
    return [(t.idx, t.idx + len(t)) for t in doc]


def spacy_snap(doc: Any, start: int, end: int, mode: str) -> tuple[int, int] | None:
    span = doc.char_span(start, end, alignment_mode=mode)
    return None if span is None else (span.start_char, span.end_char)


@settings(SETTINGS, max_examples=400)
@given(data=st.data())
def test_snap_is_spacys_char_span_on_wnut17(nlp: Any, data: st.DataObject) -> None:
    text = WNUT_TEXTS[data.draw(st.integers(0, len(WNUT_TEXTS) - 1), label="document")]
    doc = nlp(text)
    tokens = spacy_tokens(doc)
    edges = sorted({x for t in tokens for x in t})
    near_edge = st.sampled_from(edges).flatmap(lambda x: st.sampled_from([x - 1, x, x + 1]))
    offset = st.one_of(st.integers(-2, len(text) + 2), near_edge)
    start = data.draw(offset, label="start")
    end = data.draw(offset.filter(lambda e: e >= start), label="end")
    for mode in MODES:
        assert snap(text, start, end, mode, tokens) == spacy_snap(doc, start, end, mode), (mode, start, end)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", EDGE_TEXTS + [t for t in WNUT_TEXTS if len(t) <= 60][:20], ids=lambda t: repr(t[:20]))
def test_snap_is_spacys_char_span_for_every_span_of_short_texts(nlp: Any, text: str) -> None:
    doc = nlp(text)
    tokens = spacy_tokens(doc)
    for start in range(-1, len(text) + 2):
        for end in range(start, len(text) + 2):
            for mode in MODES:
                assert snap(text, start, end, mode, tokens) == spacy_snap(doc, start, end, mode), (mode, start, end)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        # whitespace alone: "expand" gives an EMPTY span at the next token's start (not None); the others None
        ("a b, c", 1, 2, {"strict": None, "contract": None, "expand": (2, 2)}),
        ("a b, c", 1, 1, {"strict": None, "contract": None, "expand": (2, 2)}),
        # whitespace after the last token: the empty span is at the end of the text
        ("a ", 1, 2, {"strict": None, "contract": None, "expand": (2, 2)}),
        # start == end between two tokens that touch: "strict" gives that empty point
        ("a b, c", 3, 3, {"strict": (3, 3), "contract": None, "expand": (3, 3)}),
        # nothing before the first character
        ("a b, c", 0, 0, {"strict": None, "contract": None, "expand": None}),
        # a span ending in a space does not grow into the next word; one starting in a space does not take the word
        # before it
        ("a b, c", 0, 2, {"strict": None, "contract": (0, 1), "expand": (0, 1)}),
        ("a b, c", 1, 3, {"strict": None, "contract": (2, 3), "expand": (2, 3)}),
        # part of a word
        ("hello world", 1, 8, {"strict": None, "contract": None, "expand": (0, 11)}),  # no whole word inside
        # offsets outside the text
        ("a b", -1, 2, {"strict": None, "contract": None, "expand": None}),
        ("a b", 2, 4, {"strict": None, "contract": None, "expand": None}),
    ],
)
def test_spacys_edges(nlp: Any, text: str, start: int, end: int, expected: dict[str, Any]) -> None:
    """What spaCy does at the edges, written down: snap gives the same, and align drops the empty results."""
    doc = nlp(text)
    for mode in MODES:
        assert spacy_snap(doc, start, end, mode) == expected[mode], mode
        assert snap(text, start, end, mode, spacy_tokens(doc)) == expected[mode], mode  # type: ignore[arg-type]
        assert snap(text, start, end, mode) == expected[mode], mode  # type: ignore[arg-type]  # words() agrees here


def test_snap_refuses_what_is_not_a_span() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        snap("a b", 2, 1, "expand")  # spaCy: None in some modes, IndexError in others
    with pytest.raises(ValueError, match="mode must be one of"):
        snap("a b", 0, 1, "loose")  # type: ignore[arg-type]


def test_snap_on_our_words_where_spacy_has_no_token() -> None:
    """words() leaves whitespace out of every token (spaCy makes a whitespace token of it): a span starting in the
    whitespace before the first word is moved onto that word by "contract" and "expand", refused by "strict"."""
    assert snap("  New York", 0, 10, "expand") == (2, 10)
    assert snap("  New York", 0, 10, "contract") == (2, 10)
    assert snap("  New York", 0, 10, "strict") is None
    assert snap("  New York", 0, 2, "expand") is None  # only whitespace
    assert snap("New   York", 2, 6, "expand") == (0, 3)  # a start in a long gap is not in the word before it
    assert snap("New   York", 4, 8, "expand") == (6, 10)


# --- words ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Jose\u0301 went home", ["Jose\u0301", "went", "home"]),
        ("the 👩🏽\u200d💻 codes", ["the", "👩🏽\u200d💻", "codes"]),
        ("Paris 🇫🇷🇩🇪 Berlin", ["Paris", "🇫🇷", "🇩🇪", "Berlin"]),
        ("🇫🇷🇩", ["🇫🇷", "🇩"]),
        (f"England {ENGLAND}!", ["England", ENGLAND, "!"]),  # a subdivision flag: tag characters
        ("press 1\ufe0f\u20e3 now", ["press", "1\ufe0f\u20e3", "now"]),
        ("thumbs👍🏿up", ["thumbs", "👍🏿", "up"]),
        ("don't @me #tbt", ["don", "'", "t", "@", "me", "#", "tbt"]),
        ("东京大学的学生", list("东京大学的学生")),  # no spaces between words: each character a token
        ("東京ディズニーランドへ行く。", list("東京ディズニーランドへ行く。")),
        ("กรุงเทพ", ["ก", "รุ", "ง", "เ", "ท", "พ"]),  # Thai: a consonant with its vowel marks
        ("שָׁלוֹם עולם", ["שָׁלוֹם", "עולם"]),  # Hebrew with points: the points stay in the word
        ("مَرْحَبًا بالعالم", ["مَرْحَبًا", "بالعالم"]),  # Arabic with harakat
        ("नमस्ते क्षत्रिय", ["नमस्ते", "क्षत्रिय"]),  # Devanagari: viramas and vowel signs inside
        ("café\u0301!", ["café\u0301", "!"]),
        ("a \u0301b", ["a", " \u0301", "b"]),  # a mark on a space is visible: a token of its own
        ("", []),
        (" \t\n ", []),
    ],
)
def test_words(text: str, tokens: list[str]) -> None:
    assert [text[s:e] for s, e in words(text)] == tokens


@SETTINGS
@given(text=texts)
def test_words_never_split_a_grapheme_cluster(text: str) -> None:
    tokens = words(text)
    boundaries = grapheme_boundaries(text)
    covered: set[int] = set()
    previous_end = 0
    for start, end in tokens:
        assert previous_end <= start < end, tokens  # in order, not empty, not overlapping
        assert start in boundaries and end in boundaries, (text, [text[s:e] for s, e in tokens])
        assert not text[start:end].isspace()
        covered.update(range(start, end))
        previous_end = end
    assert all(c.isspace() for i, c in enumerate(text) if i not in covered)  # every visible character is in one
    # The fast path (plain stretches of text tokenized by \w+|\S) gives what the full tokenizer gives.
    assert tokens == [m.span() for m in _patterns()[0].finditer(text)]


@SETTINGS
@given(text=texts.filter(bool), data=st.data())
def test_snap_lands_on_token_boundaries_and_whole_characters(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)), label="start")
    end = data.draw(st.integers(start, len(text)), label="end")
    tokens = words(text)
    starts, ends = {s for s, _ in tokens}, {e for _, e in tokens}
    boundaries = grapheme_boundaries(text)
    for mode in MODES:
        got = snap(text, start, end, mode)  # type: ignore[arg-type]
        if got is None:
            continue
        a, b = got
        assert a <= b and a in boundaries and b in boundaries, (mode, got)
        if a == b:  # spaCy's empty span: only whitespace was asked for (or nothing, between two tokens)
            assert not text[start:end].strip()
            continue
        assert a in starts and b in ends, (mode, got)
        if mode == "strict":
            assert got == (start, end)
        elif mode == "contract":
            assert start <= a and b <= end
        else:  # every visible character asked for is inside
            visible = [i for i in range(start, end) if not text[i].isspace()]
            assert all(a <= i < b for i in visible), (got, visible)


# --- align: a fake model ------------------------------------------------------------------------------------------


def at(text: str, words_: str, after: int = 0) -> tuple[int, int]:
    """(start, end) of ``words_`` in ``text`` as Python finds it."""
    start = text.find(words_, after)
    assert start >= 0, words_
    return (start, start + len(words_))


def utf16(text: str, index: int) -> int:
    """A code-point index as the UTF-16 unit index a JavaScript model would give."""
    return len(text[:index].encode("utf-16-le")) // 2


def utf8(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def placed(result: Alignment, text: str) -> list[tuple[str, tuple[int, int] | None]]:
    """Each entity's span as (its text, (start, end)), None for dropped ones, in the model's order."""
    return [
        (text[p.span.start : p.span.end], (p.span.start, p.span.end)) if p.span else ("", None)
        for p in result.placements
    ]


TEXT = (
    "Barack Obama flew from New York to Paris 🇫🇷 with 👩🏽\u200d💻 Ada Lovelace. Obama met Jose\u0301 Mourinho in "
    "New York, then obama left for Washington D.C. with the New York Times."
)


def test_a_fake_models_answer() -> None:
    text = TEXT
    answer: list[dict[str, Any]] = [
        {"text": "barack obama", "label": "person"},  # other case
        {"text": "new york", "label": "location"},  # other case, first of three
        {"text": "to Paris", "label": "location"},  # too much: "to" comes along (it is in the text)
        {"text": "ris", "label": "location"},  # too little: cut through the word -> the whole word
        {"text": "Berlin", "label": "location"},  # not in the text
        {"text": "Ada Lovelace", "label": "person", "start": utf16(text, text.find("Ada")), "end": 0},
        {"text": "Obama", "label": "person"},  # not the one inside "Barack Obama" (placed, same label): the next
        {"text": "José Mourinho", "label": "person"},  # composed; the text has e + U+0301
        {"text": "New York", "label": "location"},  # the second mention of "new york": the second New York
        {"text": "Obama", "label": "person"},  # a third Obama: only "obama" is left
        {"text": '"Washington D.C."', "label": "location"},  # quotes around it
        {"text": "New York Times", "label": "corporation"},
    ]
    result = align(text, answer)
    expected = [
        ("Barack Obama", at(text, "Barack Obama")),
        ("New York", at(text, "New York")),
        ("to Paris", at(text, "to Paris")),
        ("Paris", at(text, "Paris")),
        ("", None),
        ("Ada Lovelace", at(text, "Ada Lovelace")),
        ("Obama", at(text, "Obama", text.find("Lovelace"))),
        ("Jose\u0301 Mourinho", at(text, "Jose\u0301 Mourinho")),
        ("New York", at(text, "New York", text.find("New York") + 1)),
        ("obama", at(text, "obama")),
        ("Washington D.C.", at(text, "Washington D.C.")),
        ("New York Times", at(text, "New York Times")),
    ]
    assert placed(result, text) == expected
    assert result.methods == (
        "case", "case", "exact", "exact", "dropped", "exact", "exact", "normalized", "exact", "case", "normalized",
        "exact",
    )  # fmt: skip
    assert result.dropped == ({"text": "Berlin", "label": "location", "why": result.placements[4].why},)
    assert "not in the text" in result.dropped[0]["why"]
    # moved: by case (3), "ris" snapped to "Paris", Ada's offsets off, José composed, the quotes
    assert [p.index for p in result.placements if p.moved] == [0, 1, 3, 5, 7, 9, 10]
    assert result.moved == 7
    assert list(result.spans) == sorted(set(result.spans))
    for p in result.placements:
        assert p.span is None or p.span.label == answer[p.index]["label"]


def test_the_kth_mention_is_the_kth_occurrence() -> None:
    text = "Jordan met Jordan in Jordan."
    answer = [
        {"text": "Jordan", "label": "person"},
        {"text": "Jordan", "label": "person"},
        {"text": "Jordan", "label": "location"},
    ]
    result = align(text, answer)
    starts = [p.span.start for p in result.placements if p.span]
    assert starts == [0, text.find("Jordan", 1), text.rfind("Jordan")]
    assert result.spans == (Span(0, 6, "person"), Span(11, 17, "person"), Span(21, 27, "location"))


def test_a_repeat_moves_to_the_next_occurrence_or_is_dropped() -> None:
    text = "Paris, paris, PARIS."
    answer = [{"text": "Paris", "label": "location"}] * 4
    result = align(text, answer)
    assert [s[0] for s in placed(result, text)] == ["Paris", "paris", "PARIS", ""]
    assert [s[1] for s in placed(result, text)][:3] == [(0, 5), (7, 12), (14, 19)]
    assert result.methods == ("exact", "case", "case", "dropped")
    assert "a repeat" in result.dropped[0]["why"]
    # the same span with another label is not a repeat (nested or ambiguous types; the kind decides about overlap)
    both = align("Paris", [{"text": "Paris", "label": "location"}, {"text": "Paris", "label": "person"}])
    assert both.spans == (Span(0, 5, "location"), Span(0, 5, "person"))
    # exact offsets given twice: the second is a repeat, not moved elsewhere
    twice = align("a Paris b Paris", [{"text": "Paris", "label": "x", "start": 2, "end": 7}] * 2)
    assert twice.methods == ("offsets", "dropped")


@pytest.mark.parametrize(
    ("text", "entity", "convert"),
    [
        ("👩🏽\u200d💻 🇫🇷 Ada met Ada", "Ada", "utf16"),  # a JavaScript model: emoji beyond U+FFFF count twice
        ("👩🏽\u200d💻 🇫🇷 Ada met Ada", "Ada", "utf8"),  # bytes: an emoji counts 3 or 4
        ("café café Zoë met Zoë", "Zoë", "utf8"),  # bytes: each é counts twice
    ],
)
def test_offsets_that_are_off_take_the_nearest_occurrence(text: str, entity: str, convert: str) -> None:
    second = text.rfind(entity)
    start = {"utf16": utf16, "utf8": utf8}[convert](text, second)
    assert start != second  # the offsets really are off
    result = align(text, [{"text": entity, "label": "person", "start": start, "end": start + len(entity)}])
    assert result.methods == ("exact",)
    assert result.spans == (Span(*at(text, entity, second), "person"),)
    assert result.moved == 1 and "offsets did not hold" in result.placements[0].why
    # right offsets are used as they are, for the second occurrence too
    right = align(text, [{"text": entity, "label": "person", "start": second, "end": second + len(entity)}])
    assert right.methods == ("offsets",) and right.spans[0].start == second and right.moved == 0


def test_offsets_that_hold_the_text_in_another_case_are_used() -> None:
    text = "obama met Obama"
    result = align(text, [{"text": "Obama", "label": "person", "start": 0, "end": 5}])
    assert result.spans == (Span(0, 5, "person"),) and result.methods == ("offsets",)
    assert result.moved == 1 and "another case" in result.placements[0].why


@pytest.mark.parametrize(
    ("text", "entity", "mode", "expected"),
    [
        ("The 👩🏽\u200d💻 wrote it", "👩🏽", "expand", "👩🏽\u200d💻"),  # part of an emoji sequence: all of it
        ("The 👩🏽\u200d💻 wrote it", "👩🏽\u200d💻", "strict", "👩🏽\u200d💻"),
        ("Vive la 🇫🇷 !", "🇫🇷", "strict", "🇫🇷"),
        ("Vive la 🇫🇷🇩🇪 !", "🇩🇪", "expand", "🇩🇪"),
        ("Jose\u0301 Mourinho", "Jose\u0301", "strict", "Jose\u0301"),
        ("Jose\u0301 Mourinho", "José", "expand", "Jose\u0301"),  # composed, found decomposed
        ("Jose\u0301 Mourinho", "Jose", "expand", "Jose\u0301"),  # the accent is part of the word
        ("José Mourinho", "Jose\u0301", "expand", "José"),  # decomposed, found composed
        ("我是东京大学的学生", "东京大学", "expand", "东京大学"),  # no spaces: characters are the tokens
        ("我是东京大学的学生", "东京大学", "strict", "东京大学"),
        ("東京ディズニーランドへ行く", "ディズニーランド", "strict", "ディズニーランド"),
        ("ביקרתי בעיר ירושלים אתמול", "ירושלים", "strict", "ירושלים"),  # right to left: offsets in logical order
        ("ביקרתי בעיר ירושלים אתמול", "רושלי", "expand", "ירושלים"),
        ("זרתי לבירושלים", "ירושלים", "expand", "לבירושלים"),  # a prefix written onto the word comes along
        ("زرت مدينة القاهرة أمس", "القاهرة", "strict", "القاهرة"),
        ("زرت مدينة القاهرة أمس", "القاهر", "expand", "القاهرة"),
        ("Die Straße in İstanbul", "istanbul", "strict", "İstanbul"),  # İ folds to i: offsets stay
        ("Die Straße in İstanbul", "STRAßE", "strict", "Straße"),
        ("ﬁnance at the Office", "OFFICE", "strict", "Office"),  # "ﬁ" folds to two letters: compared as itself
        ("ΟΔΥΣΣΕΥΣ and Σίσυφος", "οδυσσευς", "strict", "ΟΔΥΣΣΕΥΣ"),  # final sigma
    ],
)
def test_scripts_and_characters(text: str, entity: str, mode: str, expected: str) -> None:
    result = align(text, [{"text": entity, "label": "thing"}], mode=mode)  # type: ignore[arg-type]
    assert result.dropped == ()
    (span,) = result.spans
    assert text[span.start : span.end] == expected
    assert (span.start, span.end) == at(text, expected)


def test_what_cannot_be_found_is_dropped_not_guessed() -> None:
    text = "Die Straße in Berlin"
    answer: list[Any] = [
        {"text": "STRASSE", "label": "street"},  # ß upper-cases to SS: compared as itself, so not found
        {"text": "Berlin Wall", "label": "place"},  # more than the text has
        "Berlin",  # not a mapping
        {"text": "Berlin"},  # no label
        {"text": "  ", "label": "place"},  # no text, no offsets
        {"label": "place", "start": 30, "end": 40},  # no text, offsets outside
        {"label": "place", "start": 14, "end": 20},  # no text, offsets inside: taken as they are
    ]
    result = align(text, answer)
    assert result.methods == ("dropped",) * 6 + ("offsets",)
    assert result.spans == (Span(14, 20, "place"),)
    assert "unchecked" in result.placements[6].why and not result.placements[6].moved
    assert [d.get("text") for d in result.dropped] == ["STRASSE", "Berlin Wall", None, "Berlin", "  ", None]
    assert result.dropped[2] == {"entity": "Berlin", "why": result.placements[2].why}
    assert all(d["why"] for d in result.dropped)


def test_modes() -> None:
    text = "We flew to New York City."
    cut = [{"text": "ew York Ci", "label": "location"}]
    assert align(text, cut).spans == (Span(*at(text, "New York City"), "location"),)
    assert align(text, cut, mode="contract").spans == (Span(*at(text, "York"), "location"),)
    strict = align(text, cut, mode="strict")
    assert strict.spans == () and "word boundaries" in strict.dropped[0]["why"]
    assert align(text, cut, mode=None).spans == (Span(*at(text, "ew York Ci"), "location"),)
    inside = align(text, [{"text": "Yo", "label": "location"}], mode="contract")
    assert inside.spans == () and "no whole word" in inside.dropped[0]["why"]
    with pytest.raises(ValueError, match="mode must be None or one of"):
        align(text, cut, mode="loose")  # type: ignore[arg-type]


def test_labels_are_kept_as_written_and_labels_ok_sets_some_aside_first() -> None:
    text = "Paris Hilton stayed in Paris."
    answer = [
        {"text": "Paris", "label": "City"},  # a label the kind will refuse
        {"text": "Paris", "label": "location"},
    ]
    kept = align(text, answer)
    assert [s.label for s in kept.spans] == ["City", "location"]  # as written, not checked
    assert kept.spans[1].start == text.rfind("Paris")  # the second mention took the second occurrence
    refused = align(text, answer, labels_ok={"location", "person"})
    assert refused.spans == (Span(0, 5, "location"),)  # no longer pushed to the second occurrence
    assert "refused" in refused.dropped[0]["why"]
    assert align(text, answer, labels_ok=lambda name: name.islower()).spans == refused.spans
    with pytest.raises(TypeError):
        align(text, answer, labels_ok="location")


def test_the_result_is_a_small_frozen_record() -> None:
    result = align("b a", [{"text": "b", "label": "y"}, {"text": "a", "label": "x"}, {"text": "b", "label": "x"}])
    assert result.spans == (Span(0, 1, "x"), Span(0, 1, "y"), Span(2, 3, "x"))  # sorted by (start, end, label)
    assert isinstance(result.placements[0], Placement)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.moved = 3  # type: ignore[misc]
    assert align("", []).spans == () and align("", [{"text": "a", "label": "x"}]).methods == ("dropped",)


# --- align: properties --------------------------------------------------------------------------------------------


@SETTINGS
@given(text=texts.filter(lambda t: not t.isspace() and t), data=st.data())
def test_align_finds_any_substring_exactly(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(text)), label="end")
    wanted = text[start:end]
    assume(wanted.strip())
    result = align(text, [{"text": wanted, "label": "x"}], mode=None)
    first = text.find(wanted)
    assert result.spans == (Span(first, first + len(wanted), "x"),) and result.methods == ("exact",)
    # with its offsets: exactly there, even when it also occurs before
    there = align(text, [{"text": wanted, "label": "x", "start": start, "end": end}], mode=None)
    assert there.spans == (Span(start, end, "x"),) and there.methods == ("offsets",)
    # snapped: on whole words around the occurrence found, never inside a character
    grown = align(text, [{"text": wanted, "label": "x"}])
    if grown.spans:
        (span,) = grown.spans
        found = grown.placements[0].found
        assert found == (first, first + len(wanted))
        visible = [i for i in range(first, first + len(wanted)) if not text[i].isspace()]
        assert all(span.start <= i < span.end for i in visible)
        boundaries = grapheme_boundaries(text)
        assert span.start in boundaries and span.end in boundaries


@SETTINGS
@given(text=texts.filter(lambda t: not t.isspace() and t), data=st.data())
def test_align_finds_a_substring_in_another_case_at_offsets_of_the_text(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(text)), label="end")
    wanted = text[start:end]
    assume(wanted.strip())
    shouted = data.draw(st.sampled_from([wanted.upper(), wanted.lower(), wanted.swapcase()]), label="case")
    result = align(text, [{"text": shouted, "label": "x"}], mode=None)
    if _fold(shouted) == _fold(wanted):  # case changes that keep every code point in place are found
        assert result.spans, result.dropped
    for span in result.spans:  # and whatever is found is where the text says so
        assert 0 <= span.start < span.end <= len(text)
        if result.methods[0] in ("exact", "case"):
            assert _fold(text[span.start : span.end]) == _fold(shouted)


def test_a_long_text_with_many_entities_is_placed_whole() -> None:
    """20 entities on 4,000 characters (the benchmark's case, benchmarks/bench_align.py, for its speed): every
    entity that is in the text is placed at Python's text.find offsets, in order of its mentions."""
    sentence = "Jose\u0301 Mourinho met 👩🏽\u200d💻 Ada in New York 🇫🇷 on Tuesday, then flew to Paris."
    text = " ".join([sentence] * 50)[:4000]
    answer = [{"text": w, "label": "x"} for w in ["Jose\u0301", "Ada", "New York", "Berlin"] * 5]
    result = align(text, answer)
    assert len(result.dropped) == 5 and all(d["text"] == "Berlin" for d in result.dropped)
    for word in ("Jose\u0301", "Ada", "New York"):
        starts = [s.start for s in result.spans if text[s.start : s.end] == word]
        expected, at = [], -1
        for _ in range(5):
            at = text.find(word, at + 1)
            expected.append(at)
        assert starts == expected
