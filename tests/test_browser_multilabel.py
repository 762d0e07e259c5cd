"""Multi-label answers and review in a real browser: toggles, Enter, a, none of these, undo, going back."""

from __future__ import annotations

import re
import textwrap

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CELL = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({{"text": [f"ticket {{i}}" for i in range(8)],
                       "guess": [["urgent", "billing"], ["outage"], '["billing"]', ["urgent"], ["outage"],
                                 ["billing"], None, ["urgent"]]}})
    labeler = lw.Labeler(df, labels=["urgent", "billing", "outage"], kind="multi", store={store!r},
                         suggester=lw.FromColumn("guess"), annotator="ana")
    labeler
    """
)


def open_multi(context, server, name: str, ui: str = "lab") -> NotebookPage:
    notebook = NotebookPage.open(context, server, name, [CELL.format(store=name.replace(".ipynb", ".db"))], ui=ui)
    notebook.run_all()
    text = notebook.page.locator(".lw-labeler .lw-text").first
    expect(text).not_to_have_text(re.compile(r"^(Loading…)?$"), timeout=60_000)
    return notebook


def pressed(root, name: str):
    return root.locator(".lw-label", has_text=name)


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_multi_label_toggles_commit_accept_none_undo_and_review(jupyter_server, browser_context, ui):
    nb = open_multi(browser_context, jupyter_server, f"multi_{ui}.ipynb", ui=ui)
    try:
        root = nb.page.locator(".lw-labeler").first
        position = root.locator(".lw-position")
        expect(root.locator(".lw-suggestion-label")).to_have_text("urgent + billing")
        # the draft starts from the suggested set, and the buttons say which labels are on
        expect(pressed(root, "urgent")).to_have_attribute("aria-pressed", "true")
        expect(pressed(root, "billing")).to_have_attribute("aria-pressed", "true")
        expect(pressed(root, "outage")).to_have_attribute("aria-pressed", "false")
        root.locator(".lw-text").click()
        expect(root).to_have_class(re.compile("lw-focused"))
        nb.page.keyboard.press("Enter")  # nothing toggled: accept the suggested set
        expect(position).to_have_text("2 / 8")
        expect(root.locator(".lw-suggestion-label")).to_have_text("outage")
        nb.page.keyboard.press("1")  # toggle urgent on
        expect(pressed(root, "urgent")).to_have_attribute("aria-pressed", "true")
        expect(position).to_have_text("2 / 8")  # a toggle never moves on
        nb.page.keyboard.press("Enter")  # commit urgent + outage: a correction
        expect(position).to_have_text("3 / 8")
        nb.page.keyboard.press("2")  # toggled, then "a": a accepts exactly the suggestion whatever was toggled
        nb.page.keyboard.press("a")
        expect(position).to_have_text("4 / 8")
        nb.page.keyboard.press("0")  # none of these: an answer
        expect(position).to_have_text("5 / 8")  # (a dropped key says which one, here or below)
        expect(root.locator(".lw-text")).not_to_have_text("Loading…")
        nb.page.keyboard.press(" ")  # skip item 5
        expect(position).to_have_text("6 / 8")
        nb.page.keyboard.press("z")  # undo the skip: back on item 5
        expect(position).to_have_text("5 / 8")
        nb.page.keyboard.press("ArrowLeft")  # review item 4 (none of these)
        expect(position).to_have_text("4 / 8")
        expect(root.locator(".lw-state")).to_contain_text("none of these")
        nb.page.keyboard.press("ArrowLeft")  # and item 3 (billing, accepted)
        nb.page.keyboard.press("3")  # toggle outage on
        nb.page.keyboard.press("Enter")  # a revision; the view goes to the next item in order (4), not to 5
        expect(position).to_have_text("4 / 8")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        rows = nb.evaluate_json("df[['label', 'decision', 'suggestion']].head(5)")
        assert rows == [
            [["urgent", "billing"], "accepted", ["urgent", "billing"]],
            [["urgent", "outage"], "corrected", ["outage"]],
            [["billing", "outage"], "revised", ["billing"]],
            [[], "corrected", ["urgent"]],
            [None, None, None],
        ]
        log = nb.evaluate_json("labeler.decisions[['action', 'label', 'previous_label']].astype(str).values.tolist()")
        actions = ["accepted", "corrected", "accepted", "corrected", "skipped", "undo", "revised"]
        assert [row[0] for row in log] == actions
        assert log[-1][2] == "['billing']"
        nb.page.keyboard.press("Enter")  # item 4 reviewed unchanged: on to item 5, nothing recorded
        expect(position).to_have_text("5 / 8")
        assert nb.evaluate_json("len(labeler.decisions)") == 7
    finally:
        nb.close()


def test_single_label_going_back_and_pressing_another_label_is_a_revision(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        df = pd.DataFrame({"text": [f"message {i}" for i in range(10)]})
        labeler = lw.Labeler(df, labels=["ham", "spam"], store="review_single.db", annotator="ana")
        labeler
        """
    )
    nb = NotebookPage.open(browser_context, jupyter_server, "review_single.ipynb", [cell])
    nb.run_all()
    try:
        root = nb.page.locator(".lw-labeler").first
        expect(root.locator(".lw-text")).to_have_text("message 0", timeout=60_000)
        root.locator(".lw-text").click()
        for key in "1212":
            nb.page.keyboard.press(key)
        expect(root.locator(".lw-position")).to_have_text("5 / 10")
        for _ in range(3):
            nb.page.keyboard.press("ArrowLeft")
        expect(root.locator(".lw-position")).to_have_text("2 / 10")
        nb.page.keyboard.press("1")  # item 2 was spam: now ham, a revision; on to item 3 (reviewing), not item 5
        expect(root.locator(".lw-position")).to_have_text("3 / 10")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("labeler.decisions[['action', 'previous_label']].tail(1).values.tolist()") == [
            ["revised", "spam"]
        ]
        assert nb.evaluate_json("labeler.position") == 2
    finally:
        nb.close()


def test_a_student_sees_which_labels_were_right_missed_and_extra_only_after_answering(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        df = pd.DataFrame({"text": ["I am furious and sad", "what a lovely surprise", "meh"],
                           "expert": [["anger", "sadness"], '["joy", "surprise"]', []]})
        student = lw.Labeler(df, labels=["anger", "joy", "sadness", "surprise"], kind="multi", gold="expert",
                             store="class_multi.db", annotator="s1")
        student
        """
    )
    nb = NotebookPage.open(browser_context, jupyter_server, "class_multi.ipynb", [cell])
    nb.run_all()
    try:
        root = nb.page.locator(".lw-labeler").first
        expect(root.locator(".lw-text")).to_have_text("I am furious and sad", timeout=60_000)
        expect(root.locator(".lw-feedback")).to_have_count(1)
        assert "sadness" not in root.locator(".lw-feedback").first.inner_text()  # nothing before the answer
        root.locator(".lw-text").click()
        nb.page.keyboard.press("1")  # anger
        nb.page.keyboard.press("2")  # joy (wrong)
        nb.page.keyboard.press("Enter")
        strip = root.locator("[data-testid=lw-feedback]")
        expect(strip).to_contain_text("right: anger")
        expect(strip).to_contain_text("missed: sadness")
        expect(strip).to_contain_text("extra: joy")
        expect(strip).to_contain_text("overlap (Jaccard) 0.33")
        expect(root.locator(".lw-score")).to_contain_text("0 of 1 exactly right")
        expect(root.locator(".lw-score")).to_contain_text("mean Jaccard 0.33")
        assert nb.evaluate_json("student.report().jaccard") == pytest.approx(1 / 3)
    finally:
        nb.close()
