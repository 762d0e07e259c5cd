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
    heavy, seconds = out.rsplit(" ", 1)
    assert heavy == "[]"
    assert float(seconds) < 1.0


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
