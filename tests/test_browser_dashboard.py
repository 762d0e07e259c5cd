"""The Dashboard in a real browser: keys pressed in the labeler redraw its charts on the page; without a
suggester it shows progress, pace and the label mix; a multi-label Labeler's opens; plotly.js comes once a page:
unasked with a kernel's first view, or when a page asks."""

from __future__ import annotations

import re
import textwrap

import numpy as np
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

# The chart's own state in the page: plotly.js keeps what it drew on the graph div (_fullData: arrays decoded from
# the typed arrays the view sends); the header is the view's.
PLOT_STATE_JS = """(root) => {
  const gd = root.querySelector('.js-plotly-plot');
  const drawn = gd._fullData;
  return { z: Array.from(drawn[5].z, (row) => Array.from(row)), people: Array.from(drawn[6].y),
           llm: Array.from(drawn[7].y), header: root.querySelector('.lw-dashboard-header').innerText };
}"""

# Where the header and the chart end, and whether the header's text overflows its box.
LAYOUT_JS = """(root) => {
  const header = root.querySelector('.lw-dashboard-header');
  const chart = root.querySelector('.js-plotly-plot .main-svg').getBoundingClientRect();
  const box = header.getBoundingClientRect();
  return { chartLeft: chart.left, chartRight: chart.right, headerLeft: box.left, headerRight: box.right,
           overflows: header.scrollWidth > header.clientWidth, lines: header.children.length };
}"""


def header_text(expected: str) -> str:
    """The header as the page shows it: a line per <br>, the tags gone."""
    return re.sub(r"</?b>", "", expected).replace("<br>", "\n")


def test_pressing_label_keys_redraws_the_dashboard_chart(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "dashboard.ipynb", [CELL])
    try:
        nb.run_all()
        page = nb.page
        labeler = page.locator(".lw-labeler").first
        expect(labeler.locator(".lw-text")).not_to_have_text(re.compile(r"^(Loading…)?$"), timeout=60_000)
        dashboard = page.locator(".lw-dashboard").first
        header = dashboard.locator(".lw-dashboard-header")
        expect(header).to_contain_text("0 of 40 decided", timeout=60_000)
        expect(dashboard.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)

        labeler.locator(".lw-text").click()
        expect(labeler).to_have_class(re.compile("lw-focused"))
        for key in ["Enter", "1", "Enter", "2", "1"]:  # accept, label ham, accept, label spam, label ham
            page.keyboard.press(key)
        expect(labeler.locator(".lw-save")).to_have_text("Saved ✓")
        expect(header).to_contain_text("5 of 40 decided", timeout=20_000)
        expect(header).to_contain_text("Cohen's kappa")

        expected = nb.evaluate_json(
            "{'z': lw.confusion(df, labels=['ham', 'spam']).values.tolist(), "
            "'people': df['label'].value_counts().reindex(['ham', 'spam'], fill_value=0).tolist(), "
            "'llm': df.loc[df['decision'].notna(), 'suggestion'].value_counts()"
            ".reindex(['ham', 'spam'], fill_value=0).tolist(), 'title': dash.figure.layout.title.text}"
        )
        shown = dashboard.evaluate(PLOT_STATE_JS)
        assert [[int(v) for v in row] for row in shown["z"]] == expected["z"]
        assert sum(map(sum, expected["z"])) == 5
        assert shown["people"] == expected["people"] and shown["llm"] == expected["llm"]
        assert shown["header"].strip() == header_text(expected["title"])

        page.keyboard.press("z")  # undo in the widget: the chart follows
        expect(header).to_contain_text("4 of 40 decided", timeout=20_000)
        assert nb.evaluate_json("dash.errors + labeler.errors") == []

        # the header wraps inside the chart's width, at JupyterLab's width and in a narrow (500 px) cell
        box = dashboard.evaluate(LAYOUT_JS)
        assert box["chartLeft"] <= box["headerLeft"] and box["headerRight"] <= box["chartRight"], box
        wide_lines = box["lines"]
        dashboard.evaluate("(root) => { root.style.width = '500px'; window.dispatchEvent(new Event('resize')); }")
        page.wait_for_function(
            "() => document.querySelector('.lw-dashboard .main-svg').getBoundingClientRect().width <= 500"
        )
        narrow = dashboard.evaluate(LAYOUT_JS)
        assert not narrow["overflows"] and narrow["headerRight"] <= narrow["chartRight"] + 1, narrow
        assert narrow["lines"] == wide_lines  # the same lines, each wrapped by the page where it must
    finally:
        nb.close()


PROGRESS_CELL = textwrap.dedent(
    """
    import labelwidgets as lw
    df = lw.datasets.sms_spam().head(30).copy()
    labeler = lw.Labeler(df, labels=["ham", "spam"], store="progress.db")
    dash = lw.Dashboard(labeler, min_periods=3, window=5)
    again = lw.Dashboard(labeler, min_periods=3, window=5)  # a second view in the page: plotly.js is not sent again
    display(labeler, dash, again)
    """
)


# plotly.js between the page and the kernel: the views' requests for it, and the kernel's messages carrying it.
COUNT_PLOTLY_MESSAGES_JS = """() => {
  window.plotlyMessages = {asked: 0, sent: 0};
  window.plotlyEncodings = [];
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  kernel.anyMessage.connect((_, args) => {
    const data = args.msg.content && args.msg.content.data;
    const type = data && data.content && data.content.type;
    if (args.direction === 'send' && type === 'plotly.js?') window.plotlyMessages.asked += 1;
    if (args.direction === 'recv' && type === 'plotly.js') {
      window.plotlyMessages.sent += 1;
      window.plotlyEncodings.push(data.content.encoding);
    }
  });
}"""


def test_without_a_suggester_the_dashboard_shows_progress_pace_and_the_label_mix(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "progress.ipynb", [PROGRESS_CELL])
    try:
        page = nb.page
        page.evaluate(COUNT_PLOTLY_MESSAGES_JS)
        nb.run_all()
        labeler = page.locator(".lw-labeler").first
        expect(labeler.locator(".lw-text")).not_to_have_text(re.compile(r"^(Loading…)?$"), timeout=60_000)
        dashboards = page.locator(".lw-dashboard")
        expect(dashboards).to_have_count(2, timeout=60_000)
        for i in range(2):
            expect(dashboards.nth(i).locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)
        header = dashboards.first.locator(".lw-dashboard-header")
        expect(header).to_contain_text("0 of 30 decided")
        expect(dashboards.first).not_to_contain_text("Agreement needs suggestions")
        expect(dashboards.first.locator(".annotation-text", has_text="Progress")).to_have_count(1)

        labeler.locator(".lw-text").click()
        for key in ["1", "1", "2", "1", "Space", "1"]:  # four ham, a spam, a skip
            page.keyboard.press(key)
            page.wait_for_timeout(150)  # a person's pace, so that seconds per item are not all zero
        expect(labeler.locator(".lw-save")).to_have_text("Saved ✓")
        expect(header).to_contain_text("6 of 30 decided", timeout=20_000)
        expect(header).to_contain_text("labeled 5")
        expect(header).to_contain_text("skipped 1")
        expect(header).to_contain_text("s per item")
        state = dashboards.first.evaluate(
            """(root) => { const gd = root.querySelector('.js-plotly-plot'); const drawn = gd._fullData;
                return { bars: gd.data.slice(0, 7).map(t => [t.name, t.x[0]]),
                         ham: Array.from(drawn[8].y), spam: Array.from(drawn[9].y) }; }"""
        )
        bars = dict(state["bars"])
        assert bars["labeled"] == 5 and bars["skipped"] == 1 and bars["remaining"] == 24
        # the share of ham among the last 5 labels, from the first point at 3 labels on
        expected = nb.evaluate_json("[None if v != v else v for v in dash.figure.data[8].y.tolist()]")
        assert np.allclose(np.array(state["ham"], dtype=float), np.array(expected, dtype=float), equal_nan=True)
        assert expected[-1] == pytest.approx(4 / 5)
        # one plotly.js for the page, shared by both views: the first view of the kernel sent it with its model,
        # unasked; it is an ES module, which leaves window.Plotly alone
        assert page.evaluate("() => window.plotlyMessages") == {"asked": 0, "sent": 1}
        assert page.evaluate("() => window.plotlyEncodings") == ["gzip"]
        assert page.evaluate("() => typeof window.Plotly") == "undefined"
        assert nb.evaluate_json("dash.errors + again.errors + labeler.errors") == []
    finally:
        nb.close()


MULTI_CELL = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": [f"ticket {i}" for i in range(12)]})
    labeler = lw.Labeler(df, labels=["urgent", "billing", "outage"], kind="multi", store="multi_dash.db")
    for answer in (["urgent"], ["urgent", "billing"], [], ["outage"]):
        labeler.label(answer)
    from labelwidgets.widgets import dashboard
    dashboard._PLOTLY_JS_SENT.set()  # as if another page had it: this one's view asks for plotly.js, and, in a
    # browser that cannot inflate gzip, for the bundle as it is
    dash = lw.Dashboard(labeler, min_periods=2, window=4)
    display(labeler, dash)
    """
)


def test_a_multi_label_dashboard_opens_with_progress_and_per_label_shares(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "multi_dash.ipynb", [MULTI_CELL])
    try:
        nb.page.evaluate(COUNT_PLOTLY_MESSAGES_JS)
        nb.page.evaluate("() => { delete window.DecompressionStream; }")  # before the view's module loads
        nb.run_all()
        dashboard = nb.page.locator(".lw-dashboard").first
        expect(dashboard.locator(".lw-dashboard-header")).to_contain_text("4 of 12 decided", timeout=60_000)
        expect(dashboard.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)
        expect(dashboard.locator(".annotation-text", has_text="Share of answers holding each label")).to_have_count(1)
        shares = dashboard.evaluate(
            "(root) => root.querySelector('.js-plotly-plot')._fullData.slice(8).map(t => [t.name, t.y[t.y.length - 1]])"
        )
        assert dict(shares) == {"urgent": 0.5, "billing": 0.25, "outage": 0.25}
        assert nb.page.evaluate("() => window.plotlyMessages") == {"asked": 1, "sent": 1}  # asked, then sent
        assert nb.page.evaluate("() => window.plotlyEncodings") == ["identity"]
        assert nb.evaluate_json("dash.errors + labeler.errors") == []
    finally:
        nb.close()


SPANS_CELL = textwrap.dedent(
    """
    import json
    import pandas as pd, labelwidgets as lw
    texts = [f"Ana met Ben in Paris on day {i}" for i in range(20)]
    guesses = [json.dumps([[0, 3, "person"], [15, 20, "place"]] if i % 3 else [[0, 3, "place"]]) for i in range(20)]
    people = [[(0, 3, "person"), (15, 20, "place")] if i % 4 else [(0, 3, "person"), (8, 11, "person")]
              for i in range(20)]
    df = pd.DataFrame({"text": texts, "guess": guesses})
    labeler = lw.Labeler(df, labels=["person", "place"], kind="spans", store="spans_dash.db",
                         suggester=lw.FromColumn("guess"))
    for answer in people[:8]:
        labeler.label(answer)
    dash = lw.Dashboard(labeler, window=5, min_periods=2)
    display(labeler, dash)
    """
)

# The last point of each label's span F1 line as plotly.js drew it (the traces after the label-mix lines).
SPAN_F1_JS = """(root) => {
  const drawn = root.querySelector('.js-plotly-plot')._fullData;
  const lines = drawn.slice(drawn.length - 2);
  return lines.map((t) => [t.name, t.y.length ? t.y[t.y.length - 1] : null, t.y.length]);
}"""


def test_a_spans_dashboard_draws_each_labels_span_f1_and_follows_new_answers(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "spans_dash.ipynb", [SPANS_CELL])
    try:
        nb.run_all()
        dashboard = nb.page.locator(".lw-dashboard").first
        header = dashboard.locator(".lw-dashboard-header")
        expect(header).to_contain_text("8 of 20 decided", timeout=60_000)
        expect(header).to_contain_text("span F1")
        expect(dashboard.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)
        titles = dashboard.locator(".annotation-text", has_text="Each label's span F1 with the suggestions (last 5)")
        expect(titles).to_have_count(1)
        expect(dashboard).not_to_contain_text("Agreement needs suggestions")

        def expected() -> list[list[object]]:
            values = nb.evaluate_json("[[t.name, float(t.y[-1]), len(t.y)] for t in dash.figure.data[-2:]]")
            return [[name, pytest.approx(value), n] for name, value, n in values]

        before = expected()
        assert all(n == 8 for _, _, n in before)  # a point per pair
        assert dashboard.evaluate(SPAN_F1_JS) == before
        nb.evaluate_json("[labeler.label(answer) and None for answer in people[8:12]]")  # live: four more answers
        expect(header).to_contain_text("12 of 20 decided", timeout=20_000)
        after = expected()
        assert all(n == 12 for _, _, n in after)
        nb.page.wait_for_function(
            "(root) => root.querySelector('.js-plotly-plot')._fullData.slice(-1)[0].y.length === 12",
            arg=dashboard.element_handle(),
        )
        assert dashboard.evaluate(SPAN_F1_JS) == after
        table = nb.evaluate_json(
            "lw.agreement(labeler.df, n_boot=0).set_index('metric').loc[['strict_f1', 'partial_f1'], 'value'].tolist()"
        )
        expect(header).to_contain_text(f"span F1 {table[0]:.2f} (strict), {table[1]:.2f} (partial)")
        assert nb.evaluate_json("dash.errors + labeler.errors") == []
    finally:
        nb.close()
