"""The plotly.js the package ships for the Dashboard's view (labelwidgets/widgets/plotly_js/): the version of the
installed plotly's plotly.js, with every trace type the view's figures use, checked on the bundle itself, imported
in Node with a stand-in DOM, as the page inflates it."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.widgets.dashboard import _PLOTLY_JS, _VIEW_ESM, PLOTLY_JS_BUNDLE, PLOTLY_JS_VERSION, Dashboard

# Imports the bundle as the page does (an ES module, default export Plotly) with a DOM where everything exists and
# does nothing, enough for plotly.js to define itself; prints its version, the trace types registered in it, and
# whether it set window.Plotly.
PROBE = """
const fake = () => new Proxy(function () {}, {
  get: (target, key) => (key === Symbol.toPrimitive ? () => "" : key === "length" ? 0 : key in target ? target[key]
                         : fake()),
  apply: () => fake(),
  construct: () => fake(),
});
globalThis.window = globalThis;
globalThis.self = globalThis;
globalThis.document = fake();
Object.defineProperty(globalThis, "navigator", {value: {userAgent: "node"}, configurable: true});
for (const name of ["DOMParser", "HTMLElement", "Element", "Node", "SVGElement", "Image", "XMLSerializer",
                    "getComputedStyle", "requestAnimationFrame", "matchMedia"]) globalThis[name] ??= fake();
const {default: Plotly} = await import(process.argv[2]);
console.log(JSON.stringify({version: Plotly.version, traces: Object.keys(Plotly.PlotSchema.get().traces),
                            global: "Plotly" in globalThis}));
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed to check the plotly.js bundle: apt-get install -y nodejs"
    folder = tmp_path_factory.mktemp("plotly_js")
    probe, module = folder / "probe.mjs", folder / "plotly.mjs"
    probe.write_text(PROBE, encoding="utf-8")
    module.write_bytes(gzip.decompress(_PLOTLY_JS.read_bytes()))  # what the page inflates
    run = subprocess.run([node, str(probe), str(module)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _dashboard_trace_types() -> set[str]:
    """The trace types of every figure a Dashboard's view draws: with a suggester, without, and of sets of labels
    with and without suggestions."""
    df = pd.DataFrame({"text": [f"item {i}" for i in range(8)], "llm": ["x", "y"] * 4, "p": 0.7})
    df["llm_set"] = [["x"], ["x", "y"], [], ["y"]] * 2
    options = [
        {"suggester": lw.FromColumn("llm", confidence="p")},
        {},
        {"kind": "multi"},
        {"kind": "multi", "suggester": lw.FromColumn("llm_set")},
    ]
    types = set()
    for option in options:
        labeler = lw.Labeler(df.copy(), labels=["x", "y"], store=None, **option)
        labeler.label(["x"] if option.get("kind") == "multi" else "x")
        dash = Dashboard(labeler)
        assert dash.wait(60)
        types |= {trace.get("type", "scatter") for trace in dash.view.figure["data"]}
        dash.close()
    return types


def test_the_bundle_is_the_plotly_js_of_the_installed_plotly(bundle):
    from plotly.offline import get_plotlyjs_version

    assert bundle["version"] == PLOTLY_JS_VERSION == get_plotlyjs_version(), (
        "plotly.js in labelwidgets/widgets/plotly_js differs from the installed plotly's: rebuild it "
        "(labelwidgets/widgets/plotly_js/README.md)"
    )
    assert not bundle["global"]  # an ES module: it leaves the page's window.Plotly alone


def test_the_bundle_has_every_trace_type_the_dashboard_draws_and_no_other(bundle):
    drawn = _dashboard_trace_types()
    assert drawn == {"scatter", "bar", "heatmap"}
    assert drawn <= set(bundle["traces"]), f"not in the bundle: {drawn - set(bundle['traces'])}"
    assert sorted(bundle["traces"]) == sorted(PLOTLY_JS_BUNDLE.split("-"))  # what the bundle's name says


def test_the_bundle_ships_with_its_licence_and_where_it_came_from():
    folder = _PLOTLY_JS.parent
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "Plotly" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "scripts/plotly_bundle" in (folder / "README.md").read_text(encoding="utf-8")
    assert f"plotly.js@{PLOTLY_JS_VERSION}" in (folder / "bundled-packages.md").read_text(encoding="utf-8")
    header = gzip.decompress(_PLOTLY_JS.read_bytes())[:200].decode()
    assert header.startswith(f"/*! plotly.js v{PLOTLY_JS_VERSION} ")
    # the package holds this bundle only: an old one left behind would be shipped for nothing
    assert sorted(p.name for p in folder.glob("*.mjs*")) == [_PLOTLY_JS.name]


def test_the_views_module_loads_in_node_with_both_lifecycle_hooks(tmp_path):
    node = shutil.which("node")
    assert node
    module = tmp_path / "dashboard_view.mjs"
    module.write_text(_VIEW_ESM, encoding="utf-8")
    code = f"import({str(module)!r}).then(m => console.log(typeof m.default.initialize, typeof m.default.render))"
    run = subprocess.run([node, "-e", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["function", "function"], run.stderr[-2000:]
