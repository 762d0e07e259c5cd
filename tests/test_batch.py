"""lw.suggest: pre-label a DataFrame with any suggester."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from fault_server import FaultServer, Reply

from labelwidgets.errors import InputError
from labelwidgets.session.results import SUGGESTED_KEY
from labelwidgets.suggesters.base import Suggestion
from labelwidgets.suggesters.batch import DEFAULT_COLUMNS, suggest
from labelwidgets.suggesters.column import FromColumn
from labelwidgets.suggesters.llm.llm import LLM

TEXTS = ["WIN a prize", "see you at 6", "WIN cash now", "lunch?", "FREE WIN", "ok thanks"]


def by_text(request) -> Reply:
    label, other = ("spam", "ham") if "WIN" in request["messages"][-1]["content"] else ("ham", "spam")
    return Reply.label(label, probabilities={label: 0.8, other: 0.2})


def frame(n: int = 6) -> pd.DataFrame:
    texts = (TEXTS * (n // len(TEXTS) + 1))[:n]
    return pd.DataFrame({"text": [f"{t} #{i}" for i, t in enumerate(texts)], "id": range(n)}, index=range(100, 100 + n))


def make_llm(server: FaultServer, **kwargs) -> LLM:
    options = {"api_key": "sk-test-batch", "timeout": 5, "max_retries": 1}
    options.update(kwargs)
    return LLM("openai/fake", api_base=server.url, **options)


def test_writes_the_suggestion_columns_in_place_and_returns_the_frame(fault_server, llm_cache_dir):
    fault_server.default = by_text
    df = frame()
    result = suggest(df, make_llm(fault_server), labels=["ham", "spam"], progress=False)
    assert result is df
    assert df["suggestion"].tolist() == ["spam", "ham", "spam", "ham", "spam", "ham"]
    assert df["confidence"].dtype == np.float64
    assert df["confidence"].tolist() == pytest.approx([0.8] * 6)
    assert df["confidence_source"].tolist() == ["logprobs"] * 6
    assert df["suggestion_error"].isna().all()
    assert list(df.index) == list(range(100, 106))
    assert df.attrs[SUGGESTED_KEY] == {**DEFAULT_COLUMNS, "suggester": "openai/fake"}  # for a Labeler opened on df


def test_with_a_progress_bar(fault_server, llm_cache_dir, capsys):
    fault_server.default = by_text
    df = suggest(frame(), make_llm(fault_server), labels=["ham", "spam"], progress=True)
    assert df["suggestion"].notna().all()
    assert "6/6" in capsys.readouterr().err


def test_columns_can_be_renamed_or_left_out(fault_server, llm_cache_dir):
    df = frame(2)
    columns = {"suggestion": "gpt_label", "confidence": "gpt_conf", "confidence_source": None}
    suggest(df, make_llm(fault_server), labels=["ham", "spam"], columns=columns, progress=False)
    assert list(df.columns) == ["text", "id", "gpt_label", "gpt_conf", "suggestion_error"]
    assert df.attrs[SUGGESTED_KEY]["suggestion"] == "gpt_label" and "confidence_source" not in df.attrs[SUGGESTED_KEY]


def test_existing_columns_are_never_overwritten_silently(fault_server, llm_cache_dir):
    df = frame(2).assign(suggestion="mine")
    with pytest.raises(InputError, match=r"already has column\(s\) \['suggestion'\]"):
        suggest(df, make_llm(fault_server), labels=["ham", "spam"], progress=False)
    assert df["suggestion"].tolist() == ["mine", "mine"] and fault_server.request_count == 0
    suggest(df, make_llm(fault_server), labels=["ham", "spam"], progress=False, overwrite=True)
    assert df["suggestion"].tolist() == ["ham", "ham"]


def test_bad_arguments_are_clear_errors(fault_server):
    llm = make_llm(fault_server, cache=False)
    with pytest.raises(InputError, match="no column 'body'"):
        suggest(frame(1), llm, text="body", labels=["ham", "spam"])
    with pytest.raises(InputError, match="columns to rename are"):
        suggest(frame(1), llm, labels=["ham", "spam"], columns={"label": "x"})
    with pytest.raises(InputError, match="not a suggester"):
        suggest(frame(1), "gpt-4o-mini", labels=["ham", "spam"])  # type: ignore[arg-type]


def test_concurrency_is_bounded_and_used(llm_cache_dir):
    with FaultServer(latency=0.2) as server:
        server.default = by_text
        llm = make_llm(server, max_concurrency=8)
        started = time.perf_counter()
        suggest(frame(12), llm, labels=["ham", "spam"], max_concurrency=3, progress=False)
        elapsed = time.perf_counter() - started
    assert server.max_in_flight == 3
    assert elapsed < 12 * 0.2 * 0.75  # sequential would take 2.4 s; four waves of three take 0.8 s


def test_the_suggesters_own_max_concurrency_is_the_default(llm_cache_dir):
    with FaultServer(latency=0.1) as server:
        suggest(frame(8), make_llm(server, max_concurrency=2), labels=["ham", "spam"], progress=False)
    assert server.max_in_flight == 2


class Interrupting:
    """Wraps a suggester and presses Ctrl-C after some calls."""

    def __init__(self, inner, after: int):
        self.inner, self.after, self.calls, self.name = inner, after, 0, "interrupting"

    def suggest(self, items, labels):
        self.calls += 1
        if self.calls > self.after:
            raise KeyboardInterrupt
        return self.inner.suggest(items, labels)


def test_an_interrupted_run_leaves_the_frame_alone_and_resumes_from_the_cache(fault_server, llm_cache_dir):
    fault_server.default = by_text
    df = frame(10)
    with pytest.raises(KeyboardInterrupt):
        suggest(df, Interrupting(make_llm(fault_server), after=4), labels=["ham", "spam"], progress=False)
    assert "suggestion" not in df.columns and fault_server.request_count == 4
    suggest(df, make_llm(fault_server), labels=["ham", "spam"], progress=False)
    assert fault_server.request_count == 10  # only the 6 rows not done before
    assert df["suggestion"].tolist() == ["spam", "ham", "spam", "ham", "spam", "ham", "spam", "ham", "spam", "ham"]
    suggest(df, make_llm(fault_server), labels=["ham", "spam"], columns={"suggestion": "again"}, overwrite=True)
    assert fault_server.request_count == 10 and df["again"].tolist() == df["suggestion"].tolist()


class Failing:
    name = "failing"

    def suggest(self, items, labels):
        raise ValueError("the model file is corrupt")


class Miscounting:
    name = "miscounting"

    def suggest(self, items, labels):
        return []


def test_a_failing_suggester_costs_its_rows_not_the_run():
    df = suggest(frame(3), Failing(), labels=["ham", "spam"], progress=False)
    assert df["suggestion"].isna().all()
    assert df["suggestion_error"].tolist() == ["failing failed: ValueError: the model file is corrupt"] * 3
    df = suggest(frame(2), Miscounting(), labels=["ham", "spam"], progress=False)
    assert df["suggestion_error"].tolist() == ["miscounting returned 0 answers for 1 items"] * 2


def test_any_suggester_works_for_example_a_column_of_labels_and_rows_without_text():
    df = pd.DataFrame({"text": ["a", None, "c"], "old": ["ham", "spam", "eggs"]})
    suggest(df, FromColumn("old"), labels=["ham", "spam"], progress=False)
    assert df["suggestion"].tolist()[0] == "ham" and pd.isna(df["suggestion"][1])
    assert df["suggestion_error"][1] == "no text in column 'text'"
    assert "'eggs' is not one of the labels" in df["suggestion_error"][2]


def test_batches_go_to_the_suggester_in_the_size_asked(llm_cache_dir):
    seen: list[int] = []

    class Recording:
        name = "recording"

        def suggest(self, items, labels):
            seen.append(len(items))
            return [Suggestion("ham") for _ in items]

    suggest(frame(7), Recording(), labels=["ham", "spam"], batch_size=3, progress=False)
    assert seen == [3, 3, 1]
