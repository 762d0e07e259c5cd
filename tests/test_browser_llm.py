"""An LLM's suggestions in the real browser, over HTTP on 127.0.0.1, and a saved notebook that carries no key."""

from __future__ import annotations

import json
import textwrap

import pytest
from fault_server import FaultServer, Reply
from playwright.sync_api import expect
from test_browser import focus, open_labeler, widget

pytestmark = pytest.mark.browser

SECRET = "sk-test-NEVER-IN-A-NOTEBOOK-987654321"


def test_llm_suggestions_arrive_and_enter_accepts_a_number_corrects_and_no_key_is_saved(
    jupyter_server, browser_context
):
    def answer(request: dict) -> Reply:  # the first message of the sample is spam; call everything else ham
        return Reply.label("spam" if "XXXMobileMovieClub" in json.dumps(request) else "ham")

    with FaultServer(latency=0.4, default=answer) as server:
        cell = textwrap.dedent(
            f"""
            import labelwidgets as lw
            df = lw.datasets.sms_spam().head(12).copy()
            llm = lw.LLM("openai/fake", api_base={server.url!r}, api_key={SECRET!r}, cache=False,
                         instructions="Is this SMS spam?")
            labeler = lw.Labeler(df, labels=["ham", "spam"], store="llm.db", suggester=llm)
            labeler
            """
        )
        nb = open_labeler(browser_context, jupyter_server, "llm.ipynb", [cell])
        try:
            root = widget(nb)
            suggestion = root.locator(".lw-suggestion .lw-suggestion-label")
            expect(suggestion).to_have_text("spam", timeout=20_000)
            focus(nb)
            nb.page.keyboard.press("Enter")  # accept "spam"
            expect(suggestion).to_have_text("ham", timeout=20_000)
            nb.page.keyboard.press("2")  # correct "ham" to "spam"
            expect(root.locator(".lw-save")).to_have_text("Saved ✓")
            rows = nb.evaluate_json("df[['label', 'decision', 'suggestion']].head(2)")
            assert rows == [["spam", "accepted", "spam"], ["spam", "corrected", "ham"]]
            assert nb.evaluate_json("labeler.decisions['suggestion_visible'].tolist()") == [True, True]
            saved = nb.save()
            text = json.dumps(saved)
            assert "application/vnd.jupyter.widget-state+json" in text  # widget state was saved too
            # The key is where the person typed it, in the cell's source, and nowhere else: not in widget state,
            # not in any output.
            assert SECRET not in json.dumps(saved["metadata"])
            for cell_json in saved["cells"]:
                assert SECRET not in json.dumps(cell_json.get("outputs", []))
            assert SECRET in json.dumps(saved["cells"][0]["source"])
        finally:
            nb.close()
