"""Can lw.LocalLLM judge pairs? Measured by benchmarks/bench_local_judge.py: no better than a coin, so it refuses,
and its refusal quotes the measured numbers (checked here against the benchmark's results). The failure itself,
in miniature, with the bundled model: asked in both orders, it names a side, not an output."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.kinds.pair import PairVerdict
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.local import JUDGE_P_NEEDED, LOCAL_JUDGE_MEASURED

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "local_judge.json"
DATA_NAMES = {"sms": "SMS spam", "banking77": "Banking77"}
KIND = PairVerdict(outputs=("true_answer", "wrong_answer"))
SPAM = "This message is spam: unwanted advertising or a scam."
HAM = "This message is not spam: it is an ordinary personal message."


def pairs_frame() -> pd.DataFrame:
    return pd.DataFrame({"question": ["q1", "q2"], "reply_a": ["a", "b"], "reply_b": ["c", "d"]})


def test_pairs_are_refused_with_the_numbers_measured():
    local = lw.LocalLLM()
    with pytest.raises(lw.InputError) as refused:
        lw.Labeler(pairs_frame(), kind="pair", prompt="question", outputs=("reply_a", "reply_b"), store=None,
                   suggester=local)  # fmt: skip
    message = str(refused.value)
    assert "does not judge pairs" in message and "no better than a coin" in message and "lw.Judge(" in message
    for measured in LOCAL_JUDGE_MEASURED:
        assert f"on {measured.pairs} {measured.data} pairs" in message
        assert f"p = {measured.averaged_p:.2f}" in message
    labels = LabelSet.parse(KIND.default_labels(), KIND)
    frame = pd.DataFrame({"text": ["q"], "true_answer": ["x"], "wrong_answer": ["y"]})
    with pytest.raises(lw.InputError, match="does not judge pairs"):
        lw.suggest(frame, local, labels=labels, progress=False)


def test_the_quoted_numbers_are_the_benchmarks_and_none_beats_a_coin():
    rows = json.loads(RESULTS.read_text())["rows"]
    assert len(LOCAL_JUDGE_MEASURED) == len([r for r in rows if r["calibrate"]])
    for measured in LOCAL_JUDGE_MEASURED:
        row = next(r for r in rows if DATA_NAMES[r["dataset"]] == measured.data and r["calibrate"])
        assert measured.pairs == row["pairs"] >= 200
        assert measured.position_consistency == pytest.approx(row["position_consistency"], abs=1e-3)
        assert measured.left_win_rate == pytest.approx(row["left_win_rate"], abs=1e-3)
        assert measured.averaged_accuracy == pytest.approx(row["averaged_accuracy"], abs=1e-3)
        assert measured.averaged_p == pytest.approx(row["averaged_p"], abs=1e-3)
    # Were any setting to beat a coin (p < 0.01), the refusal would be wrong: enable judging instead.
    assert all(r["verdict_p"] >= JUDGE_P_NEEDED and r["averaged_p"] >= JUDGE_P_NEEDED for r in rows)


def test_in_both_orders_the_bundled_model_names_a_side_not_an_output():
    """Six real messages from the bundled SMS sample, each with its true answer and the wrong one: the verdict
    follows the order (the same side both times), as the benchmark found on 200 pairs."""
    sms = lw.datasets.sms_spam()
    chosen = pd.concat([sms[sms["gold"] == "spam"].head(3), sms[sms["gold"] == "ham"].head(3)])
    answers = {"spam": (SPAM, HAM), "ham": (HAM, SPAM)}
    items = [
        lw.Item(key=str(i), text=f"Is this SMS message spam?\n\nMessage: {text}",
                fields=dict(zip(KIND.item_columns, answers[gold], strict=True)))
        for i, (text, gold) in enumerate(zip(chosen["text"], chosen["gold"], strict=True))
    ]  # fmt: skip
    local = lw.LocalLLM()
    sides = []
    for orders in local._verdict_probabilities(items, KIND):
        assert len(orders) == 2  # the true answer shown first, then second
        for probabilities in orders:
            assert isinstance(probabilities, dict) and set(probabilities) == {"A", "B", "tie"}
            assert sum(probabilities.values()) == pytest.approx(1.0)
        sides.append(tuple(max(p, key=p.__getitem__) for p in orders))  # type: ignore[arg-type]
    same_side = sum(first == second for first, second in sides)
    assert same_side >= 5, f"the verdict followed the outputs, not the order: {sides}"
    local.close()
