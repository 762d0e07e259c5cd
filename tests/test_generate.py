"""lw.generate: an output column filled with a model's replies, through litellm against a real HTTP server on
127.0.0.1 and offline with the bundled SmolLM2; the money guard, the cache, an error per row, bad input."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest
from fault_server import Reply
from llm_fixtures import fault_server, llm_cache_dir  # noqa: F401

import labelwidgets as lw

QUESTIONS = pd.DataFrame({"question": ["capital of France?", "2 + 2?", "a colour of the sky?"], "topic": list("abc")})


def make_llm(server, **kwargs) -> lw.LLM:
    options = {"api_key": "sk-test-secret-1234", "cache": False, "timeout": 5, "max_retries": 1}
    return lw.LLM("openai/fake", api_base=server.url, **{**options, **kwargs})


def prompt_of(request: dict) -> str:
    return next(m["content"] for m in request["messages"] if m["role"] == "user")


def echo(request: dict) -> Reply:
    """A model that answers with the prompt it read, so every row's reply shows what it was sent."""
    return Reply.text(f"reply to <{prompt_of(request)}>")


# -- through litellm --


def test_a_template_fills_each_rows_prompt_and_the_replies_land_in_the_column(fault_server):  # noqa: F811
    fault_server.default = echo
    df = QUESTIONS.copy()
    out = lw.generate(df, make_llm(fault_server), prompt="Answer briefly: {question} ({topic})", column="reply_b",
                      system="You are terse.", max_tokens=40, progress=False)  # fmt: skip
    assert out is df
    assert df["reply_b"].tolist() == [
        "reply to <Answer briefly: capital of France? (a)>",
        "reply to <Answer briefly: 2 + 2? (b)>",
        "reply to <Answer briefly: a colour of the sky? (c)>",
    ]
    assert df["reply_b_error"].tolist() == [None, None, None]
    assert df["reply_b_finish"].tolist() == ["stop", "stop", "stop"]
    assert fault_server.request_count == 3
    request = fault_server.requests[0]
    assert request["messages"][0] == {"role": "system", "content": "You are terse."}
    assert request["max_tokens"] == 40 and request["temperature"] == 0.0
    assert "response_format" not in request and "logprobs" not in request  # free text, not a label


def test_a_column_name_is_the_prompt_as_it_is(fault_server):  # noqa: F811
    fault_server.default = echo
    df = lw.generate(QUESTIONS.copy(), make_llm(fault_server), prompt="question", column="reply_a", progress=False)
    assert df["reply_a"].tolist() == [f"reply to <{q}>" for q in QUESTIONS["question"]]
    assert [r["messages"][0]["role"] for r in fault_server.requests] == ["user"] * 3  # no system message given


def test_a_failing_row_costs_that_row_only_and_keeps_its_error(fault_server):  # noqa: F811
    def picky(request: dict) -> Reply:
        return Reply.error(400, "this prompt is refused") if "2 + 2" in prompt_of(request) else echo(request)

    fault_server.default = picky
    df = lw.generate(QUESTIONS.copy(), make_llm(fault_server), prompt="question", column="reply_a", progress=False)
    assert df["reply_a"].isna().tolist() == [False, True, False]
    assert "HTTP 400" in df.loc[1, "reply_a_error"] and "this prompt is refused" in df.loc[1, "reply_a_error"]
    assert df.loc[1, "reply_a_finish"] is None
    assert df["reply_a_error"].isna().tolist() == [True, False, True]


def test_rate_limits_are_retried_and_a_wrong_key_is_said_once_and_never_leaks(fault_server):  # noqa: F811
    fault_server.script(Reply.error(429))
    fault_server.default = echo
    df = lw.generate(QUESTIONS.head(1).copy(), make_llm(fault_server), prompt="question", column="r", progress=False)
    assert df.loc[0, "r"] == "reply to <capital of France?>" and fault_server.request_count == 2

    fault_server.reset()
    fault_server.default = Reply.error(401, "bad key sk-test-secret-1234")
    llm = make_llm(fault_server, max_concurrency=1)
    df = lw.generate(QUESTIONS.copy(), llm, prompt="question", column="r", progress=False)
    assert df["r"].isna().all()
    assert fault_server.request_count == 1  # the first refusal stops the rest: every row would fail the same way
    assert all("authentication failed" in e for e in df["r_error"])
    assert not any("sk-test-secret-1234" in e for e in df["r_error"])


def test_a_row_without_its_prompt_is_not_sent(fault_server):  # noqa: F811
    fault_server.default = echo
    df = pd.DataFrame({"question": ["capital of France?", None], "topic": ["a", "b"]})
    lw.generate(df, make_llm(fault_server), prompt="{topic}: {question}", column="reply", progress=False)
    assert df["reply"].tolist() == ["reply to <a: capital of France?>", None]
    assert "empty in this row" in df.loc[1, "reply_error"] and fault_server.request_count == 1


def test_the_cache_answers_a_second_run_without_a_request(fault_server, llm_cache_dir):  # noqa: F811
    fault_server.default = echo
    first = lw.generate(QUESTIONS.copy(), make_llm(fault_server, cache=True), prompt="question", column="reply",
                        progress=False)  # fmt: skip
    assert fault_server.request_count == 3
    again = lw.generate(QUESTIONS.copy(), make_llm(fault_server, cache=True), prompt="question", column="reply",
                        progress=False)  # fmt: skip
    assert fault_server.request_count == 3  # every reply came from the cache
    assert again["reply"].tolist() == first["reply"].tolist()
    lw.generate(QUESTIONS.copy(), make_llm(fault_server, cache=True), prompt="question", column="reply",
                max_tokens=7, progress=False)  # fmt: skip
    assert fault_server.request_count == 6  # another max_tokens is another reply


def test_a_costly_run_asks_first_and_sends_nothing_when_nobody_can_answer(fault_server):  # noqa: F811
    fault_server.default = echo
    costly = make_llm(fault_server, price=(10_000.0, 10_000.0))  # per million tokens: $8 here
    with pytest.raises(lw.CostNotConfirmed, match=r"generate\(\) did not run: estimated cost \$.*max_tokens=256"):
        lw.generate(QUESTIONS.copy(), costly, prompt="question", column="reply", progress=False)
    assert fault_server.request_count == 0
    df = lw.generate(QUESTIONS.copy(), costly, prompt="question", column="reply", progress=False, confirm_above=None)
    assert df["reply"].notna().all() and fault_server.request_count == 3


def test_progress_is_reported_per_row(fault_server):  # noqa: F811
    fault_server.default = echo
    seen = []
    lw.generate(QUESTIONS.copy(), make_llm(fault_server), prompt="question", column="reply",
                progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(1, 3), (2, 3), (3, 3)]


# -- bad input --


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": "Answer briefly: {questoin}"}, r"placeholder \{questoin\} names no column"),
        ({"prompt": "Answer briefly"}, r"not a column and has no \{column\} placeholder"),
        ({"prompt": "Answer {question"}, r"not a valid template"),
        ({"prompt": "{0}"}, r"placeholder \{0\} names no column"),
        ({"prompt": None}, r"prompt= must be a column name or a template"),
        ({"column": "question"}, r"column='question' is a column the prompt reads"),
        ({"column": "topic"}, r"already has column\(s\) \['topic'\]"),
        ({"column": ""}, r"column= must name the output column"),
        ({"max_tokens": 0}, r"max_tokens must be a positive whole number"),
        ({"confirm_above": -1}, r"confirm_above must be a number of dollars"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(fault_server, kwargs, message):  # noqa: F811
    options = {"prompt": "question", "column": "reply", "progress": False, **kwargs}
    with pytest.raises(lw.InputError, match=message):
        lw.generate(QUESTIONS.copy(), make_llm(fault_server), **options)
    assert fault_server.request_count == 0


def test_existing_columns_are_kept_unless_overwrite(fault_server):  # noqa: F811
    fault_server.default = echo
    df = QUESTIONS.copy()
    df["reply_error"] = "earlier"
    with pytest.raises(lw.InputError, match=r"already has column\(s\) \['reply_error'\].*overwrite=True"):
        lw.generate(df, make_llm(fault_server), prompt="question", column="reply", progress=False)
    assert "reply" not in df.columns and fault_server.request_count == 0
    lw.generate(df, make_llm(fault_server), prompt="question", column="reply", overwrite=True, progress=False)
    assert df["reply_error"].isna().all() and df["reply"].notna().all()


def test_the_model_must_be_an_llm_or_a_local_llm():
    with pytest.raises(lw.InputError, match=r"needs an lw.LLM or an lw.LocalLLM.*lw.LLM\('gpt-4o-mini'\)"):
        lw.generate(QUESTIONS.copy(), "gpt-4o-mini", prompt="question", column="reply")  # type: ignore[arg-type]
    with pytest.raises(lw.InputError, match="needs a pandas DataFrame"):
        lw.generate(QUESTIONS.to_dict(), lw.FromColumn("x"), prompt="question", column="reply")  # type: ignore


# -- offline, with the bundled model --


@pytest.fixture(scope="module")
def local():
    model = lw.LocalLLM()
    yield model
    model.close()


def test_the_bundled_model_answers_each_row_the_same_way_every_time(local):
    df = QUESTIONS.head(2).copy()
    lw.generate(df, local, prompt="Answer in one short sentence: {question}", column="reply", max_tokens=16,
                progress=False)  # fmt: skip
    assert df["reply_error"].isna().all()
    assert "Paris" in df.loc[0, "reply"]
    assert set(df["reply_finish"]) <= {"stop", "length"}
    assert local.generate("Answer in one short sentence: capital of France?", max_tokens=16) == df.loc[0, "reply"]
    again = lw.generate(QUESTIONS.head(2).copy(), local, prompt="Answer in one short sentence: {question}",
                        column="reply", max_tokens=16, progress=False)  # fmt: skip
    assert again["reply"].tolist() == df["reply"].tolist()  # greedy: the same reply every time


def test_a_reply_is_cut_at_max_tokens_and_says_so(local):
    df = pd.DataFrame({"question": ["Write a long story about a dragon who learns to bake bread."]})
    lw.generate(df, local, prompt="question", column="story", max_tokens=3, progress=False)
    assert df.loc[0, "story_finish"] == "length" and 0 < len(df.loc[0, "story"].split()) <= 3


def test_a_crash_of_the_worker_costs_its_row_not_the_run(local):
    def kill_after_first(done: int, total: int) -> None:
        if done == 1:
            os.kill(local.worker_pid, signal.SIGKILL)

    df = QUESTIONS.copy()
    lw.generate(df, local, prompt="question", column="reply", max_tokens=4, progress=kill_after_first)
    assert df["reply"].notna().tolist() == [True, False, True]  # the next row started a new worker
    assert "died with SIGKILL" in df.loc[1, "reply_error"]


def test_a_prompt_too_long_for_the_context_is_that_rows_error(local):
    df = pd.DataFrame({"question": ["short?", "word " * 3000]})
    lw.generate(df, local, prompt="question", column="reply", max_tokens=4, progress=False)
    assert df.loc[0, "reply"] and df.loc[1, "reply"] is None
    assert "more than n_ctx=2048" in df.loc[1, "reply_error"]
