"""When to stop: the stabilizing-predictions signal (Bloodgood & Vijay-Shanker 2009), equal to small-text's
KappaAverage on the same predictions; computed in a real Learner's retrains on a held-aside stop set, and shown in the
status the Labeler's header reads."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Hashable, Sequence

import numpy as np
import pytest
from small_text.stopping_criteria.kappa import KappaAverage

import labelwidgets as lw
from labelwidgets.metrics.stopping import StabilizingPredictions, StoppingSignal, agreement

LABELS = ["ham", "spam", "other"]


def predictions_settling(seed: int, steps: int = 12, size: int = 300) -> list[np.ndarray]:
    """Successive predictions of one stop set that change less and less: at step t a share 0.3 / (t + 1) of the
    items get a new random label."""
    rng = np.random.default_rng(seed)
    current = rng.integers(0, len(LABELS), size)
    sets = [current.copy()]
    for t in range(1, steps):
        flip = rng.random(size) < 0.3 / (t + 1) ** 2
        current = np.where(flip, rng.integers(0, len(LABELS), size), current)
        sets.append(current.copy())
    return sets


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("threshold", "window"), [(0.99, 3), (0.9, 2), (0.97, 4)])
def test_the_signal_equals_small_texts_kappa_average_step_by_step(seed, threshold, window):
    reference = KappaAverage(num_classes=len(LABELS), window_size=window, kappa=threshold)
    rule = StabilizingPredictions(threshold=threshold, window=window)
    for step, codes in enumerate(predictions_settling(seed)):
        expected = reference.stop(predictions=codes)
        signal = rule.update([LABELS[c] for c in codes], labels=10 * (step + 1))  # names, not codes: the same kappa
        assert signal.stop == expected, (step, signal.kappas)
        if reference.kappa_history:
            assert signal.kappas[-1] == pytest.approx(reference.kappa_history[-1], abs=1e-12)
            assert signal.kappas[-len(reference.kappa_history) :] == pytest.approx(reference.kappa_history, abs=1e-12)


def test_identical_and_one_label_predictions_agree_as_small_text_has_it():
    same = np.zeros(50, dtype=int)
    other = np.ones(50, dtype=int)
    reference = KappaAverage(num_classes=2, window_size=1, kappa=0.99)
    reference.stop(predictions=same)
    reference.stop(predictions=same)
    assert agreement(same, same) == reference.kappa_history[-1] == 1.0  # 0/0 by the formula
    reference.stop(predictions=other)
    assert agreement(same, other) == pytest.approx(reference.kappa_history[-1]) and agreement(same, other) == 0.0


def test_the_sentence_names_the_threshold_and_says_when_to_stop():
    rule = StabilizingPredictions(threshold=0.95, window=2, every=5)
    assert rule.due(3)
    first = rule.update(["a", "b", "a", "b"], labels=10)
    assert "0 of 2 comparisons" in first.sentence and "κ ≥ 0.95" in first.sentence
    assert not rule.due(14) and rule.due(15)
    rule.update(["a", "b", "a", "a"], labels=15)
    changing = rule.update(["a", "b", "a", "a"], labels=20)
    assert not changing.stop and "still changing" in changing.sentence and "< 0.95" in changing.sentence
    stable = rule.update(["a", "b", "a", "a"], labels=25)
    assert stable.stop and stable.sentence.endswith("you could stop here") and "≥ 0.95" in stable.sentence
    assert stable.scores()["kappa_mean"] == 1.0 and stable.scores()["threshold"] == 0.95
    with pytest.raises(lw.InputError, match="same items"):
        rule.update(["a"], labels=30)
    with pytest.raises(lw.InputError, match="between -1 and 1"):
        StabilizingPredictions(threshold=2)
    with pytest.raises(lw.InputError, match="window"):
        StabilizingPredictions(window=0)
    with pytest.raises(lw.InputError, match="stopping must be"):
        lw.Learner(stopping="yes")  # type: ignore[arg-type]


class Recorded(StabilizingPredictions):
    """The rule, keeping every set of predictions it was given: what the test hands small-text."""

    def __init__(self, **options: int | float) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.given: list[tuple[list[Hashable], int | None]] = []

    def update(self, predictions: Sequence[Hashable], *, labels: int | None = None) -> StoppingSignal:
        self.given.append((list(predictions), labels))
        return super().update(predictions, labels=labels)


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def test_a_learner_in_a_labeler_computes_the_signal_in_its_retrains_and_the_header_shows_it(tmp_path):
    df = lw.datasets.sms_spam()
    gold = df["gold"].tolist()
    rule = Recorded(threshold=0.97, window=3, every=10, stop_set=400)
    learner = lw.Learner(min_labels=10, stopping=rule)
    labeler = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store=tmp_path / "s.db", suggester=learner)
    session = labeler.session
    try:
        assert learner.stopping_signal is not None and learner.stopping_signal.stop_set == 400
        assert session.suggester_status.startswith("needs labels")  # no model yet: it says what it needs
        for count in range(1, 201):
            labeler.label(gold[session.row_at(labeler.position)])
            if count % 10 == 0:  # as a person labels: the retrains keep up
                assert learner.wait_until_trained(timeout=60)
        signal = learner.stopping_signal
        assert signal is not None and len(rule.given) >= 4 and len(signal.kappas) == len(rule.given) - 1
        made_from = [labels for _, labels in rule.given]
        assert all(b - a >= 10 for a, b in itertools.pairwise(made_from))  # once per batch
        assert all(len(p) == 400 and set(p) <= {"ham", "spam"} for p, _ in rule.given)
        reference = KappaAverage(num_classes=2, window_size=3, kappa=0.97)
        codes = {"ham": 0, "spam": 1}
        stops = [reference.stop(predictions=np.array([codes[v] for v in p])) for p, _ in rule.given]
        assert stops[-1] == signal.stop
        assert list(signal.kappas[-3:]) == pytest.approx(reference.kappa_history, abs=1e-12)
        wait_for(lambda: signal.sentence in labeler.widget.status["suggester_status"])
        status = labeler.widget.status["suggester_status"]
        assert status.startswith("learned from 200 labels; ") and "0.97" in status
        assert labeler.stats["suggester_status"] == learner.status == status
        assert learner.scores["stopping"]["kappas"] == list(signal.kappas)
        assert learner.last_train_cpu_seconds is not None
    finally:
        labeler.close()
        learner.close()


def test_the_stop_set_is_held_aside_from_the_unlabeled_items_and_can_be_turned_off(tmp_path):
    df = lw.datasets.sms_spam().head(60)
    off = lw.Learner(stopping=False)
    labeler = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store=None, suggester=off)
    try:
        assert off.stopping_signal is None and "stopping=False" in repr(off)
    finally:
        labeler.close()
        off.close()
    small = lw.Learner(stopping=StabilizingPredictions(stop_set=1000))
    labeler = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store=None, suggester=small)
    try:
        signal = small.stopping_signal
        assert signal is not None and signal.stop_set == 60  # at most 1,000: every unlabeled item here
        assert "StabilizingPredictions(" in small.config()["stopping"]
    finally:
        labeler.close()
        small.close()
