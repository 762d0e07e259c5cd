"""The leaderboard widget end to end in JupyterLab with Debian's Chromium: render, explore, relabel."""

from __future__ import annotations

import re
import textwrap

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# 12 messages, ham/spam alternating; suggester "a" is wrong on items 3 and 7, "b" on items 1, 3, 5, 7 and 9.
DATA = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    from labelwidgets.comparison.compare import compare
    human = ["ham", "spam"] * 6
    flip = {"ham": "spam", "spam": "ham"}
    df = pd.DataFrame({
        "text": [f"message {i}" for i in range(12)],
        "a": [flip[h] if i in (3, 7) else h for i, h in enumerate(human)],
        "b": [flip[h] if i in (1, 3, 5, 7, 9) else h for i, h in enumerate(human)],
    })
    """
)


def open_board(context, server, name: str, cells: list[str]) -> NotebookPage:
    notebook = NotebookPage.open(context, server, name, cells)
    notebook.run_all()
    expect(notebook.page.locator(".lw-leaderboard .lw-lb-row").first).to_be_visible(timeout=60_000)
    return notebook


def test_click_an_entry_step_and_relabel_with_a_number_key_records_an_event(jupyter_server, browser_context):
    cell = DATA + textwrap.dedent(
        """
        labeler = lw.Labeler(df, text="text", labels=["ham", "spam"], store="board.db", annotator="ana")
        for label in human:
            labeler.label(label)
        board = compare(labeler, suggesters={"a": lw.FromColumn("a"), "b": lw.FromColumn("b")}, progress=False)
        board
        """
    )
    nb = open_board(browser_context, jupyter_server, "leaderboard_labeler.ipynb", [cell, "x = 1"])
    try:
        root = nb.page.locator(".lw-leaderboard").first
        assert root.get_attribute("data-lm-suppress-shortcuts") == "true"
        rows = root.locator(".lw-lb-table tbody tr.lw-lb-row:not(.lw-lb-pair)")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("a")
        expect(rows.nth(0)).to_contain_text("0.833")  # accuracy 10/12
        expect(root.locator(".lw-lb-title")).to_have_text(re.compile(r"2 suggesters vs human labels · 12 items"))
        before = nb.cells()

        rows.nth(0).click()
        explorer = root.locator(".lw-lb-explorer")
        expect(explorer.locator(".lw-lb-ex-title")).to_have_text("a vs the human label")
        expect(explorer.locator(".lw-lb-ex-position")).to_have_text("1 / 2 disagreements")
        expect(explorer.locator(".lw-lb-text")).to_have_text("message 3")
        expect(explorer.locator(".lw-lb-out.lw-lb-human .lw-lb-out-label")).to_have_text("spam")
        expect(explorer.locator(".lw-lb-out[data-name='a'] .lw-lb-out-label")).to_have_text("ham")
        expect(explorer.locator(".lw-lb-out[data-name='b'] .lw-lb-out-label")).to_have_text("ham")

        nb.page.keyboard.press("ArrowRight")
        expect(explorer.locator(".lw-lb-ex-position")).to_have_text("2 / 2 disagreements")
        expect(explorer.locator(".lw-lb-text")).to_have_text("message 7")
        nb.page.keyboard.press("1")  # the human was wrong: item 7 is ham
        expect(explorer.locator(".lw-lb-status")).to_have_text("Saved: a revised decision in the labeler's store.")
        expect(explorer.locator(".lw-lb-out.lw-lb-human")).to_contain_text("corrected")
        expect(rows.nth(0)).to_contain_text("0.917")  # the table re-scored: 11/12

        last = "labeler.decisions[['key', 'action', 'label', 'previous_label']].tail(1)"
        assert nb.evaluate_json(last) == [[7, "revised", "ham", "spam"]]  # a revision, never an acceptance
        assert nb.evaluate_json("board.corrections[['key', 'old', 'new']]") == [[7, "spam", "ham"]]
        assert nb.evaluate_json("df.loc[7, 'label']") == "ham"
        assert nb.cells() == before, "a key pressed in the leaderboard changed the notebook"

        nb.page.keyboard.press("Escape")
        expect(explorer).to_be_hidden()
    finally:
        nb.close()


def test_a_pair_shows_where_two_entries_disagree_and_a_click_relabels_a_dataframe(jupyter_server, browser_context):
    cell = DATA + textwrap.dedent(
        """
        df["label"] = human
        df.loc[3, "text"] = '<img src=x onerror="window.__lw_xss = 1">'
        board = compare(df, labels=["ham", "spam"], progress=False,
                        suggesters={"a": lw.FromColumn("a"), "b": lw.FromColumn("b")})
        board
        """
    )
    nb = open_board(browser_context, jupyter_server, "leaderboard_frame.ipynb", [cell])
    try:
        root = nb.page.locator(".lw-leaderboard").first
        root.locator(".lw-lb-pairs summary").click()
        pair = root.locator(".lw-lb-pair").first
        expect(pair).to_contain_text("a vs b")
        pair.click()
        explorer = root.locator(".lw-lb-explorer")
        expect(explorer.locator(".lw-lb-ex-title")).to_have_text("a vs b")
        expect(explorer.locator(".lw-lb-ex-position")).to_have_text("1 / 3 disagreements")  # items 1, 5, 9
        expect(explorer.locator(".lw-lb-text")).to_have_text("message 1")
        explorer.locator(".lw-lb-label", has_text="ham").click()
        # a DataFrame column changed in memory is not "saved": the widget says where the change went
        expect(explorer.locator(".lw-lb-status")).to_have_text(
            "Changed in the DataFrame's 'label' column (in memory; save the DataFrame to keep it). "
            "Logged in board.corrections."
        )
        assert nb.evaluate_json("board.corrections[['key', 'old', 'new']]") == [[1, "spam", "ham"]]
        assert nb.evaluate_json("df.loc[1, 'label']") == "ham"

        # b now disagrees with the people on items 3, 5, 7 and 9; item 3's text is HTML: shown as text, never run
        root.locator(".lw-lb-table tbody tr[data-name='b']").click()
        expect(explorer.locator(".lw-lb-ex-title")).to_have_text("b vs the human label")
        expect(explorer.locator(".lw-lb-ex-position")).to_have_text("1 / 4 disagreements")
        expect(explorer.locator(".lw-lb-text")).to_have_text('<img src=x onerror="window.__lw_xss = 1">')
        assert root.locator(".lw-lb-text img").count() == 0
        assert nb.page.evaluate("() => window.__lw_xss") is None
    finally:
        nb.close()


SPANS = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    from labelwidgets.comparison.compare import compare
    texts = ["🇫🇷 Ana flew to Paris today", "Ben met Carl", "no names here", "Dora lives in Oslo"]
    def spans(text, *marked):
        return [{"start": text.find(w), "end": text.find(w) + len(w), "label": label} for w, label in marked]
    df = pd.DataFrame({
        "text": texts,
        "label": [spans(texts[0], ("Ana", "person"), ("Paris", "location")), spans(texts[1], ("Ben", "person")), [],
                  spans(texts[3], ("Dora", "person"), ("Oslo", "location"))],
        # a model's entities by their words: placed on the text by the package
        "m1": [[{"text": "Ana", "label": "person"}], [{"text": "Ben", "label": "person"}], [],
               [{"text": "Dora", "label": "person"}, {"text": "Oslo", "label": "location"}]],
        "m2": [[{"text": "ana", "label": "person"}, {"text": "Paris", "label": "location"}],
               [{"text": "Ben", "label": "person"}, {"text": "Carl", "label": "person"}], [], []],
    })
    board = compare(df, human="label", text="text", labels=["person", "location"], kind="spans", progress=False,
                    suggesters={"m1": lw.FromColumn("m1"), "m2": lw.FromColumn("m2")})
    board
    """
)


def test_span_suggesters_rank_by_span_f1_and_the_explorer_marks_human_and_suggested_spans_alike(
    jupyter_server, browser_context
):
    nb = open_board(browser_context, jupyter_server, "leaderboard_spans.ipynb", [SPANS])
    try:
        root = nb.page.locator(".lw-leaderboard").first
        heads = root.locator(".lw-lb-table").first.locator("thead th")
        expect(heads.nth(2)).to_have_text("strict span F1")
        expect(root.locator(".lw-lb-table").first.locator("thead")).to_contain_text("partial span F1")
        rows = root.locator(".lw-lb-table tbody tr.lw-lb-row:not(.lw-lb-pair)")
        expect(rows).to_have_count(2)
        table = nb.evaluate_json("board.table[['strict_f1']].round(3).reset_index().values.tolist()")
        for (name, f1), row in zip(table, [rows.nth(0), rows.nth(1)], strict=True):
            expect(row).to_contain_text(name)
            expect(row).to_contain_text(f"{f1:.3f}")

        root.locator(".lw-lb-table tbody tr[data-name='m1']").click()
        explorer = root.locator(".lw-lb-explorer")
        expect(explorer.locator(".lw-lb-ex-position")).to_have_text("1 / 1 disagreements")  # item 0: Paris missed
        human = explorer.locator(".lw-lb-out.lw-lb-human")
        # the human's spans and each suggester's are one shape, marked on the text with their labels
        expect(human.locator("mark.lw-span")).to_have_text(["Ana", "Paris"])
        expect(human.locator(".lw-span-tag")).to_have_text(["person", "location"])
        m1 = explorer.locator(".lw-lb-out[data-name='m1']")
        m2 = explorer.locator(".lw-lb-out[data-name='m2']")
        expect(m1.locator("mark.lw-span")).to_have_text(["Ana"])
        expect(m2.locator("mark.lw-span")).to_have_text(["Ana", "Paris"])  # "ana" placed on "Ana", whatever the case
        expect(m1).to_have_class(re.compile("lw-lb-differs"))
        expect(m2).to_have_class(re.compile("lw-lb-agrees"))  # the same spans as the human: agrees
        expect(human.locator(".lw-lb-spans")).to_have_attribute("aria-label", "person “Ana”, location “Paris”")
        assert "[object Object]" not in (explorer.text_content() or "")
        # a label key does not replace the human's spans with a label; the relabel buttons are not offered
        expect(explorer.locator(".lw-lb-relabel")).to_be_hidden()
        nb.page.keyboard.press("1")
        assert nb.evaluate_json("len(board.corrections)") == 0

        # the pair: a delta in strict span F1 with its interval; where they disagree, both sides marked
        nb.page.keyboard.press("Escape")
        root.locator(".lw-lb-pairs summary").click()
        pair = root.locator(".lw-lb-pair").first
        expect(root.locator(".lw-lb-pairs-table thead")).to_contain_text("Δ strict span F1")
        expect(pair.locator("td").nth(5)).not_to_have_text("–")
        pair.click()
        expect(explorer.locator(".lw-lb-ex-position")).to_have_text("1 / 3 disagreements")
        expect(explorer.locator(".lw-lb-text")).to_have_text("🇫🇷 Ana flew to Paris today")
        nb.page.keyboard.press("ArrowRight")
        expect(explorer.locator(".lw-lb-text")).to_have_text("Ben met Carl")
        expect(m2.locator("mark.lw-span")).to_have_text(["Ben", "Carl"])
        expect(human.locator("mark.lw-span")).to_have_text(["Ben"])
    finally:
        nb.close()
