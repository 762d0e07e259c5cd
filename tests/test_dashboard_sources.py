"""One agreement line per suggestion source: a learner that takes over from its prior shows as two lines."""

from __future__ import annotations

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.widgets.dashboard import Dashboard
from labelwidgets.widgets.plots import SOURCE_LINES

N = 60
SWITCH = 25  # items before this come from the "prior", after it from the "learner"


class TwoSources:
    """A prior that is right on every third item, then a learner that is right on all but every tenth."""

    name = "two sources"

    def __init__(self, gold: dict[str, str]):
        self.gold = gold

    def suggest(self, items, labels):
        out = []
        for item in items:
            i = int(item.text.split()[1])
            right = self.gold[item.text]
            wrong = "spam" if right == "ham" else "ham"
            if i < SWITCH:
                out.append(lw.Suggestion(label=right if i % 3 == 0 else wrong, model="prior"))
            else:
                out.append(lw.Suggestion(label=wrong if i % 10 == 0 else right, model="learner"))
        return out


def frame() -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"text": [f"item {i}" for i in range(N)]})
    gold = dict(zip(df["text"], rng.choice(["ham", "spam"], N), strict=True))
    return df, gold


def label_all(labeler: lw.Labeler, gold: dict[str, str], count: int) -> None:
    for _ in range(count):
        row = labeler.session.row_at(labeler.position)
        labeler.label(gold[labeler.df["text"].iat[row]])


def expected_line(agrees: list[bool], window: int, min_periods: int) -> list[float]:
    out = []
    for n in range(1, len(agrees) + 1):
        recent = agrees[max(0, n - window) : n]
        out.append(sum(recent) / len(recent) if len(recent) >= min_periods else np.nan)
    return out


def source_traces(dash: Dashboard) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    traces = {}
    for index in SOURCE_LINES:
        trace = dash.figure.data[index]
        if trace.visible:
            traces[trace.name.split(" (")[0]] = (np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float))
    return traces


def test_live_lines_per_source_match_their_definition_and_a_reopened_dashboard(store_path):
    df, gold = frame()
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, annotator="ana", suggester=TwoSources(gold))
    dash = Dashboard(labeler, window=10, min_periods=5)
    try:
        label_all(labeler, gold, SWITCH)
        assert source_traces(dash) == {}  # one source so far: the main line is its line
        label_all(labeler, gold, 20)
        lines = source_traces(dash)
        assert set(lines) == {"prior", "learner"}
        prior_agrees = [i % 3 == 0 for i in range(SWITCH)]
        learner_agrees = [i % 10 != 0 for i in range(SWITCH, SWITCH + 20)]
        np.testing.assert_array_equal(lines["prior"][0], np.arange(1, SWITCH + 1))
        np.testing.assert_allclose(lines["prior"][1], expected_line(prior_agrees, 10, 5))
        np.testing.assert_array_equal(lines["learner"][0], np.arange(SWITCH + 1, SWITCH + 21))
        np.testing.assert_allclose(lines["learner"][1], expected_line(learner_agrees, 10, 5))
        assert lines["learner"][1][-1] > lines["prior"][1][-1]  # the learner overtook the prior, as drawn

        labeler.undo()
        undone = source_traces(dash)
        np.testing.assert_allclose(undone["learner"][1], expected_line(learner_agrees[:-1], 10, 5))
        label_all(labeler, gold, 1)
        live = source_traces(dash)
    finally:
        dash.close()
        labeler.close()

    reopened = lw.Labeler(df.copy(), labels=["ham", "spam"], store=store_path, annotator="ana")
    again = Dashboard(reopened, window=10, min_periods=5)
    try:
        loaded = source_traces(again)  # built from the store in one pass, not decision by decision
        assert set(loaded) == set(live)
        for name in live:
            np.testing.assert_array_equal(loaded[name][0], live[name][0])
            np.testing.assert_allclose(loaded[name][1], live[name][1])
    finally:
        again.close()
        reopened.close()
