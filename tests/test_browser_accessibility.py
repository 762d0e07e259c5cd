"""Every widget under axe-core (from npm, injected into the page): no serious or critical violation."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe_script(tmp_path_factory) -> Path:
    npm = shutil.which("npm")
    assert npm, "npm (Node.js) is needed to fetch axe-core: apt-get install -y nodejs npm"
    folder = tmp_path_factory.mktemp("axe")
    install = subprocess.run(
        [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder), "axe-core@4"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    return folder / "node_modules" / "axe-core" / "axe.min.js"


def violations(notebook: NotebookPage, axe: Path, selector: str) -> list[dict]:
    page = notebook.page
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
    found = page.evaluate(
        """async (selector) => {
            const results = await window.axe.run(document.querySelector(selector), {resultTypes: ["violations"]});
            return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.map(n => n.html.slice(0, 160))}));
        }""",
        selector,
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


LABELER = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": ["win a prize now", "see you at 6", "free entry!!"], "llm": ["spam", "ham", "spam"],
                       "p": [0.9, 0.8, 0.6]})
    single = lw.Labeler(df, labels={"ham": "personal", "spam": "ads"}, store="a11y.db",
                        suggester=lw.FromColumn("llm", confidence="p"))
    single
    """
)
MULTI = textwrap.dedent(
    """
    emotions = lw.datasets.goemotions().head(5)
    many = lw.Labeler(emotions, labels=list(lw.datasets.GOEMOTIONS_LABELS) + [f"extra {i}" for i in range(40)],
                      kind="multi", store="a11y-multi.db")
    many
    """
)


def test_the_labelers_have_no_serious_accessibility_violation(jupyter_server, browser_context, axe_script):
    notebook = NotebookPage.open(browser_context, jupyter_server, "a11y.ipynb", [LABELER, MULTI])
    notebook.run_all()
    try:
        page = notebook.page
        expect(page.locator(".lw-labeler .lw-text").nth(1)).not_to_have_text(re.compile(r"^(Loading…)?$"),
                                                                             timeout=60_000)  # fmt: skip
        root = page.locator(".lw-labeler").first
        root.locator(".lw-text").click()
        page.keyboard.press("Enter")  # a decision: the save status and the progress bar change
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        progress = root.locator("[role=progressbar]")
        expect(progress).to_have_attribute("aria-valuenow", "1")
        expect(progress).to_have_attribute("aria-valuemax", "3")
        assert root.locator(".lw-save").get_attribute("aria-live") == "polite"
        found = violations(notebook, axe_script, ".lw-labeler")
        assert not found, json.dumps(found, indent=1)
        # the many-label multi-label labeler: its picker is a combobox over a listbox of options
        second = page.locator(".lw-labeler").nth(1)
        second.locator(".lw-text").click()
        page.keyboard.press("/")
        page.keyboard.type("extra 1")
        combobox = second.locator("[role=combobox]")
        expect(combobox).to_have_attribute("aria-expanded", "true")
        options = second.locator("[role=listbox] [role=option]")
        expect(options.first).to_have_attribute("aria-selected", "true")
        assert combobox.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
        page.keyboard.press("ArrowDown")
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        for index in range(2):
            page.evaluate("(i) => document.querySelectorAll('.lw-labeler')[i].setAttribute('data-axe', 'here')", index)
            found = violations(notebook, axe_script, ".lw-labeler[data-axe=here]")
            page.evaluate("(i) => document.querySelectorAll('.lw-labeler')[i].removeAttribute('data-axe')", index)
            assert not found, json.dumps(found, indent=1)
    finally:
        notebook.close()


BOARD = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": [f"t{i}" for i in range(12)], "label": ["ham", "spam"] * 6,
                       "a": ["ham", "spam"] * 5 + ["spam", "ham"], "b": ["ham"] * 12})
    board = lw.compare(df, human="label", suggesters={"a": lw.FromColumn("a"), "b": lw.FromColumn("b")},
                       progress=False)
    board
    """
)


def test_the_leaderboard_opens_a_row_from_the_keyboard_and_has_no_serious_violation(
    jupyter_server, browser_context, axe_script
):
    notebook = NotebookPage.open(browser_context, jupyter_server, "a11y_board.ipynb", [BOARD])
    notebook.run_all()
    try:
        page = notebook.page
        root = page.locator(".lw-leaderboard").first
        first = root.locator(".lw-lb-table tbody .lw-lb-open").first
        expect(first).to_have_text("a", timeout=60_000)
        first.focus()
        page.keyboard.press("Enter")
        expect(root.locator(".lw-lb-explorer .lw-lb-ex-title")).to_have_text("a vs the human label")
        found = violations(notebook, axe_script, ".lw-leaderboard")
        assert not found, json.dumps(found, indent=1)
    finally:
        notebook.close()


SPANS = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": ["Alice met Bob in Paris.", "דוד גר בירושלים"],
                       "guess": [[{"text": "Alice", "label": "person"}, {"text": "Paris", "label": "place"}], None]})
    spans = lw.Labeler(df, labels=["person", "place", "org"], kind="spans", store="a11y-spans.db",
                       suggester=lw.FromColumn("guess"))
    spans
    """
)


def test_the_spans_labeler_has_no_serious_accessibility_violation(jupyter_server, browser_context, axe_script):
    notebook = NotebookPage.open(browser_context, jupyter_server, "a11y_spans.ipynb", [SPANS])
    notebook.run_all()
    try:
        page = notebook.page
        root = page.locator(".lw-labeler").first
        expect(root.locator("mark.lw-span")).to_have_count(2, timeout=60_000)
        text = root.locator(".lw-span-text")
        assert text.get_attribute("role") == "region" and text.get_attribute("aria-label")
        assert root.locator(".lw-span-list").evaluate("(el) => el.tagName") == "UL"
        assert root.locator(".lw-span-live").get_attribute("aria-live") == "polite"
        found = violations(notebook, axe_script, ".lw-labeler")
        assert not found, json.dumps(found, indent=1)
        root.locator(".lw-state").click()
        page.keyboard.press("Tab")  # into the text: a caret, a selected span, the live region speaking
        page.keyboard.press("Tab")
        expect(root.locator(".lw-span-live")).to_contain_text("“Alice” (person)")
        page.keyboard.press("Shift+ArrowRight")
        expect(root.locator(".lw-span-live")).to_contain_text("Now “Alice ” (person)")
        found = violations(notebook, axe_script, ".lw-labeler")
        assert not found, json.dumps(found, indent=1)
    finally:
        notebook.close()


TEAM_AND_CLASS = textwrap.dedent(
    """
    import warnings
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": [f"message number {i}" for i in range(12)]})
    team = lw.Team("a11y-team.db", df, labels=["ham", "spam"], overlap=2, seed=0, poll=0.5)
    for name, flip in (("ana", 0), ("ben", 3), ("cy", 5)):
        member = team.labeler(name)
        for step in range(6):
            if member.session.first_undecided() is None:
                break
            member.label(["ham", "spam"][(step * (flip + 1)) % 3 % 2])
        member.close()
    gold = pd.DataFrame({"text": [f"creature sighting number {i}" for i in range(8)],
                         "expert": ["blicket", "wug", "wug", "blicket", None, "wug", "blicket", "wug"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # decisions kept per annotator
        for name, slip in (("sam", 2), ("kim", 3)):
            student = lw.Labeler(gold[["text"]].copy(), labels=["wug", "blicket"], store="a11y-class.db",
                                 annotator=name)
            for i, expert in enumerate(gold["expert"]):
                if student.session.first_undecided() is None:
                    break
                right = expert if isinstance(expert, str) else "wug"
                student.label(right if i % slip else ("wug" if right == "blicket" else "blicket"))
            student.close()
    room = lw.Classroom("a11y-class.db", gold, gold="expert", labels=["wug", "blicket"], poll=0.5)
    """
)


SPAN_TEAM_AND_CLASS = textwrap.dedent(
    """
    texts = ["Ana flew to Paris with Ben", "nothing to see here", "Obama visited Berlin and Gardena"]
    said = {"ana": [[(0, 3, "person"), (12, 17, "place")], [], [(0, 5, "person"), (14, 20, "place")]],
            "ben": [[(0, 3, "person"), (23, 26, "person")], [(0, 7, "place")], [(14, 20, "place")]]}
    spans_df = pd.DataFrame({"text": texts, "expert": said["ana"]})
    span_team = lw.Team("a11y-span-team.db", spans_df[["text"]], labels=["person", "place"], kind="spans", overlap=2,
                        poll=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # decisions kept per annotator
        for name, answers in said.items():
            for labeler in (span_team.labeler(name),
                            lw.Labeler(spans_df[["text"]].copy(), labels=["person", "place"], kind="spans",
                                       store="a11y-span-class.db", annotator=name)):
                for answer in answers:
                    if labeler.session.first_undecided() is None:
                        break
                    labeler.label(said[name][spans_df.index.get_loc(labeler.current.name)])
                labeler.close()
    span_room = lw.Classroom("a11y-span-class.db", spans_df, gold="expert", labels=["person", "place"], kind="spans",
                             poll=0.5)
    """
)


def mark_output(notebook: NotebookPage, cell: int) -> str:
    """Mark the output of the notebook's ``cell`` (from 0) for axe, and return the selector of that output."""
    notebook.page.evaluate(
        """(cell) => document.querySelectorAll('.jp-Notebook .jp-Cell')[cell]
                       .querySelector('.jp-OutputArea-output').setAttribute('data-axe', 'here')""",
        cell,
    )
    return ".jp-OutputArea-output[data-axe=here]"


def unmark_output(notebook: NotebookPage) -> None:
    notebook.page.evaluate(
        "() => document.querySelectorAll('[data-axe]').forEach(el => el.removeAttribute('data-axe'))"
    )


def test_the_team_dashboard_and_the_classroom_view_have_no_serious_violation(
    jupyter_server, browser_context, axe_script
):
    # one JupyterLab page for both views, with labels and with spans: each page and kernel costs seconds
    views = ["dash = team.dashboard()\ndash", "room", "span_dash = span_team.dashboard()\nspan_dash", "span_room"]
    cells = [TEAM_AND_CLASS, SPAN_TEAM_AND_CLASS, *views]
    notebook = NotebookPage.open(browser_context, jupyter_server, "a11y_team_class.ipynb", cells)
    notebook.run_all()
    try:
        page = notebook.page
        titles = page.locator(".js-plotly-plot .gtitle")
        expect(titles.first).to_contain_text("items have 2 labels", timeout=60_000)
        headers = page.locator(".lw-classroom-header")
        expect(headers.first).to_contain_text("2 students, 16 of 16 answers", timeout=60_000)
        expect(page.locator(".lw-classroom-hardest tbody tr").first).to_contain_text("creature sighting")
        expect(titles.nth(1)).to_contain_text("Mean pairwise strict span F1", timeout=60_000)
        expect(headers.nth(1)).to_contain_text("Span F1 against gold (strict / partial)", timeout=60_000)
        for cell in range(2, 2 + len(views)):
            found = violations(notebook, axe_script, mark_output(notebook, cell))
            unmark_output(notebook)
            assert not found, json.dumps({"cell": cell, "violations": found}, indent=1)
    finally:
        notebook.close()


DASHBOARDS = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": [f"message number {i}" for i in range(30)], "llm": ["ham", "spam", "ham"] * 10,
                       "p": [0.9, 0.6, 0.7] * 10})
    assisted = lw.Labeler(df, labels=["ham", "spam"], store="a11y-dash.db",
                          suggester=lw.FromColumn("llm", confidence="p"))
    for i in range(20):
        assisted.label(["ham", "spam"][i % 3 == 0])
    plain = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store="a11y-dash-plain.db")
    for i in range(12):
        plain.label(["ham", "spam"][i % 4 == 0])
    """
)


def test_the_dashboard_with_and_without_a_suggester_has_no_serious_violation(
    jupyter_server, browser_context, axe_script
):
    views = ["lw.Dashboard(assisted)", "lw.Dashboard(plain)"]
    notebook = NotebookPage.open(browser_context, jupyter_server, "a11y_dashboard.ipynb", [DASHBOARDS, *views])
    notebook.run_all()
    try:
        page = notebook.page
        dashboards = page.locator(".lw-dashboard")
        expect(dashboards).to_have_count(2, timeout=60_000)
        for i in range(2):  # the charts drawn, not only their header
            expect(dashboards.nth(i).locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)
        expect(dashboards.first.locator(".lw-dashboard-header")).to_contain_text("Cohen's kappa")
        expect(dashboards.nth(1).locator(".annotation-text", has_text="Progress")).to_have_count(1)
        for cell in range(1, 1 + len(views)):
            found = violations(notebook, axe_script, mark_output(notebook, cell))
            unmark_output(notebook)
            assert not found, json.dumps({"cell": cell, "violations": found}, indent=1)
    finally:
        notebook.close()
