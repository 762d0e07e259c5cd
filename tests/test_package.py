"""The package itself: a light import, a stable public surface, the bundled data."""

from __future__ import annotations

import subprocess
import sys

import labelwidgets as lw


def test_import_is_light():
    code = (
        "import sys, time; t = time.perf_counter(); import labelwidgets; dt = time.perf_counter() - t; "
        "heavy = [m for m in ('litellm', 'llama_cpp', 'plotly', 'anywidget', 'sqlalchemy', 'sklearn', 'scipy') "
        "if m in sys.modules]; print(heavy, dt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy, _seconds = out.rsplit(" ", 1)
    assert heavy == "[]"  # what import costs is what it imports; its time varies with the machine's load


def test_bundled_dataset():
    df = lw.datasets.sms_spam()
    assert df.shape == (500, 2)
    assert set(df["gold"]) == {"ham", "spam"}
    assert df.index.is_unique and df["text"].str.len().min() > 0


def test_unknown_attribute_is_an_attribute_error():
    try:
        lw.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def _in_kernel(tmp_path, cells: list[str], env: dict[str, str] | None = None) -> list[str]:
    """Run ``cells`` in a real IPython kernel, one execute request each; the text each printed."""
    import os

    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env={**os.environ, **(env or {})})
    try:
        printed = []
        for code in cells:
            out: list[str] = []
            reply = kc.execute_interactive(
                code, timeout=120, output_hook=lambda msg, out=out: out.append(msg["content"].get("text", ""))
            )
            assert reply["content"]["status"] == "ok", reply["content"]
            printed.append("".join(out).strip())
        return printed
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


WARM_THREAD = "[t.name for t in __import__('threading').enumerate() if t.name == 'labelwidgets-warm-up']"


def test_outside_a_kernel_nothing_is_warmed_up():
    code = f"import labelwidgets, time; time.sleep(0.5); import sys; print({WARM_THREAD}, 'anywidget' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "False"]


def test_in_a_kernel_the_first_labelers_modules_are_imported_in_the_background(tmp_path):
    """`import labelwidgets` returns at once; SQLAlchemy, anywidget and the labeler load before they are needed."""
    import_cell = f"import sys, labelwidgets as lw\nprint({WARM_THREAD}, 'labelwidgets.labeler' in sys.modules)\n"
    after = (
        "from labelwidgets import warm_up; warm_up.wait()\n"
        "print(sorted(m for m in warm_up.MODULES if m in sys.modules) == sorted(warm_up.MODULES))"
    )
    started, done = _in_kernel(tmp_path, [import_cell, after])
    assert started == "['labelwidgets-warm-up'] False"  # the import itself did not wait for them
    assert done == "True"


def test_a_labeler_made_in_the_cell_that_imports_the_package_waits_for_the_warm_up(tmp_path):
    """The person's thread and the warm-up never import the package's modules at the same moment."""
    cell = (
        "import pandas as pd, labelwidgets as lw\n"
        "labeler = lw.Labeler(pd.DataFrame({'text': ['a', 'b']}), labels=['x', 'y'], store=None)\n"
        "labeler.label('x')\n"
        "print(labeler.df['label'].tolist(), type(labeler.widget).__name__)"
    )
    for _ in range(3):  # fresh kernels: the race, if there were one, is at a different point each time
        (out,) = _in_kernel(tmp_path, [cell])
        assert out == "['x', <NA>] LabelerWidget"


def test_the_warm_up_can_be_turned_off(tmp_path):
    (out,) = _in_kernel(
        tmp_path,
        [f"import sys, time, labelwidgets; time.sleep(0.5); print({WARM_THREAD}, 'anywidget' in sys.modules)"],
        env={"LABELWIDGETS_WARM_UP": "0"},
    )
    assert out == "[] False"
