"""Widget messages and trait changes leave from the kernel's thread only; suggestion errors go with their item."""

from __future__ import annotations

import queue
import textwrap
import threading
import time
from typing import Any

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.widgets.labeler import OnKernelThread


class FakeKernelLoop:
    """Stands in for ipykernel's ``io_loop``: callbacks handed over from other threads wait for the kernel's turn."""

    def __init__(self) -> None:
        self.calls: queue.Queue[tuple[Any, tuple[Any, ...]]] = queue.Queue()

    def add_callback(self, fn: Any, *args: Any) -> None:
        self.calls.put((fn, args))

    def run_pending(self) -> int:
        ran = 0
        while not self.calls.empty():
            fn, args = self.calls.get()
            fn(*args)
            ran += 1
        return ran


class GatedRules:
    """A rules suggester that answers only once released, on the prefetcher's worker threads."""

    name = "rules"

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.gate = threading.Event()
        self.threads: set[str] = set()

    def suggest(self, items, labels):  # type: ignore[no-untyped-def]
        self.gate.wait(10)
        self.threads.add(threading.current_thread().name)
        return [lw.Suggestion(label=self.answers.get(item.text, "ham")) for item in items]


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def test_suggestions_and_status_reach_the_browser_from_the_kernels_thread_only(store_path):
    suggester = GatedRules({"t1": "spam", "t2": "maybe spam?"})
    df = pd.DataFrame({"text": [f"t{i}" for i in range(6)]})
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, suggester=suggester, prefetch=4)
    widget = labeler.widget
    loop = FakeKernelLoop()
    kernel_thread = threading.current_thread()
    widget._on_kernel = OnKernelThread(loop=loop, thread=kernel_thread.ident)
    sends: list[tuple[str, dict[str, Any]]] = []
    widget.send = lambda content, buffers=None: sends.append((threading.current_thread().name, content))  # type: ignore[method-assign]
    status_threads: list[str] = []
    widget.observe(lambda change: status_threads.append(threading.current_thread().name), names="status")
    try:
        suggester.gate.set()  # the answers come back on worker threads
        # five suggestions (the current item and 4 ahead), each handed over; the invalid one also queues a status
        wait_until(lambda: loop.calls.qsize() >= 6)
        assert sends == [] and status_threads == []  # nothing left from a worker thread
        loop.run_pending()
        assert suggester.threads and all(name.startswith("labelwidgets-suggest") for name in suggester.threads)
        assert {name for name, _ in sends} == {kernel_thread.name}
        assert set(status_threads) <= {kernel_thread.name}
        ranks = {m["rank"]: m for _, m in sends if m["type"] == "suggestion"}
        assert ranks[1]["status"] == "ready" and ranks[2]["status"] == "invalid"
        assert ranks[2]["suggestion"]["raw"] == "maybe spam?"
        # A decision made in the kernel's thread is sent at once, in order with its acknowledgement.
        widget._on_message(widget, {"type": "decide", "intent": "label", "label": "ham", "rank": 0,
                                    "client": "v", "seq": 1}, [])  # fmt: skip
        kinds = [m["type"] for _, m in sends[-2:]]
        assert kinds == ["item", "ack"] and loop.calls.empty()
    finally:
        labeler.close()


def test_calls_follow_the_thread_that_delivers_the_widgets_messages() -> None:
    """JupyterLab 4 opens a subshell for widget traffic: its thread, not the main one, is where calls must run."""
    import asyncio

    on_kernel = OnKernelThread(loop=FakeKernelLoop(), thread=threading.get_ident())
    ran: list[str] = []

    def subshell() -> None:
        async def serve() -> None:
            arrived = asyncio.Event()
            on_kernel.follow()  # a message of the widget is delivered on this thread
            worker = threading.Thread(target=on_kernel, args=(lambda: (ran.append(threading.current_thread().name),
                                                                       arrived.set()),), name="worker")  # fmt: skip
            worker.start()
            await asyncio.wait_for(arrived.wait(), 10)
            worker.join()

        asyncio.run(serve())

    thread = threading.Thread(target=subshell, name="subshell-1")
    thread.start()
    thread.join()
    assert ran == ["subshell-1"]


def test_without_a_kernel_calls_happen_where_they_are_made() -> None:
    on_kernel = OnKernelThread()
    assert on_kernel.loop is None  # plain Python: no io_loop to hand over to
    seen: list[str] = []
    worker = threading.Thread(target=on_kernel, args=(lambda: seen.append(threading.current_thread().name),),
                              name="worker")  # fmt: skip
    worker.start()
    worker.join()
    assert seen == ["worker"]


def test_an_invalid_suggestion_is_shown_with_its_item_and_not_in_the_banner(store_path):
    class Rules:
        name = "rules"

        def suggest(self, items, labels):  # type: ignore[no-untyped-def]
            out = []
            for item in items:
                if item.text == "boom":
                    raise RuntimeError("the rules service is down")
                out.append(lw.Suggestion(label={"a": "spam", "b": "probably spam"}.get(item.text, "ham")))
            return out

    df = pd.DataFrame({"text": ["a", "b", "c", "boom"]})
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, suggester=Rules(), prefetch=4)
    widget = labeler.widget
    try:
        wait_until(lambda: all(labeler.session.suggestion_status(r) in ("ready", "invalid") for r in range(4)))
        wait_until(lambda: len(labeler.errors) == 2)
        item = widget.item_payload(1)
        assert item["suggestion_status"] == "invalid"
        assert item["suggestion"]["raw"] == "probably spam" and "not one of the labels" in item["suggestion"]["error"]
        # The banner (status errors) is for the whole session: the failing service, not one item's odd answer.
        assert widget.status["errors"] == ["RuntimeError: the rules service is down"]
        assert widget.status["n_errors"] == 1
        assert len(labeler.errors) == 2  # Python still lists every distinct error
        with pytest.raises(lw.InputError):
            labeler.session.decide("accept", rank=1)  # an invalid suggestion cannot be accepted
    finally:
        labeler.close()


def test_in_a_real_kernel_suggestions_are_sent_from_the_kernels_thread(tmp_path):
    """ipykernel's io_loop is found and used: a worker thread's suggestion is sent from the main thread."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        code = textwrap.dedent(
            """
            import threading, time, pandas as pd, labelwidgets as lw
            gate = threading.Event()
            class Slow:
                name = "slow"
                def suggest(self, items, labels):
                    gate.wait(10)
                    return [lw.Suggestion(label="ham") for _ in items]
            labeler = lw.Labeler(pd.DataFrame({"text": list("abcdef")}), labels=["ham", "spam"], store=None,
                                 suggester=Slow(), prefetch=4)
            widget = labeler.widget
            threads = []
            _send = widget.send
            def send(content, buffers=None):
                threads.append((threading.current_thread().name, content["type"]))
                _send(content, buffers)
            widget.send = send
            status_threads = []
            widget.observe(lambda change: status_threads.append(threading.current_thread().name), names="status")
            gate.set()
            """
        )
        reply = kc.execute_interactive(code, timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        out: list[str] = []
        check = "print(sorted(set(threads)), len([t for t in threads if t[1] == 'suggestion']), set(status_threads))"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            out.clear()
            kc.execute_interactive(
                "time.sleep(0.2)\n" + check,
                timeout=30,
                output_hook=lambda msg: out.append(msg["content"].get("text", "")),
            )
            if "('MainThread', 'suggestion')" in "".join(out):
                break
        text = "".join(out)
        assert "('MainThread', 'suggestion')" in text, text
        assert "labelwidgets-suggest" not in text, text
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
