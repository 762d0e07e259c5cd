"""Spans of the text as answers through the whole core: the Labeler, the store, restore, undo, review, suggestions.

Offsets are Unicode code points everywhere in Python: every test below checks them against ``text.find``.
"""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.errors import InputError, StoreError
from labelwidgets.kinds import SpanAnswers

LABELS = ["person", "location"]

# Texts whose characters are not one UTF-16 unit each, or not one character per glyph: the offsets must still be
# Python's str indices.
TEXTS = [
    "Obama 👩🏽‍💻 visited Paris",  # a ZWJ emoji sequence with a skin tone before the entity
    "🇫🇷 Macron met Merkel in Berlin",  # a flag: two regional indicators
    "Jose\u0301 lives in Madrid",  # a decomposed accent: the person is five code points
    "李明住在东京",  # CJK
    "דוד גר בירושלים",  # right to left
    "nothing to mark here",
]


def frame(texts: list[str] = TEXTS) -> pd.DataFrame:
    return pd.DataFrame({"text": texts}, index=[f"t{i}" for i in range(len(texts))])


def at(text: str, words: str, label: str) -> tuple[int, int, str]:
    start = text.find(words)
    assert start >= 0, (words, text)
    return (start, start + len(words), label)


def stored_labels(path) -> list[str | None]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT label FROM lw_events ORDER BY id")]


ANSWERS = [
    [at(TEXTS[0], "Obama", "person"), at(TEXTS[0], "Paris", "location")],
    [at(TEXTS[1], "Macron", "person"), at(TEXTS[1], "Merkel", "person"), at(TEXTS[1], "Berlin", "location")],
    [at(TEXTS[2], "Jose\u0301", "person"), at(TEXTS[2], "Madrid", "location")],
    [at(TEXTS[3], "李明", "person"), at(TEXTS[3], "东京", "location")],
    [at(TEXTS[4], "דוד", "person"), at(TEXTS[4], "ירושלים", "location")],
    [],
]


def test_spans_land_in_the_dataframe_with_their_text_and_in_the_store_in_code_points(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", store=store_path, annotator="ana")
    for answer in ANSWERS:
        labeler.label(list(reversed(answer)))  # any order in, text order out
    for row, (text, answer) in enumerate(zip(TEXTS, ANSWERS, strict=True)):
        cell = df["label"].iloc[row]
        assert [(s["start"], s["end"], s["label"]) for s in cell] == sorted(answer)
        assert all(s["text"] == text[s["start"] : s["end"]] for s in cell)
    assert df.loc["t5", "label"] == [] and df.loc["t5", "decision"] == "labeled"  # "no spans" is an answer
    assert stored_labels(store_path)[0] == '[[0,5,"person"],[19,24,"location"]]'
    labeler.close()

    again = frame()
    restored = lw.Labeler(again, labels=LABELS, kind="spans", store=store_path, annotator="ana")
    assert again["label"].tolist() == df["label"].tolist()
    assert restored.decisions["label"].tolist() == df["label"].tolist()
    # Each cell is its own list of its own dicts: editing one never reaches another or the store.
    again["label"].iloc[0][0]["label"] = "location"
    assert df["label"].iloc[0][0]["label"] == "person"
    restored.close()


def test_a_span_given_as_a_dict_must_name_the_text_it_covers(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", store=store_path)
    start, end, _ = at(TEXTS[0], "Paris", "location")
    labeler.label([{"start": start, "end": end, "label": "location", "text": "Paris"}])
    assert df["label"].iloc[0][0]["text"] == "Paris"
    utf16_start = len(TEXTS[1][: TEXTS[1].find("Merkel")].encode("utf-16-le")) // 2  # what a browser would count
    with pytest.raises(InputError, match=r"names the text 'Merkel'.*is at \(14, 20\).*code points"):
        labeler.label([{"start": utf16_start, "end": utf16_start + 6, "label": "person", "text": "Merkel"}])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("Obama", "a spans answer is a list"),
        (["person"], "is not a span"),
        ([(0, 0, "person")], "is empty"),
        ([(5, 2, "person")], "ends before it starts"),
        ([(-1, 3, "person")], "starts before the text"),
        ([(0, 99, "person")], "ends after the text, which has 24 characters"),
        ([(0, 5, "org")], "'org' is not one of the labels"),
        ([(0.0, 5, "person")], "whole-number offsets"),
        ([(0, 5, "person"), (0, 5, "person")], "more than once"),
        ([(0, 5, "person"), (3, 8, "location")], "overlap, and this labeler refuses overlapping spans"),
        ([{"start": 0, "label": "person"}], "has no 'end'"),
    ],
)
def test_bad_spans_are_refused_with_what_to_do(answer, message, store_path):
    labeler = lw.Labeler(frame(), labels=LABELS, kind="spans", store=store_path)
    with pytest.raises(InputError, match=message):
        labeler.label(answer)
    assert labeler.position == 0  # nothing recorded


def test_overlap_is_allowed_when_asked_for(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=LABELS, kind=SpanAnswers(overlap=True), store=store_path)
    labeler.label([(0, 5, "person"), (0, 24, "location")])
    assert [s["end"] for s in df["label"].iloc[0]] == [5, 24]
    assert "overlap=True" in repr(SpanAnswers(overlap=True))


def test_undo_and_a_change_keep_what_they_replaced(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", store=store_path)
    labeler.label(ANSWERS[0])
    labeler.label(ANSWERS[1])
    labeler.undo()
    assert pd.isna(df.loc["t1", "label"])
    labeler.goto(0)
    changed = labeler.label([at(TEXTS[0], "Obama", "person")])
    assert changed.action == "revised" and changed.previous_label == '[[0,5,"person"],[19,24,"location"]]'
    revised = labeler.relabel("t0", [])
    assert revised.action == "revised" and revised.previous_label == '[[0,5,"person"]]'
    assert df.loc["t0", "label"] == []


def test_a_text_changed_since_its_spans_were_made_is_stale_never_moved(store_path):
    labeler = lw.Labeler(frame(), labels=LABELS, kind="spans", store=store_path)
    labeler.label(ANSWERS[0])
    labeler.close()
    edited = frame([">> " + TEXTS[0], *TEXTS[1:]])  # three characters earlier: the old offsets would be wrong
    with pytest.warns(UserWarning, match="changed text"):
        again = lw.Labeler(edited, labels=LABELS, kind="spans", store=store_path)
    assert pd.isna(edited.loc["t0", "label"])
    assert len(again.stale) == 1
    # The event log still holds the old spans, without cutting words out of the new text.
    assert again.decisions["label"].iloc[0] == [
        {"start": 0, "end": 5, "label": "person", "text": None},
        {"start": 19, "end": 24, "label": "location", "text": None},
    ]


def test_a_spans_store_is_not_opened_as_another_kind(store_path):
    lw.Labeler(frame(), labels=LABELS, kind="spans", store=store_path).label([])
    with pytest.raises(StoreError, match=r"holds spans answers.*Pass kind='spans'"):
        lw.Labeler(frame(), labels=LABELS, kind="multi", store=store_path)


def test_spans_suggested_from_a_column_are_placed_on_the_text_and_accepted(store_path):
    df = frame()
    df["model"] = [
        [
            {"text": "obama", "label": "person"},
            {"text": "Paris", "label": "location"},
            {"text": "Rome", "label": "location"},
        ],
        [],
        None,
        None,
        None,
        None,
    ]
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", suggester=lw.FromColumn("model"), store=store_path)
    suggestion = labeler.session.prefetcher.wait(labeler.session.row_at(0), timeout=5) or labeler.suggestion
    assert suggestion is not None and suggestion.valid
    assert suggestion.label == '[[0,5,"person"],[19,24,"location"]]'
    assert "1 of the 3 entities are not in the text: 'Rome'" in suggestion.note
    accepted = labeler.accept()
    assert accepted.action == "accepted"
    assert [s["text"] for s in df.loc["t0", "label"]] == ["Obama", "Paris"]


def test_a_suggested_label_outside_the_set_makes_the_whole_suggestion_invalid(store_path):
    df = frame()
    df["model"] = [[{"text": "Obama", "label": "person"}, {"text": "Paris", "label": "city"}], *[None] * 5]
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", suggester=lw.FromColumn("model"), store=store_path)
    labeler.session.prefetcher.wait(labeler.session.row_at(0), timeout=5)
    suggestion = labeler.suggestion
    assert suggestion is not None and not suggestion.valid and "'city'" in suggestion.error


def test_a_decision_records_what_became_of_each_suggested_span(store_path):
    text = TEXTS[0] + " and Rome"
    df = frame([text])
    df["model"] = [
        [
            {"text": "Obama", "label": "location"},
            {"text": "Paris", "label": "location"},
            {"text": "visited", "label": "person"},
            {"text": "Rome", "label": "location"},
        ]
    ]
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", suggester=lw.FromColumn("model"), store=store_path)
    labeler.session.prefetcher.wait(0, timeout=5)
    rome = at(text, "Rome", "location")
    event = labeler.correct(
        [
            at(text, "Obama", "person"),
            at(text, "Paris", "location"),
            (rome[0], rome[1] - 1, "location"),
            at(text, "👩🏽‍💻", "person"),
        ]
    )
    assert event.action == "corrected"
    assert json.loads(labeler.decisions["detail"].iloc[0]) == {
        "suggested": [
            {"span": [0, 5, "location"], "outcome": "relabeled", "now": [0, 5, "person"]},
            {"span": [11, 18, "person"], "outcome": "removed"},
            {"span": [19, 24, "location"], "outcome": "kept"},
            {"span": [29, 33, "location"], "outcome": "moved", "now": [29, 32, "location"]},
        ],
        "added": [[6, 10, "person"]],
    }
