"""The front end's pure parts (js/*.js without the DOM) under Node's own test runner, and the inlined module."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from labelwidgets.widgets.assets import bundle, module_source, style_source, without_comment_lines

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


def _run_module(path: Path) -> str:
    node = shutil.which("node")
    assert node
    run = subprocess.run(
        [node, "-e", f"import({str(path)!r}).then(m => console.log(JSON.stringify(m.default)))"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip()


def test_joining_follows_subfolders_aliases_and_keeps_each_modules_names_to_itself(tmp_path):
    (tmp_path / "kinds").mkdir()
    (tmp_path / "dom.js").write_text(
        'export const seen = [];\nconst paint = "dom";\nexport function h(x) { seen.push(x); return paint + x; }\n'
    )
    (tmp_path / "kinds" / "single.js").write_text(
        'import { h } from "../dom.js";\nconst paint = "single";\nexport function create() { return h(paint); }\n'
    )
    (tmp_path / "kinds" / "multi.js").write_text(
        'import {\n  h,\n  seen,\n} from "../dom.js";\nconst paint = "multi";\n'
        "export function create() { return h(paint) + seen.length; }\n"
    )
    (tmp_path / "kinds" / "index.js").write_text(
        'import { create as single } from "./single.js";\nimport { create as multi } from "./multi.js";\n'
        "export const PARTS = { single, multi };\n"
    )
    (tmp_path / "main.js").write_text(
        'import { PARTS } from "./kinds/index.js";\nimport { seen } from "./dom.js";\n'
        "export default { a: PARTS.single(), b: PARTS.multi(), seen };\n"
    )
    source = bundle(tmp_path / "main.js")
    assert 'from "' not in source and source.count('const paint = "dom"') == 1  # each module once
    assert source.index("dom.js (joined in)") < source.index("kinds/single.js (joined in)")  # dependencies first
    bundled = tmp_path / "bundled.mjs"
    bundled.write_text(source)
    # one module instance: the two kinds share dom.js's state; no module sees another's private `paint`
    assert _run_module(bundled) == '{"a":"domsingle","b":"dommulti2","seen":["single","multi"]}'


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({"main.js": 'import { a } from "./a.js";\n', "a.js": 'import { b } from "./main.js";\nexport const a = 1;\n'},
         "import cycle"),
        ({"main.js": 'import { a } from "./a.js";\n', "a.js": "const a = 1;\nexport { a };\n"}, "unsupported export"),
        ({"main.js": 'import { a } from "./a.js";\n', "a.js": "export default 1;\n"}, "unsupported export"),
        ({"main.js": 'import { a } from "./missing.js";\n'}, "does not exist"),
        ({"main.js": 'import { a } from "./a.js";\n', "a.js": 'import x from "./b.js";\nexport const a = 1;\n'},
         "unsupported import"),
    ],
)  # fmt: skip
def test_joining_refuses_what_it_cannot_join(tmp_path, files, error):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ValueError, match=error):
        bundle(tmp_path / "main.js")


def test_the_browser_gets_the_modules_without_their_comment_lines(tmp_path):
    source = (
        "// @ts-check\n/**\n * Why this is so.\n * @param {string} x\n */\n"
        "export function f(x) { return x + '//' + \"/* no */\"; } // kept: after code\n"
        "/* one line */ const g = 1;\n/* a block\n ending */ const h = 2;\n  // indented\nexport default { f, g, h };\n"
    )
    assert without_comment_lines(source) == (
        "export function f(x) { return x + '//' + \"/* no */\"; } // kept: after code\n"
        "/* one line */ const g = 1;\nconst h = 2;\nexport default { f, g, h };\n"
    )
    template = "const css = `\n// inside a template literal\n`;\n// a comment\n"
    assert without_comment_lines(template) == template  # a line of a template literal is never cut
    (tmp_path / "main.mjs").write_text(without_comment_lines(source))
    assert _run_module(tmp_path / "main.mjs") == '{"g":1,"h":2}'
    shipped = module_source("labeler.js")
    assert "@param" not in shipped and "@typedef" not in shipped  # the JSDoc stays in js/, for its readers
