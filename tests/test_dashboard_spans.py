"""The live Dashboard of a spans Labeler (kind="spans"): progress, pace, each label's share of the answers, and with
suggestions each label's span F1 over the last ``window`` pairs; the same numbers as ``lw.agreement_over_time`` and
``lw.agreement`` on ``labeler.df`` (whose span scores the span tests check against nervaluate and seqeval)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.widgets.dashboard import Dashboard
from labelwidgets.widgets.plots import MIX_TRACES_START

LABELS = ["PER", "LOC"]
TEXT = "Alice met Bob in Paris and Rome on day {i}"
# (start, end) of the words a person or a model may mark, with the label each one really is
WORDS = [(0, 5, "PER"), (10, 13, "PER"), (17, 22, "LOC"), (27, 31, "LOC")]


def answers(rng: np.random.Generator, n: int) -> tuple[list[list[tuple[int, int, str]]], list[str]]:
    """People's answers and a model's suggestions (JSON text, as a column of a DataFrame can hold them): the model
    misses spans, cuts one short, calls a place a person or marks the same spans."""
    people, suggested = [], []
    for _ in range(n):
        person = [word for word in WORDS if rng.random() < 0.6]
        model = []
        for start, end, label in person:
            roll = rng.random()
            if roll < 0.6:
                model.append([start, end, label])
            elif roll < 0.75:
                model.append([start, end - 1, label])  # a boundary off: partial credit
            elif roll < 0.9:
                model.append([start, end, "LOC" if label == "PER" else "PER"])  # the wrong type
        if rng.random() < 0.2:
            model.append([35, 38, "LOC"])  # a span the person did not mark ("day")
        people.append(person)
        suggested.append(json.dumps(sorted(model)))
    return people, suggested


def spans_labeler(n: int, seed: int) -> tuple[lw.Labeler, list[list[tuple[int, int, str]]]]:
    rng = np.random.default_rng(seed)
    people, suggested = answers(rng, n)
    df = pd.DataFrame({"text": [TEXT.format(i=i) for i in range(n)], "model": suggested})
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", store=None, suggester=lw.FromColumn("model"))
    return labeler, people


def test_a_spans_dashboard_draws_each_labels_span_f1_as_agreement_over_time_does() -> None:
    labeler, people = spans_labeler(40, seed=3)
    for person in people[:15]:
        labeler.label(person)
    dash = Dashboard(labeler, window=8, min_periods=3)  # opens on 15 decisions, then follows each one
    for person in people[15:30]:
        labeler.label(person)
    labeler.undo()
    figure = dash.figure
    k = len(LABELS)
    over_time = lw.agreement_over_time(labeler.df, window=8, min_periods=3)
    assert len(over_time) == 29
    for j, name in enumerate(LABELS):
        line = figure.data[MIX_TRACES_START + k + j]
        assert line.name == name
        assert list(line.x) == list(range(1, 30))
        expected = over_time[f"strict_f1[{name}]"].to_numpy(dtype=float)
        assert np.isfinite(expected[2:]).any()
        assert np.allclose(np.array(line.y, dtype=float), expected, equal_nan=True), name
        # every decision has a suggestion: the share of answers holding the label is the window's prevalence
        shares = np.array(figure.data[MIX_TRACES_START + j].y, dtype=float)
        assert np.allclose(shares, over_time[f"prevalence[{name}]"].to_numpy(dtype=float), equal_nan=True), name
    table = lw.agreement(labeler.df, n_boot=0).set_index("metric")["value"]
    header = figure.layout.title.text
    assert header.startswith("<b>29 of 40 decided (72%)</b>")
    assert "29 compared with the suggestions" in header
    assert f"exact match {100 * table['exact_match']:.0f}%" in header
    assert f"span F1 {table['strict_f1']:.2f} (strict), {table['partial_f1']:.2f} (partial)" in header
    titles = [a.text for a in figure.layout.annotations]
    assert "Each label's span F1 with the suggestions (last 8)" in titles
    assert figure.layout.yaxis4.title.text == "span F1"
    rebuilt = Dashboard(labeler, window=8, min_periods=3)  # opening on the same decisions draws the same
    assert rebuilt.figure.to_dict() == figure.to_dict()
    assert dash.errors == [] and rebuilt.errors == [] and labeler.errors == []


def test_a_spans_dashboard_follows_skips_relabels_and_undo_and_reopens_from_the_store(tmp_path) -> None:
    labeler, people = spans_labeler(30, seed=8)
    store = tmp_path / "spans.db"
    labeler = lw.Labeler(labeler.df[["text", "model"]], labels=LABELS, kind="spans", store=store,
                         suggester=lw.FromColumn("model"), annotator="ana")  # fmt: skip
    dash = Dashboard(labeler, window=6, min_periods=2)
    for i, person in enumerate(people[:20]):
        labeler.skip() if i % 7 == 3 else labeler.label(person)
    labeler.undo()
    labeler.relabel(labeler.df.index[0], [(0, 5, "PER")])
    labeler.label([])  # no spans in this text: an answer, not a skip
    table = lw.agreement(labeler.df, n_boot=0).set_index("metric")["value"]
    header = dash.figure.layout.title.text
    assert f"span F1 {table['strict_f1']:.2f} (strict)" in header
    summary = dash.summary().set_index("metric")
    assert summary.loc["decided", "value"] == labeler.df["decision"].notna().sum()
    compared = lw.agreement(labeler.df, n_boot=0).set_index("metric").loc["exact_match", "n"]
    assert summary.loc["pairs", "value"] == compared > 0
    labeler.close()
    reopened = lw.Labeler(labeler.df[["text", "model"]], labels=LABELS, kind="spans", store=store,
                          suggester=lw.FromColumn("model"), annotator="ana")  # fmt: skip
    again = Dashboard(reopened, window=6, min_periods=2)
    assert again.figure.layout.title.text == header
    assert dash.errors == [] and again.errors == [] and reopened.errors == []
