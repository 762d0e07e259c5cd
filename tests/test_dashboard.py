"""The live Dashboard: what its FigureWidget shows equals scikit-learn and lw.metrics on the labeler's DataFrame."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import math
import re
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

import labelwidgets as lw
from labelwidgets.decision import Decision
from labelwidgets.errors import InputError
from labelwidgets.metrics.calibration import expected_calibration_error
from labelwidgets.metrics.drift import PageHinkley, js_distance, psi
from labelwidgets.widgets.dashboard import Dashboard
from labelwidgets.widgets.plots import (
    ACCURACY,
    ACTION_COLORS,
    BAND_HIGH,
    BAND_LOW,
    CHANGES,
    HEADER_LINE_CHARS,
    HEATMAP,
    HUMAN_BARS,
    KAPPA,
    LLM_BARS,
    MIX_SCORES,
    MIX_TRACES_START,
    NOTE_CONFUSION,
    NOTE_OVER_TIME,
    PACE_TRACE,
    RELIABILITY,
    TITLE_CALIBRATION,
    headline,
)

LABELS = ["ham", "spam", "unsure"]  # "unsure" is never used: unused labels must not change any number


def sms_with_suggestions(n: int, *, agree_first: float = 0.9, agree_second: float | None = None, seed: int = 0):
    """Real SMS messages with a synthetic LLM column that agrees with the gold label at a given rate."""
    df = lw.datasets.sms_spam().head(n).copy()
    rng = np.random.default_rng(seed)
    rate = np.full(n, agree_first)
    if agree_second is not None:
        rate[n // 2 :] = agree_second
    agree = rng.random(n) < rate
    flipped = df["gold"].map({"ham": "spam", "spam": "ham"})
    df["llm"] = np.where(agree, df["gold"], flipped)
    df["p"] = np.round(rng.uniform(0.5, 1.0, n), 3)
    return df


def labeler_for(df: pd.DataFrame, **kwargs) -> lw.Labeler:
    return lw.Labeler(df, labels=LABELS, store=None, suggester=lw.FromColumn("llm", confidence="p"), **kwargs)


def drive(labeler: lw.Labeler, steps: int, seed: int = 1, undo: bool = True) -> None:
    """A person at work: mostly labels (accepts or corrects the suggestion), sometimes skips, rejects or undoes."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        r = rng.random()
        if r < 0.06:
            labeler.skip()
        elif r < 0.12:
            labeler.reject()
        elif r < 0.18 and undo and labeler.stats["decided"]:
            labeler.undo()
        else:
            labeler.label(labeler.current["gold"])


def pairs(df: pd.DataFrame) -> pd.DataFrame:
    decided = df[df["decision"].notna()]
    return decided[decided["label"].notna() & decided["suggestion"].notna() & (decided["decision"] != "skipped")]


def counts(values: pd.Series) -> list[int]:
    return values.dropna().value_counts().reindex(LABELS, fill_value=0).astype(int).tolist()


def assert_counts_match(dash: Dashboard, labeler: lw.Labeler) -> None:
    """Every per-item number in the figure against scikit-learn / pandas / lw.metrics on labeler.df."""
    df = labeler.df
    compared = pairs(df)
    figure = dash.figure
    expected = confusion_matrix(compared["label"], compared["suggestion"], labels=LABELS)
    assert np.array_equal(np.asarray(figure.data[HEATMAP].z), expected)
    assert list(figure.data[HEATMAP].x) == LABELS and list(figure.data[HEATMAP].y) == LABELS
    assert list(figure.data[HUMAN_BARS].y) == counts(df["label"])
    assert list(figure.data[LLM_BARS].y) == counts(df.loc[df["decision"].notna(), "suggestion"])
    header = figure.layout.title.text
    assert f"<b>{int(df['decision'].notna().sum())} of {len(df)} decided" in header
    assert f"{len(compared)} compared with the LLM" in header
    kappa = cohen_kappa_score(compared["label"], compared["suggestion"])
    assert dash._running.kappa == pytest.approx(kappa, abs=1e-12)
    assert f"Cohen's kappa {kappa:.2f}" in header
    reviewed = df["decision"].isin(["accepted", "corrected", "rejected"]).sum()
    accept_rate = (df["decision"] == "accepted").sum() / reviewed
    assert f"accept rate {100 * accept_rate:.0f}%" in header
    bins = lw.calibration(df)
    filled = bins[bins["count"] > 0]
    assert np.allclose(figure.data[RELIABILITY].x, filled["mean_confidence"])
    assert np.allclose(figure.data[RELIABILITY].y, filled["accuracy"])
    assert list(figure.data[RELIABILITY].customdata) == filled["count"].tolist()
    ece = expected_calibration_error(df)
    assert figure.layout.annotations[TITLE_CALIBRATION].text == f"Calibration (ECE {ece:.3f})"


def assert_over_time_matches(dash: Dashboard, labeler: lw.Labeler) -> None:
    """The rolling panel against lw.agreement_over_time on the same DataFrame (a session without relabels)."""
    over_time = lw.agreement_over_time(labeler.df, window=dash.window, min_periods=dash.min_periods)
    number = np.arange(1, len(over_time) + 1)
    compared = over_time["agree"].notna().to_numpy()
    data = dash.figure.data
    assert np.array_equal(np.asarray(data[ACCURACY].x), number[compared])
    for index, column in ((ACCURACY, "accuracy"), (BAND_LOW, "accuracy_low"), (BAND_HIGH, "accuracy_high"),
                          (KAPPA, "kappa")):  # fmt: skip
        np.testing.assert_allclose(np.asarray(data[index].y, dtype=float), over_time[column][compared], atol=1e-12)
    assert list(np.asarray(data[CHANGES].x, dtype=int)) == list(number[over_time["change"].to_numpy()])


def test_figure_shows_what_sklearn_and_metrics_compute_on_the_dataframe():
    df = sms_with_suggestions(150)
    labeler = labeler_for(df)
    dash = Dashboard(labeler)
    drive(labeler, 120, undo=False)
    assert_counts_match(dash, labeler)
    assert_over_time_matches(dash, labeler)
    assert dash.wait(0)  # nothing left for after the first paint
    mix = dash.figure.layout.annotations[MIX_SCORES].text
    human = np.array(counts(df["label"]))
    llm = np.array(counts(df.loc[df["decision"].notna(), "suggestion"]))
    between_js, between_psi = js_distance(human, llm), psi(human, llm)
    assert f"People vs LLM:<br>JS {between_js:.2f} · PSI {between_psi:.3f}" in mix
    drift = lw.label_drift(df, baseline=dash.baseline, window=dash.window).iloc[-1]
    assert f"last 50 vs first 50:<br>JS {drift['js_distance']:.2f} · PSI {drift['psi']:.3f}" in mix
    assert f"PSI {drift['psi']:.3f} ({drift['reading']})" in mix
    assert mix.endswith("PSI < 0.1 stable, > 0.25 large")
    assert labeler.errors == [] and dash.errors == []


def test_undo_and_relabel_take_decisions_back_out_of_every_count():
    df = sms_with_suggestions(120, agree_first=0.8)
    labeler = labeler_for(df)
    dash = Dashboard(labeler, interval_every=1)
    drive(labeler, 90, seed=3)  # undoes about one decision in sixteen
    assert (labeler.decisions["action"] == "undo").sum() >= 3
    assert_counts_match(dash, labeler)
    assert_over_time_matches(dash, labeler)
    for _ in range(12):  # undo a run of decisions, back past several windows' worth of evictions
        labeler.undo()
    assert_counts_match(dash, labeler)
    assert_over_time_matches(dash, labeler)
    # relabel an earlier item: its old decision leaves the counts, the new one enters
    labeler.goto(2)
    before = df["label"].iloc[2]
    labeler.label("spam" if before == "ham" else "ham")
    assert_counts_match(dash, labeler)
    labeler.undo()  # and back
    assert df["label"].iloc[2] == before
    assert_counts_match(dash, labeler)
    assert dash.errors == [] and labeler.errors == []


def test_kappa_interval_is_the_bootstrap_interval_of_lw_agreement_recomputed_on_a_schedule():
    df = sms_with_suggestions(120, agree_first=0.75)
    labeler = labeler_for(df)
    dash = Dashboard(labeler, interval_every=20, n_boot=500, seed=7)
    for _ in range(35):
        labeler.label(labeler.current["gold"])
    # recomputed at the 20th decision, not since: the header says as of how many pairs
    assert dash._interval_pairs == 20
    assert "bootstrap at 20 pairs" in dash.figure.layout.title.text
    dash.refresh()
    table = lw.agreement(df, n_boot=500, seed=7)
    kappa = table.set_index("metric").loc["cohen_kappa"]
    low, high = dash._kappa_interval
    assert low == pytest.approx(kappa["low"], abs=1e-12) and high == pytest.approx(kappa["high"], abs=1e-12)
    assert f"95% CI {kappa['low']:.2f} to {kappa['high']:.2f}, bootstrap at 35 pairs" in dash.figure.layout.title.text
    summary = dash.summary().set_index("metric")
    assert summary.loc["cohen_kappa", "value"] == pytest.approx(kappa["value"])
    assert summary.loc["cohen_kappa", "low"] == pytest.approx(kappa["low"])
    assert summary.loc["accept_rate", "value"] == pytest.approx(table.set_index("metric").loc["accept_rate", "value"])


def test_a_suggester_that_gets_worse_is_flagged_by_page_hinkley():
    df = sms_with_suggestions(300, agree_first=0.97, agree_second=0.55, seed=4)
    labeler = labeler_for(df)
    dash = Dashboard(labeler)
    for _ in range(300):
        labeler.label(labeler.current["gold"])
    assert_over_time_matches(dash, labeler)
    assert dash.changes, "the drop from 97% to 55% agreement went unnoticed"
    assert 150 < dash.changes[0] <= 230
    summary = dash.summary().set_index("metric")
    assert summary.loc["changes", "value"] == len(dash.changes)
    assert summary.loc["window_accuracy", "value"] < 0.8


def rolling_shares(answers: list[set[str]], labels: list[str], window: int, min_periods: int) -> np.ndarray:
    """Each label's share of the last ``window`` answers after each answer, by pandas; NaN below ``min_periods``."""
    held = pd.DataFrame([[name in answer for name in labels] for answer in answers], columns=labels, dtype=float)
    return held.rolling(window, min_periods=min_periods).mean().to_numpy()


def test_without_a_suggester_it_shows_progress_pace_and_the_label_mix_over_time():
    df = lw.datasets.sms_spam().head(80).copy()
    labeler = lw.Labeler(df, labels=LABELS, store=None)
    dash = Dashboard(labeler, window=20, min_periods=5)
    rng = np.random.default_rng(3)
    for i in range(60):
        seconds = float(rng.uniform(1, 9))
        if i % 10 == 9:
            labeler.session.decide("skip", seconds=seconds)
        else:
            labeler.session.decide("label", labeler.current["gold"], seconds=seconds)
    labeler.undo()
    figure = dash.figure
    header = figure.layout.title.text
    assert header.startswith("<b>59 of 80 decided (74%)</b> · labeled 54 · skipped 5")
    assert "Agreement needs suggestions" not in header
    assert all("Agreement needs suggestions" not in a.text for a in figure.layout.annotations)
    assert [a.text for a in figure.layout.annotations[:2]] == ["Progress: items by decision", "Pace: seconds per item"]
    assert figure.layout.yaxis2.title.text == "seconds (median of last 20)"
    bars = {trace.name: trace.x[0] for trace in figure.data[: len(ACTION_COLORS) + 1]}
    assert bars == {"labeled": 54, "accepted": 0, "corrected": 0, "rejected": 0, "skipped": 5, "revised": 0,
                    "remaining": 21}  # fmt: skip
    # pace: the median seconds per item of the last 20 decisions, at every decision (the one undone left out)
    events = labeler.decisions
    kept = events[(events["action"] != "undo") & ~events["id"].isin(events["undoes"].dropna())]
    seconds = kept.sort_values("id")["seconds"].astype(float)
    expected_pace = seconds.rolling(20, min_periods=5).median().to_numpy()
    pace = figure.data[PACE_TRACE]
    assert list(pace.x) == list(range(1, 60))
    assert np.allclose(np.array(pace.y, dtype=float), expected_pace, equal_nan=True)
    assert f"pace {expected_pace[-1]:.1f} s per item (median of the last 20)" in header
    assert f"≈ {60 / expected_pace[-1]:.0f} items a minute" in header
    # the label mix: each label's share of people's last 20 labels, at each decision
    labeled = kept.sort_values("id")
    answers = [{label} for label in labeled["label"].dropna()]
    expected_mix = rolling_shares(answers, LABELS, 20, 5)
    with_label = np.flatnonzero(labeled["label"].notna().to_numpy())
    for j, name in enumerate(LABELS):
        line = figure.data[MIX_TRACES_START + j]
        assert line.name == name
        shown = np.array(line.y, dtype=float)[with_label]  # the points at decisions that gave a label
        assert np.allclose(shown, expected_mix[:, j], equal_nan=True), name
    assert labeler.errors == [] and dash.errors == []
    summary = dash.summary().set_index("metric")
    assert summary.loc["decided", "value"] == 59


def test_a_multi_label_dashboard_shows_progress_pace_and_each_labels_share_and_follows_undo():
    labels = ["urgent", "billing", "outage"]
    df = pd.DataFrame({"text": [f"ticket {i}" for i in range(40)]})
    labeler = lw.Labeler(df, labels=labels, store=None, kind="multi")
    rng = np.random.default_rng(4)
    given = [sorted({name for name in labels if rng.random() < 0.4}) for _ in range(30)]
    for answer in given[:10]:
        labeler.label(answer)
    dash = Dashboard(labeler, window=8, min_periods=3)  # opens on ten decisions, then follows
    for answer in given[10:]:
        labeler.label(answer)
    labeler.skip()
    labeler.undo()
    labeler.undo()
    figure = dash.figure
    assert figure.layout.title.text.startswith("<b>29 of 40 decided (72%)</b> · labeled 29")
    assert "Share of answers holding each label (last 8)" in [a.text for a in figure.layout.annotations]
    expected = rolling_shares([set(answer) for answer in given[:29]], labels, 8, 3)
    for j, name in enumerate(labels):
        line = figure.data[MIX_TRACES_START + j]
        assert line.name == name
        assert np.allclose(np.array(line.y, dtype=float), expected[:, j], equal_nan=True), name
    assert dash.n_decided == 29 and dash.errors == [] and labeler.errors == []
    rebuilt = Dashboard(labeler, window=8, min_periods=3)  # opening on the same decisions draws the same
    assert rebuilt.figure.to_dict() == figure.to_dict()


def test_a_multi_label_dashboard_with_suggestions_draws_each_labels_kappa_as_agreement_over_time_does():
    labels = ["urgent", "billing", "outage"]
    rng = np.random.default_rng(6)
    people = [sorted({name for name in labels if rng.random() < 0.4}) for _ in range(40)]
    guesses = [answer if rng.random() < 0.6 else sorted({n for n in labels if rng.random() < 0.4}) for answer in people]
    df = pd.DataFrame({"text": [f"ticket {i}" for i in range(40)], "guess": guesses})
    labeler = lw.Labeler(df, labels=labels, store=None, kind="multi", suggester=lw.FromColumn("guess"))
    for answer in people[:15]:
        labeler.label(answer)
    dash = Dashboard(labeler, window=8, min_periods=3)
    for answer in people[15:30]:
        labeler.label(answer)
    labeler.undo()
    figure = dash.figure
    k = len(labels)
    over_time = lw.agreement_over_time(labeler.df, window=8, min_periods=3)
    assert len(over_time) == 29
    for j, name in enumerate(labels):
        line = figure.data[MIX_TRACES_START + k + j]
        assert line.name == name
        assert list(line.x) == list(range(1, 30))
        expected = over_time[f"kappa[{name}]"].to_numpy(dtype=float)
        assert np.allclose(np.array(line.y, dtype=float), expected, equal_nan=True), name
    table = lw.agreement(labeler.df, n_boot=0).set_index("metric")["value"]
    header = figure.layout.title.text
    assert "29 compared with the suggestions" in header
    assert f"exact match {100 * table['subset_accuracy']:.0f}%" in header
    assert f"Jaccard {table['jaccard']:.2f}" in header
    assert "Each label's kappa with the suggestions (last 8)" in [a.text for a in figure.layout.annotations]
    rebuilt = Dashboard(labeler, window=8, min_periods=3)  # opening on the same decisions draws the same
    for j in range(k):
        index = MIX_TRACES_START + k + j
        assert np.allclose(
            np.array(rebuilt.figure.data[index].y, dtype=float), np.array(figure.data[index].y, dtype=float),
            equal_nan=True,
        )  # fmt: skip
    assert dash.errors == [] and rebuilt.errors == [] and labeler.errors == []


def test_a_dashboard_on_a_resumed_session_starts_from_the_stored_decisions(tmp_path):
    store = tmp_path / "labels.db"
    first_df = sms_with_suggestions(60)
    first = lw.Labeler(first_df, labels=LABELS, store=store, annotator="ana",
                       suggester=lw.FromColumn("llm", confidence="p"))  # fmt: skip
    drive(first, 30, seed=5)
    first.close()
    df = sms_with_suggestions(60)
    labeler = lw.Labeler(df, labels=LABELS, store=store, annotator="ana",
                         suggester=lw.FromColumn("llm", confidence="p"))  # fmt: skip
    dash = Dashboard(labeler)
    assert dash.n_decided == int(df["decision"].notna().sum()) > 0
    assert_counts_match(dash, labeler)
    assert_over_time_matches(dash, labeler)
    drive(labeler, 20, seed=6)
    assert_counts_match(dash, labeler)
    assert_over_time_matches(dash, labeler)


def synthetic(i: int, rng: np.random.Generator, start: dt.datetime, agree: float = 0.85) -> Decision:
    human = ["ham", "spam"][int(rng.random() < 0.3)]
    suggestion = human if rng.random() < agree else ("spam" if human == "ham" else "ham")
    return Decision(item_key=f"item-{i}", action="accepted" if human == suggestion else "corrected", annotator="a",
                    decided_at=start + dt.timedelta(seconds=i), label=human, suggestion=suggestion,
                    confidence=float(rng.uniform(0.5, 1)), id=i + 1)  # fmt: skip


def test_what_is_kept_and_drawn_stays_bounded_however_many_decisions():
    labeler = labeler_for(sms_with_suggestions(10))
    dash = Dashboard(labeler, window=40, max_points=100, undo_depth=500)
    rng = np.random.default_rng(0)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    decisions = [synthetic(i, rng, start) for i in range(6001)]
    for decision in decisions[:-1]:
        dash.update(decision, None, decision, redraw=False)  # a new item each: no decision in force before
    dash.update(decisions[-1], None, decisions[-1])
    assert len(dash.figure.data[ACCURACY].x) <= 101  # a thinned history plus the current point
    assert len(dash._stream) == 500 and len(dash._window_pairs) == 540
    # the rolling numbers still equal a recompute on the last 40 decisions
    last = decisions[-40:]
    human = [d.label for d in last]
    suggested = [d.suggestion for d in last]
    accuracy, _, _, kappa = dash._window_values()
    assert accuracy == pytest.approx(np.mean(np.array(human) == np.array(suggested)))
    assert kappa == pytest.approx(cohen_kappa_score(human, suggested))
    assert dash._running.kappa == pytest.approx(
        cohen_kappa_score([d.label for d in decisions], [d.suggestion for d in decisions])
    )
    for _ in range(450):  # undo far back, within undo_depth: the window is rewound exactly
        undone = decisions.pop()
        undo = Decision(item_key=undone.item_key, action="undo", annotator="a", decided_at=start, undoes=undone.id,
                        id=10_000 + len(decisions))  # fmt: skip
        dash.update(undo, undone, None, redraw=False)
    last = decisions[-40:]
    accuracy, _, _, kappa = dash._window_values()
    assert kappa == pytest.approx(cohen_kappa_score([d.label for d in last], [d.suggestion for d in last]))
    assert dash.n_decided == 5551


def test_a_bad_decision_leaves_the_dashboard_unchanged_and_labeling_goes_on():
    df = sms_with_suggestions(40)
    labeler = labeler_for(df)
    dash = Dashboard(labeler)
    for _ in range(5):
        labeler.label(labeler.current["gold"])
    before = dash.summary()[["metric", "value", "n"]]
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    bad = Decision(item_key="x", action="labeled", annotator="a", decided_at=start, label="maybe", id=99)
    with pytest.raises(InputError, match="not one of the labels"):
        dash.update(bad, None, bad)
    pd.testing.assert_frame_equal(dash.summary()[["metric", "value", "n"]], before)
    # an undo the dashboard cannot place: it starts over from the session's decisions instead of guessing
    stray = Decision(item_key="x", action="undo", annotator="a", decided_at=start, undoes=12345, id=100)
    dash.update(stray, None, None)
    pd.testing.assert_frame_equal(dash.summary()[["metric", "value", "n"]], before)

    def broken(event, before, after):
        raise RuntimeError("boom")

    dash._apply = broken  # a bug inside the dashboard must never stop labeling
    labeler.label(labeler.current["gold"])
    assert int(df["decision"].notna().sum()) == 6
    assert any("Dashboard could not show" in e for e in labeler.errors)
    assert dash.errors and "boom" in dash.errors[0]
    del dash._apply
    labeler.label(labeler.current["gold"])
    assert_counts_match(dash, labeler)  # rebuilt from the log, then back in step


def test_one_view_updated_in_place_with_a_stable_repr():
    import plotly.graph_objects as go

    df = sms_with_suggestions(40)
    labeler = labeler_for(df)
    dash = Dashboard(labeler)
    view = dash.view
    n_traces = len(view.figure["data"])
    for _ in range(3):
        labeler.label(labeler.current["gold"])
    assert dash.view is view and len(view.figure["data"]) == n_traces
    # what the view holds is the figure, as JSON: dash.figure is the same as a plotly Figure
    assert isinstance(dash.figure, go.Figure)
    assert json.loads(json.dumps(view.figure, allow_nan=False)) == view.figure  # plain JSON, no NaN anywhere
    # arrays travel as plotly.js typed arrays (base64): the figure's very numbers, NaN a gap
    accuracy = view.figure["data"][ACCURACY]["y"]
    sent = np.frombuffer(base64.b64decode(accuracy["bdata"]), dtype="<f8")
    assert accuracy["dtype"] == "f8" and np.isnan(sent).any()  # no point before min_periods pairs
    assert np.array_equal(sent, np.asarray(dash.figure.data[ACCURACY].y, dtype=float), equal_nan=True)
    heatmap = view.figure["data"][HEATMAP]["z"]
    cells = np.frombuffer(base64.b64decode(heatmap["bdata"]), dtype="<i4").reshape(3, 3)
    assert heatmap["shape"] == "3, 3" and np.array_equal(cells, np.asarray(dash.figure.data[HEATMAP].z))
    assert dash.figure.layout.title.text.startswith("<b>3 of 40 decided")
    assert view.header[0][0] == ["3 of 40 decided (8%)", True]  # the header, as runs of text, never HTML
    assert repr(dash) == "Dashboard(labeler with 40 items, 3 decisions)"
    bundle = dash._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == "Dashboard(labeler with 40 items, 3 decisions)"
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == view.model_id
    dash.close()
    labeler.label(labeler.current["gold"])  # a closed dashboard no longer follows, and does not get in the way
    assert repr(dash) == "Dashboard(labeler with 40 items, 3 decisions)"


def test_the_first_view_of_a_kernel_sends_plotly_js_at_once_and_any_view_when_a_page_asks(monkeypatch):
    from labelwidgets.widgets import dashboard as module
    from labelwidgets.widgets.dashboard import _PLOTLY_JS, PLOTLY_JS_BUNDLE, PLOTLY_JS_VERSION, DashboardView

    sent = []
    monkeypatch.setattr(DashboardView, "send", lambda self, content, buffers=None: sent.append((content, buffers)))
    monkeypatch.setattr(module, "_PLOTLY_JS_SENT", threading.Event())  # as in a fresh kernel
    labeler = labeler_for(sms_with_suggestions(10))
    dash = Dashboard(labeler)
    assert (dash.view.plotly_version, dash.view.plotly_bundle) == (PLOTLY_JS_VERSION, PLOTLY_JS_BUNDLE)
    bundle = _PLOTLY_JS.read_bytes()  # gzipped
    assert sent == [({"type": "plotly.js", "encoding": "gzip"}, [bundle])]  # with the model, before the figure
    again = Dashboard(labeler)
    assert len(sent) == 1  # the page has it already
    again.view._handle_custom_msg({"type": "something else"}, [])
    assert len(sent) == 1
    again.view._handle_custom_msg({"type": "plotly.js?", "gzip": True}, [])  # a page without it: another, a reload
    assert sent[1:] == [({"type": "plotly.js", "encoding": "gzip"}, [bundle])]
    again.view._handle_custom_msg({"type": "plotly.js?", "gzip": False}, [])  # a browser that cannot inflate it
    assert sent[2:] == [({"type": "plotly.js", "encoding": "identity"}, [gzip.decompress(bundle)])]
    assert sent[2][1][0].startswith(f"/*! plotly.js v{PLOTLY_JS_VERSION} ".encode())
    assert dash.view.figure["data"] and dash.view.header[0][0][0].startswith("0 of 10 decided")


def test_a_dashboard_that_cannot_open_closes_its_view_and_lets_go_of_the_session(monkeypatch):
    labeler = labeler_for(sms_with_suggestions(10))
    listeners = len(labeler.session._change_listeners)
    views = []
    monkeypatch.setattr(Dashboard, "_load", lambda self, quick=False: (views.append(self.view), 1 / 0))
    with pytest.raises(ZeroDivisionError):
        Dashboard(labeler)
    [view] = views
    assert view.comm is None  # closed
    assert len(labeler.session._change_listeners) == listeners


def test_a_dashboard_and_its_view_do_not_import_plotlys_figure_widget():
    code = (
        "import sys, pandas as pd, labelwidgets as lw\n"
        "labeler = lw.Labeler(pd.DataFrame({'text': ['a', 'b']}), labels=['x', 'y'], store=None)\n"
        "dash = lw.Dashboard(labeler); labeler.label('x')\n"
        "heavy = sorted(m for m in sys.modules if m in ('plotly.basewidget', 'nbformat', 'jsonschema'))\n"
        "assert not heavy, heavy; print(dash.figure.layout.title.text)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("<b>1 of 2 decided (50%)</b>")


def test_a_dashboard_with_suggestions_draws_its_label_mix_scores_without_scipy():
    code = (
        "import sys, pandas as pd, labelwidgets as lw\n"
        "df = pd.DataFrame({'text': [f't{i}' for i in range(60)], 'llm': ['x', 'y', 'y'] * 20})\n"
        "labeler = lw.Labeler(df, labels=['x', 'y'], store=None, suggester=lw.FromColumn('llm'))\n"
        "for i in range(60): labeler.label('xy'[i % 2])\n"
        "dash = lw.Dashboard(labeler); assert dash.wait(0)\n"
        "assert 'scipy.spatial' not in sys.modules, 'scipy.spatial imported'\n"
        "from labelwidgets.widgets.plots import MIX_SCORES; print(dash.figure.layout.annotations[MIX_SCORES].text)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("People vs LLM:<br>JS ")


def test_hold_redraws_once_at_the_end_of_a_scripted_block():
    labeler = labeler_for(sms_with_suggestions(40))
    dash = Dashboard(labeler)
    assert dash.wait(0)
    sent = []
    dash.view.observe(lambda change: sent.append(change["name"]), names=["figure"])  # what goes to the browser
    with dash.hold():
        for _ in range(10):
            labeler.label(labeler.current["gold"])
        assert dash.figure.layout.title.text.startswith("<b>0 of 40 decided") and sent == []
    assert dash.figure.layout.title.text.startswith("<b>10 of 40 decided")
    assert sent == ["figure"]  # one redraw
    sent.clear()
    labeler.label(labeler.current["gold"])
    assert sent == ["figure"]
    assert_counts_match(dash, labeler)


def test_the_first_paint_has_the_label_mix_scores_and_nothing_is_left_for_after() -> None:
    labeler = labeler_for(sms_with_suggestions(40))
    for _ in range(30):
        labeler.label(labeler.current["gold"])
    dash = Dashboard(labeler)
    assert dash.wait(0)  # below QUICK_ABOVE decisions: no thread fills anything in
    figure = dash.figure
    assert figure.layout.annotations[MIX_SCORES].text.startswith("People vs LLM:<br>JS ")
    assert figure.layout.title.text.startswith("<b>30 of 40 decided") and "Cohen's kappa" in figure.layout.title.text
    assert_counts_match(dash, labeler)


def test_page_hinkley_detect_is_update_after_update() -> None:
    rng = np.random.default_rng(11)
    for direction in ("down", "up", "both"):
        for _ in range(5):
            before, after = rng.uniform(0.5, 1.0, 2)
            stream = np.concatenate([rng.random(3_000) < before, rng.random(3_000) < after]).astype(float)
            stream[::97] = rng.random(len(stream[::97]))  # not only 0 and 1
            settings = {"delta": float(rng.uniform(0, 0.1)), "threshold": float(rng.uniform(2, 15)),
                        "min_samples": int(rng.integers(1, 40)), "direction": direction}  # fmt: skip
            one_by_one = PageHinkley(**settings)
            expected = [one_by_one.update(x) for x in stream]
            at_once = PageHinkley(**settings)
            assert at_once.detect(stream).tolist() == expected
            assert at_once.detect(list(stream)).tolist() == expected  # any iterable
            assert vars(at_once) == vars(one_by_one)  # the same state to go on from
    with pytest.raises(InputError, match="finite"):
        PageHinkley().detect([0.0, 1.0, float("nan")])


def test_js_distance_is_scipys_jensenshannon() -> None:
    from scipy.spatial.distance import jensenshannon

    from labelwidgets.metrics.drift import label_drift

    rng = np.random.default_rng(3)
    for k in (2, 3, 7):
        for _ in range(200):
            p, q = rng.integers(0, 5, k) * (rng.random(k) < 0.7), rng.integers(0, 5, k)
            if p.sum() == 0 or q.sum() == 0:
                continue
            assert js_distance(p, q) == pytest.approx(jensenshannon(p, q, base=2), rel=1e-12, abs=1e-15)
    labels = rng.choice(["a", "b", "c"], 400, p=[0.6, 0.3, 0.1])
    labels[300:] = rng.choice(["a", "c"], 100)
    drift = label_drift(pd.DataFrame({"label": labels}), baseline=100, window=50, decided_at=None)
    for row in (160, 250, 399):
        baseline = pd.Series(labels[:100]).value_counts().reindex(["a", "b", "c"], fill_value=0)
        recent = pd.Series(labels[row - 49 : row + 1]).value_counts().reindex(["a", "b", "c"], fill_value=0)
        assert drift["js_distance"].iloc[row] == pytest.approx(jensenshannon(baseline, recent, base=2), rel=1e-12)


def test_a_big_session_paints_first_and_fills_in_the_changes_after(monkeypatch):
    import labelwidgets.widgets.dashboard as dashboard

    df = sms_with_suggestions(300, agree_first=0.97, agree_second=0.55, seed=2)
    labeler = labeler_for(df)
    for _ in range(260):
        labeler.label(labeler.current["gold"])
    full = Dashboard(labeler)
    monkeypatch.setattr(dashboard, "QUICK_ABOVE", 100)
    started = threading.Event()
    release = threading.Event()
    fill_in = Dashboard._fill_in

    def held_fill_in(self: Dashboard, **options: bool) -> None:  # hold it until a decision has come in meanwhile
        started.set()
        release.wait(30)
        fill_in(self, **options)

    monkeypatch.setattr(Dashboard, "_fill_in", held_fill_in)
    quick = Dashboard(labeler)
    assert started.wait(30)
    assert quick.changes == [] and quick.n_decided == 260  # the first paint: counts, no change markers yet
    assert "260 of 300 decided" in quick.figure.layout.title.text
    labeler.label(labeler.current["gold"])  # while the fill-in is under way
    release.set()
    assert quick.wait(30) and full.wait(30)
    labeler.label(labeler.current["gold"])
    full_figure, quick_figure = full.figure.to_dict(), quick.figure.to_dict()
    assert quick.changes == full.changes and full.changes  # the drop in agreement was found
    # the same, but for when each last drew the bootstrap interval (the fill-in draws it at once)
    interval = re.compile(r" \(95% CI [^)]*, bootstrap at \d+ pairs\)")
    quick_title = quick_figure["layout"]["title"].pop("text")
    assert "bootstrap at 261 pairs" in quick_title
    assert interval.sub("", quick_title) == interval.sub("", full_figure["layout"]["title"].pop("text"))
    assert quick_figure == full_figure
    assert quick.errors == [] and full.errors == []


def test_arguments_are_checked():
    labeler = labeler_for(sms_with_suggestions(10))
    with pytest.raises(InputError, match="window must be an integer >= 1"):
        Dashboard(labeler, window=0)
    with pytest.raises(InputError, match="ci must be between 0 and 1"):
        Dashboard(labeler, ci=95)
    with pytest.raises(InputError, match="baseline must be"):
        Dashboard(labeler, baseline=-3)


def test_importing_labelwidgets_and_these_modules_does_not_import_plotly():
    code = (
        "import sys, labelwidgets, labelwidgets.widgets.dashboard, labelwidgets.widgets.plots; "
        "assert 'plotly' not in sys.modules, sorted(m for m in sys.modules if 'plotly' in m)[:5]; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_empty_dashboard_says_there_is_nothing_yet():
    labeler = labeler_for(sms_with_suggestions(20))
    dash = Dashboard(labeler, min_periods=5)
    figure = dash.figure
    assert figure.layout.title.text.startswith("<b>0 of 20 decided (0%)</b> · 0 compared with the LLM")
    assert "Cohen's kappa n/a" in figure.layout.title.text
    assert figure.layout.annotations[NOTE_CONFUSION].text == "No pairs yet"
    assert figure.layout.annotations[NOTE_OVER_TIME].text == "No pairs yet"
    assert math.isnan(dash.summary().set_index("metric").loc["cohen_kappa", "value"])
    # blank, labelled panels: no axis autoscaled to nothing (it showed -1 to 4) and no block of zero counts
    for axis in (figure.layout.xaxis, figure.layout.yaxis):
        assert axis.showticklabels is False and tuple(axis.range) == (0, 1)
        assert axis.title.text
    heatmap = figure.data[HEATMAP]
    assert heatmap.texttemplate == "" and heatmap.zmin == 0 and heatmap.zmax == 1
    assert figure.layout.yaxis3.showticklabels is False

    for _ in range(3):
        labeler.label(labeler.current["gold"])
    figure = dash.figure  # a copy of what is shown now
    assert figure.layout.annotations[NOTE_OVER_TIME].text == "The first point comes at 5 pairs (has 3)"
    assert figure.layout.xaxis.showticklabels is False
    assert figure.data[HEATMAP].texttemplate == "%{z}" and figure.data[HEATMAP].zmax is None
    assert figure.layout.yaxis3.showticklabels is True

    for _ in range(2):
        labeler.label(labeler.current["gold"])
    figure = dash.figure
    assert figure.layout.annotations[NOTE_OVER_TIME].text == ""
    for axis in (figure.layout.xaxis, figure.layout.yaxis):
        assert axis.showticklabels is True and axis.autorange is True and axis.range is None


def test_the_header_fits_a_narrow_cell_with_the_largest_numbers():
    header = headline(
        n_decided=1_000_000, n_items=1_000_000, n_pairs=1_000_000, has_suggestions=True, accept_rate=0.781,
        accept_low=0.7803, accept_high=0.7827, n_reviewed=1_000_000, kappa=-0.123, kappa_low=-0.127,
        kappa_high=-0.119, kappa_note="", interval_pairs=1_000_000, ci=0.95,
        extra=["people agree with the suggestion shown 78% (77–79%) of 900,000", "hidden (blind check) 80% (79–81%) "
               "of 100,000"],
    )  # fmt: skip
    lines = header.split("<br>")
    assert lines[:2] == ["<b>1,000,000 of 1,000,000 decided (100%)</b>", "1,000,000 compared with the LLM"]
    assert "accept rate 78% (95% CI 78%–78%, of 1,000,000 reviewed)" in lines
    assert "Cohen's kappa -0.12 (95% CI -0.13 to -0.12, bootstrap at" in header
    for line in lines:
        assert len(re.sub("<[^>]+>", "", line)) <= HEADER_LINE_CHARS, line
    # a long note is wrapped into lines of the same width, never cut
    noted = headline(
        n_decided=5, n_items=10, n_pairs=5, has_suggestions=True, accept_rate=0.2, accept_low=0.04,
        accept_high=0.6, n_reviewed=5, kappa=math.nan, kappa_low=math.nan, kappa_high=math.nan,
        kappa_note="people and the suggester all say 'a label with a rather long name': chance agreement is 1, so "
        "kappa is 0/0", interval_pairs=None, ci=0.95,
    )  # fmt: skip
    assert all(len(line) <= HEADER_LINE_CHARS for line in noted.split("<br>")[1:])
    assert " ".join(noted.split("<br>")[2:]).endswith("chance agreement is 1, so kappa is 0/0")


def test_a_constant_suggester_shows_the_kappa_and_note_of_lw_agreement():
    df = sms_with_suggestions(30)
    df["llm"] = "spam"
    labeler = labeler_for(df)
    dash = Dashboard(labeler, n_boot=200)
    for _ in range(25):
        labeler.label(labeler.current["gold"])
    table = lw.agreement(df, labels=LABELS, n_boot=200).set_index("metric")
    note = "the suggester always says 'spam': kappa 0 = no better than chance"
    assert table.loc["cohen_kappa", "value"] == 0.0 and table.loc["cohen_kappa", "note"] == note
    summary = dash.summary().set_index("metric")
    assert summary.loc["cohen_kappa", "value"] == 0.0 and summary.loc["cohen_kappa", "note"] == note
    assert (summary.loc["cohen_kappa", "low"], summary.loc["cohen_kappa", "high"]) == (0.0, 0.0)
    assert "Cohen's kappa 0.00 (95% CI 0.00 to 0.00, bootstrap at 25 pairs): the suggester always says" in (
        dash.figure.layout.title.text.replace("<br>", " ")
    )


def test_blind_checks_split_agreement_by_whether_the_suggestion_was_shown():
    df = sms_with_suggestions(200, agree_first=0.8)
    labeler = labeler_for(df, blind=0.3, seed=4)
    dash = Dashboard(labeler)
    with dash.hold():
        for _ in range(200):
            labeler.label(df["gold"].loc[labeler.current.name])
    log = labeler.decisions
    pairs = log[log["suggestion"].notna()]
    summary = dash.summary().set_index("metric")
    for visible, name in ((True, "agreement_shown"), (False, "agreement_hidden")):
        rows = pairs[pairs["suggestion_visible"] == visible]
        assert summary.loc[name, "n"] == len(rows) > 0
        assert summary.loc[name, "value"] == pytest.approx((rows["label"] == rows["suggestion"]).mean())
    assert "hidden (blind check)" in dash.figure.layout.title.text
    labeler.undo()
    assert (
        dash.summary().set_index("metric").loc["agreement_shown", "n"]
        + dash.summary().set_index("metric").loc["agreement_hidden", "n"]
        == len(pairs) - 1
    )


# ----- one fold: the dashboard follows the session's decisions in force -----------------------------------------


def work_with_relabels(labeler: lw.Labeler, steps: int, seed: int) -> None:
    """Labels, accepts, corrections, rejects, skips, undos, relabels and labels of earlier items, in random turn."""
    rng = np.random.default_rng(seed)
    df = labeler.df
    for _ in range(steps):
        r = rng.random()
        decided = df.index[df["decision"].notna()]
        other = str(rng.choice(["ham", "spam"]))
        if r < 0.12:
            labeler.undo()
        elif r < 0.24 and len(decided):
            labeler.relabel(decided[rng.integers(len(decided))], other)  # a no-op when it already has that label
        elif r < 0.30:
            labeler.goto(int(rng.integers(len(df))))  # maybe a decided item: a new decision replaces its old one
            labeler.label(other)
        elif r < 0.36:
            labeler.skip()
        elif r < 0.50:
            try:
                labeler.reject() if r < 0.42 else labeler.accept()
            except InputError:  # a blind-check item: its suggestion is hidden, so it can only be labeled
                labeler.label(other)
        else:
            labeler.label(labeler.current["gold"] if rng.random() < 0.8 else other)


def assert_same_as_the_session(dash: Dashboard, labeler: lw.Labeler) -> None:
    """Every per-item count of the dashboard equals the session's fold and lw.agreement on labeler.df, exactly."""
    df = labeler.df
    session = labeler.session
    assert dash._actions == session.counts  # the session's fold counts each item's decision in force
    assert dash.n_decided == session.n_decided == int(df["decision"].notna().sum())
    decided = df["decision"].dropna().value_counts()
    assert {a: n for a, n in dash._actions.items() if n} == {str(a): int(n) for a, n in decided.items()}
    table = lw.agreement(df, labels=LABELS, n_boot=20).set_index("metric")["value"]
    summary = dash.summary().set_index("metric")["value"]
    assert summary["pairs"] == table["n"]
    for dashboard_name, table_name in (("accept_rate", "accept_rate"), ("accuracy", "accuracy"),
                                       ("cohen_kappa", "cohen_kappa")):  # fmt: skip
        assert summary[dashboard_name] == table[table_name] or (
            math.isnan(summary[dashboard_name]) and math.isnan(table[table_name])
        ), dashboard_name
    assert summary["ece"] == pytest.approx(table["ece"], abs=1e-12, nan_ok=True)  # sums in another order
    compared = pairs(df)
    assert np.array_equal(dash._running.confusion.to_numpy(),
                          confusion_matrix(compared["label"], compared["suggestion"], labels=LABELS))  # fmt: skip
    assert dash._human_counts == counts(df["label"])
    assert dash._llm_counts == counts(df.loc[df["decision"].notna(), "suggestion"])


def blind_split(dash: Dashboard) -> dict[bool, list[int]]:
    return {flag: list(tally) for flag, tally in dash._by_visibility.items()}


def test_dashboard_and_session_agree_on_every_item_through_undo_relabel_and_restore(tmp_path):
    store = tmp_path / "labels.db"

    def open_labeler(df: pd.DataFrame) -> lw.Labeler:
        return lw.Labeler(df, labels=LABELS, store=store, annotator="ana", blind=0.2, seed=3,
                          suggester=lw.FromColumn("llm", confidence="p"))  # fmt: skip

    df = sms_with_suggestions(90, agree_first=0.8)
    labeler = open_labeler(df)
    dash = Dashboard(labeler, n_boot=20, undo_depth=15)
    work_with_relabels(labeler, 150, seed=11)
    actions = labeler.decisions["action"].value_counts()
    assert actions["revised"] >= 5 and actions["undo"] >= 5  # the mix this test is about happened
    assert_same_as_the_session(dash, labeler)
    assert dash.errors == [] and labeler.errors == []
    # a dashboard opened now reads the same numbers from the session's decisions in force at once
    fresh = Dashboard(labeler, n_boot=20)
    assert_same_as_the_session(fresh, labeler)
    assert blind_split(fresh) == blind_split(dash) and blind_split(dash)[False][0] > 0
    assert_over_time_matches(fresh, labeler)  # on opening: each item's decision in force, in decision order
    live_summary = dash.summary()[["metric", "value", "n"]].set_index("metric")
    labeler.close()

    restored_df = sms_with_suggestions(90, agree_first=0.8)
    restored = open_labeler(restored_df)
    reopened = Dashboard(restored, n_boot=20, undo_depth=15)
    assert_same_as_the_session(reopened, restored)
    assert blind_split(reopened) == blind_split(dash)  # suggestion_visible read back from the store
    assert_over_time_matches(reopened, restored)
    summary = reopened.summary()[["metric", "value", "n"]].set_index("metric")
    per_item = ["decided", "pairs", "accept_rate", "accuracy", "cohen_kappa", "agreement_shown", "agreement_hidden"]
    pd.testing.assert_frame_equal(summary.loc[per_item], live_summary.loc[per_item])
    # undos reach back into the restored decisions, past what the dashboard can rewind: it starts over, exactly
    for _ in range(25):
        restored.undo()
    assert_same_as_the_session(reopened, restored)
    work_with_relabels(restored, 60, seed=12)
    assert_same_as_the_session(reopened, restored)
    assert reopened.errors == [] and restored.errors == []


def test_opening_on_what_pushing_one_by_one_reaches():
    """The vectorised opening leaves the rolling state (window, Page-Hinkley, thinned points, label-mix windows,
    the stream undo rewinds) exactly where following every decision live left it."""
    df = sms_with_suggestions(400, agree_first=0.97, agree_second=0.5, seed=4)
    labeler = labeler_for(df)
    options = {"window": 20, "min_periods": 5, "baseline": 30, "max_points": 16, "undo_depth": 40, "n_boot": 20}
    live = Dashboard(labeler, **options)
    with live.hold():
        for i in range(380):
            labeler.skip() if i % 13 == 0 else labeler.label(labeler.current["gold"])

    def rolling_state(dash: Dashboard) -> dict[str, object]:
        return {
            "points": dash._points, "stride": dash._stride, "changes": list(dash._changes),
            "n": (dash._n_decisions, dash._n_pairs_seen, dash._n_recent_seen, dash._baseline_n),
            "window": (dash._window.confusion.to_numpy().tolist(), list(dash._window_pairs)),
            "mix": (dash._baseline_counts, dash._recent_counts, list(dash._recent_labels)),
            "detector": (dash._detector.n, dash._detector.mean, dash._detector.statistic),
            "stream": [(e.id, e.pair, e.label, e.change, None if e.detector_before is None else
                        (e.detector_before.n, e.detector_before.statistic)) for e in dash._stream],
        }  # fmt: skip

    opened = Dashboard(labeler, **options)
    assert live.changes and live._stride > 1  # the state this test is about: alarms and thinned points
    assert rolling_state(opened) == rolling_state(live)
    for _ in range(50):  # rewinds both alike, past undo_depth (then both start over from the session)
        labeler.undo()
    assert rolling_state(opened) == rolling_state(live)
    assert_same_as_the_session(opened, labeler)


def fill_store(path: str, df: pd.DataFrame, n: int) -> int:
    """``n`` decisions with suggestions, a revision on every seventh and an undo on every eleventh, written in bulk."""
    from labelwidgets.decision import FIELDS, text_hash
    from labelwidgets.keys import encode_key
    from labelwidgets.store import open_store

    store = open_store(path)
    store.check_labels(LABELS)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    empty = dict.fromkeys(name for name in FIELDS if name != "id")
    records = []
    for row in range(n):
        human, suggestion = df["gold"].iat[row], df["llm"].iat[row]
        when = (start + dt.timedelta(seconds=row)).isoformat(timespec="microseconds")
        base = {**empty, "item_key": encode_key(df.index[row]), "annotator": "ana", "decided_at": when,
                "text_hash": text_hash(df["text"].iat[row]), "suggestion": suggestion,
                "confidence": float(df["p"].iat[row]), "suggestion_visible": row % 5 != 0}  # fmt: skip
        action = "labeled" if row % 5 == 0 else ("accepted" if human == suggestion else "corrected")
        records.append({**base, "id": len(records) + 1, "action": action, "label": human})
        if row % 7 == 0:
            records.append({**base, "id": len(records) + 1, "action": "revised", "previous_label": human,
                            "label": "spam" if human == "ham" else "ham"})  # fmt: skip
        if row % 11 == 0:
            records.append({**base, "id": len(records) + 1, "action": "undo", "undoes": len(records)})
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(store.events_table.insert(), records)  # type: ignore[attr-defined]
    store.close()
    return len(records)


def test_opening_on_a_restored_session_makes_no_decision_objects(tmp_path, monkeypatch):
    path = str(tmp_path / "labels.db")
    df = sms_with_suggestions(500)
    events = fill_store(path, df, 480)
    labeler = lw.Labeler(df, labels=LABELS, store=path, annotator="ana", suggester=lw.FromColumn("llm", confidence="p"))
    undone = {row for row in range(480) if row % 11 == 0 and row % 7 != 0}  # an undo of a revision leaves a label
    assert labeler.stats["decided"] == 480 - len(undone)
    made: list[object] = []
    original = Decision.__init__

    def counted(self: Decision, *args: object, **kwargs: object) -> None:
        made.append(args or kwargs)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dashboard read the store one event object at a time")

    monkeypatch.setattr(Decision, "__init__", counted)
    monkeypatch.setattr(labeler.session.store, "events", refuse)
    dash = Dashboard(labeler, n_boot=20)
    assert made == [], f"{len(made)} Decision objects made for {events} stored events"
    monkeypatch.undo()
    assert_same_as_the_session(dash, labeler)
    hidden = dash.summary().set_index("metric").loc["agreement_hidden", "n"]
    assert hidden == len([row for row in range(0, 480, 5) if row not in undone])  # labeled with it hidden
    labeler.undo()  # reaches into the restored decisions
    assert_same_as_the_session(dash, labeler)


def test_running_agreement_from_pairs_is_exactly_one_update_after_another():
    rng = np.random.default_rng(5)
    n = 3_000
    human = rng.choice(np.array(["a", "b", "c", None], dtype=object), n)
    suggested = rng.choice(np.array(["a", "b", None], dtype=object), n)
    confidence = np.where(rng.random(n) < 0.2, None, rng.random(n)).astype(object)
    confidence[:3] = [1.0, 0.0, 0.1]  # the edges of the bins
    accepted = rng.choice(np.array([True, False, None], dtype=object), n)
    for labels in (None, ["c", "b", "a"]):
        one_by_one = lw.RunningAgreement(labels, n_bins=7)
        for row in zip(human, suggested, confidence, accepted, strict=True):
            one_by_one.update(*row)
        at_once = lw.RunningAgreement.from_pairs(human, suggested, confidence, accepted, labels=labels, n_bins=7)
        assert at_once.labels == one_by_one.labels
        pd.testing.assert_frame_equal(at_once.confusion, one_by_one.confusion)
        pd.testing.assert_frame_equal(at_once.reliability, one_by_one.reliability)  # the same sums, in order
        for name in ("n", "agree", "kappa", "accept_rate", "n_reviewed", "ece", "notes"):
            assert getattr(at_once, name) == getattr(one_by_one, name), name
    # the same from the labels' positions, as a Dashboard opening on many decisions gives them
    labels = ["c", "b", "a"]
    one_by_one = lw.RunningAgreement(labels, n_bins=7)
    for row in zip(human, suggested, confidence, accepted, strict=True):
        one_by_one.update(*row)
    position = {name: i for i, name in enumerate(labels)}
    from_codes = lw.RunningAgreement.from_codes(
        np.array([position.get(x, -1) for x in human]), np.array([position.get(x, -1) for x in suggested]),
        np.array([np.nan if c is None else c for c in confidence]),
        np.array([-1 if a is None else int(a) for a in accepted]), labels=labels, n_bins=7,
    )  # fmt: skip
    assert from_codes.labels == one_by_one.labels
    pd.testing.assert_frame_equal(from_codes.confusion, one_by_one.confusion)
    pd.testing.assert_frame_equal(from_codes.reliability, one_by_one.reliability)
    for name in ("n", "agree", "kappa", "accept_rate", "n_reviewed", "ece", "notes", "values"):
        assert getattr(from_codes, name) == getattr(one_by_one, name), name
    with pytest.raises(InputError, match=r"confidence must lie in \[0, 1\], got 1.5"):
        lw.RunningAgreement.from_codes([0], [0], [1.5], labels=["a"])
    with pytest.raises(InputError, match="positions in the 2 labels"):
        lw.RunningAgreement.from_codes([0, 2], [0, 0], labels=["a", "b"])
    with pytest.raises(InputError, match="'d' is not one of the labels"):
        lw.RunningAgreement.from_pairs(["a", "d"], ["a", "a"], labels=["a", "b"])
    with pytest.raises(InputError, match=r"confidence must lie in \[0, 1\], got 1.5"):
        lw.RunningAgreement.from_pairs(["a"], ["a"], [1.5])
    with pytest.raises(InputError, match="one entry per decision"):
        lw.RunningAgreement.from_pairs(["a", "b"], ["a"])
    empty = lw.RunningAgreement.from_pairs([], [], labels=["a", "b"])
    assert empty.n == 0 and math.isnan(empty.kappa) and empty.notes == lw.RunningAgreement(["a", "b"]).notes


def test_close_lets_go_of_the_session_and_twice_is_fine() -> None:
    df = pd.DataFrame({"text": [f"t{i}" for i in range(6)], "model": ["a", "b"] * 3})
    labeler = lw.Labeler(df, labels=["a", "b"], store=None, suggester=lw.FromColumn("model"))
    listeners = len(labeler.session._change_listeners)
    first, second = lw.Dashboard(labeler), lw.Dashboard(labeler)  # two views of one labeler both follow it
    assert len(labeler.session._change_listeners) == listeners + 2
    first.close()
    first.close()
    labeler.label("a")
    assert second.n_decided == 1 and first.n_decided == 0  # the closed one stopped following
    assert len(labeler.session._change_listeners) == listeners + 1
    second.close()
    assert len(labeler.session._change_listeners) == listeners
    labeler.close()
