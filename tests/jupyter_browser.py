"""A JupyterLab server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Shared by the end-to-end tests and the browser benchmarks. One server and one browser
serve a whole test session; every test gets its own notebook (and so its own kernel).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat

CHROMIUM = os.environ.get("LABELWIDGETS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class JupyterServer:
    """An isolated JupyterLab (which also serves Notebook 7) in a temporary folder."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="lw-jupyter-"))
        self.root = self.base / "notebooks"
        self.root.mkdir()
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for name, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (self.base / sub).mkdir()
            env[name] = str(self.base / sub)
        notification = self.base / "settings" / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True)
        (notification / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
        # Save widget state into notebooks, so tests can check what a saved notebook would carry.
        widgets = self.base / "settings" / "@jupyter-widgets" / "jupyterlab-manager"
        widgets.mkdir(parents=True)
        (widgets / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))
        env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        self.log = open(self.base / "server.log", "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",
                "--LabApp.expose_app_in_browser=True",
                "--JupyterNotebookApp.expose_app_in_browser=True",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{(self.base / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("JupyterLab did not answer /api/status within 60 s")

    def write_notebook(self, name: str, cells: list[str]) -> str:
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nbformat.write(notebook, self.root / name)
        return name

    def lab_url(self, name: str, workspace: str | None = None) -> str:
        # Two JupyterLab tabs on one workspace fight over it: the second one is redirected to a new workspace
        # while it loads. Pages open side by side get a workspace each.
        where = f"/lab/workspaces/{workspace}" if workspace else "/lab"
        return f"{self.url}{where}/tree/{name}?token={self.token}&reset"

    def notebook7_url(self, name: str) -> str:
        return f"{self.url}/notebooks/{name}?token={self.token}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def chromium() -> Iterator[Any]:
    """A fresh headless Chromium profile. Never `playwright install`: it downloads its own browser."""
    from playwright.sync_api import expect, sync_playwright

    # A page that never shows what a test expects fails the same at any timeout; a kernel slowed by a loaded CI
    # machine (two test workers, a browser each) may need more than Playwright's 5 s to answer.
    expect.set_options(timeout=15_000)
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} not found. The browser tests use Debian's Chromium: apt-get install -y chromium "
            f"(or set LABELWIDGETS_CHROMIUM to another Chromium binary)."
        )
    profile = tempfile.mkdtemp(prefix="lw-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


# JavaScript run in the page through the app that JupyterLab/Notebook 7 expose as window.jupyterapp.
_WAIT_KERNEL_JS = """
async () => {
  const app = window.jupyterapp;
  await app.restored;
  let panel = null;
  for (let i = 0; i < 600 && !panel; i++) {
    const w = app.shell.currentWidget;
    if (w && w.sessionContext && w.content && w.content.model) panel = w;
    else await new Promise(r => setTimeout(r, 50));
  }
  if (!panel) throw new Error("no notebook panel");
  await panel.context.ready;
  await panel.sessionContext.ready;
  for (let i = 0; i < 1200; i++) {
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (kernel && kernel.status === "idle" && kernel.connectionStatus === "connected") return true;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error("kernel never became idle");
}
"""

_EXECUTE_JS = """
async (code) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code, stop_on_error: true, store_history: false });
  let out = "";
  let error = null;
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type;
    if (t === "stream") out += msg.content.text;
    else if (t === "execute_result") out += msg.content.data["text/plain"];
    else if (t === "error") {
      error = msg.content.ename + ": " + msg.content.evalue + "\\n" + msg.content.traceback.join("\\n");
    }
  };
  await future.done;
  return { out, error };
}
"""

_CELLS_JS = """
() => {
  const model = window.jupyterapp.shell.currentWidget.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const c = model.cells.get(i);
    cells.push([c.type, c.sharedModel.getSource()]);
  }
  return cells;
}
"""


class NotebookPage:
    """One notebook open in JupyterLab (or Notebook 7) with a ready kernel."""

    def __init__(self, page: Any, server: JupyterServer, name: str):
        self.page = page
        self.server = server
        self.name = name

    @classmethod
    def open(
        cls,
        context: Any,
        server: JupyterServer,
        name: str,
        cells: list[str],
        *,
        ui: str = "lab",
        workspace: str | None = None,
    ) -> NotebookPage:
        server.write_notebook(name, cells)
        page = context.new_page()
        url = server.lab_url(name, workspace) if ui == "lab" else server.notebook7_url(name)
        page.goto(url)
        notebook = cls(page, server, name)
        notebook.wait_kernel()
        return notebook

    def wait_kernel(self) -> None:
        self.page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        self.page.evaluate(_WAIT_KERNEL_JS)

    def run_all(self) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

    def execute(self, code: str) -> str:
        """Run ``code`` in the notebook's kernel (not as a cell) and return what it printed."""
        result = self.page.evaluate(_EXECUTE_JS, code)
        if result["error"]:
            raise AssertionError(f"kernel error:\n{result['error']}")
        return str(result["out"])

    def evaluate_json(self, expression: str) -> Any:
        """The value of ``expression`` in the kernel; DataFrames and Series as lists with None for missing."""
        code = (
            "import json as _json, pandas as _pd\n"
            "_value = " + expression + "\n"
            "if isinstance(_value, (_pd.DataFrame, _pd.Series)):\n"
            "    _value = _value.astype(object).where(_value.notna(), None).values.tolist()\n"
            "print(_json.dumps(_value, default=str))"
        )
        return json.loads(self.execute(code))

    def cells(self) -> list[list[str]]:
        return list(self.page.evaluate(_CELLS_JS))

    def save(self) -> dict[str, Any]:
        """Save the notebook from the browser, as a person would, and return the file's JSON."""
        self.page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")
        return dict(json.loads((self.server.root / self.name).read_text()))

    def restart_kernel(self) -> None:
        self.page.evaluate(
            "async () => { await window.jupyterapp.shell.currentWidget.sessionContext.restartKernel(); }"
        )
        self.page.evaluate(_WAIT_KERNEL_JS)

    def close(self) -> None:
        self.page.close()
