"""lw.alt_test: the alternative annotator test, held to the authors' reference implementation.

The reference numbers (tests/data/alt_test_reference.json) come from one run of nitaytech/AltTest's own code on the
generated CSVs beside it; the file names the commit and the command. The Benjamini–Yekutieli and –Hochberg steps
are checked against statsmodels, the t-test against scipy.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_1samp
from statsmodels.stats.multitest import multipletests

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.metrics.alt_test import EPSILON_MEANS, _one_sided_t, _step_up
from labelwidgets.teaching.classroom import Classroom
from labelwidgets.team.team import Team

DATA = Path(__file__).parent / "data"
REFERENCE = json.loads((DATA / "alt_test_reference.json").read_text())


@pytest.mark.parametrize("run", REFERENCE["runs"], ids=lambda r: f"{r['file']}-eps{r['epsilon']}")
def test_equal_to_the_authors_code_on_the_reference_data(run):
    table = pd.read_csv(DATA / run["file"])
    result = lw.alt_test(table, llm="llm", epsilon=run["epsilon"], alpha=run["q_fdr"], scoring=run["scoring"])
    assert result.winning_rate == run["winning_rate"]
    assert result.advantage_probability == pytest.approx(run["advantage_prob"], abs=1e-12)
    people = result.annotators.set_index("annotator")
    tested = people[people["p_value"].notna()]
    assert list(tested.index) == run["annotators"]  # who the authors' code skipped, we did not test either
    np.testing.assert_allclose(tested["p_value"].to_numpy(), run["p_values"], rtol=1e-9, atol=1e-15)
    assert result.passed == (run["winning_rate"] >= 0.5)


def test_the_partial_overlap_data_says_who_was_not_tested_and_why():
    result = lw.alt_test(pd.read_csv(DATA / "alt_test_bad_llm_partial.csv"), llm="llm", epsilon=0.2)
    eve = result.annotators.set_index("annotator").loc["eve"]
    assert eve["n_items"] < 30 and math.isnan(eve["p_value"]) and not eve["rejected"]
    assert "fewer than 30" in eve["note"]
    assert not result.passed and result.winning_rate == 0.0
    assert result.sentence.startswith("the LLM cannot replace an annotator here at ε = 0.2")
    verdict = result.verdict()
    assert verdict.loc[0, "annotators_tested"] == 4 and verdict.loc[0, "annotators_won"] == 0


def simulated(seed: int, llm_noise: float, people: int = 5, n_items: int = 200, noise: float = 0.3) -> pd.DataFrame:
    """The paper's simulation model: each label is the gold one with probability 1 - noise, else drawn from the
    priors; the LLM is one more such annotator with its own noise."""
    rng = np.random.default_rng(seed)
    priors = np.array([0.4, 0.3, 0.2, 0.1])
    gold = rng.choice(4, size=n_items, p=priors)

    def annotate(level: float) -> np.ndarray:
        return np.where(rng.random(n_items) < level, rng.choice(4, size=n_items, p=priors), gold)

    llm = annotate(llm_noise)
    frames = [
        pd.DataFrame({"item": range(n_items), "annotator": f"p{j}", "label": annotate(noise), "llm": llm})
        for j in range(people)
    ]
    return pd.concat(frames, ignore_index=True)


def test_a_good_llm_passes_and_a_bad_one_fails_on_simulated_annotators():
    passes = [lw.alt_test(simulated(seed, llm_noise=0.1), llm="llm").passed for seed in range(5)]
    fails = [lw.alt_test(simulated(seed, llm_noise=0.9), llm="llm").passed for seed in range(5)]
    assert all(passes) and not any(fails)
    good = lw.alt_test(simulated(0, llm_noise=0.1), llm="llm")
    bad = lw.alt_test(simulated(0, llm_noise=0.9), llm="llm")
    assert good.advantage_probability > bad.advantage_probability
    assert (good.annotators["llm_alignment"] > bad.annotators["llm_alignment"]).all()
    assert good.sentence.startswith("the LLM can replace an annotator here at ε = 0.2")
    assert "ε" in EPSILON_MEANS and good.epsilon_means == EPSILON_MEANS


def test_epsilon_makes_the_test_easier_and_bh_rejects_at_least_what_by_does():
    table = simulated(3, llm_noise=0.35)
    rates = [lw.alt_test(table, llm="llm", epsilon=e).winning_rate for e in (0.0, 0.1, 0.2, 0.3)]
    assert rates == sorted(rates) and rates[0] < rates[-1]
    by = lw.alt_test(table, llm="llm", epsilon=0.1, fdr="BY").annotators["rejected"]
    bh = lw.alt_test(table, llm="llm", epsilon=0.1, fdr="BH").annotators["rejected"]
    assert (bh | ~by).all()


def test_the_fdr_steps_and_the_t_test_equal_statsmodels_and_scipy():
    rng = np.random.default_rng(7)
    for _ in range(200):
        p = rng.beta(0.4, 1.0, size=int(rng.integers(2, 12)))
        assert (_step_up(p, 0.05, "BY") == multipletests(p, 0.05, method="fdr_by")[0]).all()
        assert (_step_up(p, 0.05, "BH") == multipletests(p, 0.05, method="fdr_bh")[0]).all()
    for _ in range(50):
        d = rng.choice([-1.0, 0.0, 1.0], size=40, p=[0.2, 0.5, 0.3])
        t, p_value = _one_sided_t(d, 0.15)
        expected = ttest_1samp(d, 0.15, alternative="less")
        assert t == pytest.approx(expected.statistic) and p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert _one_sided_t(np.zeros(30), 0.2) == (-math.inf, 0.0)  # scipy's answer for constant data too


def test_a_mapping_of_llm_labels_and_items_without_one(caplog):
    table = simulated(1, llm_noise=0.1)
    llm = table.drop_duplicates("item").set_index("item")["llm"]
    with_column = lw.alt_test(table, llm="llm")
    with_series = lw.alt_test(table.drop(columns="llm"), llm=llm)
    with_dict = lw.alt_test(table.drop(columns="llm"), llm=llm.to_dict())
    assert with_column.winning_rate == with_series.winning_rate == with_dict.winning_rate
    fewer = lw.alt_test(table.drop(columns="llm"), llm=llm.iloc[:150])
    assert fewer.n_items == 150 and (fewer.annotators["n_items"] == 150).all()


def people_labeling(labelers: list, frame: pd.DataFrame, truth: dict) -> None:
    """Real Labelers: each person errs on a fifth of the items, different ones for each."""
    for j, labeler in enumerate(labelers):
        while labeler.session.first_undecided() is not None:
            key = frame.index[labeler.session.row_at(labeler.position)]
            wrong = (key + j) % 5 == 0
            labeler.label(("ham" if truth[key] == "spam" else "spam") if wrong else truth[key])


def items_with_llm(n: int = 40) -> tuple[pd.DataFrame, dict]:
    index = pd.Index(range(100, 100 + n), name="id")
    truth = {key: "spam" if key % 3 == 0 else "ham" for key in index}
    llm = [truth[key] if key % 10 else ("ham" if truth[key] == "spam" else "spam") for key in index]  # 90% right
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)], "llm": llm}, index=index), truth


def test_on_a_team_with_the_suggesters_labels(tmp_path):
    frame, truth = items_with_llm()
    team = Team(tmp_path / "team.db", frame, labels=["ham", "spam"], overlap=3, poll=0.2)
    try:
        labelers = [team.labeler(name, suggester=lw.FromColumn("llm")) for name in ["ana", "ben", "cem"]]
        people_labeling(labelers, frame, truth)
        decisions = team.decisions
        assert len(decisions) == 3 * len(frame)
        result = lw.alt_test(team, epsilon=0.2)  # llm="suggestion": what the suggester proposed on each item
        assert (result.annotators["n_items"] == len(frame)).all()
        by_hand = lw.alt_test(decisions.drop(columns="suggestion"), llm=frame["llm"], epsilon=0.2)
        assert result.annotators["p_value"].tolist() == by_hand.annotators["p_value"].tolist()
        assert result.advantage_probability == by_hand.advantage_probability
        perfect = lw.alt_test(team, llm=pd.Series(truth), epsilon=0.2)  # an LLM that is always right
        assert perfect.passed and perfect.winning_rate == 1.0
    finally:
        team.close()


def test_on_a_classroom(tmp_path):
    frame, truth = items_with_llm()
    frame["expert_label"] = [truth[key] for key in frame.index]
    store = tmp_path / "class.db"
    labelers = [
        lw.Labeler(frame.copy(), text="text", labels=["ham", "spam"], store=store, annotator=name,
                   suggester=lw.FromColumn("llm"), blind=0.0)
        for name in ["ana", "ben", "cem"]
    ]  # fmt: skip
    room = Classroom(store, frame, gold="expert_label", labels=["ham", "spam"], poll=0.1)
    try:
        people_labeling(labelers, frame, truth)
        result = lw.alt_test(room, epsilon=0.2)
        expected = lw.alt_test(
            room.answers.rename(columns={"student": "annotator", "final": "label"}), llm=frame["llm"], epsilon=0.2
        )
        assert result.annotators["annotator"].tolist() == ["ana", "ben", "cem"]
        assert result.annotators["p_value"].tolist() == expected.annotators["p_value"].tolist()
        assert (result.annotators["n_items"] == len(frame)).all()
    finally:
        for labeler in labelers:
            labeler.close()
        room.close()


def long(rows: list[tuple[object, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "annotator", "label"])


def test_bad_input_is_refused_with_the_number():
    good = simulated(0, llm_noise=0.1)
    for epsilon in (-0.1, 1.5, math.nan):
        with pytest.raises(InputError, match="between 0 and 1"):
            lw.alt_test(good, llm="llm", epsilon=epsilon)
    one = good[good["annotator"] == "p0"]
    with pytest.raises(InputError, match="1 person labeled"):
        lw.alt_test(one, llm="llm")
    two = good[good["annotator"].isin(["p0", "p1"])]
    with pytest.raises(InputError, match=r"2 of 2 people .* needs 3 or more"):
        lw.alt_test(two, llm="llm")
    assert lw.alt_test(two, llm="llm", min_annotators=2).winning_rate in (0.0, 0.5, 1.0)
    apart = good.assign(item=good["item"].astype(str) + good["annotator"])  # nobody shares an item
    with pytest.raises(InputError, match=r"0 of 5 people .* Items used: 0; left out: 1000 with fewer than 2 people"):
        lw.alt_test(apart, llm="llm")
    few = good[good["item"] < 20]
    with pytest.raises(InputError, match="'p0': 20"):
        lw.alt_test(few, llm="llm")
    with pytest.raises(InputError, match="more than once"):
        lw.alt_test(pd.concat([good, good.head(1)]), llm="llm")
    with pytest.raises(InputError, match="more than one LLM label for item"):
        lw.alt_test(good.assign(llm=np.arange(len(good)) % 3), llm="llm")
    with pytest.raises(InputError, match="no such column"):
        lw.alt_test(good, llm="gpt")
    with pytest.raises(InputError, match="no column"):
        lw.alt_test(good, llm="llm", annotator="rater")
    with pytest.raises(InputError, match="needs numeric labels"):
        lw.alt_test(good.assign(label="x"), llm="llm", scoring="neg_rmse")
    with pytest.raises(InputError, match="the labels are lists"):
        lw.alt_test(good.assign(label=[["spam"]] * len(good)), llm="llm")
    with pytest.raises(InputError, match="long table"):
        lw.alt_test([1, 2, 3])
    with pytest.raises(InputError, match="alpha"):
        lw.alt_test(good, llm="llm", alpha=0)
