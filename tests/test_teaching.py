"""Teaching mode, the student's side: `Labeler(gold=..., feedback=...)`.

The answer stays in Python until the student's answer on that item is in; then the item carries its feedback; a
change after that is a revision; the running score equals scikit-learn's on the same answers, after a restart too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix

import labelwidgets as lw

LABELS = {"wug": "a small round creature", "blicket": "a thing that makes the machine light up"}


def frame(n: int = 8, practice: tuple[int, ...] = ()) -> pd.DataFrame:
    gold = ["wug" if i % 3 else "blicket" for i in range(n)]
    for i in practice:
        gold[i] = None  # type: ignore[call-overload]
    return pd.DataFrame({"text": [f"item number {i}" for i in range(n)], "expert": gold})


def front_end(widget: Any, sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item payload the browser got: the synced state's window and every message sent since."""
    items = list(widget.get_state()["window"]["items"])
    for message in sent:
        if message.get("type") == "window":
            items.extend(message["items"])
        elif message.get("type") == "item":
            items.append(message["item"])
    return items


def recording(widget: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    original = widget.send

    def send(content: dict[str, Any], buffers: Any = None) -> None:
        sent.append(json.loads(json.dumps(content, default=str)))
        original(content, buffers)

    widget.send = send
    return sent


def test_the_browser_gets_exactly_what_it_would_without_an_answer_key_until_each_answer_is_in() -> None:
    df = frame()
    taught = lw.Labeler(df, labels=LABELS, gold="expert", store=None, annotator="sam")
    plain = lw.Labeler(df.drop(columns="expert").copy(), labels=LABELS, store=None, annotator="sam")
    widget, reference = taught.widget, plain.widget
    sent = recording(widget)
    state = json.dumps(widget.get_state(), default=str)
    assert "expert" not in state and '"gold"' not in state  # neither the column's name nor any gold label field

    def without_feedback(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in item.items() if k != "feedback"} for item in items]

    assert without_feedback(widget.window["items"]) == without_feedback(reference.window["items"])
    assert all(item["feedback"] is None for item in widget.window["items"])
    widget._handle({"type": "window", "rank": 5, "request": 1, "client": "c"})
    for step, label in enumerate(["wug", "wug", "wug"]):
        widget._handle({"type": "decide", "client": "c", "seq": step + 1, "rank": step, "intent": "label",
                        "label": label, "then": step + 1})  # fmt: skip
        answered = set(range(step + 1))
        for item in front_end(widget, sent):
            if item["rank"] not in answered:
                assert item["feedback"] is None, item
    fed = {item["rank"]: item["feedback"] for item in front_end(widget, sent) if item["feedback"]}
    assert set(fed) == {0, 1, 2}
    assert fed[0] == {"practice": False, "gold": "blicket", "answer": "wug", "final": "wug", "correct": False,
                      "guideline": LABELS["blicket"], "model": None, "model_hidden": False}  # fmt: skip
    assert fed[1]["correct"] and fed[1]["gold"] == "wug" and fed[1]["guideline"] == LABELS["wug"]
    taught.close()
    plain.close()


def test_practice_items_say_so_and_are_not_scored() -> None:
    labeler = lw.Labeler(frame(6, practice=(1, 4)), labels=LABELS, gold="expert", store=None, annotator="sam")
    assert labeler.widget.item_payload(1)["feedback"] == {"practice": True}
    labeler.label("wug")  # item 0, gold blicket
    labeler.label("wug")  # item 1, practice
    report = labeler.report()
    assert (report.scored, report.correct, report.practice) == (1, 0, 2)
    assert "2 practice items not scored" in report.summary()
    labeler.close()


def test_a_change_after_the_answer_is_shown_is_a_revision_and_the_score_keeps_the_first_answer() -> None:
    labeler = lw.Labeler(frame(), labels=LABELS, gold="expert", store=None, annotator="sam")
    labeler.label("wug")  # item 0 is a blicket: wrong
    assert labeler.report().correct == 0
    with pytest.raises(lw.InputError, match="cannot be undone"):
        labeler.undo()
    labeler.goto(0)
    with pytest.raises(lw.InputError, match="cannot be skipped"):
        labeler.skip()
    event = labeler.label("blicket")
    assert (event.action, event.previous_label, event.label) == ("revised", "wug", "blicket")
    report = labeler.report()
    assert (report.correct, report.scored, report.revised) == (0, 1, 1)
    assert labeler.df.loc[0, "label"] == "blicket"  # the DataFrame shows the label in force
    feedback = labeler.widget.item_payload(0)["feedback"]
    assert (feedback["answer"], feedback["final"], feedback["correct"]) == ("wug", "blicket", False)
    assert labeler.undo().undoes == event.id  # a revision may be undone: the first answer stands either way
    assert labeler.report().revised == 0
    labeler.close()


def test_feedback_at_the_end_reveals_nothing_until_every_item_is_decided_and_undo_works_until_then() -> None:
    labeler = lw.Labeler(frame(4), labels=LABELS, gold="expert", feedback="end", store=None, annotator="sam")
    widget = labeler.widget
    labeler.label("wug")
    labeler.undo()  # not shown yet: a plain undo
    for label in ["blicket", "wug", "wug"]:
        labeler.label(label)
    assert widget.status["score"] is None and widget.status["reveal"] == 0
    assert all(widget.item_payload(r)["feedback"] is None for r in range(4))
    with pytest.raises(lw.InputError, match="1 item left"):
        labeler.report()
    labeler.label("blicket")  # the last one (item 3 is a blicket)
    assert widget.status["reveal"] == 1  # the views drop what they hold and ask again
    assert [widget.item_payload(r)["feedback"]["correct"] for r in range(4)] == [True, True, True, True]
    assert widget.status["score"]["correct"] == 4
    labeler.close()


def test_without_feedback_nothing_is_ever_shown_and_report_says_who_sees_it() -> None:
    labeler = lw.Labeler(frame(3), labels=LABELS, gold="expert", feedback=None, store=None, annotator="sam")
    for label in ["wug", "wug", "wug"]:
        labeler.label(label)
    widget = labeler.widget
    assert widget.status["score"] is None
    assert all(widget.item_payload(r)["feedback"] is None for r in range(3))
    with pytest.raises(lw.InputError, match="teacher"):
        labeler.report()
    labeler.undo()  # nothing was shown: undo is a plain undo
    labeler.close()


def test_a_blind_item_shows_what_the_model_would_have_said_after_the_answer() -> None:
    df = frame(4)

    class SaysWug:
        name = "says-wug"

        def suggest(self, items: list[Any], labels: Any) -> list[lw.Suggestion]:
            assert all("expert" not in item.fields for item in items)  # the gold column never reaches a suggester
            return [lw.Suggestion(label="wug", confidence=0.8) for _ in items]

    labeler = lw.Labeler(df, labels=LABELS, gold="expert", blind=1.0, suggester=SaysWug(), store=None, annotator="s")
    widget = labeler.widget
    assert widget.item_payload(0)["suggestion"] is None  # hidden while the student answers
    assert labeler.session.prefetcher is not None
    labeler.session.prefetcher.wait(0, timeout=30)  # a blind answer never waits for it: here it is in already
    labeler.label("blicket")
    feedback = widget.item_payload(0)["feedback"]
    assert (feedback["model"], feedback["model_hidden"], feedback["correct"]) == ("wug", True, True)
    decision = labeler.decisions.iloc[-1]
    assert decision["suggestion"] == "wug" and not decision["suggestion_visible"]
    labeler.close()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_running_score_equals_scikit_learn_and_survives_a_restart(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = ["a", "b", "c"]
    n = 40
    gold = rng.choice(labels, size=n, p=[0.6, 0.3, 0.1]).astype(object)
    gold[rng.choice(n, size=4, replace=False)] = None  # practice items
    df = pd.DataFrame({"text": [f"t{i}" for i in range(n)], "gold": gold})
    store = tmp_path / "class.db"
    labeler = lw.Labeler(df, labels=labels, gold="gold", store=store, annotator="sam")
    first: dict[int, str] = {}
    for row in range(n):
        answer = str(gold[row]) if gold[row] is not None and rng.random() < 0.6 else str(rng.choice(labels))
        if rng.random() < 0.1:
            labeler.skip()
            continue
        labeler.label(answer)
        first[row] = answer
    for row in rng.choice(sorted(first), size=5, replace=False):  # revisions after feedback change nothing
        labeler.session.relabel(int(row), str(rng.choice(labels)))
    scored = [r for r in first if gold[r] is not None]
    truth = [str(gold[r]) for r in scored]
    answers = [first[r] for r in scored]

    def check(report: Any) -> None:
        assert report.scored == len(scored)
        assert report.accuracy == pytest.approx(accuracy_score(truth, answers), abs=1e-12)
        assert report.kappa == pytest.approx(cohen_kappa_score(truth, answers), abs=1e-9)
        expected = confusion_matrix(truth, answers, labels=labels)
        assert (report.confusion.to_numpy() == expected).all()

    check(labeler.report())
    score = labeler.widget.status["score"]
    assert score["kappa"] == pytest.approx(cohen_kappa_score(truth, answers), abs=1e-9)
    labeler.close()
    again = lw.Labeler(df, labels=labels, gold="gold", store=store, annotator="sam")
    check(again.report())
    again.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gold": "nope"}, "gold='nope' must name the column"),
        ({"gold": "odd"}, r"not in the label set \['wug', 'blicket'\]: \['dax'\]"),
        ({"gold": "empty"}, "has no labels"),
        ({"gold": "expert", "show": ["expert"]}, "would show the answer"),
        ({"gold": "expert", "feedback": "later"}, "feedback='later'"),
        ({"feedback": "end"}, "needs gold="),
    ],
)
def test_bad_teaching_input_says_what_to_do(kwargs: dict[str, Any], message: str) -> None:
    df = frame(3)
    df["odd"] = ["wug", "dax", None]
    df["empty"] = [None, np.nan, pd.NA]
    with pytest.raises(lw.InputError, match=message):
        lw.Labeler(df, labels=LABELS, store=None, annotator="sam", **kwargs)


def test_report_without_gold_is_a_clear_error() -> None:
    labeler = lw.Labeler(frame(3), labels=LABELS, store=None, annotator="sam")
    with pytest.raises(lw.InputError, match="gold="):
        labeler.report()
    labeler.close()


OTHER_NOTEBOOK = textwrap.dedent(
    """
    import sys, warnings, pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": [f"item number {i}" for i in range(8)],
                       "expert": ["wug" if i % 3 else "blicket" for i in range(8)]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labeler = lw.Labeler(df, labels=["wug", "blicket"], gold="expert", store=sys.argv[1], annotator="sam")
        print("ready", flush=True)
        sys.stdin.readline()
        labeler.goto(6)
        labeler.label("wug")
        print("answered", flush=True)
        sys.stdin.readline()
        labeler.goto(7)
        labeler.label("wug")
    print("warned" if any("Someone else is answering as 'sam'" in str(w.message) for w in caught) else "quiet")
    print(labeler.widget.status["errors"])
    """
)


def test_one_student_id_used_in_two_notebooks_at_once_warns_in_both(tmp_path: Path) -> None:
    store = tmp_path / "class.db"
    script = tmp_path / "other.py"
    script.write_text(OTHER_NOTEBOOK)
    other = subprocess.Popen(
        [sys.executable, str(script), str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert other.stdout is not None and other.stdin is not None
    try:
        assert other.stdout.readline().strip() == "ready"
        labeler = lw.Labeler(frame(), labels=LABELS, gold="expert", store=store, annotator="sam")
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.stdout.readline().strip() == "answered"
        with pytest.warns(UserWarning, match="Someone else is answering as 'sam'"):
            labeler.label("blicket")
        assert any("Someone else" in e for e in labeler.widget.status["errors"])
        other.stdin.write("\n")
        other.stdin.flush()
        out, _ = other.communicate(timeout=60)
        assert out.splitlines()[0] == "warned"
        labeler.close()
    finally:
        other.kill()


def test_a_restarted_kernel_is_not_someone_else(tmp_path: Path) -> None:
    store = tmp_path / "class.db"
    first = lw.Labeler(frame(), labels=LABELS, gold="expert", store=store, annotator="sam")
    first.label("blicket")
    first.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # an unclosed connection of an earlier test, collected now, is not what this checks
        warnings.simplefilter("ignore", ResourceWarning)
        again = lw.Labeler(frame(), labels=LABELS, gold="expert", store=store, annotator="sam")
        again.label("wug")
    assert again.lesson is not None and again.lesson.same_id_warning is None
    again.close()
