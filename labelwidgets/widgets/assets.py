"""The front end's ES modules as the one module anywidget loads.

`js/` is written as small ES modules that import each other by relative path (``import { x } from "./answers.js"``)
so that each part can be tested on its own with ``node --test``. anywidget loads a widget's front end as one module
from a string, where relative imports cannot resolve; this inlines each imported module once, in import order,
with its ``export`` keywords removed. No build step, no bundler to install.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from labelwidgets.widgets.display import asset

_IMPORT = re.compile(r'^import\s*\{[^}]*\}\s*from\s*"\./([\w.-]+\.js)";[ \t]*\n', re.MULTILINE)
_EXPORT = re.compile(r"^export\s+(?=(?:async\s+)?function\b|const\b|let\b|class\b)", re.MULTILINE)


@functools.cache
def module_source(name: str) -> str:
    """``js/<name>`` with every module it imports from ``./`` inlined (recursively, each once)."""
    seen: set[str] = set()
    return _inline(asset(name), seen, top=True)


@functools.cache
def style_source(*names: str) -> str:
    """The widget's CSS: ``js/theme.css`` (the colours every widget shares), then each file of ``names``."""
    return "\n".join(asset(name).read_text(encoding="utf-8") for name in ("theme.css", *names))


def _inline(path: Path, seen: set[str], *, top: bool) -> str:
    seen.add(path.name)
    source = path.read_text(encoding="utf-8")

    def replace(match: re.Match[str]) -> str:
        dependency = match.group(1)
        if dependency in seen:
            return ""
        return f"// ----- {dependency} (inlined) -----\n{_inline(path.parent / dependency, seen, top=False)}\n"

    source = _IMPORT.sub(replace, source)
    return source if top else _EXPORT.sub("", source)
