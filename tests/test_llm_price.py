"""What an lw.LLM costs: nothing on a local server, ``price=`` through litellm's custom pricing, litellm's list else.

Every run goes to the fault server, a real HTTP server on 127.0.0.1; the money guard (`lw.suggest`, `lw.compare`)
is exercised with ``confirm_above`` set, as a user would, with a question recorded instead of read from stdin.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pandas as pd
import pytest
from fault_server import FaultServer, Reply, completion

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.suggesters import cost
from labelwidgets.suggesters.base import Item
from labelwidgets.suggesters.llm._litellm import get_litellm
from labelwidgets.suggesters.llm.llm import LLM, local_server

KEY = "sk-price-test-7d2e9b41-very-secret"
LABELS = ["ham", "spam"]
TEXTS = ["WIN a free prize now", "see you at 6", "FREE cash, call now", "lunch tomorrow?"]


def make_llm(server: FaultServer, **kwargs) -> LLM:
    options = {"api_key": KEY, "cache": False, "timeout": 5, "max_retries": 1}
    options.update(kwargs)
    return LLM("openai/fake", api_base=server.url, **options)


def by_text(request) -> Reply:
    return Reply.label("spam" if "WIN" in request["messages"][-1]["content"] else "ham")


def served_usage(server: FaultServer) -> list[tuple[int, int]]:
    """(prompt, completion) tokens of each response the server sent, counted the way the server counts them."""
    usages = []
    for request in server.requests:
        usage = completion(request, [by_text(request)])["usage"]
        usages.append((usage["prompt_tokens"], usage["completion_tokens"]))
    return usages


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The money guard's questions; each is answered no, so a question stops the run with CostNotConfirmed."""
    asked: list[str] = []
    monkeypatch.setattr(cost, "ask", lambda question: asked.append(question) or False)
    return asked


# -- which addresses are local --


@pytest.mark.parametrize(
    ("api_base", "shown"),
    [
        ("http://127.0.0.1:8000/v1", "127.0.0.1:8000"),
        ("http://127.4.5.6:8000/v1", "127.4.5.6:8000"),
        ("127.0.0.1:8000/v1", "127.0.0.1:8000"),  # no scheme
        ("http://localhost:11434", "localhost:11434"),
        ("http://LocalHost.:8080/v1", "localhost:8080"),
        ("http://[::1]:8000/v1", "[::1]:8000"),
        ("http://[::ffff:127.0.0.1]:8000/v1", "[::ffff:127.0.0.1]:8000"),
        ("http://10.20.30.40/v1", "10.20.30.40"),
        ("http://172.16.0.1:4000", "172.16.0.1:4000"),
        ("http://172.31.255.254:4000", "172.31.255.254:4000"),
        ("http://192.168.1.20:8080/v1", "192.168.1.20:8080"),
        ("http://[fd12:3456::1]:8000", "[fd12:3456::1]:8000"),
        ("http://169.254.10.1:8000", "169.254.10.1:8000"),
        ("http://[fe80::1]:8000", "[fe80::1]:8000"),
        ("http://0.0.0.0:8000/v1", "0.0.0.0:8000"),
        ("http://user:hunter2@127.0.0.1:8000/v1", "127.0.0.1:8000"),  # the password is not shown
    ],
)
def test_loopback_and_private_addresses_are_local_servers(api_base: str, shown: str) -> None:
    assert local_server(api_base) == shown


@pytest.mark.parametrize(
    "api_base",
    [
        "https://api.openai.com/v1",
        "http://my-gpu-box:8000/v1",  # a hostname is never resolved: it could point anywhere
        "http://localhost.example.com:8000",
        "http://8.8.8.8/v1",
        "http://172.32.0.1:4000",  # just outside 172.16.0.0/12
        "http://100.64.0.1:8000",  # carrier-grade NAT: shared, not private
        "http://[2001:db8::1]:8000",
        "http://127.0.0.1:port/v1",
        "",
        None,
    ],
)
def test_public_addresses_and_hostnames_are_not(api_base: str | None) -> None:
    assert local_server(api_base) is None


# -- a local server is free --


def test_a_local_server_costs_nothing_and_keeps_its_token_counts(fault_server: FaultServer) -> None:
    fault_server.default = by_text
    llm = make_llm(fault_server)
    assert llm.free_server == f"127.0.0.1:{fault_server.port}"
    assert llm.estimate_cost([Item(str(i), text) for i, text in enumerate(TEXTS)], LABELS) == 0.0
    suggestions = llm.suggest([Item(str(i), text) for i, text in enumerate(TEXTS)], LABELS)
    assert [s.label for s in suggestions] == ["spam", "ham", "ham", "ham"]
    assert [s.cost for s in suggestions] == [0.0] * 4
    sent = sorted(served_usage(fault_server))
    assert sorted((s.input_tokens, s.output_tokens) for s in suggestions) == sent
    assert all(tokens > 0 for pair in sent for tokens in pair)


def test_its_repr_says_it_is_free_and_shows_no_key(fault_server: FaultServer) -> None:
    text = repr(make_llm(fault_server))
    assert text.endswith(f"free: local server at 127.0.0.1:{fault_server.port})")
    assert "api_key=***" in text and KEY not in text
    hosted = LLM("openai/fake", api_base="http://my-gpu-box:8000/v1", cache=False)
    assert "free" not in repr(hosted) and hosted.free_server is None


def test_suggest_with_confirm_above_runs_without_asking(fault_server: FaultServer, questions: list[str]) -> None:
    fault_server.default = by_text
    df = pd.DataFrame({"text": TEXTS})
    lw.suggest(df, make_llm(fault_server), labels=LABELS, progress=False, confirm_above=0.0)
    assert questions == []
    assert df["suggestion"].tolist() == ["spam", "ham", "ham", "ham"] and df["suggestion_error"].isna().all()
    assert fault_server.request_count == 4


def test_compare_with_confirm_above_runs_without_asking_and_reports_cost_0(
    fault_server: FaultServer, questions: list[str]
) -> None:
    fault_server.default = by_text
    df = pd.DataFrame({"text": TEXTS, "label": ["spam", "ham", "spam", "ham"]})
    board = lw.compare(df, suggesters={"local": make_llm(fault_server)}, progress=False, n_boot=0, confirm_above=0.0)
    assert questions == []
    row = board.table.loc["local"]
    assert row["cost"] == 0.0 and row["cost_per_item"] == 0.0
    sent = served_usage(fault_server)
    assert row["tokens_per_item"] == pytest.approx(sum(a + b for a, b in sent) / len(sent))


def test_a_free_estimate_does_not_import_litellm() -> None:
    code = (
        "import sys; from labelwidgets.suggesters.llm.llm import LLM; from labelwidgets.suggesters.base import Item;"
        "llm = LLM('openai/fake', api_base='http://localhost:9/v1', cache=False);"
        "print(llm.estimate_cost([Item('1', 'hello')], ['ham', 'spam']), 'litellm' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.split() == ["0.0", "False"]


def test_a_hostname_is_priced_like_any_other_model() -> None:
    items = [Item("1", "WIN a free prize now " * 5)]
    unknown = LLM("openai/my-own-model", api_base="http://my-gpu-box:8000/v1", cache=False)
    assert unknown.estimate_cost(items, LABELS) is None  # as before: asked about
    known = LLM("gpt-4o-mini", api_base="http://my-gpu-box:8000/v1", cache=False)
    estimate = known.estimate_cost(items, LABELS)
    assert estimate is not None and estimate > 0  # litellm's price for gpt-4o-mini


def test_an_unknown_cost_elsewhere_is_still_asked_about(questions: list[str]) -> None:
    df = pd.DataFrame({"text": TEXTS})
    elsewhere = LLM("openai/my-own-model", api_base="http://my-gpu-box:8000/v1", cache=False)
    with pytest.raises(lw.CostNotConfirmed, match="openai/my-own-model: no price is known for it"):
        lw.suggest(df, elsewhere, labels=LABELS, progress=False, confirm_above=1_000)
    assert len(questions) == 1 and "suggestion" not in df.columns


# -- price= --


def test_a_price_costs_tokens_times_price_as_litellm_computes_it(fault_server: FaultServer) -> None:
    fault_server.default = by_text
    llm = make_llm(fault_server, price=(1.0, 2.0))
    assert llm.free_server is None  # the price overrides the local-is-free rule
    suggestions = llm.suggest([Item(str(i), text) for i, text in enumerate(TEXTS)], LABELS)
    assert sorted((s.input_tokens, s.output_tokens) for s in suggestions) == sorted(served_usage(fault_server))
    litellm = get_litellm()
    for s in suggestions:
        assert s.cost == pytest.approx((s.input_tokens * 1.0 + s.output_tokens * 2.0) / 1e6, rel=1e-12)
        prompt_cost, answer_cost = litellm.cost_per_token(
            model="openai/fake",
            prompt_tokens=s.input_tokens,
            completion_tokens=s.output_tokens,
            custom_cost_per_token={"input_cost_per_token": 1.0 / 1e6, "output_cost_per_token": 2.0 / 1e6},
        )
        assert s.cost == prompt_cost + answer_cost


def test_a_price_estimates_before_spending_and_scales_with_the_price(fault_server: FaultServer) -> None:
    items = [Item(str(i), text) for i, text in enumerate(TEXTS)]
    single = make_llm(fault_server, price=(1.0, 2.0)).estimate_cost(items, LABELS)
    double = make_llm(fault_server, price=(2.0, 4.0)).estimate_cost(items, LABELS)
    input_only = make_llm(fault_server, price=(1.0, 0.0)).estimate_cost(items, LABELS)
    assert single is not None and double is not None and input_only is not None
    assert 0 < input_only < single and double == pytest.approx(2 * single, rel=1e-12)
    assert make_llm(fault_server, price=(0.0, 0.0)).estimate_cost(items, LABELS) == 0.0
    assert fault_server.request_count == 0


def test_a_paid_local_gateway_is_asked_about_above_confirm_above(
    fault_server: FaultServer, questions: list[str]
) -> None:
    fault_server.default = by_text
    df = pd.DataFrame({"text": TEXTS})
    gateway = make_llm(fault_server, price=(1.0, 2.0))
    with pytest.raises(lw.CostNotConfirmed, match=r"estimated cost \$0\.00 \(openai/fake \$0\.00\), above"):
        lw.suggest(df, gateway, labels=LABELS, progress=False, confirm_above=1e-9)
    assert len(questions) == 1 and fault_server.request_count == 0
    lw.suggest(df, gateway, labels=LABELS, progress=False, confirm_above=1.0)  # a fraction of a cent: no question
    assert len(questions) == 1 and df["suggestion"].tolist() == ["spam", "ham", "ham", "ham"]


def test_compare_reports_the_priced_cost(fault_server: FaultServer) -> None:
    fault_server.default = by_text
    df = pd.DataFrame({"text": TEXTS, "label": ["spam", "ham", "spam", "ham"]})
    gateway = make_llm(fault_server, price=(1.0, 2.0))
    board = lw.compare(df, suggesters={"gateway": gateway}, progress=False, n_boot=0, confirm_above=1.0)
    expected = sum(prompt * 1.0 + answer * 2.0 for prompt, answer in served_usage(fault_server)) / 1e6
    assert board.table.loc["gateway", "cost"] == pytest.approx(expected, rel=1e-12)


def test_the_price_stays_out_of_the_request_the_cache_key_and_other_llms(fault_server: FaultServer, tmp_path) -> None:
    fault_server.default = by_text
    priced = make_llm(fault_server, price=(1.0, 2.0), cache=tmp_path)
    [first] = priced.suggest([Item("1", "WIN a free prize now")], LABELS)
    assert first.cost is not None and first.cost > 0
    sent = json.dumps(fault_server.requests[0])
    assert "cost" not in sent and "price" not in sent
    # Another price asks the same question: the cached answer serves it, at no cost.
    [again] = make_llm(fault_server, price=(3.0, 4.0), cache=tmp_path).suggest(
        [Item("1", "WIN a free prize now")], LABELS
    )
    assert again.cached and again.cost == 0.0 and fault_server.request_count == 1
    # Nothing was registered in litellm's process-wide price list: the same model elsewhere is still unpriced.
    litellm = get_litellm()
    assert not [name for name in litellm.model_cost if "fake" in name]
    elsewhere = LLM("openai/fake", api_base="http://my-gpu-box:8000/v1", cache=False)
    assert elsewhere.estimate_cost([Item("1", "WIN")], LABELS) is None


def test_repr_config_and_pickle_keep_the_price_and_never_the_key(fault_server: FaultServer) -> None:
    llm = make_llm(fault_server, price=(0.15, 0.6))
    text = repr(llm)
    assert "price=(0.15, 0.6)" in text and "free" not in text
    assert "api_key=***" in text and KEY not in text
    config = llm.config()
    assert config["price"] == [0.15, 0.6] and KEY not in json.dumps(config)
    assert make_llm(fault_server).config()["price"] is None
    restored = pickle.loads(pickle.dumps(llm))
    assert restored.price == (0.15, 0.6) and KEY.encode() not in pickle.dumps(llm)


@pytest.mark.parametrize(
    "price",
    [0.15, "0.15, 0.6", (0.15,), (0.15, 0.6, 0.1), ("0.15", "0.6"), (True, 1.0), (-0.1, 0.6), (0.15, float("nan")),
     (float("inf"), 0.6), (10**400, 1.0), {"input": 0.15, "output": 0.6}],
)  # fmt: skip
def test_a_price_that_is_not_two_finite_non_negative_numbers_is_an_input_error(price) -> None:
    with pytest.raises(InputError, match=r"price must be \(input, output\) in dollars per million tokens.*"
                                         r"e\.g\. price=\(0\.15, 0\.60\)"):  # fmt: skip
        LLM("openai/fake", api_base="http://127.0.0.1:9/v1", price=price)
