"""Teaching mode with gold spans (``kind="spans"``): the gold column checked against each row's text (a bad cell
refused with its row), never any gold in the browser before the answer, the feedback per item (spans right, missed
and extra with their text, the item's strict F1 and one sentence), the running score and ``report()`` (strict and
partial span F1, per label) equal to `span_scores` and nervaluate 1.2.1; and the teacher's
``lw.Classroom(kind="spans")``: each student's span F1 and per label, the hardest items, the students' mean pairwise
span F1. Data: WNUT 2017 texts marked by people with deterministic slips (`wnut_people.marked_by`)."""

from __future__ import annotations

import html
import itertools
import json
import math
import warnings
from pathlib import Path
from typing import Any

import nervaluate
import numpy as np
import pandas as pd
import pytest
from wnut_people import LABELS, as_spans, as_tuples, gold_spans, marked_by

import labelwidgets as lw
from labelwidgets.metrics.counts import CHANCE_SENTENCE
from labelwidgets.metrics.spans import span_agreement, span_scores
from labelwidgets.spans import Span
from labelwidgets.teaching.class_answers import SPAN_F1_SENTENCE
from labelwidgets.widgets.classroom_view import _cell

TEXTS = [
    "Ana flew to Paris with Ben",  # person 0-3, location 12-17, person 23-26
    "nothing to see here",
    "Obama visited Berlin and Gardena",  # person 0-5, location 14-20, location 25-32
    "a practice item",
]


def small_frame() -> pd.DataFrame:
    """Gold as tuples, JSON text (a CSV round trip), dicts with their text, and missing (a practice item)."""
    gold: list[Any] = [
        [(0, 3, "person"), (12, 17, "location")],
        "[]",
        [{"start": 0, "end": 5, "label": "person", "text": "Obama"},
         {"start": 25, "end": 32, "label": "location", "text": "Gardena"}],
        None,
    ]  # fmt: skip
    return pd.DataFrame({"text": TEXTS, "expert": gold}, index=pd.Index(range(100, 104), name="id"))


def nervaluate_f1(reference: list[list[Span]], predicted: list[list[Span]], scheme: str) -> float:
    def dicts(side: list[list[Span]]) -> list[list[dict[str, Any]]]:
        return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans] for spans in side]

    results = nervaluate.Evaluator(dicts(reference), dicts(predicted), tags=LABELS, loader="dict").evaluate()
    return float(results["overall"][scheme].f1)


def test_no_gold_reaches_the_browser_before_the_answer_then_right_missed_extra_and_f1() -> None:
    df = small_frame()
    taught = lw.Labeler(df, labels=LABELS, kind="spans", gold="expert", store=None, annotator="sam")
    plain = lw.Labeler(df.drop(columns="expert").copy(), labels=LABELS, kind="spans", store=None, annotator="sam")
    try:
        state = json.dumps(taught.widget.get_state(), default=str)
        assert "expert" not in state and "Gardena'" not in state

        def without_feedback(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{k: v for k, v in item.items() if k != "feedback"} for item in items]

        assert without_feedback(taught.widget.window["items"]) == without_feedback(plain.widget.window["items"])
        assert [taught.widget.item_payload(r)["feedback"] for r in range(4)] == [None, None, None, {"practice": True}]
        taught.label([(0, 3, "person"), (23, 26, "location")])  # item 100: Ana right, Paris missed, Ben extra
        assert taught.widget.item_payload(0)["feedback"] == {
            "practice": False, "gold": "person 'Ana', location 'Paris'", "answer": "person 'Ana', location 'Ben'",
            "final": "person 'Ana', location 'Ben'", "correct": False, "guideline": "",
            "gold_spans": [{"start": 0, "end": 3, "label": "person", "text": "Ana"},
                           {"start": 12, "end": 17, "label": "location", "text": "Paris"}],
            "right": [{"start": 0, "end": 3, "label": "person", "text": "Ana"}],
            "missed": [{"start": 12, "end": 17, "label": "location", "text": "Paris"}],
            "extra": [{"start": 23, "end": 26, "label": "location", "text": "Ben"}],
            "f1": span_scores([[Span(0, 3, "person"), Span(12, 17, "location")]],
                              [[Span(0, 3, "person"), Span(23, 26, "location")]]).overall["strict"].f1,
            "summary": "1 of 2 spans right; missed: location 'Paris'; extra: location 'Ben'",
            "model": None, "model_hidden": False,
        }  # fmt: skip
        assert all(taught.widget.item_payload(r)["feedback"] is None for r in (1, 2))  # not yet answered
        taught.label([])  # item 101: no spans, as gold (given as JSON text)
        feedback = taught.widget.item_payload(1)["feedback"]
        assert feedback["correct"] and feedback["f1"] is None  # no span on either side: F1 is 0/0
        assert feedback["summary"] == "no spans, as in the answer key: right"
        taught.label([(0, 5, "person"), (6, 13, "person")])  # item 102: gold given as dicts with their text
        feedback = taught.widget.item_payload(2)["feedback"]
        assert feedback["summary"] == "1 of 2 spans right; missed: location 'Gardena'; extra: person 'visited'"
        taught.label([(0, 1, "person")])  # the practice item: answered, never scored
        assert taught.widget.item_payload(3)["feedback"] == {"practice": True}
        report = taught.report()
        assert (report.scored, report.practice, report.correct) == (3, 1, 1)
        assert (report.gold_spans, report.spans, report.right) == (4, 4, 2)
        assert report.f1 == pytest.approx(0.5) and report.per_label.loc["person", "f1"] == pytest.approx(0.8)
        assert "strict span F1 0.50 against the gold spans (2 of 4 gold spans found, 4 marked" in report.summary()
        assert math.isnan(report.per_label.loc["group", "f1"])  # no group span in gold nor in the answers
    finally:
        taught.close()
        plain.close()


def test_the_score_and_report_on_all_400_wnut_texts_equal_span_scores_and_nervaluate() -> None:
    wnut = lw.datasets.wnut17()
    labeler = lw.Labeler(wnut, labels=LABELS, kind="spans", gold="gold", store=None, annotator="sam")
    given: dict[int, list[Span]] = {}
    try:
        for i, (text, cell) in enumerate(zip(wnut["text"], wnut["gold"], strict=True)):
            if i % 23 == 5:
                labeler.skip()  # a skip scores no answer
                continue
            given[i] = marked_by("sam", i, text, gold_spans(cell))
            labeler.label(as_tuples(given[i]))
        truth = [gold_spans(wnut["gold"].iat[i]) for i in given]
        answers = list(given.values())
        reference = span_scores(truth, answers, LABELS)
        report = labeler.report()
        assert report.scored == len(given) and report.practice == 0
        assert report.correct == sum(t == a for t, a in zip(truth, answers, strict=True))
        strict = reference.overall["strict"]
        assert (report.gold_spans, report.spans, report.right) == (strict.possible, strict.actual, strict.correct)
        assert (report.precision, report.recall, report.f1) == (strict.precision, strict.recall, strict.f1)
        assert report.f1 == pytest.approx(nervaluate_f1(truth, answers, "strict"), abs=1e-12)
        assert report.partial_f1 == pytest.approx(nervaluate_f1(truth, answers, "partial"), abs=1e-12)
        for label in LABELS:
            counts = reference.per_label[label]["strict"]
            assert report.per_label.loc[label, "f1"] == counts.f1
            assert report.per_label.loc[label, "gold_spans"] == counts.possible
        score = labeler.widget.status["score"]
        assert score["f1"] == report.f1 and score["scored"] == report.scored and score["correct"] == report.correct
        assert [row["f1"] for row in score["per_label"]] == report.per_label["f1"].tolist()
        for row in range(40):  # each item's feedback agrees with its own replay
            if row not in given:
                continue
            feedback = labeler.widget.item_payload(row)["feedback"]
            expected = gold_spans(wnut["gold"].iat[row])
            right = [s for s in expected if s in given[row]]
            assert feedback["summary"].startswith(
                f"{len(right)} of {len(expected)} span" if expected else
                ("no spans" if not given[row] else "the answer key has no spans here")
            )  # fmt: skip
            assert as_spans(feedback["missed"]) == [s for s in expected if s not in given[row]]
            assert as_spans(feedback["extra"]) == [s for s in given[row] if s not in expected]
    finally:
        labeler.close()


def test_the_score_survives_a_restart_and_revisions_after_feedback_do_not_count(tmp_path: Path) -> None:
    wnut = lw.datasets.wnut17().head(40)
    store = tmp_path / "class.db"
    labeler = lw.Labeler(wnut, labels=LABELS, kind="spans", gold="gold", store=store, annotator="sam")
    first = {}
    for i, (text, cell) in enumerate(zip(wnut["text"], wnut["gold"], strict=True)):
        first[i] = marked_by("sam", i, text, gold_spans(cell))
        labeler.label(as_tuples(first[i]))
    wrong = [i for i in first if first[i] != gold_spans(wnut["gold"].iat[i])][:3]
    assert wrong
    for i in wrong:
        labeler.relabel(wnut.index[i], as_tuples(gold_spans(wnut["gold"].iat[i])))  # shown the answer, corrected
    report = labeler.report()
    truth = [gold_spans(cell) for cell in wnut["gold"]]
    assert report.f1 == span_scores(truth, list(first.values()), LABELS).overall["strict"].f1
    assert report.revised == len(wrong)
    labeler.close()
    again = lw.Labeler(wnut, labels=LABELS, kind="spans", gold="gold", store=store, annotator="sam")
    try:
        restored = again.report()
        assert (restored.f1, restored.correct, restored.revised) == (report.f1, report.correct, report.revised)
        assert restored.per_label.equals(report.per_label)
    finally:
        again.close()


@pytest.mark.parametrize(
    ("row", "gold", "message"),
    [
        (101, [(0, 99, "person")], r"row 101: the span \(0, 99, 'person'\) ends after the text, which has 19"),
        (102, [{"start": 0, "end": 5, "label": "person", "text": "Obama!"}], r"row 102: .*names the text 'Obama!'"),
        (100, [(0, 3, "villain")], r"row 100: 'villain' is not one of the labels"),
        (100, "person", r"row 100: a spans answer is a list of \(start, end, label\) spans .* not str 'person'"),
        (100, [(0, 8, "person"), (4, 8, "location")], r"row 100: person 'Ana flew' and location 'flew' overlap"),
        (101, "[[0, 4", r"row 101: '\[\[0, 4' is not a JSON list of spans"),
    ],
)
def test_a_gold_cell_that_is_not_spans_of_its_text_is_refused_with_its_row(row: int, gold: Any, message: str) -> None:
    df = small_frame()
    df.at[row, "expert"] = gold
    with pytest.raises(lw.InputError, match=r"the gold column 'expert' has 1 cell\(s\) that are not spans of their"):
        lw.Labeler(df, labels=LABELS, kind="spans", gold="expert", store=None)
    with pytest.raises(lw.InputError, match=message):
        lw.Labeler(df, labels=LABELS, kind="spans", gold="expert", store=None)


def test_a_spans_gold_column_in_a_lesson_of_another_kind_and_a_missing_text_column_are_refused(
    tmp_path: Path,
) -> None:
    df = small_frame()
    for kind in ("single", "multi"):
        with pytest.raises(lw.InputError, match=rf"pass kind='spans' \(this is kind='{kind}'\)"):
            lw.Labeler(df, labels=LABELS, kind=kind, gold="expert", store=None)
        with pytest.raises(lw.InputError, match=r"pass kind='spans'"):
            lw.Classroom(tmp_path / f"{kind}.db", df, gold="expert", labels=LABELS, kind=kind)
    with pytest.raises(lw.InputError, match=r"gold spans are checked against each item's text, and the DataFrame "
                                            r"has no column 'body' \(text=\)"):  # fmt: skip
        lw.Labeler(df, text="body", labels=LABELS, kind="spans", gold="expert", store=None)
    df.at[101, "expert"] = [(0, 99, "person")]
    with pytest.raises(lw.InputError, match=r"row 101: the span \(0, 99, 'person'\) ends after the text"):
        lw.Classroom(tmp_path / "class.db", df, gold="expert", labels=LABELS, kind="spans")


def item_f1(gold: list[Span], answer: list[Span]) -> float:
    """An answer's strict F1 on one item; 1 when neither side has a span (`hardest_spans`' definition)."""
    if not gold and not answer:
        return 1.0
    return span_scores([gold], [answer], LABELS).overall["strict"].f1


def test_the_classroom_scores_each_student_and_the_class_against_span_scores(tmp_path: Path) -> None:
    wnut = lw.datasets.wnut17().head(40).copy()
    practice = wnut.index[[4, 17]]
    wnut.loc[practice, "gold"] = None
    store = tmp_path / "class.db"
    students = ("ana", "ben", "cem")
    room = lw.Classroom(store, wnut, gold="gold", labels=LABELS, kind="spans", n_boot=100)
    labelers = []
    marked: dict[tuple[str, int], list[Span]] = {}
    full = lw.datasets.wnut17().head(40)
    try:
        for name in students:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".*decisions are kept per annotator", category=UserWarning)
                labeler = lw.Labeler(wnut.copy(), labels=LABELS, kind="spans", gold="gold", store=store,
                                     annotator=name)  # fmt: skip
            labelers.append(labeler)
            for i, (text, cell) in enumerate(zip(full["text"], full["gold"], strict=True)):
                marked[(name, i)] = marked_by(name, i, text, gold_spans(cell))
                labeler.label(as_tuples(marked[(name, i)]))
        scored = [i for i in range(40) if wnut.index[i] not in practice]
        truth = {i: gold_spans(full["gold"].iat[i]) for i in scored}
        table = room.table.set_index("student")
        by_label = room.by_label.set_index(["student", "label"])
        for name, labeler in zip(students, labelers, strict=True):
            answers = [marked[(name, i)] for i in scored]
            reference = span_scores([truth[i] for i in scored], answers, LABELS)
            strict = reference.overall["strict"]
            row = table.loc[name]
            assert (row["scored"], row["practice"], row["answered"]) == (38, 2, 40)
            assert row["correct"] == sum(truth[i] == marked[(name, i)] for i in scored)
            assert (row["precision"], row["recall"], row["f1"]) == (strict.precision, strict.recall, strict.f1)
            assert row["partial_f1"] == reference.overall["partial"].f1
            assert (row["gold_spans"], row["spans"]) == (strict.possible, strict.actual)
            assert row["f1_low"] <= row["f1"] <= row["f1_high"]
            assert row["f1"] == labeler.report().f1  # the student's own report agrees
            for label in LABELS:
                counts = reference.per_label.get(label)
                got = by_label.loc[(name, label)]
                if counts is None:
                    assert math.isnan(got["f1"]) and "in gold nor in the answers" in got["note"]
                else:
                    assert got["f1"] == counts["strict"].f1 and got["right"] == counts["strict"].correct
        hardest = room.hardest
        means = {i: np.mean([item_f1(truth[i], marked[(s, i)]) for s in students]) for i in scored}
        assert hardest["mean_f1"].tolist() == pytest.approx(sorted(means.values()))
        first = int(wnut.index.get_loc(hardest["key"].iloc[0]))
        assert means[first] == min(means.values())
        assert as_spans(hardest["gold"].iloc[0]) == truth[first]
        assert hardest["text"].iloc[0] == full["text"].iat[first]
        pairs = span_agreement({s: {i: marked[(s, i)] for i in range(40)} for s in students}, LABELS)
        agreement = room.agreement.set_index("metric")
        assert agreement.loc["mean_strict_f1", "value"] == pytest.approx(pairs["strict_f1"].mean(), abs=1e-12)
        assert agreement.loc["mean_partial_f1", "value"] == pytest.approx(pairs["partial_f1"].mean(), abs=1e-12)
        assert agreement.loc["mean_strict_f1", "n"] == 40  # practice items count: agreement needs no gold
        same = sum(marked[(a, i)] == marked[(b, i)] for i in range(40) for a, b in itertools.combinations(students, 2))
        assert agreement.loc["percent_agreement", "value"] == pytest.approx(same / 120)
        answers = room.answers
        assert answers["answer"].map(type).eq(list).all()
        shown = answers["answer"].iloc[0]
        assert all(s["text"] == full["text"].iat[0][s["start"] : s["end"]] for s in shown)
        view = room.view()
        assert "mean pairwise strict span F1" in view.header.value
        assert "lowest mean strict span F1 first" in view.hardest.value
        assert hardest["gold_described"].iloc[0] in view.hardest.value.replace("&#x27;", "'")
        assert list(view.figure.data[0].y) == pytest.approx(room.snapshot(n_boot=view.n_boot).table["f1"].tolist())
        # span F1, not kappa: what span F1 means instead of kappa's chance, each student's strict and partial F1,
        # and no chance line on the F1 panel
        shown = room.snapshot(n_boot=view.n_boot)
        assert shown.measures.scale_sentence == SPAN_F1_SENTENCE
        header = html.unescape(view.header.value)
        assert SPAN_F1_SENTENCE in header and CHANCE_SENTENCE not in header
        each = " · ".join(f"{r.student} {r.f1:.2f} / {r.partial_f1:.2f}" for r in shown.table.itertuples())
        assert f"Span F1 against gold (strict / partial): {each}" in header
        assert not view.figure.layout.shapes and "chance" not in [a.text for a in view.figure.layout.annotations]
        assert view.figure.layout.yaxis.range == (0, 1.05)
        assert ">nan<" not in view.hardest.value  # an item where no gold span was missed: an empty cell
        assert _cell(pd.Series({"most_missed": math.nan}), "most_missed") == ""
    finally:
        for labeler in labelers:
            labeler.close()
        room.close()


def test_the_classroom_on_postgresql(fresh_postgres_url: str) -> None:
    df = small_frame()
    room = lw.Classroom(fresh_postgres_url, df, gold="expert", labels=LABELS, kind="spans", n_boot=50)
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", gold="expert", store=fresh_postgres_url, annotator="sam")
    try:
        for answer in ([(0, 3, "person"), (23, 26, "location")], [], [(0, 5, "person")], []):
            labeler.label(answer)
        room.refresh()
        row = room.table.iloc[0]
        truth = [[Span(0, 3, "person"), Span(12, 17, "location")], [], [Span(0, 5, "person"),
                                                                          Span(25, 32, "location")]]  # fmt: skip
        given = [[Span(0, 3, "person"), Span(23, 26, "location")], [], [Span(0, 5, "person")]]
        assert (row["scored"], row["practice"]) == (3, 1)
        assert row["f1"] == span_scores(truth, given, LABELS).overall["strict"].f1 == labeler.report().f1
    finally:
        labeler.close()
        room.close()
