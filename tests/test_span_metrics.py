"""Span scores (#21) equal nervaluate 1.2.1 and the token view equals seqeval 1.2.2.

The real check is on WNUT 2017 (train and dev, 4,403 documents; the shared copy, skipped when absent): gold spans
from the CoNLL tags on the tokens joined with single spaces, predictions made by perturbing gold with a seeded RNG
(boundaries moved by a word, labels changed, spans dropped, merged, added, stacked on each other), every count and
score per scheme, overall and per label, compared with nervaluate's, and the tags with seqeval's reports. Random
span lists (hypothesis) cover what the data does not: long spans, nesting, empty items, labels left out.

nervaluate's ``end`` is inclusive and ours exclusive: it is given ``end - 1``. Floats are compared with ``==``.
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nervaluate
import pytest
import seqeval.metrics as seqeval_metrics
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seqeval.scheme import IOB2

from labelwidgets.errors import InputError
from labelwidgets.metrics.spans import (
    SCHEMES,
    BioMode,
    SpanCounts,
    SpanScores,
    bio_scores,
    from_bio,
    join_tokens,
    span_agreement,
    span_scores,
    to_bio,
)
from labelwidgets.spans import Span

WNUT = Path(__file__).resolve().parent / "data" / "wnut17"  # the shared copy, kept with the tests
WNUT_LABELS = ["person", "location", "group", "creative-work", "corporation", "product"]
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual", "precision", "recall", "f1")

Spans = list[Span]


# --- references ------------------------------------------------------------------------------------------------


def nervaluate_results(reference: Sequence[Spans], predicted: Sequence[Spans], labels: Sequence[str]) -> Any:
    """nervaluate's results for our spans: dicts with an inclusive ``end``.

    ``loader="dict"`` is what ``loader="default"`` picks for lists of lists of dicts; ``"default"`` itself fails
    with IndexError when the first document has no entity (test_nervaluate_default_loader_quirk), which WNUT's has.
    """

    def dicts(side: Sequence[Spans]) -> list[list[dict[str, Any]]]:
        return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans] for spans in side]

    return nervaluate.Evaluator(dicts(reference), dicts(predicted), tags=list(labels), loader="dict").evaluate()


def assert_counts_equal(ours: SpanCounts, theirs: Any, where: str) -> None:
    for field in FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), f"{where} {field}: {ours} vs {theirs}"


def assert_equals_nervaluate(
    reference: Sequence[Spans], predicted: Sequence[Spans], labels: Sequence[str]
) -> SpanScores:
    ours = span_scores(reference, predicted, labels)
    theirs = nervaluate_results(reference, predicted, labels)
    for scheme in SCHEMES:
        assert_counts_equal(ours.overall[scheme], theirs["overall"][scheme], f"overall {scheme}")
    assert set(ours.per_label) == set(theirs["entities"])
    for label, by_scheme in ours.per_label.items():
        for scheme in SCHEMES:
            assert_counts_equal(by_scheme[scheme], theirs["entities"][label][scheme], f"{label} {scheme}")
    return ours


def assert_equals_seqeval(reference: list[list[str]], predicted: list[list[str]], mode: str) -> SpanScores:
    ours = bio_scores(reference, predicted, mode="strict" if mode == "strict" else "default")
    extra: dict[str, Any] = {"mode": "strict", "scheme": IOB2} if mode == "strict" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UndefinedMetricWarning for labels with no predictions: they are 0, as ours
        report = seqeval_metrics.classification_report(reference, predicted, output_dict=True, **extra)
        f1 = seqeval_metrics.f1_score(reference, predicted, **extra)
    labels = {key for key in report if not key.endswith(" avg")}
    assert labels == set(ours.per_label)
    for name, counts in [("micro avg", ours.overall["strict"]), *((k, ours.per_label[k]["strict"]) for k in labels)]:
        row = report[name]
        assert (counts.precision, counts.recall, counts.f1, counts.possible) == (
            row["precision"], row["recall"], row["f1-score"], row["support"],
        ), name  # fmt: skip
    assert ours.overall["strict"].f1 == f1
    return ours


# --- WNUT 2017 ---------------------------------------------------------------------------------------------------


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Documents of a CoNLL file: tokens and BIO tags, a blank (or whitespace-only) line between documents."""
    documents: list[tuple[list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            if tokens:
                documents.append((tokens, tags))
            tokens, tags = [], []
            continue
        token, tag = line.split("\t")
        tokens.append(token)
        tags.append(tag)
    if tokens:
        documents.append((tokens, tags))
    return documents


class Doc:
    def __init__(self, tokens: list[str], tags: list[str]) -> None:
        self.tokens, self.tags = tokens, tags
        self.text, self.offsets = join_tokens(tokens)
        self.gold = from_bio(tags, self.offsets)

    def span(self, first: int, last: int, label: str) -> Span:
        """Tokens ``first..last`` (inclusive) as a span on the text."""
        return Span(self.offsets[first][0], self.offsets[last][1], label)

    def token_range(self, span: Span) -> tuple[int, int]:
        starts = [start for start, _ in self.offsets]
        ends = [end for _, end in self.offsets]
        return starts.index(span.start), ends.index(span.end)


@pytest.fixture(scope="module")
def wnut() -> list[Doc]:
    return [Doc(*doc) for name in ("wnut17train.conll", "emerging.dev.conll") for doc in read_conll(WNUT / name)]


def perturb(doc: Doc, rng: random.Random, stack: bool) -> Spans:
    """A model's spans made from gold: kept, a boundary moved by a word, relabelled, dropped, merged with the next,
    spurious ones added; with ``stack``, also spans on top of others (another label at the same place, a longer
    one from the same start) and the list shuffled, so nervaluate's greedy pairing is exercised."""
    n = len(doc.tokens)
    out: Spans = []
    gold = doc.gold
    i = 0
    while i < len(gold):
        span = gold[i]
        first, last = doc.token_range(span)
        roll = rng.random()
        if roll < 0.45:
            out.append(span)
        elif roll < 0.55:
            first = min(max(first + rng.choice((-1, 1)), 0), last)
            out.append(doc.span(first, last, span.label))
        elif roll < 0.65:
            last = max(min(last + rng.choice((-1, 1)), n - 1), first)
            out.append(doc.span(first, last, span.label))
        elif roll < 0.75:
            out.append(span._replace(label=rng.choice([x for x in WNUT_LABELS if x != span.label])))
        elif roll < 0.82:
            pass  # dropped
        elif roll < 0.90 and i + 1 < len(gold):
            out.append(Span(span.start, gold[i + 1].end, span.label))  # merged with the next one
            i += 1
        elif stack:
            out.append(span)
            if rng.random() < 0.5:
                out.insert(len(out) - 1, span._replace(label=rng.choice(WNUT_LABELS)))  # same place, before it
            else:
                out.append(doc.span(first, min(last + 1, n - 1), span.label))
        else:
            out.append(span)
        i += 1
    for _ in range(rng.choice((0, 0, 1, 2))):
        first = rng.randrange(n)
        out.append(doc.span(first, min(first + rng.randrange(3), n - 1), rng.choice(WNUT_LABELS)))
    if stack:
        rng.shuffle(out)
        return out
    return untangled(out)


def untangled(spans: Spans) -> Spans:
    """Sorted, with every span that overlaps an earlier one left out: what BIO tags can hold."""
    kept: Spans = []
    for span in sorted(spans):
        if not kept or kept[-1].end <= span.start:
            kept.append(span)
    return kept


def test_wnut_gold_spans_round_trip_through_bio_tags(wnut: list[Doc]) -> None:
    assert len(wnut) == 4403
    assert sum(len(doc.gold) for doc in wnut) == 2811  # the B- tags of both files
    for doc in wnut:
        assert to_bio(doc.gold, doc.offsets) == doc.tags
        for span in doc.gold:  # a span's text is its tokens joined with single spaces
            first, last = doc.token_range(span)
            assert span.text_in(doc.text) == " ".join(doc.tokens[first : last + 1])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("stack", [False, True], ids=["untangled", "stacked"])
def test_wnut_perturbed_predictions_equal_nervaluate(wnut: list[Doc], seed: int, stack: bool) -> None:
    rng = random.Random(seed)
    reference = [doc.gold for doc in wnut]
    predicted = [perturb(doc, rng, stack) for doc in wnut]
    ours = assert_equals_nervaluate(reference, predicted, WNUT_LABELS)
    # the perturbations reach every category and every label
    strict, partial = ours.overall["strict"], ours.overall["partial"]
    assert min(strict.correct, strict.incorrect, strict.missed, strict.spurious, partial.partial) > 100
    assert set(ours.per_label) == set(WNUT_LABELS)
    # some labels only: the others are left out on both sides, as nervaluate's tags do
    assert_equals_nervaluate(reference, predicted, ["person", "product"])


@pytest.mark.parametrize("seed", [0, 1])
def test_wnut_token_view_equals_seqeval_and_span_strict(wnut: list[Doc], seed: int) -> None:
    rng = random.Random(seed)
    predicted = [perturb(doc, rng, stack=False) for doc in wnut]
    gold_tags = [doc.tags for doc in wnut]
    predicted_tags = [to_bio(spans, doc.offsets) for spans, doc in zip(predicted, wnut, strict=True)]
    default = assert_equals_seqeval(gold_tags, predicted_tags, "default")
    strict = assert_equals_seqeval(gold_tags, predicted_tags, "strict")
    # well-formed tags: both modes read the same entities, and they are the spans on the text
    on_text = assert_equals_nervaluate([doc.gold for doc in wnut], predicted, WNUT_LABELS)
    for scores in (default, strict):
        assert scores.overall["strict"] == on_text.overall["strict"]
        assert {k: v["strict"] for k, v in scores.per_label.items()} == {
            k: v["strict"] for k, v in on_text.per_label.items()
        }


def test_ill_formed_tags_split_seqeval_modes(wnut: list[Doc]) -> None:
    """A token classifier's I- without B- (here: every predicted B- of a multi-token entity turned into I-, and
    some first tokens of a document relabelled I-) is an entity in seqeval's default mode and nothing in strict
    mode; each equals its own seqeval report, and they differ."""
    rng = random.Random(3)
    gold_tags = [doc.tags for doc in wnut]
    predicted_tags = []
    for doc in wnut:
        tags = to_bio(perturb(doc, rng, stack=False), doc.offsets)
        for i, tag in enumerate(tags):
            if tag.startswith("B-") and rng.random() < 0.3:
                tags[i] = "I-" + tag[2:]
        predicted_tags.append(tags)
    default = assert_equals_seqeval(gold_tags, predicted_tags, "default")
    strict = assert_equals_seqeval(gold_tags, predicted_tags, "strict")
    assert strict.overall["strict"].actual < default.overall["strict"].actual
    assert strict.overall["strict"].f1 < default.overall["strict"].f1


def test_emoji_texts_are_scored_in_code_points(wnut: list[Doc]) -> None:
    """WNUT dev has documents with emoji (code points beyond U+FFFF, two UTF-16 units each): they are part of the
    WNUT tests above; here on their own, their spans still cover exactly their tokens and scores equal
    nervaluate's, and at least one span sits after an emoji, where UTF-16 offsets would differ."""
    with_emoji = [doc for doc in wnut if any(ord(c) > 0xFFFF for c in doc.text)]
    assert len(with_emoji) >= 50
    shifted = 0
    for doc in with_emoji:
        for span in doc.gold:
            first, last = doc.token_range(span)
            assert doc.text[span.start : span.end] == " ".join(doc.tokens[first : last + 1])
            before = doc.text[: span.start]
            shifted += len(before.encode("utf-16-le")) // 2 != len(before)
    assert shifted > 0
    rng = random.Random(4)
    predicted = [perturb(doc, rng, stack=True) for doc in with_emoji]
    assert_equals_nervaluate([doc.gold for doc in with_emoji], predicted, WNUT_LABELS)


def test_one_hundred_thousand_items_count_as_their_parts(wnut: list[Doc]) -> None:
    """At 100,000 items (the vectorised path and the greedy one both used) the counts are the sums of the counts
    of ten slices: nothing is lost or counted twice at scale. Its speed: benchmarks/bench_span_scores.py."""
    rng = random.Random(5)
    docs = [wnut[i % len(wnut)] for i in range(100_000)]
    reference = [doc.gold for doc in docs]
    predicted = [perturb(doc, rng, stack=i % 10 == 0) for i, doc in enumerate(docs)]
    scores = span_scores(reference, predicted, WNUT_LABELS)
    assert scores.items == 100_000
    parts = [
        span_scores(reference[i : i + 10_000], predicted[i : i + 10_000], WNUT_LABELS)
        for i in range(0, 100_000, 10_000)
    ]
    for scheme in ("strict", "exact", "partial", "ent_type"):
        for field in ("correct", "incorrect", "partial", "missed", "spurious"):
            assert getattr(scores.overall[scheme], field) == sum(getattr(p.overall[scheme], field) for p in parts)


# --- random span lists (hypothesis) -----------------------------------------------------------------------------

LABELS = ["a", "b", "c"]


@st.composite
def span_lists(draw: st.DrawFn, long: bool = True) -> Spans:
    """Spans on a short text that often overlap, nest and repeat; some longer than 100 code points."""
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, 40))
        length = draw(st.one_of(st.integers(1, 12), st.integers(95, 320))) if long else draw(st.integers(1, 12))
        spans.append(Span(start, start + length, draw(st.sampled_from(LABELS))))
    return spans


items = st.lists(st.tuples(span_lists(), span_lists()), min_size=1, max_size=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=items, labels=st.sampled_from([LABELS, ["a"], ["b", "c"], ["c", "a", "b", "unused"]]))
def test_random_span_lists_equal_nervaluate(items: list[tuple[Spans, Spans]], labels: list[str]) -> None:
    reference = [ref for ref, _ in items]
    predicted = [pred for _, pred in items]
    assert_equals_nervaluate(reference, predicted, labels)
    assert_equals_nervaluate(predicted, reference, labels)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.tuples(span_lists(long=False), span_lists(long=False)), min_size=1, max_size=4))
def test_strict_and_exact_only_depend_on_order_when_one_side_overlaps_itself(items: list[tuple[Spans, Spans]]) -> None:
    """Without overlaps inside a side, a prediction cannot take the reference span another one matches exactly, so
    the correct counts of strict and exact (all their scores need) do not depend on the order of either list."""
    reference = [untangled(ref) for ref, _ in items]
    predicted = [untangled(pred) for _, pred in items]
    given_order = span_scores(reference, predicted).overall
    for ref, pred in ((reference, [p[::-1] for p in predicted]), ([r[::-1] for r in reference], predicted)):
        flipped = span_scores(ref, pred).overall
        for scheme in ("strict", "exact"):
            assert flipped[scheme].correct == given_order[scheme].correct
            assert flipped[scheme].f1 == given_order[scheme].f1


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.tuples(span_lists(long=False), span_lists(long=False)), min_size=1, max_size=4))
def test_strict_and_partial_are_symmetric_without_overlaps_inside_a_side(items: list[tuple[Spans, Spans]]) -> None:
    """What span_agreement's docstring says: with no overlaps inside a side and spans under 100 code points (no
    1% edge), F1 is the same whichever person is the reference, in strict and in partial."""
    a = [untangled(ref) for ref, _ in items]
    b = [untangled(pred) for _, pred in items]
    ab, ba = span_scores(a, b).overall, span_scores(b, a).overall
    for scheme in ("strict", "partial"):
        assert ab[scheme].f1 == ba[scheme].f1


def test_ent_type_depends_on_order_even_without_overlaps_inside_a_side() -> None:
    """A reference span overlapped by two predictions goes to the first: the same label (correct) or not."""
    reference = [[Span(0, 2, "a")]]
    right_first = [[Span(0, 1, "a"), Span(1, 2, "b")]]
    wrong_first = [[Span(1, 2, "b"), Span(0, 1, "a")]]
    assert assert_equals_nervaluate(reference, right_first, LABELS).overall["ent_type"].correct == 1
    assert assert_equals_nervaluate(reference, wrong_first, LABELS).overall["ent_type"].correct == 0


tag_sequences = st.lists(st.sampled_from(["O", "O", "B-a", "I-a", "B-b", "I-b"]), min_size=0, max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(st.tuples(tag_sequences, tag_sequences), min_size=1, max_size=6),
    mode=st.sampled_from(["default", "strict"]),
)
def test_random_tags_equal_seqeval(pairs: list[tuple[list[str], list[str]]], mode: str) -> None:
    """Ill-formed tags included (I- after O or after another label): each mode equals its seqeval reading."""
    reference = [ref[: min(len(ref), len(pred))] for ref, pred in pairs]
    predicted = [pred[: min(len(ref), len(pred))] for ref, pred in pairs]
    assert_equals_seqeval(reference, predicted, mode)


@settings(max_examples=200, deadline=None)
@given(tags=tag_sequences)
def test_bio_round_trip(tags: list[str]) -> None:
    _, offsets = join_tokens(["tok"] * len(tags))
    modes: tuple[BioMode, ...] = ("default", "strict")
    for mode in modes:
        spans = from_bio(tags, offsets, mode=mode)
        again = to_bio(spans, offsets)
        assert from_bio(again, offsets, mode="strict") == spans  # the spans survive; ill-formed I- tags do not
    well_formed = to_bio(from_bio(tags, offsets, mode="strict"), offsets)
    assert from_bio(well_formed, mode="default") == from_bio(well_formed, mode="strict")


# --- nervaluate's rules, one case each ---------------------------------------------------------------------------


def one(reference: Spans, predicted: Spans, labels: Sequence[str] = LABELS) -> SpanScores:
    return assert_equals_nervaluate([reference], [predicted], labels)


def test_one_prediction_over_two_reference_spans_takes_the_first() -> None:
    scores = one([Span(0, 5, "a"), Span(6, 10, "a")], [Span(3, 8, "a")])
    assert scores.overall["partial"] == SpanCounts(partial=1, missed=1)
    assert scores.overall["ent_type"] == SpanCounts(correct=1, missed=1)


def test_ent_type_takes_the_closest_reference_span_not_the_first() -> None:
    scores = one([Span(0, 5, "a"), Span(6, 10, "a")], [Span(4, 10, "a")])
    assert scores.overall["ent_type"] == SpanCounts(correct=1, missed=1)
    assert scores.overall["strict"] == SpanCounts(incorrect=1, missed=1)


def test_a_wrong_label_listed_first_takes_the_reference_span_in_strict() -> None:
    """Greedy pairing: the relabelled copy comes first and takes the reference span as incorrect, so the exact
    match after it is spurious. Sorting does not help here (same offsets); it is nervaluate's rule."""
    scores = one([Span(0, 5, "b")], [Span(0, 5, "a"), Span(0, 5, "b")])
    assert scores.overall["strict"] == SpanCounts(incorrect=1, spurious=1)
    assert scores.per_label["b"]["strict"] == SpanCounts(correct=1)
    assert scores.per_label["a"]["strict"] == SpanCounts(spurious=1)
    flipped = one([Span(0, 5, "a"), Span(0, 5, "b")], [Span(0, 5, "b")])
    assert flipped.overall["strict"] == SpanCounts(correct=1, missed=1)


def test_a_wrong_label_is_incorrect_overall_but_spurious_and_missed_per_label() -> None:
    scores = one([Span(0, 5, "a")], [Span(0, 5, "b")])
    assert scores.overall["strict"] == SpanCounts(incorrect=1)
    assert scores.overall["exact"] == SpanCounts(correct=1)
    assert scores.per_label["a"]["exact"] == SpanCounts(missed=1)
    assert scores.per_label["b"]["exact"] == SpanCounts(spurious=1)


def test_overlap_must_be_one_percent_of_the_reference_span() -> None:
    assert one([Span(0, 100, "a")], [Span(99, 120, "a")]).overall["partial"] == SpanCounts(partial=1)
    assert one([Span(0, 101, "a")], [Span(100, 120, "a")]).overall["partial"] == SpanCounts(missed=1, spurious=1)
    assert one([Span(0, 300, "a")], [Span(297, 320, "a")]).overall["partial"] == SpanCounts(partial=1)
    assert one([Span(0, 301, "a")], [Span(298, 320, "a")]).overall["partial"] == SpanCounts(missed=1, spurious=1)
    # touching is not overlapping: end is exclusive
    assert one([Span(0, 5, "a")], [Span(5, 9, "a")]).overall["partial"] == SpanCounts(missed=1, spurious=1)


def test_huge_offsets_take_the_python_pairing_and_still_equal_nervaluate() -> None:
    """Offsets too large for the int64 cluster trick: every item is paired in Python, with the same result."""
    big = 2**60
    reference = [[Span(big, big + 50, "a"), Span(big + 60, big + 70, "b")], [Span(5, 9, "a")]]
    predicted = [[Span(big + 10, big + 65, "a")], [Span(5, 9, "b"), Span(6, 9, "a")]]
    assert_equals_nervaluate(reference, predicted, LABELS)


def test_zero_over_zero_is_zero() -> None:
    scores = one([], [])
    for scheme in SCHEMES:
        counts = scores.overall[scheme]
        assert (counts.precision, counts.recall, counts.f1) == (0.0, 0.0, 0.0)
    assert scores.per_label == {}
    only_missed = one([Span(0, 2, "a")], [])
    assert (only_missed.overall["strict"].precision, only_missed.overall["strict"].recall) == (0.0, 0.0)


def test_no_items_give_zero_counts_where_nervaluate_gives_no_schemes() -> None:
    assert nervaluate.Evaluator([], [], tags=LABELS, loader="dict").evaluate()["overall"] == {}
    scores = span_scores([], [])
    assert all(scores.overall[scheme] == SpanCounts() for scheme in SCHEMES)


def test_nervaluate_default_loader_quirk() -> None:
    """nervaluate 1.2.1's loader="default" reads ``true[0][0]`` to guess the format: an empty first document
    raises IndexError. Otherwise it is the dict loader."""
    entity = {"label": "a", "start": 0, "end": 1}
    with pytest.raises(IndexError):
        nervaluate.Evaluator([[], [entity]], [[], []], tags=["a"], loader="default")
    by_default = nervaluate.Evaluator([[entity]], [[]], tags=["a"], loader="default").evaluate()
    assert by_default["overall"]["strict"].missed == 1


def test_spans_from_any_order_of_items_and_labels_table() -> None:
    scores = span_scores([[Span(0, 5, "a")], []], [[Span(0, 5, "a")], [Span(1, 2, "b")]])
    assert scores.labels == ("a", "b")
    table = scores.table()
    assert list(table["scope"].unique()) == ["overall", "a", "b"]
    row = table[(table["scope"] == "overall") & (table["scheme"] == "strict")].iloc[0]
    assert (row["correct"], row["spurious"], row["precision"], row["recall"]) == (1, 1, 0.5, 1.0)


@pytest.mark.parametrize(
    ("reference", "predicted", "message"),
    [
        ([[Span(0, 1, "a")]], [], "same items"),
        ([[Span(3, 3, "a")]], [[]], "empty"),
        ([[Span(0, 1.5, "a")]], [[]], "integers"),  # type: ignore[arg-type]
        ([[Span(0, 1, 7)]], [[]], "strings"),  # type: ignore[arg-type]
        ([Span(0, 1, "a")], [[]], "Span"),
        ([[(0, 1)]], [[]], "Span"),
        ("text", "text", "one list of Span per item"),
        ([[None]], [[]], "Span"),
    ],
)
def test_bad_input_is_refused(reference: Any, predicted: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        span_scores(reference, predicted)


def test_other_bad_arguments_are_refused() -> None:
    with pytest.raises(InputError, match="not the string"):
        span_scores([[]], [[]], labels="person")
    with pytest.raises(InputError, match="reference tags"):
        bio_scores([["O", "B-a"]], [["O"]])
    with pytest.raises(InputError, match="reference sequences"):
        bio_scores([["O"]], [])
    with pytest.raises(InputError, match="tags for"):
        from_bio(["O"], [(0, 1), (2, 3)])
    with pytest.raises(InputError, match="mode"):
        from_bio(["O"], mode="lenient")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="annotator"):
        span_agreement([[Span(0, 1, "a")]])  # type: ignore[arg-type]


def test_to_bio_refuses_what_tags_cannot_hold() -> None:
    text, offsets = join_tokens(["New", "York", "is", "big"])
    assert text == "New York is big"
    assert to_bio([Span(0, 8, "location")], offsets) == ["B-location", "I-location", "O", "O"]
    with pytest.raises(InputError, match="token boundaries"):
        to_bio([Span(0, 6, "location")], offsets)
    with pytest.raises(InputError, match="overlaps"):
        to_bio([Span(0, 8, "location"), Span(4, 8, "person")], offsets)
    with pytest.raises(InputError, match="not a BIO tag"):
        from_bio(["S-location"])


def test_emoji_offsets_are_code_points() -> None:
    text, offsets = join_tokens(["🍕", "at", "Joe's", "Pizza", "😀"])
    pizza = Span(5, 16, "corporation")
    assert pizza.text_in(text) == "Joe's Pizza"
    assert from_bio(["O", "O", "B-corporation", "I-corporation", "O"], offsets) == [pizza]
    one([pizza], [Span(5, 10, "corporation")], ["corporation"])


# --- agreement between people -------------------------------------------------------------------------------


def test_agreement_on_wnut_is_symmetric_and_is_span_scores_f1(wnut: list[Doc]) -> None:
    rng = random.Random(6)
    docs = wnut[:800]
    people = {
        "gold": {i: doc.gold for i, doc in enumerate(docs)},
        "ana": {i: perturb(doc, rng, stack=False) for i, doc in enumerate(docs)},
        "bo": {i: perturb(doc, rng, stack=False) for i, doc in enumerate(docs) if i % 3},  # did two thirds
    }
    table = span_agreement(people)
    assert len(table) == 3
    swapped = span_agreement({name: people[name] for name in reversed(list(people))})
    for _, row in table.iterrows():
        other = swapped[(swapped["annotator_a"] == row["annotator_b"]) & (swapped["annotator_b"] == row["annotator_a"])]
        assert other["strict_f1"].item() == row["strict_f1"]
        assert other["partial_f1"].item() == row["partial_f1"]
        a, b = people[row["annotator_a"]], people[row["annotator_b"]]
        shared = [i for i in a if i in b]
        assert row["items"] == len(shared)
        ab = span_scores([a[i] for i in shared], [b[i] for i in shared]).overall
        ba = span_scores([b[i] for i in shared], [a[i] for i in shared]).overall
        # nobody's spans overlap each other here: strict is the same both ways round, exactly span_scores' F1
        assert math.isclose(ab["strict"].f1, ba["strict"].f1, rel_tol=1e-12)
        assert math.isclose(row["strict_f1"], ab["strict"].f1, rel_tol=1e-12)
        matched = ab["strict"].correct
        assert math.isclose(row["strict_f1"], 2 * matched / (row["spans_a"] + row["spans_b"]), rel_tol=1e-12)
        assert math.isclose(row["partial_f1"], (ab["partial"].f1 + ba["partial"].f1) / 2, rel_tol=1e-12)
        assert 0 < row["strict_f1"] <= row["partial_f1"] < 1


def test_agreement_directions_differ_only_where_nervaluate_is_asymmetric() -> None:
    # the 1% rule is relative to the reference span: a 1-character overlap counts against 51 characters, not 200
    long_one, short_one = [Span(0, 200, "a")], [Span(199, 250, "a")]
    ab = span_scores([long_one], [short_one]).overall["partial"]
    ba = span_scores([short_one], [long_one]).overall["partial"]
    assert (ab.f1, ba.f1) == (0.0, 0.5)
    row = span_agreement({"x": {1: long_one}, "y": {1: short_one}}).iloc[0]
    assert row["partial_f1"] == 0.25
    # a person's own spans stacked at one place: strict greedy pairing depends on direction
    stacked, single = [Span(0, 5, "a"), Span(0, 5, "b")], [Span(0, 5, "b")]
    assert span_scores([single], [stacked]).overall["strict"].f1 == 0.0
    assert span_scores([stacked], [single]).overall["strict"].f1 == pytest.approx(2 / 3)
    row = span_agreement({"x": {1: single}, "y": {1: stacked}}).iloc[0]
    assert row["strict_f1"] == pytest.approx(1 / 3)


def test_agreement_without_spans_or_shared_items_is_nan_with_a_note() -> None:
    table = span_agreement({"x": {1: [], 2: []}, "y": {1: [], 3: [Span(0, 1, "a")]}, "z": {4: []}})
    notes = dict(zip(zip(table["annotator_a"], table["annotator_b"], strict=True), table["note"], strict=True))
    assert notes[("x", "y")] == "neither marked a span on the shared items"
    assert notes[("x", "z")] == "no item annotated by both"
    assert table["strict_f1"].isna().all() and table["partial_f1"].isna().all()
