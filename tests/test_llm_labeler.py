"""An LLM behind the labeler, over real HTTP on 127.0.0.1: prefetching, waiting, errors, and keys that never leak."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from fault_server import FaultServer, Reply

import labelwidgets as lw

SECRET = "sk-test-THIS-MUST-NEVER-LEAK-0123456789"


def sms(n: int) -> pd.DataFrame:
    return lw.datasets.sms_spam().head(n).copy()


def annotate(labeler: lw.Labeler, n: int, seconds_per_item: float) -> int:
    """A scripted annotator who reads each item for a fixed time, then accepts; returns how often they waited."""
    for _ in range(n):
        time.sleep(seconds_per_item)
        labeler.accept()
    return labeler.stats["suggestion_waits"]


# A person far faster than the model (one request at a time: 5 items/s at most, against 50 a second of reading
# time, so that however slow a loaded machine makes each accept() they outrun it), and one slower than four requests
# at a time (at most 20 items/s, against about 3 a second).
@pytest.mark.parametrize(("reading_seconds", "concurrency", "expect_waits"), [(0.02, 1, "often"), (0.35, 4, "never")])
def test_prefetch_keeps_suggestions_ahead_of_an_annotator_slower_than_the_model(
    store_path, llm_cache_dir, reading_seconds, concurrency, expect_waits
):
    with FaultServer(latency=0.2, default=Reply.label("spam")) as server:
        llm = lw.LLM("openai/fake", api_base=server.url, api_key=SECRET, cache=False, max_concurrency=concurrency)
        labeler = lw.Labeler(sms(30), labels=["ham", "spam"], store=store_path, suggester=llm, prefetch=6)
        time.sleep(0.3)  # the first suggestions arrive while the person reads the first item
        waits = annotate(labeler, 12, reading_seconds)
        assert labeler.stats["accepted"] == 12
        if expect_waits == "never":
            assert waits == 0
        else:
            # 12 items need 2.4 s of the model, of which the person reads 0.24 s (and it had 0.3 s ahead)
            assert waits >= 3 and sum(labeler.session.waits) > 0.5
        assert server.max_in_flight <= concurrency
        labeler.close()


def test_an_authentication_error_is_reported_once_and_labeling_goes_on(store_path, fault_server, llm_cache_dir):
    fault_server.default = Reply.error(401, "Incorrect API key provided")
    llm = lw.LLM("openai/fake", api_base=fault_server.url, api_key=SECRET, cache=False, max_retries=0)
    labeler = lw.Labeler(sms(10), labels=["ham", "spam"], store=store_path, suggester=llm, prefetch=5)
    for label in ["ham", "spam", "ham"]:
        assert labeler.label(label).action == "labeled"
    assert len(labeler.errors) == 1, labeler.errors
    assert "401" in labeler.errors[0] or "API key" in labeler.errors[0]
    assert SECRET not in labeler.errors[0]
    labeler.close()


def test_api_keys_never_reach_widget_state_the_store_or_the_log(store_path, fault_server, llm_cache_dir):
    fault_server.default = Reply.label("spam", probabilities={"spam": 0.8, "ham": 0.2})
    llm = lw.LLM("openai/fake", api_base=fault_server.url, api_key=SECRET)
    labeler = lw.Labeler(sms(5), labels=["ham", "spam"], store=store_path, suggester=llm)
    labeler.accept()
    labeler.label("ham")
    widget = labeler.widget
    payloads = [widget.item_payload(r) for r in range(5)]
    everything = json.dumps([widget.get_state(), payloads, labeler.stats, labeler.errors], default=str)
    everything += labeler.decisions.to_json(date_format="iso") + repr(llm) + repr(labeler)
    assert SECRET not in everything
    labeler.close()
    for path in Path(store_path).parent.glob("labels.db*"):
        assert SECRET.encode() not in path.read_bytes()
    for path in Path(llm_cache_dir).parent.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert fault_server.headers[0].get("authorization", "").endswith(SECRET)  # it did go where it belongs
