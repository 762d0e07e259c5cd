from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# litellm must never reach for a remote price list in tests (it stalls offline).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def jupyter_server() -> Iterator[object]:
    from jupyter_browser import JupyterServer

    server = JupyterServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_context() -> Iterator[object]:
    from jupyter_browser import chromium

    with chromium() as context:
        yield context


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "labels.db"


# Suggester fixtures: a scriptable fault-injecting server, a real llama-cpp-python server, a private LLM cache.
from llm_fixtures import fault_server, llama_server, llm_cache_dir  # noqa: E402, F401

# Store fixtures: a real PostgreSQL server (a throwaway cluster), fresh databases, and a store URL per backend.
from pg_fixtures import (  # noqa: E402, F401
    any_store_url,
    fresh_postgres_url,
    postgres_cluster,
    postgres_url,
    restartable_postgres,
)
