"""End to end in a real browser: JupyterLab 4 and Notebook 7 in Debian's Chromium, driven by Playwright."""

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
    df = pd.DataFrame({{"text": [f"message number {{i}}" for i in range(40)], "sender": ["ana", "bob"] * 20}})
    labeler = lw.Labeler(df, text="text", labels=["ham", "spam"], store={store!r}, annotator="ana", show=["sender"])
    labeler
    """
)


def open_labeler(context, server, name: str, cells: list[str], ui: str = "lab") -> NotebookPage:
    notebook = NotebookPage.open(context, server, name, cells, ui=ui)
    notebook.run_all()
    text = notebook.page.locator(".lw-labeler .lw-text").first
    expect(text).not_to_have_text(re.compile(r"^(Loading…)?$"), timeout=60_000)
    return notebook


def widget(notebook: NotebookPage):
    return notebook.page.locator(".lw-labeler").first


def focus(notebook: NotebookPage) -> None:
    widget(notebook).locator(".lw-text").click()
    expect(widget(notebook)).to_have_class(re.compile("lw-focused"))


def test_label_by_click_and_by_keyboard_lands_in_the_dataframe(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "click_keys.ipynb", [SETUP.format(store="click_keys.db")])
    try:
        root = widget(nb)
        expect(root.locator(".lw-position")).to_have_text("1 / 40")
        expect(root.locator(".lw-fields")).to_contain_text("sender: ana")
        root.locator(".lw-label", has_text="spam").click()
        expect(root.locator(".lw-text")).to_have_text("message number 1")
        focus(nb)
        nb.page.keyboard.press("1")
        nb.page.keyboard.press("2")
        nb.page.keyboard.press(" ")
        expect(root.locator(".lw-position")).to_have_text("5 / 40")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        rows = nb.evaluate_json("df[['label', 'decision', 'annotator']].head(5)")
        assert rows == [
            ["spam", "labeled", "ana"],
            ["ham", "labeled", "ana"],
            ["spam", "labeled", "ana"],
            [None, "skipped", "ana"],
            [None, None, None],
        ]
        assert nb.evaluate_json("labeler.position") == 4
        seconds = nb.evaluate_json("df['seconds'].head(3).tolist()")
        assert all(s >= 0 for s in seconds)
    finally:
        nb.close()


def test_keys_never_leak_into_jupyter_command_mode(jupyter_server, browser_context):
    cells = [SETUP.format(store="leak.db"), "x = 1", "y = 2"]
    nb = open_labeler(browser_context, jupyter_server, "leak.ipynb", cells)
    try:
        before = nb.cells()
        focus(nb)
        for key in ["1", "a", "x", "b", "m", "y", "z", "c", "v", "d", "Enter", "ArrowDown", "ArrowUp", "Backspace"]:
            nb.page.keyboard.press(key)
        nb.page.keyboard.press("d")
        assert nb.cells() == before, "a key pressed in the widget changed the notebook"
        assert nb.page.evaluate("() => document.querySelector('.lw-labeler').contains(document.activeElement)")
        # Control: the same kind of key outside the widget does reach Jupyter, so the check above can fail.
        nb.page.keyboard.press("Escape")
        nb.page.locator(".jp-Cell").nth(2).locator(".jp-InputPrompt").click()
        nb.page.keyboard.press("Escape")
        nb.page.keyboard.press("b")
        expect(nb.page.locator(".jp-Notebook .jp-Cell")).to_have_count(len(before) + 1)
    finally:
        nb.close()


def test_undo_and_navigation_in_the_browser(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "undo.ipynb", [SETUP.format(store="undo.db")])
    try:
        root = widget(nb)
        focus(nb)
        nb.page.keyboard.press("1")
        nb.page.keyboard.press("2")
        nb.page.keyboard.press("z")
        expect(root.locator(".lw-position")).to_have_text("2 / 40")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("[df['label'].iloc[1] is pd.NA, df['label'].iloc[0]]") == [True, "ham"]
        assert nb.evaluate_json("labeler.decisions['action'].tolist()") == ["labeled", "labeled", "undo"]
        nb.page.keyboard.press("ArrowLeft")
        expect(root.locator(".lw-position")).to_have_text("1 / 40")
        expect(root.locator(".lw-state")).to_contain_text("Decided: ham (labeled)")
        nb.page.keyboard.press("ArrowRight")
        nb.page.keyboard.press("ArrowRight")
        expect(root.locator(".lw-position")).to_have_text("3 / 40")
        nb.page.keyboard.press("Backspace")  # undo the first decision again, from elsewhere
        expect(root.locator(".lw-position")).to_have_text("1 / 40")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("int(df['label'].notna().sum())") == 0
    finally:
        nb.close()


def test_python_actions_move_the_widget(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "python_api.ipynb", [SETUP.format(store="python_api.db")])
    try:
        root = widget(nb)
        nb.execute("labeler.label('spam'); labeler.label('ham')")
        expect(root.locator(".lw-position")).to_have_text("3 / 40")
        nb.execute("labeler.goto(0)")
        expect(root.locator(".lw-state")).to_contain_text("Decided: spam (labeled)")
        expect(root.locator(".lw-footer")).to_contain_text("2 decided")
    finally:
        nb.close()


def test_restart_the_kernel_and_resume(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "resume.ipynb", [SETUP.format(store="resume.db")])
    try:
        focus(nb)
        for key in ["2", "1", "2"]:
            nb.page.keyboard.press(key)
        expect(widget(nb).locator(".lw-save")).to_have_text("Saved ✓")
        nb.restart_kernel()
        assert nb.execute("print('df' in globals())").strip() == "False"
        nb.run_all()
        root = widget(nb)
        expect(root.locator(".lw-position")).to_have_text("4 / 40", timeout=60_000)
        expect(root.locator(".lw-text")).to_have_text("message number 3")
        assert nb.evaluate_json("df['label'].head(4)") == [
            "spam", "ham", "spam", None,
        ]  # fmt: skip
    finally:
        nb.close()


def test_html_and_script_in_text_are_shown_as_text_and_never_run(jupyter_server, browser_context):
    payloads = [
        '<img src=x onerror="window.__lw_xss = 1">',
        "<script>window.__lw_xss = 2</script>",
        '<b onmouseover="window.__lw_xss = 3">bold?</b>',
    ]
    cell = textwrap.dedent(
        f"""
        import pandas as pd, labelwidgets as lw
        df = pd.DataFrame({{"text": {payloads!r}, "note": {payloads!r}}})
        labeler = lw.Labeler(df, labels=["<i>safe</i>", "ok"], store=None, show=["note"])
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "xss.ipynb", [cell])
    try:
        root = widget(nb)
        focus(nb)
        for i, payload in enumerate(payloads):
            expect(root.locator(".lw-text")).to_have_text(payload)
            expect(root.locator(".lw-fields")).to_contain_text(payload)
            root.locator(".lw-text").hover()
            assert root.locator(".lw-text img, .lw-text script, .lw-text b, .lw-fields img").count() == 0
            if i < len(payloads) - 1:
                nb.page.keyboard.press("2")
        expect(root.locator(".lw-label").first).to_contain_text("<i>safe</i>")
        expect(root.locator(".lw-save")).to_contain_text("Memory only")
        assert nb.page.evaluate("() => window.__lw_xss") is None
    finally:
        nb.close()


def test_suggestions_accept_with_enter_and_correct_with_a_number(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        df = pd.DataFrame({"text": ["win a prize now", "see you at 6", "free entry!!", "ok"],
                           "llm": ["spam", "ham", "spam", "ham"], "p": [0.92, 0.81, 0.55, 0.7]})
        labeler = lw.Labeler(df, labels=["ham", "spam"], store="suggest.db",
                             suggester=lw.FromColumn("llm", confidence="p"))
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "suggest.ipynb", [cell])
    try:
        root = widget(nb)
        suggestion = root.locator(".lw-suggestion")
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("spam")
        expect(suggestion.locator(".lw-confidence-text")).to_contain_text("92%")
        focus(nb)
        nb.page.keyboard.press("Enter")  # accept spam
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("ham")
        nb.page.keyboard.press("2")  # correct ham -> spam
        nb.page.keyboard.press("x")  # reject
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        rows = nb.evaluate_json("df[['label', 'decision', 'suggestion', 'confidence']].head(3)")
        assert rows == [
            ["spam", "accepted", "spam", 0.92],
            ["spam", "corrected", "ham", 0.81],
            [None, "rejected", "spam", 0.55],
        ]
        assert nb.evaluate_json("labeler.decisions['suggestion_visible'].tolist()") == [True, True, True]
    finally:
        nb.close()


def test_long_text_shows_a_part_first_and_expands(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        df = pd.DataFrame({"text": ["start " + "lorem ipsum " * 100_000 + " the end"]})
        labeler = lw.Labeler(df, labels=["a", "b"], store=None)
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "long.ipynb", [cell])
    try:
        root = widget(nb)
        expander = root.locator(".lw-expand")
        expect(expander).to_contain_text("Show all (1,200,014 characters)")
        assert not root.locator(".lw-text").inner_text().endswith("the end")
        expander.click()
        expect(root.locator(".lw-text")).to_contain_text("the end")
    finally:
        nb.close()


def test_many_labels_use_a_keyboard_picker(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        labels = [f"intent_{i:02d}" for i in range(40)]
        df = pd.DataFrame({"text": ["how do I top up?", "card lost"]})
        labeler = lw.Labeler(df, labels=labels, store=None)
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "picker.ipynb", [cell])
    try:
        root = widget(nb)
        focus(nb)
        nb.page.keyboard.press("/")
        nb.page.keyboard.type("intent_37")
        nb.page.keyboard.press("Enter")
        expect(root.locator(".lw-position")).to_have_text("2 / 2")
        assert nb.evaluate_json("df['label'].iloc[0]") == "intent_37"
    finally:
        nb.close()


def test_dark_theme_follows_jupyterlab(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "theme.ipynb", [SETUP.format(store=None)])
    try:
        root = widget(nb)
        luminance = """(el) => { const [r, g, b] = getComputedStyle(el).backgroundColor.match(/\\d+/g).map(Number);
                                 return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; }"""
        assert root.evaluate(luminance) > 0.7
        nb.page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
        )
        expect(nb.page.locator("body[data-jp-theme-light='false']")).to_have_count(1, timeout=20_000)
        nb.page.wait_for_function(
            """() => { const c = getComputedStyle(document.querySelector('.lw-labeler')).backgroundColor;
                       return Number(c.match(/\\d+/g)[0]) < 100; }"""
        )
        assert root.evaluate(luminance) < 0.3
        text_luminance = root.locator(".lw-position").evaluate(luminance.replace("backgroundColor", "color"))
        assert text_luminance > 0.6
        nb.page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})"
        )
    finally:
        nb.close()


def test_notebook_7_renders_and_labels(jupyter_server, browser_context):
    nb = open_labeler(
        browser_context, jupyter_server, "nb7.ipynb", [SETUP.format(store="nb7.db"), "z = 3"], ui="notebook"
    )
    try:
        root = widget(nb)
        before = nb.cells()
        focus(nb)
        nb.page.keyboard.press("2")
        nb.page.keyboard.press("a")  # no suggester: swallowed, and no cell inserted
        nb.page.keyboard.press("1")
        expect(root.locator(".lw-position")).to_have_text("3 / 40")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.cells() == before
        assert nb.evaluate_json("df['label'].head(2).tolist()") == ["spam", "ham"]
    finally:
        nb.close()


def test_labeling_goes_on_while_the_kernel_is_busy_and_saves_after(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "busy.ipynb", [SETUP.format(store="busy.db")])
    try:
        root = widget(nb)
        focus(nb)
        # Occupy the kernel for a few seconds without waiting for it, as a long cell would.
        nb.page.evaluate(
            """() => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
                       window.__busy = k.requestExecute({code: 'import time; time.sleep(6)'}).done; }"""
        )
        nb.page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'busy'"
        )
        for key in ["1", "2", "1"]:
            nb.page.keyboard.press(key)
        # The browser moved on by itself, while the kernel was still running the other cell. (Whether the kernel
        # reads widget messages during that cell depends on the ipykernel version: either way nothing waits.)
        expect(root.locator(".lw-position")).to_have_text("4 / 40", timeout=1500)
        assert (
            nb.page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status")
            == "busy"
        )
        nb.page.evaluate("() => window.__busy")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓", timeout=20_000)
        assert nb.evaluate_json("df['label'].head(3).tolist()") == ["ham", "spam", "ham"]
        assert nb.evaluate_json("len(labeler.decisions)") == 3  # re-sent messages were applied once
    finally:
        nb.close()


def test_all_done_screen_and_reopening_a_finished_store(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        df = pd.DataFrame({"text": ["one", "two", "three"]})
        labeler = lw.Labeler(df, labels=["a", "b"], store="done.db")
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "done.ipynb", [cell])
    try:
        root = widget(nb)
        focus(nb)
        for key in ["1", " ", "2"]:
            nb.page.keyboard.press(key)
        expect(root.locator(".lw-done")).to_contain_text("All 3 items decided")
        expect(root.locator(".lw-done")).to_contain_text("1 skipped")
        nb.page.keyboard.press("1")  # nothing to label: must not relabel the last item
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("labeler.decisions['action'].tolist()") == ["labeled", "skipped", "labeled"]
        nb.page.keyboard.press("ArrowLeft")
        expect(root.locator(".lw-text")).to_have_text("three")
        nb.run_all()  # a fresh Labeler on the finished store opens on "all done"
        expect(widget(nb).locator(".lw-done")).to_contain_text("All 3 items decided")
    finally:
        nb.close()


def test_a_failing_store_is_shown_and_the_decision_is_not_counted(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "store_fail.ipynb", [SETUP.format(store="store_fail.db")])
    try:
        root = widget(nb)
        nb.execute(
            "def _broken(event):\n"
            "    raise lw.StoreError('could not save the decision: disk I/O error')\n"
            "_saved_append = labeler.session.store.append\n"
            "labeler.session.store.append = _broken"
        )
        focus(nb)
        nb.page.keyboard.press("1")
        expect(root.locator(".lw-save")).to_have_text(re.compile("Not saved: could not save the decision"))
        assert nb.evaluate_json("[labeler.stats['decided'], len(labeler.decisions)]") == [0, 0]
        nb.page.keyboard.press("ArrowLeft")
        expect(root.locator(".lw-state")).not_to_contain_text("Decided")  # the item is still undecided
        nb.execute("labeler.session.store.append = _saved_append")
        nb.page.keyboard.press("2")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("df['label'].head(1)") == ["spam"]
    finally:
        nb.close()


def test_the_widget_says_saving_until_the_store_has_the_decision(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "slow_store.ipynb", [SETUP.format(store="slow_store.db")])
    try:
        root = widget(nb)
        nb.execute(
            "import time\n"
            "_append = labeler.session.store.append\n"
            "def _slow_append(event):\n"
            "    time.sleep(2)  # a slow disk or a remote database\n"
            "    return _append(event)\n"
            "labeler.session.store.append = _slow_append"
        )
        focus(nb)
        nb.page.keyboard.press("1")
        nb.page.keyboard.press("2")
        expect(root.locator(".lw-position")).to_have_text("3 / 40", timeout=1500)  # no waiting for the store
        expect(root.locator(".lw-save")).to_have_text(re.compile(r"Saving [12]…"), timeout=1500)
        expect(root.locator(".lw-save")).to_have_text("Saved ✓", timeout=20_000)
        assert nb.evaluate_json("df['label'].head(2)") == ["ham", "spam"]
    finally:
        nb.close()
