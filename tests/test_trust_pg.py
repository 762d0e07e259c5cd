"""Rules the database enforces (#25): a store made by `lw.Classroom.create` / `lw.Team.create` against a curious
student and a careless teammate, with psycopg directly as each role, on a real PostgreSQL (tests/pg_fixtures.py).

Each attack runs twice: on today's plain store (one shared login, the gold column in the students' DataFrame),
where it succeeds, and on a created store, where the database refuses it. Then the package's own objects for each
role on a created store: a student's Labeler with feedback, the teacher's Classroom, members' Team labelers, the
adjudicator, and a refused action as an error that names the rule.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest
from pg_fixtures import PostgresCluster
from sklearn.metrics import accuracy_score, cohen_kappa_score

import labelwidgets as lw
from labelwidgets.errors import NotAllowed
from labelwidgets.store.enforced import EnforcedStore
from labelwidgets.teaching import stored_key

LABELS = ["ham", "spam"]
TEACHER = "lw_trust_teacher"
TEACHER_PASSWORD = "teacher-" + secrets.token_hex(8)  # distinctive: looked for in everything a member sees


def items(n: int = 8) -> pd.DataFrame:
    gold = ["ham", "spam", "ham", None, "spam", "ham", "spam", "ham", "ham", "spam"] * (n // 10 + 1)
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)], "expert": gold[:n]})


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="module")
def teacher_role(postgres_cluster: PostgresCluster) -> str:
    """A login that may create roles (CREATEROLE), not a superuser: what a teacher or a team's lead is given."""
    with postgres_cluster._admin() as conn:
        conn.execute(f"CREATE ROLE {TEACHER} LOGIN CREATEROLE PASSWORD '{TEACHER_PASSWORD}'")
    return TEACHER


@pytest.fixture
def admin_url(postgres_cluster: PostgresCluster, teacher_role: str) -> Iterator[str]:
    """A fresh database owned by the teacher's login; its URL with the teacher's password."""
    name = f"lw_trust_{uuid.uuid4().hex[:12]}"
    with postgres_cluster._admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" OWNER {teacher_role}')
    yield f"postgresql+psycopg://{teacher_role}:{TEACHER_PASSWORD}@127.0.0.1:{postgres_cluster.port}/{name}"
    postgres_cluster.drop_database(name)


@dataclass
class Setup:
    """A class with two students who answered, seen from the student ana's side: her connection, her DataFrame."""

    created: bool
    ana_url: str  # what ana connects with (today: the one shared URL)
    ana_frame: pd.DataFrame  # what ana's notebook holds
    room: lw.Classroom


def make_class(url: str, created: bool) -> Setup:
    df = items()
    if created:
        room = lw.Classroom.create(url, roster=["ana", "ben"], labels=LABELS, key_from=df, gold="expert")
        assert room.access is not None
        urls = {name: room.access.url(name) for name in ("ana", "ben")}
        frames = {name: room.handout() for name in urls}
    else:
        room = lw.Classroom(url, df, gold="expert", labels=LABELS)
        urls = {"ana": url, "ben": url}
        frames = {"ana": df.copy(), "ben": df.copy()}  # today's lessons hand out the items with their gold
    for name, answers in (("ana", ["ham", "spam"]), ("ben", ["spam", "spam", "ham"])):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the plain store's gold-column warning is tested on its own
            labeler = lw.Labeler(frames[name], labels=LABELS, store=urls[name], annotator=name, gold="expert")
        for answer in answers:
            labeler.label(answer)
        labeler.close()
    return Setup(created, urls["ana"], frames["ana"], room)


@pytest.fixture(params=["today", "created"])
def setup(request: pytest.FixtureRequest, admin_url: str) -> Iterator[Setup]:
    made = make_class(admin_url, request.param == "created")
    yield made
    made.room.close()


def attempt(url: str, statement: str, params: tuple[object, ...] = ()) -> int | Exception:
    """Run ``statement`` as ``url``'s login, rolled back afterwards: the rows it touched, or the database's refusal."""
    with psycopg.connect(libpq(url)) as conn:
        try:
            cursor = conn.execute(statement, params or None)  # type: ignore[arg-type]
            return cursor.rowcount
        except psycopg.Error as exc:
            return exc
        finally:
            conn.rollback()


def rows(url: str, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq(url)) as conn:
        return conn.execute(statement, params or None).fetchall()  # type: ignore[arg-type]


# ----- a student's connection: each attack succeeds today and is refused on a created store -------------------------
def test_a_student_reads_the_gold_answers(setup: Setup) -> None:
    if not setup.created:
        assert setup.ana_frame["expert"].notna().sum() == 7  # in her own kernel: df["expert"]
        return
    assert "expert" not in setup.ana_frame.columns  # the handout
    refused = attempt(setup.ana_url, "SELECT item_key, gold FROM lw_gold")
    assert isinstance(refused, psycopg.errors.InsufficientPrivilege)


def test_a_student_reads_another_students_answers(setup: Setup) -> None:
    seen = rows(setup.ana_url, "SELECT annotator, label FROM lw_events WHERE annotator = 'ben'")
    assert len(seen) == (0 if setup.created else 3)  # created: row-level security shows her none of his rows


def test_a_student_reads_the_roster(setup: Setup) -> None:
    names = {
        name
        for table in ("lw_events", "lw_sessions")
        for (name,) in rows(setup.ana_url, f"SELECT DISTINCT annotator FROM {table}")
    }
    assert names == ({"ana"} if setup.created else {"ana", "ben"})
    if setup.created:
        assert isinstance(attempt(setup.ana_url, "SELECT * FROM lw_members"), psycopg.errors.InsufficientPrivilege)
        # the cluster's role names say nothing of who is in the class
        role_names = {name for (name,) in rows(setup.ana_url, "SELECT rolname FROM pg_roles")}
        assert not any("ana" in name or "ben" in name for name in role_names)


def test_a_student_writes_under_another_name(setup: Setup) -> None:
    result = attempt(
        setup.ana_url,
        "INSERT INTO lw_events (item_key, action, annotator, decided_at, label) VALUES (%s, %s, %s, %s, %s)",
        ("5", "labeled", "ben", "2026-01-01T00:00:00+00:00", "ham"),
    )
    if setup.created:
        assert isinstance(result, psycopg.errors.InsufficientPrivilege)
        assert "row-level security" in str(result)
    else:
        assert result == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE lw_events SET label = 'spam' WHERE annotator = 'ana'",
        "UPDATE lw_events SET label = 'spam'",
        "DELETE FROM lw_events WHERE annotator = 'ana'",
        "DELETE FROM lw_events",
        "TRUNCATE lw_events",
    ],
)
def test_a_student_changes_or_deletes_decisions_even_her_own(setup: Setup, statement: str) -> None:
    result = attempt(setup.ana_url, statement)
    if setup.created:
        assert isinstance(result, psycopg.errors.InsufficientPrivilege)
    else:
        assert not isinstance(result, Exception)


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE lw_events",
        "ALTER TABLE lw_events DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE lw_events ADD COLUMN grade TEXT",
        "DROP POLICY IF EXISTS lw_read_own ON lw_events",
        "CREATE TABLE lw_mine (x INT)",
        'UPDATE lw_meta SET value = \'["ham", "spam", "egg"]\' WHERE key = \'labels\'',
        "INSERT INTO lw_assignments (annotator, item_key) VALUES ('ana', '1')",
    ],
)
def test_a_student_drops_alters_or_reconfigures_the_store(setup: Setup, statement: str) -> None:
    result = attempt(setup.ana_url, statement)
    if setup.created:
        assert isinstance(result, psycopg.errors.InsufficientPrivilege)
    else:
        assert not isinstance(result, Exception)


def test_the_reveal_function_gives_nothing_for_an_item_not_answered(admin_url: str) -> None:
    made = make_class(admin_url, created=True)
    try:
        # ana answered items 0 and 1 (gold ham, spam); 2 she has not; 3 is a practice item
        revealed = rows(made.ana_url, "SELECT item_key, gold FROM lw_reveal(ARRAY['0', '1', '2', '3', '4'])")
        assert sorted(revealed) == [("0", "ham"), ("1", "spam")]
        assert rows(made.ana_url, "SELECT * FROM lw_reveal(ARRAY['2'])") == []
        # a skip is no answer: it reveals nothing either
        with psycopg.connect(libpq(made.ana_url)) as conn:
            conn.execute(
                "INSERT INTO lw_events (item_key, action, annotator, decided_at) VALUES ('2', 'skipped', 'ana', 'x')"
            )
            assert conn.execute("SELECT * FROM lw_reveal(ARRAY['2'])").fetchall() == []
    finally:
        made.room.close()


def test_an_answer_is_final_once_its_gold_answer_is_open(setup: Setup) -> None:
    """Answer wrong, read the right answer, answer again (or undo and answer again): today the score takes the
    second answer; a created class store refuses both and keeps a revision out of the score, as the widget does."""
    insert = (
        "INSERT INTO lw_events (item_key, action, annotator, decided_at, label, undoes) "
        "VALUES (%s, %s, 'ana', '2026-01-01T00:00:00+00:00', %s, %s)"
    )
    with psycopg.connect(libpq(setup.ana_url), autocommit=True) as conn:
        (first,) = conn.execute(insert + " RETURNING id", ("2", "labeled", "spam", None)).fetchone()  # gold: ham
        if setup.created:
            assert conn.execute("SELECT gold FROM lw_reveal(ARRAY['2'])").fetchall() == [("ham",)]
        undo = attempt(setup.ana_url, insert, ("2", "undo", None, first))
        revised = attempt(setup.ana_url, insert, ("2", "revised", "ham", None))
        practice_undo = attempt(setup.ana_url, insert, ("3", "undo", None, None))  # item 3 has no gold
        again = conn.execute(insert, ("2", "labeled", "ham", None)).rowcount if not setup.created else None
    if setup.created:
        assert isinstance(
            attempt(setup.ana_url, insert, ("2", "labeled", "ham", None)), psycopg.errors.InsufficientPrivilege
        )
        assert isinstance(undo, psycopg.errors.InsufficientPrivilege)
        assert revised == 1 and practice_undo == 1
    else:
        assert again == 1 and undo == 1 and revised == 1
    setup.room.refresh()
    scored = setup.room.answers.set_index(["student", "key"]).loc[("ana", 2), "answer"]
    assert scored == ("spam" if setup.created else "ham")  # today the second answer counts


@pytest.mark.parametrize("mode", ["end", None])
def test_the_store_keeps_the_teachers_feedback_mode(admin_url: str, mode: str | None) -> None:
    df = items(4)
    room = lw.Classroom.create(admin_url, roster=["ana"], labels=LABELS, key_from=df, gold="expert", feedback=mode)
    try:
        assert room.access is not None
        url = room.access.url("ana")
        with pytest.raises(lw.InputError, match="feedback="):  # asking for another mode than the teacher's
            lw.Labeler(room.handout(), labels=LABELS, store=url, annotator="ana", gold="expert", feedback="after")
        labeler = lw.Labeler(room.handout(), labels=LABELS, store=url, annotator="ana", gold="expert", feedback=mode)
        for answer in ["ham", "spam", "spam"]:
            labeler.label(answer)
        assert rows(url, "SELECT * FROM lw_reveal(ARRAY['0', '1', '2', '3'])") == []  # not before the end, or never
        assert labeler.lesson is not None and labeler.lesson.feedback_at(0) is None
        labeler.label("ham")
        revealed = sorted(rows(url, "SELECT * FROM lw_reveal(ARRAY['0', '1', '2', '3'])"))
        if mode == "end":
            assert revealed == [("0", "ham"), ("1", "spam"), ("2", "ham")]  # 3 is a practice item
            feedback = labeler.lesson.feedback_at(2)
            assert feedback is not None and feedback["gold"] == "ham" and feedback["correct"] is False
            assert labeler.report().accuracy == pytest.approx(2 / 3)
        else:
            assert revealed == []
        labeler.close()
    finally:
        room.close()


@pytest.mark.parametrize(
    "name",
    ["x'); DROP TABLE lw_events; --", 'rob"; DROP ROLE lw_trust_teacher; --', "ana' OR '1'='1", "Zoë ☃"],
)
def test_sql_in_a_member_name_or_a_label_is_stored_as_data(admin_url: str, name: str) -> None:
    labels = ["ham", "spam'); DROP TABLE lw_gold; --"]
    df = pd.DataFrame({"text": ["a", "b"], "expert": ["ham", labels[1]]})
    room = lw.Classroom.create(admin_url, roster=[name, "ben"], labels=labels, key_from=df, gold="expert")
    try:
        assert room.access is not None
        url = room.access.url(name)
        labeler = lw.Labeler(room.handout(), labels=labels, store=url, annotator=name, gold="expert")
        labeler.label(labels[1])
        assert labeler.lesson is not None and labeler.lesson.feedback_at(0) == {
            **labeler.lesson.feedback_at(0),  # type: ignore[dict-item]
            "gold": "ham",
            "answer": labels[1],
        }
        labeler.close()
        assert rows(url, "SELECT annotator, label FROM lw_events") == [(name, labels[1])]
        assert rows(admin_url, "SELECT annotator FROM lw_members ORDER BY annotator") == sorted([("ben",), (name,)])
        tables = rows(admin_url, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'lw_%' ORDER BY 1")
        assert {"lw_events", "lw_gold", "lw_members"} <= {t for (t,) in tables}
        assert json.loads(rows(admin_url, "SELECT value FROM lw_meta WHERE key = 'labels'")[0][0]) == labels
        assert room.table.set_index("student").loc[name, "accuracy"] == 0.0
    finally:
        room.close()


# ----- the package's own objects, for each role ------------------------------------------------------------------
def test_a_students_labeler_gets_feedback_from_the_store_and_the_teacher_sees_the_class(admin_url: str) -> None:
    df = items(10)
    room = lw.Classroom.create(admin_url, roster=["ana", "ben"], labels=LABELS, key_from=df, gold="expert")
    try:
        assert room.access is not None
        handout = room.handout()
        labeler = lw.Labeler(handout, labels=LABELS, store=room.access.url("ana"), annotator="ana", gold="expert")
        assert isinstance(labeler.session.store, EnforcedStore) and labeler.lesson is not None
        answers = ["ham", "ham", "ham", "spam", "spam", "ham", "ham", "spam", "ham", "ham"]
        for row, answer in enumerate(answers):
            assert labeler.lesson.feedback_at(row) in (None, {"practice": True})  # nothing before her answer
            labeler.label(answer)
            feedback = labeler.lesson.feedback_at(row)
            gold = df["expert"].iat[row]
            assert feedback == {"practice": True} if pd.isna(gold) else feedback["gold"] == gold  # type: ignore[index]
        scored = df["expert"].notna().to_numpy()
        truth, given = df["expert"][scored].tolist(), [a for a, s in zip(answers, scored, strict=True) if s]
        report = labeler.report()
        assert report.accuracy == pytest.approx(accuracy_score(truth, given))
        assert report.kappa == pytest.approx(cohen_kappa_score(truth, given))
        labeler.close()
        # after a kernel restart the same score comes back from the store
        again = lw.Labeler(room.handout(), labels=LABELS, store=room.access.url("ana"), annotator="ana", gold="expert")
        assert again.report().accuracy == pytest.approx(report.accuracy)
        again.close()
        room.refresh()
        table = room.table.set_index("student")
        assert table.loc["ana", "accuracy"] == pytest.approx(report.accuracy)
        assert table.loc["ana", "kappa"] == pytest.approx(report.kappa)
    finally:
        room.close()


def test_a_refused_action_names_the_rule_and_no_owner_password_reaches_a_member(
    admin_url: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    room = lw.Classroom.create(admin_url, roster=["ana", "ben"], labels=LABELS, key_from=items(), gold="expert")
    try:
        assert room.access is not None
        assert TEACHER_PASSWORD not in repr(room) + repr(room.access) + room.access._repr_html_()
        ana_url = room.access.url("ana")
        assert ana_url.split(":")[2].split("@")[0] not in repr(room.access)  # her password is masked too
        files = room.access.write_files(tmp_path / "urls")  # to hand out without printing them
        assert files["ana"].read_text().splitlines()[-1] == ana_url and files["ana"].stat().st_mode & 0o077 == 0
        with pytest.raises(NotAllowed, match=r"only under your own name \('ana'\)"):
            lw.Labeler(room.handout(), labels=LABELS, store=ana_url, annotator="ben", gold="expert")
        with pytest.raises(NotAllowed, match="only the store's owner changes the label set"):
            lw.Labeler(room.handout(), labels=[*LABELS, "egg"], store=ana_url, annotator="ana", gold="expert")
        caplog.set_level(logging.DEBUG, logger="labelwidgets")
        labeler = lw.Labeler(room.handout(), labels=LABELS, store=ana_url, annotator="ana", gold="expert")
        labeler.label("ham")
        state = json.dumps(labeler.widget.get_state(), default=str)
        seen = state + labeler.session.store.description + repr(labeler) + caplog.text
        seen += labeler.df.to_json(date_format="iso")
        assert TEACHER_PASSWORD not in seen and TEACHER not in seen
        # the student's kernel holds the gold answer of the item she answered, and of no other
        assert labeler.lesson is not None and labeler.lesson.key.gold.tolist() == ["ham"] + [None] * 7
        labeler.close()
    finally:
        room.close()


def test_a_created_team_keeps_overlap_blind_members_and_its_adjudicator(admin_url: str) -> None:
    df = pd.DataFrame({"text": [f"message {i}" for i in range(6)]})
    owner = lw.Team.create(
        admin_url, df, members=["ana", "ben", "cem"], adjudicators=["judge"], labels=LABELS, overlap=2, poll=0.2
    )
    teams: list[lw.Team] = []
    try:
        assert owner.access is not None
        assert TEACHER_PASSWORD not in repr(owner.access)

        def team_of(name: str) -> lw.Team:
            team = lw.Team(owner.access.url(name), df, labels=LABELS, overlap=2, poll=0.2)  # type: ignore[union-attr]
            teams.append(team)
            return team

        answers = {"ana": "ham", "ben": "spam", "cem": "ham"}
        for name, answer in answers.items():
            labeler = team_of(name).labeler(name)
            while labeler.session.first_undecided() is not None:
                labeler.label(answer)
        # overlap holds across blind members: every item has exactly two labels, as on a plain store
        per_item = owner.decisions.groupby("key")["annotator"].nunique()
        assert len(per_item) == 6 and (per_item == 2).all()
        # a member reads only her own answers; the others' decisions are there only as "someone answered"
        ana_team = teams[0]
        assert set(ana_team.decisions["annotator"]) >= {"ana"}
        others = ana_team.decisions[ana_team.decisions["annotator"] != "ana"]
        assert not others["label"].isin(LABELS).any()
        assert rows(owner.access.url("ana"), "SELECT DISTINCT annotator FROM lw_events") == [("ana",)]
        # a member is refused as adjudicator, and under another name
        with pytest.raises(NotAllowed, match="only adjudicators record adjudications"):
            teams[1].adjudicator("ben")
        as_judge = json.dumps({"session_id": "s", "annotator": "ben", "role": "adjudicator"})
        refused = attempt(
            owner.access.url("ben"),
            "INSERT INTO lw_sessions (session_id, annotator, info) VALUES (%s, %s, %s)",
            ("s", "ben", as_judge),
        )
        assert isinstance(refused, psycopg.errors.InsufficientPrivilege)
        with pytest.raises(NotAllowed, match="only under the name"):
            teams[1].labeler("ana")
        # the adjudicator sees every member's answers and settles the conflicts
        judge_team = team_of("judge")
        conflicts = judge_team.conflicts
        assert len(conflicts) == len(owner.conflicts) > 0
        judge = judge_team.adjudicator("judge")
        judge.label("spam")
        gold = owner.gold.set_index("key")
        assert (gold["how"] == "adjudicated").sum() == 1
        # only the owner removes a member; the removed member's decisions stay, their login stops
        with pytest.raises(NotAllowed, match="only the store's owner"):
            teams[0].remove("ben")
        before = len(owner.decisions)
        ben_url = owner.access.url("ben")
        with psycopg.connect(libpq(ben_url)) as open_connection:
            owner.remove("ben")
            with pytest.raises(psycopg.Error):
                open_connection.execute(
                    "INSERT INTO lw_events (item_key, action, annotator, decided_at) VALUES ('0','labeled','ben','x')"
                )
        with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
            psycopg.connect(libpq(ben_url))
        assert len(owner.decisions) == before and (owner.decisions["annotator"] == "ben").sum() == 6
    finally:
        for team in teams:
            team.close()
        owner.close()


def test_with_show_others_a_member_sees_an_earlier_answer_once_she_has_answered_the_item(admin_url: str) -> None:
    df = pd.DataFrame({"text": [f"message {i}" for i in range(4)]})
    owner = lw.Team.create(admin_url, df, members=["ana", "ben"], labels=LABELS, overlap=2, poll=0.2,
                           show_others=True)  # fmt: skip
    teams: list[lw.Team] = []
    try:
        assert owner.access is not None
        for name in ("ben", "ana"):
            teams.append(lw.Team(owner.access.url(name), df, labels=LABELS, overlap=2, poll=0.2, show_others=True))
        ben = teams[0].labeler("ben")
        ben.label("spam")
        ben.label("ham")  # ben answered items 0 and 1 before ana opened her labeler
        ana = teams[1].labeler("ana")
        others = ana.df["others said"]
        assert others.isna().all()  # the store hides ben's answers from her until she has answered
        ana.label("ham")  # item 0
        teams[1].refresh()
        assert ana.df["others said"].iloc[:2].tolist()[0] == "ben: spam"  # answered: the store gives it now
        assert pd.isna(ana.df["others said"].iat[1])  # item 1 not yet answered by her: still hidden
        ana.label("ham")
        teams[1].refresh()
        assert ana.df["others said"].iloc[:2].tolist() == ["ben: spam", "ben: ham"]
        assert "spam" not in str(ana.df["others said"].iloc[2:].tolist())
    finally:
        for team in teams:
            team.close()
        owner.close()


def test_a_gold_column_in_the_students_dataframe_warns_once_how_to_avoid_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(stored_key, "_warned", False)
    df = items()
    with pytest.warns(UserWarning, match=r"room\.handout\(\)") as caught:
        first = lw.Labeler(df, labels=LABELS, store=tmp_path / "class.db", annotator="ana", gold="expert")
    assert sum("handout" in str(w.message) for w in caught) == 1
    assert "df['expert']" in str(next(w.message for w in caught if "handout" in str(w.message)))
    first.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # an unclosed connection of an earlier test, collected now, is not what this checks
        warnings.simplefilter("ignore", ResourceWarning)
        lw.Labeler(items(), labels=LABELS, store=tmp_path / "class.db", annotator="ana", gold="expert").close()


def test_create_refuses_sqlite_and_a_second_create(admin_url: str, tmp_path) -> None:
    with pytest.raises(lw.InputError, match="SQLite file enforces nothing"):
        lw.Classroom.create(str(tmp_path / "c.db"), roster=["ana"], labels=LABELS, key_from=items(), gold="expert")
    room = lw.Classroom.create(admin_url, roster=["ana"], labels=LABELS, key_from=items(), gold="expert")
    room.close()
    with pytest.raises(lw.InputError, match="created already"):
        lw.Classroom.create(admin_url, roster=["ana"], labels=LABELS, key_from=items(), gold="expert")


BROWSER_STUDENT = """
import pandas as pd, labelwidgets as lw
handout = pd.DataFrame({"text": [f"creature sighting number {i}" for i in range(6)]})
labels = {"wug": "small and round, it hums", "blicket": "it makes the machine light up"}
labeler = lw.Labeler(handout, labels=labels, gold="expert", store=STUDENT_URL, annotator="sam", feedback="after")
labeler
"""


@pytest.mark.browser
def test_a_student_in_jupyterlab_on_a_created_store_gets_feedback_and_never_the_answer_key(
    admin_url: str, jupyter_server: object, browser_context: object
) -> None:
    """The student's kernel holds the handout; each answer's feedback arrives from the store after her key press,
    and nothing the page received before it carries a gold answer."""
    import time

    from jupyter_browser import NotebookPage
    from playwright.sync_api import expect
    from test_browser_teaching import items_in, kernel_messages

    df = pd.DataFrame(
        {
            "text": [f"creature sighting number {i}" for i in range(6)],
            "expert": ["blicket", "wug", "wug", "blicket", None, "wug"],
        }
    )
    room = lw.Classroom.create(admin_url, roster=["sam"], labels=["wug", "blicket"], key_from=df, gold="expert")
    assert room.access is not None
    cell = BROWSER_STUDENT.replace("STUDENT_URL", repr(room.access.url("sam")))
    frames: list[tuple[float, str | bytes]] = []

    def watch(page: Any) -> None:
        page.on("websocket", lambda ws: ws.on("framereceived", lambda data: frames.append((time.monotonic(), data))))

    browser_context.on("page", watch)  # type: ignore[attr-defined]
    try:
        nb = NotebookPage.open(browser_context, jupyter_server, "trust_student.ipynb", [cell], workspace="trust")
    finally:
        browser_context.remove_listener("page", watch)  # type: ignore[attr-defined]
    try:
        nb.run_all()
        root = nb.page.locator(".lw-labeler").first
        text = root.locator(".lw-text")
        expect(text).to_have_text("creature sighting number 0", timeout=60_000)
        kernel = nb.evaluate_json("[sorted(map(str, handout.columns)), labeler.lesson.key.gold.tolist()]")
        assert "expert" not in kernel[0] and kernel[1] == [None] * 6  # no answer in her kernel yet
        time.sleep(1.0)
        answered_at: dict[int, float] = {}
        text.click()
        answered_at[0] = time.monotonic()
        nb.page.keyboard.press("1")  # wug; the answer is blicket
        expect(text).to_have_text("creature sighting number 1")
        strip = root.locator(".lw-feedback").first
        expect(strip).to_contain_text("Item 1: ✗ Not quite · the answer is blicket (you said wug)")
        answered_at[1] = time.monotonic()
        nb.page.keyboard.press("1")  # wug, right
        expect(strip).to_contain_text("Item 2: ✓ Right · the answer is wug")
        expect(root.locator(".lw-score-text")).to_contain_text("Score: 1 of 2 right (50%)")
        kernel = nb.evaluate_json("labeler.lesson.key.gold.tolist()")
        assert kernel == ["blicket", "wug", None, None, None, None]  # only what she answered came back
        time.sleep(1.0)
        seen = set()
        for at, payload in frames:
            for message in kernel_messages(payload):
                for item in items_in(message.get("content", {})):
                    if item["feedback"] in (None, {"practice": True}):
                        continue
                    assert item["rank"] in answered_at and at > answered_at[item["rank"]]
                    seen.add(item["rank"])
        assert seen == {0, 1}
        before = [
            json.dumps(m.get("content", {})) for at, p in frames if at < answered_at[0] for m in kernel_messages(p)
        ]
        assert before and not any('"gold"' in text for text in before)
        room.refresh()
        assert room.table.set_index("student").loc["sam", "accuracy"] == 0.5
    finally:
        nb.close()
        room.close()


def test_create_without_the_right_to_make_logins_says_so_and_leaves_nothing_half_made(fresh_postgres_url: str) -> None:
    """The fixture's own login owns the database but may not create roles: a clear error, no role or policy made,
    and the store stays a plain one that works as before."""
    with pytest.raises(lw.errors.StoreError, match="permission denied to create role") as refused:
        lw.Team.create(fresh_postgres_url, pd.DataFrame({"text": ["a", "b"]}), members=["ana"], labels=LABELS)
    assert "pw-" not in str(refused.value)  # the fixture's password is masked
    assert rows(fresh_postgres_url, "SELECT count(*) FROM pg_policies")[0][0] == 0
    assert rows(fresh_postgres_url, "SELECT value FROM lw_meta WHERE key = 'enforced'") == []
    team = lw.Team(fresh_postgres_url, pd.DataFrame({"text": ["a", "b"]}), labels=LABELS)
    assert not isinstance(team.store, EnforcedStore)
    team.labeler("ana").label("ham")
    team.close()


def test_the_kappa_lesson_runs_on_a_created_class_store_with_a_handout(admin_url: str, tmp_path: Path) -> None:
    """The student notebook of the kappa lesson, pointed at a class store made by the teacher: it labels the
    handout (a lazy student who answers "ham" to everything), gets every answer back from the store, and its kernel
    never holds the gold column."""
    import nbformat
    from nbclient import NotebookClient

    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "teaching" / "kappa_student.ipynb"
    key = lw.datasets.sms_spam().sample(30, random_state=1)  # the teacher's items, with their answers
    room = lw.Classroom.create(admin_url, roster=["student-07"], labels=LABELS, key_from=key, gold="gold")
    try:
        assert room.access is not None
        nb = nbformat.read(notebook, as_version=4)
        setup = nb.cells[1]
        assert 'CLASS_STORE = "kappa-demo.db"' in setup.source
        setup.source = setup.source.replace('"kappa-demo.db"  #', f"{room.access.url('student-07')!r}  #", 1)
        simulated = next(i for i, cell in enumerate(nb.cells) if "DEMO ONLY" in cell.source)
        nb.cells.insert(
            simulated + 1, nbformat.v4.new_code_cell('while labeler.stats["remaining"]:\n    labeler.label("ham")')
        )
        nb.cells.append(nbformat.v4.new_code_cell('print("gold" in items.columns, DEMO)'))
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
        assert nb.cells[-1].outputs[0]["text"].strip() == "False False"
        compared = next(cell for cell in nb.cells if cell.cell_type == "code" and '"always ham": score' in cell.source)
        lazy = compared.outputs[0]["data"]["text/plain"]  # you and "always ham": the same numbers
        assert lazy.splitlines()[1].split() == ["you", "0.87", "0.0"] and lazy.splitlines()[2].split()[-2:] == [
            "0.87",
            "0.0",
        ]
        room.refresh()
        assert room.table.set_index("student").loc["student-07", "accuracy"] == pytest.approx(26 / 30)
    finally:
        room.close()
