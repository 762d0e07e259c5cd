"""What the user-facing objects share about being shown in a notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def asset(name: str) -> Path:
    """A front-end file: installed wheels carry js/ as labelwidgets/_static; a source checkout has it at the top."""
    package = Path(__file__).parent.parent
    packaged = package / "_static" / name
    return packaged if packaged.exists() else package.parent / "js" / name


def mimebundle_with_text(widget: Any, text: str, **kwargs: Any) -> Any:
    """``widget``'s display bundle with ``text`` as its text/plain, so nbval can compare saved outputs."""
    bundle = widget._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    if isinstance(data, dict):
        data["text/plain"] = text
    return bundle
