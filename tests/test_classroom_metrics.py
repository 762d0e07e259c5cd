"""A classroom's numbers (``metrics.classroom``): the scored answer, each student against gold and the model, the
hardest items, the class's agreement and the sway of the suggestions, checked against scikit-learn, statsmodels
and the ``krippendorff`` package on events written to a real SQLite store, and on cases computed by hand."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path
from statistics import NormalDist

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from labelwidgets.decision import Decision
from labelwidgets.errors import InputError
from labelwidgets.metrics.classroom import (
    class_agreement,
    hardest,
    newcombe_interval,
    scored_answers,
    student_scores,
    sway,
    sway_sentence,
)
from labelwidgets.store import open_store

LABELS = ["ham", "spam", "other"]
START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


class Log:
    """Events appended to a real SQLite store, one second apart."""

    def __init__(self, path: Path) -> None:
        self.store = open_store(path)
        self.clock = itertools.count()

    def add(self, key: str, student: str, action: str, label: str | None = None, *, suggestion: str | None = None,
            visible: bool | None = None, undoes: int | None = None, previous: str | None = None) -> int:  # fmt: skip
        event = Decision(
            item_key=key, action=action, annotator=student, decided_at=START + dt.timedelta(seconds=next(self.clock)),
            label=label, suggestion=suggestion, suggestion_visible=visible, undoes=undoes, previous_label=previous,
            session_id=f"session-{student}",
        )  # fmt: skip
        return self.store.append(event)

    def answers(self) -> pd.DataFrame:
        return scored_answers(self.store.events_frame())


@pytest.fixture
def log(tmp_path: Path):
    log = Log(tmp_path / "class.db")
    yield log
    log.store.close()


def by(answers: pd.DataFrame, student: str, key: str) -> pd.Series:
    rows = answers[(answers["student"] == student) & (answers["key"] == key)]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------------------------
# the scored answer


def test_a_revision_changes_the_final_answer_never_the_scored_one_and_undo_folds_as_everywhere(log):
    log.add("a", "ana", "labeled", "ham")
    log.add("a", "ana", "revised", "spam", previous="ham")  # after the gold answer was shown
    log.add("b", "ana", "labeled", "spam")
    wrong = log.add("b", "ana", "labeled", "ham")  # answered twice before any reveal: the later one counts
    log.add("b", "ana", "undo", undoes=wrong)  # ... and its undo brings back the first
    log.add("c", "ana", "labeled", "other")
    second = log.add("c", "ana", "revised", "ham", previous="other")
    log.add("c", "ana", "undo", undoes=second)  # an undone revision is no revision
    log.add("d", "ana", "skipped")
    log.add("a", "ben", "accepted", "spam", suggestion="spam", visible=True)
    log.add("e", "ben", "labeled", "ham", suggestion="spam", visible=False)

    answers = log.answers()
    assert len(answers) == 6 and set(answers.columns) >= {"key", "student", "answer", "final", "revised"}
    a = by(answers, "ana", "a")
    assert (a["answer"], a["final"], bool(a["revised"]), a["action"]) == ("ham", "spam", True, "labeled")
    b = by(answers, "ana", "b")
    assert (b["answer"], b["final"], bool(b["revised"])) == ("spam", "spam", False)
    c = by(answers, "ana", "c")
    assert (c["answer"], c["final"], bool(c["revised"])) == ("other", "other", False)
    d = by(answers, "ana", "d")
    assert d["action"] == "skipped" and d["answer"] is None
    assert by(answers, "ben", "a")["suggestion_visible"] == True  # noqa: E712 - pandas' boolean, not `is True`
    assert by(answers, "ben", "e")["suggestion_visible"] == False  # noqa: E712
    assert pd.isna(by(answers, "ana", "a")["suggestion_visible"])  # no suggester: neither shown nor hidden
    assert by(answers, "ben", "e")["suggestion"] == "spam"  # recorded even where it was hidden

    scores = student_scores(answers, {"a": "ham", "b": "spam", "c": "other", "d": "ham", "e": "spam"}, LABELS)
    ana = scores.set_index("student").loc["ana"]
    assert (ana["answered"], ana["scored"], ana["correct"], ana["revised"]) == (4, 3, 3, 1)  # the skip scores nothing


def test_an_empty_log_gives_empty_tables_with_their_columns():
    columns = ("item_key", "annotator", "action", "label", "suggestion", "suggestion_visible", "decided_at", "id",
               "undoes")  # fmt: skip
    empty = scored_answers(pd.DataFrame({c: [] for c in columns}))
    assert empty.empty and "answer" in empty.columns
    assert student_scores(empty, {"a": "ham"}, LABELS).empty
    assert hardest(empty, {"a": "ham"}, LABELS).empty
    agreement = class_agreement(empty, LABELS).set_index("metric")
    assert math.isnan(agreement.loc["krippendorff_alpha", "value"])
    assert agreement.loc["krippendorff_alpha", "note"] and agreement.loc["mean_pairwise_kappa", "note"]
    table = sway(empty, {"a": "ham"})
    assert table["visible"].isna().all() and (table["note"] != "").all()


# ---------------------------------------------------------------------------------------------------------------
# per student, against scikit-learn and statsmodels


def random_class(log: Log, seed: int, n_items: int = 40, students: int = 5) -> tuple[dict[str, str | None], dict]:
    """A class answering with a per-student skill; about a fifth of the items are practice (no gold)."""
    rng = np.random.default_rng(seed)
    gold: dict[str, str | None] = {
        f"i{j:02d}": (None if rng.random() < 0.2 else str(rng.choice(LABELS))) for j in range(n_items)
    }
    model = {k: (v if v is not None and rng.random() < 0.7 else str(rng.choice(LABELS))) for k, v in gold.items()}
    given: dict[str, dict[str, str | None]] = {}
    for s in range(students):
        name = f"s{s}"
        skill = rng.uniform(0.3, 0.9)
        given[name] = {}
        for key in rng.permutation(list(gold)):
            if rng.random() < 0.15:
                continue  # not reached
            if rng.random() < 0.05:
                log.add(key, name, "skipped", suggestion=model[key], visible=True)
                given[name][key] = None
                continue
            right = gold[key] if gold[key] is not None else str(rng.choice(LABELS))
            answer = right if rng.random() < skill else str(rng.choice(LABELS))
            visible = bool(rng.random() < 0.6)
            log.add(key, name, "labeled", answer, suggestion=model[key], visible=visible)
            given[name][key] = answer
            if gold[key] is not None and answer != gold[key] and rng.random() < 0.5:
                log.add(key, name, "revised", gold[key], previous=answer)  # after feedback: not rescored
    return gold, {"model": model, "given": given}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_students_numbers_equal_scikit_learn_and_statsmodels_on_a_replay(log, seed):
    gold, truth = random_class(log, seed)
    answers = log.answers()
    scores = student_scores(answers, pd.Series(gold), LABELS, n_boot=300, seed=seed).set_index("student")
    assert list(scores.index) == sorted(truth["given"])
    assert scores["revised"].sum() > 0  # the replay has revisions to leave out
    for name, given in truth["given"].items():
        row = scores.loc[name]
        scored = {k: v for k, v in given.items() if v is not None and gold[k] is not None}
        y_gold, y_student = [gold[k] for k in scored], list(scored.values())
        assert row["answered"] == len(given)
        assert row["practice"] == sum(gold[k] is None for k in given)
        assert row["scored"] == len(scored)
        assert row["correct"] == int(np.trace(confusion_matrix(y_gold, y_student, labels=LABELS)))
        assert row["accuracy"] == pytest.approx(accuracy_score(y_gold, y_student))
        low, high = proportion_confint(row["correct"], row["scored"], alpha=0.05, method="wilson")
        assert (row["accuracy_low"], row["accuracy_high"]) == (pytest.approx(low), pytest.approx(high))
        assert row["kappa"] == pytest.approx(cohen_kappa_score(y_gold, y_student, labels=LABELS))
        assert row["kappa_low"] <= row["kappa"] <= row["kappa_high"]
        y_model = [truth["model"][k] for k in scored]
        assert row["n_model"] == len(scored)
        assert row["kappa_model"] == pytest.approx(cohen_kappa_score(y_student, y_model, labels=LABELS))
        assert row["model_accuracy"] == pytest.approx(accuracy_score(y_gold, y_model))
        revised = answers[(answers["student"] == name) & answers["revised"]]
        assert row["revised"] == len(revised)
        assert (revised["final"] != revised["answer"]).all()  # revisions went to gold, the score did not follow
        shown = answers[(answers["student"] == name) & answers["action"].notna()]["suggestion_visible"]
        assert row["saw_suggestions"] == pytest.approx(float(shown.astype(bool).mean()))


def test_kappa_that_is_undefined_or_says_little_comes_with_the_reason(log):
    for key in ("a", "b", "c"):
        log.add(key, "ana", "labeled", "ham")  # one label throughout, and gold all 'ham' on these
    log.add("a", "ben", "labeled", "spam")
    log.add("z", "cem", "labeled", "ham")  # a practice item only: nothing scored
    scores = student_scores(log.answers(), {"a": "ham", "b": "ham", "c": "ham"}, LABELS).set_index("student")
    assert math.isnan(scores.loc["ana", "kappa"]) and "0/0" in scores.loc["ana", "kappa_note"]
    assert scores.loc["ana", "accuracy"] == 1.0
    assert math.isnan(scores.loc["cem", "kappa"]) and "no scored answer" in scores.loc["cem", "kappa_note"]
    assert scores.loc["cem", "practice"] == 1 and scores.loc["cem", "scored"] == 0
    assert math.isnan(scores.loc["cem", "kappa_model"]) and "suggestion" in scores.loc["cem", "kappa_model_note"]


# ---------------------------------------------------------------------------------------------------------------
# the hardest items


def test_hardest_items_come_first_with_the_spread_of_answers(log):
    gold = {"easy": "ham", "split": "spam", "hard": "spam", "tie": "ham", "practice": None}
    answered = {
        "easy": ["ham", "ham", "ham", "ham"],
        "split": ["spam", "ham", "other", "spam"],  # 2 of 4 wrong, the wrong ones tied: 'ham' comes first in labels
        "hard": ["ham", "ham", "other", "spam"],  # 3 of 4 wrong, mostly 'ham'
        "tie": ["spam", "ham"],  # 1 of 2 wrong: the same share as 'split', fewer wrong answers
        "practice": ["ham", "spam", "spam"],
    }
    for key, labels in answered.items():
        for i, label in enumerate(labels):
            log.add(key, f"s{i}", "labeled", label)
    table = hardest(log.answers(), gold, LABELS)
    assert table["key"].tolist() == ["hard", "split", "tie", "easy"]  # no practice item
    assert table["share_wrong"].tolist() == [0.75, 0.5, 0.5, 0.0]
    assert table["n_wrong"].tolist() == [3, 2, 1, 0] and table["n_answers"].tolist() == [4, 4, 2, 4]
    assert table["most_common_wrong"].tolist() == ["ham", "ham", "spam", None]
    assert table[LABELS].to_numpy().tolist() == [[2, 1, 1], [1, 2, 1], [1, 1, 0], [4, 0, 0]]
    assert table["gold"].tolist() == ["spam", "spam", "ham", "ham"]
    assert hardest(log.answers(), gold, LABELS, top=2)["key"].tolist() == ["hard", "split"]


# ---------------------------------------------------------------------------------------------------------------
# agreement among the students


@pytest.mark.parametrize("seed", [0, 3])
def test_class_agreement_equals_krippendorff_and_the_mean_of_scikit_learn_kappas(log, seed):
    random_class(log, seed, n_items=30, students=4)
    answers = log.answers()
    table = class_agreement(answers, LABELS, n_boot=200, seed=seed).set_index("metric")
    wide = answers.pivot(index="student", columns="key", values="answer")  # revisions are not what they answered
    codes = wide.apply(lambda column: column.map({name: i for i, name in enumerate(LABELS)})).to_numpy(dtype=float)
    alpha = krippendorff.alpha(reliability_data=codes, level_of_measurement="nominal")
    row = table.loc["krippendorff_alpha"]
    assert row["value"] == pytest.approx(alpha)
    assert row["low"] <= row["value"] <= row["high"] and row["interval"] == "bootstrap percentile"
    assert row["n"] == int((np.isfinite(codes).sum(axis=0) >= 2).sum())
    kappas = []
    for a, b in itertools.combinations(wide.index, 2):
        both = wide.loc[a].notna() & wide.loc[b].notna()
        kappas.append(cohen_kappa_score(wide.loc[a, both], wide.loc[b, both], labels=LABELS))
    assert table.loc["mean_pairwise_kappa", "value"] == pytest.approx(np.mean(kappas))
    assert table.loc["mean_pairwise_kappa", "n"] == len(kappas)


# ---------------------------------------------------------------------------------------------------------------
# sway


SWAY_GOLD = {"k1": "ham", "k2": "ham", "k3": "spam", "k4": "spam", "k5": "ham", "k6": "spam", "k7": None}
MODEL = {"k1": "ham", "k2": "ham", "k3": "spam", "k4": "ham", "k5": "spam", "k6": "ham", "k7": "ham"}  # k4-k6 wrong
SWAY_ANSWERS = {
    # the suggestion shown
    "ana": (True, {"k1": "ham", "k2": "ham", "k3": "spam", "k4": "ham", "k5": "spam", "k6": "ham"}),  # follows all
    "ben": (True, {"k1": "ham", "k2": "ham", "k3": "spam", "k4": "ham", "k5": "ham", "k6": "spam"}),
    # hidden (blind)
    "cem": (False, {"k1": "ham", "k2": "ham", "k3": "ham", "k4": "spam", "k5": "ham", "k6": "spam"}),
    "dan": (False, {"k1": "ham", "k2": "ham", "k3": "ham", "k4": "ham", "k5": "ham", "k6": "ham"}),
}


def sway_log(log: Log) -> None:
    for student, (visible, given) in SWAY_ANSWERS.items():
        for key, label in given.items():
            log.add(key, student, "accepted" if visible and label == MODEL[key] else "labeled", label,
                    suggestion=MODEL[key], visible=visible)  # fmt: skip
        log.add("k7", student, "labeled", "spam", suggestion="ham", visible=visible)  # practice: left out
    log.add("k3", "cem", "revised", "spam", previous="ham")  # after feedback: what cem answered stays 'ham'
    log.add("k1", "eve", "labeled", "ham")  # no suggester: neither shown nor hidden, left out
    log.add("k2", "eve", "skipped", suggestion="ham", visible=True)  # no label: left out


def test_sway_on_a_case_computed_by_hand(log):
    sway_log(log)
    table = sway(log.answers(), SWAY_GOLD).set_index(["measure", "when"])
    # shown: ana follows 6 of 6, ben 4 of 6; hidden: cem 2 of 6, dan 4 of 6
    expected = {
        ("follow rate", "all items"): (10, 12, 6, 12),
        ("follow rate", "model right"): (6, 6, 4, 6),
        ("follow rate", "model wrong"): (4, 6, 2, 6),  # ana 3 + ben 1 of their 6; cem 0 + dan 2 of theirs
        ("accuracy", "all items"): (8, 12, 8, 12),
        ("accuracy", "model right"): (6, 6, 4, 6),
        ("accuracy", "model wrong"): (2, 6, 4, 6),
    }
    for where, (k_v, n_v, k_h, n_h) in expected.items():
        row = table.loc[where]
        assert (row["n_visible"], row["n_hidden"]) == (n_v, n_h), where
        assert row["visible"] == pytest.approx(k_v / n_v) and row["hidden"] == pytest.approx(k_h / n_h), where
        assert row["difference"] == pytest.approx(k_v / n_v - k_h / n_h)
        low, high = confint_proportions_2indep(k_v, n_v, k_h, n_h, method="newcomb", compare="diff")
        assert (row["difference_low"], row["difference_high"]) == (pytest.approx(low), pytest.approx(high))
        low, high = proportion_confint(k_v, n_v, method="wilson")
        assert (row["visible_low"], row["visible_high"]) == (pytest.approx(low), pytest.approx(high))
        assert row["note"] == ""
    sentence = sway_sentence(sway(log.answers(), SWAY_GOLD))
    assert "followed it 67% of the time (6 answers) vs 33%" in sentence


def test_sway_says_when_there_is_nothing_to_compare(log):
    for key in ("k1", "k4"):
        log.add(key, "ana", "accepted", MODEL[key], suggestion=MODEL[key], visible=True)
    table = sway(log.answers(), SWAY_GOLD).set_index(["measure", "when"])
    row = table.loc[("follow rate", "model wrong")]
    assert row["visible"] == 1.0 and row["n_visible"] == 1
    assert math.isnan(row["hidden"]) and math.isnan(row["difference"]) and math.isnan(row["difference_low"])
    assert "hidden" in row["note"] and "blind" in row["note"]
    assert "blind" in sway_sentence(sway(log.answers(), SWAY_GOLD))

    unsuggested = scored_answers(log.store.events_frame()).assign(suggestion=None, suggestion_visible=pd.NA)
    unsuggested["suggestion_visible"] = unsuggested["suggestion_visible"].astype("boolean")
    table = sway(unsuggested, SWAY_GOLD)
    assert table["visible"].isna().all() and table["note"].str.contains("recorded suggestion").all()


def newcombe_from_wilson(k_a: int, n_a: int, k_b: int, n_b: int, ci: float) -> tuple[float, float]:
    """Newcombe's method 10 written out from the two Wilson intervals (his 1998 paper, eq. for the hybrid score)."""
    z = NormalDist().inv_cdf(1 - (1 - ci) / 2)

    def wilson(k: int, n: int) -> tuple[float, float]:
        p = k / n
        centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)

    (l_a, u_a), (l_b, u_b) = wilson(k_a, n_a), wilson(k_b, n_b)
    p_a, p_b = k_a / n_a, k_b / n_b
    return (p_a - p_b - math.sqrt((p_a - l_a) ** 2 + (u_b - p_b) ** 2),
            p_a - p_b + math.sqrt((u_a - p_a) ** 2 + (p_b - l_b) ** 2))  # fmt: skip


def test_newcombe_interval_is_newcombes_method_10_for_visible_minus_hidden():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    assert newcombe_interval(48, 80, 56, 70) == (pytest.approx(-high), pytest.approx(-low))  # p_a − p_b, not b − a
    for k_a, n_a, k_b, n_b in itertools.product(range(0, 7, 2), (6, 11), range(0, 6, 3), (5, 9)):
        for ci in (0.9, 0.95):
            expected = newcombe_from_wilson(k_a, n_a, k_b, n_b, ci)
            assert newcombe_interval(k_a, n_a, k_b, n_b, ci) == pytest.approx(expected, abs=1e-12)
    assert newcombe_interval(10, 10, 0, 10)[1] == 1.0  # never past a difference of 1
    assert all(math.isnan(x) for x in newcombe_interval(1, 2, 0, 0))


# ---------------------------------------------------------------------------------------------------------------
# bad input


def test_bad_input_is_refused_with_what_to_do(log):
    log.add("a", "ana", "labeled", "ham")
    answers = log.answers()
    with pytest.raises(InputError, match="not in labels"):
        student_scores(answers, {"a": "maybe"}, LABELS)
    with pytest.raises(InputError, match="answers"):
        student_scores(answers, {"a": "spam"}, ["spam", "other"])
    with pytest.raises(InputError, match="columns"):
        hardest(answers.drop(columns=["answer"]), {"a": "ham"}, LABELS)
    with pytest.raises(InputError, match="DataFrame"):
        class_agreement([("a", "ana", "ham")], LABELS)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="mapping"):
        sway(answers, ["ham"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="events_frame"):
        scored_answers(pd.DataFrame({"key": ["a"]}))
    with pytest.raises(InputError, match="top"):
        hardest(answers, {"a": "ham"}, LABELS, top=-1)
