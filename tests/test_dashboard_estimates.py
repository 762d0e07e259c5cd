"""The Dashboard's honest lines: lw.estimate's sentence for one label where the model labels every row, and the
stopping signal of a Learner; the same numbers as lw.estimate and the learner, in the header and in estimates()
(summary() stays as it was)."""

from __future__ import annotations

import numpy as np
import pytest

import labelwidgets as lw
from labelwidgets.widgets.dashboard import Dashboard


def sms_with_model(seed: int = 3):
    df = lw.datasets.sms_spam().copy()
    rng = np.random.default_rng(seed)
    flipped = df["gold"].map({"ham": "spam", "spam": "ham"})
    df["llm"] = np.where(rng.random(len(df)) < 0.9, df["gold"], flipped)
    return df


def header_text(dash: Dashboard) -> str:
    return " ".join(text for line in dash.view.header for text, _ in line)


def test_the_estimate_line_is_lw_estimate_for_the_models_rarest_label_and_follows_the_decisions():
    df = sms_with_model()
    gold = df.pop("gold").tolist()
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=None, order="random", suggester=lw.FromColumn("llm"),
                         blind=0.2)  # fmt: skip
    dash = Dashboard(labeler, interval_every=10, n_boot=50)
    try:
        assert "estimate of spam: from 10 labels (has 0)" in header_text(dash)
        for count in range(1, 61):
            labeler.label(gold[labeler.session.row_at(labeler.position)])
            if count in (10, 33):  # from counts at every decision, not as of the last interval
                rows = lw.estimate(labeler, of="spam", noun="items").set_index("method")
                assert dash.estimates().set_index("metric").loc["estimate", "low"] == pytest.approx(
                    rows.loc["prediction-powered", "low"], abs=1e-12
                )
        labeler.skip()  # no label, for both
        expected = lw.estimate(labeler, of="spam", noun="items").set_index("method")
        summary = dash.estimates().set_index("metric")
        row = summary.loc["estimate"]
        assert (row["value"], row["low"], row["high"]) == pytest.approx(
            tuple(expected.loc["prediction-powered", ["estimate", "low", "high"]]), abs=1e-12
        )
        assert row["n"] == 60 and row["note"].startswith("spam: between ")
        assert summary.loc["estimate_people_only", "low"] == pytest.approx(expected.loc["people only", "low"])
        assert not {"estimate", "stopping_kappa"} & set(dash.summary()["metric"])
        assert "estimate: " + expected.loc["prediction-powered", "sentence"] in header_text(dash)
        assert "of the 500 items are spam; from 60 people's labels alone" in header_text(dash)
    finally:
        dash.close()
        labeler.close()


def test_a_chosen_label_no_estimate_and_a_non_random_order_said_in_the_line():
    df = sms_with_model()
    gold = df.pop("gold").tolist()
    df["p"] = np.linspace(0.5, 1, len(df))
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=None, order="uncertain",
                         suggester=lw.FromColumn("llm", confidence="p"))  # fmt: skip
    chosen = Dashboard(labeler, interval_every=5, n_boot=0, estimate="ham")
    off = Dashboard(labeler, n_boot=0, estimate=False)
    try:
        for _ in range(20):
            labeler.label(gold[labeler.session.row_at(labeler.position)])
        text = header_text(chosen)
        assert "% of the 500 items are ham" in text and "(not valid: people's labels are not a random sample)" in text
        assert "estimate" not in header_text(off) and "estimate" not in set(off.estimates()["metric"])
    finally:
        chosen.close()
        off.close()
        labeler.close()


def test_a_multi_label_estimate_is_lw_estimate_of_the_share_of_items_whose_set_holds_the_label():
    df = lw.datasets.goemotions().copy()
    labels = sorted({name for answer in df["gold"] for name in answer})
    rng = np.random.default_rng(5)
    # the model misses 15% of the emotions people gave and adds a wrong one now and then
    missed = [[x for x in answer if rng.random() < 0.85] for answer in df["gold"]]
    added = [[x for x in labels if x not in answer and rng.random() < 0.04] for answer in df["gold"]]
    df["llm"] = [sorted(a + b) for a, b in zip(missed, added, strict=True)]
    gold = df.pop("gold").tolist()
    labeler = lw.Labeler(df, labels=labels, kind="multi", store=None, order="random", suggester=lw.FromColumn("llm"))
    dash = Dashboard(labeler, interval_every=10, n_boot=20)
    joy = Dashboard(labeler, n_boot=0, estimate="joy")
    try:
        held = {name: sum(name in answer for answer in df["llm"]) for name in labels}
        rarest = min(labels, key=lambda name: (held[name], name))  # the label the model gives least often
        assert f"estimate of {rarest}: from 10 labels (has 0)" in header_text(dash)
        for count in range(1, 51):
            labeler.label(gold[labeler.session.row_at(labeler.position)])
            if count in (10, 27):  # from the running counts at every decision
                rows = lw.estimate(labeler, of=rarest, noun="items").set_index("method")
                assert dash.estimates().set_index("metric").loc["estimate", "high"] == pytest.approx(
                    rows.loc["prediction-powered", "high"], abs=1e-12
                )
        labeler.skip()
        labeler.undo()  # taken back: counted by neither
        for board, of in ((dash, rarest), (joy, "joy")):
            expected = lw.estimate(labeler, of=of, noun="items").set_index("method")
            row = board.estimates().set_index("metric").loc["estimate"]
            assert (row["value"], row["low"], row["high"]) == pytest.approx(
                tuple(expected.loc["prediction-powered", ["estimate", "low", "high"]]), abs=1e-12
            )
            assert row["n"] == 50 and row["note"].startswith(f"{of}: between ")
            assert "estimate: " + expected.loc["prediction-powered", "sentence"] in header_text(board)
        assert "of the 600 items are joy; from 50 people's labels alone" in header_text(joy)
    finally:
        dash.close()
        joy.close()
        labeler.close()


def test_a_share_in_a_sentence_stays_between_0_and_100_percent():
    df = lw.datasets.sms_spam().copy()
    df["llm"] = "ham"  # the model never says spam; people rarely do in these 20 rows
    df["label"] = None
    df.loc[df.index[:20], "label"] = ["spam"] + ["ham"] * 19
    rows = lw.estimate(df, label="label", suggestion="llm", of="spam", noun="messages").set_index("method")
    low = rows.loc["prediction-powered", "low"]
    assert low < 0  # the normal approximation's interval, as ppi_py gives it, in the columns
    assert rows.loc["prediction-powered", "sentence"].startswith("between 0.0% and ")


def test_the_stopping_signal_line_is_the_learners():
    df = lw.datasets.sms_spam()
    gold = df["gold"].tolist()
    learner = lw.Learner(min_labels=10)
    labeler = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store=None, order="random", suggester=learner)
    dash = Dashboard(labeler, n_boot=0)
    try:
        for count in range(1, 71):
            labeler.label(gold[labeler.session.row_at(labeler.position)])
            if count % 10 == 0:
                assert learner.wait_until_trained(timeout=60)
        signal = learner.stopping_signal
        assert signal is not None and signal.mean is not None
        dash.refresh()
        assert signal.sentence in header_text(dash)
        row = dash.estimates().set_index("metric").loc["stopping_kappa"]
        assert row["value"] == pytest.approx(signal.mean) and row["note"] == signal.sentence
        assert "estimate" not in header_text(dash)  # a learner labels only what it is asked about: no estimate
    finally:
        dash.close()
        labeler.close()
        learner.close()
