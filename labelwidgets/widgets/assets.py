"""The front end's ES modules as the one module anywidget loads.

`js/` is written as small ES modules that import each other by relative path (``import { x } from "./answers.js"``,
``import { h } from "../dom.js"`` from a subfolder such as ``js/kinds/``) so that each part can be tested on its own
with ``node --test``. anywidget loads a widget's front end as one module from a string, where relative imports
cannot resolve; this joins them into one module. No build step, no bundler to install.

Each imported module is evaluated once, before the modules that import it (as the browser would), inside its own
function scope: its private names never meet another module's, so two modules may both have a ``paint`` or a
``create``. Its exports come out of that scope as an object, and each ``import { a, b as c } from "./x.js";`` becomes
``const { a, b: c } = <that object>;`` where it stood. The module asked for (the widget's entry) keeps its own
top-level scope and its ``export default``.

Only these forms are supported, and anything else fails loudly rather than reaching the browser half-joined:

* ``import { a, b as c } from "./x.js";`` or ``"../x.js"`` (one or more lines; relative paths only) at the start of
  a line, ending with ``;``;
* in an imported module, ``export`` before ``function``, ``async function``, ``const``, ``let`` or ``class`` with
  one plain name (no ``export default``, no ``export { … }`` lists, no ``export const { a } = …``);
* no import cycles.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from labelwidgets.widgets.display import asset

_IMPORT = re.compile(r'^import\s*\{(?P<names>[^}]*)\}\s*from\s*"(?P<path>\.{1,2}/[\w./-]+\.js)";[ \t]*\n', re.MULTILINE)
_EXPORT = re.compile(
    r"^export\s+(?P<keyword>(?:async\s+)?function\s*\*?|const|let|class)\s+(?P<name>[A-Za-z_$][\w$]*)", re.MULTILINE
)
_ANY_EXPORT = re.compile(r"^export\b", re.MULTILINE)
_ANY_IMPORT = re.compile(r"^import\b", re.MULTILINE)
_NAME = re.compile(r"^[A-Za-z_$][\w$]*$")


@functools.cache
def module_source(name: str) -> str:
    """``js/<name>`` with every module it imports by relative path joined in (recursively, each once)."""
    return bundle(asset(name))


@functools.cache
def style_source(*names: str) -> str:
    """The widget's CSS: ``js/theme.css`` (the colours every widget shares), then each file of ``names``."""
    return "\n".join(asset(name).read_text(encoding="utf-8") for name in ("theme.css", *names))


def bundle(entry: Path) -> str:
    """The module at ``entry`` as one module: each module it imports, at any depth, scoped and evaluated once first."""
    entry = entry.resolve()
    root = entry.parent
    scopes: dict[Path, str] = {}  # module path -> the variable holding its exports, in evaluation order
    chunks: list[str] = []
    visiting: list[Path] = []

    def variable(path: Path) -> str:
        relative = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
        stem = re.sub(r"\W", "_", relative.with_suffix("").as_posix())
        return f"__lw_{len(scopes)}_{stem}"

    def load(path: Path) -> str:
        if path in scopes:
            return scopes[path]
        if path in visiting:
            cycle = " -> ".join(p.name for p in [*visiting[visiting.index(path) :], path])
            raise ValueError(f"import cycle in the front end's modules: {cycle}")
        visiting.append(path)
        body, exported = _exports(path, _imports(path, load))
        visiting.pop()
        name = variable(path)
        scopes[path] = name
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        chunks.append(
            f"// ----- {shown} (joined in) -----\nconst {name} = (() => {{\n{body}\n"
            f"return {{ {', '.join(exported)} }};\n}})();\n"
        )
        return name

    top = _imports(entry, load)
    return "".join(chunks) + top


def _imports(path: Path, load: Callable[[Path], str]) -> str:
    """The source of ``path`` with each relative import replaced by a destructuring of the module's exports."""
    source = without_comment_lines(path.read_text(encoding="utf-8"))

    def replace(match: re.Match[str]) -> str:
        dependency = (path.parent / match.group("path")).resolve()
        if not dependency.exists():
            raise ValueError(f"{path.name} imports {match.group('path')}, which does not exist")
        bindings = []
        for item in (part.strip() for part in match.group("names").split(",")):
            if not item:
                continue
            imported, _, local = (word.strip() for word in item.partition(" as "))
            if not _NAME.match(imported) or (local and not _NAME.match(local)):
                raise ValueError(f"{path.name}: unsupported import {item!r}")
            bindings.append(f"{imported}: {local}" if local and local != imported else imported)
        return f"const {{ {', '.join(bindings)} }} = {load(dependency)};\n"

    return _IMPORT.sub(replace, source)


def _exports(path: Path, source: str) -> tuple[str, list[str]]:
    """``source`` (of ``path``, its imports replaced) without its ``export`` keywords, and the names it exports."""
    names = [match.group("name") for match in _EXPORT.finditer(source)]
    body = _EXPORT.sub(lambda m: f"{m.group('keyword')} {m.group('name')}", source)
    if leftover := _ANY_EXPORT.search(body):
        line = body[leftover.start() :].partition("\n")[0]
        raise ValueError(f"{path.name}: unsupported export form for an imported module: {line!r}")
    if leftover := _ANY_IMPORT.search(body):
        line = body[leftover.start() :].partition("\n")[0]
        raise ValueError(f'{path.name}: unsupported import (relative `import {{ … }} from "./x.js";` only): {line!r}')
    return body, names


def without_comment_lines(source: str) -> str:
    """``source`` without the lines that are only a comment (``// …``, or a ``/* … */`` block from its first line
    to its last); a comment after code stays.

    The comments are for the people who read ``js/``; every widget sends its module to the browser in the
    notebook (and a saved notebook keeps it in the widget's state), where they were a third of its size. A line
    inside a string is never a comment line here: only a template literal can span lines, and a module with a
    line that opens or closes one (an odd number of backticks) is left as it is.
    """
    lines = source.split("\n")
    if any(line.count("`") % 2 for line in lines):
        return source
    kept: list[str] = []
    in_block = False
    for line in lines:
        stripped = line.strip()
        if in_block:
            if "*/" in stripped:
                in_block = False
                if rest := line.partition("*/")[2].strip():  # code after the block's end
                    kept.append(rest)
            continue
        if stripped.startswith("//"):
            continue
        if stripped.startswith("/*"):
            if "*/" not in stripped:
                in_block = True
            elif stripped.partition("*/")[2].strip():
                kept.append(line)
            continue
        kept.append(line)
    return "\n".join(kept)
