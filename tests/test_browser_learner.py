"""A suggester that learns from the person, in a real browser: "learned from N labels" and the switch from the
prior to the learner, as the person labels."""

from __future__ import annotations

import re
import textwrap

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SETUP = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    spam = [f"WIN a free prize now, call 0800 {i:04d} to claim" for i in range(30)]
    ham = [f"see you at lunch today, table {i} by the window" for i in range(30)]
    df = pd.DataFrame({"text": [t for pair in zip(spam, ham) for t in pair]})

    class AlwaysHam:
        name = "always-ham"
        def suggest(self, items, labels):
            return [lw.Suggestion(label="ham", confidence=0.9, model="always-ham") for _ in items]

    learner = lw.Learner(prior=AlwaysHam(), combine=False, min_labels=4, window=10)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store="learner.db", annotator="ana", suggester=learner)
    labeler
    """
)


def test_the_view_says_what_the_learner_learned_and_when_it_takes_over(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "learner.ipynb", [SETUP], workspace="learner")
    try:
        nb.run_all()
        root = nb.page.locator(".lw-labeler").first
        expect(root.locator(".lw-text")).to_have_text(re.compile("WIN a free prize"), timeout=60_000)
        expect(root.locator(".lw-suggestion-source")).to_have_text("from always-ham")
        expect(root.locator(".lw-suggester-status")).to_contain_text("showing the prior")
        root.locator(".lw-text").click()
        for i in range(24):  # the right label, spam and ham in turn
            before = root.locator(".lw-text").inner_text()
            nb.page.keyboard.press("2" if i % 2 == 0 else "1")
            expect(root.locator(".lw-text")).not_to_have_text(before)
            if i == 5:
                expect(root.locator(".lw-suggester-status")).to_contain_text(re.compile(r"learned from \d+ labels"))
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        # the learner, right on every recent label where the prior was right on half, is now what is shown
        expect(root.locator(".lw-suggester-status")).to_contain_text("learner ahead", timeout=20_000)
        expect(root.locator(".lw-suggestion-source")).to_have_text("from learner", timeout=20_000)
        expect(root.locator(".lw-suggestion-label")).to_have_text("spam")  # item 24 is spam: the learner knows
        nb.page.keyboard.press("Enter")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        last = nb.evaluate_json("labeler.decisions.iloc[-1][['action', 'label', 'suggester']].tolist()")
        assert last == ["accepted", "spam", "learner"]
        counted = nb.evaluate_json("learner.n_labels")
        assert counted == 25
    finally:
        nb.close()
