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


ADJUDICATE_SPANS = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    texts = ["Ana flew to Paris with Ben", "👩🏽\u200d💻 Obama visited Berlin and Gardena", "Carl met Dora"]
    df = pd.DataFrame({"text": texts}, index=pd.Index([100, 101, 102], name="id"))
    team = lw.Team("team_spans.db", df, labels=["person", "location"], kind="spans", overlap=2, poll=0.3)
    def at(text, words, label):
        return (text.find(words), text.find(words) + len(words), label)
    ana, ben = team.labeler("ana"), team.labeler("ben")
    ana.label([at(texts[0], "Ana", "person"), at(texts[0], "Paris", "location")])
    ana.label([at(texts[1], "Obama", "person"), at(texts[1], "Gardena", "location")])
    ana.label([at(texts[2], "Carl", "person")])
    ben.label([at(texts[0], "Ana", "person"), at(texts[0], "Ben", "person")])
    ben.label([at(texts[1], "Obama", "person"), at(texts[1], "Berlin", "location")])
    ben.label([at(texts[2], "Carl", "person"), at(texts[2], "Dora", "person")])
    judge = team.adjudicator("judge")
    judge
    """
)


def test_the_adjudicator_sees_each_members_spans_as_a_layer_and_takes_one_with_a_key_or_edits_it(
    jupyter_server, browser_context
):
    nb = NotebookPage.open(browser_context, jupyter_server, "team_spans.ipynb", [ADJUDICATE_SPANS])
    nb.run_all()
    try:
        page = nb.page
        root = page.locator(".lw-labeler").first
        text = root.locator(".lw-span-text")
        layers = root.locator(".lw-span-layer")
        live = root.locator(".lw-span-live")
        spans = root.locator(".lw-span-list li")
        expect(text).to_contain_text(" flew to Paris with Ben", timeout=60_000)  # after "Ana", its label
        # one layer per member, in the order they answered, each with that member's spans marked on the text
        expect(layers).to_have_count(2)
        expect(layers.locator(".lw-span-layer-name")).to_have_text(["ana", "ben"])
        expect(layers.nth(0).locator("mark.lw-span")).to_have_text(["Ana", "Paris"])
        expect(layers.nth(1).locator("mark.lw-span")).to_have_text(["Ana", "Ben"])
        expect(layers.nth(1).locator(".lw-span-tag")).to_have_text(["person", "person"])
        # the majority is pre-selected (Ana, which both marked), dashed as a suggestion
        expect(root.locator(".lw-span-text mark.lw-span-suggested")).to_have_text("Ana")
        root.locator(".lw-state").click()

        # item 100: ↓ takes ana's spans, ↓ again ben's, ↑ back to ana's; Enter commits them
        page.keyboard.press("ArrowDown")
        expect(live).to_contain_text("Took ana's spans: “Ana” (person), “Paris” (location)")
        expect(layers.nth(0)).to_have_class(re.compile("lw-span-layer-taken"))
        expect(spans).to_have_text(["person Ana", "location Paris"])
        page.keyboard.press("ArrowDown")
        expect(live).to_contain_text("Took ben's spans")
        expect(layers.nth(1)).to_have_class(re.compile("lw-span-layer-taken"))
        expect(spans).to_have_text(["person Ana", "person Ben"])
        page.keyboard.press("ArrowUp")
        expect(spans).to_have_text(["person Ana", "location Paris"])
        page.keyboard.press("Enter")

        # item 101 (an emoji first: offsets in code points): click ben's layer, then edit it: Berlin out, Gardena in
        expect(text).to_contain_text(" visited Berlin")
        expect(layers.nth(1).locator("mark.lw-span")).to_have_text(["Obama", "Berlin"])
        layers.nth(1).click()
        expect(spans).to_have_text(["person Obama", "location Berlin"])
        page.keyboard.press("Tab")  # into the text
        page.keyboard.press("Tab")  # the first span (Obama)
        page.keyboard.press("Tab")  # the next (Berlin)
        expect(live).to_contain_text("“Berlin” (location)")
        page.keyboard.press("Delete")
        page.keyboard.press("End")
        page.keyboard.press("Control+Shift+ArrowLeft")
        page.keyboard.press("2")
        expect(spans).to_have_text(["person Obama", "location Gardena"])
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        expect(text).to_contain_text(" met Dora")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")

        gold = nb.evaluate_json(
            "[[k, r['how'], [[s['start'], s['end'], s['label']] for s in r['label']]] "
            "for k, r in team.gold.set_index('key').loc[[100, 101]].iterrows()]"
        )
        t0, t1 = "Ana flew to Paris with Ben", "👩🏽\u200d💻 Obama visited Berlin and Gardena"
        assert gold == [
            [100, "adjudicated", [[0, 3, "person"], [t0.find("Paris"), t0.find("Paris") + 5, "location"]]],
            [101, "adjudicated", [[t1.find("Obama"), t1.find("Obama") + 5, "person"],
                                  [t1.find("Gardena"), t1.find("Gardena") + 7, "location"]]],
        ]  # fmt: skip
        # nobody's own spans changed: the members' decisions are as they gave them
        assert nb.evaluate_json("sorted(set(team.decisions['annotator']))") == ["ana", "ben"]
    finally:
        nb.close()
