"""Static figures: every number drawn is the number lw.metrics / lw.drift compute on the same DataFrame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.metrics import cohen_kappa_score

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.metrics.drift import js_distance, psi, psi_reading
from labelwidgets.widgets.plots import (
    ACCURACY,
    BAND_HIGH,
    BAND_LOW,
    CHANGES,
    HEATMAP,
    HUMAN_BARS,
    KAPPA,
    LLM_BARS,
    MIX_SCORES,
    NOTE_CALIBRATION,
    NOTE_OVER_TIME,
    RELIABILITY,
    TITLE_CALIBRATION,
    plot_agreement,
    plot_drift,
)

START = pd.Timestamp("2025-03-03 09:00", tz="UTC")  # a Monday
LABELS = ["eggs", "ham", "spam"]


def results(n: int = 420, seed: int = 0, hours_apart: float = 3.0) -> pd.DataFrame:
    """A results frame like labeler.df: agreement 95% for the first half, 60% after; decisions 3 hours apart."""
    rng = np.random.default_rng(seed)
    human = rng.choice(LABELS, n, p=[0.2, 0.5, 0.3])
    agree = np.r_[rng.random(n // 2) < 0.95, rng.random(n - n // 2) < 0.6]
    other = {"ham": "spam", "spam": "eggs", "eggs": "ham"}
    suggestion = np.where(agree, human, [other[h] for h in human])
    decision = np.where(agree, "accepted", "corrected").astype(object)
    label = human.astype(object)
    skipped = rng.random(n) < 0.04
    decision[skipped], label[skipped] = "skipped", None
    frame = pd.DataFrame(
        {
            "label": label,
            "decision": decision,
            "suggestion": suggestion,
            "confidence": np.round(rng.uniform(0.5, 1, n), 3),
            "decided_at": START + pd.to_timedelta(np.arange(n) * hours_apart, unit="h"),
        }
    )
    frame.loc[n - 30 :, ["label", "decision", "suggestion", "confidence", "decided_at"]] = None  # not decided yet
    return frame.sample(frac=1, random_state=seed)  # row order is not decision order


def test_plot_agreement_draws_the_numbers_of_lw_metrics():
    df = results()
    fig = plot_agreement(df, n_boot=300, seed=3)
    assert isinstance(fig, go.Figure) and not isinstance(fig, go.FigureWidget)
    table = lw.agreement(df, n_boot=300, seed=3).set_index("metric")
    header = fig.layout.title.text
    kappa = table.loc["cohen_kappa"]
    interval = f"(95% CI {kappa['low']:.2f} to {kappa['high']:.2f}, bootstrap"
    assert f"Cohen's kappa {kappa['value']:.2f} {interval}" in header
    decided = df[df["decided_at"].notna()]
    pairs = decided[decided["label"].notna() & (decided["decision"] != "skipped")]
    assert kappa["value"] == pytest.approx(cohen_kappa_score(pairs["label"], pairs["suggestion"]))
    assert f"<b>{len(decided)} of {len(df)} decided" in header and f"{len(pairs)} compared with the LLM" in header
    assert f"accept rate {100 * table.loc['accept_rate', 'value']:.0f}%" in header

    assert np.array_equal(np.asarray(fig.data[HEATMAP].z), lw.confusion(df).to_numpy())
    assert list(fig.data[HEATMAP].x) == LABELS
    assert list(fig.data[HUMAN_BARS].y) == decided["label"].value_counts().reindex(LABELS).tolist()
    assert list(fig.data[LLM_BARS].y) == decided["suggestion"].value_counts().reindex(LABELS).tolist()

    over_time = lw.agreement_over_time(df)
    compared = over_time["agree"].notna().to_numpy()
    number = np.arange(1, len(over_time) + 1)
    assert np.array_equal(np.asarray(fig.data[ACCURACY].x), number[compared])
    for index, column in ((ACCURACY, "accuracy"), (BAND_LOW, "accuracy_low"), (BAND_HIGH, "accuracy_high"),
                          (KAPPA, "kappa")):  # fmt: skip
        np.testing.assert_allclose(np.asarray(fig.data[index].y, dtype=float), over_time[column][compared])
    changes = number[over_time["change"].to_numpy()]
    assert len(changes) >= 1 and list(np.asarray(fig.data[CHANGES].x, dtype=int)) == list(changes)
    assert any(195 < x < 300 for x in changes), "the drop from 95% to 60% agreement should be marked"

    bins = lw.calibration(df)
    filled = bins[bins["count"] > 0]
    np.testing.assert_allclose(np.asarray(fig.data[RELIABILITY].x), filled["mean_confidence"])
    np.testing.assert_allclose(np.asarray(fig.data[RELIABILITY].y), filled["accuracy"])
    ece = table.loc["ece", "value"]
    assert fig.layout.annotations[TITLE_CALIBRATION].text == f"Calibration (ECE {ece:.3f})"

    mix = fig.layout.annotations[MIX_SCORES].text
    human = decided["label"].value_counts().reindex(LABELS).to_numpy()
    llm = decided["suggestion"].value_counts().reindex(LABELS).to_numpy()
    assert f"People vs LLM:<br>JS {js_distance(human, llm):.2f} · PSI {psi(human, llm):.3f}" in mix
    drift = lw.label_drift(df, baseline=50, window=50).iloc[-1]
    assert f"People, last 50 vs first 50:<br>JS {drift['js_distance']:.2f} · PSI {drift['psi']:.3f}" in mix


def test_plot_agreement_without_suggestions_or_times_still_draws_what_there_is():
    df = results()[["label", "decision"]]  # no suggestion, confidence or decided_at columns
    fig = plot_agreement(df)
    decided = df[df["decision"].notna()]
    assert "Agreement needs suggestions" in fig.layout.title.text
    assert "Agreement needs suggestions" in fig.layout.annotations[NOTE_OVER_TIME].text
    assert list(fig.data[HUMAN_BARS].y) == decided["label"].value_counts().reindex(LABELS).tolist()
    assert fig.data[HEATMAP].visible is False and fig.data[LLM_BARS].visible is False

    no_confidence = results().drop(columns="confidence")
    fig = plot_agreement(no_confidence, n_boot=0)
    assert fig.layout.annotations[NOTE_CALIBRATION].text == "No confidences: the suggester gave none"
    assert "bootstrap" not in fig.layout.title.text


def test_plot_drift_in_decision_order_draws_agreement_over_time_and_label_drift():
    df = results()
    fig = plot_drift(df, window=60)
    by_name = {trace.name: trace for trace in fig.data}
    over_time = lw.agreement_over_time(df, window=60)
    compared = over_time["agree"].notna().to_numpy()
    np.testing.assert_allclose(np.asarray(by_name["share agreeing"].y, dtype=float), over_time["accuracy"][compared])
    assert len(by_name["change detected (Page-Hinkley)"].x) == over_time["change"].sum() >= 1
    drift = lw.label_drift(df, baseline=60, window=60)
    np.testing.assert_allclose(np.asarray(by_name["PSI"].y, dtype=float), drift["psi"])
    np.testing.assert_allclose(np.asarray(by_name["JS distance"].y, dtype=float), drift["js_distance"])
    thresholds = sorted(shape.y0 for shape in fig.layout.shapes if shape.type == "line")
    assert thresholds == [0.1, 0.25]
    reading = drift["reading"].iloc[-1]
    assert any(f"now: PSI {drift['psi'].iloc[-1]:.3f} ({reading})" == a.text for a in fig.layout.annotations)


def test_plot_drift_by_week_groups_decisions_by_the_week_of_decided_at():
    df = results()
    fig = plot_drift(df, by="week", n_boot=200, seed=1)
    decided = df[df["decided_at"].notna()].copy()
    monday = (decided["decided_at"] - pd.to_timedelta(decided["decided_at"].dt.day_of_week, unit="D")).dt.normalize()
    decided["week"] = monday
    weeks = sorted(monday.unique())
    names = [w.strftime("week of %Y-%m-%d") for w in weeks]
    assert len(weeks) >= 5

    shares = pd.crosstab(decided["week"], decided["label"], normalize="index").reindex(columns=LABELS)
    for label in LABELS:
        bar = next(t for t in fig.data if t.name == label)
        assert list(bar.x) == names
        np.testing.assert_allclose(np.asarray(bar.y, dtype=float), shares[label].to_numpy())

    table = lw.agreement(decided, by="week", n_boot=200, seed=1)
    kappa = table[table["metric"] == "cohen_kappa"].set_index("group").reindex(weeks)
    trace = next(t for t in fig.data if t.name == "Cohen's kappa")
    np.testing.assert_allclose(np.asarray(trace.y, dtype=float), kappa["value"])
    np.testing.assert_allclose(np.asarray(trace.error_y.array, dtype=float), kappa["high"] - kappa["value"])
    np.testing.assert_allclose(np.asarray(trace.error_y.arrayminus, dtype=float), kappa["value"] - kappa["low"])

    counts = pd.crosstab(decided["week"], decided["label"]).reindex(columns=LABELS, fill_value=0)
    expected = [psi(counts.iloc[0], counts.iloc[i]) for i in range(len(weeks))]
    psi_trace = next(t for t in fig.data if t.name == "PSI")
    np.testing.assert_allclose(np.asarray(psi_trace.y, dtype=float), expected)
    assert list(psi_trace.text) == [psi_reading(v) for v in expected]
    js_trace = next(t for t in fig.data if t.name == "JS distance")
    np.testing.assert_allclose(
        np.asarray(js_trace.y, dtype=float), [js_distance(counts.iloc[0], counts.iloc[i]) for i in range(len(weeks))]
    )


def test_plot_drift_by_any_column_with_a_chosen_baseline_group():
    df = results()
    df["batch"] = np.where(df["decided_at"] < START + pd.Timedelta(hours=3 * 200), "early", "late")
    fig = plot_drift(df, by="batch", baseline="late", n_boot=0)
    decided = df[df["decided_at"].notna()]
    counts = pd.crosstab(decided["batch"], decided["label"]).reindex(columns=LABELS, fill_value=0)
    psi_trace = next(t for t in fig.data if t.name == "PSI")
    assert list(psi_trace.x) == ["early", "late"]
    np.testing.assert_allclose(
        np.asarray(psi_trace.y, dtype=float), [psi(counts.loc["late"], counts.loc["early"]), 0.0], atol=1e-12
    )
    accuracy = next(t for t in fig.data if t.name == "share agreeing")
    table = lw.agreement(decided, by="batch", n_boot=0)
    expected = table[table["metric"] == "accuracy"].set_index("group").loc[["early", "late"], "value"]
    np.testing.assert_allclose(np.asarray(accuracy.y, dtype=float), expected)
    assert accuracy.y[0] > 0.9 > 0.7 > accuracy.y[1]


def test_plot_drift_explains_bad_arguments():
    df = results()
    with pytest.raises(InputError, match=r"column\(s\) \['nope'\] not found \(by='nope'\)"):
        plot_drift(df, by="nope")
    with pytest.raises(InputError, match="needs a decided_at column"):
        plot_drift(df.drop(columns="decided_at"), by="week")
    with pytest.raises(InputError, match="baseline='someday' is not one of the groups"):
        plot_drift(df.assign(batch="a"), by="batch", baseline="someday")
    with pytest.raises(InputError, match="there is no column 'when'"):
        plot_agreement(df, decided_at="when")


# ----- sets of labels and spans: the Dashboard's figure for them, from a results DataFrame ----------------------


def _multi_results(tmp_path):
    frame = lw.datasets.goemotions().head(80).copy()
    rng = np.random.default_rng(3)
    frame["model"] = [list(g) if rng.random() < 0.7 else ["neutral"] for g in frame["gold"]]
    labeler = lw.Labeler(frame, labels=list(lw.datasets.GOEMOTIONS_LABELS), kind="multi",
                         suggester=lw.FromColumn("model"), store=tmp_path / "multi.db")  # fmt: skip
    for _ in range(60):
        row = labeler.session.row_at(labeler.position)
        labeler.session.prefetcher.wait(row, timeout=5)
        labeler.label(list(frame["gold"].iloc[row]))
    return frame


def _spans_results(tmp_path):
    posts = lw.datasets.wnut17().head(60).copy()
    posts["model"] = [[{"text": s["text"], "label": s["label"]} for s in gold][:1] for gold in posts["gold"]]
    labeler = lw.Labeler(posts, labels=list(lw.datasets.WNUT17_LABELS), kind="spans",
                         suggester=lw.FromColumn("model"), store=tmp_path / "spans.db")  # fmt: skip
    for _ in range(50):
        row = labeler.session.row_at(labeler.position)
        labeler.session.prefetcher.wait(row, timeout=5)
        labeler.label([(s["start"], s["end"], s["label"]) for s in posts["gold"].iloc[row]])
    return posts


@pytest.mark.parametrize(("make", "headline", "per_label"), [(_multi_results, "jaccard", "kappa"),
                                                              (_spans_results, "strict_f1", "strict_f1")])  # fmt: skip
def test_plot_agreement_and_drift_draw_lists_of_answers_from_the_one_definition(tmp_path, make, headline, per_label):
    frame = make(tmp_path)
    table = lw.agreement(frame, seed=0)
    value = float(table.loc[table["metric"] == headline, "value"].iloc[0])
    for fig, window in ((lw.plot_agreement(frame), 50), (lw.plot_drift(frame), 100)):  # their default windows
        over_time = lw.agreement_over_time(frame, window=window, min_periods=10)
        title = fig.layout.title.text
        assert "50 of 60 decided" in title or "60 of 80 decided" in title
        assert f"{headline.replace('_', ' ')} with the suggestions {value:.2f}" in title
        label_lines = {t.name: t for t in fig.data if t.xaxis == "x4"}
        assert label_lines, "one line per label of its agreement with the suggestions"
        name, line = next((n, t) for n, t in label_lines.items() if np.isfinite(np.asarray(t.y, float)).any())
        compared = over_time["agree"].notna().to_numpy()
        expected = over_time[f"{per_label}[{name}]"].to_numpy(dtype=float)[compared]
        np.testing.assert_allclose(np.asarray(line.y, float), expected, equal_nan=True)
    with pytest.raises(InputError, match=r"lw\.agreement\(df, by='annotator'\)"):
        lw.plot_drift(frame, by="annotator")
