"""A team in a real browser: two people in two notebooks (two kernels) on one store, a live team dashboard,
an adjudicator settling a conflict, and a password that never reaches a saved notebook."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEAM = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({{"text": [f"message number {{i}}" for i in range(40)]}})
    team = lw.Team({store!r}, df, labels=["ham", "spam"], overlap=1, calibration=0.1, seed=0, poll=0.3)
    """
)


def open_member(context, server, name: str, store: str, extra: list[str] | None = None) -> NotebookPage:
    cells = [TEAM.format(store=store), f"labeler = team.labeler({name!r})\nlabeler", *(extra or [])]
    notebook = NotebookPage.open(context, server, f"team_{name}.ipynb", cells, workspace=f"team-{name}")
    notebook.run_all()
    text = notebook.page.locator(".lw-labeler .lw-text").first
    expect(text).not_to_have_text(re.compile(r"^(Loading…)?$"), timeout=60_000)
    return notebook


def press(notebook: NotebookPage, key: str, times: int) -> None:
    root = notebook.page.locator(".lw-labeler").first
    root.locator(".lw-text").click()
    for _ in range(times):
        before = root.locator(".lw-text").inner_text()
        notebook.page.keyboard.press(key)
        expect(root.locator(".lw-text")).not_to_have_text(before)
    expect(root.locator(".lw-save")).to_have_text("Saved ✓")


def test_two_people_label_their_own_queues_and_settle_a_conflict(jupyter_server, browser_context):
    ana = open_member(browser_context, jupyter_server, "ana", "team.db")
    ben = open_member(browser_context, jupyter_server, "ben", "team.db", ["dash = team.dashboard()\ndash"])
    judge = None
    try:
        calibration = ana.evaluate_json("[int(r) for r in team.order[:4]]")
        for notebook in (ana, ben):  # the calibration items come first, for everyone
            expect(notebook.page.locator(".lw-labeler .lw-text").first).to_have_text(f"message number {calibration[0]}")
            expect(notebook.page.locator(".lw-team").first).to_contain_text("items have 1 labels")
        press(ana, "1", 4)  # ana: ham for the four calibration items
        press(ben, "2", 4)  # ben: spam for the same four: four conflicts
        press(ana, "1", 3)
        press(ben, "1", 3)
        decisions = ben.evaluate_json("team.decisions[['key', 'annotator']]")
        by_person: dict[str, set[int]] = {}
        for key, who in decisions:
            by_person.setdefault(who, set()).add(key)
        assert by_person["ana"] & by_person["ben"] == set(calibration)  # only the calibration items are shared
        assert len(by_person["ana"]) == len(by_person["ben"]) == 7
        # ben's dashboard follows ana's kernel through the store
        title = ben.page.locator(".js-plotly-plot .gtitle").first
        expect(title).to_contain_text("10 of 40 items have 1 labels", timeout=15_000)

        judge = NotebookPage.open(
            browser_context,
            jupyter_server,
            "judge.ipynb",
            [TEAM.format(store="team.db"), 'judge = team.adjudicator("judge")\njudge'],
            workspace="team-judge",
        )
        judge.run_all()
        root = judge.page.locator(".lw-labeler").first
        expect(root.locator(".lw-position")).to_have_text("1 / 4", timeout=60_000)
        expect(root.locator(".lw-fields")).to_contain_text("said by ana: ham")
        expect(root.locator(".lw-fields")).to_contain_text("said by ben: spam")
        # a tie is a choice to make, not a data error: each answer shown, the first pre-selected, nothing red
        suggestion = root.locator(".lw-suggestion")
        expect(suggestion.locator(".lw-rationale")).to_contain_text("ana: ham · ben: spam: a tie")
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("ham")
        expect(suggestion).not_to_have_class(re.compile("lw-invalid"))
        expect(suggestion.locator(".lw-suggestion-error")).to_have_text("")
        expect(root.locator(".lw-banner .lw-error")).to_have_count(0)
        settled = root.locator(".lw-text").inner_text()
        root.locator(".lw-text").click()
        judge.page.keyboard.press("2")  # spam
        expect(root.locator(".lw-text")).not_to_have_text(settled)
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        kept = root.locator(".lw-text").inner_text()
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("ham")
        judge.page.keyboard.press("Enter")  # takes the pre-selected answer
        expect(root.locator(".lw-text")).not_to_have_text(kept)
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        gold = judge.evaluate_json("team.gold[['key', 'label', 'how']]")
        assert [int(settled.rsplit(" ", 1)[1]), "spam", "adjudicated"] in gold
        assert [int(kept.rsplit(" ", 1)[1]), "ham", "adjudicated"] in gold
        assert sum(1 for _, _, how in gold if how == "unresolved") == 2
        expect(root.locator(".lw-banner .lw-error")).to_have_count(0)
    finally:
        for notebook in (ana, ben, judge):
            if notebook is not None:
                notebook.close()


def test_a_database_password_never_reaches_the_page_or_the_saved_notebook(
    jupyter_server, browser_context, postgres_url
):
    from sqlalchemy.engine import make_url

    password = make_url(postgres_url).password
    assert password and len(password) >= 8
    # as a person keeps a password out of their code: here a file the notebook reads (or ~/.pgpass, or PGPASSWORD)
    (jupyter_server.root / "db_url.txt").write_text(postgres_url)
    cells = [
        TEAM.replace("{store!r}", 'open("db_url.txt").read()').format(),
        'labeler = team.labeler("secret")\nlabeler',
        "team.dashboard()",
        "team",
        "labeler.session.store.description",
    ]
    ana = NotebookPage.open(browser_context, jupyter_server, "secret.ipynb", cells, workspace="secret")
    ana.run_all()
    expect(ana.page.locator(".lw-labeler .lw-text").first).not_to_have_text(
        re.compile(r"^(Loading…)?$"), timeout=60_000
    )
    try:
        press(ana, "1", 2)
        expect(ana.page.locator(".lw-labeler .lw-save").first).to_have_attribute("title", re.compile(r"\*\*\*"))
        assert password not in ana.page.content()
        saved = json.dumps(ana.save())
        assert password not in saved
        assert "***" in saved  # the store is shown, with its password masked
    finally:
        ana.close()


def test_the_database_going_away_mid_session_loses_nothing_and_the_view_recovers(
    jupyter_server, browser_context, restartable_postgres, fresh_postgres_url
):
    cluster = restartable_postgres
    (jupyter_server.root / "outage_url.txt").write_text(fresh_postgres_url)
    cells = [
        "import pandas as pd, labelwidgets as lw\n"
        "df = pd.DataFrame({'text': [f'message number {i}' for i in range(10)]})\n"
        "labeler = lw.Labeler(df, labels=['ham', 'spam'], store=open('outage_url.txt').read(), annotator='ana')\n"
        "labeler"
    ]
    nb = NotebookPage.open(browser_context, jupyter_server, "outage.ipynb", cells, workspace="outage")
    try:
        nb.run_all()
        root = nb.page.locator(".lw-labeler").first
        expect(root.locator(".lw-text")).to_have_text("message number 0", timeout=60_000)
        press(nb, "1", 1)  # saved while the server is up
        cluster.stop()
        nb.page.keyboard.press("2")  # the view moves on at once; the store cannot take it
        expect(root.locator(".lw-save")).to_contain_text("kept here, sending again", timeout=30_000)
        expect(root.locator(".lw-save")).to_contain_text("cannot reach the store")
        assert cluster.password not in root.locator(".lw-save").inner_text()
        cluster.start()
        expect(root.locator(".lw-save")).to_have_text("Saved ✓", timeout=30_000)  # sent again, and stored
        press(nb, "1", 1)
        events = nb.evaluate_json("labeler.decisions[['key', 'action', 'label']]")
        assert events == [[0, "labeled", "ham"], [1, "labeled", "spam"], [2, "labeled", "ham"]]  # each once
        assert nb.evaluate_json("df['label'].head(3)") == ["ham", "spam", "ham"]
    finally:
        nb.close()
