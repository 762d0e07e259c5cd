"""Word boundaries of a text, for snapping a model's spans onto whole words without ever cutting a character apart.

A "character" as a reader sees it is a grapheme cluster (Unicode UAX #29): "é" written as "e" + U+0301, a family
emoji joined by U+200D, a flag made of two regional indicators, an emoji with its skin tone. Python's ``str``
indices count code points, so a span that ends at an arbitrary index can cut such a character in two, and the browser
then draws half an emoji or strips an accent. `words` gives token boundaries that are always grapheme boundaries.

Tokens: a run of word characters (``\\w``) together with whatever attaches to them (combining marks, joiners,
variation selectors), or any other single visible character with what attaches to it; whitespace separates tokens
and belongs to none. Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar...)
are the exception: each of their characters is a token, as in spaCy's default Chinese segmentation, because a run of
them is often a whole sentence and finding their words takes a dictionary; a span snapped on such text keeps the
characters the model gave.

The grapheme rules that matter for boundaries are written as regular expressions (``re`` is in C; a loop over the
characters in Python would take milliseconds): the ``regex`` module's ``\\X`` would do it too, but it is not a
dependency. ``re`` cannot name Unicode categories, so the classes of marks are built from `unicodedata` the first
time they are needed (~30 ms, once). Where these rules differ from UAX #29 they only join more, never split what it
keeps together: any character after U+200D joins (UAX #29 asks for an emoji on both sides), a control character
after an extender joins, any consonant after a virama joins. Joining more never puts a boundary inside a cluster.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["words"]

#: Characters that join the character before them although they are not marks (category M*): zero-width non-joiner
#: and joiner, halfwidth katakana sound marks, emoji skin-tone modifiers, tag characters (subdivision flags such as
#: England's), and the two Thai/Lao vowels that are spacing marks without being category Mc.
_EXTEND_EXTRA = (
    (0x200C, 0x200D),
    (0xFF9E, 0xFF9F),
    (0x1F3FB, 0x1F3FF),
    (0xE0020, 0xE007F),
    (0x0E33, 0x0E33),
    (0x0EB3, 0x0EB3),
)

#: Grapheme_Cluster_Break=Prepend (Unicode 16): these join the character AFTER them (an Arabic number sign and
#: its digits, an Indic repha and its consonant). Listed by hand: unicodedata has no such property.
_PREPEND = (
    (0x0600, 0x0605),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x0D4E, 0x0D4E),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x111C2, 0x111C3),
    (0x113D1, 0x113D1),
    (0x1193F, 0x1193F),
    (0x11941, 0x11941),
    (0x11A3A, 0x11A3A),
    (0x11A84, 0x11A89),
    (0x11D46, 0x11D46),
    (0x11F02, 0x11F02),
)

_REGIONAL = "\U0001f1e6-\U0001f1ff"  # regional indicators: two make a flag

#: Scripts written without spaces between words: each character of theirs is a token of its own.
_NO_SPACES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x1950, 0x19DF),  # Tai Le, New Tai Lue
    (0x1A20, 0x1AAF),  # Tai Tham
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x3038, 0x303C),
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31BF),
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA000, 0xA4CF),  # Yi
    (0xA9E0, 0xA9FF),  # Myanmar extension B
    (0xAA60, 0xAADF),  # Myanmar extension A, Tai Viet
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9D),  # halfwidth Katakana
    (0x16FE0, 0x16FFF),  # ideographic symbols
    (0x17000, 0x18D8F),  # Tangut, Khitan
    (0x1B000, 0x1B2FF),  # kana supplement and extensions, Nushu
    (0x20000, 0x3FFFF),  # CJK extensions B-H, compatibility supplement
)

# Marks exist only in planes 0, 1 and 14 (Unicode 16); scanning those takes ~30 ms once, all 17 planes ~250 ms.
_PLANES_WITH_MARKS = (range(0x0000, 0x20000), range(0xE0000, 0xE1000))


def _ranges_class(ranges: Iterable[tuple[int, int]]) -> str:
    """A regular-expression character class body for code-point ranges."""
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


def _merged(points: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for p in sorted(set(points)):
        if out and p == out[-1][1] + 1:
            out[-1] = (out[-1][0], p)
        else:
            out.append((p, p))
    return out


def _one_of(points: Sequence[int], also: str = "") -> str:
    """A pattern for one character among ``points`` (or of the class items ``also``, such as ``\\w``), fast.

    ``re`` keeps a class's characters beyond U+FFFF as a list of ranges that it walks for every character the rest of
    the class does not match: with the ~150 ranges of marks outside the BMP that made every space or letter cost ~150
    comparisons. So the BMP part is one class (a bitmap) and the rest a second class, tried only on a character
    beyond U+FFFF (one comparison)."""
    bmp = [p for p in points if p <= 0xFFFF]
    astral = [p for p in points if p > 0xFFFF]
    pattern = f"[{also}{_ranges_class(_merged(bmp))}]"
    if astral:
        pattern = f"(?:{pattern}|(?=[\\U00010000-\\U0010ffff])[{_ranges_class(_merged(astral))}])"
    return pattern


#: The tokenizer of texts without any character that attaches to another (most texts), and of the stretches of a
#: text away from those characters: what the full tokenizer reduces to there, 3-4 times faster.
_NS = _ranges_class(_NO_SPACES)  # inside a class: [^\\W{_NS}] is a word character of a script with spaces
_PLAIN = re.compile(f"[^\\W{_NS}]+|\\S")


@functools.lru_cache(maxsize=1)
def _mark_points() -> tuple[int, ...]:
    """Code points of category M* (combining marks, variation selectors): they belong to the character before."""
    category = unicodedata.category
    return tuple(c for plane in _PLANES_WITH_MARKS for c in plane if category(chr(c)).startswith("M"))


@functools.lru_cache(maxsize=1)
def combining_sequences() -> re.Pattern[str]:
    """A character followed by one or more marks ("e" + U+0301): where Unicode composition can change a text, so
    the only places `align` needs to compose to compare "José" with "Jose\\u0301"."""
    return re.compile(f"(?s).{_one_of(_mark_points())}+")


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The tokenizer; the characters that need it (elsewhere `_PLAIN` gives the same tokens); the extending and the
    prepended characters. Built once from this Python's Unicode tables, so that they agree with its ``str`` and its
    ``\\w``."""
    points = [*_mark_points()] + [c for a, b in _EXTEND_EXTRA for c in range(a, b + 1)]
    viramas = [p for p in points if unicodedata.combining(chr(p)) == 9]
    no_zwj = [p for p in points if p != 0x200D]
    extend = _one_of(points)
    attach = _one_of(sorted(set(no_zwj) - set(viramas)))  # what attaches without a rule of its own
    word_or_attach = f"(?:[^\\W{_NS}]|{attach})"  # a word character of a script with spaces, or that
    prepend = _ranges_class(_PREPEND)
    ri = _REGIONAL
    # A joiner (U+200D) takes the next visible character along (emoji ZWJ sequences such as 👩🏽‍💻) with the word
    # characters after it (a Hangul syllable in jamo is one character), except a regional indicator (left to pair
    # with the next one into a flag), a prepended character (it goes with the character after it) and a virama.
    joined = f"\u200d(?:(?!{_one_of(viramas)})[^\\s{ri}{prepend}]{word_or_attach}*)?"
    # A virama (combining class 9) and the marks after it link the next consonant into one character (UAX #29's rule
    # GB9c, which newer Unicode versions extend to more scripts): it matters where consonants are tokens of their own
    # (Myanmar, Khmer), or where a word of a script with spaces runs into one without.
    linked = (
        f"{_one_of(viramas)}{extend}*"
        f"(?:\\w{word_or_attach}*|(?<=\u200d)[^\\s{ri}{prepend}]{word_or_attach}*)?"  # after a joiner: anything
    )
    base = f"(?:[{ri}]{{2}}|[^\\r\\n])"  # what a prepended character takes along: anything but a line break
    # After a token's first character: joiners and what they join, viramas and what they link, and after a prepended
    # character the next one.
    tail = f"(?:{joined}|{linked}|(?<=[{prepend}]){base}{word_or_attach}*)*"
    pattern = (
        # a word: word characters and what attaches to them
        f"[{prepend}]*[^\\W{_NS}]{word_or_attach}*{tail}"
        # a prepended character and the character it prefixes (not a word character: that was a word)
        f"|[{prepend}]+{base}{attach}*{tail}"
        # a flag, or one other visible character (one of a script without spaces, too) with what attaches to it
        f"|(?:[{ri}]{{2}}|\\S){attach}*{tail}"
        # a mark on a space (or line break): visible, so a token of its own
        f"|(?:\\r\\n|\\s){extend}+"
    )
    return (
        re.compile(pattern, re.DOTALL),
        re.compile(_one_of([*points, *(c for a, b in _PREPEND for c in range(a, b + 1)), *range(0x1F1E6, 0x1F200)])),
        re.compile(extend),
        re.compile(f"[{prepend}]"),
    )


def words(text: str) -> list[tuple[int, int]]:
    """Token boundaries ``(start, end)`` of ``text`` in code points, end exclusive, in text order.

    Runs of word characters are one token ("Jose\\u0301" is one, the accent inside), every other visible character
    is a token of its own with whatever attaches to it ("👩🏽‍💻" and "🇫🇷" are one each), whitespace is in none.
    Tokens never end inside a grapheme cluster, so snapping a span to them never cuts a character a reader sees.
    """
    tokenizer, attaching, extending, prepended = _patterns()
    hit = attaching.search(text)
    if hit is None:
        return [m.span() for m in _PLAIN.finditer(text)]
    # The full tokenizer only around the characters that need it (it is 3-4 times slower per character), between
    # spaces that no token can hold: tokens never cross them, so each stretch can be tokenized on its own.

    def safe(i: int) -> bool:  # text[i] == " ": taken by no token unless prepended to or carrying a mark
        return (i == 0 or prepended.match(text, i - 1) is None) and extending.match(text, i + 1) is None

    out: list[tuple[int, int]] = []
    done = 0  # tokens found before this; text[done] is a safe space, or done is 0
    while hit is not None:
        before = text.rfind(" ", done, hit.start())
        while before > done and not safe(before):
            before = text.rfind(" ", done, before)
        before = max(before, done)
        after = text.find(" ", hit.end())
        while after >= 0 and not safe(after):
            after = text.find(" ", after + 1)
        after = len(text) if after < 0 else after
        out += [m.span() for m in _PLAIN.finditer(text, done, before)]
        out += [m.span() for m in tokenizer.finditer(text, before, after)]
        done = after
        hit = attaching.search(text, after)
    out += [m.span() for m in _PLAIN.finditer(text, done)]
    return out
