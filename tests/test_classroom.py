"""lw.Classroom: a class labeling with real Labelers into a SQLite store (one shared file, or one file each, or
PostgreSQL), followed by the teacher: the table against scikit-learn on a replay of what each student answered,
revisions, practice items, anonymity, sway, the hardest items and the live view (polling, escaped HTML)."""

from __future__ import annotations

import datetime as dt
import math
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score

import labelwidgets as lw
from labelwidgets.decision import Decision
from labelwidgets.keys import encode_key
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.counts import CHANCE_SENTENCE
from labelwidgets.teaching.answer_key import AnswerKey
from labelwidgets.teaching.classroom import Classroom

LABELS = ["ham", "spam", "other"]
XSS = "<img src=x onerror=alert(1)>"


def items(n: int = 12) -> pd.DataFrame:
    """Items with gold (the last two are practice: no gold) and the model's guess, wrong on every other item."""
    gold = [LABELS[i % 3] for i in range(n)]
    gold[-2:] = [None, None]
    model = [  # before pandas turns None into NaN
        "ham" if g is None else LABELS[(LABELS.index(g) + 1) % 3] if i % 2 else g for i, g in enumerate(gold)
    ]
    return pd.DataFrame(
        {"text": [f"message {i}" for i in range(n)], "expert_label": gold, "model": model},
        index=pd.Index(range(100, 100 + n), name="id"),
    )


Answer = Callable[[int, Any, Any, bool], str]  # (key, gold, suggestion, shown) -> label


class Student:
    """A real Labeler for one student, and what they answered (to replay against scikit-learn)."""

    def __init__(self, store: Any, df: pd.DataFrame, name: str, answer: Answer, *, blind: float = 0.5) -> None:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*decisions are kept per annotator", category=UserWarning)
            self.labeler = lw.Labeler(df.copy(), text="text", labels=LABELS, store=store, annotator=name,
                                      suggester=lw.FromColumn("model"), blind=blind)  # fmt: skip
        self.name, self.answer, self.df = name, answer, df
        self.given: dict[int, tuple[str, bool, str]] = {}  # key -> (answer, shown, suggestion)

    def label(self, n: int | None = None) -> None:
        session = self.labeler.session
        done = 0
        while session.first_undecided() is not None and (n is None or done < n):
            row = session.row_at(self.labeler.position)
            key = self.df.index[row]
            gold, suggestion = self.df["expert_label"].iat[row], self.df["model"].iat[row]
            shown = not session.is_blind(row)
            label = self.answer(key, gold, suggestion, shown)
            if shown and label == suggestion:
                self.labeler.accept()
            else:
                self.labeler.label(label)
            self.given[key] = (label, shown, suggestion)
            done += 1

    def close(self) -> None:
        self.labeler.close()


def always_right(key: int, gold: Any, suggestion: Any, shown: bool) -> str:
    return gold if pd.notna(gold) else "other"


def follows_the_model(key: int, gold: Any, suggestion: Any, shown: bool) -> str:
    return suggestion if shown else (gold if key % 2 and pd.notna(gold) else "spam")


def guesses(key: int, gold: Any, suggestion: Any, shown: bool) -> str:
    return LABELS[(key * 7) % 3]


ANSWERS = {"ana": always_right, "ben": follows_the_model, "cem": guesses}


def expected_row(student: Student, df: pd.DataFrame) -> dict[str, Any]:
    """A student's numbers computed from what they answered, with scikit-learn."""
    gold = df["expert_label"]
    scored = {k: v for k, v in student.given.items() if pd.notna(gold[k])}
    y_gold = [gold[k] for k in scored]
    y_student = [v[0] for v in scored.values()]
    y_model = [v[2] for v in scored.values()]
    return {
        "answered": len(student.given),
        "practice": len(student.given) - len(scored),
        "scored": len(scored),
        "accuracy": accuracy_score(y_gold, y_student),
        "kappa": cohen_kappa_score(y_gold, y_student, labels=LABELS),
        "kappa_model": cohen_kappa_score(y_student, y_model, labels=LABELS),
        "model_accuracy": accuracy_score(y_gold, y_model),
        "saw_suggestions": np.mean([v[1] for v in student.given.values()]),
    }


def assert_table_matches(table: pd.DataFrame, students: list[Student], df: pd.DataFrame) -> None:
    rows = table.set_index("student")
    assert sorted(rows.index) == sorted(s.name for s in students)
    for student in students:
        for column, value in expected_row(student, df).items():
            got = rows.loc[student.name, column]
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(got), (student.name, column)
            else:
                assert got == pytest.approx(value), (student.name, column)


@pytest.fixture
def df() -> pd.DataFrame:
    return items()


@pytest.fixture
def class_store(tmp_path: Path) -> str:
    return str(tmp_path / "class.db")


def test_the_table_follows_three_students_labeling_into_one_store(class_store, df):
    room = Classroom(class_store, df, gold="expert_label", labels=LABELS, poll=0.1)
    students = [Student(class_store, df, name, answer) for name, answer in ANSWERS.items()]
    try:
        assert "waiting for the first answers" in repr(room) and room.table.empty
        for student in students:
            student.label(4)
        room.refresh()
        table = room.table
        assert table["answered"].tolist() == [4, 4, 4]
        assert_table_matches(table, students, df)
        for student in students:
            student.label()
        assert room.table["answered"].tolist() == [12, 12, 12]  # reading the table reads what arrived
        assert_table_matches(room.table, students, df)
        assert room.table["practice"].tolist() == [2, 2, 2] and room.n_practice == 2
        assert "2 practice items" in repr(room) and "3 students" in repr(room)
        progress = room.progress.set_index("student")
        assert progress["answered"].tolist() == [12, 12, 12] and (progress["share"] == 1.0).all()
        assert progress["last_activity"].notna().all()
        ana = room.table.set_index("student").loc["ana"]
        assert ana["accuracy"] == 1.0 and ana["kappa"] == 1.0 and ana["kappa_low"] <= 1.0
    finally:
        for student in students:
            student.close()
        room.close()


def test_the_live_view_follows_the_store_by_polling(class_store, df):
    ana = Student(class_store, df, "ana", always_right)
    room = Classroom(class_store, df, gold="expert_label", labels=LABELS, poll=0.1)
    try:
        view = room.view()
        assert list(view.figure.data[0].x) == [] and "Waiting for the first answers" in view.header.value
        # what kappa 0 means, in the same words the students see beside their own score
        assert CHANCE_SENTENCE in view.header.value
        assert [a.text for a in view.figure.layout.annotations][-1] == "chance"  # the dashed line at kappa 0
        assert AnswerKey(df, "expert_label", LabelSet.parse(LABELS), "after").score_json()["chance"] == CHANCE_SENTENCE
        ana.label(3)
        ben = Student(class_store, df, "ben", follows_the_model)
        ben.label()
        deadline = time.monotonic() + 20
        # the header is drawn after the figure, so once it counts every answer the figure shows them too
        while "2 students, 15 of 24 answers" not in view.header.value and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "2 students, 15 of 24 answers" in view.header.value  # drawn by the polling thread: no refresh()
        assert list(view.figure.data[0].x) == ["ana", "ben"]
        table = room.snapshot(n_boot=view.n_boot).table  # the numbers the view drew
        assert list(view.figure.data[0].y) == pytest.approx(table["kappa"].tolist())
        assert list(view.figure.data[2].y) == pytest.approx(table["accuracy"].tolist())
        assert room.view() is view
        ben.close()
    finally:
        ana.close()
        room.close()
    assert view._stop.is_set()


def test_a_revision_is_counted_and_never_rescored(class_store, df):
    cem = Student(class_store, df, "cem", guesses, blind=0.0)
    room = Classroom(class_store, df, gold="expert_label", labels=LABELS)
    try:
        cem.label()
        before = room.table.set_index("student").loc["cem"]
        wrong = next(k for k, (label, _, _) in cem.given.items() if pd.notna(df["expert_label"][k]) and
                     df["expert_label"][k] != label)  # fmt: skip
        cem.labeler.relabel(wrong, df["expert_label"][wrong], note="after the answer was shown")
        after = room.table.set_index("student").loc["cem"]
        assert after["revised"] == 1 and before["revised"] == 0
        for column in ("scored", "correct", "accuracy", "kappa"):
            assert after[column] == before[column], column
        answer = room.answers.set_index("key").loc[wrong]
        assert (answer["answer"], answer["final"], bool(answer["revised"])) == (
            cem.given[wrong][0], df["expert_label"][wrong], True
        )  # fmt: skip
        assert "1 answer revised after feedback" in room.view().header.value
    finally:
        cem.close()
        room.close()


def test_anonymous_students_are_numbered_by_their_first_decision_everywhere(class_store, df):
    students = {name: Student(class_store, df, name, ANSWERS[name]) for name in ("cem", "ana", "ben")}
    for name in ("cem", "ana", "ben"):  # first decisions in this order
        students[name].label(1)
    for student in students.values():
        student.label()
    room = Classroom(class_store, df, gold="expert_label", labels=LABELS, anonymous=True)
    named = Classroom(class_store, df, gold="expert_label", labels=LABELS)
    try:
        table = room.table
        assert table["student"].tolist() == ["student 1", "student 2", "student 3"]
        same = named.table.set_index("student").loc[["cem", "ana", "ben"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(table.drop(columns="student"), same)
        assert room.progress["student"].tolist() == ["student 1", "student 2", "student 3"]
        assert set(room.answers["student"]) == {"student 1", "student 2", "student 3"}
        view = room.view()
        shown = view.header.value + view.hardest.value + str(view.figure.to_dict())
        for name in ("ana", "ben", "cem"):
            assert f"'{name}'" not in shown and f'"{name}"' not in shown
        assert list(view.figure.data[0].x) == ["student 1", "student 2", "student 3"]
    finally:
        for student in students.values():
            student.close()
        room.close()
        named.close()


def test_from_files_gives_the_numbers_of_a_shared_store(tmp_path, df):
    shared = str(tmp_path / "shared.db")
    students = [Student(shared, df, name, answer) for name, answer in ANSWERS.items()]
    files = []
    for name, answer in ANSWERS.items():
        files.append(str(tmp_path / f"{name}.db"))
        students.append(Student(files[-1], df, name, answer))
    for student in students:
        student.label()
    for student in students:
        student.close()
    together = Classroom(shared, df, gold="expert_label", labels=LABELS)
    apart = Classroom.from_files(files, df, gold="expert_label", labels=LABELS)
    try:
        drop = ["last_activity"]
        pd.testing.assert_frame_equal(apart.table.drop(columns=drop), together.table.drop(columns=drop))
        pd.testing.assert_frame_equal(apart.hardest, together.hardest)
        pd.testing.assert_frame_equal(apart.agreement, together.agreement)
        pd.testing.assert_frame_equal(apart.sway, together.sway)
        assert_table_matches(apart.table, students[:3], df)
        assert "3 files" in repr(apart)
    finally:
        together.close()
        apart.close()


def test_from_files_refuses_a_missing_file_and_warns_about_one_name_used_by_two_people(tmp_path, df):
    first, second = str(tmp_path / "ana.db"), str(tmp_path / "ana-at-home.db")
    with pytest.raises(lw.InputError, match=r"no store file .*nobody\.db"):
        Classroom.from_files([first, str(tmp_path / "nobody.db")], df, gold="expert_label", labels=LABELS)
    with pytest.raises(lw.InputError, match="list of store files"):
        Classroom.from_files(first, df, gold="expert_label", labels=LABELS)  # type: ignore[arg-type]
    for path, answer in ((first, always_right), (second, guesses)):
        student = Student(path, df, "ana", answer)
        student.label(5)
        student.close()
    with pytest.warns(UserWarning, match="'ana' labeled in .* different sessions"):
        room = Classroom.from_files([first, second], df, gold="expert_label", labels=LABELS)
    try:
        assert room.table["student"].tolist() == ["ana"]
    finally:
        room.close()


def test_bad_input_is_refused_with_what_to_do(class_store, df):
    def make(frame: Any = df, **options: Any) -> Classroom:
        return Classroom(class_store, frame, **{"gold": "expert_label", "labels": LABELS, **options})

    with pytest.raises(lw.InputError, match="DataFrame of items"):
        make(df.to_dict())
    with pytest.raises(lw.InputError, match=r"no column 'answer' \(gold=\); its columns are \['text'"):
        make(gold="answer")
    with pytest.raises(lw.InputError, match=r"no column 'body' \(text=\)"):
        make(text="body")
    wrong = df.assign(expert_label=["ham", "SPAM", "maybe"] * 4)
    with pytest.raises(lw.InputError, match=r"not in labels=.*\['SPAM', 'maybe'\]"):
        make(wrong)
    with pytest.raises(lw.InputError, match=r"no labels .*there is none recorded"):
        make(df.assign(expert_label=None))
    duplicated = df.copy()
    duplicated.index = [1, 1, *range(2, 12)]
    with pytest.raises(lw.InputError, match="unique"):
        make(duplicated)
    with pytest.raises(lw.InputError, match="poll"):
        make(poll=0)
    with pytest.raises(lw.InputError, match="store"):
        Classroom(None, df, gold="expert_label", labels=LABELS)  # type: ignore[arg-type]
    student = Student(class_store, df, "ana", always_right)
    student.label(2)
    student.close()
    with pytest.raises(lw.InputError, match=r"answers \['ham'\] that are not in labels"):
        make(df.assign(expert_label="spam"), labels=["spam", "other"])
    room = make(df.iloc[5:])  # the right labels: ana's answers on items 100 and 101 are not in this DataFrame
    try:
        assert "waiting for the first answers" in repr(room) and room.table.empty
        assert "2 events on items not in this DataFrame" in room.view().header.value
    finally:
        room.close()


def test_sway_from_blind_and_shown_items_equals_a_replay_of_what_students_saw(class_store, df):
    students = [Student(class_store, df, name, answer, blind=0.5) for name, answer in ANSWERS.items()]
    room = Classroom(class_store, df, gold="expert_label", labels=LABELS)
    try:
        for student in students:
            student.label()
        table = room.sway.set_index(["measure", "when"])
        gold = df["expert_label"]
        given = [(k, *v) for s in students for k, v in s.given.items() if pd.notna(gold[k])]
        assert {shown for _, _, shown, _ in given} == {True, False}  # both kinds of decision happened
        for when, keep in (("all items", lambda k, s: True), ("model wrong", lambda k, s: s != gold[k])):
            for shown, side in ((True, "visible"), (False, "hidden")):
                chosen = [(k, a, s) for k, a, seen, s in given if seen == shown and keep(k, s)]
                row = table.loc[("follow rate", when)]
                assert row[f"n_{side}"] == len(chosen)
                assert row[side] == pytest.approx(np.mean([a == s for _, a, s in chosen]))
                accuracy = table.loc[("accuracy", when)]
                assert accuracy[side] == pytest.approx(np.mean([a == gold[k] for k, a, _ in chosen]))
        row = table.loc[("follow rate", "model wrong")]
        assert row["difference_low"] <= row["difference"] <= row["difference_high"]
        assert "When the model was wrong, students who saw its suggestion followed it" in room.view().header.value
    finally:
        for student in students:
            student.close()
        room.close()


def test_hardest_items_with_their_text_and_the_view_shows_data_as_text(class_store, df):
    df = df.copy()
    df.loc[100, "text"] = XSS
    store = lw.open_store(class_store)
    start = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
    said = {100: ["spam", "spam", "other"], 101: ["spam", "ham", "spam"], 102: ["other", "other", "other"]}
    for n, (key, labels) in enumerate(said.items()):
        for i, label in enumerate(labels):
            who = ["<b>ana</b>", "ben", "cem"][i]
            when = start + dt.timedelta(seconds=10 * n + i)
            store.append(
                Decision(item_key=encode_key(key), action="labeled", annotator=who, label=label, decided_at=when)
            )
    store.close()
    room = Classroom(class_store, df, gold="expert_label", labels=LABELS)  # gold: 100 ham, 101 spam, 102 other
    try:
        hardest = room.hardest
        assert hardest["key"].tolist() == [100, 101, 102]
        assert hardest["text"].tolist() == [XSS, "message 1", "message 2"]
        assert hardest["share_wrong"].tolist() == pytest.approx([1.0, 1 / 3, 0.0])
        assert hardest[LABELS].to_numpy().tolist() == [[0, 2, 1], [1, 2, 0], [0, 0, 3]]
        assert hardest["most_common_wrong"].tolist() == ["spam", "ham", None]
        view = room.view()
        assert "&lt;img src=x onerror=alert(1)&gt;" in view.hardest.value
        assert "<img" not in view.hardest.value and "<b>ana" not in view.header.value
        assert "&lt;b&gt;ana&lt;/b&gt;" in list(view.figure.data[0].x)
        assert "3 of 3 (100%)" in view.hardest.value and "1 of 3 (33%)" in view.hardest.value
        bundle = room._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        assert data["text/plain"] == repr(room) and "application/vnd.jupyter.widget-view+json" in data
    finally:
        room.close()


def test_on_postgresql_with_the_password_kept_out_of_sight(fresh_postgres_url, df):
    students = [Student(fresh_postgres_url, df, name, answer) for name, answer in ANSWERS.items()]
    room = Classroom(fresh_postgres_url, df, gold="expert_label", labels=LABELS)
    try:
        for student in students:
            student.label()
        assert_table_matches(room.table, students, df)
        password = fresh_postgres_url.split(":")[2].split("@")[0]
        assert password and password not in repr(room)
    finally:
        for student in students:
            student.close()
        room.close()


def test_students_in_teaching_mode_score_the_same_in_their_report_and_in_the_classroom(class_store, df):
    room = Classroom(class_store, df, gold="expert_label", labels=LABELS)
    modes = {"ana": "after", "ben": None, "cem": "after"}
    labelers = {}
    try:
        for name, feedback in modes.items():
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".*decisions are kept per annotator", category=UserWarning)
                labelers[name] = lw.Labeler(df.copy(), text="text", labels=LABELS, store=class_store, annotator=name,
                                            gold="expert_label", feedback=feedback)  # fmt: skip
            labeler = labelers[name]
            while labeler.session.first_undecided() is not None:
                row = labeler.session.row_at(labeler.position)
                labeler.label(ANSWERS[name](df.index[row], df["expert_label"].iat[row], None, False))
        # cem saw the answers and fixes two of his wrong ones: the revisions are counted, the score stays
        cem, gold = labelers["cem"], df["expert_label"]
        wrong = [k for k in df.index if pd.notna(gold[k]) and cem.df.loc[k, "label"] != gold[k]][:2]
        assert len(wrong) == 2
        for key in wrong:
            cem.relabel(key, gold[key])
        table = room.table.set_index("student")
        assert table.loc["cem", "revised"] == 2 and table.loc["cem", "correct"] < table.loc["cem", "scored"]
        for name in ("ana", "cem"):
            report, row = labelers[name].report(), table.loc[name]
            assert (row["scored"], row["correct"], row["revised"]) == (report.scored, report.correct, report.revised)
            assert row["accuracy"] == pytest.approx(report.accuracy)
            assert row["kappa"] == pytest.approx(report.kappa, nan_ok=True)
        assert table["feedback"].to_dict() == modes
        assert "feedback: after" in room.view().header.value
    finally:
        for labeler in labelers.values():
            labeler.close()
        room.close()
