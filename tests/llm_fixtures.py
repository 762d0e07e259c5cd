"""Fixtures for suggester tests: a scriptable fault server, a real llama-cpp-python server, a cache dir.

Import them into a test module or conftest.py:

    from llm_fixtures import fault_server, llama_server, llm_cache_dir  # noqa: F401

The llama server and the learned-capabilities reset work once per process however many
modules import them.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_server import FaultServer

from labelwidgets.suggesters.llm import llm as llm_module
from labelwidgets.suggesters.local import bundled_model_path


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh fault server per test; what a model remembered about the previous one is forgotten."""
    llm_module.forget_capabilities()
    with FaultServer() as server:
        yield server


@pytest.fixture
def llm_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private LLM cache for the test, also used by LLMs created with the default cache=True."""
    monkeypatch.setenv("LABELWIDGETS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "llm"


@pytest.fixture(scope="session")
def llama_server() -> str:
    """The api_base of a llama-cpp-python server running the bundled SmolLM2 model, shared by the session."""
    return _llama_server_url()


_server_lock = threading.Lock()
_server: dict[str, object] = {}


def _llama_server_url(timeout: float = 120.0) -> str:
    with _server_lock:
        if "url" in _server:
            return str(_server["url"])
        port = _free_port()
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(bundled_model_path()),
            "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", "2048",
            "--n_threads", str(max(1, (os.cpu_count() or 2) // 2)),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
        atexit.register(_stop, process)
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {process.returncode}: {' '.join(command)}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                    if response.status == 200:
                        _server["url"] = url
                        return url
            except OSError:
                time.sleep(0.25)
        _stop(process)
        raise RuntimeError(f"llama_cpp.server did not answer within {timeout:g} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # If pytest is killed, the server must not outlive it (Linux only; elsewhere atexit does the work).
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
