"""The widgets in marimo (``marimo edit`` and ``marimo run``), in Debian's Chromium driven by Playwright.

One ``marimo edit`` server serves the module (each test's notebook gets its own kernel); ``marimo run`` starts its
own. What is checked, as a person would see it: the Labeler of each kind, the Dashboard, the leaderboard, the team
and classroom views render; keys land in the store and never reach marimo's shortcuts (which the same keys do
trigger from a cell); the focus shows; re-running the cell that shows a widget, or the one that makes the Labeler,
leaves a working widget; a reload shows current numbers; ``labeler.results`` re-runs its readers; two tabs of an
app are two sessions, the newer closing the older's Labeler on the same store. Widgets live in marimo's shadow
roots: Playwright's CSS locators pierce them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from marimo_browser import MarimoServer, cells, notebook_source, run_cell
from playwright.sync_api import expect

import labelwidgets as lw
from labelwidgets import hosts

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
IMPORTS = "import marimo as mo\nimport pandas as pd\nimport labelwidgets as lw"
BANNER = "Jupyter widgets are not supported"
SLOW = 90_000  # a notebook's kernel starts and imports pandas, SQLAlchemy and the widgets (2 shared cores)


@pytest.fixture(scope="module")
def marimo_server() -> Iterator[MarimoServer]:
    server = MarimoServer("edit")
    yield server
    server.stop()


class Page:
    """One notebook open in marimo, with the console's messages kept."""

    def __init__(self, context: Any, url: str):
        self.page = context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        self.page.goto(url)

    def labelers(self) -> Any:
        return self.page.locator(".lw-labeler")

    def close(self) -> None:
        self.page.close()


def open_notebook(context: Any, server: MarimoServer, name: str, notebook_cells: list[str]) -> Page:
    server.write_notebook(name, notebook_cells)
    return Page(context, server.notebook_url(name))


def stored(path: Path) -> list[tuple[str, Any]]:
    """Every event in the store at ``path``, as (action, label), oldest first."""
    store = lw.open_store(path)
    try:
        frame = store.events_frame()
    finally:
        store.close()
    return list(zip(frame["action"], frame["label"], strict=True))


def eventually(read: Callable[[], Any], expected: Any, timeout: float = 60) -> None:
    """Wait until ``read()`` equals ``expected`` (a store written by the kernel as keys arrive)."""
    deadline = time.monotonic() + timeout
    while (value := read()) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{value!r} != {expected!r} after {timeout:.0f} s")
        time.sleep(0.1)


def mark_views(page: Any) -> None:
    """Mark the views on the page, so that the ones a re-run makes can be told apart."""
    page.evaluate(
        """() => { const seen = [];
          const walk = (root) => root.querySelectorAll('*').forEach((el) => {
            if (el.matches('.lw-labeler, .lw-leaderboard')) el.setAttribute('data-old', '');
            if (el.shadowRoot) walk(el.shadowRoot); });
          walk(document); }"""
    )


def code_of_cells(page: Any) -> list[str]:
    return [cells(page).nth(i).locator(".cm-content").inner_text() for i in range(cells(page).count())]


def test_the_labeler_takes_the_keys_shows_its_focus_and_lets_no_key_reach_marimo(marimo_server, browser_context):
    store = marimo_server.root / "keys.db"
    labeler = f"""labeler = lw.Labeler(lw.datasets.sms_spam().head(20), text="text", labels=["ham", "spam"],
                         store={str(store)!r}, annotator="ana")"""
    notebook = open_notebook(browser_context, marimo_server, "keys.py", [IMPORTS, labeler, "labeler"])
    page = notebook.page
    try:
        root = notebook.labelers()
        expect(root.locator(".lw-text")).to_be_visible(timeout=SLOW)
        hint = root.locator(".lw-focus-hint")
        # It takes the keyboard when it appears, and says so inside marimo's shadow root too.
        expect(root).to_have_class(re.compile("lw-focused"))
        expect(hint).to_be_hidden()
        # Positive control: from a cell, in command mode, `a` and `b` add cells.
        before = cells(page).count()
        for key in ("a", "b"):
            cells(page).nth(0).locator(".cm-content").click()
            expect(root).not_to_have_class(re.compile("lw-focused"))
            expect(hint).to_be_visible()
            page.keyboard.press("Escape")
            page.keyboard.press(key)
        expect(cells(page)).to_have_count(before + 2)
        code = code_of_cells(page)
        # The same keys, and marimo's other command-mode keys, with the widget focused: nothing reaches marimo.
        root.locator(".lw-text").click()
        expect(root).to_have_class(re.compile("lw-focused"))
        expect(hint).to_be_hidden()
        for key in ("a", "b", "d", "d", "x", "c", "v", "Enter"):
            page.keyboard.press(key)
        for key in ("1", "2", "1", "z"):
            page.keyboard.press(key)
        expect(root.locator(".lw-position")).to_have_text("3 / 20")
        keyed = [("labeled", "ham"), ("labeled", "spam"), ("labeled", "ham"), ("undo", "ham")]
        eventually(lambda: stored(store), keyed)
        assert cells(page).count() == before + 2 and code_of_cells(page) == code
        # Esc hands the keyboard back to marimo.
        page.keyboard.press("Escape")
        expect(root).not_to_have_class(re.compile("lw-focused"))
        expect(hint).to_be_visible()
    finally:
        notebook.close()


RESHOWN = [
    "labeler",
    "labeler.widget",
    "mo.ui.anywidget(labeler.widget)",
    "results = labeler.results",
    'mo.md(f"**{len(results())} labeled**")',
]


def test_every_way_of_showing_it_survives_re_running_any_cell_and_results_follow(marimo_server, browser_context):
    store = marimo_server.root / "reshown.db"
    labeler = f"""labeler = lw.Labeler(lw.datasets.sms_spam().head(20), text="text", labels=["ham", "spam"],
                         store={str(store)!r}, annotator="ana")"""
    notebook = open_notebook(browser_context, marimo_server, "reshown.py", [IMPORTS, labeler, *RESHOWN])
    page = notebook.page
    counted = cells(page).nth(6)
    try:
        views = notebook.labelers()
        expect(views).to_have_count(3, timeout=SLOW)
        for i in range(3):
            expect(views.nth(i).locator(".lw-text")).to_be_visible(timeout=SLOW)
        expect(counted).to_contain_text("0 labeled", timeout=SLOW)
        decided = 0
        for cell in (2, 3, 4):  # the cell showing the widget, each way, runs again: a working view, not a banner
            run_cell(page, cell)
            expect(views).to_have_count(3)
            shown = cells(page).nth(cell).locator(".lw-labeler")
            expect(shown.locator(".lw-position")).to_have_text(f"{decided + 1} / 20")
            shown.locator(".lw-text").click()
            page.keyboard.press("1")
            decided += 1
            expect(counted).to_contain_text(f"{decided} labeled")  # `results` re-ran its reader
            eventually(lambda: len(stored(store)), decided)
        assert BANNER not in page.locator("body").inner_text()
        # The Labeler's cell runs again: a new Labeler restores the decisions, and every view shows it.
        mark_views(page)
        run_cell(page, 1)
        fresh = page.locator(".lw-labeler:not([data-old])")
        expect(fresh).to_have_count(3)
        for i in range(3):
            expect(fresh.nth(i).locator(".lw-position")).to_have_text("4 / 20")
        fresh.nth(1).locator(".lw-text").click()
        page.keyboard.press("2")
        expect(counted).to_contain_text("4 labeled")
        eventually(lambda: stored(store), [("labeled", "ham")] * 3 + [("labeled", "spam")])
        for i in range(3):
            expect(fresh.nth(i).locator(".lw-position")).to_have_text("5 / 20")
        assert BANNER not in page.locator("body").inner_text()
        assert not [m for m in notebook.console if "Model not found" in m or m.startswith("pageerror")], (
            notebook.console
        )
    finally:
        notebook.close()


def test_the_dashboard_follows_the_labeler_live_and_after_a_reload(marimo_server, browser_context):
    store = marimo_server.root / "dashboard.db"
    labeler = f"""labeler = lw.Labeler(lw.datasets.sms_spam().head(20), text="text", labels=["ham", "spam"],
                         suggester=lw.FromColumn("gold"), store={str(store)!r}, annotator="ana")"""
    cells_ = [IMPORTS, labeler, "labeler", "lw.Dashboard(labeler)"]
    notebook = open_notebook(browser_context, marimo_server, "dashboard.py", cells_)
    page = notebook.page
    try:
        root = notebook.labelers()
        header = page.locator(".lw-dashboard-header")
        expect(header).to_contain_text("0 of 20 decided", timeout=SLOW)
        expect(root.locator(".lw-suggestion")).to_contain_text("from column:gold", timeout=SLOW)
        root.locator(".lw-text").click()
        for key in ("Enter", "Enter", "2", "x"):
            page.keyboard.press(key)
        expect(header).to_contain_text("4 of 20 decided")
        expect(page.locator(".lw-dashboard .js-plotly-plot")).to_be_visible()
        eventually(lambda: len(stored(store)), 4)
        page.reload()
        expect(header).to_contain_text("4 of 20 decided", timeout=SLOW)
        expect(root.locator(".lw-position")).to_have_text("5 / 20", timeout=SLOW)
        expect(page.locator(".lw-dashboard .js-plotly-plot")).to_be_visible()
        root.locator(".lw-text").click()
        page.keyboard.press("Enter")
        expect(header).to_contain_text("5 of 20 decided")
    finally:
        notebook.close()


OTHER_VIEWS = [
    IMPORTS,
    """multi = lw.Labeler(pd.DataFrame({"text": ["a sunny day", "rain and wind"]}), labels=["sun", "rain", "wind"],
                       kind="multi", store="other-multi.db", annotator="ana")""",
    "multi",
    """spans = lw.Labeler(pd.DataFrame({"text": ["Alice met Bob in Paris.", "Nothing here."]}),
                       labels=["person", "place"], kind="spans", store="other-spans.db", annotator="ana")""",
    "spans",
    """
    frame = pd.DataFrame({"text": [f"t{i}" for i in range(12)], "label": ["ham", "spam"] * 6,
                          "a": ["ham", "spam"] * 5 + ["spam", "ham"], "b": ["ham"] * 12})
    board = lw.compare(frame, human="label", suggesters={"a": lw.FromColumn("a"), "b": lw.FromColumn("b")},
                       progress=False)
    """,
    "board",
    """
    team = lw.Team("other-team.db", pd.DataFrame({"text": [f"message {i}" for i in range(8)]}),
                   labels=["ham", "spam"], overlap=2, seed=0, poll=0.5)
    for _name, _flip in (("ana", 0), ("ben", 1)):  # _names are the cell's own (marimo)
        _member = team.labeler(_name)
        for _step in range(8):
            if _member.session.first_undecided() is None:
                break
            _member.label(["ham", "spam"][(_step + _flip * (_step % 3 == 0)) % 2])
        _member.close()
    """,
    "team.dashboard()",
    """
    gold = pd.DataFrame({"text": [f"creature {i}" for i in range(4)], "expert": ["wug", "blicket"] * 2})
    for _name in ("sam", "kim"):
        _student = lw.Labeler(gold[["text"]].copy(), labels=["wug", "blicket"], store="other-class.db",
                              annotator=_name)
        for _expert in gold["expert"]:
            _student.label(_expert if _name == "sam" else "wug")
        _student.close()
    room = lw.Classroom("other-class.db", gold, gold="expert", labels=["wug", "blicket"], poll=0.5)
    """,
    "room",
]


def test_the_other_kinds_and_views_render_and_work(marimo_server, browser_context):
    notebook = open_notebook(browser_context, marimo_server, "other.py", OTHER_VIEWS)
    page = notebook.page
    root = marimo_server.root
    try:
        # Every cell has run once the last view shows: the kernel is free for the keys (2 shared cores).
        expect(page.locator(".lw-classroom-header")).to_contain_text("2 students", timeout=SLOW)
        expect(page.locator(".js-plotly-plot .gtitle").first).to_contain_text("items have 2 labels", timeout=SLOW)
        multi, spans = notebook.labelers().nth(0), notebook.labelers().nth(1)
        expect(multi.locator(".lw-text")).to_have_text("a sunny day", timeout=SLOW)
        multi.locator(".lw-text").click()
        for key in ("1", "3", "Enter"):
            page.keyboard.press(key)
        expect(multi.locator(".lw-position")).to_have_text("2 / 2")
        eventually(lambda: [action for action, _ in stored(root / "other-multi.db")], ["labeled"])
        expect(spans).to_contain_text("Alice met Bob in Paris.", timeout=SLOW)
        spans.locator(".lw-position").click()
        page.keyboard.press("0")  # no spans in this text: an answer
        expect(spans.locator(".lw-position")).to_have_text("2 / 2")
        eventually(lambda: [action for action, _ in stored(root / "other-spans.db")], ["labeled"])
        board = page.locator(".lw-leaderboard")
        expect(board.locator(".lw-lb-table tbody .lw-lb-open").first).to_have_text("a", timeout=SLOW)
        board.locator(".lw-lb-table tbody .lw-lb-open").first.click()
        expect(board).to_have_class(re.compile("lw-lb-focused"))
        expect(board.locator(".lw-lb-explorer .lw-lb-ex-title")).to_have_text("a vs the human label")
        # The board's view is made by the cell that shows it; that cell runs again: it shows again, and works.
        run_cell(page, 6)
        fresh = cells(page).nth(6).locator(".lw-leaderboard")
        expect(fresh.locator(".lw-lb-table tbody .lw-lb-open").first).to_have_text("a")
        fresh.locator(".lw-lb-table tbody .lw-lb-open").nth(1).click()
        expect(fresh.locator(".lw-lb-explorer .lw-lb-ex-title")).to_have_text("b vs the human label")
        assert BANNER not in page.locator("body").inner_text()
    finally:
        notebook.close()


def test_marimo_run_gives_each_tab_its_session_and_the_newer_labeler_closes_the_older(browser_context, tmp_path):
    store = tmp_path / "app.db"
    app = tmp_path / "app.py"
    labeler = f"""labeler = lw.Labeler(lw.datasets.sms_spam().head(20), text="text", labels=["ham", "spam"],
                         store={str(store)!r}, annotator="ana")"""
    app.write_text(notebook_source([IMPORTS, labeler, "labeler"]), encoding="utf-8")
    server = MarimoServer("run", target=app)
    first = second = None
    try:
        first = Page(browser_context, server.url)
        one = first.labelers()
        expect(one.locator(".lw-text")).to_be_visible(timeout=SLOW)
        one.locator(".lw-text").click()
        first.page.keyboard.press("1")
        eventually(lambda: stored(store), [("labeled", "ham")])
        second = Page(browser_context, server.url)
        two = second.labelers()
        expect(two.locator(".lw-position")).to_have_text("2 / 20", timeout=SLOW)  # restored from the store
        expect(one.locator(".lw-banner")).to_contain_text("Closed", timeout=SLOW)
        two.locator(".lw-text").click()
        second.page.keyboard.press("2")
        eventually(lambda: stored(store), [("labeled", "ham"), ("labeled", "spam")])
        one.locator(".lw-text").click()
        first.page.keyboard.press("1")  # the closed one refuses, and says so
        expect(one.locator(".lw-banner")).to_contain_text("nothing more is recorded here")
        expect(one.locator(".lw-position")).to_have_text("2 / 20")
        expect(two.locator(".lw-position")).to_have_text("3 / 20")
        assert stored(store) == [("labeled", "ham"), ("labeled", "spam")]
    finally:
        for tab in (first, second):
            if tab is not None:
                tab.close()
        server.stop()


def test_the_marimo_quickstart_runs_headless(tmp_path):
    """CI runs the notebook as marimo does, without a browser: every cell runs without an error."""
    notebook = tmp_path / "quickstart_marimo.py"
    notebook.write_text((NOTEBOOKS / "quickstart_marimo.py").read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "marimo", "export", "session", "--no-sandbox", str(notebook)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    snapshot = json.loads((tmp_path / "__marimo__" / "session" / "quickstart_marimo.py.json").read_text())
    outputs = [output for cell in snapshot["cells"] for output in cell["outputs"]]
    assert not [output for output in outputs if output["type"] == "error"], outputs
    shown = [json.dumps(output["data"]) for output in outputs]
    assert sum("marimo-anywidget" in data for data in shown) == 3  # the two labelers and the Dashboard
    stats = next(json.loads(output["data"]["application/json"]) for output in outputs
                 if "application/json" in output["data"])  # fmt: skip
    assert stats["items"] == 500 and stats["annotator"] == "you"
    assert (tmp_path / "spam-labels.db").exists()


def test_in_marimo_the_package_knows_its_host_and_warms_up(tmp_path):
    """`import labelwidgets` in a marimo cell starts the warm-up thread, as in a Jupyter kernel."""
    cell = """
        import sys, threading
        import labelwidgets as lw
        from labelwidgets import hosts, warm_up
        started = [t.name for t in threading.enumerate() if t.name == warm_up.THREAD_NAME]
        warm_up.wait()
        print(started, hosts.in_marimo(), hosts.in_jupyter(), all(m in sys.modules for m in warm_up.MODULES))
        """
    (tmp_path / "warm.py").write_text(notebook_source([cell]), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "marimo", "export", "session", "--no-sandbox", "warm.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    snapshot = json.loads((tmp_path / "__marimo__" / "session" / "warm.py.json").read_text())
    printed = "".join(item["text"] for cell in snapshot["cells"] for item in cell["console"])
    assert printed.split() == ["['labelwidgets-warm-up']", "True", "False", "True"], printed


def test_outside_marimo_results_is_a_plain_function_of_the_rows_decided():
    assert not hosts.in_marimo()
    df = pd.DataFrame({"text": ["a", "b", "c"]})
    labeler = lw.Labeler(df, labels=["x", "y"], store=None, annotator="ana", columns={"decision": "verdict"})
    results = labeler.results
    assert results().empty
    labeler.label("y")
    labeler.skip()
    assert results()["verdict"].tolist() == ["labeled", "skipped"]
    frame = results()
    frame.loc[frame.index[0], "label"] = "changed"  # a copy: the labeler's DataFrame is left alone
    assert df["label"].iloc[0] == "y"
    labeler.close()
