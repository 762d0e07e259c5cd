"""lw.Team with spans (``kind="spans"``): members mark spans of each text; decisions shown with their text, ``[]``
taking the item as any answer, conflicts with the spans that differ, gold spans by per-span majority (a span exactly
half marked leaves the item unresolved), agreement as pairwise strict and partial span F1 and their mean over pairs,
and the adjudicator with the majority spans pre-selected. Numbers are checked against `span_agreement`,
`span_scores` and nervaluate 1.2.1 on WNUT 2017 texts marked by people with deterministic slips
(`wnut_people.marked_by`).

The store tests run on SQLite and, where the flow is the team's own, on PostgreSQL too (`any_store_url`).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import nervaluate
import numpy as np
import pandas as pd
import pytest
from wnut_people import LABELS, as_spans, as_tuples, gold_spans, marked_by

import labelwidgets as lw
from labelwidgets.errors import StoreError
from labelwidgets.kinds.spans import encode_spans
from labelwidgets.metrics import team as team_metrics
from labelwidgets.metrics.spans import span_agreement, span_scores
from labelwidgets.metrics.team_spans import resolve_span_gold, span_conflicts, span_team_agreement
from labelwidgets.spans import Span
from labelwidgets.team.team import OTHERS_COLUMN, PRESELECTED_COLUMN, WHY_COLUMN, Team

PEOPLE = ("ana", "ben", "cem")


@pytest.fixture(scope="module")
def wnut() -> pd.DataFrame:
    return lw.datasets.wnut17()


def nervaluate_f1(reference: list[list[Span]], predicted: list[list[Span]], scheme: str) -> float:
    def dicts(side: list[list[Span]]) -> list[list[dict[str, Any]]]:
        return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans] for spans in side]

    results = nervaluate.Evaluator(dicts(reference), dicts(predicted), tags=LABELS, loader="dict").evaluate()
    return float(results["overall"][scheme].f1)


def row(table: pd.DataFrame, metric: str, **where: Any) -> pd.Series:
    mask = table["metric"] == metric
    for column in ("annotator", "other", "label"):
        value = where.get(column)
        mask &= table[column].isna() if value is None else table[column] == value
    assert mask.sum() == 1, (metric, where)
    return table[mask].iloc[0]


def texts_frame(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"text": texts}, index=pd.Index(range(100, 100 + len(texts)), name="id"))


TEXTS = [
    "Ana flew to Paris with Ben",  # person 0-3, location 12-17, person 23-26
    "nothing to see here",
    "Obama visited Berlin and Gardena",  # person 0-5, location 14-20, location 25-32
]


def test_decisions_show_spans_with_their_text_and_no_spans_takes_the_item(any_store_url):
    team = Team(any_store_url, texts_frame(TEXTS), labels=LABELS, kind="spans", overlap=2, poll=0.2,
                show_others=True)  # fmt: skip
    try:
        assert "kind='spans'" in repr(team)
        ana = team.labeler("ana")
        ana.label([(12, 17, "location"), (0, 3, "person")])
        ana.label([])  # no spans: an answer, which takes the item as any other
        ana.label([(0, 5, "person")])
        ben = team.labeler("ben")
        team.refresh()
        assert ben.df[OTHERS_COLUMN].tolist() == [
            "ana: person 'Ana', location 'Paris'", "ana: no spans", "ana: person 'Obama'"
        ]  # fmt: skip
        ben.label([(0, 3, "person"), (12, 17, "location")])
        ben.label([])
        ben.label([(0, 5, "person"), (14, 20, "location")])
        decisions = team.decisions.sort_values(["annotator", "key"])
        assert decisions["label"].tolist()[:2] == [
            [{"start": 0, "end": 3, "label": "person", "text": "Ana"},
             {"start": 12, "end": 17, "label": "location", "text": "Paris"}],
            [],
        ]  # fmt: skip
        assert team.labeler("cem").stats["remaining"] == 0  # every item has its two answers, the empty ones too
        assert team.progress().loc["(team: items complete)", "labeled"] == 3
        gold = team.gold.set_index("key")
        assert gold.loc[100, "how"] == "unanimous" and gold.loc[101, "label"] == []
        assert gold.loc[102, "how"] == "unresolved" and gold.loc[102, "label"] is None
        assert gold.loc[102, "tied"] == [{"start": 14, "end": 20, "label": "location", "text": "Berlin"}]
        conflicts = team.conflicts
        assert conflicts["key"].tolist() == [102] and conflicts["majority"].tolist() == [None]
        assert conflicts["disputed"].iloc[0] == [
            {"start": 14, "end": 20, "label": "location", "text": "Berlin", "by": ["ben"]}
        ]
    finally:
        team.close()


@pytest.fixture(scope="module")
def three_members(tmp_path_factory, wnut):
    """Three members who each mark the first 60 WNUT texts (overlap 3), and what each marked."""
    df = wnut.head(60)
    team = Team(tmp_path_factory.mktemp("team") / "team.db", df[["text"]], labels=LABELS, kind="spans", overlap=3,
                poll=0.2)  # fmt: skip
    marked: dict[tuple[Any, str], list[Span]] = {}
    for name in PEOPLE:
        labeler = team.labeler(name)
        while labeler.session.first_undecided() is not None:
            key = labeler.current.name
            i = df.index.get_loc(key)
            marked[(key, name)] = marked_by(name, i, df["text"].iat[i], gold_spans(df["gold"].iat[i]))
            labeler.label(as_tuples(marked[(key, name)]))
    yield team, marked, df
    team.close()


def test_gold_and_conflicts_by_per_span_majority_equal_a_replay(three_members):
    team, marked, df = three_members
    gold = team.gold.set_index("key")
    conflicts = team.conflicts.set_index("key")
    assert len(gold) == 60
    for key, text in zip(df.index, df["text"], strict=True):
        answers = [marked[(key, name)] for name in PEOPLE]
        votes = {span: sum(span in a for a in answers) for a in answers for span in a}
        expected = sorted(span for span, n in votes.items() if 2 * n > 3)  # three members: never a tie
        assert as_spans(gold.loc[key, "label"]) == expected
        assert all(s["text"] == text[s["start"] : s["end"]] for s in gold.loc[key, "label"])
        same = all(a == answers[0] for a in answers)
        assert gold.loc[key, "how"] == ("unanimous" if same else "majority")
        assert gold.loc[key, "agreement"] == pytest.approx(sum(a == expected for a in answers) / 3)
        assert (key in conflicts.index) == (not same)
        if not same:
            assert as_spans(conflicts.loc[key, "majority"]) == expected
            assert {who: as_spans(spans) for who, spans in conflicts.loc[key, "labels"].items()} == {
                name: marked[(key, name)] for name in PEOPLE
            }
            disputed = conflicts.loc[key, "disputed"]
            assert [Span(d["start"], d["end"], d["label"]) for d in disputed] == sorted(
                span for span, n in votes.items() if n < 3
            )
            for d in disputed:
                assert d["by"] == [n for n in PEOPLE if Span(d["start"], d["end"], d["label"]) in marked[(key, n)]]
    with_gold = team.with_gold()
    assert with_gold["gold_how"].notna().all()
    assert as_spans(with_gold["gold"].iloc[0]) == as_spans(gold.loc[df.index[0], "label"])


def test_agreement_equals_span_agreement_and_nervaluate(three_members):
    team, marked, df = three_members
    table = team.agreement(by_label=True, n_boot=200)
    keys = list(df.index)
    annotations = {name: {key: marked[(key, name)] for key in keys} for name in PEOPLE}
    pairs = span_agreement(annotations, LABELS).set_index(["annotator_a", "annotator_b"])
    strict_values, partial_values = [], []
    for first, second in itertools.combinations(PEOPLE, 2):
        a = [marked[(key, first)] for key in keys]
        b = [marked[(key, second)] for key in keys]
        for scheme, values in (("strict", strict_values), ("partial", partial_values)):
            got = row(table, f"{scheme}_f1", annotator=first, other=second)
            reference = pairs.loc[(first, second), f"{scheme}_f1"]
            assert got["value"] == pytest.approx(reference, abs=1e-12)
            both_ways = (nervaluate_f1(a, b, scheme) + nervaluate_f1(b, a, scheme)) / 2
            assert got["value"] == pytest.approx(both_ways, abs=1e-12)
            assert got["n"] == 60 and got["low"] <= got["value"] <= got["high"]
            values.append(got["value"])
        for label in LABELS:
            by_label = span_agreement(annotations, [label]).set_index(["annotator_a", "annotator_b"])
            for scheme in ("strict", "partial"):
                got = row(table, f"{scheme}_f1", annotator=first, other=second, label=label)["value"]
                reference = by_label.loc[(first, second), f"{scheme}_f1"]
                assert got == pytest.approx(reference, abs=1e-12) or (math.isnan(got) and math.isnan(reference))
    for scheme, values in (("strict", strict_values), ("partial", partial_values)):
        mean = row(table, f"mean_{scheme}_f1")
        assert mean["value"] == pytest.approx(np.mean(values), abs=1e-12)
        assert mean["n"] == 60 and mean["low"] <= mean["value"] <= mean["high"]
    same = sum(
        marked[(key, a)] == marked[(key, b)] for key in keys for a, b in itertools.combinations(PEOPLE, 2)
    )  # fmt: skip
    assert row(table, "percent_agreement")["value"] == pytest.approx(same / (3 * 60))
    # the dashboard draws the same rows: the mean in its header, each pair's strict F1 in the grid
    dashboard = team.dashboard()
    try:
        dashboard.refresh()
        title = dashboard.figure.layout.title.text
        assert f"Mean pairwise strict span F1 {row(table, 'mean_strict_f1')['value']:.2f}" in title
        grid = dashboard.figure.data[1]
        assert list(grid.x) == list(PEOPLE)
        assert grid.z[0][1] == pytest.approx(row(table, "strict_f1", annotator="ana", other="ben")["value"])
    finally:
        dashboard.close()


def test_the_dashboard_draws_each_labels_strict_span_f1(three_members):
    team, marked, df = three_members
    annotations = {name: {key: marked[(key, name)] for key in df.index} for name in PEOPLE}
    snapshot = team.snapshot(n_boot=50)
    assert (snapshot.label_metric, snapshot.label_title) == ("mean_strict_f1", "Strict span F1 per label")
    table = snapshot.agreement
    dashboard = team.dashboard()
    try:
        dashboard.refresh()
        figure = dashboard.figure
        assert [a.text for a in figure.layout.annotations][2] == "Strict span F1 per label"
        panel = figure.data[2]
        assert list(panel.x) == LABELS  # every label of the WNUT texts is marked by someone
        assert "strict span F1" in panel.hovertemplate
        for label, drawn in zip(panel.x, panel.y, strict=True):
            team_wide = row(table, "mean_strict_f1", label=label)["value"]
            assert drawn == pytest.approx(team_wide, abs=1e-12)
            # the mean over the pairs of people who marked a span of that label between them
            pairs = span_agreement(annotations, [label])["strict_f1"]
            assert drawn == pytest.approx(float(np.nanmean(pairs)), abs=1e-12)
    finally:
        dashboard.close()


def test_two_members_tie_and_the_adjudicator_finds_the_majority_pre_selected(any_store_url):
    team = Team(any_store_url, texts_frame(TEXTS), labels=LABELS, kind="spans", overlap=2, poll=0.2)
    try:
        ana, ben = team.labeler("ana"), team.labeler("ben")
        ana.label([(0, 3, "person"), (12, 17, "location")])
        ana.label([])
        ana.label([(0, 5, "person"), (25, 32, "location")])
        ben.label([(0, 3, "person"), (12, 17, "location")])  # agreed: no conflict
        ben.label([(0, 4, "person")])  # "noth": half of two, tied
        ben.label([(0, 5, "person"), (14, 20, "location")])
        judge = team.adjudicator("judge")
        assert judge.df["key"].tolist() == [101, 102]
        last = judge.df.set_index("key").loc[102]
        assert last["said by ana"] == "person 'Obama', location 'Gardena'"
        assert last["said by ben"] == "person 'Obama', location 'Berlin'"
        assert last[PRESELECTED_COLUMN] == [{"start": 0, "end": 5, "label": "person", "text": "Obama"}]
        assert last[WHY_COLUMN] == (
            "ana: person 'Obama', location 'Gardena' · ben: person 'Obama', location 'Berlin'. Pre-selected: the "
            "spans more than half marked (person 'Obama'); tied, left for you: location 'Berlin', location "
            "'Gardena'. Enter keeps them; mark or remove spans first to decide otherwise."
        )
        rank = judge.position
        suggestion = judge.session.prefetcher.wait(judge.session.row_at(rank), timeout=10)
        assert suggestion is not None and suggestion.valid and suggestion.label == "[]"  # item 101: nobody's half
        assert not judge.errors
        assert judge.accept().label == "[]"  # Enter commits the pre-selected spans: none
        rank = judge.position
        suggestion = judge.session.prefetcher.wait(judge.session.row_at(rank), timeout=10)
        assert suggestion is not None and suggestion.label == '[[0,5,"person"]]'
        payload = judge.widget.item_payload(rank)
        assert payload["suggestion_status"] == "ready" and payload["suggestion"]["label"] == [[0, 5, "person"]]
        assert "tied, left for you: location 'Berlin', location 'Gardena'" in payload["suggestion"]["rationale"]
        judge.label([(0, 5, "person"), (14, 20, "location")])  # the adjudicator decides otherwise on 102
        gold = team.gold.set_index("key")
        assert gold.loc[101, "how"] == "adjudicated" and gold.loc[101, "label"] == []
        assert gold.loc[101, "agreement"] == 0.5 and gold.loc[101, "adjudicator"] == "judge"
        assert gold.loc[102, "label"] == [
            {"start": 0, "end": 5, "label": "person", "text": "Obama"},
            {"start": 14, "end": 20, "label": "location", "text": "Berlin"},
        ]
        assert gold.loc[102, "tied"] == [] and gold.loc[100, "how"] == "unanimous"
        assert "judge" not in set(team.decisions["annotator"])  # the adjudicator's answers are gold, not ratings
    finally:
        team.close()


def wnut_decisions(wnut: pd.DataFrame) -> tuple[pd.DataFrame, dict[tuple[Any, str], list[Span]]]:
    """Four people on all 400 WNUT texts, each item answered by two or three of them (a skip now and then), the
    answers given as dicts, tuples and stored JSON text by turns."""
    people = ("ana", "ben", "cem", "dan")
    rows, marked = [], {}
    for i, (key, text, cell) in enumerate(zip(wnut.index, wnut["text"], wnut["gold"], strict=True)):
        who = [people[(i + k) % 4] for k in range(2 + i % 2)]
        for j, name in enumerate(who):
            spans = marked_by(name, i, text, gold_spans(cell))
            if (i + j) % 37 == 0:
                rows.append({"key": key, "annotator": name, "label": None})  # a skip: no answer
                continue
            marked[(key, name)] = spans
            shape = (i + j) % 3
            value: Any = (
                [{"start": s.start, "end": s.end, "label": s.label} for s in spans] if shape == 0
                else as_tuples(spans) if shape == 1
                else encode_spans(spans)
            )  # fmt: skip
            rows.append({"key": key, "annotator": name, "label": value})
    return pd.DataFrame(rows), marked


def test_the_team_functions_on_all_400_wnut_texts(wnut):
    decisions, marked = wnut_decisions(wnut)
    table = span_team_agreement(decisions, LABELS, n_boot=100, seed=3)
    people = sorted({name for _, name in marked})
    annotations = {name: {key: spans for (key, who), spans in marked.items() if who == name} for name in people}
    pairs = span_agreement(annotations, LABELS).set_index(["annotator_a", "annotator_b"])
    values = []
    for first, second in itertools.combinations(people, 2):
        got = row(table, "strict_f1", annotator=first, other=second)
        shared = [key for key in annotations[first] if key in annotations[second]]
        assert got["n"] == len(shared) == pairs.loc[(first, second), "items"]
        if not shared:  # ana and cem never answer the same item
            assert math.isnan(got["value"]) and got["note"] == "no item answered by both"
            continue
        assert got["value"] == pytest.approx(pairs.loc[(first, second), "strict_f1"], abs=1e-12)
        a = [annotations[first][key] for key in shared]
        b = [annotations[second][key] for key in shared]
        ab, ba = span_scores(a, b, LABELS).overall["strict"].f1, span_scores(b, a, LABELS).overall["strict"].f1
        assert got["value"] == pytest.approx((ab + ba) / 2, abs=1e-12)
        assert got["low"] <= got["value"] <= got["high"]
        values.append(got["value"])
    mean = row(table, "mean_strict_f1")
    assert len(values) == 5 and mean["value"] == pytest.approx(np.mean(values), abs=1e-12)
    assert mean["note"] == "the mean over 5 of 6 pairs (the others share no item, or no span on it)"
    answered = pd.Series([key for key, _ in marked]).value_counts()
    assert row(table, "n")["value"] == (answered >= 2).sum()
    again = span_team_agreement(decisions, LABELS, n_boot=100, seed=3)
    pd.testing.assert_frame_equal(table, again)  # seeded: the same intervals every time
    # the team functions of every kind send lists of spans here
    pd.testing.assert_frame_equal(lw.team_agreement(decisions, LABELS, n_boot=100, seed=3), table)
    pd.testing.assert_frame_equal(team_metrics.resolve_gold(decisions), resolve_span_gold(decisions))
    pd.testing.assert_frame_equal(team_metrics.conflicts(decisions), span_conflicts(decisions))

    gold = resolve_span_gold(decisions, labels=LABELS).set_index("key")
    conflicts = span_conflicts(decisions, LABELS, texts=wnut["text"]).set_index("key")
    for key in answered.index:
        answers = [spans for (k, _), spans in marked.items() if k == key]
        votes = {span: sum(span in a for a in answers) for a in answers for span in a}
        n = len(answers)
        tied = sorted(span for span, c in votes.items() if 2 * c == n)
        if n < 2:
            assert key not in gold.index
            continue
        assert as_spans(gold.loc[key, "tied"]) == tied
        if tied:
            assert gold.loc[key, "how"] == "unresolved" and gold.loc[key, "label"] is None
        else:
            assert as_spans(gold.loc[key, "label"]) == sorted(span for span, c in votes.items() if 2 * c > n)
        assert (key in conflicts.index) == any(a != answers[0] for a in answers)
    text = wnut["text"]
    for key, disputed in conflicts["disputed"].items():
        assert all(d["text"] == text[key][d["start"] : d["end"]] for d in disputed)  # texts= names each span


def test_bad_span_answers_and_a_store_of_another_kind_are_refused(tmp_path):
    decisions = pd.DataFrame({"key": [1, 1], "annotator": ["ana", "ben"], "label": [[(0, 3, "person")], "spam"]})
    with pytest.raises(lw.InputError, match=r"the answer of 'ben' on 1: 'spam' is not a JSON list of spans"):
        span_team_agreement(decisions, LABELS)
    decisions.at[1, "label"] = [(0, 3, "villain")]
    with pytest.raises(lw.InputError, match=r"span labels \['villain'\] are not in labels"):
        resolve_span_gold(decisions, labels=LABELS)
    decisions.at[1, "label"] = [(3, 3, "person")]
    with pytest.raises(lw.InputError, match=r"0 <= start < end"):
        span_conflicts(decisions, LABELS)
    decisions.at[1, "label"] = []
    adjudications = pd.DataFrame({"key": [2], "label": [[]]})
    with pytest.raises(lw.InputError, match=r"adjudicated keys \[2\] are not among the decisions' keys"):
        resolve_span_gold(decisions, adjudications, labels=LABELS)
    single = Team(tmp_path / "team.db", texts_frame(TEXTS), labels=LABELS, overlap=2, poll=0.2)
    single.labeler("ana").label("person")
    single.close()
    with pytest.raises(StoreError, match="holds single-label answers"):
        Team(tmp_path / "team.db", texts_frame(TEXTS), labels=LABELS, kind="spans", overlap=2, poll=0.2)
