"""Two outputs judged side by side in a real browser: the layout drawn per item and recorded, keys by side, an
empty output refused, identical outputs pointed out, undo."""

from __future__ import annotations

import json
import textwrap

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CELL = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({{
        "question": [f"question {{i}}" for i in range(6)],
        "reply_a": ["first A", "second A", "", "same words", "fifth A", "<b>sixth</b> A"],
        "reply_b": ["first B", "second B", "third B", "same words", "fifth B", "sixth B"],
    }})
    labeler = lw.Labeler(df, kind="pair", prompt="question", outputs=("reply_a", "reply_b"), store={store!r},
                         annotator="ana", seed=0)
    labeler
    """
)


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_pairs_are_judged_by_side_and_stored_by_output(jupyter_server, browser_context, ui):
    name = f"pair_{ui}.ipynb"
    nb = NotebookPage.open(
        browser_context, jupyter_server, name, [CELL.format(store=name.replace(".ipynb", ".db"))], ui=ui
    )
    nb.run_all()
    try:
        root = nb.page.locator(".lw-labeler").first
        prompt = root.locator(".lw-pair-prompt")
        expect(prompt).to_have_text("question 0", timeout=60_000)
        layout = nb.evaluate_json("[labeler.session.presentation(r) for r in range(6)]")
        assert {side["left"] for side in layout} == {"reply_a", "reply_b"}  # both layouts occur in six items
        left, right = (
            root.locator("[data-testid=lw-pair-left] .lw-pair-text"),
            root.locator("[data-testid=lw-pair-right] .lw-pair-text"),
        )
        position = root.locator(".lw-position")

        def texts(i: int) -> dict[str, str]:
            return nb.evaluate_json(f"{{k: df.loc[{i}, k] for k in ('reply_a', 'reply_b')}}")

        expect(left).to_have_text(texts(0)[layout[0]["left"]])
        expect(right).to_have_text(texts(0)[layout[0]["right"]])
        # the verdict buttons speak of sides, never of output names
        expect(root.locator(".lw-pair-verdicts .lw-label")).to_have_text(["1Left better", "2Right better", "3Tie"])
        prompt.click()
        nb.page.keyboard.press("1")  # item 1: left better
        expect(position).to_have_text("2 / 6")
        expect(left).to_have_text(texts(1)[layout[1]["left"]])
        nb.page.keyboard.press("2")  # item 2: right better
        expect(position).to_have_text("3 / 6")
        # item 3: reply_a is empty, so it cannot win; the view says so and refuses that side
        expect(root.locator(".lw-pair-notice")).to_contain_text("empty")
        empty_side = "1" if layout[2]["left"] == "reply_a" else "2"
        nb.page.keyboard.press(empty_side)
        expect(root.locator(".lw-banner")).to_contain_text("cannot be the better one")
        expect(position).to_have_text("3 / 6")
        nb.page.keyboard.press("3")  # a tie
        expect(position).to_have_text("4 / 6")
        expect(root.locator(".lw-pair-notice")).to_have_text("The two outputs are identical.")
        nb.page.keyboard.press("3")
        expect(position).to_have_text("5 / 6")
        nb.page.keyboard.press("z")  # undo the tie on item 4
        expect(position).to_have_text("4 / 6")
        nb.page.keyboard.press("ArrowRight")
        nb.page.keyboard.press("ArrowRight")  # item 6: markup in an output is shown as text
        expect(position).to_have_text("6 / 6")
        expect(root.locator(".lw-pair-output b")).to_have_count(0)
        expect(root.locator(".lw-pair-output", has_text="<b>sixth</b> A")).to_have_count(1)
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")

        rows = nb.evaluate_json("df['label'].head(4)")
        assert rows == [layout[0]["left"], layout[1]["right"], "tie", None]
        log = nb.evaluate_json("labeler.decisions[['action', 'label', 'detail']].values.tolist()")
        assert [row[0] for row in log] == ["labeled", "labeled", "labeled", "labeled", "undo"]
        for (_, _, detail), shown in zip(log[:4], layout[:4], strict=True):
            assert json.loads(detail) == shown  # each decision records the layout its person saw
        # the store keeps it: a new Labeler on the same store restores the verdicts and their layouts
        restored = nb.evaluate_json(
            "lw.Labeler(df.copy(), kind='pair', prompt='question', outputs=('reply_a', 'reply_b'), "
            f"store={name.replace('.ipynb', '.db')!r}, annotator='ana', seed=0).df['label'].head(4)"
        )
        assert restored == rows
    finally:
        nb.close()


def test_a_judges_verdict_is_accepted_and_an_inconsistent_one_is_shown_as_such(jupyter_server, browser_context):
    import re

    from fault_server import FaultServer, Reply

    def judge(request: dict) -> Reply:
        """Reads the outputs on the first question (the one marked good wins); on the others always says A, so
        asked in both orders its verdict follows the order."""
        user = next(m["content"] for m in request["messages"] if m["role"] == "user")
        shown = dict(re.findall(r"\[Response (A|B)\]\n(.*?)\n\[End of Response \1\]", user, re.S))
        if "question 0" in user:
            return Reply.label("A" if "good" in shown["A"] else "B")
        return Reply.label("A")

    with FaultServer(default=judge) as server:
        cell = textwrap.dedent(
            f"""
            import pandas as pd, labelwidgets as lw
            df = pd.DataFrame({{"question": ["question 0", "question 1"], "reply_a": ["meh", "x"],
                               "reply_b": ["good answer", "y"]}})
            judge = lw.Judge("openai/fake", api_base={server.url!r}, api_key="sk-test", cache=False)
            labeler = lw.Labeler(df, kind="pair", prompt="question", outputs=("reply_a", "reply_b"),
                                 store="judged_pair.db", suggester=judge, annotator="ana")
            labeler
            """
        )
        nb = NotebookPage.open(browser_context, jupyter_server, "judged_pair.ipynb", [cell])
        nb.run_all()
        try:
            root = nb.page.locator(".lw-labeler").first
            expect(root.locator(".lw-pair-prompt")).to_have_text("question 0", timeout=60_000)
            # the first call imports litellm: seconds on a loaded machine
            expect(root.locator(".lw-suggestion-label")).to_have_text("reply_b", timeout=90_000)
            # the verdict is marked on the side reply_b is shown on
            layout = nb.evaluate_json("labeler.session.presentation(0)")
            side = 0 if layout["left"] == "reply_b" else 1
            expect(root.locator(".lw-pair-verdicts .lw-label").nth(side)).to_have_class(re.compile("lw-suggested"))
            root.locator(".lw-pair-prompt").click()
            nb.page.keyboard.press("Enter")  # accept the consistent verdict
            expect(root.locator(".lw-position")).to_have_text("2 / 2")
            suggestion = root.locator(".lw-suggestion")
            expect(suggestion).to_have_class(re.compile("lw-invalid"), timeout=20_000)
            expect(suggestion).to_contain_text("inconsistent")
            nb.page.keyboard.press("Enter")  # nothing to accept: the view refuses, nothing is stored
            expect(root.locator(".lw-position")).to_have_text("2 / 2")
            nb.page.keyboard.press("3")  # the person judges it a tie
            expect(root.locator(".lw-save")).to_have_text("Saved ✓")
            rows = nb.evaluate_json("labeler.decisions[['action', 'label', 'suggestion']]")
            assert rows == [["accepted", "reply_b", "reply_b"], ["labeled", "tie", None]]
            assert server.request_count == 4  # two pairs, each asked in both orders
        finally:
            nb.close()
