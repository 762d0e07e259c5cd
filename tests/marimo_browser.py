"""A marimo server on 127.0.0.1 (``marimo edit`` or ``marimo run``) for Chromium driven by Playwright.

Shared by the marimo end-to-end tests and the peer-latency benchmark. ``marimo edit`` on a folder serves every
notebook in it, each in its own kernel: one server serves a whole test module, with a notebook per test. The
server's home, config and caches are temporary, and its config runs a notebook's cells when it opens
(``auto_instantiate``), as ``marimo run`` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

from jupyter_browser import free_port

CONFIG = """\
[runtime]
auto_instantiate = true

[completion]
activate_on_typing = false
"""


def notebook_source(cells: list[str]) -> str:
    """A marimo notebook of ``cells`` (Python source each). marimo reads each cell's names from its code, so the
    cell functions need no arguments; a cell's last expression is its output."""
    parts = ["import marimo\n\napp = marimo.App()\n"]
    for code in cells:
        body = textwrap.indent(textwrap.dedent(code).strip() + "\n", "    ")
        parts.append(f"\n\n@app.cell\ndef _():\n{body}    return\n")
    parts.append('\n\nif __name__ == "__main__":\n    app.run()\n')
    return "".join(parts)


class MarimoServer:
    """``marimo <mode> --headless --no-token`` on a free port, for ``target`` (a folder or a notebook file)."""

    def __init__(self, mode: str = "edit", target: Path | None = None) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="lw-marimo-"))
        self.root = self.base / "notebooks"
        self.root.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        home = self.base / "home"
        (home / "config" / "marimo").mkdir(parents=True)
        (home / "config" / "marimo" / "marimo.toml").write_text(CONFIG)
        env = dict(os.environ)
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_DATA_HOME=str(home / "data"),
            LITELLM_LOCAL_MODEL_COST_MAP="True",
        )
        self.log = open(self.base / "server.log", "w")  # closed in stop()
        command = [sys.executable, "-m", "marimo", mode, "--headless", "--no-token"]
        command += ["--skip-update-check"] if mode == "edit" else []  # `marimo run` has no such option
        command += ["--host", "127.0.0.1", "--port", str(self.port), str(target or self.root)]
        self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"marimo exited early:\n{(self.base / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"marimo did not answer /health within {timeout:.0f} s")

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        path = self.root / name
        path.write_text(notebook_source(cells), encoding="utf-8")
        return path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/?file={name}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.base, ignore_errors=True)


def cells(page: Any) -> Any:
    """The notebook's cells in the page (marimo's editor and app view)."""
    return page.locator(".marimo-cell")


_WATCH_RUN = """(cell) => {
  const watch = (window.__lwRun = {busy: false});
  const check = () => {
    const status = cell.querySelector("[data-testid=cell-status]");
    if (status && status.dataset.status !== "idle") watch.busy = true;
  };
  watch.observer = new MutationObserver(check);
  watch.observer.observe(cell, {subtree: true, childList: true, attributes: true});
}"""

_RUN_DONE = """() => window.__lwRun.busy && [...document.querySelectorAll("[data-testid=cell-status]")]
  .every((status) => status.dataset.status === "idle")"""


def run_cell(page: Any, index: int, timeout: float = 60_000) -> None:
    """Run the ``index``-th cell from its editor, as a person does (Ctrl+Enter), and wait until it and the cells
    that depend on it have run (its status left idle, then every cell's is idle again)."""
    cell = cells(page).nth(index)
    cell.evaluate(_WATCH_RUN)
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(_RUN_DONE, timeout=timeout)
    page.evaluate("() => window.__lwRun.observer.disconnect()")
