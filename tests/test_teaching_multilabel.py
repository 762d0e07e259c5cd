"""Teaching mode with gold sets of labels (``kind="multi"``): the student's feedback per item (labels right, missed,
extra, the item's Jaccard), the running score and ``report()`` (per-label precision, recall, F1, kappa and the mean
Jaccard, equal to scikit-learn), never any gold before the answer; and the teacher's ``lw.Classroom(kind="multi")``
(each student's Jaccard and per-label kappa, the class's alpha with MASI equal to NLTK, the hardest items by mean
Jaccard)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance
from sklearn.metrics import accuracy_score, cohen_kappa_score, jaccard_score, precision_recall_fscore_support

import labelwidgets as lw

LABELS = {"anger": "feels wronged", "fear": "feels threatened", "joy": "feels glad", "sadness": "feels loss"}
NAMES = list(LABELS)


def gold_of(i: int) -> list[str]:
    return [NAMES[i % 4]] + ([NAMES[(i + 1) % 4]] if i % 3 == 0 else [])


def frame(n: int = 12, practice: tuple[int, ...] = ()) -> pd.DataFrame:
    """Gold as lists, every third one as its JSON text (what a CSV round trip gives), practice items missing."""
    gold: list[Any] = [json.dumps(gold_of(i)) if i % 3 == 1 else gold_of(i) for i in range(n)]
    for i in practice:
        gold[i] = None
    return pd.DataFrame({"text": [f"comment {i}" for i in range(n)], "expert": gold})


def answer_of(student: str, i: int) -> list[str]:
    """A student's answer: gold with each label flipped with probability 0.2, never empty (NLTK's MASI fails on
    two empty sets; the empty set as an answer is checked on its own)."""
    rng = np.random.default_rng(100 * i + sum(map(ord, student)))
    flips = {name for name in NAMES if rng.random() < 0.2}
    return sorted(set(gold_of(i)) ^ flips) or ["sadness"]


def indicator(sets: list[list[str]]) -> np.ndarray:
    return np.array([[name in s for name in NAMES] for s in sets], dtype=int)


def test_no_gold_reaches_the_browser_before_the_answer_then_right_missed_extra_and_jaccard() -> None:
    df = frame(6)
    taught = lw.Labeler(df, labels=LABELS, kind="multi", gold="expert", store=None, annotator="sam")
    plain = lw.Labeler(df.drop(columns="expert").copy(), labels=LABELS, kind="multi", store=None, annotator="sam")
    state = json.dumps(taught.widget.get_state(), default=str)
    assert "expert" not in state and '"gold"' not in state

    def without_feedback(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in item.items() if k != "feedback"} for item in items]

    assert without_feedback(taught.widget.window["items"]) == without_feedback(plain.widget.window["items"])
    assert all(taught.widget.item_payload(r)["feedback"] is None for r in range(6))
    taught.label(["anger", "joy"])  # item 0: gold anger + fear
    assert taught.widget.item_payload(0)["feedback"] == {
        "practice": False, "gold": "anger + fear", "answer": "anger + joy", "final": "anger + joy", "correct": False,
        "guideline": "anger: feels wronged; fear: feels threatened", "right": ["anger"], "missed": ["fear"],
        "extra": ["joy"], "jaccard": jaccard_score([[1, 1, 0, 0]], [[1, 0, 1, 0]], average="samples"),
        "model": None, "model_hidden": False,
    }  # fmt: skip
    assert all(taught.widget.item_payload(r)["feedback"] is None for r in range(1, 6))  # not yet answered
    taught.label(["fear"])  # item 1: gold fear, given as JSON text
    feedback = taught.widget.item_payload(1)["feedback"]
    assert feedback["correct"] and feedback["jaccard"] == 1.0 and feedback["missed"] == feedback["extra"] == []
    taught.label([])  # item 2: none of these, against gold joy
    feedback = taught.widget.item_payload(2)["feedback"]
    assert (feedback["answer"], feedback["missed"], feedback["jaccard"]) == ("none of these", ["joy"], 0.0)
    taught.close()
    plain.close()


@pytest.mark.parametrize("seed", [0, 1])
def test_the_running_score_and_report_equal_scikit_learn_and_survive_a_restart(tmp_path: Path, seed: int) -> None:
    df = frame(30, practice=(4, 11))
    rng = np.random.default_rng(seed)
    store = tmp_path / "class.db"
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", gold="expert", store=store, annotator="sam")
    first: dict[int, list[str]] = {}
    for i in range(30):
        if rng.random() < 0.1:
            labeler.skip()
            continue
        first[i] = answer_of(f"sam{seed}", i)
        labeler.label(first[i])
    wrong = [i for i in first if sorted(first[i]) != sorted(gold_of(i))][:3]
    for i in wrong:  # revisions after feedback change nothing
        labeler.relabel(i, gold_of(i))
    scored = [i for i in first if i not in (4, 11)]
    truth, given = indicator([gold_of(i) for i in scored]), indicator([first[i] for i in scored])
    precision, recall, f1, _ = precision_recall_fscore_support(truth, given, average=None, zero_division=np.nan)

    def check(report: Any) -> None:
        assert (report.scored, report.practice, report.revised) == (len(scored), 2, len(wrong))
        assert report.jaccard == pytest.approx(jaccard_score(truth, given, average="samples", zero_division=1))
        assert report.accuracy == pytest.approx(accuracy_score(truth, given))
        assert report.correct == round(accuracy_score(truth, given) * len(scored))
        table = report.per_label
        assert table.index.tolist() == NAMES
        assert table["precision"].to_numpy() == pytest.approx(precision, nan_ok=True)
        assert table["recall"].to_numpy() == pytest.approx(recall, nan_ok=True)
        assert table["f1"].to_numpy() == pytest.approx(f1, nan_ok=True)
        kappas = [cohen_kappa_score(truth[:, j], given[:, j]) for j in range(4)]
        assert table["cohen_kappa"].to_numpy() == pytest.approx(kappas, nan_ok=True)
        assert "mean Jaccard" in report.summary()

    check(labeler.report())
    score = labeler.widget.status["score"]
    assert score["jaccard"] == pytest.approx(jaccard_score(truth, given, average="samples", zero_division=1))
    assert [row["f1"] for row in score["per_label"]] == pytest.approx(list(f1), nan_ok=True)
    assert score["correct"] == labeler.report().correct and score["scored"] == len(scored)
    labeler.close()
    again = lw.Labeler(df, labels=LABELS, kind="multi", gold="expert", store=store, annotator="sam")
    check(again.report())
    again.close()


@pytest.mark.parametrize(
    ("gold", "message"),
    [(["anger", "rage"], r"not in the label set .*rage"), ("anger", r"not in the label set .*'anger'")],
)
def test_a_gold_value_that_is_no_set_of_labels_is_refused(gold: Any, message: str) -> None:
    df = frame(3)
    df.at[1, "expert"] = gold
    with pytest.raises(lw.InputError, match=message):
        lw.Labeler(df, labels=LABELS, kind="multi", gold="expert", store=None, annotator="sam")


def test_the_classroom_scores_each_student_and_the_class_against_replays(tmp_path: Path) -> None:
    df = frame(16, practice=(5,))
    store = tmp_path / "class.db"
    students = ("ana", "ben", "cem")
    room = lw.Classroom(store, df, gold="expert", labels=LABELS, kind="multi", n_boot=50)
    labelers = []
    try:
        for name in students:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".*decisions are kept per annotator", category=UserWarning)
                labeler = lw.Labeler(df.copy(), labels=LABELS, kind="multi", gold="expert", store=store,
                                     annotator=name)  # fmt: skip
            labelers.append(labeler)
            for i in range(16):
                labeler.label(answer_of(name, i))
        scored = [i for i in range(16) if i != 5]
        truth = indicator([gold_of(i) for i in scored])
        table = room.table.set_index("student")
        by_label = room.by_label.set_index(["student", "label"])
        for name, labeler in zip(students, labelers, strict=True):
            given = indicator([answer_of(name, i) for i in scored])
            row = table.loc[name]
            assert (row["scored"], row["practice"]) == (15, 1)
            assert row["jaccard"] == pytest.approx(jaccard_score(truth, given, average="samples", zero_division=1))
            assert row["jaccard_low"] <= row["jaccard"] <= row["jaccard_high"]
            assert row["accuracy"] == pytest.approx(accuracy_score(truth, given))
            assert row["jaccard"] == pytest.approx(labeler.report().jaccard)  # the student's own report agrees
            for j, label in enumerate(NAMES):
                kappa = cohen_kappa_score(truth[:, j], given[:, j])
                assert by_label.loc[(name, label), "cohen_kappa"] == pytest.approx(kappa, nan_ok=True)
        answers = [(name, str(i), frozenset(answer_of(name, i))) for name in students for i in range(16)]
        alpha = room.agreement.set_index("metric").loc["krippendorff_alpha_masi"]
        assert alpha["value"] == pytest.approx(AnnotationTask(answers, distance=masi_distance).alpha(), abs=1e-12)
        assert alpha["n"] == 16  # practice items count: agreement among students needs no gold
        hardest = room.hardest
        means = {
            i: jaccard_score(indicator([gold_of(i)] * 3), indicator([answer_of(s, i) for s in students]),
                             average="samples", zero_division=1)
            for i in scored
        }  # fmt: skip
        assert hardest["mean_jaccard"].tolist() == pytest.approx(sorted(means.values()))
        assert hardest["key"].iloc[0] in [i for i, m in means.items() if m == min(means.values())]
        assert hardest["gold"].iloc[0] == gold_of(int(hardest["key"].iloc[0]))
        view = room.view()
        assert "Krippendorff's alpha (MASI)" in view.header.value
        assert "lowest mean Jaccard first" in view.hardest.value and "mean Jaccard" in view.hardest.value
        assert list(view.figure.data[0].y) == pytest.approx(room.snapshot(n_boot=view.n_boot).table["jaccard"].tolist())
        assert room.answers["answer"].map(type).eq(list).all()  # lists, as the students gave them
    finally:
        for labeler in labelers:
            labeler.close()
        room.close()


def test_feedback_on_a_set_when_the_labels_have_no_descriptions():
    import labelwidgets as lw

    df = pd.DataFrame({"text": ["furious and sad", "meh"], "expert": [["anger", "sadness"], []]})
    student = lw.Labeler(df, labels=["anger", "joy", "sadness"], kind="multi", gold="expert", store=None)
    student.label(["anger", "joy"])
    assert student.lesson is not None
    feedback = student.lesson.feedback_at(0)
    assert feedback is not None and feedback["guideline"] == ""
    assert (feedback["right"], feedback["missed"], feedback["extra"]) == (["anger"], ["sadness"], ["joy"])
    assert feedback["jaccard"] == pytest.approx(1 / 3)


def test_the_classroom_view_of_sets_draws_no_chance_line_under_mean_jaccard():
    from labelwidgets.kinds import MULTI
    from labelwidgets.metrics.counts import CHANCE_SENTENCE
    from labelwidgets.teaching.class_answers import class_answers_for

    measures = class_answers_for(lw.LabelSet.parse(["a", "b"], MULTI)).measures
    assert measures.per_student_title == "Mean Jaccard per student"
    assert measures.chance_line is False and measures.scale_sentence != CHANCE_SENTENCE
    assert "no chance level" in measures.scale_sentence and "chance-corrected" in measures.scale_sentence
