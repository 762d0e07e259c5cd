"""lw.Team with multi-label answers (``kind="multi"``): members answer with sets of labels; overlap, conflicts,
gold by per-label majority, agreement (Krippendorff's alpha with MASI, per label alpha and kappa), show_others and
the adjudicator. Reference numbers come from NLTK, the krippendorff package and scikit-learn, on a replay of what
the members answered."""

from __future__ import annotations

import itertools
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance
from sklearn.metrics import cohen_kappa_score

import labelwidgets as lw
from labelwidgets.errors import StoreError
from labelwidgets.metrics.team import conflicts, resolve_gold
from labelwidgets.team.team import OTHERS_COLUMN, PRESELECTED_COLUMN, WHY_COLUMN, Team

LABELS = ["anger", "fear", "joy", "sadness"]


def items(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"comment {i}" for i in range(n)]}, index=pd.Index(range(100, 100 + n), name="id"))


def answer_of(name: str, i: int) -> list[str]:
    """A member's answer on item i: overlapping sets that differ often, never empty (NLTK's MASI fails on [])."""
    rng = np.random.default_rng(1000 * i + sum(map(ord, name)))
    base = {LABELS[i % 4], LABELS[(i // 4) % 4]}
    flips = {label for label in LABELS if rng.random() < 0.25}
    return sorted(base ^ flips) or [LABELS[i % 4]]


def label_all(labeler: lw.Labeler, name: str) -> None:
    while labeler.session.first_undecided() is not None:
        key = labeler.current.name
        labeler.label(answer_of(name, key - 100))


@pytest.fixture
def three_members(tmp_path):
    """Three members who each answer all 24 items (overlap 3), then the team."""
    team = Team(tmp_path / "team.db", items(24), labels=LABELS, kind="multi", overlap=3, poll=0.2)
    for name in ("ana", "ben", "cem"):
        label_all(team.labeler(name), name)
    yield team
    team.close()


def replay() -> dict[tuple[int, str], frozenset[str]]:
    return {(100 + i, name): frozenset(answer_of(name, i)) for i in range(24) for name in ("ana", "ben", "cem")}


def test_decisions_are_lists_and_an_empty_set_takes_the_item(tmp_path):
    team = Team(tmp_path / "team.db", items(6), labels=LABELS, kind="multi", overlap=2, poll=0.2)
    try:
        assert "kind='multi'" in repr(team)
        ana, ben = team.labeler("ana"), team.labeler("ben")
        for _ in range(6):
            ana.label([])  # none of these: an answer, which counts towards overlap
        for _ in range(6):
            ben.label(["joy", "anger"])
        assert ana.df["label"].tolist() == [[]] * 6
        decisions = team.decisions.sort_values(["annotator", "key"])
        assert decisions["label"].tolist() == [[]] * 6 + [["anger", "joy"]] * 6  # label-set order
        cem = team.labeler("cem")
        assert cem.stats["remaining"] == 0  # every item has its two answers, the empty ones included
        assert team.progress().loc["(team: items complete)", "labeled"] == 6
        gold = team.gold
        assert gold["how"].eq("unresolved").all()  # anger and joy: one of two members each, a tie
        assert gold["tied"].tolist() == [["anger", "joy"]] * 6
        assert gold["label"].isna().all()
    finally:
        team.close()


def test_a_single_label_store_is_refused_as_a_multi_label_team(tmp_path):
    single = Team(tmp_path / "team.db", items(4), labels=LABELS, overlap=2, poll=0.2)
    labeler = single.labeler("ana")
    labeler.label("joy")
    single.close()
    with pytest.raises(StoreError, match="holds single-label answers"):
        Team(tmp_path / "team.db", items(4), labels=LABELS, kind="multi", overlap=2, poll=0.2)


def test_conflicts_and_gold_by_per_label_majority(three_members):
    team = three_members
    answers = replay()
    conflicts = team.conflicts.set_index("key")
    gold = team.gold.set_index("key")
    for i in range(24):
        key = 100 + i
        sets = [answers[(key, name)] for name in ("ana", "ben", "cem")]
        votes = {label: sum(label in s for s in sets) for label in LABELS}
        expected = [label for label in LABELS if 2 * votes[label] > 3]  # three members: never a tie
        assert gold.loc[key, "label"] == expected
        assert gold.loc[key, "how"] == ("unanimous" if len(set(sets)) == 1 else "majority")
        assert gold.loc[key, "agreement"] == pytest.approx(sum(s == frozenset(expected) for s in sets) / 3)
        assert (key in conflicts.index) == (len(set(sets)) > 1)
        if key in conflicts.index:
            assert conflicts.loc[key, "majority"] == expected
            assert conflicts.loc[key, "labels"] == {
                name: [x for x in LABELS if x in answers[(key, name)]] for name in ("ana", "ben", "cem")
            }
    with_gold = team.with_gold()
    assert with_gold["gold"].tolist() == [gold.loc[k, "label"] for k in with_gold.index]


def test_agreement_equals_nltk_krippendorff_and_scikit_learn(three_members):
    team = three_members
    answers = replay()
    table = team.agreement(by_label=True, n_boot=50)

    def row(metric: str, **where: str | None) -> pd.Series:
        mask = table["metric"] == metric
        for column in ("annotator", "other", "label"):
            value = where.get(column)
            mask &= table[column].isna() if value is None else table[column] == value
        assert mask.sum() == 1, (metric, where)
        return table[mask].iloc[0]

    task = AnnotationTask([(who, str(key), labels) for (key, who), labels in answers.items()], distance=masi_distance)
    alpha = row("krippendorff_alpha_masi")
    assert alpha["value"] == pytest.approx(task.alpha(), abs=1e-12)
    assert alpha["n"] == 24 and alpha["low"] <= alpha["value"] <= alpha["high"]
    assert lw.team_agreement(team.decisions, LABELS, n_boot=0)["value"].iloc[2] == pytest.approx(task.alpha())

    keys = [100 + i for i in range(24)]
    for label in LABELS:
        present = np.array([[float(label in answers[(k, who)]) for k in keys] for who in ("ana", "ben", "cem")])
        reference = krippendorff.alpha(reliability_data=present, level_of_measurement="nominal")
        assert row("krippendorff_alpha", label=label)["value"] == pytest.approx(reference, abs=1e-12)
        for first, second in itertools.combinations(range(3), 2):
            names = ("ana", "ben", "cem")
            kappa = cohen_kappa_score(present[first], present[second])
            got = row("cohen_kappa", annotator=names[first], other=names[second], label=label)["value"]
            assert got == pytest.approx(kappa, abs=1e-12) or (math.isnan(got) and math.isnan(kappa))
    for first, second in itertools.combinations(("ana", "ben", "cem"), 2):
        jaccard = np.mean([
            len(answers[(k, first)] & answers[(k, second)]) / len(answers[(k, first)] | answers[(k, second)])
            for k in keys
        ])  # fmt: skip
        assert row("mean_jaccard", annotator=first, other=second)["value"] == pytest.approx(jaccard)
    # the dashboard draws the same rows: alpha with MASI in its header, each pair's mean Jaccard
    dashboard = team.dashboard()
    try:
        dashboard.refresh()
        assert f"Krippendorff's alpha (MASI) {alpha['value']:.2f}" in dashboard.figure.layout.title.text
        grid = dashboard.figure.data[1]
        assert list(grid.x) == ["ana", "ben", "cem"]
        assert grid.z[0][1] == pytest.approx(row("mean_jaccard", annotator="ana", other="ben")["value"])
    finally:
        dashboard.close()


def test_show_others_shows_each_members_set(tmp_path):
    team = Team(tmp_path / "team.db", items(3), labels=LABELS, kind="multi", overlap=3, poll=0.2, show_others=True)
    try:
        ana = team.labeler("ana")
        ana.label(["joy", "anger"])
        ana.label([])
        ben = team.labeler("ben")
        team.refresh()
        assert ben.df[OTHERS_COLUMN].iloc[:2].tolist() == ["ana: anger + joy", "ana: none of these"]
    finally:
        team.close()


def test_the_adjudicator_sees_each_set_and_finds_the_per_label_majority_pre_selected(tmp_path):
    team = Team(tmp_path / "team.db", items(2), labels=LABELS, kind="multi", overlap=2, poll=0.2)
    try:
        ana, ben = team.labeler("ana"), team.labeler("ben")
        ana.label(["joy", "anger"])
        ana.label(["fear"])
        ben.label(["joy"])
        ben.label(["fear"])  # agreed: no conflict
        judge = team.adjudicator("judge")
        assert len(judge.df) == 1
        row = judge.df.iloc[0]
        assert row["said by ana"] == "anger + joy" and row["said by ben"] == "joy"
        assert row[PRESELECTED_COLUMN] == ["joy"]  # anger: one of two, tied, left for the judge
        assert "tied, left for you: anger" in row[WHY_COLUMN]
        rank = judge.position
        suggestion = judge.session.prefetcher.wait(judge.session.row_at(rank), timeout=10)
        assert suggestion is not None and suggestion.valid
        payload = judge.widget.item_payload(rank)
        assert payload["suggestion_status"] == "ready" and payload["suggestion"]["label"] == ["joy"]
        assert "ana: anger + joy · ben: joy" in payload["suggestion"]["rationale"]
        assert not judge.errors
        event = judge.accept()  # Enter commits the pre-selected set
        assert event.label == '["joy"]'
        gold = team.gold.set_index("key")
        assert gold.loc[100, "how"] == "adjudicated" and gold.loc[100, "label"] == ["joy"]
        assert gold.loc[100, "tied"] == [] and gold.loc[100, "adjudicator"] == "judge"
        assert gold.loc[101, "how"] == "unanimous" and gold.loc[101, "label"] == ["fear"]
    finally:
        team.close()


def test_gold_from_team_agreement_functions_on_lists():
    decisions = pd.DataFrame(
        {
            "key": ["a", "a", "a", "b", "b", "c"],
            "annotator": ["x", "y", "z", "x", "y", "x"],
            "label": [["joy"], ["joy", "fear"], [], ["anger"], ["anger"], None],
        }
    )
    gold = resolve_gold(decisions).set_index("key")  # lists: the gold set by per-label majority
    assert gold.loc["a", "label"] == ["joy"] and gold.loc["a", "how"] == "majority"
    assert gold.loc["b", "how"] == "unanimous" and "c" not in gold.index  # c: a skip, no answer
    disputed = conflicts(decisions)
    assert disputed["key"].tolist() == ["a"] and disputed["majority"].tolist() == [["joy"]]
