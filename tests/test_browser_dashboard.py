"""The Dashboard in a real browser: keys pressed in the labeler redraw the plotly chart on the page."""

from __future__ import annotations

import re
import textwrap

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CELL = textwrap.dedent(
    """
    import labelwidgets as lw
    from labelwidgets.widgets.dashboard import Dashboard
    df = lw.datasets.sms_spam().head(40).copy()
    df["llm"] = df["gold"].where(df.index % 3 != 0, "spam")  # the LLM says spam too often
    df["p"] = 0.8
    llm = lw.FromColumn("llm", confidence="p")
    labeler = lw.Labeler(df, labels=["ham", "spam"], store="dashboard.db", suggester=llm)
    dash = Dashboard(labeler)
    display(labeler, dash)
    """
)

# The chart's own state in the page: plotly.js keeps data and layout on the graph div.
PLOT_STATE_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const svgTitle = gd.querySelector('.gtitle');
  return { title: gd.layout.title.text, z: gd.data[5].z, people: Array.from(gd.data[6].y),
           llm: Array.from(gd.data[7].y), svgTitle: svgTitle ? svgTitle.textContent : '' };
}"""


# Where the header and the panels end, against the chart's own width: a plotly title is cut, not wrapped.
LAYOUT_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const chart = gd.querySelector('.main-svg').getBoundingClientRect();
  const title = gd.querySelector('.gtitle').getBoundingClientRect();
  return { chartLeft: chart.left, chartRight: chart.right, titleLeft: title.left, titleRight: title.right };
}"""
CHART_WIDTH_BELOW_JS = (
    "(width) => document.querySelector('.js-plotly-plot .main-svg').getBoundingClientRect().width < width"
)


def assert_header_fits(page) -> dict:
    box = page.evaluate(LAYOUT_JS)
    assert box["chartLeft"] <= box["titleLeft"] and box["titleRight"] <= box["chartRight"], box
    return box


def test_pressing_label_keys_redraws_the_dashboard_chart(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "dashboard.ipynb", [CELL])
    try:
        nb.run_all()
        page = nb.page
        labeler = page.locator(".lw-labeler").first
        expect(labeler.locator(".lw-text")).not_to_have_text(re.compile(r"^(Loading…)?$"), timeout=60_000)
        chart_title = page.locator(".js-plotly-plot .gtitle").first
        expect(chart_title).to_contain_text("0 of 40 decided", timeout=60_000)

        labeler.locator(".lw-text").click()
        expect(labeler).to_have_class(re.compile("lw-focused"))
        for key in ["Enter", "1", "Enter", "2", "1"]:  # accept, label ham, accept, label spam, label ham
            page.keyboard.press(key)
        expect(labeler.locator(".lw-save")).to_have_text("Saved ✓")
        expect(chart_title).to_contain_text("5 of 40 decided", timeout=20_000)
        expect(chart_title).to_contain_text("Cohen's kappa")

        shown = page.evaluate(PLOT_STATE_JS)
        expected = nb.evaluate_json(
            "{'z': lw.confusion(df, labels=['ham', 'spam']).values.tolist(), "
            "'people': df['label'].value_counts().reindex(['ham', 'spam'], fill_value=0).tolist(), "
            "'llm': df.loc[df['decision'].notna(), 'suggestion'].value_counts()"
            ".reindex(['ham', 'spam'], fill_value=0).tolist(), 'title': dash.figure.layout.title.text}"
        )
        assert [[int(v) for v in row] for row in shown["z"]] == expected["z"]
        assert sum(map(sum, expected["z"])) == 5
        assert shown["people"] == expected["people"] and shown["llm"] == expected["llm"]
        assert shown["title"] == expected["title"]
        assert "5 of 40 decided" in shown["svgTitle"]

        page.keyboard.press("z")  # undo in the widget: the chart follows
        expect(chart_title).to_contain_text("4 of 40 decided", timeout=20_000)
        assert nb.evaluate_json("dash.errors + labeler.errors") == []

        # the header fits the chart, at JupyterLab's width and at the width of a narrow (500 px) cell
        assert_header_fits(page)
        nb.execute("dash.figure.layout.width = 500")
        page.wait_for_function(CHART_WIDTH_BELOW_JS, arg=501)
        narrow = assert_header_fits(page)
        assert narrow["chartRight"] - narrow["chartLeft"] == 500
    finally:
        nb.close()
