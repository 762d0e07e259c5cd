"""Two outputs judged side by side (kind="pair"): answers name outputs, layouts are drawn per item and per person
and recorded, the store restores both, lw.pairs makes the pairs from a long table, bad input is refused clearly."""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter

import pandas as pd
import pytest
from scipy.stats import binomtest

import labelwidgets as lw
from labelwidgets.keys import encode_key
from labelwidgets.kinds import PairVerdict
from labelwidgets.kinds.pair import left_of


def frame(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "question": [f"q{i}" for i in range(n)],
            "reply_a": [f"A{i}" for i in range(n)],
            "reply_b": [f"B{i}" for i in range(n)],
        }
    )


def pair_labeler(df: pd.DataFrame, store=None, annotator: str = "ana", **options) -> lw.Labeler:
    return lw.Labeler(
        df, kind="pair", prompt="question", outputs=("reply_a", "reply_b"), store=store, annotator=annotator, **options
    )


def test_the_answers_are_the_outputs_and_tie_and_a_verdict_names_the_output():
    labeler = pair_labeler(frame())
    assert labeler.session.labels.names == ["reply_a", "reply_b", "tie"]
    assert [label.key for label in labeler.session.labels.labels] == ["1", "2", "3"]
    both = lw.Labeler(frame(), kind=lw.PairVerdict(both_bad=True), prompt="question", outputs=("reply_a", "reply_b"),
                      store=None)  # fmt: skip
    assert both.session.labels.names == ["reply_a", "reply_b", "tie", "both_bad"]
    event = labeler.label("reply_b")
    assert (event.action, event.label) == ("labeled", "reply_b")
    assert json.loads(event.detail) == labeler.session.presentation(0)
    assert left_of(event.detail) == labeler.session.presentation(0)["left"]
    labeler.label("tie")
    assert labeler.df["label"].head(3).tolist()[:2] == ["reply_b", "tie"]
    with pytest.raises(lw.InputError, match="not one of the labels"):
        labeler.label("left")  # a side is not an answer: the answer names the output


def test_the_side_is_drawn_per_item_and_per_person_evenly_and_the_same_on_every_showing():
    kind = PairVerdict(outputs=("a", "b"))
    keys = [encode_key(i) for i in range(2000)]
    ana = [kind.presentation(key, "ana", 0)["left"] for key in keys]
    assert ana == [kind.presentation(key, "ana", 0)["left"] for key in keys]  # stable
    counts = Counter(ana)
    assert binomtest(counts["a"], len(keys)).pvalue > 0.01  # no side favoured
    ben = [kind.presentation(key, "ben", 0)["left"] for key in keys]
    same = sum(x == y for x, y in zip(ana, ben, strict=True))
    assert binomtest(same, len(keys)).pvalue > 0.01  # two people's layouts are independent
    other_seed = [kind.presentation(key, "ana", 1)["left"] for key in keys]
    assert other_seed != ana


def test_the_store_keeps_verdicts_and_layouts_and_a_revision_keeps_what_it_replaced(tmp_path):
    store = tmp_path / "pairs.db"
    df = frame()
    labeler = pair_labeler(df, store=store)
    labeler.label("reply_a")
    labeler.label("reply_b")
    labeler.session.relabel(0, "tie")
    labeler.close()
    again = pair_labeler(frame(), store=store)
    assert again.df["label"].head(2).tolist() == ["tie", "reply_b"]
    log = again.decisions
    assert log["action"].tolist() == ["labeled", "labeled", "revised"]
    assert log["previous_label"].tolist()[-1] == "reply_a"
    assert [left_of(d) for d in log["detail"]] == [again.session.presentation(r)["left"] for r in (0, 1, 0)]
    again.close()
    with pytest.raises(lw.StoreError, match="another labeling task"):  # other outputs: another task
        lw.Labeler(frame().rename(columns={"reply_b": "reply_c"}), kind="pair", prompt="question",
                   outputs=("reply_a", "reply_c"), store=store, annotator="ana")  # fmt: skip


def test_an_empty_output_cannot_win_and_the_view_says_what_is_odd_about_a_pair():
    df = frame(3)
    df.loc[0, "reply_a"] = ""
    df.loc[1, "reply_b"] = None
    df.loc[2, "reply_b"] = df.loc[2, "reply_a"]
    labeler = pair_labeler(df)
    with pytest.raises(lw.InputError, match="reply_a is empty for this item"):
        labeler.label("reply_a")
    assert labeler.session.item_view(0)["missing"] == ["reply_a"]
    assert labeler.label("tie").label == "tie"
    assert labeler.session.item_view(1)["missing"] == ["reply_b"]
    with pytest.raises(lw.InputError, match="reply_b is empty"):
        labeler.label("reply_b")
    labeler.skip()
    view = labeler.session.item_view(2)
    assert view["identical"] and not view["missing"]
    placed = {view["left"]["name"], view["right"]["name"]}
    assert placed == {"reply_a", "reply_b"}


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"outputs": ("reply_a",)}, "exactly two outputs"),
        ({"outputs": ("reply_a", "reply_a")}, "twice"),
        ({"outputs": ("reply_a", "nope")}, "do not exist"),
        ({"outputs": ("reply_a", "reply_b", "reply_c")}, "exactly two outputs"),
        ({"outputs": "reply_a"}, "exactly two outputs"),
        ({"outputs": None}, "outputs=\\('reply_a', 'reply_b'\\)"),
        ({"labels": ["x", "y"]}, "drop labels="),
    ],
)
def test_bad_pair_input_says_what_to_do(options, says):
    df = frame()
    df["reply_c"] = "C"
    arguments = {"outputs": ("reply_a", "reply_b"), **options}
    with pytest.raises(lw.InputError, match=says):
        lw.Labeler(df, kind="pair", prompt="question", store=None, **arguments)


def test_outputs_need_kind_pair_and_an_output_may_not_be_called_tie():
    df = frame().rename(columns={"reply_b": "tie"})
    with pytest.raises(lw.InputError, match="use it with kind='pair'"):
        lw.Labeler(df, labels=["x", "y"], text="question", outputs=("reply_a", "tie"), store=None)
    with pytest.raises(lw.InputError, match="may not be called 'tie'"):
        lw.Labeler(df, kind="pair", prompt="question", outputs=("reply_a", "tie"), store=None)
    with pytest.raises(lw.InputError, match="both name the column"):
        lw.Labeler(frame(), kind="pair", prompt="question", text="reply_a", outputs=("reply_a", "reply_b"), store=None)


def long_table(prompts: int = 5, systems: tuple[str, ...] = ("gpt", "llama", "qwen", "phi")) -> pd.DataFrame:
    return pd.DataFrame(
        [(f"question {i}", s, f"{s} answers {i}") for i in range(prompts) for s in systems],
        columns=["question", "model", "reply"],
    )


def test_pairs_from_a_long_table_every_pair_or_a_balanced_sample():
    long = long_table()
    every = lw.pairs(long, prompt="question", system="model", output="reply")
    assert len(every) == 5 * 6
    assert every.index.is_unique
    for _, row in every.iterrows():
        assert row["output_a"] == f"{row['system_a']} answers {row['question'].split()[-1]}"
    assert set(map(tuple, every[["system_a", "system_b"]].values)) == set(
        itertools.combinations(sorted(["gpt", "llama", "qwen", "phi"]), 2)
    )
    sample = lw.pairs(long_table(prompts=12), prompt="question", system="model", output="reply", per_prompt=2, seed=7)
    assert len(sample) == 24
    judged = Counter(sample["system_a"]) + Counter(sample["system_b"])
    assert max(judged.values()) - min(judged.values()) <= 1  # each system judged about as often
    met = Counter(map(tuple, sample[["system_a", "system_b"]].values))
    assert len(met) == 6 and max(met.values()) - min(met.values()) <= 1  # and against each of the others
    again = lw.pairs(long_table(prompts=12), prompt="question", system="model", output="reply", per_prompt=2, seed=7)
    pd.testing.assert_frame_equal(sample, again)  # seeded: the same pairs, the same keys
    labeler = lw.Labeler(sample, kind="pair", prompt="question", outputs=("output_a", "output_b"), store=None)
    assert labeler.label("output_b").label == "output_b"


@pytest.mark.parametrize(
    ("table", "options", "says"),
    [
        (long_table(), {"system": "engine"}, "no column 'engine'"),
        (pd.concat([long_table(), long_table().head(1)]), {}, "keep one output per prompt and system"),
        (long_table(systems=("gpt",)), {}, "nothing to compare"),
        (long_table(), {"per_prompt": 0}, "1 or more"),
    ],
)
def test_bad_long_tables_say_what_to_do(table, options, says):
    with pytest.raises(lw.InputError, match=says):
        lw.pairs(table, **{"prompt": "question", "system": "model", "output": "reply", **options})


def test_judgments_of_a_store_feed_the_statistics_people_and_their_side(tmp_path):
    """Two people judge the same pairs on one store: ana prefers qwen's outputs, ben the left side. The judgments
    table names systems, keeps each person's side, applies undo and revisions, and the statistics see it."""
    import numpy as np

    table = lw.pairs(long_table(prompts=40, systems=("gpt", "qwen")), prompt="question", system="model",
                     output="reply")  # fmt: skip
    store = tmp_path / "judged.db"
    rng = np.random.default_rng(0)
    for who in ("ana", "ben"):
        make = functools.partial(lw.Labeler, table.copy(), kind="pair", prompt="question",
                                 outputs=("output_a", "output_b"), store=store, annotator=who)  # fmt: skip
        if who == "ben":
            with pytest.warns(UserWarning, match="none by 'ben'"):  # a second person on a shared store is told so
                labeler = make()
        else:
            labeler = make()
        for row in range(len(table)):
            shown = labeler.session.presentation(row)
            if who == "ana":
                column = "output_a" if table["system_a"].iat[row] == "qwen" else "output_b"
                answer = column if rng.random() < 0.9 else "tie"
            else:
                answer = shown["left"]
            labeler.label(answer)
        labeler.close()
    labeler = lw.Labeler(table.copy(), kind="pair", prompt="question", outputs=("output_a", "output_b"),
                         store=store, annotator="ana")  # fmt: skip
    labeler.session.relabel(table.index[0], "tie")  # a revision: the judgment in force is the tie
    judged = lw.judgments(labeler)
    assert len(judged) == 80 and set(judged["annotator"]) == {"ana", "ben"}
    assert set(judged["system_a"]) | set(judged["system_b"]) == {"gpt", "qwen"}
    first = judged[(judged["annotator"] == "ana") & (judged["item"] == table.index[0])]
    assert first["winner"].tolist() == ["tie"]
    ana = judged[judged["annotator"] == "ana"]
    rates = lw.win_rates(ana).set_index("system")
    assert rates.loc["qwen", "win_rate"] == 1.0 and rates.loc["qwen", "low"] > 0.5
    bias = lw.position_bias(judged).set_index(["rater", "metric"])
    assert bias.loc[("ben", "left_win_rate"), "value"] == 1.0
    assert bias.loc[("ben", "left_win_rate"), "p_value"] < 1e-6
    assert 0.2 < bias.loc[("ana", "left_win_rate"), "value"] < 0.8
    with pytest.raises(lw.InputError, match="pair Labeler"):
        lw.judgments(lw.Labeler(frame(), labels=["x", "y"], text="question", store=None))


def test_agreement_of_a_judge_with_people_with_and_without_ties_as_mt_bench_counts_it():
    from sklearn.metrics import cohen_kappa_score

    df = frame(8)
    people = ["reply_a", "reply_b", "tie", "reply_a", "reply_b", "tie", "reply_a", "reply_b"]
    judge = ["reply_a", "reply_a", "tie", "tie", "reply_b", "reply_a", "reply_a", "reply_b"]
    df["label"], df["suggestion"], df["decision"] = people, judge, "labeled"
    table = lw.agreement(df, labels=["reply_a", "reply_b", "tie"], kind="pair").set_index("metric")
    decisive = [(p, j) for p, j in zip(people, judge, strict=True) if "tie" not in (p, j)]
    assert table.loc["agreement_without_ties", "n"] == len(decisive) == 5
    assert table.loc["agreement_without_ties", "value"] == pytest.approx(sum(p == j for p, j in decisive) / 5)
    assert table.loc["accuracy", "value"] == pytest.approx(sum(p == j for p, j in zip(people, judge, strict=True)) / 8)
    assert table.loc["cohen_kappa", "value"] == pytest.approx(cohen_kappa_score(people, judge))


def test_a_team_judges_the_same_pairs_and_an_adjudicator_settles_the_conflicts(tmp_path):
    from labelwidgets.metrics.pairwise import pairwise_conflicts, people_agreement

    team = lw.Team(tmp_path / "team.db", frame(6), kind="pair", prompt="question", outputs=("reply_a", "reply_b"),
                   overlap=2)  # fmt: skip
    ana, ben = team.labeler("ana"), team.labeler("ben")
    said = {"ana": ["reply_a", "tie", "reply_b", "reply_a", "tie", "reply_b"],
            "ben": ["reply_a", "reply_b", "reply_b", "tie", "tie", "reply_a"]}  # fmt: skip
    for who, labeler in (("ana", ana), ("ben", ben)):
        for answer in said[who]:
            labeler.label(answer)
    team.refresh()
    differ = [i for i in range(6) if said["ana"][i] != said["ben"][i]]
    assert sorted(map(int, team.conflicts["key"])) == differ
    judged = lw.judgments(ana)
    assert sorted(map(int, pairwise_conflicts(judged)["item"])) == differ
    alpha = people_agreement(judged).set_index("metric").loc["krippendorff_alpha", "value"]
    import krippendorff

    outcome = {"reply_a": 0, "reply_b": 1, "tie": 2}
    assert alpha == pytest.approx(
        krippendorff.alpha([[outcome[x] for x in said[w]] for w in ("ana", "ben")], level_of_measurement="nominal")
    )
    judge = team.adjudicator("carla")
    for _ in differ:
        judge.label("tie")
    team.refresh()
    gold = team.gold.set_index("key")
    assert all(gold.loc[i, "label"] == "tie" for i in differ)
    assert all(gold.loc[i, "label"] == said["ana"][i] for i in range(6) if i not in differ)
    team.close()
