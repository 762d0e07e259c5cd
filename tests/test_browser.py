"""End to end in a real browser: JupyterLab 4 and Notebook 7 in Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import random
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
        expect(root.locator(".lw-save")).to_contain_text("Memory only")  # acknowledged: Python has it
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


# ----- trust at the edges: no item skipped, one meaning of undo, invalid suggestions, focus, direction ----------


class LabelingModel:
    """What the widget must do, as plain Python: the first open item after the current one comes next, and undo
    reverts the annotator's latest decision still in force, wherever it was made. On an item that already has an
    answer (review), another label is a revision and the view goes to the next item in order; the same label or a
    skip changes nothing and goes on to the next item too."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.history: dict[int, list[tuple[int, str | None]]] = {}  # rank -> (event id, label) in force
        self.stack: list[tuple[int, int]] = []  # (event id, rank), newest last
        self.cursor = 0
        self.done = False
        self._ids = 0

    def decided(self, rank: int) -> bool:
        return bool(self.history.get(rank))

    def answer(self, rank: int) -> str | None:
        events = self.history.get(rank)
        return events[-1][1] if events else None

    def record(self, rank: int, label: str | None) -> None:
        self._ids += 1
        self.history.setdefault(rank, []).append((self._ids, label))
        self.stack.append((self._ids, rank))

    def decide(self, rank: int | None = None, *, move: bool = True, label: str | None = "1") -> None:
        rank = self.cursor if rank is None else rank
        self.record(rank, label)
        if move:
            order = list(range(rank + 1, self.n)) + list(range(0, rank))
            following = next((r for r in order if not self.decided(r)), None)
            self.done = following is None
            if following is not None:
                self.cursor = following

    def review(self, label: str | None) -> None:
        """A key on an item that has an answer: a revision when it changes it; on to the next item in order."""
        rank = self.cursor
        if label is not None and label != self.answer(rank):
            self.record(rank, label)
        self.cursor = rank + 1 if rank + 1 < self.n else rank

    def undo(self) -> None:
        if self.stack:
            event, rank = self.stack.pop()
            self.history[rank] = [entry for entry in self.history[rank] if entry[0] != event]
            self.cursor, self.done = rank, False

    def key(self, key: str) -> None:
        if key in ("1", "2", " "):
            label = None if key == " " else key
            if self.done:
                return
            if self.answer(self.cursor) is not None:
                self.review(label)
            else:
                self.decide(label=label)
        elif key in ("z", "Backspace"):
            self.undo()
        elif key == "ArrowLeft":
            self.cursor, self.done = (self.cursor if self.done else max(0, self.cursor - 1)), False
        elif key == "ArrowRight":
            self.cursor, self.done = (self.cursor if self.done else min(self.n - 1, self.cursor + 1)), False

    def shown(self) -> str:
        return f"{self.cursor + 1} / {self.n}"


def press_and_check(nb: NotebookPage, model: LabelingModel, keys: list[str], root=None) -> None:
    root = root if root is not None else widget(nb)
    for key in keys:
        nb.page.keyboard.press(key)
        model.key(key)
        if model.done:
            expect(root.locator(".lw-done")).to_be_visible()
        else:
            expect(root.locator(".lw-position")).to_have_text(model.shown())


def kernel_agrees(nb: NotebookPage, model: LabelingModel) -> None:
    """The kernel has exactly the model's decisions, and the view stands where the model says."""
    expect(widget(nb).locator(".lw-save")).to_have_text("Saved ✓")
    decided = nb.evaluate_json("[bool(x) for x in df['decision'].notna()]")
    assert decided == [model.decided(r) for r in range(model.n)]
    assert nb.evaluate_json("labeler.position") == model.cursor


def test_no_item_is_skipped_after_an_undo(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "skip_undo.ipynb", [SETUP.format(store="skip_undo.db")])
    try:
        root = widget(nb)
        focus(nb)
        model = LabelingModel(40)
        # The reported case: thirteen labels move the view's window past item 13; an undo and a label must not
        # jump over it.
        press_and_check(nb, model, ["1"] * 13 + ["z", "2"])
        expect(root.locator(".lw-position")).to_have_text("14 / 40")
        kernel_agrees(nb, model)
        assert nb.evaluate_json("[labeler.position, labeler.session.first_undecided()]") == [13, 13]
        # More mixes of decisions, undos, back and forward across window refreshes, checked key by key.
        press_and_check(nb, model, ["z", "z", "z", "1", "1", "1", "2"])
        press_and_check(nb, model, ["ArrowLeft", "ArrowLeft", "ArrowLeft", "2", "1"])  # relabel, then go on
        press_and_check(nb, model, ["1"] * 12 + ["Backspace"] * 4 + [" ", "2", "1"])
        press_and_check(nb, model, ["ArrowRight"] * 5 + ["1", "z", "z", "1", "2"])
        kernel_agrees(nb, model)
        # No item before the cursor is undecided, whatever the path.
        position = nb.evaluate_json("labeler.position")
        assert nb.evaluate_json(f"bool(df['decision'].iloc[:{position}].notna().all())") is True
    finally:
        nb.close()


def test_no_item_is_skipped_when_keys_come_faster_than_the_kernel_answers(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "skip_fast.ipynb", [SETUP.format(store="skip_fast.db")])
    try:
        root = widget(nb)
        focus(nb)
        model = LabelingModel(40)
        rng = random.Random(8)
        keys = ["1"] * 13 + ["z", "2", "z", "z", "1", "1"]
        keys += rng.choices(["1", "2", " ", "z", "Backspace", "ArrowLeft", "ArrowRight"], [4, 4, 1, 3, 1, 1, 1], k=40)
        text = root.locator(".lw-text")
        for key in keys:  # no waiting for the kernel: undos land while decisions are still on their way
            # (only for the item to be on screen: a key pressed on "Loading…" decides nothing, by design)
            expect(text).not_to_have_text("Loading…")
            nb.page.keyboard.press(key)
            model.key(key)
        expect(root.locator(".lw-position")).to_have_text(model.shown())
        kernel_agrees(nb, model)
    finally:
        nb.close()


def test_undo_after_a_python_decision_reverts_that_one(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "undo_python.ipynb", [SETUP.format(store="undo_python.db")])
    try:
        root = widget(nb)
        focus(nb)
        nb.page.keyboard.press("1")  # the view labels item 1
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        nb.execute("labeler.label('spam')")  # Python labels item 2: now the latest decision
        expect(root.locator(".lw-position")).to_have_text("3 / 40")
        focus(nb)
        nb.page.keyboard.press("z")  # the same undo as labeler.undo(): item 2, not the view's own item 1
        expect(root.locator(".lw-position")).to_have_text("2 / 40")
        expect(root.locator(".lw-state")).not_to_contain_text("Decided")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("df['label'].head(3)") == ["ham", None, None]
        nb.page.keyboard.press("ArrowLeft")  # item 1 is still decided, in the view as in the kernel
        expect(root.locator(".lw-state")).to_contain_text("Decided: ham (labeled)")
        nb.page.keyboard.press("z")
        expect(root.locator(".lw-position")).to_have_text("1 / 40")
        expect(root.locator(".lw-state")).not_to_contain_text("Decided")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("int(df['label'].notna().sum())") == 0
        nb.page.keyboard.press("z")  # nothing left to undo: said so, nothing moves
        expect(root.locator(".lw-banner")).to_contain_text("Nothing to undo.")
        expect(root.locator(".lw-position")).to_have_text("1 / 40")
    finally:
        nb.close()


def test_undo_across_two_views_of_one_labeler(jupyter_server, browser_context):
    nb = open_labeler(
        browser_context, jupyter_server, "two_views.ipynb", [SETUP.format(store="two_views.db"), "labeler"]
    )
    try:
        first, second = nb.page.locator(".lw-labeler").nth(0), nb.page.locator(".lw-labeler").nth(1)
        expect(second.locator(".lw-text")).to_have_text("message number 0")
        second.locator(".lw-text").click()
        nb.page.keyboard.press("1")  # view 2 labels item 1
        first.locator(".lw-text").click()
        expect(first.locator(".lw-position")).to_have_text("2 / 40")
        nb.page.keyboard.press("2")  # view 1 labels item 2: the latest decision
        expect(first.locator(".lw-position")).to_have_text("3 / 40")
        expect(second.locator(".lw-position")).to_have_text("3 / 40")
        second.locator(".lw-text").click()
        nb.page.keyboard.press("z")  # undo in view 2 reverts view 1's decision, as labeler.undo() would
        expect(second.locator(".lw-position")).to_have_text("2 / 40")
        expect(second.locator(".lw-state")).not_to_contain_text("Decided")
        expect(first.locator(".lw-position")).to_have_text("2 / 40")
        expect(second.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("df['label'].head(3)") == ["ham", None, None]
        nb.page.keyboard.press("ArrowLeft")  # view 2's own item 1 is still decided, in the view as in the kernel
        expect(second.locator(".lw-state")).to_contain_text("Decided: ham (labeled)")
        nb.page.keyboard.press("ArrowRight")
        nb.page.keyboard.press("1")  # label item 2 again; the next one shown is item 3, in both views
        expect(second.locator(".lw-position")).to_have_text("3 / 40")
        expect(first.locator(".lw-position")).to_have_text("3 / 40")
        first.locator(".lw-text").click()
        nb.page.keyboard.press("z")  # and undo in view 1 reverts what view 2 just did
        expect(first.locator(".lw-position")).to_have_text("2 / 40")
        expect(first.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("df['label'].head(3)") == ["ham", None, None]
        assert nb.evaluate_json("labeler.decisions['action'].tolist()") == [
            "labeled",
            "labeled",
            "undo",
            "labeled",
            "undo",
        ]
    finally:
        nb.close()


def test_undo_after_a_kernel_restart_reverts_the_latest_stored_decision(jupyter_server, browser_context):
    nb = open_labeler(browser_context, jupyter_server, "undo_restart.ipynb", [SETUP.format(store="undo_restart.db")])
    try:
        focus(nb)
        for key in ["2", "1", "2"]:
            nb.page.keyboard.press(key)
        nb.page.keyboard.press("ArrowLeft")
        nb.page.keyboard.press("ArrowLeft")
        expect(widget(nb).locator(".lw-save")).to_have_text("Saved ✓")
        nb.restart_kernel()
        nb.run_all()
        root = widget(nb)
        expect(root.locator(".lw-position")).to_have_text("4 / 40", timeout=60_000)
        focus(nb)
        nb.page.keyboard.press("z")
        expect(root.locator(".lw-position")).to_have_text("3 / 40")
        expect(root.locator(".lw-state")).not_to_contain_text("Decided")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert nb.evaluate_json("df['label'].head(4)") == ["spam", "ham", None, None]
        nb.page.keyboard.press("1")  # and the next item is the first open one
        expect(root.locator(".lw-position")).to_have_text("4 / 40")
    finally:
        nb.close()


def test_an_invalid_suggestion_shows_what_was_said_and_cannot_be_accepted(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        class Rules:
            name = "rules"
            def suggest(self, items, labels):
                answers = {"win a prize": "spam", "see you at 6": "probably ham?", "free entry": "unsure",
                           "ok": "ham"}
                if any(item.text == "broken" for item in items):
                    raise RuntimeError("the rules service is down")
                return [lw.Suggestion(label=answers[item.text]) for item in items]
        df = pd.DataFrame({"text": ["win a prize", "see you at 6", "free entry", "ok", "broken"]})
        labeler = lw.Labeler(df, labels=["ham", "spam"], store="invalid.db", suggester=Rules())
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "invalid.ipynb", [cell])
    try:
        root = widget(nb)
        suggestion = root.locator(".lw-suggestion")
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("spam")
        focus(nb)
        nb.page.keyboard.press("Enter")  # accept "spam"
        expect(root.locator(".lw-position")).to_have_text("2 / 5")
        # "probably ham?" is not a label: shown as said, with why, and it cannot be accepted
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("“probably ham?”")
        expect(suggestion.locator(".lw-invalid-tag")).to_be_visible()
        expect(suggestion).to_contain_text("not one of the labels")
        expect(root.locator(".lw-action", has_text="Accept")).to_be_disabled()
        expect(root.locator(".lw-action", has_text="Reject")).to_be_disabled()
        nb.page.keyboard.press("Enter")
        expect(root.locator(".lw-banner .lw-notice")).to_contain_text(
            "The suggestion “probably ham?” is not one of the labels: press a number key to label."
        )
        nb.page.keyboard.press("a")
        nb.page.keyboard.press("x")
        expect(root.locator(".lw-position")).to_have_text("2 / 5")  # nothing accepted or rejected
        # A failing suggester concerns the whole session: that is what the red banner is for (all five items were
        # fetched ahead, the broken one too). One item's odd answer is not: it is shown with its item only.
        errors = root.locator(".lw-banner .lw-error")
        expect(errors).to_have_text(["RuntimeError: the rules service is down"])
        nb.page.keyboard.press("1")  # label it ham
        expect(root.locator(".lw-position")).to_have_text("3 / 5")
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("“unsure”")
        expect(errors).to_have_text(["RuntimeError: the rules service is down"])
        nb.page.keyboard.press("2")
        expect(suggestion.locator(".lw-suggestion-label")).to_have_text("ham")
        expect(suggestion.locator(".lw-invalid-tag")).to_be_hidden()
        nb.page.keyboard.press("Enter")
        expect(root.locator(".lw-position")).to_have_text("5 / 5")
        expect(suggestion).to_contain_text("no suggestion")
        expect(suggestion.locator(".lw-suggestion-error")).to_contain_text("the rules service is down")
        expect(errors).to_have_text(["RuntimeError: the rules service is down"])
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        rows = nb.evaluate_json("df[['label', 'decision', 'suggestion']].head(4)")
        assert rows == [
            ["spam", "accepted", "spam"],
            ["ham", "labeled", None],
            ["spam", "labeled", None],
            ["ham", "accepted", "ham"],
        ]
    finally:
        nb.close()


def test_show_all_keeps_the_keyboard_and_text_follows_its_direction(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import pandas as pd, labelwidgets as lw
        df = pd.DataFrame({"text": ["start " + "lorem ipsum " * 1_000 + " the end", "שלום עולם, מה שלומך?",
                                    "مرحبا بالعالم", "plain left to right"]})
        labeler = lw.Labeler(df, labels=["a", "b"], store=None)
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "show_all.ipynb", [cell])
    try:
        root = widget(nb)
        root.locator(".lw-expand").click()
        expect(root.locator(".lw-text")).to_contain_text("the end")
        nb.page.keyboard.press("1")  # no click needed: the keyboard stayed with the widget
        expect(root.locator(".lw-position")).to_have_text("2 / 4")
        text = root.locator(".lw-text")
        expect(text).to_have_attribute("dir", "auto")
        assert text.evaluate("el => el.matches(':dir(rtl)')")  # Hebrew lays out right to left
        root.locator(".lw-action", has_text="Skip").click()  # any button leaves the keyboard with the widget
        expect(root.locator(".lw-position")).to_have_text("3 / 4")
        assert text.evaluate("el => el.matches(':dir(rtl)')")  # Arabic too
        nb.page.keyboard.press("2")
        expect(text).to_have_text("plain left to right")
        assert text.evaluate("el => el.matches(':dir(ltr)')")
        assert nb.evaluate_json("df['decision'].head(3).tolist()") == ["labeled", "skipped", "labeled"]
    finally:
        nb.close()


def test_the_kernel_talks_to_the_widget_from_the_thread_that_serves_it(jupyter_server, browser_context):
    cell = textwrap.dedent(
        """
        import threading, time, pandas as pd, labelwidgets as lw
        class Slow:
            name = "slow"
            def suggest(self, items, labels):
                time.sleep(0.05)  # answers arrive on the prefetch worker threads
                return [lw.Suggestion(label="ham") for _ in items]
        df = pd.DataFrame({"text": [f"message number {i}" for i in range(40)]})
        labeler = lw.Labeler(df, labels=["ham", "spam"], store=None, suggester=Slow())
        widget = labeler.widget
        handled, sent, synced = set(), [], []
        widget.on_msg(lambda _w, content, _b: handled.add(threading.current_thread().name))
        _set_state = widget.set_state
        def set_state(sync_data):  # a view's trait change (its position) is a message delivered too
            handled.add(threading.current_thread().name)
            return _set_state(sync_data)
        widget.set_state = set_state
        _send = widget.send
        def send(content, buffers=None):
            sent.append((threading.current_thread().name, content["type"]))
            return _send(content, buffers)
        widget.send = send
        widget.observe(lambda change: synced.append(threading.current_thread().name), names=["status", "position"])
        labeler
        """
    )
    nb = open_labeler(browser_context, jupyter_server, "threads.ipynb", [cell])
    try:
        root = widget(nb)
        expect(root.locator(".lw-suggestion-label")).to_have_text("ham", timeout=20_000)
        focus(nb)
        for key in ["Enter", "Enter", "2", "z", "Enter"]:
            nb.page.keyboard.press(key)
        expect(root.locator(".lw-position")).to_have_text("4 / 40")
        expect(root.locator(".lw-save")).to_have_text("Memory only: not saved to disk")  # all acknowledged
        nb.execute("labeler.label('spam')")  # from the main thread, while another thread may serve the widget
        expect(root.locator(".lw-position")).to_have_text("5 / 40")
        expect(root.locator(".lw-suggestion-label")).to_have_text("ham")
        handled, sent, synced = nb.evaluate_json("[sorted(handled), sent, synced]")
        kinds = {kind for _, kind in sent}
        assert {"suggestion", "item", "ack", "window"} <= kinds
        # Every message and trait change left from a thread that delivers this widget's messages: never from a
        # suggestion worker, never from a second thread at the same time.
        assert {thread for thread, _ in sent} <= set(handled), (handled, sent)
        assert set(synced) <= set(handled), (handled, synced)
    finally:
        nb.close()
