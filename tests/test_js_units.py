"""The front end's pure parts (js/*.js without the DOM) under Node's own test runner, and the inlined module."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from labelwidgets.widgets.assets import module_source, style_source

JS = Path(__file__).resolve().parent.parent / "js"


def test_js_unit_tests_pass_under_node_test():
    node = shutil.which("node")
    assert node, "Node.js is needed for the front end's unit tests: apt-get install -y nodejs"
    tests = sorted(str(p) for p in (JS / "tests").glob("*.test.js"))
    assert tests, "no js/tests/*.test.js found"
    run = subprocess.run([node, "--test", *tests], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


@pytest.mark.parametrize("name", ["labeler.js", "leaderboard.js"])
def test_each_widget_module_inlines_each_import_once_and_loads_in_node(tmp_path, name):
    source = module_source(name)
    assert 'from "./' not in source  # nothing left for the browser to resolve
    assert source.count("function h(") == 1  # the shared DOM helpers, once
    assert "export function" not in source  # the inlined module's exports are plain declarations
    bundle = tmp_path / name.replace(".js", ".mjs")
    bundle.write_text(source, encoding="utf-8")
    node = shutil.which("node")
    assert node
    run = subprocess.run(
        [node, "-e", f"import({str(bundle)!r}).then(m => console.log(typeof m.default.render))"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.stdout.strip() == "function", run.stderr[-2000:]


def test_every_widget_gets_the_one_theme():
    for css in ("labeler.css", "leaderboard.css"):
        source = style_source(css)
        assert source.count("--lw-fg:") == 1 and "prefers-color-scheme: dark" in source
